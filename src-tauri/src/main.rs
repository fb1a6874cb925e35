//! The Countersign desktop app: a thin Tauri shell over the core (DESIGN §7). It holds the
//! builder, state, thin commands and start-up; every decision is the core's.
//!
//! Start-up: the machine's IT policy is read first (`/etc/countersign/policy.json`); if it
//! does not load, the app shows why and opens nothing, rather than run unprotected. The store
//! is opened from where the policy pins it, else `COUNTERSIGN_DATA_DIR` (default: the user's
//! data directory), with the key from `COUNTERSIGN_KEY_FILE` or the OS credential store. If the
//! administrator enabled desktop intake (`countersign channel desktop-intake`), the app also
//! accepts WhatsApp webhooks itself. A build with the `demo` feature started with `--demo`
//! (or `COUNTERSIGN_DEMO=1`) instead creates a throw-away demo organisation, see `demo.rs`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod audit;
mod commands;
mod contact_fields;
#[cfg(feature = "demo")]
mod demo;
mod escalations;
mod keys;
mod notify;
mod os_lock;
mod retention;
mod routing;
mod sso;
mod state;
#[cfg(test)]
mod tests;
mod window;
mod workflow;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use tauri::Manager;

use countersign::keys::KeySource;
use countersign::managed::{load_machine_policy, Policy};
use countersign::{Core, Error};

use crate::state::AppState;

fn data_dir() -> PathBuf {
    std::env::var_os("COUNTERSIGN_DATA_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("countersign")))
        .unwrap_or_else(|| PathBuf::from("countersign-data"))
}

/// The machine's IT policy. Builds with the `demo` feature (the end-to-end tests) may read
/// another file named by `COUNTERSIGN_POLICY`; shipped builds read only the machine's.
fn policy() -> Result<Policy, Error> {
    #[cfg(feature = "demo")]
    let path = std::env::var_os("COUNTERSIGN_POLICY").map(PathBuf::from);
    #[cfg(not(feature = "demo"))]
    let path: Option<PathBuf> = None;
    Ok(load_machine_policy(path.as_deref())?)
}

async fn open_core(policy: Policy) -> Result<Core, Error> {
    let asked = (
        std::env::var_os("COUNTERSIGN_DATA_DIR").map(|_| data_dir()),
        std::env::var_os("COUNTERSIGN_KEY_FILE").map(PathBuf::from),
    );
    let (dir, key_file) = policy.pinned_location(asked.0, asked.1).map_err(Error::Policy)?;
    let dir = dir.unwrap_or_else(data_dir);
    let key = KeySource::choose(key_file, &dir);
    let core = Core::open(&dir, &key).await?.with_policy(policy);
    start_intake(&core).await;
    start_outbox(&core);
    Ok(core)
}

/// Sends the replies committed to the outbox, and purges audit events past retention, for as
/// long as the app runs.
fn start_outbox(core: &Core) {
    let sender = core.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = sender.run_outbox(std::future::pending()).await {
            tracing::error!(error = %e, "the outbox's sender could not start");
        }
    });
    let keeper = core.clone();
    tauri::async_runtime::spawn(async move { keeper.run_retention(std::future::pending()).await });
}

/// Starts the webhook endpoint if the administrator enabled it for this PC.
async fn start_intake(core: &Core) {
    let Ok(Some(addr)) = core.desktop_intake_listen().await else {
        return;
    };
    match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => {
            tracing::info!(%addr, "accepting webhooks");
            tauri::async_runtime::spawn(countersign::server::serve_webhooks(
                core.clone(),
                listener,
                std::future::pending(),
            ));
        }
        Err(e) => tracing::error!(%addr, error = %e, "cannot accept webhooks"),
    }
}

