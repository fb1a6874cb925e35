//! Full-text search over the FTS5 index, cut to the proof's scope in SQL.

use sqlx::{QueryBuilder, Row, Sqlite};

use super::Store;
use crate::authz::{act, Authorized, ListScope};
use crate::clock::Timestamp;
use crate::domain::{ConversationId, ConversationStatus, LabelId, TeamId};
use crate::error::Result;

/// What kind of record a hit is (the rowid's remainder by 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitKind {
    /// A message.
    Message,
    /// A private note.
    Note,
    /// A contact.
    Contact,
}

impl HitKind {
    const fn offset(self) -> i64 {
        match self {
            Self::Message => 0,
            Self::Note => 1,
            Self::Contact => 2,
        }
    }
}

/// The filters of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchFilters {
    /// Only this team's.
    pub team: Option<TeamId>,
    /// Only conversations in this state (messages and notes).
    pub status: Option<ConversationStatus>,
    /// Only contacts with this label.
    pub label: Option<LabelId>,
    /// Written at or after.
    pub from: Option<Timestamp>,
    /// Written before.
    pub until: Option<Timestamp>,
}

/// One hit.
#[derive(Debug, Clone)]
pub struct HitRecord {
    /// Its place in the index (the keyset cursor).
    pub rowid: i64,
    /// The message, note or contact id.
    pub id: i64,
    /// Its conversation (messages and notes).
    pub conversation: Option<ConversationId>,
    /// Its contact.
    pub contact: i64,
    /// The customer's name.
    pub customer_name: Option<String>,
    /// The text that matched (raw: the core masks it).
    pub body: String,
    /// When it was written.
    pub at: Timestamp,
}

impl Store {
    /// Messages matching `query` (FTS5 syntax, built by the core), newest first, before
    /// `before` (a rowid), at most `limit`.
    pub async fn search_messages(
        &self,
        proof: &Authorized<act::SearchMessages>,
        query: &str,
        filters: &SearchFilters,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HitRecord>> {
        self.search_in_conversations(proof.resource(), HitKind::Message, query, filters, before, limit).await
    }

    /// Private notes matching `query`, like [`Store::search_messages`].
    pub async fn search_notes(
        &self,
        proof: &Authorized<act::SearchNotes>,
        query: &str,
        filters: &SearchFilters,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HitRecord>> {
        self.search_in_conversations(proof.resource(), HitKind::Note, query, filters, before, limit).await
    }

    async fn search_in_conversations(
        &self,
        scope: &ListScope,
        kind: HitKind,
        query: &str,
        filters: &SearchFilters,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HitRecord>> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT s.rowid, s.body, s.at, c.id AS conversation_id, c.contact_id, k.profile_name
             FROM search_index s JOIN conversations c ON c.id = s.conversation_id
             JOIN contacts k ON k.id = c.contact_id
             WHERE search_index MATCH ",
        );
        q.push_bind(query.to_owned());
        q.push(" AND s.rowid % 4 = ").push_bind(kind.offset());
        super::access::push_scope(&mut q, scope, "c.team_id", "c.assignee_id", "c.contact_id");
        if let Some(team) = filters.team {
            q.push(" AND c.team_id = ").push_bind(team.get());
        }
        if let Some(status) = filters.status {
            q.push(" AND c.status = ").push_bind(status.as_str());
        }
        if let Some(label) = filters.label {
            q.push(" AND EXISTS (SELECT 1 FROM contact_labels cl WHERE cl.contact_id = c.contact_id AND cl.label_id = ")
                .push_bind(label.get())
                .push(")");
        }
        push_common(&mut q, filters, before, limit);
        let rows = q.build().fetch_all(self.read()).await?;
        rows.iter().map(|r| hit(r, true)).collect()
    }

    /// Contacts whose name matches `query`, in the proof's scope.
    pub async fn search_contacts(
        &self,
        proof: &Authorized<act::ListContacts>,
        query: &str,
        filters: &SearchFilters,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HitRecord>> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT s.rowid, s.body, s.at, k.id AS contact_id, k.profile_name
             FROM search_index s JOIN contacts k ON k.id = s.contact_id
             WHERE search_index MATCH ",
        );
        q.push_bind(query.to_owned());
        q.push(" AND s.rowid % 4 = ").push_bind(HitKind::Contact.offset());
        super::access::push_scope(&mut q, proof.resource(), "k.team_id", "k.owner_id", "k.id");
        if let Some(team) = filters.team {
            q.push(" AND k.team_id = ").push_bind(team.get());
        }
        if let Some(label) = filters.label {
            q.push(
                " AND EXISTS (SELECT 1 FROM contact_labels cl WHERE cl.contact_id = k.id AND cl.label_id = ",
            )
            .push_bind(label.get())
            .push(")");
        }
        push_common(&mut q, filters, before, limit);
        let rows = q.build().fetch_all(self.read()).await?;
        rows.iter().map(|r| hit(r, false)).collect()
    }
}

/// A hit from a row of the search queries; `in_conversation`: a message or note (a contact
/// has none).
fn hit(r: &sqlx::sqlite::SqliteRow, in_conversation: bool) -> Result<HitRecord> {
    let rowid: i64 = r.try_get("rowid")?;
    let conversation =
        if in_conversation { Some(ConversationId::new(r.try_get("conversation_id")?)) } else { None };
    Ok(HitRecord {
        rowid,
        id: rowid / 4,
        conversation,
        contact: r.try_get("contact_id")?,
        customer_name: r.try_get("profile_name")?,
        body: r.try_get("body")?,
        at: Timestamp::from_millis(r.try_get("at")?),
    })
}

fn push_common(q: &mut QueryBuilder<'_, Sqlite>, filters: &SearchFilters, before: Option<i64>, limit: u32) {
    if let Some(from) = filters.from {
        q.push(" AND s.at >= ").push_bind(from.as_millis());
    }
    if let Some(until) = filters.until {
        q.push(" AND s.at < ").push_bind(until.as_millis());
    }
    if let Some(before) = before {
        q.push(" AND s.rowid < ").push_bind(before);
    }
    q.push(" ORDER BY s.rowid DESC LIMIT ").push_bind(i64::from(limit));
}
