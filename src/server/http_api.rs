//! The HTTP API, version 1: the same `api/` calls the desktop app makes, one route per call.
//!
//! Every route is declared with `utoipa`, and the router is built from those declarations
//! (`utoipa_axum::routes!`), so the OpenAPI document served at `/api/v1/openapi.json` cannot
//! miss a route or describe one that does not exist. Each operation's id is the name of the
//! `api/` function it calls; the authorization matrix test keys on it.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiError;

mod audit;
mod contact_fields;
mod escalations;
mod retention;
mod routing;
mod sso;
mod whatsapp;
mod workflow;
use crate::api::contacts::{AssignContactRequest, MergeContactRequest};
use crate::api::import::ImportContactsRequest;
use crate::api::inbox::{AssignRequest, QueueRequest, SendTextRequest, ThreadRequest, TransferRequest};
use crate::api::keys::{KeyAnswer, PasswordlessRequest, RegisterKeyRequest};
use crate::api::labels::{ApplyLabelRequest, LabelRequest};
use crate::api::lock::{LockReason, UnlockRequest};
use crate::api::masking::MaskingTrial;
use crate::api::mfa::CodeRequest;
use crate::api::network::SetAllowlistRequest;
use crate::api::offboard::OffboardRequest;
use crate::api::people::{CreateUserRequest, SetDisabledRequest, SetRoleRequest};
use crate::api::reveal::RevealRequest;
use crate::api::roles::{DeleteRoleRequest, RoleRequest};
use crate::api::session::{ChangePasswordRequest, LoginRequest, Origin};
use crate::api::teams::{MemberRequest, TeamHoursRequest, TeamRequest};
use crate::api::users::{ResetPasswordRequest, SecuritySettings};
use crate::api::views::*;
use crate::api::Core;
use crate::auth::session::SessionToken;
use crate::domain::ConversationId;
use crate::error::Error;

#[derive(OpenApi)]
#[openapi(
    info(title = "Countersign API", description = "The secure shared WhatsApp inbox: every call the desktop app makes."),
    modifiers(&SessionScheme)
)]
struct ApiDoc;

struct SessionScheme;

impl Modify for SessionScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The token `POST /api/v1/sessions` returned."))
                    .build(),
            ),
        );
    }
}

