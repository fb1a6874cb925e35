//! The HTTP API, version 1: the same `api/` calls the desktop app makes.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use super::ApiError;
use serde::Deserialize;

use crate::api::inbox::SendTextRequest;
use crate::api::keys::{KeyAnswer, PasswordlessRequest, RegisterKeyRequest};
use crate::api::lock::{LockReason, UnlockRequest};
use crate::api::mfa::CodeRequest;
use crate::api::network::SetAllowlistRequest;
use crate::api::session::{ChangePasswordRequest, LoginRequest, Origin};
use crate::api::users::{ResetPasswordRequest, SecuritySettings};
use crate::api::views::{AllowlistView, MeView, RecoveryCodesView, SecuritySettingsView, SessionView};
use crate::api::views::{ConversationSummaryView, MessageView, NewSessionView};
use crate::api::views::{KeyChallengeView, SecurityKeyView, TotpEnrolmentView};
use crate::api::Core;
use crate::auth::session::SessionToken;
use crate::domain::ConversationId;
use crate::error::Error;

pub(super) fn routes() -> Router<Core> {
    Router::new()
        .route("/api/v1/sessions", post(login))
        .route("/api/v1/sessions/current", delete(logout))
        .route("/api/v1/me/password", post(change_password))
        .route("/api/v1/me/totp", post(begin_totp))
        .route("/api/v1/me/totp/confirm", post(confirm_totp))
        .route("/api/v1/me/totp/remove", post(remove_totp))
        .route("/api/v1/me/recovery-codes", post(regenerate_recovery_codes))
        .route("/api/v1/sessions/current/second-factor", post(second_factor))
        .route("/api/v1/me/sessions", get(my_sessions).delete(end_other_sessions))
        .route("/api/v1/me/sessions/{id}", delete(end_session))
        .route("/api/v1/users/{username}/sessions/revoke", post(end_user_sessions))
        .route("/api/v1/users/{username}/password-reset", post(reset_password))
        .route("/api/v1/users/{username}/unlock", post(unlock))
        .route("/api/v1/settings/security", get(security_settings_view).patch(security_settings))
        .route("/api/v1/sessions/current/lock", post(lock))
        .route("/api/v1/sessions/current/unlock", post(unlock_session))
        .route("/api/v1/sessions/current/step-up", post(step_up))
        .route("/api/v1/sessions/current/security-key/challenge", post(key_challenge))
        .route("/api/v1/sessions/current/security-key", post(key_answer))
        .route("/api/v1/sessions/passwordless/challenge", post(passwordless_challenge))
        .route("/api/v1/sessions/passwordless", post(passwordless))
        .route("/api/v1/me/security-keys/registration", post(begin_key_registration))
        .route("/api/v1/me/security-keys", get(security_keys).post(finish_key_registration))
        .route("/api/v1/me/security-keys/{id}", delete(remove_security_key))
        .route("/api/v1/settings/allowlist", get(allowlist).put(set_allowlist))
        .route("/api/v1/conversations", get(conversations))
        .route("/api/v1/conversations/{id}/messages", get(messages).post(send))
}

/// The bearer token of a request; a missing one is 401 like a wrong one.
struct Bearer(SessionToken);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // The token is bound to the address it was issued to; without a peer address (never
        // the case under `serve`) nothing matches it.
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let origin = Origin::Network(peer.ok_or(ApiError(Error::Unauthenticated))?);
        parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| Bearer(SessionToken::from_client(t.trim().to_owned(), origin)))
            .ok_or(ApiError(Error::Unauthenticated))
    }
}

/// A JSON body, with a safe message when it does not parse.
fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    json.map(|Json(v)| v).map_err(|r| {
        ApiError(Error::Invalid(format!("the request body is not valid: {}", r.body_text_kind())))
    })
}

trait RejectionKind {
    fn body_text_kind(&self) -> &'static str;
}

impl RejectionKind for JsonRejection {
    // The rejection's own text can quote the body; only its kind is returned.
    fn body_text_kind(&self) -> &'static str {
        match self {
            JsonRejection::MissingJsonContentType(_) => "expected Content-Type: application/json",
            JsonRejection::JsonSyntaxError(_) => "malformed JSON",
            JsonRejection::JsonDataError(_) => "missing or wrongly typed fields",
            _ => "unreadable body",
        }
    }
}

async fn login(
    State(core): State<Core>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    json: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<NewSessionView>), ApiError> {
    let device = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("HTTP client");
    let signed_in = core.login(body(json)?, Origin::Network(peer.ip()), device).await?;
    Ok((StatusCode::CREATED, Json(signed_in.into_view())))
}

async fn logout(State(core): State<Core>, Bearer(token): Bearer) -> Result<StatusCode, ApiError> {
    core.logout(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn conversations(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<ConversationSummaryView>>, ApiError> {
    Ok(Json(core.list_conversations(&token).await?))
}

async fn messages(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    Ok(Json(core.conversation_messages(&token, ConversationId::new(id)).await?))
}

async fn send(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<SendTextRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.send_text(&token, ConversationId::new(id), request).await?)))
}

