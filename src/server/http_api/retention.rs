//! Retention, privacy requests and access reviews in the HTTP API: the limits, legal holds, a
//! purge started now; a contact's data exported or erased; review campaigns and decisions.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;

use super::{body, Bearer};
use crate::api::access_reviews::{ReviewDecisionRequest, StartReviewRequest};
use crate::api::privacy::EraseRequest;
use crate::api::retention::{HoldRequest, RetentionRequest};
use crate::api::views::{
    AccessReviewView, AccessReviewsView, ErasureView, ErrorView, MyAccessReviewsView, RetentionRunView,
    RetentionView, ReviewItemView,
};
use crate::api::Core;
use crate::server::ApiError;

#[utoipa::path(get, path = "/api/v1/retention", operation_id = "retention", tag = "retention", security(("session" = [])), responses((status = 200, body = RetentionView), (status = "4XX", body = ErrorView)))]
pub(super) async fn retention(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<RetentionView>, ApiError> {
    Ok(Json(core.retention(&token).await?))
}

#[utoipa::path(put, path = "/api/v1/retention", operation_id = "set_retention", tag = "retention", security(("session" = [])), request_body = RetentionRequest, responses((status = 200, body = RetentionView), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_retention(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<RetentionRequest>, JsonRejection>,
) -> Result<Json<RetentionView>, ApiError> {
    Ok(Json(core.set_retention(&token, body(json)?).await?))
}

#[utoipa::path(post, path = "/api/v1/retention/holds", operation_id = "place_legal_hold", tag = "retention", security(("session" = [])), request_body = HoldRequest, responses((status = 201, body = RetentionView), (status = "4XX", body = ErrorView)))]
pub(super) async fn place_legal_hold(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<HoldRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<RetentionView>), ApiError> {
    Ok((StatusCode::CREATED, Json(core.place_legal_hold(&token, body(json)?).await?)))
}

#[utoipa::path(delete, path = "/api/v1/retention/holds/{id}", operation_id = "release_legal_hold", tag = "retention", security(("session" = [])), params(("id" = i64, Path, description = "the hold")), responses((status = 200, body = RetentionView), (status = "4XX", body = ErrorView)))]
pub(super) async fn release_legal_hold(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<RetentionView>, ApiError> {
    Ok(Json(core.release_legal_hold(&token, id).await?))
}

#[utoipa::path(post, path = "/api/v1/retention/runs", operation_id = "start_retention_purge", tag = "retention", security(("session" = [])), responses((status = 202, body = RetentionRunView), (status = "4XX", body = ErrorView)))]
pub(super) async fn start_retention_purge(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<(StatusCode, Json<RetentionRunView>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(core.start_retention_purge(&token).await?)))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/privacy-export", operation_id = "export_contact_data", tag = "privacy", security(("session" = [])), params(("id" = i64, Path, description = "the contact")), responses((status = 200, content_type = "application/zip", description = "contact.json and media/"), (status = "4XX", body = ErrorView)))]
pub(super) async fn export_contact_data(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let mut out = std::io::Cursor::new(Vec::new());
    core.export_contact_data(&token, id, &mut out).await?;
    let name = format!("attachment; filename=\"countersign-contact-{id}.zip\"");
    Ok((
        [(header::CONTENT_TYPE, "application/zip".to_owned()), (header::CONTENT_DISPOSITION, name)],
        out.into_inner(),
    ))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/erase", operation_id = "erase_contact", tag = "privacy", security(("session" = [])), params(("id" = i64, Path, description = "the contact")), request_body = EraseRequest, responses((status = 200, body = ErasureView), (status = "4XX", body = ErrorView)))]
pub(super) async fn erase_contact(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<EraseRequest>, JsonRejection>,
) -> Result<Json<ErasureView>, ApiError> {
    Ok(Json(core.erase_contact(&token, id, body(json)?).await?))
}

#[utoipa::path(get, path = "/api/v1/access-reviews", operation_id = "access_reviews", tag = "access reviews", security(("session" = [])), responses((status = 200, body = AccessReviewsView), (status = "4XX", body = ErrorView)))]
pub(super) async fn access_reviews(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<AccessReviewsView>, ApiError> {
    Ok(Json(core.access_reviews(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/access-reviews", operation_id = "start_access_review", tag = "access reviews", security(("session" = [])), request_body = StartReviewRequest, responses((status = 201, body = AccessReviewView), (status = "4XX", body = ErrorView)))]
pub(super) async fn start_access_review(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<StartReviewRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<AccessReviewView>), ApiError> {
    Ok((StatusCode::CREATED, Json(core.start_access_review(&token, body(json)?).await?)))
}

#[utoipa::path(post, path = "/api/v1/access-reviews/{id}/close", operation_id = "close_access_review", tag = "access reviews", security(("session" = [])), params(("id" = i64, Path, description = "the campaign")), responses((status = 200, body = AccessReviewView), (status = "4XX", body = ErrorView)))]
pub(super) async fn close_access_review(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<AccessReviewView>, ApiError> {
    Ok(Json(core.close_access_review(&token, id).await?))
}

#[utoipa::path(post, path = "/api/v1/access-reviews/{id}/report", operation_id = "export_access_review", tag = "access reviews", security(("session" = [])), params(("id" = i64, Path, description = "the campaign")), responses((status = 200, content_type = "text/csv", description = "one row per item"), (status = "4XX", body = ErrorView)))]
pub(super) async fn export_access_review(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let mut out = Vec::new();
    core.export_access_review(&token, id, &mut out).await?;
    let name = format!("attachment; filename=\"countersign-access-review-{id}.csv\"");
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)],
        out,
    ))
}

#[utoipa::path(get, path = "/api/v1/me/access-reviews", operation_id = "my_access_reviews", tag = "access reviews", security(("session" = [])), responses((status = 200, body = MyAccessReviewsView), (status = "4XX", body = ErrorView)))]
pub(super) async fn my_access_reviews(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<MyAccessReviewsView>, ApiError> {
    Ok(Json(core.my_access_reviews(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/access-reviews/items/{id}/decision", operation_id = "decide_access_review", tag = "access reviews", security(("session" = [])), params(("id" = i64, Path, description = "the item")), request_body = ReviewDecisionRequest, responses((status = 200, body = ReviewItemView), (status = "4XX", body = ErrorView)))]
pub(super) async fn decide_access_review(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<ReviewDecisionRequest>, JsonRejection>,
) -> Result<Json<ReviewItemView>, ApiError> {
    Ok(Json(core.decide_access_review(&token, id, body(json)?).await?))
}
