//! Routing rules in the HTTP API.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;

use super::{body, Bearer};
use crate::api::routing::{DefaultTeamRequest, RoutingTrialRequest, SaveRuleRequest};
use crate::api::views::{ErrorView, RoutingTrialView, RoutingView};
use crate::api::Core;
use crate::server::ApiError;

#[utoipa::path(get, path = "/api/v1/routing", operation_id = "routing_rules", tag = "routing", security(("session" = [])), responses((status = 200, body = RoutingView), (status = "4XX", body = ErrorView)))]
pub(super) async fn routing_rules(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<RoutingView>, ApiError> {
    Ok(Json(core.routing_rules(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/routing/rules", operation_id = "save_routing_rule", tag = "routing", security(("session" = [])), request_body = SaveRuleRequest, responses((status = 200, body = RoutingView), (status = "4XX", body = ErrorView)))]
pub(super) async fn save_routing_rule(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<SaveRuleRequest>, JsonRejection>,
) -> Result<Json<RoutingView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.save_routing_rule(&token, request).await?))
}

#[utoipa::path(delete, path = "/api/v1/routing/rules/{id}", operation_id = "delete_routing_rule", tag = "routing", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, body = RoutingView), (status = "4XX", body = ErrorView)))]
pub(super) async fn delete_routing_rule(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<RoutingView>, ApiError> {
    Ok(Json(core.delete_routing_rule(&token, id).await?))
}

#[utoipa::path(put, path = "/api/v1/routing/default-team", operation_id = "set_default_team", tag = "routing", security(("session" = [])), request_body = DefaultTeamRequest, responses((status = 200, body = RoutingView), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_default_team(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<DefaultTeamRequest>, JsonRejection>,
) -> Result<Json<RoutingView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_default_team(&token, request).await?))
}

#[utoipa::path(post, path = "/api/v1/routing/test", operation_id = "test_routing", tag = "routing", security(("session" = [])), request_body = RoutingTrialRequest, responses((status = 200, body = RoutingTrialView), (status = "4XX", body = ErrorView)))]
pub(super) async fn test_routing(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<RoutingTrialRequest>, JsonRejection>,
) -> Result<Json<RoutingTrialView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.test_routing(&token, request).await?))
}

#[utoipa::path(get, path = "/api/v1/search", operation_id = "search", tag = "search", security(("session" = [])), params(crate::api::search::SearchRequest), responses((status = 200, body = crate::api::views::SearchPageView), (status = "4XX", body = ErrorView)))]
pub(super) async fn search(
    State(core): State<Core>,
    Bearer(token): Bearer,
    request: Result<
        axum::extract::Query<crate::api::search::SearchRequest>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Result<Json<crate::api::views::SearchPageView>, ApiError> {
    let axum::extract::Query(request) = request.map_err(|_| {
        ApiError(crate::error::Error::Invalid(
            "the search is not valid: type some words, and check its numbers".to_owned(),
        ))
    })?;
    Ok(Json(core.search(&token, request).await?))
}

#[utoipa::path(get, path = "/api/v1/quick-replies", operation_id = "quick_replies", tag = "quick-replies", security(("session" = [])), responses((status = 200, body = Vec<crate::api::views::QuickReplyView>), (status = "4XX", body = ErrorView)))]
pub(super) async fn quick_replies(
    State(core): State<Core>,
    Bearer(token): Bearer,
) -> Result<Json<Vec<crate::api::views::QuickReplyView>>, ApiError> {
    Ok(Json(core.quick_replies(&token).await?))
}

#[utoipa::path(post, path = "/api/v1/quick-replies", operation_id = "save_quick_reply", tag = "quick-replies", security(("session" = [])), request_body = crate::api::quick_replies::QuickReplyRequest, responses((status = 200, body = Vec<crate::api::views::QuickReplyView>), (status = "4XX", body = ErrorView)))]
pub(super) async fn save_quick_reply(
    State(core): State<Core>,
    Bearer(token): Bearer,
    json: Result<Json<crate::api::quick_replies::QuickReplyRequest>, JsonRejection>,
) -> Result<Json<Vec<crate::api::views::QuickReplyView>>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.save_quick_reply(&token, request).await?))
}

#[utoipa::path(delete, path = "/api/v1/quick-replies/{id}", operation_id = "delete_quick_reply", tag = "quick-replies", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, body = Vec<crate::api::views::QuickReplyView>), (status = "4XX", body = ErrorView)))]
pub(super) async fn delete_quick_reply(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<Vec<crate::api::views::QuickReplyView>>, ApiError> {
    Ok(Json(core.delete_quick_reply(&token, id).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/quick-replies", operation_id = "conversation_quick_replies", tag = "quick-replies", security(("session" = [])), params(("id" = i64, Path)), responses((status = 200, body = Vec<crate::api::views::QuickReplyView>), (status = "4XX", body = ErrorView)))]
pub(super) async fn conversation_quick_replies(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
) -> Result<Json<Vec<crate::api::views::QuickReplyView>>, ApiError> {
    Ok(Json(core.conversation_quick_replies(&token, crate::domain::ConversationId::new(id)).await?))
}

#[utoipa::path(put, path = "/api/v1/contacts/{id}/lifecycle", operation_id = "set_contact_lifecycle", tag = "contacts", security(("session" = [])), params(("id" = i64, Path)), request_body = crate::api::contact_state::LifecycleRequest, responses((status = 200, body = crate::api::views::ContactView), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_contact_lifecycle(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<crate::api::contact_state::LifecycleRequest>, JsonRejection>,
) -> Result<Json<crate::api::views::ContactView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_contact_lifecycle(&token, id, request).await?))
}

#[utoipa::path(put, path = "/api/v1/contacts/{id}/consent", operation_id = "set_marketing_consent", tag = "contacts", security(("session" = [])), params(("id" = i64, Path)), request_body = crate::api::contact_state::ConsentRequest, responses((status = 200, body = crate::api::views::ContactView), (status = "4XX", body = ErrorView)))]
pub(super) async fn set_marketing_consent(
    State(core): State<Core>,
    Bearer(token): Bearer,
    Path(id): Path<i64>,
    json: Result<Json<crate::api::contact_state::ConsentRequest>, JsonRejection>,
) -> Result<Json<crate::api::views::ContactView>, ApiError> {
    let request = body(json)?;
    Ok(Json(core.set_marketing_consent(&token, id, request).await?))
}
