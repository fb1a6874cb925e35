//! Tauri commands for a conversation's status and priority, private notes and mentions:
//! thin wrappers over `countersign::api::workflow` (DESIGN §2).

use countersign::api::views::{ErrorView, MentionsView, NoteView};
use countersign::api::workflow::{NoteRequest, SetPriorityRequest, SetStatusRequest};
use countersign::domain::ConversationId;
use tauri::State;

use crate::commands::Reply;
use crate::state::AppState;

#[tauri::command]
pub async fn set_conversation_status(
    state: State<'_, AppState>,
    conversation_id: i64,
    request: SetStatusRequest,
) -> Reply<()> {
    let token = state.session()?;
    let id = ConversationId::new(conversation_id);
    state.core()?.set_conversation_status(&token, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_conversation_priority(
    state: State<'_, AppState>,
    conversation_id: i64,
    request: SetPriorityRequest,
) -> Reply<()> {
    let token = state.session()?;
    let id = ConversationId::new(conversation_id);
    state.core()?.set_conversation_priority(&token, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn conversation_notes(state: State<'_, AppState>, conversation_id: i64) -> Reply<Vec<NoteView>> {
    let token = state.session()?;
    let id = ConversationId::new(conversation_id);
    state.core()?.conversation_notes(&token, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn add_note(
    state: State<'_, AppState>,
    conversation_id: i64,
    request: NoteRequest,
) -> Reply<NoteView> {
    let token = state.session()?;
    let id = ConversationId::new(conversation_id);
    state.core()?.add_note(&token, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn my_mentions(state: State<'_, AppState>) -> Reply<MentionsView> {
    state.core()?.my_mentions(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}
