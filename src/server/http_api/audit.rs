//! The audit trail in the HTTP API: the viewer's search, the kinds of event, the export.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;

use super::{body, Bearer};
use crate::api::audit::{
    AuditExportRequest, AuditPageAt, AuditPageRequest, AuditRetentionRequest, AuditSearch,
};
use crate::api::views::{AlertsView, AuditKindView, AuditPageView, AuditRetentionView, ErrorView};
use crate::api::Core;
use crate::error::Error;
use crate::server::ApiError;

#[utoipa::path(get, path = "/api/v1/audit", operation_id = "audit_events", tag = "audit", security(("session" = [])), params(AuditSearch, AuditPageAt), responses((status = 200, body = AuditPageView), (status = "4XX", body = ErrorView)))]
pub(super) async fn audit_events(
    State(core): State<Core>,
    Bearer(token): Bearer,
    search: Result<Query<AuditSearch>, axum::extract::rejection::QueryRejection>,
    page: Result<Query<AuditPageAt>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditPageView>, ApiError> {
    let invalid = |_| ApiError(Error::Invalid("the search is not valid: check its numbers".to_owned()));
    let (Query(search), Query(page)) = (search.map_err(invalid)?, page.map_err(invalid)?);
    Ok(Json(core.audit_events(&token, AuditPageRequest { search, page }).await?))
}

#[utoipa::path(get, path = "/api/v1/audit/kinds", operation_id = "audit_kinds", tag = "audit", security(("session" = [])), responses((status = 200, body = Vec<AuditKindView>), (status = "4XX", body = ErrorView)))]
pub(super) async fn audit_kinds(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<AuditKindView>>, ApiError> {
    Ok(Json(core.audit_kinds(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/audit/export", operation_id = "export_audit", tag = "audit", security(("session" = [])), request_body = AuditExportRequest, responses((status = 200, description = "the events, as CSV or JSON Lines", content_type = "text/csv"), (status = "4XX", body = ErrorView)))]
pub(super) async fn export_audit(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<AuditExportRequest>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let request = body(json)?;
    let mut out = Vec::new();
    core.export_audit(&token, &request, &mut out).await?;
    let name = format!("attachment; filename=\"countersign-audit.{}\"", request.format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, request.format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        out,
    ))
}

#[utoipa::path(get, path = "/api/v1/audit/alerts", operation_id = "security_alerts", tag = "audit", security(("session" = [])), responses((status = 200, body = AlertsView), (status = "4XX", body = ErrorView)))]
pub(super) async fn security_alerts(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<AlertsView>, ApiError> {
    Ok(Json(core.security_alerts(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/audit/alerts/{seq}/acknowledge", operation_id = "acknowledge_alert", tag = "audit", security(("session" = [])), params(("seq" = i64, Path, description = "the alert's event")), responses((status = 204), (status = "4XX", body = ErrorView)))]
pub(super) async fn acknowledge_alert(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(seq): Path<i64>,
) -> Result<StatusCode, ApiError> {
    core.acknowledge_alert(&token, seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/audit/retention", operation_id = "audit_retention", tag = "audit", security(("session" = [])), responses((status = 200, body = AuditRetentionView), (status = "4XX", body = ErrorView)))]
pub(super) async fn audit_retention(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<AuditRetentionView>, ApiError> {
    Ok(Json(core.audit_retention(&token).await?))
}

#[utoipa::path(put, path = "/api/v1/audit/retention", operation_id = "set_audit_retention", tag = "audit", security(("session" = [])), request_body = AuditRetentionRequest, responses((status = 200, body = AuditRetentionView), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_audit_retention(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<AuditRetentionRequest>, JsonRejection>,
) -> Result<Json<AuditRetentionView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_audit_retention(&token, request).await?))
}