async fn change_password(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<ChangePasswordRequest>, JsonRejection>,
) -> Result<Json<MeView>, ApiError> {
    Ok(Json(core.change_password(&token, body(json)?).await?))
}

async fn reset_password(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(username): Path<String>,
    json: Result<Json<ResetPasswordRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    core.reset_password(&token, &username, body(json)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unlock(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    core.unlock_user(&token, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn security_settings(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<SecuritySettings>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    core.set_security_settings(&token, body(json)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn allowlist(State(core): State<Core>, Bearer(token): Bearer) -> Result<Json<AllowlistView>, ApiError> {
    Ok(Json(core.allowlist(&token).await?))
}

async fn set_allowlist(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<SetAllowlistRequest>, JsonRejection>,
) -> Result<Json<AllowlistView>, ApiError> {
    Ok(Json(core.set_allowlist(&token, body(json)?).await?))
}

async fn security_settings_view(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<SecuritySettingsView>, ApiError> {
    Ok(Json(core.security_settings(&token).await?))
}

#[derive(Deserialize)]
struct LockRequest {
    #[serde(default = "manual")]
    reason: LockReason,
}

fn manual() -> LockReason {
    LockReason::Manual
}

async fn lock(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<LockRequest>, JsonRejection>,
) -> Result<Json<MeView>, ApiError> {
    // Locking is always safe: a missing or unreadable body locks as "manual".
    let reason = json.map_or(LockReason::Manual, |Json(r)| r.reason);
    Ok(Json(core.lock(&token, reason).await?))
}

async fn unlock_session(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<UnlockRequest>, JsonRejection>,
) -> Result<Json<MeView>, ApiError> {
    Ok(Json(core.unlock(&token, body(json)?).await?))
}

async fn key_challenge(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<KeyChallengeView>, ApiError> {
    Ok(Json(core.begin_security_key_check(&token).await?))
}

async fn key_answer(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<KeyAnswer>, JsonRejection>,
) -> Result<Json<MeView>, ApiError> {
    Ok(Json(core.finish_security_key_check(&token, body(json)?).await?))
}

async fn passwordless_challenge(
    State(core): State<Core>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    json: Result<Json<PasswordlessRequest>, JsonRejection>,
) -> Result<Json<KeyChallengeView>, ApiError> {
    Ok(Json(core.begin_passwordless(body(json)?, Origin::Network(peer.ip())).await?))
}

async fn passwordless(
    State(core): State<Core>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    json: Result<Json<KeyAnswer>, JsonRejection>,
) -> Result<(StatusCode, Json<NewSessionView>), ApiError> {
    let device = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("HTTP client");
    let signed_in = core.finish_passwordless(body(json)?, Origin::Network(peer.ip()), device).await?;
    Ok((StatusCode::CREATED, Json(signed_in.into_view())))
}

async fn begin_key_registration(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<RegisterKeyRequest>, JsonRejection>,
) -> Result<Json<KeyChallengeView>, ApiError> {
    Ok(Json(core.begin_security_key_registration(&token, body(json)?).await?))
}

async fn finish_key_registration(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<KeyAnswer>, JsonRejection>,
) -> Result<(StatusCode, Json<Vec<SecurityKeyView>>), ApiError> {
    Ok((StatusCode::CREATED, Json(core.finish_security_key_registration(&token, body(json)?).await?)))
}

async fn security_keys(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<SecurityKeyView>>, ApiError> {
    Ok(Json(core.security_keys(&token).await?))
}

async fn remove_security_key(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SecurityKeyView>>, ApiError> {
    Ok(Json(core.remove_security_key(&token, id).await?))
}

async fn step_up(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<CodeRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    core.step_up(&token, body(json)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn my_sessions(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    Ok(Json(core.my_sessions(&token).await?))
}

async fn end_session(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    core.end_my_session(&token, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn end_other_sessions(State(core): State<Core>, Bearer(token): Bearer) -> Result<StatusCode, ApiError> {
    core.end_my_other_sessions(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn end_user_sessions(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    core.end_user_sessions(&token, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn begin_totp(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<TotpEnrolmentView>, ApiError> {
    Ok(Json(core.begin_totp_enrolment(&token).await?))
}

async fn confirm_totp(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<CodeRequest>, JsonRejection>,
) -> Result<Json<RecoveryCodesView>, ApiError> {
    Ok(Json(core.confirm_totp_enrolment(&token, body(json)?).await?))
}

async fn remove_totp(State(core): State<Core>, Bearer(token): Bearer) -> Result<Json<MeView>, ApiError> {
    Ok(Json(core.remove_totp(&token).await?))
}

async fn regenerate_recovery_codes(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<RecoveryCodesView>, ApiError> {
    Ok(Json(core.regenerate_recovery_codes(&token).await?))
}

async fn second_factor(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<CodeRequest>, JsonRejection>,
) -> Result<Json<MeView>, ApiError> {
    Ok(Json(core.verify_second_factor(&token, body(json)?).await?))
}
