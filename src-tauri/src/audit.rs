//! Tauri commands for the audit viewer: thin wrappers over `countersign::api::audit`
//! (DESIGN §2). An export is written to the user's Downloads folder, readable by them only,
//! and the screen says where.

use std::path::{Path, PathBuf};

use countersign::api::audit::{AuditExportRequest, AuditPageRequest, AuditRetentionRequest};
use countersign::api::views::{
    AlertsView, AuditExportedView, AuditKindView, AuditPageView, AuditRetentionView, ErrorView,
};
use tauri::State;

use crate::commands::Reply;
use crate::state::AppState;

#[tauri::command]
pub async fn audit_events(state: State<'_, AppState>, request: AuditPageRequest) -> Reply<AuditPageView> {
    state.core()?.audit_events(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn audit_kinds(state: State<'_, AppState>) -> Reply<Vec<AuditKindView>> {
    state.core()?.audit_kinds(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn export_audit(
    state: State<'_, AppState>,
    request: AuditExportRequest,
) -> Reply<AuditExportedView> {
    let core = state.core()?;
    let session = state.session()?;
    let dir = downloads();
    let stamp = stamp();
    let path = dir.join(format!("countersign-audit-{stamp}.{}", request.format.extension()));
    let file = private_file(&dir, &path)
        .map_err(|message| ErrorView::from(&countersign::error::Error::Invalid(message)))?;
    let mut writer = std::io::BufWriter::new(file);
    let exported = core.export_audit(&session, &request, &mut writer).await;
    drop(writer);
    match exported {
        Ok(events) => Ok(AuditExportedView { file: path.display().to_string(), events }),
        Err(e) => {
            // Nothing half-written is left to be mistaken for the whole.
            let _ = std::fs::remove_file(&path);
            Err(ErrorView::from(&e))
        }
    }
}

/// The user's Downloads folder (as the desktop names it, else `~/Downloads` when there is one),
/// or their home, or the working directory.
pub(crate) fn downloads() -> PathBuf {
    let home_downloads = || dirs::home_dir().map(|h| h.join("Downloads")).filter(|d| d.is_dir());
    dirs::download_dir().or_else(home_downloads).or_else(dirs::home_dir).unwrap_or_else(|| PathBuf::from("."))
}

/// Seconds since the epoch: unique enough for one person's exports, sortable by name.
pub(crate) fn stamp() -> i64 {
    use countersign::clock::Clock;
    countersign::clock::SystemClock.now().as_millis() / 1000
}

pub(crate) fn private_file(dir: &Path, path: &Path) -> Result<std::fs::File, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {}", dir.display(), e.kind()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| format!("cannot write {}: {}", path.display(), e.kind()))
}

#[tauri::command]
pub async fn security_alerts(state: State<'_, AppState>) -> Reply<AlertsView> {
    state.core()?.security_alerts(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn acknowledge_alert(state: State<'_, AppState>, seq: i64) -> Reply<()> {
    state.core()?.acknowledge_alert(&*state.session()?, seq).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn audit_retention(state: State<'_, AppState>) -> Reply<AuditRetentionView> {
    state.core()?.audit_retention(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_audit_retention(
    state: State<'_, AppState>,
    request: AuditRetentionRequest,
) -> Reply<AuditRetentionView> {
    state.core()?.set_audit_retention(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}
