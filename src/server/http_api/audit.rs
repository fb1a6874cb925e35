//! The audit trail in the HTTP API: the viewer's search, the kinds of event, the export.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;

use super::{body, Bearer};
use crate::api::audit::{AuditExportRequest, AuditPageAt, AuditPageRequest, AuditSearch};
use crate::api::views::{AuditKindView, AuditPageView, ErrorView};
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