/// The routes and their OpenAPI document.
fn api() -> (Router<Core>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(login))
        .routes(routes!(begin_passwordless))
        .routes(routes!(finish_passwordless))
        .routes(routes!(lock))
        .routes(routes!(me))
        .routes(routes!(logout))
        .routes(routes!(change_password))
        .routes(routes!(verify_second_factor))
        .routes(routes!(step_up))
        .routes(routes!(unlock))
        .routes(routes!(begin_security_key_check))
        .routes(routes!(finish_security_key_check))
        .routes(routes!(begin_totp_enrolment))
        .routes(routes!(confirm_totp_enrolment))
        .routes(routes!(remove_totp))
        .routes(routes!(regenerate_recovery_codes))
        .routes(routes!(my_sessions))
        .routes(routes!(end_my_other_sessions))
        .routes(routes!(end_my_session))
        .routes(routes!(begin_security_key_registration))
        .routes(routes!(security_keys))
        .routes(routes!(finish_security_key_registration))
        .routes(routes!(remove_security_key))
        .routes(routes!(list_conversations))
        .routes(routes!(conversation_page))
        .routes(routes!(conversation_summary))
        .routes(routes!(conversation_messages))
        .routes(routes!(send_text))
        .routes(routes!(assign_conversation))
        .routes(routes!(handover_options))
        .routes(routes!(transfer_conversation))
        .routes(routes!(workflow::set_conversation_status))
        .routes(routes!(workflow::set_conversation_priority))
        .routes(routes!(workflow::conversation_notes, workflow::add_note))
        .routes(routes!(workflow::my_mentions))
        .routes(routes!(routing::routing_rules))
        .routes(routes!(routing::save_routing_rule))
        .routes(routes!(routing::delete_routing_rule))
        .routes(routes!(routing::set_default_team))
        .routes(routes!(routing::test_routing))
        .routes(routes!(routing::search))
        .routes(routes!(routing::quick_replies, routing::save_quick_reply))
        .routes(routes!(routing::delete_quick_reply))
        .routes(routes!(routing::conversation_quick_replies))
        .routes(routes!(routing::set_contact_lifecycle))
        .routes(routes!(routing::set_marketing_consent))
        .routes(routes!(contacts))
        .routes(routes!(merge_contacts))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import_contacts))
                // A file of up to 5 MB, escaped in JSON.
                .layer(DefaultBodyLimit::max(2 * crate::domain::import::MAX_BYTES + 1024)),
        )
        .routes(routes!(contact))
        .routes(routes!(contact_fields::contact_fields))
        .routes(routes!(contact_fields::create_contact_field))
        .routes(routes!(contact_fields::update_contact_field))
        .routes(routes!(contact_fields::delete_contact_field))
        .routes(routes!(contact_fields::set_contact_field))
        .routes(routes!(contact_fields::reveal_contact))
        .routes(routes!(escalations::request_escalation))
        .routes(routes!(escalations::escalations))
        .routes(routes!(escalations::decide_escalation))
        .routes(routes!(escalations::reveal_access))
        .routes(routes!(audit::audit_events))
        .routes(routes!(audit::audit_kinds))
        .routes(routes!(audit::export_audit))
        .routes(routes!(audit::security_alerts))
        .routes(routes!(audit::acknowledge_alert))
        .routes(routes!(audit::audit_retention, audit::set_audit_retention))
        .routes(routes!(retention::retention, retention::set_retention))
        .routes(routes!(retention::place_legal_hold))
        .routes(routes!(retention::release_legal_hold))
        .routes(routes!(retention::start_retention_purge))
        .routes(routes!(retention::export_contact_data))
        .routes(routes!(retention::erase_contact))
        .routes(routes!(retention::access_reviews, retention::start_access_review))
        .routes(routes!(retention::close_access_review))
        .routes(routes!(retention::export_access_review))
        .routes(routes!(retention::my_access_reviews))
        .routes(routes!(retention::decide_access_review))
        .routes(routes!(assign_contact))
        .routes(routes!(label_contact))
        .routes(routes!(unlabel_contact))
        .routes(routes!(labels))
        .routes(routes!(create_label))
        .routes(routes!(update_label))
        .routes(routes!(delete_label))
        .routes(routes!(teams))
        .routes(routes!(create_team))
        .routes(routes!(rename_team))
        .routes(routes!(set_team_hours))
        .routes(routes!(delete_team))
        .routes(routes!(add_team_member))
        .routes(routes!(remove_team_member))
        .routes(routes!(roles))
        .routes(routes!(create_role))
        .routes(routes!(update_role))
        .routes(routes!(delete_role))
        .routes(routes!(users))
        .routes(routes!(create_user))
        .routes(routes!(set_user_role))
        .routes(routes!(set_user_disabled))
        .routes(routes!(offboard_user))
        .routes(routes!(end_user_sessions))
        .routes(routes!(reset_password))
        .routes(routes!(unlock_user))
        .routes(routes!(security_settings))
        .routes(routes!(set_security_settings))
        .routes(routes!(try_masking))
        .routes(routes!(whatsapp::message_media))
        .routes(routes!(reveal_message))
        .routes(routes!(whatsapp::mark_read))
        .routes(routes!(whatsapp::send_message))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(whatsapp::send_media))
                .layer(DefaultBodyLimit::max(whatsapp::MAX_MEDIA_BODY)),
        )
        .routes(routes!(whatsapp::templates))
        .routes(routes!(whatsapp::save_template))
        .routes(routes!(whatsapp::sync_templates))
        .routes(routes!(whatsapp::send_template))
        .routes(routes!(whatsapp::set_template_audience))
        .routes(routes!(whatsapp::sending_options))
        .routes(routes!(whatsapp::channel_settings))
        .routes(routes!(whatsapp::set_channel_settings))
        .routes(routes!(allowlist))
        .routes(routes!(set_allowlist))
        .routes(routes!(sso::sso_offer))
        .routes(routes!(sso::begin_sso_for_client))
        .routes(routes!(sso::finish_sso_for_client))
        .routes(routes!(sso::sso_settings))
        .routes(routes!(sso::set_sso_settings))
        .split_for_parts()
}

