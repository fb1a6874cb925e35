//! Views of search results. A snippet is cut from the masked text, never the raw one.

use serde::Serialize;

use crate::store::search::HitRecord;

/// One thing a search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SearchHitView {
    /// The message, note or contact id.
    pub id: i64,
    /// Its conversation (messages and notes; open it with this id).
    pub conversation: Option<i64>,
    /// Its contact.
    pub contact: i64,
    /// The customer's profile name, or a neutral label.
    pub customer_name: String,
    /// Where the words were found, with personal data masked.
    pub snippet: String,
    /// When it was written (ms since the epoch).
    pub at: i64,
}

impl SearchHitView {
    /// The view of `hit`, showing `snippet` (already masked and cut by the caller).
    pub fn build(hit: &HitRecord, snippet: String) -> Self {
        Self {
            id: hit.id,
            conversation: hit.conversation.map(|c| c.get()),
            contact: hit.contact,
            customer_name: hit.customer_name.clone().unwrap_or_else(|| "WhatsApp customer".to_owned()),
            snippet,
            at: hit.at.as_millis(),
        }
    }
}

/// A page of results, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SearchPageView {
    /// What was found on this page.
    pub hits: Vec<SearchHitView>,
    /// Pass as `before` for the next page; `null` when there is no more.
    pub next_before: Option<i64>,
}
