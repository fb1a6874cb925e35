//! Views of quick replies.

use serde::Serialize;

use super::TeamRefView;
use crate::store::quick_replies::QuickReplyRecord;

/// A saved answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuickReplyView {
    /// Its id.
    pub id: i64,
    /// The team it is for (`null`: everyone).
    pub team: Option<TeamRefView>,
    /// What staff pick it by.
    pub shortcut: String,
    /// The text as saved, placeholders and all.
    pub body: String,
    /// The text for the conversation it was asked for, placeholders filled (only in a
    /// conversation's list).
    pub filled: Option<String>,
}

impl QuickReplyView {
    /// The view of `q`, with `filled` text for a conversation.
    pub fn build(q: &QuickReplyRecord, filled: Option<String>) -> Self {
        Self {
            id: q.id,
            team: q.team.as_ref().map(TeamRefView::build),
            shortcut: q.shortcut.clone(),
            body: q.body.clone(),
            filled,
        }
    }
}
