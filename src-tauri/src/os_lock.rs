//! Locks the app when the operating system's session locks, where the platform reports it.
//! On Linux: logind's `Lock` signal for a session (system bus) and a screen saver turning on
//! (`ActiveChanged(true)` from `org.freedesktop.ScreenSaver` or `org.gnome.ScreenSaver`,
//! session bus). Any of them locks; a signal meant for another session on the PC locking this
//! app too is the safe side. Elsewhere nothing is watched, and the idle lock still applies.

use std::future::Future;
use std::sync::Arc;

/// Calls `on_lock` whenever the OS reports that the session locked, until the app exits.
pub fn watch<F, Fut>(on_lock: F)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    #[cfg(target_os = "linux")]
    linux::watch(Arc::new(on_lock));
    #[cfg(not(target_os = "linux"))]
    let _ = Arc::new(on_lock);
}

#[cfg(target_os = "linux")]
mod linux {
    use std::future::Future;
    use std::sync::Arc;

    use futures::StreamExt;
    use zbus::message::Type;
    use zbus::{Connection, MatchRule, MessageStream};

    pub fn watch<F, Fut>(on_lock: Arc<F>)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        for interface in ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"] {
            let on_lock = on_lock.clone();
            tauri::async_runtime::spawn(async move {
                match Connection::session().await {
                    Ok(bus) => listen(bus, interface, "ActiveChanged", on_lock).await,
                    Err(e) => tracing::info!(error = %e, "no session bus: the screen saver is not watched"),
                }
            });
        }
        tauri::async_runtime::spawn(async move {
            match Connection::system().await {
                Ok(bus) => listen(bus, "org.freedesktop.login1.Session", "Lock", on_lock).await,
                Err(e) => tracing::info!(error = %e, "no system bus: logind's lock is not watched"),
            }
        });
    }

    async fn listen<F, Fut>(bus: Connection, interface: &'static str, member: &'static str, on_lock: Arc<F>)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let rule = match MatchRule::builder()
            .msg_type(Type::Signal)
            .interface(interface)
            .and_then(|b| b.member(member))
        {
            Ok(b) => b.build(),
            Err(e) => return tracing::error!(error = %e, interface, "bad D-Bus match rule"),
        };
        let mut stream = match MessageStream::for_match_rule(rule, &bus, None).await {
            Ok(stream) => stream,
            Err(e) => return tracing::info!(error = %e, interface, "cannot watch for the OS lock"),
        };
        tracing::info!(interface, member, "watching for the OS session lock");
        while let Some(message) = stream.next().await {
            let Ok(message) = message else { continue };
            // ActiveChanged carries whether the screen saver is now on; logind's Lock carries nothing.
            let locks = member != "ActiveChanged" || message.body().deserialize::<bool>().unwrap_or(false);
            if locks {
                tracing::info!(interface, "the OS session locked");
                on_lock().await;
            }
        }
    }
}