pub(super) fn routes() -> Router<Core> {
    let (router, doc) = api();
    let doc = std::sync::Arc::new(doc);
    router.route(
        "/api/v1/openapi.json",
        axum::routing::get(move || std::future::ready(Json(doc.as_ref().clone()))),
    )
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

#[utoipa::path(post, path = "/api/v1/sessions", operation_id = "login", tag = "session", request_body = LoginRequest,
    responses((status = 201, body = NewSessionView), (status = "4XX", body = ErrorView)))]
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

#[utoipa::path(post, path = "/api/v1/sessions/passwordless/challenge", operation_id = "begin_passwordless", tag = "session",
    request_body = PasswordlessRequest, responses((status = 200, body = KeyChallengeView), (status = "4XX", body = ErrorView)))]
async fn begin_passwordless(
    State(core): State<Core>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    json: Result<Json<PasswordlessRequest>, JsonRejection>,
) -> Result<Json<KeyChallengeView>, ApiError> {
    Ok(Json(core.begin_passwordless(body(json)?, Origin::Network(peer.ip())).await?))
}

#[utoipa::path(post, path = "/api/v1/sessions/passwordless", operation_id = "finish_passwordless", tag = "session",
    request_body = KeyAnswer, responses((status = 201, body = NewSessionView), (status = "4XX", body = ErrorView)))]
async fn finish_passwordless(
    State(core): State<Core>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    json: Result<Json<KeyAnswer>, JsonRejection>,
) -> Result<(StatusCode, Json<NewSessionView>), ApiError> {
    let device = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("HTTP client");
    let signed_in = core.finish_passwordless(body(json)?, Origin::Network(peer.ip()), device).await?;
    Ok((StatusCode::CREATED, Json(signed_in.into_view())))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct LockRequest {
    #[serde(default = "manual")]
    reason: LockReason,
}

fn manual() -> LockReason {
    LockReason::Manual
}

#[utoipa::path(post, path = "/api/v1/sessions/current/lock", operation_id = "lock", tag = "session", security(("session" = [])),
    request_body(content = LockRequest, description = "Optional: a missing or unreadable body locks as `manual`."),
    responses((status = 200, body = MeView), (status = "4XX", body = ErrorView)))]
async fn lock(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<LockRequest>, JsonRejection>,
) -> Result<Json<MeView>, ApiError> {
    // Locking is always safe: a missing or unreadable body locks as "manual".
    let reason = json.map_or(LockReason::Manual, |Json(r)| r.reason);
    Ok(Json(core.lock(&token, reason).await?))
}

#[utoipa::path(get, path = "/api/v1/me", operation_id = "me", tag = "session", security(("session" = [])), responses((status = 200, body = MeView), (status = "4XX", body = ErrorView)))]
async fn me(State(core): State<Core>, Bearer(token): Bearer) -> Result<Json<MeView>, ApiError> {
    Ok(Json(core.me(&token).await?))
}

#[utoipa::path(delete, path = "/api/v1/sessions/current", operation_id = "logout", tag = "session", security(("session" = [])), responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn logout(State(core): State<Core>, Bearer(token): Bearer) -> Result<StatusCode, ApiError> {
    core.logout(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/me/password", operation_id = "change_password", tag = "session", security(("session" = [])), request_body = ChangePasswordRequest, responses((status = 200, body = MeView), (status = "4XX", body = ErrorView)))]
async fn change_password(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<ChangePasswordRequest>, JsonRejection>,
) -> Result<Json<MeView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.change_password(&token, request).await?))
}

#[utoipa::path(post, path = "/api/v1/sessions/current/second-factor", operation_id = "verify_second_factor", tag = "session", security(("session" = [])), request_body = CodeRequest, responses((status = 200, body = MeView), (status = "4XX", body = ErrorView)))]
async fn verify_second_factor(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<CodeRequest>, JsonRejection>,
) -> Result<Json<MeView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.verify_second_factor(&token, request).await?))
}

