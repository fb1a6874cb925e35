//! The contact fields of the HTTP API: the fields the organisation keeps, a contact's values,
//! and revealing them with a reason.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::{body, Bearer};
use crate::api::contact_fields::{ContactFieldRequest, FieldValueRequest};
use crate::api::reveal::RevealRequest;
use crate::api::views::{ContactFieldView, ContactRevealView, ContactView, ErrorView};
use crate::api::Core;
use crate::server::ApiError;

#[utoipa::path(get, path = "/api/v1/contact-fields", operation_id = "contact_fields", tag = "contacts", security(("session" = [])), responses((status = 200, body = Vec<ContactFieldView>), (status = "4XX", body = ErrorView)))]
pub(super) async fn contact_fields(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<ContactFieldView>>, ApiError> {
    Ok(Json(core.contact_fields(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/contact-fields", operation_id = "create_contact_field", tag = "contacts", security(("session" = [])), request_body = ContactFieldRequest, responses((status = 201, body = ContactFieldView), (status = "4XX", body = ErrorView)))]
pub(super) async fn create_contact_field(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<ContactFieldRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<ContactFieldView>), ApiError> {
    let request = body(json)?;
    Ok((StatusCode::CREATED, Json(core.create_contact_field(&token, request).await?)))
}

#[utoipa::path(put, path = "/api/v1/contact-fields/{id}", operation_id = "update_contact_field", tag = "contacts", security(("session" = [])), params(("id" = i64, Path)), request_body = ContactFieldRequest, responses((status = 200, body = ContactFieldView), (status = "4XX", body = ErrorView)))]
pub(super) async fn update_contact_field(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<ContactFieldRequest>, JsonRejection>,
) -> Result<Json<ContactFieldView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.update_contact_field(&token, id, request).await?))
}

#[utoipa::path(delete, path = "/api/v1/contact-fields/{id}", operation_id = "delete_contact_field", tag = "contacts", security(("session" = [])), params(("id" = i64, Path)), responses((status = 204), (status = "4XX", body = ErrorView)))]
pub(super) async fn delete_contact_field(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    core.delete_contact_field(&token, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/contacts/{id}/fields/{field}", operation_id = "set_contact_field", tag = "contacts", security(("session" = [])), params(("id" = i64, Path), ("field" = i64, Path)), request_body = FieldValueRequest, responses((status = 200, body = ContactView), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_contact_field(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path((id, field)): Path<(i64, i64)>,
    json: Result<Json<FieldValueRequest>, JsonRejection>,
) -> Result<Json<ContactView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_contact_field(&token, id, field, request).await?))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/reveal", operation_id = "reveal_contact", tag = "contacts", security(("session" = [])), params(("id" = i64, Path)), request_body = RevealRequest, responses((status = 200, body = ContactRevealView), (status = "4XX", body = ErrorView)))]
pub(super) async fn reveal_contact(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<RevealRequest>, JsonRejection>,
) -> Result<Json<ContactRevealView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.reveal_contact(&token, id, request).await?))
}
