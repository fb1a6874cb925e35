//! Signing in and out, changing one's password, and resolving a session token to an actor on
//! every call.
//!
//! Sign-in is throttled per user name and per source (see `auth::throttle`): a locked name or
//! source is refused before the password is looked at, with the same answer whether the name
//! exists or not. A password hashed with weaker parameters than today's is re-hashed on a
//! successful sign-in. A user whose password an administrator reset can do nothing but
//! choose a new one.

use crate::audit::{alerts, Kind};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::views::{MeView, NewSessionView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::password::{self, needs_rehash};
use crate::auth::session::{is_fresh, is_live, SessionToken};
use crate::auth::throttle::{minutes_until, Throttle};
use crate::authz::{act, audit_actor, Actor, AuditActor, Grants};
use crate::clock::Timestamp;
use crate::domain::Username;
use crate::error::{Error, Result};
use crate::keys::SecretString;
use crate::store::users::{SessionOrigin, UserRecord};

/// A sign-in attempt.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: SecretString,
}

pub use crate::auth::session::Origin;

impl Origin {
    pub(super) fn throttle_key(self) -> [u8; 32] {
        match self {
            Self::Network(ip) => digest(&format!("source:ip:{ip}")),
            Self::Desktop => digest("source:desktop"),
        }
    }
}

/// A device name as shown to the user: printable characters only, at most 120 of them (a
/// user agent is whatever the client sent).
pub(super) fn device_label(raw: &str) -> String {
    let clean: String = raw.chars().filter(|c| !c.is_control()).take(120).collect();
    if clean.trim().is_empty() {
        "unknown device".to_owned()
    } else {
        clean.trim().to_owned()
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// The throttling key of a typed user name (known or not, normalized as user names are).
pub fn name_key(raw: &str) -> [u8; 32] {
    digest(&format!("user:{}", raw.trim().to_lowercase()))
}

/// A password change by its owner.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChangePasswordRequest {
    /// The current password.
    pub current_password: SecretString,
    /// The new password.
    pub new_password: SecretString,
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
    /// The session still waits for a second factor.
    pub second_factor_pending: bool,
    /// The session is locked (only with [`Stage::Any`]).
    pub locked: bool,
    /// The session's row id.
    pub session_id: i64,
    /// When a second factor was last proven in this session.
    pub second_factor_at: Option<Timestamp>,
    /// The identity provider vouched for a second factor when the session opened.
    pub provider_second_factor: bool,
}

/// How a session was opened (recorded in the audit trail).
#[derive(Debug, Clone, Copy)]
pub(super) enum Method<'a> {
    /// User name and password (re-hashed if the parameters were raised).
    Password(&'a SecretString),
    /// A security key or passkey alone.
    SecurityKey,
    /// The organisation's identity provider.
    Sso,
}

impl Method<'_> {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Password(_) => "password",
            Self::SecurityKey => "security_key",
            Self::Sso => "sso",
        }
    }
}

/// How far a session must have got for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// Fully signed in (every ordinary call).
    Full,
    /// Signed in, a forced password change allowed to be pending (changing it).
    PasswordChange,
    /// Signed in, a second factor required by policy but not set up yet (setting it up).
    Enrolment,
    /// Anything live: waiting for a second factor or a password change, or locked (who am I,
    /// sign out, the second factor itself, unlocking).
    Any,
}

/// How long a session opened with the password only waits for its second factor.
pub const SECOND_FACTOR_WINDOW_MS: i64 = 5 * 60 * 1000;

/// How stale a session's recorded last use may be before a call records it again: a session
/// may end idle up to this much sooner than its limit says.
const TOUCH_EVERY_MS: i64 = 5_000;

/// Verifies on a blocking thread (argon2id is deliberately slow) and hands the password back.
pub(super) async fn verify(hash: Option<String>, pw: SecretString) -> Result<(bool, SecretString)> {
    tokio::task::spawn_blocking(move || (password::verify(hash.as_deref(), &pw), pw))
        .await
        .map_err(|e| Error::Internal(e.to_string()))
}

