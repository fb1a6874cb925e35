//! Tauri commands for retention and privacy requests: thin wrappers over
//! `countersign::api::retention` and `countersign::api::privacy` (DESIGN §2). A privacy export
//! is written to the user's Downloads folder, readable by them only, and the screen says where.

use countersign::api::privacy::EraseRequest;
use countersign::api::retention::{HoldRequest, RetentionRequest};
use countersign::api::views::{ErasureView, ErrorView, PrivacyExportView, RetentionRunView, RetentionView};
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
