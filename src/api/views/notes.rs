//! Views of private notes and of the mentions waiting for someone. A note is people's words
//! about a customer: masked like a message, for everyone (notes are not where card numbers
//! belong, and no reveal brings them back).

use serde::Serialize;

use super::masked;
use crate::mask;
use crate::store::inbox::{MentionRecord, NoteRecord};

/// A private note in a conversation: seen by staff who may read notes, never by the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    /// Note id.
    pub id: i64,
    /// Who wrote it.
    pub author: String,
    /// What it says, with personal data masked.
    pub text: String,
    /// When (ms since the epoch).
    pub at: i64,
    /// The people it mentioned, who were notified.
    pub mentions: Vec<String>,
}

impl NoteView {
    /// The view of `note`, masked.
    pub fn build(note: &NoteRecord, detectors: &mask::Detectors) -> Self {
        Self {
            id: note.id,
            author: note.author.clone(),
            text: masked(detectors).text(&note.body),
            at: note.created_at.as_millis(),
            mentions: note.mentions.clone(),
        }
    }
}

/// A note that mentioned the reader, not yet seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MentionView {
    /// The note.
    pub note: i64,
    /// Its conversation (opening its notes marks this seen).
    pub conversation: i64,
    /// Who wrote it.
    pub author: String,
    /// The start of the note, masked before it is cut short.
    pub preview: String,
    /// When (ms since the epoch).
    pub at: i64,
}

impl MentionView {
    /// The view of `mention`, masked.
    pub fn build(mention: &MentionRecord, detectors: &mask::Detectors) -> Self {
        Self {
            note: mention.note,
            conversation: mention.conversation.get(),
            author: mention.author.clone(),
            preview: masked(detectors).text(&mention.body).chars().take(120).collect(),
            at: mention.created_at.as_millis(),
        }
    }
}

/// The mentions waiting for the reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MentionsView {
    /// Newest first (at most 50).
    pub mentions: Vec<MentionView>,
}