#[utoipa::path(post, path = "/api/v1/sessions/current/step-up", operation_id = "step_up", tag = "session", security(("session" = [])), request_body = CodeRequest, responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn step_up(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<CodeRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let request = body(json)?;
    core.step_up(&token, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/sessions/current/unlock", operation_id = "unlock", tag = "session", security(("session" = [])), request_body = UnlockRequest, responses((status = 200, body = MeView), (status = "4XX", body = ErrorView)))]
async fn unlock(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<UnlockRequest>, JsonRejection>,
) -> Result<Json<MeView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.unlock(&token, request).await?))
}

#[utoipa::path(post, path = "/api/v1/sessions/current/security-key/challenge", operation_id = "begin_security_key_check", tag = "session", security(("session" = [])), responses((status = 200, body = KeyChallengeView), (status = "4XX", body = ErrorView)))]
async fn begin_security_key_check(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<KeyChallengeView>, ApiError> {
    Ok(Json(core.begin_security_key_check(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/sessions/current/security-key", operation_id = "finish_security_key_check", tag = "session", security(("session" = [])), request_body = KeyAnswer, responses((status = 200, body = MeView), (status = "4XX", body = ErrorView)))]
async fn finish_security_key_check(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<KeyAnswer>, JsonRejection>,
) -> Result<Json<MeView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.finish_security_key_check(&token, request).await?))
}

#[utoipa::path(post, path = "/api/v1/me/totp", operation_id = "begin_totp_enrolment", tag = "my account", security(("session" = [])), responses((status = 200, body = TotpEnrolmentView), (status = "4XX", body = ErrorView)))]
async fn begin_totp_enrolment(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<TotpEnrolmentView>, ApiError> {
    Ok(Json(core.begin_totp_enrolment(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/me/totp/confirm", operation_id = "confirm_totp_enrolment", tag = "my account", security(("session" = [])), request_body = CodeRequest, responses((status = 200, body = RecoveryCodesView), (status = "4XX", body = ErrorView)))]
async fn confirm_totp_enrolment(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<CodeRequest>, JsonRejection>,
) -> Result<Json<RecoveryCodesView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.confirm_totp_enrolment(&token, request).await?))
}

#[utoipa::path(post, path = "/api/v1/me/totp/remove", operation_id = "remove_totp", tag = "my account", security(("session" = [])), responses((status = 200, body = MeView), (status = "4XX", body = ErrorView)))]
async fn remove_totp(State(core): State<Core>, Bearer(token): Bearer) -> Result<Json<MeView>, ApiError> {
    Ok(Json(core.remove_totp(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/me/recovery-codes", operation_id = "regenerate_recovery_codes", tag = "my account", security(("session" = [])), responses((status = 200, body = RecoveryCodesView), (status = "4XX", body = ErrorView)))]
async fn regenerate_recovery_codes(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<RecoveryCodesView>, ApiError> {
    Ok(Json(core.regenerate_recovery_codes(&token).await?))
}

#[utoipa::path(get, path = "/api/v1/me/sessions", operation_id = "my_sessions", tag = "my account", security(("session" = [])), responses((status = 200, body = Vec<SessionView>), (status = "4XX", body = ErrorView)))]
async fn my_sessions(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    Ok(Json(core.my_sessions(&token).await?))
}

#[utoipa::path(delete, path = "/api/v1/me/sessions", operation_id = "end_my_other_sessions", tag = "my account", security(("session" = [])), responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn end_my_other_sessions(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<StatusCode, ApiError> {
    core.end_my_other_sessions(&token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", operation_id = "end_my_session", tag = "my account", security(("session" = [])), params(("id" = i64, Path)), responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn end_my_session(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    core.end_my_session(&token, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/me/security-keys/registration", operation_id = "begin_security_key_registration", tag = "my account", security(("session" = [])), request_body = RegisterKeyRequest, responses((status = 200, body = KeyChallengeView), (status = "4XX", body = ErrorView)))]
async fn begin_security_key_registration(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<RegisterKeyRequest>, JsonRejection>,
) -> Result<Json<KeyChallengeView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.begin_security_key_registration(&token, request).await?))
}

#[utoipa::path(get, path = "/api/v1/me/security-keys", operation_id = "security_keys", tag = "my account", security(("session" = [])), responses((status = 200, body = Vec<SecurityKeyView>), (status = "4XX", body = ErrorView)))]
async fn security_keys(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<SecurityKeyView>>, ApiError> {
    Ok(Json(core.security_keys(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/me/security-keys", operation_id = "finish_security_key_registration", tag = "my account", security(("session" = [])), request_body = KeyAnswer, responses((status = 201, body = Vec<SecurityKeyView>), (status = "4XX", body = ErrorView)))]
async fn finish_security_key_registration(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<KeyAnswer>, JsonRejection>,
) -> Result<(StatusCode, Json<Vec<SecurityKeyView>>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.finish_security_key_registration(&token, request).await?)))
}

#[utoipa::path(delete, path = "/api/v1/me/security-keys/{id}", operation_id = "remove_security_key", tag = "my account", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, body = Vec<SecurityKeyView>), (status = "4XX", body = ErrorView)))]
async fn remove_security_key(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SecurityKeyView>>, ApiError> {
    Ok(Json(core.remove_security_key(&token, id).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations", operation_id = "list_conversations", tag = "inbox", security(("session" = [])), responses((status = 200, body = Vec<ConversationSummaryView>), (status = "4XX", body = ErrorView)))]
async fn list_conversations(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<ConversationSummaryView>>, ApiError> {
    Ok(Json(core.list_conversations(&token).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/queue", operation_id = "conversation_page", tag = "inbox", security(("session" = [])), params(QueueRequest), responses((status = 200, body = ConversationPageView), (status = "4XX", body = ErrorView)))]
async fn conversation_page(
    State(core): State<Core>,
    Bearer(token): Bearer,
    request: Result<axum::extract::Query<QueueRequest>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ConversationPageView>, ApiError> {
    Ok(Json(core.conversation_page(&token, page_asked(request)?).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", operation_id = "conversation_summary", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, body = ConversationSummaryView), (status = "4XX", body = ErrorView)))]
async fn conversation_summary(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<ConversationSummaryView>, ApiError> {
    Ok(Json(core.conversation_summary(&token, ConversationId::new(id)).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", operation_id = "conversation_messages", tag = "inbox", security(("session" = [])), params(("id" = i64, Path), ThreadRequest), responses((status = 200, body = ThreadPageView), (status = "4XX", body = ErrorView)))]
async fn conversation_messages(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    request: Result<axum::extract::Query<ThreadRequest>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ThreadPageView>, ApiError> {
    Ok(Json(core.conversation_messages(&token, ConversationId::new(id), page_asked(request)?).await?))
}

/// A page's query string, or a 422 saying what is wrong with it in words.
fn page_asked<T>(
    request: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    let axum::extract::Query(request) = request.map_err(|_| {
        ApiError(crate::error::Error::Invalid(
            "the page asked for is not valid: check its numbers".to_owned(),
        ))
    })?;
    Ok(request)
}

#[utoipa::path(post, path = "/api/v1/messages/{id}/reveal", operation_id = "reveal_message", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), request_body = RevealRequest, responses((status = 200, body = RevealView), (status = "4XX", body = ErrorView)))]
async fn reveal_message(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<RevealRequest>, JsonRejection>,
) -> Result<Json<RevealView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.reveal_message(&token, crate::domain::MessageId::new(id), request).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", operation_id = "send_text", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), request_body = SendTextRequest, responses((status = 201, body = MessageView), (status = "4XX", body = ErrorView)))]
async fn send_text(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<SendTextRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.send_text(&token, ConversationId::new(id), request).await?)))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/assignee", operation_id = "assign_conversation", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), request_body = AssignRequest, responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn assign_conversation(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<AssignRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let request = body(json)?;
    core.assign_conversation(&token, ConversationId::new(id), request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/handover", operation_id = "handover_options", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, body = HandoverView), (status = "4XX", body = ErrorView)))]
async fn handover_options(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<HandoverView>, ApiError> {
    Ok(Json(core.handover_options(&token, ConversationId::new(id)).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/team", operation_id = "transfer_conversation", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), request_body = TransferRequest, responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn transfer_conversation(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<TransferRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let request = body(json)?;
    core.transfer_conversation(&token, ConversationId::new(id), request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/contacts", operation_id = "contacts", tag = "contacts", security(("session" = [])), responses((status = 200, body = Vec<ContactView>), (status = "4XX", body = ErrorView)))]
async fn contacts(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<ContactView>>, ApiError> {
    Ok(Json(core.contacts(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/contacts/import", operation_id = "import_contacts", tag = "contacts", security(("session" = [])), request_body = ImportContactsRequest, responses((status = 200, body = ImportReportView), (status = "4XX", body = ErrorView)))]
async fn import_contacts(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<ImportContactsRequest>, JsonRejection>,
) -> Result<Json<ImportReportView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.import_contacts(&token, request).await?))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", operation_id = "merge_contacts", tag = "contacts", security(("session" = [])), params(("id" = i64, Path)), request_body = MergeContactRequest, responses((status = 200, body = ContactView), (status = "4XX", body = ErrorView)))]
async fn merge_contacts(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<MergeContactRequest>, JsonRejection>,
) -> Result<Json<ContactView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.merge_contacts(&token, id, request).await?))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", operation_id = "contact", tag = "contacts", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, body = ContactView), (status = "4XX", body = ErrorView)))]
async fn contact(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<ContactView>, ApiError> {
    Ok(Json(core.contact(&token, id).await?))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/assignment", operation_id = "assign_contact", tag = "contacts", security(("session" = [])), params(("id" = i64, Path)), request_body = AssignContactRequest, responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn assign_contact(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<AssignContactRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let request = body(json)?;
    core.assign_contact(&token, id, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/labels", operation_id = "label_contact", tag = "contacts", security(("session" = [])), params(("id" = i64, Path)), request_body = ApplyLabelRequest, responses((status = 200, body = ContactView), (status = "4XX", body = ErrorView)))]
async fn label_contact(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<ApplyLabelRequest>, JsonRejection>,
) -> Result<Json<ContactView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.label_contact(&token, id, request).await?))
}

#[utoipa::path(delete, path = "/api/v1/contacts/{id}/labels/{label}", operation_id = "unlabel_contact", tag = "contacts", security(("session" = [])), params(("id" = i64, Path), ("label" = i64, Path)), responses((status = 200, body = ContactView), (status = "4XX", body = ErrorView)))]
async fn unlabel_contact(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path((id, label)): Path<(i64, i64)>,
) -> Result<Json<ContactView>, ApiError> {
    Ok(Json(core.unlabel_contact(&token, id, label).await?))
}

#[utoipa::path(get, path = "/api/v1/labels", operation_id = "labels", tag = "labels", security(("session" = [])), responses((status = 200, body = Vec<LabelView>), (status = "4XX", body = ErrorView)))]
async fn labels(State(core): State<Core>, Bearer(token): Bearer) -> Result<Json<Vec<LabelView>>, ApiError> {
    Ok(Json(core.labels(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/labels", operation_id = "create_label", tag = "labels", security(("session" = [])), request_body = LabelRequest, responses((status = 201, body = LabelView), (status = "4XX", body = ErrorView)))]
async fn create_label(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<LabelRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<LabelView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.create_label(&token, request).await?)))
}

#[utoipa::path(put, path = "/api/v1/labels/{id}", operation_id = "update_label", tag = "labels", security(("session" = [])), params(("id" = i64, Path)), request_body = LabelRequest, responses((status = 200, body = LabelView), (status = "4XX", body = ErrorView)))]
async fn update_label(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<LabelRequest>, JsonRejection>,
) -> Result<Json<LabelView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.update_label(&token, id, request).await?))
}

#[utoipa::path(delete, path = "/api/v1/labels/{id}", operation_id = "delete_label", tag = "labels", security(("session" = [])), params(("id" = i64, Path)), responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn delete_label(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    core.delete_label(&token, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/teams", operation_id = "teams", tag = "teams", security(("session" = [])), responses((status = 200, body = Vec<TeamView>), (status = "4XX", body = ErrorView)))]
async fn teams(State(core): State<Core>, Bearer(token): Bearer) -> Result<Json<Vec<TeamView>>, ApiError> {
    Ok(Json(core.teams(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/teams", operation_id = "create_team", tag = "teams", security(("session" = [])), request_body = TeamRequest, responses((status = 201, body = TeamView), (status = "4XX", body = ErrorView)))]
async fn create_team(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<TeamRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<TeamView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.create_team(&token, request).await?)))
}

#[utoipa::path(put, path = "/api/v1/teams/{id}", operation_id = "rename_team", tag = "teams", security(("session" = [])), params(("id" = i64, Path)), request_body = TeamRequest, responses((status = 200, body = TeamView), (status = "4XX", body = ErrorView)))]
async fn rename_team(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<TeamRequest>, JsonRejection>,
) -> Result<Json<TeamView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.rename_team(&token, id, request).await?))
}

#[utoipa::path(put, path = "/api/v1/teams/{id}/hours", operation_id = "set_team_hours", tag = "teams", security(("session" = [])), params(("id" = i64, Path)), request_body = TeamHoursRequest, responses((status = 200, body = TeamView), (status = "4XX", body = ErrorView)))]
async fn set_team_hours(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<TeamHoursRequest>, JsonRejection>,
) -> Result<Json<TeamView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_team_hours(&token, id, request).await?))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}", operation_id = "delete_team", tag = "teams", security(("session" = [])), params(("id" = i64, Path)), responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn delete_team(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    core.delete_team(&token, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/members", operation_id = "add_team_member", tag = "teams", security(("session" = [])), params(("id" = i64, Path)), request_body = MemberRequest, responses((status = 200, body = TeamView), (status = "4XX", body = ErrorView)))]
async fn add_team_member(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<MemberRequest>, JsonRejection>,
) -> Result<Json<TeamView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.add_team_member(&token, id, request).await?))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{username}", operation_id = "remove_team_member", tag = "teams", security(("session" = [])), params(("id" = i64, Path), ("username" = String, Path)), responses((status = 200, body = TeamView), (status = "4XX", body = ErrorView)))]
async fn remove_team_member(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path((id, username)): Path<(i64, String)>,
) -> Result<Json<TeamView>, ApiError> {
    Ok(Json(core.remove_team_member(&token, id, &username).await?))
}

#[utoipa::path(get, path = "/api/v1/roles", operation_id = "roles", tag = "roles", security(("session" = [])), responses((status = 200, body = RolesView), (status = "4XX", body = ErrorView)))]
async fn roles(State(core): State<Core>, Bearer(token): Bearer) -> Result<Json<RolesView>, ApiError> {
    Ok(Json(core.roles(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/roles", operation_id = "create_role", tag = "roles", security(("session" = [])), request_body = RoleRequest, responses((status = 201, body = RoleView), (status = "4XX", body = ErrorView)))]
async fn create_role(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<RoleRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<RoleView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.create_role(&token, request).await?)))
}

#[utoipa::path(put, path = "/api/v1/roles/{slug}", operation_id = "update_role", tag = "roles", security(("session" = [])), params(("slug" = String, Path)), request_body = RoleRequest, responses((status = 200, body = RoleView), (status = "4XX", body = ErrorView)))]
async fn update_role(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(slug): Path<String>,
    json: Result<Json<RoleRequest>, JsonRejection>,
) -> Result<Json<RoleView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.update_role(&token, &slug, request).await?))
}

#[utoipa::path(post, path = "/api/v1/roles/{slug}/delete", operation_id = "delete_role", tag = "roles", security(("session" = [])), params(("slug" = String, Path)), request_body = DeleteRoleRequest, responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn delete_role(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(slug): Path<String>,
    json: Result<Json<DeleteRoleRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let request = body(json)?;
    core.delete_role(&token, &slug, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/users", operation_id = "users", tag = "users", security(("session" = [])), responses((status = 200, body = Vec<UserView>), (status = "4XX", body = ErrorView)))]
async fn users(State(core): State<Core>, Bearer(token): Bearer) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(core.users(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/users", operation_id = "create_user", tag = "users", security(("session" = [])), request_body = CreateUserRequest, responses((status = 201, body = UserView), (status = "4XX", body = ErrorView)))]
async fn create_user(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<CreateUserRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.create_user(&token, request).await?)))
}

#[utoipa::path(put, path = "/api/v1/users/{username}/role", operation_id = "set_user_role", tag = "users", security(("session" = [])), params(("username" = String, Path)), request_body = SetRoleRequest, responses((status = 200, body = UserView), (status = "4XX", body = ErrorView)))]
async fn set_user_role(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(username): Path<String>,
    json: Result<Json<SetRoleRequest>, JsonRejection>,
) -> Result<Json<UserView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_user_role(&token, &username, request).await?))
}

#[utoipa::path(put, path = "/api/v1/users/{username}/disabled", operation_id = "set_user_disabled", tag = "users", security(("session" = [])), params(("username" = String, Path)), request_body = SetDisabledRequest, responses((status = 200, body = UserView), (status = "4XX", body = ErrorView)))]
async fn set_user_disabled(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(username): Path<String>,
    json: Result<Json<SetDisabledRequest>, JsonRejection>,
) -> Result<Json<UserView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_user_disabled(&token, &username, request).await?))
}

#[utoipa::path(post, path = "/api/v1/users/{username}/offboard", operation_id = "offboard_user", tag = "users", security(("session" = [])), params(("username" = String, Path)), request_body = OffboardRequest, responses((status = 200, body = OffboardReportView), (status = "4XX", body = ErrorView)))]
async fn offboard_user(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(username): Path<String>,
    json: Result<Json<OffboardRequest>, JsonRejection>,
) -> Result<Json<OffboardReportView>, ApiError> {
    Ok(Json(core.offboard_user(&token, &username, body(json)?).await?))
}

#[utoipa::path(post, path = "/api/v1/users/{username}/sessions/revoke", operation_id = "end_user_sessions", tag = "users", security(("session" = [])), params(("username" = String, Path)), responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn end_user_sessions(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    core.end_user_sessions(&token, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{username}/password-reset", operation_id = "reset_password", tag = "users", security(("session" = [])), params(("username" = String, Path)), request_body = ResetPasswordRequest, responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn reset_password(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(username): Path<String>,
    json: Result<Json<ResetPasswordRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let request = body(json)?;
    core.reset_password(&token, &username, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{username}/unlock", operation_id = "unlock_user", tag = "users", security(("session" = [])), params(("username" = String, Path)), responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn unlock_user(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    core.unlock_user(&token, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/settings/security", operation_id = "security_settings", tag = "settings", security(("session" = [])), responses((status = 200, body = SecuritySettingsView), (status = "4XX", body = ErrorView)))]
async fn security_settings(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<SecuritySettingsView>, ApiError> {
    Ok(Json(core.security_settings(&token).await?))
}

#[utoipa::path(patch, path = "/api/v1/settings/security", operation_id = "set_security_settings", tag = "settings", security(("session" = [])), request_body = SecuritySettings, responses((status = 204), (status = "4XX", body = ErrorView)))]
async fn set_security_settings(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<SecuritySettings>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let request = body(json)?;
    core.set_security_settings(&token, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/settings/masking/trial", operation_id = "try_masking", tag = "settings", security(("session" = [])), request_body = MaskingTrial, responses((status = 200, body = MaskingTrialView), (status = "4XX", body = ErrorView)))]
async fn try_masking(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<MaskingTrial>, JsonRejection>,
) -> Result<Json<MaskingTrialView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.try_masking(&token, request).await?))
}

#[utoipa::path(get, path = "/api/v1/settings/allowlist", operation_id = "allowlist", tag = "settings", security(("session" = [])), responses((status = 200, body = AllowlistView), (status = "4XX", body = ErrorView)))]
async fn allowlist(State(core): State<Core>, Bearer(token): Bearer) -> Result<Json<AllowlistView>, ApiError> {
    Ok(Json(core.allowlist(&token).await?))
}

#[utoipa::path(put, path = "/api/v1/settings/allowlist", operation_id = "set_allowlist", tag = "settings", security(("session" = [])), request_body = SetAllowlistRequest, responses((status = 200, body = AllowlistView), (status = "4XX", body = ErrorView)))]
async fn set_allowlist(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<SetAllowlistRequest>, JsonRejection>,
) -> Result<Json<AllowlistView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_allowlist(&token, request).await?))
}
