//! Tauri commands for routing rules: thin wrappers over `countersign::api::routing`.

use countersign::api::routing::{DefaultTeamRequest, RoutingTrialRequest, SaveRuleRequest};
use countersign::api::views::{ErrorView, RoutingTrialView, RoutingView};
use tauri::State;

use crate::commands::Reply;
use crate::state::AppState;

#[tauri::command]
pub async fn routing_rules(state: State<'_, AppState>) -> Reply<RoutingView> {
    state.core()?.routing_rules(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn save_routing_rule(state: State<'_, AppState>, request: SaveRuleRequest) -> Reply<RoutingView> {
    state.core()?.save_routing_rule(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn delete_routing_rule(state: State<'_, AppState>, id: i64) -> Reply<RoutingView> {
    state.core()?.delete_routing_rule(&*state.session()?, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_default_team(state: State<'_, AppState>, request: DefaultTeamRequest) -> Reply<RoutingView> {
    state.core()?.set_default_team(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn test_routing(
    state: State<'_, AppState>,
    request: RoutingTrialRequest,
) -> Reply<RoutingTrialView> {
    state.core()?.test_routing(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    request: countersign::api::search::SearchRequest,
) -> Reply<countersign::api::views::SearchPageView> {
    state.core()?.search(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn quick_replies(
    state: State<'_, AppState>,
) -> Reply<Vec<countersign::api::views::QuickReplyView>> {
    state.core()?.quick_replies(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn save_quick_reply(
    state: State<'_, AppState>,
    request: countersign::api::quick_replies::QuickReplyRequest,
) -> Reply<Vec<countersign::api::views::QuickReplyView>> {
    state.core()?.save_quick_reply(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn delete_quick_reply(
    state: State<'_, AppState>,
    id: i64,
) -> Reply<Vec<countersign::api::views::QuickReplyView>> {
    state.core()?.delete_quick_reply(&*state.session()?, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn conversation_quick_replies(
    state: State<'_, AppState>,
    conversation_id: i64,
) -> Reply<Vec<countersign::api::views::QuickReplyView>> {
    let id = countersign::domain::ConversationId::new(conversation_id);
    state.core()?.conversation_quick_replies(&*state.session()?, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_contact_lifecycle(
    state: State<'_, AppState>,
    contact_id: i64,
    request: countersign::api::contact_state::LifecycleRequest,
) -> Reply<countersign::api::views::ContactView> {
    state
        .core()?
        .set_contact_lifecycle(&*state.session()?, contact_id, request)
        .await
        .map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_marketing_consent(
    state: State<'_, AppState>,
    contact_id: i64,
    request: countersign::api::contact_state::ConsentRequest,
) -> Reply<countersign::api::views::ContactView> {
    state
        .core()?
        .set_marketing_consent(&*state.session()?, contact_id, request)
        .await
        .map_err(|e| ErrorView::from(&e))
}
