//! Security keys and passkeys (WebAuthn), with `webauthn-rs` as the relying party.
//!
//! A user registers several keys and names them; a key then serves as the second factor after
//! the password, for step-up, to unlock a locked session, or on its own (passwordless: the key
//! verifies its user with a PIN or biometrics, so it is two factors in one). The client — the
//! desktop app talking to the key over USB, or a browser — gets a challenge and a ceremony id,
//! and returns the key's answer with that id; each ceremony is finished once, within five
//! minutes, by the session that began it. A key whose signature counter goes backwards (a
//! cloned key) is refused, and the refusal counts towards the user's sign-in lock.

use crate::audit::Kind;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{Passkey, PasskeyAuthentication, PasskeyRegistration, Uuid};
use webauthn_rs::Webauthn;

use super::session::{name_key, Origin, SignedIn, Stage};
use super::views::{KeyChallengeView, MeView, SecurityKeyView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::auth::throttle::minutes_until;
use crate::auth::webauthn;
use crate::authz::{act, Actor, AuditActor};
use crate::clock::{random_bytes, Timestamp};
use crate::domain::{UserId, Username};
use crate::error::{Error, Result};
use crate::store::users::UserRecord;
use crate::store::webauthn::{CeremonyRecord, KeyRecord};

/// Setting: the origin keys are registered for (its host is the relying-party id).
const ORIGIN_SETTING: &str = "webauthn.origin";
/// Default origin: a name only this installation uses.
pub const DEFAULT_ORIGIN: &str = "https://countersign.localhost";
/// How long a ceremony may take.
const CEREMONY_MS: i64 = 5 * 60 * 1000;

/// Starting to register a key.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterKeyRequest {
    /// What the user calls it ("blue YubiKey").
    pub name: String,
}

/// A key's answer to a challenge.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct KeyAnswer {
    /// The ceremony id from the challenge.
    pub ceremony: String,
    /// The WebAuthn credential as the client produced it (`PublicKeyCredential` JSON).
    pub credential: serde_json::Value,
}

/// Starting a passwordless sign-in.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordlessRequest {
    /// The user name.
    pub username: String,
}

/// What a registration ceremony keeps between its two calls: the key's name and
/// webauthn-rs's state (stored as `{"name", "state"}`).
#[derive(Deserialize)]
struct Registration {
    name: String,
    state: PasskeyRegistration,
}

fn key_name(raw: &str) -> Result<String> {
    let name: String = raw.chars().filter(|c| !c.is_control()).collect();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(Error::Invalid("give the security key a name of 1 to 60 characters".to_owned()));
    }
    Ok(name.to_owned())
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(e.to_string())
}

fn refused() -> Error {
    Error::Invalid("the security key was not accepted; try again or use another method".to_owned())
}

fn passkeys(keys: &[KeyRecord]) -> Result<Vec<Passkey>> {
    keys.iter().map(|k| serde_json::from_str(&k.passkey_json).map_err(internal)).collect()
}

impl Core {
    async fn relying_party(&self) -> Result<(Webauthn, String)> {
        let origin =
            self.store.find_setting(ORIGIN_SETTING).await?.unwrap_or_else(|| DEFAULT_ORIGIN.to_owned());
        Ok((webauthn::relying_party(&origin)?, origin))
    }

    /// Whether `user` has any second factor (a confirmed authenticator app or a key).
    pub(super) async fn has_second_factor(&self, user: UserId) -> Result<bool> {
        Ok(self.store.find_totp(user).await?.is_some_and(|t| t.confirmed)
            || !self.store.security_keys(user).await?.is_empty())
    }

