//! The main window's protections that live in the shell: one app per desktop session, and
//! screen-capture blocking.
//!
//! Decisions, and why:
//! - A second start of the app brings the running window forward and exits before opening the
//!   store (`tauri-plugin-single-instance`, the Tauri project's own: a D-Bus name on Linux, a
//!   named mutex on Windows). On a shared counter PC two windows would be two sessions over one
//!   store, one of them perhaps forgotten unlocked behind the other.
//! - On Linux the plugin needs the session bus; without one (a bare X session) it would panic,
//!   so the app then runs without the guard and says so in the log rather than not starting.
//! - Content protection (the window is left out of screenshots, screen recording and screen
//!   sharing) is on unless the organisation turned it off (`desktop.content_protection`).
//!   Windows and macOS honour it; X11 and Wayland have no such request, so on Linux it changes
//!   nothing, and the README says so.
//! - On Linux the web view keeps the smallest caches: the one page the app shows needs no
//!   back-forward or resource cache. It keeps WebKit's GPU path although drawing in software
//!   would take ~90 MiB less under Mesa's software GL (issue 9's figures): in software mode
//!   WebKitGTK never answers a snapshot request, so WebDriver's screenshots (and with them the
//!   end-to-end journeys) hang, and what ships must be what the journeys test.

use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;

/// `builder` with the single-instance guard, where the desktop session allows it.
pub fn single_instance<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    if !session_bus_reachable() {
        tracing::warn!("no D-Bus session bus: a second start of the app will not be stopped");
        return builder;
    }
    builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| bring_forward(app)))
}

/// Whether the plugin can reach the session bus (always, off Linux).
fn session_bus_reachable() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        || std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|dir| std::path::Path::new(&dir).join("bus").exists())
}

/// Shows the running window in front: someone started the app again, looking for it.
fn bring_forward<R: Runtime>(app: &AppHandle<R>) {
    tracing::info!("the app was started again: showing the running window");
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Applies the organisation's content-protection setting to the main window (at start).
pub fn protect_content<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    // A store that did not open has no setting to read: protect, as by default.
    let on = match state.core() {
        Ok(core) => tauri::async_runtime::block_on(core.content_protection()).unwrap_or(true),
        Err(_) => true,
    };
    set_content_protected(app, on);
}

/// Leaves the main window out of screen captures, or lets it be captured.
pub fn set_content_protected<R: Runtime>(app: &AppHandle<R>, on: bool) {
    if let Some(window) = app.get_webview_window("main") {
        if let Err(e) = window.set_content_protected(on) {
            tracing::warn!(error = %e, "the window's content protection could not be set");
        }
    }
    tracing::info!(content_protection = on, "window content protection applied");
}

/// Gives the main window's web view the smallest caches (Linux; see above).
pub fn lighten_web_view<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(target_os = "linux")]
    if let Some(window) = app.get_webview_window("main") {
        let applied = window.with_webview(|webview| {
            use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
        if let Err(e) = applied {
            tracing::warn!(error = %e, "the web view's cache model could not be set");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}
