//! The WhatsApp side of the HTTP API: files, composed messages, read receipts, templates and
//! the channel's settings.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;

use super::{body, Bearer};
use crate::api::channel::ChannelUpdate;
use crate::api::compose::OutboundMessage;
use crate::api::inbox::MarkReadRequest;
use crate::api::media::SendMediaRequest;
use crate::api::templates::{SendTemplateRequest, TemplateAudienceRequest, TemplateRequest};
use crate::api::views::{ChannelView, ErrorView, MessageView, SendingOptionsView, TemplateView};
use crate::api::Core;
use crate::domain::{ConversationId, MessageId};
use crate::server::ApiError;

#[utoipa::path(get, path = "/api/v1/messages/{id}/media", operation_id = "message_media", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, description = "the file, as the customer sent it", content_type = "application/octet-stream", body = Vec<u8>), (status = "4XX", body = ErrorView)))]
pub(super) async fn message_media(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let file = core.message_media(&token, MessageId::new(id)).await?;
    // Never rendered by a browser as a page: the type is from the allowlist, sniffing is off
    // and it is a download; nothing is cached on the way.
    Ok((
        [
            (header::CONTENT_TYPE, file.mime_type),
            (header::CONTENT_DISPOSITION, "attachment".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(super) struct MediaQuery {
    /// The file's name.
    filename: Option<String>,
    /// A caption.
    caption: Option<String>,
}

/// The largest body the media route takes: WhatsApp's largest file (a 100 MB document) and
/// some room. The bearer token is checked before the body is read.
pub(super) const MAX_MEDIA_BODY: usize = 101 * 1024 * 1024;

#[utoipa::path(post, path = "/api/v1/conversations/{id}/media", operation_id = "send_media", tag = "inbox", security(("session" = [])), params(("id" = i64, Path), MediaQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file, with its type in Content-Type"), responses((status = 201, body = MessageView), (status = "4XX", body = ErrorView)))]
pub(super) async fn send_media(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    Query(query): Query<MediaQuery>,
    headers: HeaderMap,
    bytes: axum::body::Bytes,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let mime_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let request = SendMediaRequest {
        filename: query.filename.unwrap_or_default(),
        mime_type: mime_type.to_owned(),
        caption: query.caption,
        bytes: bytes.to_vec(),
    };
    Ok((StatusCode::CREATED, Json(core.send_media(&token, ConversationId::new(id), request).await?)))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/compose", operation_id = "send_message", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), request_body = OutboundMessage, responses((status = 201, body = MessageView), (status = "4XX", body = ErrorView)))]
pub(super) async fn send_message(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<OutboundMessage>, JsonRejection>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.send_message(&token, ConversationId::new(id), request).await?)))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", operation_id = "mark_read", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), request_body = MarkReadRequest, responses((status = 204), (status = "4XX", body = ErrorView)))]
pub(super) async fn mark_read(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<MarkReadRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let request = body(json)?;
    core.mark_read(&token, ConversationId::new(id), request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/templates", operation_id = "templates", tag = "templates", security(("session" = [])), responses((status = 200, body = Vec<TemplateView>), (status = "4XX", body = ErrorView)))]
pub(super) async fn templates(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<TemplateView>>, ApiError> {
    Ok(Json(core.templates(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/templates/sync", operation_id = "sync_templates", tag = "templates", security(("session" = [])), responses((status = 200, body = Vec<TemplateView>), (status = "4XX", body = ErrorView)))]
pub(super) async fn sync_templates(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<TemplateView>>, ApiError> {
    Ok(Json(core.sync_templates(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/templates", operation_id = "save_template", tag = "templates", security(("session" = [])), request_body = TemplateRequest, responses((status = 200, body = TemplateView), (status = "4XX", body = ErrorView)))]
pub(super) async fn save_template(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<TemplateRequest>, JsonRejection>,
) -> Result<Json<TemplateView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.save_template(&token, request).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/templates", operation_id = "send_template", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), request_body = SendTemplateRequest, responses((status = 201, body = MessageView), (status = "4XX", body = ErrorView)))]
pub(super) async fn send_template(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<SendTemplateRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.send_template(&token, ConversationId::new(id), request).await?)))
}

#[utoipa::path(get, path = "/api/v1/settings/channel", operation_id = "channel_settings", tag = "settings", security(("session" = [])), responses((status = 200, body = ChannelView), (status = "4XX", body = ErrorView)))]
pub(super) async fn channel_settings(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<ChannelView>, ApiError> {
    Ok(Json(core.channel_settings(&token).await?))
}

#[utoipa::path(put, path = "/api/v1/settings/channel", operation_id = "set_channel_settings", tag = "settings", security(("session" = [])), request_body = ChannelUpdate, responses((status = 200, body = ChannelView), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_channel_settings(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<ChannelUpdate>, JsonRejection>,
) -> Result<Json<ChannelView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_channel_settings(&token, request).await?))
}

#[utoipa::path(put, path = "/api/v1/templates/{name}/{language}/audience", operation_id = "set_template_audience", tag = "templates", security(("session" = [])), params(("name" = String, Path), ("language" = String, Path)), request_body = TemplateAudienceRequest, responses((status = 200, body = TemplateView), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_template_audience(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path((name, language)): Path<(String, String)>,
    json: Result<Json<TemplateAudienceRequest>, JsonRejection>,
) -> Result<Json<TemplateView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_template_audience(&token, &name, &language, request).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/sending-options", operation_id = "sending_options", tag = "inbox", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, body = SendingOptionsView), (status = "4XX", body = ErrorView)))]
pub(super) async fn sending_options(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<SendingOptionsView>, ApiError> {
    Ok(Json(core.sending_options(&token, ConversationId::new(id)).await?))
}
