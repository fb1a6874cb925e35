//! The inbox's queue read a page at a time, in the counter's order, cut to the reader's scope
//! (which `authz` decided and the proof carries), and the counts of each view. The rules of
//! the views and the cursor are `domain::queue`'s; this turns them into SQL that the indexes
//! of migration 0026 serve.

use sqlx::{QueryBuilder, Sqlite};

use super::inbox::{conversation_from_row, select_conversations, ConversationRecord};
use super::Store;
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::queue::{Assigned, QueueCursor, QueueView};
use crate::domain::{TeamId, UserId};
use crate::error::{Error, Result};

/// Which conversations of the reader's scope a page is taken from.
#[derive(Debug, Clone, Copy)]
pub struct QueueFilter {
    /// The part of the work.
    pub view: QueueView,
    /// One team only.
    pub team: Option<TeamId>,
    /// Whose.
    pub assigned: Assigned,
    /// The time that decides whether a snooze is over.
    pub now: Timestamp,
}

/// How many conversations each view holds, with the same team and assignee filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueCounts {
    /// Open and not snoozed.
    pub active: i64,
    /// Pending or snoozed.
    pub waiting: i64,
    /// Resolved.
    pub resolved: i64,
    /// All of them.
    pub all: i64,
}

/// The view's condition on `c`, with `now` bound: one place for the page and the counts.
fn push_view_condition(q: &mut QueryBuilder<'_, Sqlite>, view: QueueView, now: Timestamp) {
    match view {
        QueueView::Active => {
            q.push("(c.status = 'open' AND (c.snoozed_until IS NULL OR c.snoozed_until <= ")
                .push_bind(now.as_millis())
                .push("))");
        }
        QueueView::Waiting => {
            q.push("(c.status <> 'resolved' AND (c.status = 'pending' OR c.snoozed_until > ")
                .push_bind(now.as_millis())
                .push("))");
        }
        QueueView::Resolved => {
            q.push("c.status = 'resolved'");
        }
        QueueView::All => {
            q.push("1");
        }
    }
}

/// The scope, the team and whose: everything but the view.
fn push_filter(
    q: &mut QueryBuilder<'_, Sqlite>,
    proof: &Authorized<act::ListConversations>,
    filter: &QueueFilter,
) {
    super::access::push_scope(q, proof.resource(), "c.team_id", "c.assignee_id", "c.contact_id");
    if let Some(team) = filter.team {
        q.push(" AND c.team_id = ").push_bind(team.get());
    }
    match filter.assigned {
        Assigned::Anyone => {}
        Assigned::Mine => {
            q.push(" AND c.assignee_id = ").push_bind(proof.resource().user.get());
        }
        Assigned::NoOne => {
            q.push(" AND c.assignee_id IS NULL");
        }
    }
}

impl Store {
    /// Up to `limit` conversations of the queue after `after` (from the start without one).
    pub async fn queue_page(
        &self,
        proof: &Authorized<act::ListConversations>,
        filter: &QueueFilter,
        after: Option<QueueCursor>,
        limit: u32,
    ) -> Result<Vec<ConversationRecord>> {
        let mut q = select_conversations(proof.resource().user);
        push_filter(&mut q, proof, filter);
        q.push(" AND ");
        push_view_condition(&mut q, filter.view, filter.now);
        if let Some(cursor) = after {
            let (rank, last, id) = (cursor.rank, cursor.last_message_at.as_millis(), cursor.id.get());
            q.push(" AND (c.priority_rank > ").push_bind(rank);
            q.push(" OR (c.priority_rank = ")
                .push_bind(rank)
                .push(" AND (c.last_message_at < ")
                .push_bind(last);
            q.push(" OR (c.last_message_at = ")
                .push_bind(last)
                .push(" AND c.id < ")
                .push_bind(id)
                .push("))))");
        }
        q.push(" ORDER BY c.priority_rank, c.last_message_at DESC, c.id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(self.read()).await?;
        rows.iter().map(conversation_from_row).collect()
    }

    /// How many conversations each view holds, with the filter's team and assignee.
    pub async fn queue_counts(
        &self,
        proof: &Authorized<act::ListConversations>,
        filter: &QueueFilter,
    ) -> Result<QueueCounts> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT ");
        for view in [QueueView::Active, QueueView::Waiting, QueueView::Resolved] {
            q.push("COALESCE(SUM(");
            push_view_condition(&mut q, view, filter.now);
            q.push("), 0), ");
        }
        q.push("count(*) FROM conversations c WHERE 1 = 1");
        push_filter(&mut q, proof, filter);
        let (active, waiting, resolved, all): (i64, i64, i64, i64) =
            q.build_query_as().fetch_one(self.read()).await?;
        Ok(QueueCounts { active, waiting, resolved, all })
    }

    /// The proof's conversation as the list shows it to `reader` (with what they have not read).
    pub async fn conversation_line(
        &self,
        proof: &Authorized<act::ReadConversation>,
        reader: UserId,
    ) -> Result<ConversationRecord> {
        let mut q = select_conversations(reader);
        q.push(" AND c.id = ").push_bind(proof.resource().get());
        let row = q.build().fetch_optional(self.read()).await?;
        row.as_ref().map(conversation_from_row).transpose()?.ok_or(Error::NotFound)
    }
}
