//! Signing in and out, and resolving a session token to an actor on every call.

use serde::Deserialize;

use super::views::{MeView, NewSessionView};
use super::{actor_label, forbidden, Core};
use crate::audit::AuditEvent;
use crate::auth::password;
use crate::auth::session::{is_live, SessionToken};
use crate::authz::{act, authorize, Actor, AuditActor, Grants};
use crate::domain::Username;
use crate::error::{Error, Result};
use crate::keys::SecretString;
use crate::store::users::UserRecord;

/// A sign-in attempt.
#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: SecretString,
}

/// A successful sign-in: the token (for the front end to keep in memory) and who it is.
#[derive(Debug)]
pub struct SignedIn {
    /// The new session's token.
    pub token: SessionToken,
    /// The user.
    pub me: MeView,
}

impl SignedIn {
    /// The HTTP API's answer; the token leaves the core here and only here.
    pub fn into_view(self) -> NewSessionView {
        NewSessionView { token: self.token.dangerously_expose().to_owned(), user: self.me }
    }
}

/// The actor behind a live session.
#[derive(Debug)]
pub struct Resolved {
    /// For authorization.
    pub actor: Actor,
    /// The user record.
    pub user: UserRecord,
    /// The user's grants.
    pub grants: Grants,
}

impl Core {
    /// Checks a user name and password and opens a session. A wrong name and a wrong password
    /// give the same error, in the same time.
    pub async fn login(&self, request: LoginRequest) -> Result<SignedIn> {
        let user = match Username::parse(&request.username) {
            Ok(name) => self.store.find_user_by_name(&name).await?,
            Err(_) => None,
        };
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let password = request.password;
        let verified = tokio::task::spawn_blocking(move || password::verify(hash.as_deref(), &password))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        let now = self.clock.now();
        let user = match user {
            Some(user) if verified && !user.disabled => user,
            other => {
                let target =
                    other.map_or_else(|| "user:unknown".to_owned(), |u| format!("user:{}", u.id.get()));
                let mut tx = self.store.write().await?;
                tx.audit(
                    &AuditEvent::new(AuditActor::Anonymous, "session.login_failed")
                        .target(target)
                        .detail("via", "password"),
                    now,
                )
                .await?;
                tx.commit().await?;
                return Err(Error::InvalidCredentials);
            }
        };
        let grants = Grants::for_role(user.role);
        let actor = Actor::User { id: user.id, grants: grants.clone() };
        let proof = authorize::<act::OpenSession>(&actor, user.id).map_err(forbidden)?;
        let token = SessionToken::generate(self.rng.as_ref());
        let mut tx = self.store.write().await?;
        let session_id = tx.insert_session(&proof, &token.digest(), now).await?;
        tx.audit(
            &AuditEvent::new(actor_label(&actor), "session.login").target(format!("session:{session_id}")),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(SignedIn { token, me: MeView::build(&user, &grants) })
    }

    /// Ends the session. Ending an already-ended session is not an error.
    pub async fn logout(&self, token: &SessionToken) -> Result<()> {
        let Ok(resolved) = self.resolve(token).await else {
            return Ok(());
        };
        let proof = authorize::<act::CloseSession>(&resolved.actor, resolved.user.id).map_err(forbidden)?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if tx.revoke_session(&proof, &token.digest(), now).await? {
            tx.audit(&AuditEvent::new(proof.actor().clone(), "session.logout"), now).await?;
        }
        tx.commit().await
    }

    /// Who the session belongs to and what they may do.
    pub async fn me(&self, token: &SessionToken) -> Result<MeView> {
        let r = self.resolve(token).await?;
        Ok(MeView::build(&r.user, &r.grants))
    }

    /// Authenticates a call: the session must exist, be live and belong to an enabled user.
    /// Every use moves the idle deadline forward.
    pub async fn resolve(&self, token: &SessionToken) -> Result<Resolved> {
        let now = self.clock.now();
        let session = self.store.find_session(&token.digest()).await?.ok_or(Error::Unauthenticated)?;
        if !is_live(session.times, now) {
            return Err(Error::Unauthenticated);
        }
        let user = self.store.get_user(session.user_id).await.map_err(|_| Error::Unauthenticated)?;
        if user.disabled {
            return Err(Error::Unauthenticated);
        }
        self.store.touch_session(session.id, now).await?;
        let grants = Grants::for_role(user.role);
        Ok(Resolved { actor: Actor::User { id: user.id, grants: grants.clone() }, user, grants })
    }
}
