//! Second factors: enrolling an authenticator app (TOTP), recovery codes, and the second step
//! of signing in.
//!
//! A user with a confirmed authenticator gets, from the password step, a session that can do
//! nothing but take the second factor (for five minutes). A wrong code counts towards the same
//! lock as a wrong password, so the six digits cannot be guessed either.

use crate::audit::Kind;
use serde::Deserialize;

use super::session::{name_key, Resolved, Stage};
use super::views::{MeView, RecoveryCodesView, TotpEnrolmentView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::auth::throttle::minutes_until;
use crate::auth::totp::{new_recovery_codes, recovery_code_digest, step_is_fresh, TotpSecret};
use crate::authz::{act, audit_actor, Actor};
use crate::error::{Error, Result};

/// A code: six digits from the authenticator app, or a recovery code.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CodeRequest {
    /// The code as typed.
    pub code: String,
}

fn is_totp_code(code: &str) -> bool {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())
}

impl Core {
    /// Starts setting up an authenticator app: a new secret, shown this once (as text and as
    /// the `otpauth://` URL the app scans). Nothing changes until a code confirms it.
    pub async fn begin_totp_enrolment(&self, token: &SessionToken) -> Result<TotpEnrolmentView> {
        let r = self.resolve_inner(token, Stage::Enrolment).await?;
        if self.store.find_totp(r.user.id).await?.is_some_and(|t| t.confirmed) {
            return Err(Error::Invalid("an authenticator app is already set up for this account".to_owned()));
        }
        if self.has_second_factor(r.user.id).await? {
            self.require_step_up(&r).await?;
        }
        let proof = self.allow::<act::ManageOwnSecondFactor>(&r.actor, r.user.id).await?;
        let secret = TotpSecret::generate(self.rng.as_ref());
        let view = TotpEnrolmentView {
            secret: secret.dangerously_to_base32()?,
            otpauth_url: secret.dangerously_otpauth_url(&r.user.username)?,
            qr_svg: secret.dangerously_qr_svg(&r.user.username)?,
        };
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.put_pending_totp(&proof, &secret.dangerously_to_hex()).await?;
        tx.audit(&AuditEvent::new(proof.actor().clone(), Kind::MfaTotpEnrolmentStarted), now).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Confirms the authenticator with a code it shows, and returns ten recovery codes, shown
    /// this once.
    pub async fn confirm_totp_enrolment(
        &self,
        token: &SessionToken,
        request: CodeRequest,
    ) -> Result<RecoveryCodesView> {
        let r = self.resolve_inner(token, Stage::Enrolment).await?;
        let pending = self.store.find_totp(r.user.id).await?.filter(|t| !t.confirmed);
        let pending = pending
            .ok_or_else(|| Error::Invalid("start setting up the authenticator app first".to_owned()))?;
        let now = self.clock.now();
        let step =
            TotpSecret::from_hex(&pending.secret_hex)?.matched_step(&request.code, now).ok_or_else(|| {
                Error::Invalid(
                    "that code is not correct; check the phone's clock and try the next code".to_owned(),
                )
            })?;
        let proof = self.allow::<act::ManageOwnSecondFactor>(&r.actor, r.user.id).await?;
        let codes = new_recovery_codes(self.rng.as_ref());
        let digests: Vec<[u8; 32]> = codes.iter().map(|c| recovery_code_digest(c)).collect();
        // Confirming proves the second factor, for this session's step-up window too.
        let signed_in = self.allow::<act::CompleteSignIn>(&r.actor, r.user.id).await?;
        let mut tx = self.store.write().await?;
        tx.confirm_totp(&proof, step, &digests, now).await?;
        tx.complete_sign_in(&signed_in, &token.digest(), now).await?;
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::MfaTotpEnrolled)
                .target(format!("user:{}", r.user.id.get())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(RecoveryCodesView { codes })
    }

    /// The second step of signing in: an authenticator code (each usable once) or an unused
    /// recovery code. Wrong codes count towards the user's sign-in lock.
    pub async fn verify_second_factor(&self, token: &SessionToken, request: CodeRequest) -> Result<MeView> {
        let r = self.resolve_inner(token, Stage::Any).await?;
        if !r.second_factor_pending {
            return self.me_view(&r.user, &r.grants, false, r.locked, r.provider_second_factor).await;
        }
        self.prove_second_factor(token, &r, &request.code, Kind::SessionSecondFactor).await?;
        self.me_view(&r.user, &r.grants, false, false, r.provider_second_factor).await
    }

    /// Step-up: proves the second factor again before a high-risk action (changing security
    /// settings, resetting a password, revealing or exporting data). It then counts for the
    /// step-up window (five minutes by default).
    pub async fn step_up(&self, token: &SessionToken, request: CodeRequest) -> Result<()> {
        let r = self.resolve(token).await?;
        self.prove_second_factor(token, &r, &request.code, Kind::SessionStepUp).await
    }

    /// Checks `code` (authenticator or recovery code) for the session's user and records the
    /// proof in the session; a wrong code counts towards the user's sign-in lock.
    async fn prove_second_factor(
        &self,
        token: &SessionToken,
        r: &Resolved,
        code: &str,
        action: Kind,
    ) -> Result<()> {
        let now = self.clock.now();
        let key = name_key(&r.user.username);
        if let Some(until) = self.store.find_throttle(&key).await?.locked_at(now) {
            return Err(Error::Throttled { minutes: minutes_until(until, now) });
        }
        if !self.has_second_factor(r.user.id).await? {
            return Err(Error::StepUpUnavailable);
        }
        let totp = self.store.find_totp(r.user.id).await?.filter(|t| t.confirmed);
        let proof = self.allow::<act::CompleteSignIn>(&r.actor, r.user.id).await?;
        let mut tx = self.store.write().await?;
        let accepted = if is_totp_code(code) {
            let step = match &totp {
                Some(totp) => TotpSecret::from_hex(&totp.secret_hex)?
                    .matched_step(code, now)
                    .filter(|s| step_is_fresh(*s, totp.last_used_step)),
                None => None,
            };
            match step {
                Some(s) => tx.use_totp_step(&proof, s).await?,
                None => false,
            }
        } else {
            let used = tx.use_recovery_code(&proof, &recovery_code_digest(code), now).await?;
            if used {
                tx.audit(&AuditEvent::new(proof.actor().clone(), Kind::MfaRecoveryCodeUsed), now).await?;
            }
            used
        };
        if !accepted {
            drop(tx);
            let event = AuditEvent::new(audit_actor(&r.actor), Kind::SessionSecondFactorFailed);
            self.second_factor_failed(&r.user.username, event).await?;
            return Err(Error::Invalid("that code is not correct, or it was already used".to_owned()));
        }
        tx.complete_sign_in(&proof, &token.digest(), now).await?;
        tx.audit(&AuditEvent::new(proof.actor().clone(), action), now).await?;
        tx.commit().await
    }

    /// Ten new recovery codes, shown this once; the old ones stop working (step-up required).
    pub async fn regenerate_recovery_codes(&self, token: &SessionToken) -> Result<RecoveryCodesView> {
        let r = self.resolve(token).await?;
        self.require_step_up(&r).await?;
        let proof = self.allow::<act::ManageOwnSecondFactor>(&r.actor, r.user.id).await?;
        let codes = new_recovery_codes(self.rng.as_ref());
        let digests: Vec<[u8; 32]> = codes.iter().map(|c| recovery_code_digest(c)).collect();
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.replace_recovery_codes(&proof, &digests).await?;
        tx.audit(&AuditEvent::new(proof.actor().clone(), Kind::MfaRecoveryCodesRegenerated), now).await?;
        tx.commit().await?;
        Ok(RecoveryCodesView { codes })
    }

    /// Removes the caller's authenticator app (step-up required), to replace it or to rely on
    /// security keys. Removing the last second factor of someone whom policy requires to have
    /// one is refused.
    pub async fn remove_totp(&self, token: &SessionToken) -> Result<MeView> {
        let r = self.resolve(token).await?;
        self.require_step_up(&r).await?;
        let has_keys = !self.store.security_keys(r.user.id).await?.is_empty();
        if !has_keys && self.second_factor_required_for(&r.user.role).await? {
            return Err(Error::Invalid(
                "your organisation requires a second factor: add a security key before removing the authenticator app, or set up the new app first"
                    .to_owned(),
            ));
        }
        let proof = self.allow::<act::ManageOwnSecondFactor>(&r.actor, r.user.id).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if !tx.delete_totp(&proof).await? {
            return Err(Error::NotFound);
        }
        if !has_keys {
            tx.replace_recovery_codes(&proof, &[]).await?;
        }
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::MfaTotpRemoved)
                .target(format!("user:{}", r.user.id.get())),
            now,
        )
        .await?;
        tx.commit().await?;
        self.me_view(&r.user, &r.grants, false, false, r.provider_second_factor).await
    }

    /// Counts a failed second factor (a wrong code, a refused key) towards `username`'s
    /// sign-in lock, and records `event` with whether the name is now locked.
    pub(super) async fn second_factor_failed(&self, username: &str, event: AuditEvent) -> Result<()> {
        let now = self.clock.now();
        let key = name_key(username);
        let policy = self.throttle_policy().await?;
        let counters = self.store.find_throttle(&key).await?.after_failure(policy, now);
        let proof = self.allow::<act::RecordSignInFailure>(&Actor::Anonymous, ()).await?;
        let mut tx = self.store.write().await?;
        tx.put_throttle(&proof, &key, &counters, now).await?;
        tx.audit(&event.detail("locked", counters.locked_at(now).is_some()), now).await?;
        tx.commit().await
    }
}
