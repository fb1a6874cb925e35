//! Tauri commands for single sign-on (RFC 8252): the app opens a loopback listener, begins the
//! sign-in in the core, opens the authorization URL in the system browser (never in its own
//! web view, whose page the provider's login must not share), and waits for the redirect. The
//! person can cancel while waiting. Thin, like `commands.rs`: every decision is the core's.

use countersign::api::session::Origin;
use countersign::api::sso::Answer;
use countersign::api::sso_settings::SsoSettingsRequest;
use countersign::api::views::{ErrorView, MeView, SsoOfferView, SsoSettingsView};
use countersign::auth::loopback::{LoopbackRedirect, SIGN_IN_TIMEOUT};
use countersign::auth::oidc::Pending;
use countersign::domain::sso::SsoRefusal;
use countersign::Error;
use tauri::State;

use crate::commands::{device, Reply};
use crate::state::AppState;

/// Begins a sign-in, opens the browser, and waits for its answer (or the person's cancel).
async fn browser_round(state: &AppState) -> Result<(Pending, Answer), ErrorView> {
    let core = state.core()?;
    let listener = LoopbackRedirect::bind().await.map_err(|e| {
        tracing::error!(error = %e, "cannot listen on loopback for the sign-in");
        ErrorView::from(&Error::Internal(e.to_string()))
    })?;
    let begun = core.begin_sso(listener.redirect_uri()).await.map_err(|e| ErrorView::from(&e))?;
    let url = begun.authorize_url.to_string();
    let opened = tokio::task::spawn_blocking(move || webbrowser::open(&url)).await;
    if !matches!(opened, Ok(Ok(()))) {
        tracing::error!("the system browser could not be opened for single sign-on");
        return Ok((begun.pending, Err(SsoRefusal::NoBrowser)));
    }
    let cancelled = state.sso_waiting();
    let answer = tokio::select! {
        answer = listener.wait(SIGN_IN_TIMEOUT) => answer,
        () = cancelled => Err(SsoRefusal::Cancelled),
    };
    Ok((begun.pending, answer))
}

/// What the sign-in screen offers (before anyone signs in).
#[tauri::command]
pub async fn sso_offer(state: State<'_, AppState>) -> Reply<Option<SsoOfferView>> {
    state.core()?.sso_offer().await.map_err(|e| ErrorView::from(&e))
}

/// Signs in with the organisation's identity provider in the system browser.
#[tauri::command]
pub async fn sso_sign_in(state: State<'_, AppState>) -> Reply<MeView> {
    let (pending, answer) = browser_round(&state).await?;
    let signed_in = state
        .core()?
        .finish_sso(pending, answer, Origin::Desktop, &device())
        .await
        .map_err(|e| ErrorView::from(&e))?;
    state.set_session(Some(signed_in.token));
    Ok(signed_in.me)
}

/// Unlocks the locked session by signing in at the provider again, as its user.
#[tauri::command]
pub async fn sso_unlock(state: State<'_, AppState>) -> Reply<MeView> {
    let token = state.session()?;
    let (pending, answer) = browser_round(&state).await?;
    state.core()?.unlock_with_sso(&token, pending, answer).await.map_err(|e| ErrorView::from(&e))
}

/// Stops waiting for the browser (the person pressed Cancel).
#[tauri::command]
pub async fn sso_cancel(state: State<'_, AppState>) -> Reply<()> {
    state.cancel_sso();
    Ok(())
}

#[tauri::command]
pub async fn sso_settings(state: State<'_, AppState>) -> Reply<SsoSettingsView> {
    state.core()?.sso_settings(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_sso_settings(
    state: State<'_, AppState>,
    request: SsoSettingsRequest,
) -> Reply<SsoSettingsView> {
    let token = state.session()?;
    state.core()?.set_sso_settings(&token, request).await.map_err(|e| ErrorView::from(&e))
}