impl Core {
    /// Checks a user name and password and opens a session. A wrong name, a wrong password and
    /// a disabled account give the same error, in the same time.
    ///
    /// `device` names the program or device signing in (a user agent, `Countersign desktop`);
    /// it is shown in the user's list of sessions.
    pub async fn login(&self, request: LoginRequest, origin: Origin, device: &str) -> Result<SignedIn> {
        let now = self.clock.now();
        let keys = (name_key(&request.username), origin.throttle_key());
        let counters = (self.store.find_throttle(&keys.0).await?, self.store.find_throttle(&keys.1).await?);
        if let Some(until) = counters.0.locked_at(now).max(counters.1.locked_at(now)) {
            self.audit_anonymous(Kind::SessionLoginThrottled, None, (origin, device), now).await?;
            return Err(Error::Throttled { minutes: minutes_until(until, now) });
        }
        let allowlist = self.allowlist_in_force().await?;
        let addresses = super::network::addresses(origin);
        if !allowlist.permits_anyone(&addresses) {
            self.audit_anonymous(Kind::SessionLoginNetworkDenied, None, (origin, device), now).await?;
            return Err(Error::NetworkNotAllowed);
        }
        let user = match Username::parse(&request.username) {
            Ok(name) => self.store.find_user_by_name(&name).await?,
            Err(_) => None,
        };
        // A user made by single sign-on has no password: checked against the dummy hash, in
        // the same time as a wrong password.
        let hash = user.as_ref().map(|u| u.password_hash.clone()).filter(|h| !h.is_empty());
        let (verified, password) = verify(hash, request.password).await?;
        match user {
            // Role entries are checked only now that the password proved who this is.
            Some(user) if verified && !user.disabled && !allowlist.permits_role(&user.role, &addresses) => {
                let target = Some(format!("user:{}", user.id.get()));
                self.audit_anonymous(Kind::SessionLoginNetworkDenied, target, (origin, device), now).await?;
                Err(Error::NetworkNotAllowed)
            }
            Some(user) if verified && !user.disabled && self.password_sign_in_refused(&user).await? => {
                let target = Some(format!("user:{}", user.id.get()));
                self.audit_anonymous(Kind::SessionSsoRequired, target, (origin, device), now).await?;
                Err(Error::SsoRequired)
            }
            Some(user) if verified && !user.disabled => {
                let label = origin.label();
                let pending = self.has_second_factor(user.id).await?;
                let opened_from = SessionOrigin {
                    bound_to: origin,
                    origin: &label,
                    device: &device_label(device),
                    second_factor_pending: pending,
                    provider_second_factor: false,
                };
                self.open_session(user, Method::Password(&password), &keys.0, &opened_from, now).await
            }
            other => {
                self.record_failure(other.as_ref(), keys, counters, (origin, device), now).await?;
                Err(Error::InvalidCredentials)
            }
        }
    }

    /// Opens a session for `user`, proven by a security key alone (see `api::keys`); the
    /// caller records the key's use and the proven second factor.
    pub(super) async fn open_passwordless_session(
        &self,
        user: UserRecord,
        origin: Origin,
        device: &str,
        now: Timestamp,
    ) -> Result<SignedIn> {
        let label = origin.label();
        let opened_from = SessionOrigin {
            bound_to: origin,
            origin: &label,
            device: &device_label(device),
            second_factor_pending: false,
            provider_second_factor: false,
        };
        let key = name_key(&user.username);
        self.open_session(user, Method::SecurityKey, &key, &opened_from, now).await
    }

