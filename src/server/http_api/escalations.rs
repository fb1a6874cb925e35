//! Escalations in the HTTP API: asking a manager about a conversation, the queue, answering,
//! and what one may reveal in a conversation.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::{body, Bearer};
use crate::api::escalations::{EscalationAnswer, EscalationRequest};
use crate::api::views::{ErrorView, EscalationView, EscalationsView, RevealAccessView};
use crate::api::Core;
use crate::server::ApiError;

#[utoipa::path(post, path = "/api/v1/conversations/{id}/escalations", operation_id = "request_escalation", tag = "escalations", security(("session" = [])), params(("id" = i64, Path)), request_body = EscalationRequest, responses((status = 201, body = EscalationView), (status = "4XX", body = ErrorView)))]
pub(super) async fn request_escalation(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<EscalationRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<EscalationView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.request_escalation(&token, id, request).await?)))
}

#[utoipa::path(get, path = "/api/v1/escalations", operation_id = "escalations", tag = "escalations", security(("session" = [])), responses((status = 200, body = EscalationsView), (status = "4XX", body = ErrorView)))]
pub(super) async fn escalations(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<EscalationsView>, ApiError> {
    Ok(Json(core.escalations(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/escalations/{id}/decision", operation_id = "decide_escalation", tag = "escalations", security(("session" = [])), params(("id" = i64, Path)), request_body = EscalationAnswer, responses((status = 200, body = EscalationView), (status = "4XX", body = ErrorView)))]
pub(super) async fn decide_escalation(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<EscalationAnswer>, JsonRejection>,
) -> Result<Json<EscalationView>, ApiError> {
    let answer = body(json)?;
    Ok(Json(core.decide_escalation(&token, id, answer).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/reveal-access", operation_id = "reveal_access", tag = "escalations", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, body = RevealAccessView), (status = "4XX", body = ErrorView)))]
pub(super) async fn reveal_access(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<RevealAccessView>, ApiError> {
    Ok(Json(core.reveal_access(&token, id).await?))
}
