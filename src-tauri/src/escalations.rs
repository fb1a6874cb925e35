//! Tauri commands for escalations: thin wrappers over `countersign::api::escalations`
//! (DESIGN §2), like those in `commands.rs`.

use countersign::api::escalations::{EscalationAnswer, EscalationRequest};
use countersign::api::views::{ErrorView, EscalationView, EscalationsView, RevealAccessView};
use tauri::State;

use crate::commands::Reply;
use crate::state::AppState;

#[tauri::command]
pub async fn request_escalation(
    state: State<'_, AppState>,
    conversation: i64,
    request: EscalationRequest,
) -> Reply<EscalationView> {
    state
        .core()?
        .request_escalation(&*state.session()?, conversation, request)
        .await
        .map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn escalations(state: State<'_, AppState>) -> Reply<EscalationsView> {
    state.core()?.escalations(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn decide_escalation(
    state: State<'_, AppState>,
    id: i64,
    answer: EscalationAnswer,
) -> Reply<EscalationView> {
    state.core()?.decide_escalation(&*state.session()?, id, answer).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn reveal_access(state: State<'_, AppState>, conversation: i64) -> Reply<RevealAccessView> {
    state.core()?.reveal_access(&*state.session()?, conversation).await.map_err(|e| ErrorView::from(&e))
}