    pub(super) async fn open_session(
        &self,
        user: UserRecord,
        method: Method<'_>,
        name_key: &[u8; 32],
        opened_from: &SessionOrigin<'_>,
        now: Timestamp,
    ) -> Result<SignedIn> {
        let grants = self.store.load_grants(user.id, &user.role).await?;
        let actor = Actor::User { id: user.id, grants: grants.clone(), session: None };
        let proof = self.allow::<act::OpenSession>(&actor, user.id).await?;
        let rehashed = match method {
            Method::Password(password) if needs_rehash(&user.password_hash) => {
                Some(self.hash_password(password).await?)
            }
            _ => None,
        };
        let token = SessionToken::generate(self.rng.as_ref(), opened_from.bound_to);
        let mut tx = self.store.write().await?;
        let session_id = tx.insert_session(&proof, &token.digest(), opened_from, now).await?;
        tx.clear_throttle_on_sign_in(&proof, name_key).await?;
        let actor = Actor::User { id: user.id, grants: grants.clone(), session: Some(session_id) };
        let subject = format!("user:{}", user.id.get());
        let (before, from_here) = self.store.signed_in_before(&subject, opened_from.origin).await?;
        tx.audit(
            &AuditEvent::new(audit_actor(&actor), Kind::SessionLogin)
                .target(format!("session:{session_id}"))
                .detail("method", method.as_str()),
            now,
        )
        .await?;
        if before && !from_here && alerts::PRIVILEGED.iter().any(|p| grants.has(*p)) {
            let alert = AuditEvent::new(audit_actor(&actor), Kind::AuditAlert).detail("role", grants.role());
            tx.raise_alert(alerts::Rule::NewNetwork, alert, &subject, now).await?;
        }
        if let Some(hash) = rehashed {
            tx.rehash_password(&proof, &hash).await?;
            tx.audit(
                &AuditEvent::new(audit_actor(&actor), Kind::UserPasswordRehashed)
                    .target(format!("user:{}", user.id.get())),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        let me = self
            .me_view(
                &user,
                &grants,
                opened_from.second_factor_pending,
                false,
                opened_from.provider_second_factor,
            )
            .await?;
        Ok(SignedIn { token, me })
    }

    async fn record_failure(
        &self,
        user: Option<&UserRecord>,
        keys: ([u8; 32], [u8; 32]),
        counters: (Throttle, Throttle),
        (origin, device): (Origin, &str),
        now: Timestamp,
    ) -> Result<()> {
        let policy = self.throttle_policy().await?;
        let by_name = counters.0.after_failure(policy, now);
        let by_source = counters.1.after_failure(policy.for_sources(), now);
        let target = user.map_or_else(|| "user:unknown".to_owned(), |u| format!("user:{}", u.id.get()));
        let proof = self.allow::<act::RecordSignInFailure>(&Actor::Anonymous, ()).await?;
        let mut tx = self.store.write().await?;
        tx.put_throttle(&proof, &keys.0, &by_name, now).await?;
        tx.put_throttle(&proof, &keys.1, &by_source, now).await?;
        let locked = by_name.lock_count > counters.0.lock_count;
        let event = AuditEvent::new(AuditActor::Anonymous, Kind::SessionLoginFailed)
            .target(target.clone())
            .detail("locked", locked)
            .from(origin.label(), device_label(device));
        tx.audit(&event, now).await?;
        if locked && user.is_some() {
            tx.audit(
                &AuditEvent::new(AuditActor::Anonymous, Kind::UserLocked)
                    .target(target)
                    .detail("locks", by_name.lock_count)
                    .from(origin.label(), device_label(device)),
                now,
            )
            .await?;
        }
        tx.commit().await
    }

    async fn audit_anonymous(
        &self,
        action: Kind,
        target: Option<String>,
        (origin, device): (Origin, &str),
        now: Timestamp,
    ) -> Result<()> {
        let mut event =
            AuditEvent::new(AuditActor::Anonymous, action).from(origin.label(), device_label(device));
        event.target = target;
        let mut tx = self.store.write().await?;
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// Ends the session. Ending an already-ended session is not an error.
    pub async fn logout(&self, token: &SessionToken) -> Result<()> {
        let Ok(resolved) = self.resolve_inner(token, Stage::Any).await else { return Ok(()) };
        let proof = self.allow::<act::CloseSession>(&resolved.actor, resolved.user.id).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if tx.revoke_session(&proof, &token.digest(), now).await? {
            tx.audit(&AuditEvent::new(proof.actor().clone(), Kind::SessionLogout), now).await?;
        }
        tx.commit().await
    }

    /// Who the session belongs to and what they may do (also while a password change is due).
    pub async fn me(&self, token: &SessionToken) -> Result<MeView> {
        let r = self.resolve_inner(token, Stage::Any).await?;
        self.me_view(&r.user, &r.grants, r.second_factor_pending, r.locked, r.provider_second_factor).await
    }

    /// The view of the signed-in user, with what policy requires of them.
    pub(super) async fn me_view(
        &self,
        user: &UserRecord,
        grants: &Grants,
        second_factor_pending: bool,
        locked: bool,
        provider_second_factor: bool,
    ) -> Result<MeView> {
        let enrol = !provider_second_factor && self.must_enrol_second_factor(user).await?;
        Ok(MeView::build(user, grants)
            .second_factor_methods(self.second_factor_methods(user.id).await?)
            .second_factor_pending(second_factor_pending)
            .enrolment_required(enrol)
            .locked(locked)
            .lock_after_seconds(self.lock_after_seconds().await?)
            .single_sign_on(self.store.find_identity_of(user.id).await?.is_some())
            .role_name(self.store.role_name(grants.role()).await?))
    }

    /// Refuses a high-risk action unless this session proved a second factor within the
    /// step-up window (five minutes by default).
    pub(super) async fn require_step_up(&self, r: &Resolved) -> Result<()> {
        let window = self.step_up_window_ms().await?;
        if is_fresh(r.second_factor_at, window, self.clock.now()) {
            return Ok(());
        }
        match self.has_second_factor(r.user.id).await? {
            true => Err(Error::StepUpRequired),
            false => Err(Error::StepUpUnavailable),
        }
    }

    /// Changes the signed-in user's password; their other sessions end.
    pub async fn change_password(
        &self,
        token: &SessionToken,
        request: ChangePasswordRequest,
    ) -> Result<MeView> {
        let r = self.resolve_inner(token, Stage::PasswordChange).await?;
        self.password_policy().await?.check(&r.user.username, &request.new_password)?;
        if request.new_password.dangerously_expose() == request.current_password.dangerously_expose() {
            return Err(Error::Invalid("choose a password different from the current one".to_owned()));
        }
        let (verified, _) = verify(Some(r.user.password_hash.clone()), request.current_password).await?;
        if !verified {
            return Err(Error::Invalid("the current password is not correct".to_owned()));
        }
        let hash = self.hash_password(&request.new_password).await?;
        let proof = self.allow::<act::ChangeOwnPassword>(&r.actor, r.user.id).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.change_own_password(&proof, &hash, &token.digest(), now).await?;
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::UserPasswordChanged)
                .target(format!("user:{}", r.user.id.get())),
            now,
        )
        .await?;
        tx.commit().await?;
        self.me(token).await
    }

    /// Authenticates a call: the session must exist, be live and belong to an enabled user
    /// who has no password change pending. Every use moves the idle deadline forward.
    pub async fn resolve(&self, token: &SessionToken) -> Result<Resolved> {
        self.resolve_inner(token, Stage::Full).await
    }

    pub(super) async fn resolve_inner(&self, token: &SessionToken, stage: Stage) -> Result<Resolved> {
        let now = self.clock.now();
        let session = self.store.find_session(&token.digest()).await?.ok_or(Error::Unauthenticated)?;
        let pending_expired = session.second_factor_pending
            && now >= session.times.created_at.plus_millis(SECOND_FACTOR_WINDOW_MS);
        if !is_live(session.times, self.session_policy().await?, now) || pending_expired {
            return Err(Error::Unauthenticated);
        }
        if session.origin != token.origin().label() {
            self.revoke_misused(session.id, now).await?;
            return Err(Error::Unauthenticated);
        }
        let user = self.store.get_user(session.user_id).await.map_err(|_| Error::Unauthenticated)?;
        if user.disabled {
            return Err(Error::Unauthenticated);
        }
        let locked = session.locked_at.is_some();
        if locked && stage != Stage::Any {
            return Err(Error::Locked);
        }
        // A locked session is not "in use": it runs out its idle time like an abandoned one.
        // Use is recorded once every few seconds, not at every call: each record is a write to
        // disk on the path of every call (issue 12), and an idle limit is minutes long.
        if !locked && now >= session.times.last_seen_at.plus_millis(TOUCH_EVERY_MS) {
            self.store.touch_session(session.id, now).await?;
        }
        if session.second_factor_pending && stage != Stage::Any {
            return Err(Error::SecondFactorRequired);
        }
        if user.must_change_password && matches!(stage, Stage::Full | Stage::Enrolment) {
            return Err(Error::PasswordChangeRequired);
        }
        if stage == Stage::Full
            && !session.provider_second_factor
            && self.must_enrol_second_factor(&user).await?
        {
            return Err(Error::SecondFactorEnrolmentRequired);
        }
        let grants = self.store.load_grants(user.id, &user.role).await?;
        let pending = session.second_factor_pending;
        Ok(Resolved {
            actor: Actor::User { id: user.id, grants: grants.clone(), session: Some(session.id) },
            user,
            grants,
            second_factor_pending: pending,
            locked,
            session_id: session.id,
            second_factor_at: session.second_factor_at,
            provider_second_factor: session.provider_second_factor,
        })
    }

    /// Ends a session whose token turned up somewhere it was not issued to.
    async fn revoke_misused(&self, session_id: i64, now: Timestamp) -> Result<()> {
        let proof = self.allow::<act::RevokeMisusedSession>(&Actor::Anonymous, session_id).await?;
        let mut tx = self.store.write().await?;
        tx.revoke_misused_session(&proof, now).await?;
        let event = AuditEvent::new(AuditActor::Anonymous, Kind::SessionRevokedMisused)
            .target(format!("session:{session_id}"));
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// Whether policy requires a second factor of `user` and they have none yet.
    pub(super) async fn must_enrol_second_factor(&self, user: &UserRecord) -> Result<bool> {
        Ok(self.second_factor_required_for(&user.role).await? && !self.has_second_factor(user.id).await?)
    }

    /// An argon2id hash of `password` with today's parameters, on a blocking thread.
    pub(super) async fn hash_password(&self, password: &SecretString) -> Result<String> {
        let rng = self.rng.clone();
        let pw = SecretString::from(password.dangerously_expose().clone());
        tokio::task::spawn_blocking(move || password::hash(&pw, rng.as_ref()))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
    }
}
