//! Locking a session on a shared PC, and unlocking it.
//!
//! The desktop app locks its session after the idle time in the security settings, when the
//! user presses "Lock", and when the operating system's session locks. A locked session can do
//! nothing but unlock (with its user's password) or sign out: its views are refused with
//! `locked`, and it is not kept alive, so it runs out its idle time like an abandoned one.
//! Wrong passwords at the lock screen count towards the same lock as at sign-in; when the user
//! name gets locked, the locked session ends.

use crate::audit::Kind;
use serde::Deserialize;

use super::session::{name_key, verify, Resolved, Stage};
use super::views::MeView;
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::auth::throttle::minutes_until;
use crate::authz::{act, audit_actor, Actor};
use crate::error::{Error, Result};
use crate::keys::SecretString;

/// Why a session is being locked (recorded in the audit trail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// The user pressed "Lock".
    Manual,
    /// No input for the lock time.
    Idle,
    /// The operating system's session locked.
    System,
}

impl LockReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Idle => "idle",
            Self::System => "system",
        }
    }
}

/// Unlocking with the password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UnlockRequest {
    /// The session user's password.
    pub password: SecretString,
}

impl Core {
    /// Locks the session. Locking a locked session changes nothing.
    pub async fn lock(&self, token: &SessionToken, reason: LockReason) -> Result<MeView> {
        let r = self.resolve_inner(token, Stage::Any).await?;
        if !r.locked {
            let proof = self.allow::<act::LockSession>(&r.actor, r.user.id).await?;
            let now = self.clock.now();
            let mut tx = self.store.write().await?;
            tx.set_session_lock(&proof, r.session_id, Some(now)).await?;
            let event = AuditEvent::new(proof.actor().clone(), Kind::SessionLocked)
                .target(format!("session:{}", r.session_id))
                .detail("reason", reason.as_str());
            tx.audit(&event, now).await?;
            tx.commit().await?;
        }
        self.me_view(&r.user, &r.grants, r.second_factor_pending, true, r.provider_second_factor).await
    }

    /// Unlocks the session with its user's password.
    pub async fn unlock(&self, token: &SessionToken, request: UnlockRequest) -> Result<MeView> {
        let r = self.resolve_inner(token, Stage::Any).await?;
        if !r.locked {
            return self
                .me_view(&r.user, &r.grants, r.second_factor_pending, false, r.provider_second_factor)
                .await;
        }
        let now = self.clock.now();
        let key = name_key(&r.user.username);
        if let Some(until) = self.store.find_throttle(&key).await?.locked_at(now) {
            return Err(Error::Throttled { minutes: minutes_until(until, now) });
        }
        let (verified, _) = verify(Some(r.user.password_hash.clone()), request.password).await?;
        if !verified {
            return Err(self.unlock_failed(token, &r).await?);
        }
        self.unlocked(&r, "password").await
    }

    /// Unlocks a session whose user proved who they are (`method`: how).
    pub(super) async fn unlocked(&self, r: &Resolved, method: &str) -> Result<MeView> {
        let now = self.clock.now();
        let proof = self.allow::<act::LockSession>(&r.actor, r.user.id).await?;
        let mut tx = self.store.write().await?;
        tx.set_session_lock(&proof, r.session_id, None).await?;
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::SessionUnlocked)
                .target(format!("session:{}", r.session_id))
                .detail("method", method),
            now,
        )
        .await?;
        tx.commit().await?;
        self.store.touch_session(r.session_id, now).await?;
        self.me_view(&r.user, &r.grants, r.second_factor_pending, false, r.provider_second_factor).await
    }

    /// Counts a wrong password at the lock screen; ends the session once the user name locks.
    async fn unlock_failed(&self, token: &SessionToken, r: &super::session::Resolved) -> Result<Error> {
        let now = self.clock.now();
        let key = name_key(&r.user.username);
        let policy = self.throttle_policy().await?;
        let counters = self.store.find_throttle(&key).await?.after_failure(policy, now);
        let locked_out = counters.locked_at(now).is_some();
        let failure = self.allow::<act::RecordSignInFailure>(&Actor::Anonymous, ()).await?;
        let mut tx = self.store.write().await?;
        tx.put_throttle(&failure, &key, &counters, now).await?;
        let event = AuditEvent::new(audit_actor(&r.actor), Kind::SessionUnlockFailed)
            .target(format!("session:{}", r.session_id))
            .detail("locked", locked_out);
        tx.audit(&event, now).await?;
        if locked_out {
            let close = self.allow::<act::CloseSession>(&r.actor, r.user.id).await?;
            tx.revoke_session(&close, &token.digest(), now).await?;
            tx.audit(
                &AuditEvent::new(close.actor().clone(), Kind::SessionLogout).detail("reason", "lockout"),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(match locked_out {
            true => {
                Error::Throttled { minutes: counters.locked_at(now).map_or(1, |u| minutes_until(u, now)) }
            }
            false => Error::Invalid("that password is not correct".to_owned()),
        })
    }
}
