//! Tauri commands for contact fields: thin wrappers over `countersign::api::contact_fields`
//! (DESIGN §2), like those in `commands.rs`.

use countersign::api::contact_fields::{ContactFieldRequest, FieldValueRequest};
use countersign::api::reveal::RevealRequest;
use countersign::api::views::{ContactFieldView, ContactRevealView, ContactView, ErrorView};
use tauri::State;

use crate::commands::Reply;
use crate::state::AppState;

#[tauri::command]
pub async fn contact_fields(state: State<'_, AppState>) -> Reply<Vec<ContactFieldView>> {
    state.core()?.contact_fields(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn create_contact_field(
    state: State<'_, AppState>,
    request: ContactFieldRequest,
) -> Reply<ContactFieldView> {
    state.core()?.create_contact_field(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn update_contact_field(
    state: State<'_, AppState>,
    id: i64,
    request: ContactFieldRequest,
) -> Reply<ContactFieldView> {
    state.core()?.update_contact_field(&*state.session()?, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn delete_contact_field(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.core()?.delete_contact_field(&*state.session()?, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_contact_field(
    state: State<'_, AppState>,
    id: i64,
    field: i64,
    value: String,
) -> Reply<ContactView> {
    let request = FieldValueRequest { value };
    state
        .core()?
        .set_contact_field(&*state.session()?, id, field, request)
        .await
        .map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn reveal_contact(state: State<'_, AppState>, id: i64, reason: String) -> Reply<ContactRevealView> {
    let request = RevealRequest { reason };
    state.core()?.reveal_contact(&*state.session()?, id, request).await.map_err(|e| ErrorView::from(&e))
}
