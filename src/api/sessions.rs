//! "My sessions and devices": what a user is signed in on, and ending those sessions; and an
//! administrator ending every session of a user (a lost PC, a leaver). An ended session fails
//! on its next call, in the desktop app and over HTTP alike.

use super::views::SessionView;
use super::Core;
use crate::audit::AuditEvent;
use crate::audit::Kind;
use crate::auth::session::{is_live, SessionToken};
use crate::authz::{act, Actor};
use crate::domain::Username;
use crate::error::{Error, Result};

impl Core {
    /// The caller's live sessions, most recently used first.
    pub async fn my_sessions(&self, token: &SessionToken) -> Result<Vec<SessionView>> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::CloseSession>(&r.actor, r.user.id).await?;
        let now = self.clock.now();
        let mine = token.digest();
        let list = self.store.list_sessions(&proof).await?;
        let policy = self.session_policy().await?;
        Ok(list
            .into_iter()
            .filter(|s| is_live(s.times, policy, now))
            .map(|s| SessionView {
                id: s.id,
                current: s.token_sha256 == mine,
                device: s.device,
                origin: s.origin,
                started_at: s.times.created_at.as_millis(),
                last_seen_at: s.times.last_seen_at.as_millis(),
            })
            .collect())
    }

    /// Ends one of the caller's sessions; another user's session id is "not found".
    pub async fn end_my_session(&self, token: &SessionToken, id: i64) -> Result<()> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::CloseSession>(&r.actor, r.user.id).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if !tx.revoke_own_session(&proof, id, now).await? {
            return Err(Error::NotFound);
        }
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::SessionRevoked).target(format!("session:{id}")),
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Ends every session of the caller except this one ("sign out everywhere else").
    pub async fn end_my_other_sessions(&self, token: &SessionToken) -> Result<()> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::CloseSession>(&r.actor, r.user.id).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.revoke_own_other_sessions(&proof, &token.digest(), now).await?;
        tx.audit(&AuditEvent::new(proof.actor().clone(), Kind::SessionRevokedOthers), now).await?;
        tx.commit().await
    }

    /// Ends every session of `username` (administrators).
    pub async fn end_user_sessions(&self, token: &SessionToken, username: &str) -> Result<()> {
        let r = self.resolve(token).await?;
        self.end_user_sessions_as(&r.actor, username).await
    }

    /// The same, for IT at the machine.
    pub async fn operator_end_user_sessions(&self, username: &str) -> Result<()> {
        self.end_user_sessions_as(&Actor::Operator, username).await
    }

    async fn end_user_sessions_as(&self, actor: &Actor, username: &str) -> Result<()> {
        let proof = self.allow::<act::ManageUsers>(actor, ()).await?;
        let name = Username::parse(username).map_err(|_| Error::NotFound)?;
        let user = self.store.find_user_by_name(&name).await?.ok_or(Error::NotFound)?;
        self.may_act_on(actor, &user).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.revoke_user_sessions(&proof, user.id, now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::SessionRevokedAll)
            .target(format!("user:{}", user.id.get()));
        tx.audit(&event, now).await?;
        tx.commit().await
    }
}
