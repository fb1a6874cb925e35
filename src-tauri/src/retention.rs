//! Tauri commands for retention: thin wrappers over `countersign::api::retention` (DESIGN §2).

use countersign::api::retention::{HoldRequest, RetentionRequest};
use countersign::api::views::{ErrorView, RetentionRunView, RetentionView};
use tauri::State;

use crate::commands::Reply;
use crate::state::AppState;

#[tauri::command]
pub async fn retention(state: State<'_, AppState>) -> Reply<RetentionView> {
    state.core()?.retention(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_retention(state: State<'_, AppState>, request: RetentionRequest) -> Reply<RetentionView> {
    state.core()?.set_retention(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn place_legal_hold(state: State<'_, AppState>, request: HoldRequest) -> Reply<RetentionView> {
    state.core()?.place_legal_hold(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn release_legal_hold(state: State<'_, AppState>, id: i64) -> Reply<RetentionView> {
    state.core()?.release_legal_hold(&*state.session()?, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn start_retention_purge(state: State<'_, AppState>) -> Reply<RetentionRunView> {
    state.core()?.start_retention_purge(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}
