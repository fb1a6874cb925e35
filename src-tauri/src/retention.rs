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
    let dir = crate::audit::downloads();
    let path = dir.join(format!("countersign-contact-{id}-{}.zip", crate::audit::stamp()));
    let file = crate::audit::private_file(&dir, &path)
        .map_err(|message| ErrorView::from(&countersign::error::Error::Invalid(message)))?;
    let mut writer = std::io::BufWriter::new(file);
    let exported = core.export_contact_data(&session, id, &mut writer).await;
    let flushed = std::io::Write::flush(&mut writer);
    drop(writer);
    match (exported, flushed) {
        (Ok(view), Ok(())) => Ok(PrivacyExportView { file: Some(path.display().to_string()), ..view }),
        (Err(e), _) => {
            // Nothing half-written is left to be mistaken for the whole.
            let _ = std::fs::remove_file(&path);
            Err(ErrorView::from(&e))
        }
        (Ok(_), Err(e)) => {
            let _ = std::fs::remove_file(&path);
            Err(ErrorView::from(&countersign::error::Error::Invalid(format!(
                "the export could not be saved: {}",
                e.kind()
            ))))
        }
    }
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
    let dir = crate::audit::downloads();
    let path = dir.join(format!("countersign-access-review-{id}-{}.csv", crate::audit::stamp()));
    let file = crate::audit::private_file(&dir, &path)
        .map_err(|message| ErrorView::from(&countersign::error::Error::Invalid(message)))?;
    let mut writer = std::io::BufWriter::new(file);
    let exported = core.export_access_review(&session, id, &mut writer).await;
    let flushed = std::io::Write::flush(&mut writer);
    drop(writer);
    match (exported, flushed) {
        (Ok(rows), Ok(())) => Ok(ReportSavedView { file: path.display().to_string(), rows }),
        (Err(e), _) => {
            let _ = std::fs::remove_file(&path);
            Err(ErrorView::from(&e))
        }
        (Ok(_), Err(e)) => {
            let _ = std::fs::remove_file(&path);
            Err(ErrorView::from(&countersign::error::Error::Invalid(format!(
                "the report could not be saved: {}",
                e.kind()
            ))))
        }
    }
}
