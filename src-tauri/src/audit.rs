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
    let (path, mut writer) =
        download(&format!("countersign-audit-{}.{}", stamp(), request.format.extension()))?;
    let exported = core.export_audit(&session, &request, &mut writer).await;
    let events = downloaded(&path, writer, exported)?;
    Ok(AuditExportedView { file: path.display().to_string(), events })
}

/// A new file called `name` in the user's Downloads folder, readable by them only, to write an
/// export to.
pub(crate) fn download(name: &str) -> Reply<(PathBuf, std::io::BufWriter<std::fs::File>)> {
    let dir = downloads();
    let path = dir.join(name);
    let file = private_file(&dir, &path)
        .map_err(|message| ErrorView::from(&countersign::error::Error::Invalid(message)))?;
    Ok((path, std::io::BufWriter::new(file)))
}

/// The export at `path` once `written` says how it went: complete on disk, or removed, so
/// nothing half-written is left to be mistaken for the whole.
pub(crate) fn downloaded<T>(
    path: &Path,
    mut writer: std::io::BufWriter<std::fs::File>,
    written: countersign::error::Result<T>,
) -> Reply<T> {
    let flushed = std::io::Write::flush(&mut writer);
    drop(writer);
    let failed = |e: ErrorView| {
        let _ = std::fs::remove_file(path);
        Err(e)
    };
    match (written, flushed) {
        (Ok(done), Ok(())) => Ok(done),
        (Err(e), _) => failed(ErrorView::from(&e)),
        (Ok(_), Err(e)) => failed(ErrorView::from(&countersign::error::Error::Invalid(format!(
            "{} could not be saved: {}",
            path.display(),
            e.kind()
        )))),
    }
}

/// The user's Downloads folder (as the desktop names it, else `~/Downloads` when there is one),
/// or their home, or the working directory.
fn downloads() -> PathBuf {
    let home_downloads = || dirs::home_dir().map(|h| h.join("Downloads")).filter(|d| d.is_dir());
    dirs::download_dir().or_else(home_downloads).or_else(dirs::home_dir).unwrap_or_else(|| PathBuf::from("."))
}

/// Seconds since the epoch: unique enough for one person's exports, sortable by name.
pub(crate) fn stamp() -> i64 {
    use countersign::clock::Clock;
    countersign::clock::SystemClock.now().as_millis() / 1000
}

fn private_file(dir: &Path, path: &Path) -> Result<std::fs::File, String> {
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
