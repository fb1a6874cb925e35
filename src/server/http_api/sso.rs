//! Single sign-on in the HTTP API: what the sign-in offers, a sign-in begun and finished by a
//! client (a tool on a machine without the desktop app, which listens on its own loopback
//! address for the redirect and posts back what arrived), and the settings for administrators.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;

use super::{body, Bearer};
use crate::api::session::Origin;
use crate::api::sso::{BeginSsoRequest, FinishSsoRequest};
use crate::api::sso_settings::SsoSettingsRequest;
use crate::api::views::{ErrorView, NewSessionView, SsoBegunView, SsoOfferView, SsoSettingsView};
use crate::api::Core;
use crate::server::ApiError;

#[utoipa::path(get, path = "/api/v1/sso", operation_id = "sso_offer", tag = "session",
    responses((status = 200, body = Option<SsoOfferView>), (status = "4XX", body = ErrorView)))]
pub(super) async fn sso_offer(State(core): State<Core>) -> Result<Json<Option<SsoOfferView>>, ApiError> {
    Ok(Json(core.sso_offer().await?))
}

#[utoipa::path(post, path = "/api/v1/sso/sign-ins", operation_id = "begin_sso_for_client", tag = "session",
    request_body = BeginSsoRequest, responses((status = 201, body = SsoBegunView), (status = "4XX", body = ErrorView)))]
pub(super) async fn begin_sso_for_client(
    State(core): State<Core>,
    json: Result<Json<BeginSsoRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<SsoBegunView>), ApiError> {
    Ok((StatusCode::CREATED, Json(core.begin_sso_for_client(body(json)?).await?)))
}

#[utoipa::path(post, path = "/api/v1/sessions/sso", operation_id = "finish_sso_for_client", tag = "session",
    request_body = FinishSsoRequest, responses((status = 201, body = NewSessionView), (status = "4XX", body = ErrorView)))]
pub(super) async fn finish_sso_for_client(
    State(core): State<Core>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    json: Result<Json<FinishSsoRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<NewSessionView>), ApiError> {
    let device = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("HTTP client");
    let signed_in = core.finish_sso_for_client(body(json)?, Origin::Network(peer.ip()), device).await?;
    Ok((StatusCode::CREATED, Json(signed_in.into_view())))
}

#[utoipa::path(get, path = "/api/v1/settings/sso", operation_id = "sso_settings", tag = "settings", security(("session" = [])),
    responses((status = 200, body = SsoSettingsView), (status = "4XX", body = ErrorView)))]
pub(super) async fn sso_settings(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<SsoSettingsView>, ApiError> {
    Ok(Json(core.sso_settings(&token).await?))
}

#[utoipa::path(put, path = "/api/v1/settings/sso", operation_id = "set_sso_settings", tag = "settings", security(("session" = [])),
    request_body = SsoSettingsRequest, responses((status = 200, body = SsoSettingsView), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_sso_settings(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<SsoSettingsRequest>, JsonRejection>,
) -> Result<Json<SsoSettingsView>, ApiError> {
    Ok(Json(core.set_sso_settings(&token, body(json)?).await?))
}
