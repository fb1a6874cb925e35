//! A conversation's status and priority, private notes and mentions in the HTTP API.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::{body, Bearer};
use crate::api::views::{ErrorView, MentionsView, NoteView};
use crate::api::workflow::{NoteRequest, SetPriorityRequest, SetStatusRequest};
use crate::api::Core;
use crate::domain::ConversationId;
use crate::server::ApiError;

#[utoipa::path(put, path = "/api/v1/conversations/{id}/status", operation_id = "set_conversation_status", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), request_body = SetStatusRequest, responses((status = 204), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_conversation_status(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<SetStatusRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let request = body(json)?;
    core.set_conversation_status(&token, ConversationId::new(id), request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/conversations/{id}/priority", operation_id = "set_conversation_priority", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), request_body = SetPriorityRequest, responses((status = 204), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_conversation_priority(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<SetPriorityRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let request = body(json)?;
    core.set_conversation_priority(&token, ConversationId::new(id), request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/notes", operation_id = "conversation_notes", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, body = Vec<NoteView>), (status = "4XX", body = ErrorView)))]
pub(super) async fn conversation_notes(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<Vec<NoteView>>, ApiError> {
    Ok(Json(core.conversation_notes(&token, ConversationId::new(id)).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/notes", operation_id = "add_note", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), request_body = NoteRequest, responses((status = 201, body = NoteView), (status = "4XX", body = ErrorView)))]
pub(super) async fn add_note(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<NoteRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<NoteView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.add_note(&token, ConversationId::new(id), request).await?)))
}

#[utoipa::path(get, path = "/api/v1/me/mentions", operation_id = "my_mentions", tag = "inbox", security(("session" = [])), responses((status = 200, body = MentionsView), (status = "4XX", body = ErrorView)))]
pub(super) async fn my_mentions(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<MentionsView>, ApiError> {
    Ok(Json(core.my_mentions(&token).await?))
}