    /// The second-factor methods `user` can use: `totp`, `security_key`.
    pub(super) async fn second_factor_methods(&self, user: UserId) -> Result<Vec<&'static str>> {
        let mut methods = Vec::new();
        if self.store.find_totp(user).await?.is_some_and(|t| t.confirmed) {
            methods.push("totp");
        }
        if !self.store.security_keys(user).await?.is_empty() {
            methods.push("security_key");
        }
        Ok(methods)
    }

    #[allow(clippy::too_many_arguments)] // the ceremony's parts, each named at the call
    async fn begin_ceremony(
        &self,
        actor: &Actor,
        kind: &str,
        user: UserId,
        session_id: Option<i64>,
        state_json: String,
        options: serde_json::Value,
        origin: String,
    ) -> Result<KeyChallengeView> {
        let id = hex::encode(random_bytes::<32>(self.rng.as_ref()));
        let now = self.clock.now();
        let record =
            CeremonyRecord { kind: kind.to_owned(), user_id: user, session_id, state_json, created_at: now };
        let proof = self.allow::<act::RunKeyCeremony>(actor, ()).await?;
        let mut tx = self.store.write().await?;
        tx.expire_ceremonies(&proof, now.plus_millis(-CEREMONY_MS)).await?;
        tx.put_ceremony(&proof, &Sha256::digest(id.as_bytes()).into(), &record).await?;
        tx.commit().await?;
        Ok(KeyChallengeView { ceremony: id, origin, options })
    }

    /// Takes the ceremony `id` if it is of `kind`, for `user` (and `session`), and not stale.
    async fn take_ceremony(
        &self,
        actor: &Actor,
        id: &str,
        kind: &str,
        user: Option<UserId>,
        session: Option<i64>,
    ) -> Result<CeremonyRecord> {
        let proof = self.allow::<act::RunKeyCeremony>(actor, ()).await?;
        let mut tx = self.store.write().await?;
        let taken = tx.take_ceremony(&proof, &Sha256::digest(id.as_bytes()).into()).await?;
        tx.commit().await?;
        let stale = Error::Invalid("that security-key request has expired; start again".to_owned());
        let c = taken.ok_or(stale)?;
        let fresh = self.clock.now() < c.created_at.plus_millis(CEREMONY_MS);
        let matches = c.kind == kind && user.is_none_or(|u| u == c.user_id) && c.session_id == session;
        if !fresh || !matches {
            return Err(Error::Invalid("that security-key request has expired; start again".to_owned()));
        }
        Ok(c)
    }

    /// Starts registering a security key or passkey. A user who already has a second factor
    /// must have proven it within the step-up window (a stolen session cannot add its own key).
    pub async fn begin_security_key_registration(
        &self,
        token: &SessionToken,
        request: RegisterKeyRequest,
    ) -> Result<KeyChallengeView> {
        let r = self.resolve_inner(token, Stage::Enrolment).await?;
        let name = key_name(&request.name)?;
        if self.has_second_factor(r.user.id).await? {
            self.require_step_up(&r).await?;
        }
        let proof = self.allow::<act::ManageOwnSecondFactor>(&r.actor, r.user.id).await?;
        let handle = match self.store.webauthn_handle(r.user.id).await? {
            Some(h) => h,
            None => {
                let h = Uuid::from_bytes(random_bytes::<16>(self.rng.as_ref())).to_string();
                let mut tx = self.store.write().await?;
                tx.ensure_webauthn_handle(&proof, &h).await?;
                tx.commit().await?;
                self.store.webauthn_handle(r.user.id).await?.unwrap_or(h)
            }
        };
        let handle = Uuid::parse_str(&handle).map_err(internal)?;
        let existing = passkeys(&self.store.security_keys(r.user.id).await?)?;
        let exclude = existing.iter().map(|p| p.cred_id().clone()).collect::<Vec<_>>();
        let (rp, origin) = self.relying_party().await?;
        let (challenge, state) = rp
            .start_passkey_registration(handle, &r.user.username, &r.user.username, Some(exclude))
            .map_err(internal)?;
        let state_json = serde_json::json!({ "name": name, "state": state }).to_string();
        let options = serde_json::to_value(&challenge).map_err(internal)?;
        self.begin_ceremony(&r.actor, "register", r.user.id, Some(r.session_id), state_json, options, origin)
            .await
    }

    /// Finishes registering a key with the key's answer; returns the user's keys.
    pub async fn finish_security_key_registration(
        &self,
        token: &SessionToken,
        answer: KeyAnswer,
    ) -> Result<Vec<SecurityKeyView>> {
        let r = self.resolve_inner(token, Stage::Enrolment).await?;
        let c = self
            .take_ceremony(&r.actor, &answer.ceremony, "register", Some(r.user.id), Some(r.session_id))
            .await?;
        let registration: Registration = serde_json::from_str(&c.state_json).map_err(internal)?;
        let credential = webauthn::registration_answer(answer.credential).ok_or_else(refused)?;
        let (rp, _) = self.relying_party().await?;
        let passkey = rp.finish_passkey_registration(&credential, &registration.state).map_err(|e| {
            tracing::info!(error = %e, "security key registration refused");
            refused()
        })?;
        let proof = self.allow::<act::ManageOwnSecondFactor>(&r.actor, r.user.id).await?;
        let signed_in = self.allow::<act::CompleteSignIn>(&r.actor, r.user.id).await?;
        let now = self.clock.now();
        let json = serde_json::to_string(&passkey).map_err(internal)?;
        let mut tx = self.store.write().await?;
        let id = tx
            .insert_security_key(&proof, &registration.name, passkey.cred_id().as_ref(), &json, now)
            .await?;
        tx.complete_sign_in(&signed_in, &token.digest(), now).await?;
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::MfaSecurityKeyAdded)
                .target(format!("security_key:{id}")),
            now,
        )
        .await?;
        tx.commit().await?;
        self.security_keys(token).await
    }

    /// The caller's keys.
    pub async fn security_keys(&self, token: &SessionToken) -> Result<Vec<SecurityKeyView>> {
        let r = self.resolve_inner(token, Stage::Enrolment).await?;
        Ok(self.store.security_keys(r.user.id).await?.iter().map(SecurityKeyView::build).collect())
    }

    /// Removes one of the caller's keys (step-up required). Removing the last second factor
    /// of someone whom policy requires to have one is refused.
    pub async fn remove_security_key(&self, token: &SessionToken, id: i64) -> Result<Vec<SecurityKeyView>> {
        let r = self.resolve(token).await?;
        self.require_step_up(&r).await?;
        let keys = self.store.security_keys(r.user.id).await?;
        let has_totp = self.store.find_totp(r.user.id).await?.is_some_and(|t| t.confirmed);
        if keys.len() == 1 && !has_totp && self.second_factor_required_for(&r.user.role).await? {
            return Err(Error::Invalid(
                "your organisation requires a second factor: add another before removing this one".to_owned(),
            ));
        }
        let proof = self.allow::<act::ManageOwnSecondFactor>(&r.actor, r.user.id).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if !tx.delete_security_key(&proof, id).await? {
            return Err(Error::NotFound);
        }
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::MfaSecurityKeyRemoved)
                .target(format!("security_key:{id}")),
            now,
        )
        .await?;
        tx.commit().await?;
        self.security_keys(token).await
    }

    /// A challenge for one of the session user's keys: to complete sign-in after the
    /// password, to unlock a locked session, or for step-up.
    pub async fn begin_security_key_check(&self, token: &SessionToken) -> Result<KeyChallengeView> {
        let r = self.resolve_inner(token, Stage::Any).await?;
        let keys = passkeys(&self.store.security_keys(r.user.id).await?)?;
        if keys.is_empty() {
            return Err(Error::Invalid("no security key is registered for this account".to_owned()));
        }
        let (rp, origin) = self.relying_party().await?;
        let (challenge, state) = rp.start_passkey_authentication(&keys).map_err(internal)?;
        let state_json = serde_json::to_string(&state).map_err(internal)?;
        let options = serde_json::to_value(&challenge).map_err(internal)?;
        self.begin_ceremony(&r.actor, "check", r.user.id, Some(r.session_id), state_json, options, origin)
            .await
    }

    /// Checks the key's answer: completes sign-in, unlocks, or counts as step-up.
    pub async fn finish_security_key_check(&self, token: &SessionToken, answer: KeyAnswer) -> Result<MeView> {
        let r = self.resolve_inner(token, Stage::Any).await?;
        let now = self.clock.now();
        if let Some(until) = self.store.find_throttle(&name_key(&r.user.username)).await?.locked_at(now) {
            return Err(Error::Throttled { minutes: minutes_until(until, now) });
        }
        let c = self
            .take_ceremony(&r.actor, &answer.ceremony, "check", Some(r.user.id), Some(r.session_id))
            .await?;
        let (key_id, json) = self.verify_assertion(&r.user, &c, answer.credential).await?;
        let proof = self.allow::<act::CompleteSignIn>(&r.actor, r.user.id).await?;
        let mut tx = self.store.write().await?;
        tx.record_key_use(&proof, key_id, &json, now).await?;
        tx.complete_sign_in(&proof, &token.digest(), now).await?;
        let action = match (r.second_factor_pending, r.locked) {
            (true, _) => Kind::SessionSecondFactor,
            (false, true) => Kind::SessionUnlocked,
            (false, false) => Kind::SessionStepUp,
        };
        if r.locked {
            let lock = self.allow::<act::LockSession>(&r.actor, r.user.id).await?;
            tx.set_session_lock(&lock, r.session_id, None).await?;
        }
        let event = AuditEvent::new(proof.actor().clone(), action)
            .target(format!("session:{}", r.session_id))
            .detail("method", "security_key");
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.me_view(&r.user, &r.grants, false, false, r.provider_second_factor).await
    }

    /// Verifies an assertion against `user`'s keys for ceremony `c`; returns the key used and
    /// its updated record. A refusal (wrong key, bad signature, counter gone backwards) counts
    /// towards the user's sign-in lock and is audited.
    async fn verify_assertion(
        &self,
        user: &UserRecord,
        c: &CeremonyRecord,
        credential: serde_json::Value,
    ) -> Result<(i64, String)> {
        let state: PasskeyAuthentication = serde_json::from_str(&c.state_json).map_err(internal)?;
        let (rp, _) = self.relying_party().await?;
        let outcome = webauthn::assertion_answer(credential)
            .ok_or_else(|| "unreadable".to_owned())
            .and_then(|cred| rp.finish_passkey_authentication(&cred, &state).map_err(|e| format!("{e:?}")));
        let result = match outcome {
            Ok(result) => result,
            Err(reason) => {
                self.key_refused(user, &reason).await?;
                return Err(refused());
            }
        };
        let keys = self.store.security_keys(user.id).await?;
        for key in keys {
            let mut passkey: Passkey = serde_json::from_str(&key.passkey_json).map_err(internal)?;
            if passkey.cred_id() == result.cred_id() {
                passkey.update_credential(&result);
                return Ok((key.id, serde_json::to_string(&passkey).map_err(internal)?));
            }
        }
        // Removed between the challenge and the answer.
        Err(refused())
    }

    async fn key_refused(&self, user: &UserRecord, reason: &str) -> Result<()> {
        // webauthn-rs's error names (no key material): CredentialPossibleCompromise for a
        // counter that went backwards.
        let reason: String =
            reason.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ').take(80).collect();
        let event =
            AuditEvent::new(AuditActor::User { id: user.id, session: None }, Kind::MfaSecurityKeyRefused)
                .target(format!("user:{}", user.id.get()))
                .detail("reason", reason);
        self.second_factor_failed(&user.username, event).await
    }

    /// Starts a passwordless sign-in with a security key or passkey.
    pub async fn begin_passwordless(
        &self,
        request: PasswordlessRequest,
        origin: Origin,
    ) -> Result<KeyChallengeView> {
        let now = self.clock.now();
        let keys = [name_key(&request.username), origin.throttle_key()];
        for k in &keys {
            if let Some(until) = self.store.find_throttle(k).await?.locked_at(now) {
                return Err(Error::Throttled { minutes: minutes_until(until, now) });
            }
        }
        let none = || {
            Error::Invalid(
                "no security key is registered for that name; sign in with your password".to_owned(),
            )
        };
        let name = Username::parse(&request.username).map_err(|_| none())?;
        let user = self.store.find_user_by_name(&name).await?.filter(|u| !u.disabled).ok_or_else(none)?;
        let passkeys = passkeys(&self.store.security_keys(user.id).await?)?;
        if passkeys.is_empty() {
            return Err(none());
        }
        let (rp, rp_origin) = self.relying_party().await?;
        let (challenge, state) = rp.start_passkey_authentication(&passkeys).map_err(internal)?;
        let state_json = serde_json::to_string(&state).map_err(internal)?;
        let options = serde_json::to_value(&challenge).map_err(internal)?;
        self.begin_ceremony(&Actor::Anonymous, "passwordless", user.id, None, state_json, options, rp_origin)
            .await
    }

    /// Finishes a passwordless sign-in: the key (with its PIN or biometrics) is both factors.
    pub async fn finish_passwordless(
        &self,
        answer: KeyAnswer,
        origin: Origin,
        device: &str,
    ) -> Result<SignedIn> {
        let c = self.take_ceremony(&Actor::Anonymous, &answer.ceremony, "passwordless", None, None).await?;
        let user = self.store.get_user(c.user_id).await?;
        if user.disabled {
            return Err(refused());
        }
        let now = self.clock.now();
        if let Some(until) = self.store.find_throttle(&name_key(&user.username)).await?.locked_at(now) {
            return Err(Error::Throttled { minutes: minutes_until(until, now) });
        }
        let allowlist = self.allowlist_in_force().await?;
        if !allowlist.permits(&user.role, &super::network::addresses(origin)) {
            return Err(Error::NetworkNotAllowed);
        }
        let (key_id, json) = self.verify_assertion(&user, &c, answer.credential).await?;
        if self.password_sign_in_refused(&user).await? {
            return Err(Error::SsoRequired);
        }
        let signed_in = self.open_passwordless_session(user, origin, device, now).await?;
        let r = self.resolve_inner(&signed_in.token, Stage::Any).await?;
        let proof = self.allow::<act::CompleteSignIn>(&r.actor, r.user.id).await?;
        let mut tx = self.store.write().await?;
        tx.record_key_use(&proof, key_id, &json, now).await?;
        tx.complete_sign_in(&proof, &signed_in.token.digest(), now).await?;
        tx.commit().await?;
        Ok(signed_in)
    }
}

impl SecurityKeyView {
    fn build(k: &KeyRecord) -> Self {
        Self {
            id: k.id,
            name: k.name.clone(),
            created_at: k.created_at.as_millis(),
            last_used_at: k.last_used_at.map(Timestamp::as_millis),
        }
    }
}
