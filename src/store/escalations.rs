//! Requests for a manager's approval, their answers, and the reveals approvals grant.
//!
//! Lists are cut to the conversations the proof's scope reaches (the same `WHERE` clause as
//! the inbox), so a manager of one store never sees another store's requests. Classes are
//! stored as their names; reading an unknown one is an error, never a wider grant.

use sqlx::{QueryBuilder, Row, Sqlite};

use super::{is_unique_violation, Store, WriteTx};
use crate::authz::{act, Authorized, ListScope, OnConversation};
use crate::clock::Timestamp;
use crate::domain::escalation::{Decision, Escalation, EscalationStatus};
use crate::domain::{ContactId, ConversationId, EscalationId, TeamId, UserId};
use crate::error::{Error, Result};
use crate::mask::ClassSet;

/// The most requests one list returns (the newest).
const LIST_LIMIT: i64 = 200;

/// A request with what a queue shows about its conversation.
#[derive(Debug, Clone)]
pub struct EscalationRecord {
    /// The request.
    pub escalation: Escalation,
    /// The customer's WhatsApp profile name, if they shared one.
    pub customer_name: Option<String>,
    /// The team the conversation belongs to.
    pub team_name: String,
}

const SELECT: &str = "SELECT e.id, e.conversation_id, e.requested_by, r.username AS requester, e.reason,
        e.classes, e.status, e.created_at, d.username AS decider, e.decision_note, e.decided_at,
        e.grant_until, k.profile_name, t.name AS team_name, e.transfer_team, x.name AS transfer_name
    FROM escalations e
    JOIN conversations c ON c.id = e.conversation_id
    JOIN contacts k ON k.id = c.contact_id
    JOIN teams t ON t.id = c.team_id
    JOIN users r ON r.id = e.requested_by
    LEFT JOIN users d ON d.id = e.decided_by
    LEFT JOIN teams x ON x.id = e.transfer_team";

fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<EscalationRecord> {
    let status: String = row.try_get("status")?;
    let status = EscalationStatus::parse(&status)
        .ok_or_else(|| Error::Internal(format!("unknown escalation status {status:?}")))?;
    let classes: String = row.try_get("classes")?;
    let decision = match row.try_get::<Option<String>, _>("decider")? {
        None => None,
        Some(by) => Some(Decision {
            by,
            note: row.try_get("decision_note")?,
            at: Timestamp::from_millis(row.try_get::<Option<i64>, _>("decided_at")?.unwrap_or_default()),
            grant_until: row.try_get::<Option<i64>, _>("grant_until")?.map(Timestamp::from_millis),
        }),
    };
    Ok(EscalationRecord {
        escalation: Escalation {
            id: EscalationId::new(row.try_get("id")?),
            conversation: ConversationId::new(row.try_get("conversation_id")?),
            requested_by: (UserId::new(row.try_get("requested_by")?), row.try_get("requester")?),
            reason: row.try_get("reason")?,
            classes: ClassSet::parse([classes.as_str()]).map_err(Error::Internal)?,
            transfer_to: match row.try_get::<Option<i64>, _>("transfer_team")? {
                Some(team) => Some((TeamId::new(team), row.try_get("transfer_name")?)),
                None => None,
            },
            status,
            created_at: Timestamp::from_millis(row.try_get("created_at")?),
            decision,
        },
        customer_name: row.try_get("profile_name")?,
        team_name: row.try_get("team_name")?,
    })
}

