//! Offboarding someone in one transaction: every write takes the proof of the one action.

use super::audit::AuditReader;
use super::WriteTx;
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::{TeamId, UserId};
use crate::error::Result;

impl AuditReader for Authorized<act::OffboardUser> {}

/// What offboarding changed, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offboarded {
    /// Sessions ended.
    pub sessions_ended: u64,
    /// Security keys and passkeys removed.
    pub keys_removed: u64,
    /// Whether an authenticator app was removed.
    pub authenticator_removed: bool,
    /// The teams they left.
    pub teams_left: Vec<TeamId>,
    /// Open conversations handed on.
    pub conversations_reassigned: u64,
    /// Of those, how many went back to their team's queue (the new person is not a member).
    pub conversations_to_queue: u64,
    /// Contacts handed on.
    pub contacts_reassigned: u64,
}

impl WriteTx {
    /// Disables the proof's user, ends their sessions, removes their second factors and
    /// team memberships, and hands their open conversations and contacts to `to` where `to`
    /// is a member of the team they belong to, else to the team's queue (no one).
    pub async fn offboard(
        &mut self,
        proof: &Authorized<act::OffboardUser>,
        to: Option<UserId>,
        now: Timestamp,
    ) -> Result<Offboarded> {
        let user = proof.resource().get();
        let mut done = Offboarded::default();
        sqlx::query("UPDATE users SET disabled = 1 WHERE id = ?").bind(user).execute(self.conn()).await?;
        done.sessions_ended =
            sqlx::query("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL")
                .bind(now.as_millis())
                .bind(user)
                .execute(self.conn())
                .await?
                .rows_affected();
        done.keys_removed = sqlx::query("DELETE FROM webauthn_credentials WHERE user_id = ?")
            .bind(user)
            .execute(self.conn())
            .await?
            .rows_affected();
        for table in ["webauthn_ceremonies", "recovery_codes"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = ?"))
                .bind(user)
                .execute(self.conn())
                .await?;
        }
        done.authenticator_removed = sqlx::query("DELETE FROM totp_credentials WHERE user_id = ?")
            .bind(user)
            .execute(self.conn())
            .await?
            .rows_affected()
            > 0;
        let (moved, queued) =
            self.hand_over("conversations", "assignee_id", "AND status != 'resolved'", user, to).await?;
        done.conversations_reassigned = moved;
        done.conversations_to_queue = queued;
        done.contacts_reassigned = self.hand_over("contacts", "owner_id", "", user, to).await?.0;
        let teams: Vec<i64> =
            sqlx::query_scalar("DELETE FROM team_members WHERE user_id = ? RETURNING team_id")
                .bind(user)
                .fetch_all(self.conn())
                .await?;
        done.teams_left = teams.into_iter().map(TeamId::new).collect();
        done.teams_left.sort();
        Ok(done)
    }

    /// Moves `table`'s rows whose `column` is `from` to `to` when `to` is in the row's team,
    /// else to nobody. Returns (all moved, of them to nobody).
    async fn hand_over(
        &mut self,
        table: &str,
        column: &str,
        only: &str,
        from: i64,
        to: Option<UserId>,
    ) -> Result<(u64, u64)> {
        let to = to.map(UserId::get);
        let queued = sqlx::query(&format!(
            "UPDATE {table} SET {column} = NULL WHERE {column} = ? {only}
               AND (? IS NULL OR NOT EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = {table}.team_id AND m.user_id = ?))"
        ))
        .bind(from)
        .bind(to)
        .bind(to)
        .execute(self.conn())
        .await?
        .rows_affected();
        let moved = sqlx::query(&format!("UPDATE {table} SET {column} = ? WHERE {column} = ? {only}"))
            .bind(to)
            .bind(from)
            .execute(self.conn())
            .await?
            .rows_affected();
        Ok((moved + queued, queued))
    }
}
