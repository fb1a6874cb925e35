//! The inbox's queue read a page at a time, in the counter's order, cut to the reader's scope
//! (which `authz` decided and the proof carries), and the counts of each view. The rules of
//! the views and the cursor are `domain::queue`'s; this turns them into SQL that the indexes
//! of migrations 0026 (the order) and 0031 (the counts) serve.

use sqlx::{QueryBuilder, Sqlite};

use super::access::{push_label_scope, push_scope_part, scope_parts};
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
/// `by_status` lets an index on the status serve it (the counts); a page leaves the status to
/// be checked row by row (`+c.status`), so that the index in the queue's order drives the page
/// and it stops after its last row instead of sorting every conversation of the view.
fn push_view_condition(q: &mut QueryBuilder<'_, Sqlite>, view: QueueView, now: Timestamp, by_status: bool) {
    let status = if by_status { "c.status" } else { "+c.status" };
    match view {
        QueueView::Active => {
            q.push(format_args!("({status} = 'open' AND (c.snoozed_until IS NULL OR c.snoozed_until <= "))
                .push_bind(now.as_millis())
                .push("))");
        }
        QueueView::Waiting => {
            q.push(format_args!("({status} <> 'resolved' AND ({status} = 'pending' OR c.snoozed_until > "))
                .push_bind(now.as_millis())
                .push("))");
        }
        QueueView::Resolved => {
            q.push(format_args!("{status} = 'resolved'"));
        }
        QueueView::All => {
            q.push("1");
        }
    }
}

/// `SELECT …` of each part of the reader's scope, joined by `UNION ALL`: `columns` then
/// ` FROM conversations c WHERE` the part, the filter's team and assignee, and `rest`.
///
/// "My teams' or mine" as one condition (an `OR`) made SQLite fetch every conversation of the
/// teams from the table before sorting or counting them (60 ms for a team of 5,000, issue 12);
/// as two parts, each is an index range: the team's in the queue's order, stopping at the
/// page's end, or its counts read from the index alone (migration 0031).
fn push_scope_parts(
    q: &mut QueryBuilder<'_, Sqlite>,
    proof: &Authorized<act::ListConversations>,
    filter: &QueueFilter,
    columns: &dyn Fn(&mut QueryBuilder<'_, Sqlite>),
    rest: &dyn Fn(&mut QueryBuilder<'_, Sqlite>),
) {
    let scope = proof.resource();
    for (i, &part) in scope_parts(scope).iter().enumerate() {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        // Each part in a subquery of its own, so that it may have its own ORDER BY and LIMIT.
        q.push("SELECT * FROM (SELECT ");
        columns(q);
        q.push(" FROM conversations c WHERE 1 = 1");
        push_scope_part(q, scope, part, "c.team_id", "c.assignee_id");
        push_label_scope(q, scope, "c.contact_id");
        if let Some(team) = filter.team {
            q.push(" AND c.team_id = ").push_bind(team.get());
        }
        match filter.assigned {
            Assigned::Anyone => {}
            Assigned::Mine => {
                q.push(" AND c.assignee_id = ").push_bind(scope.user.get());
            }
            Assigned::NoOne => {
                q.push(" AND c.assignee_id IS NULL");
            }
        }
        rest(q);
        q.push(")");
    }
}

/// The queue's order.
const ORDER: &str = " ORDER BY c.priority_rank, c.last_message_at DESC, c.id DESC";

impl Store {
    /// Up to `limit` conversations of the queue after `after` (from the start without one).
    pub async fn queue_page(
        &self,
        proof: &Authorized<act::ListConversations>,
        filter: &QueueFilter,
        after: Option<QueueCursor>,
        limit: u32,
    ) -> Result<Vec<ConversationRecord>> {
        // The page's ids first, from the queue's indexes and the conversations alone; the
        // columns that cost a look into the messages (the last one, what is unread) only for
        // the page's rows.
        let mut q = select_conversations(proof.resource().user);
        q.push(" AND c.id IN (SELECT id FROM (");
        let columns = |q: &mut QueryBuilder<'_, Sqlite>| {
            q.push("c.id AS id, c.priority_rank AS rank, c.last_message_at AS at");
        };
        let rest = |q: &mut QueryBuilder<'_, Sqlite>| {
            q.push(" AND ");
            push_view_condition(q, filter.view, filter.now, false);
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
            q.push(ORDER).push(" LIMIT ").push_bind(i64::from(limit));
        };
        push_scope_parts(&mut q, proof, filter, &columns, &rest);
        q.push(") ORDER BY rank, at DESC, id DESC LIMIT ").push_bind(i64::from(limit)).push(")");
        q.push(ORDER);
        let rows = q.build().fetch_all(self.read()).await?;
        rows.iter().map(conversation_from_row).collect()
    }

    /// How many conversations each view holds, with the filter's team and assignee.
    pub async fn queue_counts(
        &self,
        proof: &Authorized<act::ListConversations>,
        filter: &QueueFilter,
    ) -> Result<QueueCounts> {
        // Each part counted on its own, straight over its index, and the parts added up.
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT COALESCE(SUM(active), 0), COALESCE(SUM(waiting), 0), COALESCE(SUM(resolved), 0), COALESCE(SUM(n), 0) FROM (",
        );
        let columns = |q: &mut QueryBuilder<'_, Sqlite>| {
            for (view, name) in [
                (QueueView::Active, "active"),
                (QueueView::Waiting, "waiting"),
                (QueueView::Resolved, "resolved"),
            ] {
                q.push("SUM(");
                push_view_condition(q, view, filter.now, true);
                q.push(format_args!(") AS {name}, "));
            }
            q.push("count(*) AS n");
        };
        push_scope_parts(&mut q, proof, filter, &columns, &|_| {});
        q.push(")");
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