impl Store {
    /// The request `id`, whoever may see it (the caller authorizes on its conversation).
    pub async fn find_escalation(&self, id: EscalationId) -> Result<Option<EscalationRecord>> {
        let row = sqlx::query(&format!("{SELECT} WHERE e.id = ?"))
            .bind(id.get())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The proof's user's own requests on conversations they still see, newest first.
    pub async fn list_own_escalations(
        &self,
        proof: &Authorized<act::ListOwnEscalations>,
    ) -> Result<Vec<EscalationRecord>> {
        self.list_scoped("e.requested_by = ", proof.resource(), "e.created_at DESC, e.id DESC").await
    }

    /// Requests waiting for an answer on conversations the proof reaches, other than the
    /// proof's user's own, oldest first (the queue's order).
    pub async fn list_pending_escalations(
        &self,
        proof: &Authorized<act::ReviewEscalations>,
    ) -> Result<Vec<EscalationRecord>> {
        let pending = "e.status = 'pending' AND e.requested_by <> ";
        self.list_scoped(pending, proof.resource(), "e.created_at, e.id").await
    }

    /// Requests matching `filter` (which ends comparing with the scope's user), on
    /// conversations `scope` reaches, in `order`.
    async fn list_scoped(
        &self,
        filter: &str,
        scope: &ListScope,
        order: &str,
    ) -> Result<Vec<EscalationRecord>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!("{SELECT} WHERE {filter}"));
        q.push_bind(scope.user.get());
        super::access::push_scope(&mut q, scope, "c.team_id", "c.assignee_id", "c.contact_id");
        q.push(format_args!(" ORDER BY {order} LIMIT ")).push_bind(LIST_LIMIT);
        let rows = q.build().fetch_all(self.read()).await?;
        rows.iter().map(from_row).collect()
    }

    /// The classes approvals let `user` reveal on `conversation` at `now`, and until when the
    /// latest of them lasts.
    pub async fn approved_classes(
        &self,
        user: UserId,
        conversation: ConversationId,
        now: Timestamp,
    ) -> Result<(ClassSet, Option<Timestamp>)> {
        let rows = sqlx::query(
            "SELECT classes, grant_until FROM escalations
              WHERE requested_by = ? AND conversation_id = ? AND status = 'approved' AND grant_until > ?",
        )
        .bind(user.get())
        .bind(conversation.get())
        .bind(now.as_millis())
        .fetch_all(self.read())
        .await?;
        union_of(&rows)
    }

    /// The classes approvals let `user` reveal in the fields of `contact` at `now` (an approval
    /// on any of its conversations).
    pub async fn approved_classes_for_contact(
        &self,
        user: UserId,
        contact: ContactId,
        now: Timestamp,
    ) -> Result<(ClassSet, Option<Timestamp>)> {
        let rows = sqlx::query(
            "SELECT e.classes, e.grant_until FROM escalations e JOIN conversations c ON c.id = e.conversation_id
              WHERE e.requested_by = ? AND c.contact_id = ? AND e.status = 'approved' AND e.grant_until > ?",
        )
        .bind(user.get())
        .bind(contact.get())
        .bind(now.as_millis())
        .fetch_all(self.read())
        .await?;
        union_of(&rows)
    }
}

impl Store {
    /// Whether `user` has a request about `conversation` waiting for an answer.
    pub async fn has_pending_escalation(&self, user: UserId, conversation: ConversationId) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM escalations WHERE requested_by = ? AND conversation_id = ? AND status = 'pending'",
        )
        .bind(user.get())
        .bind(conversation.get())
        .fetch_optional(self.read())
        .await?;
        Ok(row.is_some())
    }
}

fn union_of(rows: &[sqlx::sqlite::SqliteRow]) -> Result<(ClassSet, Option<Timestamp>)> {
    rows.iter().try_fold((ClassSet::NONE, None), |(set, until), row| {
        let classes: String = row.try_get("classes")?;
        let ends = Timestamp::from_millis(row.try_get("grant_until")?);
        let set = set.union(ClassSet::parse([classes.as_str()]).map_err(Error::Internal)?);
        Ok((set, Some(until.map_or(ends, |u: Timestamp| u.max(ends)))))
    })
}

impl WriteTx {
    /// Records a request by the proof's user about its conversation: to reveal `classes`, and
    /// to move it to `transfer_to`. A second open request by the same person on the same
    /// conversation is a conflict.
    pub async fn insert_escalation(
        &mut self,
        proof: &Authorized<act::RequestEscalation>,
        reason: &str,
        classes: ClassSet,
        transfer_to: Option<TeamId>,
        now: Timestamp,
    ) -> Result<EscalationId> {
        let requester = proof.actor().user_id().ok_or(Error::Forbidden)?;
        let done = sqlx::query(
            "INSERT INTO escalations (conversation_id, requested_by, reason, classes, transfer_team, created_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(proof.conversation().get())
        .bind(requester.get())
        .bind(reason)
        .bind(classes.to_text())
        .bind(transfer_to.map(TeamId::get))
        .bind(now.as_millis())
        .fetch_one(self.conn())
        .await;
        match done {
            Ok(row) => Ok(EscalationId::new(row.try_get("id")?)),
            Err(e) if is_unique_violation(&e) => Err(Error::Conflict(
                "you already asked about this conversation: wait for a manager's answer".to_owned(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Answers the open request `id` on the proof's conversation. `grant_until` is set when
    /// approving a reveal. A request already answered (by someone else, a moment ago) is a
    /// conflict, so two managers never both decide.
    pub async fn decide_escalation(
        &mut self,
        proof: &Authorized<act::DecideEscalation>,
        id: EscalationId,
        status: EscalationStatus,
        note: Option<&str>,
        grant_until: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<()> {
        let decider = proof.actor().user_id().ok_or(Error::Forbidden)?;
        let done = sqlx::query(
            "UPDATE escalations SET status = ?, decided_by = ?, decision_note = ?, decided_at = ?, grant_until = ?
              WHERE id = ? AND conversation_id = ? AND status = 'pending'",
        )
        .bind(status.as_str())
        .bind(decider.get())
        .bind(note)
        .bind(now.as_millis())
        .bind(grant_until.map(Timestamp::as_millis))
        .bind(id.get())
        .bind(proof.conversation().get())
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(Error::Conflict("this request has already been answered".to_owned()))
        }
    }
}