/// Ctrl-C or SIGTERM: exit through Tauri, so exit handlers (the demo's clean-up) still run.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let (Ok(mut int), Ok(mut term)) =
            (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
        {
            tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn demo_requested() -> bool {
    std::env::args().any(|a| a == "--demo") || std::env::var("COUNTERSIGN_DEMO").is_ok_and(|v| v == "1")
}

/// The app's state, and a directory to delete on exit (the demo's).
async fn start(policy: Result<Policy, Error>) -> anyhow::Result<(AppState, Option<PathBuf>)> {
    let policy = match policy {
        Ok(policy) => policy,
        Err(e) => {
            tracing::error!("the IT policy cannot be used: the app opens nothing");
            return Ok((AppState::new(Err(e)), None));
        }
    };
    if demo_requested() {
        #[cfg(feature = "demo")]
        {
            // The demo's security key is the library's software token: no hardware needed.
            let (core, dir) = demo::start().await?;
            let core = core.with_policy(policy);
            start_outbox(&core);
            let keys = std::sync::Arc::new(keys::SoftKey::new()?);
            return Ok((AppState::with_keys(Ok(core), keys), Some(dir)));
        }
        #[cfg(not(feature = "demo"))]
        anyhow::bail!("this build has no demo mode; build with `--features demo`");
    }
    let core = open_core(policy).await;
    if let Err(e) = &core {
        tracing::error!(error = %e, "the store could not be opened");
    }
    Ok((AppState::new(core), None))
}

/// The app's state and its commands (tests build the app with both at once).
#[cfg(test)]
fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    commands(builder.manage(state))
}

/// The app's commands (the same list `build.rs` generates permissions for).
fn commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::login,
        commands::logout,
        sso::sso_offer,
        sso::sso_sign_in,
        sso::sso_unlock,
        sso::sso_cancel,
        sso::sso_settings,
        sso::set_sso_settings,
        commands::me,
        commands::list_conversations,
        commands::conversation_page,
        commands::conversation_summary,
        commands::conversation_messages,
        commands::send_text,
        commands::change_password,
        commands::verify_second_factor,
        commands::begin_totp_enrolment,
        commands::confirm_totp_enrolment,
        commands::lock,
        commands::unlock,
        commands::switch_user,
        commands::step_up,
        commands::my_sessions,
        commands::end_session,
        commands::end_other_sessions,
        commands::security_settings,
        commands::set_security_settings,
        commands::try_masking,
        commands::channel_settings,
        commands::message_media,
        commands::send_message,
        commands::send_media,
        commands::mark_read,
        commands::templates,
        commands::sync_templates,
        commands::save_template,
        commands::send_template,
        commands::reveal_message,
        commands::set_template_audience,
        commands::sending_options,
        commands::set_channel_settings,
        commands::allowlist,
        commands::set_allowlist,
        commands::register_security_key,
        commands::security_keys,
        commands::remove_security_key,
        commands::verify_with_security_key,
        commands::sign_in_with_security_key,
        commands::regenerate_recovery_codes,
        commands::remove_totp,
        commands::assign_conversation,
        commands::handover_options,
        commands::transfer_conversation,
        commands::contacts,
        commands::contact,
        commands::assign_contact,
        commands::label_contact,
        commands::unlabel_contact,
        commands::labels,
        commands::create_label,
        commands::update_label,
        commands::delete_label,
        commands::teams,
        commands::create_team,
        commands::rename_team,
        commands::import_contacts,
        commands::merge_contacts,
        commands::set_team_hours,
        commands::delete_team,
        commands::add_team_member,
        commands::remove_team_member,
        commands::roles,
        commands::create_role,
        commands::update_role,
        commands::delete_role,
        commands::users,
        commands::create_user,
        commands::set_user_role,
        commands::set_user_disabled,
        commands::offboard_user,
        commands::end_user_sessions,
        commands::reset_password,
        commands::unlock_user,
        contact_fields::contact_fields,
        contact_fields::create_contact_field,
        contact_fields::update_contact_field,
        contact_fields::delete_contact_field,
        contact_fields::set_contact_field,
        contact_fields::reveal_contact,
        audit::audit_events,
        audit::audit_kinds,
        audit::export_audit,
        audit::security_alerts,
        audit::acknowledge_alert,
        audit::audit_retention,
        audit::set_audit_retention,
        retention::retention,
        retention::set_retention,
        retention::place_legal_hold,
        retention::release_legal_hold,
        retention::start_retention_purge,
        retention::export_contact_data,
        retention::erase_contact,
        retention::access_reviews,
        retention::start_access_review,
        retention::close_access_review,
        retention::my_access_reviews,
        retention::decide_access_review,
        retention::export_access_review,
        workflow::set_conversation_status,
        workflow::set_conversation_priority,
        workflow::conversation_notes,
        workflow::add_note,
        workflow::my_mentions,
        routing::routing_rules,
        routing::save_routing_rule,
        routing::delete_routing_rule,
        routing::set_default_team,
        routing::test_routing,
        routing::search,
        routing::quick_replies,
        routing::save_quick_reply,
        routing::delete_quick_reply,
        routing::conversation_quick_replies,
        routing::set_contact_lifecycle,
        routing::set_marketing_consent,
        escalations::request_escalation,
        escalations::escalations,
        escalations::decide_escalation,
        escalations::reveal_access,
    ])
}

fn main() -> anyhow::Result<()> {
    let policy = policy();
    countersign::logging::init(policy.as_ref().ok().and_then(|p| p.log_level.as_deref()));
    // The demo's throw-away directory, deleted when the app exits.
    let throwaway: Arc<Mutex<Option<PathBuf>>> = Arc::default();
    let on_exit = throwaway.clone();
    // One app per desktop session: a second start brings the running one forward and ends
    // before it has opened anything (its setup below never runs).
    let builder = window::single_instance(commands(tauri::Builder::default()));
    let app = builder
        .setup(move |app| {
            let (state, dir) = tauri::async_runtime::block_on(start(policy))?;
            *throwaway.lock().unwrap_or_else(PoisonError::into_inner) = dir;
            app.manage(state);
            window::protect_content(app.handle());
            window::lighten_web_view(app.handle());
            let locker = app.handle().clone();
            os_lock::watch(move || commands::lock_for_os(locker.clone()));
            notify::watch(app.handle().clone());
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                stop_signal().await;
                handle.exit(0);
            });
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(move |_, event| {
        if let tauri::RunEvent::Exit = event {
            if let Some(dir) = on_exit.lock().unwrap_or_else(PoisonError::into_inner).take() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    });
    Ok(())
}
