//! Tauri commands for retention, privacy requests and access reviews: thin wrappers over
//! `countersign::api::{retention, privacy, access_reviews}` (DESIGN §2). A privacy export
//! is written to the user's Downloads folder, readable by them only, and the screen says where.

use countersign::api::access_reviews::{ReviewDecisionRequest, StartReviewRequest};
use countersign::api::privacy::EraseRequest;
use countersign::api::retention::{HoldRequest, RetentionRequest};
use countersign::api::views::{
    AccessReviewView, AccessReviewsView, ErasureView, ErrorView, MyAccessReviewsView, PrivacyExportView,
    ReportSavedView, RetentionRunView, RetentionView, ReviewItemView,
};
use tauri::State;

use crate::audit::{download, downloaded, stamp};
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

#[tauri::command]
pub async fn export_contact_data(state: State<'_, AppState>, id: i64) -> Reply<PrivacyExportView> {
    let core = state.core()?;
    let session = state.session()?;
    let (path, mut writer) = download(&format!("countersign-contact-{id}-{}.zip", stamp()))?;
    let exported = core.export_contact_data(&session, id, &mut writer).await;
    let view = downloaded(&path, writer, exported)?;
    Ok(PrivacyExportView { file: Some(path.display().to_string()), ..view })
}

#[tauri::command]
pub async fn erase_contact(state: State<'_, AppState>, id: i64, request: EraseRequest) -> Reply<ErasureView> {
    state.core()?.erase_contact(&*state.session()?, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn access_reviews(state: State<'_, AppState>) -> Reply<AccessReviewsView> {
    state.core()?.access_reviews(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn start_access_review(
    state: State<'_, AppState>,
    request: StartReviewRequest,
) -> Reply<AccessReviewView> {
    state.core()?.start_access_review(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn close_access_review(state: State<'_, AppState>, id: i64) -> Reply<AccessReviewView> {
    state.core()?.close_access_review(&*state.session()?, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn my_access_reviews(state: State<'_, AppState>) -> Reply<MyAccessReviewsView> {
    state.core()?.my_access_reviews(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn decide_access_review(
    state: State<'_, AppState>,
    id: i64,
    request: ReviewDecisionRequest,
) -> Reply<ReviewItemView> {
    state.core()?.decide_access_review(&*state.session()?, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn export_access_review(state: State<'_, AppState>, id: i64) -> Reply<ReportSavedView> {
    let core = state.core()?;
    let session = state.session()?;
    let (path, mut writer) = download(&format!("countersign-access-review-{id}-{}.csv", stamp()))?;
    let exported = core.export_access_review(&session, id, &mut writer).await;
    let rows = downloaded(&path, writer, exported)?;
    Ok(ReportSavedView { file: path.display().to_string(), rows })
}
