//! Administering staff accounts and the organisation's security settings: password resets,
//! unlocking after too many failed sign-ins, and the password and lockout policies. Each call
//! exists for a signed-in administrator (HTTP API, desktop) and for IT at the machine (CLI).

use crate::audit::Kind as AuditKind;
use serde::Deserialize;

use super::masking::{
    self, MaskingPattern, MASKING_IDENTITY, MASKING_PATTERNS, MASKING_REGION, REVEAL_APPROVAL,
};
use super::session::name_key;
use super::views::SecuritySettingsView;
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::password::PasswordPolicy;
use crate::auth::session::{SessionPolicy, SessionToken, ABSOLUTE_TIMEOUT_MS, IDLE_TIMEOUT_MS};
use crate::auth::throttle::ThrottlePolicy;
use crate::authz::{act, Actor};
use crate::domain::escalation::{APPROVAL_MINUTES_RANGE, DEFAULT_APPROVAL_MINUTES};
use crate::domain::{RoleSlug, Username};
use crate::error::{Error, Result};
use crate::keys::SecretString;
use crate::mask::{ClassSet, DataClass, Kind};

/// Setting: shortest password accepted.
const PASSWORD_MIN_LENGTH: &str = "password.min_length";
/// Setting: failed sign-ins in a row that lock a user name.
const LOCKOUT_MAX_FAILURES: &str = "lockout.max_failures";
/// Setting: comma-separated roles that must use a second factor.
const SECOND_FACTOR_ROLES: &str = "mfa.required_roles";
/// Setting: minutes without a call after which a session ends.
const SESSION_IDLE_MINUTES: &str = "session.idle_minutes";
/// Setting: hours after sign-in at which a session ends.
const SESSION_ABSOLUTE_HOURS: &str = "session.absolute_hours";
/// Setting: seconds without input after which the desktop app locks.
const LOCK_AFTER_SECONDS: &str = "desktop.lock_seconds";
/// Setting: minutes a proven second factor counts for high-risk actions.
const STEP_UP_MINUTES: &str = "step_up.minutes";
/// Setting: whether the desktop window is left out of screen captures (`true`/`false`).
const CONTENT_PROTECTION: &str = "desktop.content_protection";
/// Setting: minutes a manager's approval to reveal lasts.
const APPROVAL_MINUTES: &str = "masking.approval_minutes";

/// Default: the desktop locks after five minutes without input.
pub const DEFAULT_LOCK_AFTER_SECONDS: i64 = 5 * 60;
/// Default: a second factor proven in the last five minutes allows high-risk actions.
pub const DEFAULT_STEP_UP_MINUTES: i64 = 5;

/// An administrator's password reset.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetPasswordRequest {
    /// The new, temporary password; the user must change it at the next sign-in.
    pub new_password: SecretString,
}

/// Changes to the security settings; `None` leaves a setting as it is.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SecuritySettings {
    /// Shortest password accepted (8 to 128).
    pub password_min_length: Option<usize>,
    /// Failed sign-ins in a row that lock a user name (3 to 100).
    pub lockout_max_failures: Option<u32>,
    /// The roles that must use a second factor (`[]`: none; all three: the whole organisation).
    pub second_factor_roles: Option<Vec<String>>,
    /// Minutes without a call after which a session ends (5 to 480).
    pub session_idle_minutes: Option<i64>,
    /// Hours after sign-in at which a session ends (1 to 24).
    pub session_absolute_hours: Option<i64>,
    /// Seconds without input after which the desktop app locks (5 to 3600).
    pub lock_after_seconds: Option<i64>,
    /// Minutes a proven second factor allows high-risk actions for (1 to 60).
    pub step_up_minutes: Option<i64>,
    /// The organisation's country (`GB`), so phone numbers written without `+` are masked too;
    /// `""` for none.
    pub masking_region: Option<String>,
    /// The national identity numbers to mask: any of `us_ssn`, `uk_nino`, `hk_hkid`,
    /// `sg_nric`, `in_aadhaar`, `br_cpf`.
    pub masking_identity_numbers: Option<Vec<String>>,
    /// The organisation's own patterns (loyalty cards, member numbers), replacing the saved
    /// list; `[]` for none.
    pub masking_patterns: Option<Vec<MaskingPattern>>,
    /// The classes of data a manager must approve before someone without the approve
    /// permission sees them: any of `contact`, `financial`, `identity`, `health`; `[]` for none.
    pub reveal_approval: Option<Vec<String>>,
    /// Minutes an approval to reveal lasts for the one who asked (1 to 240; default 15).
    /// Approvals already given keep the end they were given with.
    pub reveal_approval_minutes: Option<i64>,
    /// Whether the desktop window is left out of screenshots, screen recording and sharing
    /// (Windows and macOS; default on).
    pub content_protection: Option<bool>,
}

impl Core {
    async fn number_setting(&self, key: &str, default: i64) -> Result<i64> {
        Ok(self.store.find_setting(key).await?.and_then(|v| v.parse().ok()).unwrap_or(default))
    }

    /// How long sessions live.
    pub async fn session_policy(&self) -> Result<SessionPolicy> {
        let idle = self.number_setting(SESSION_IDLE_MINUTES, IDLE_TIMEOUT_MS / 60_000).await?;
        let absolute = self.number_setting(SESSION_ABSOLUTE_HOURS, ABSOLUTE_TIMEOUT_MS / 3_600_000).await?;
        Ok(SessionPolicy { idle_ms: idle * 60_000, absolute_ms: absolute * 3_600_000 })
    }

    /// Seconds without input after which the desktop app locks.
    pub async fn lock_after_seconds(&self) -> Result<i64> {
        if let Some(seconds) = self.policy.lock_after_seconds {
            return Ok(seconds);
        }
        self.number_setting(LOCK_AFTER_SECONDS, DEFAULT_LOCK_AFTER_SECONDS).await
    }

    /// How long a proven second factor allows high-risk actions, in milliseconds.
    pub(super) async fn step_up_window_ms(&self) -> Result<i64> {
        Ok(self.number_setting(STEP_UP_MINUTES, DEFAULT_STEP_UP_MINUTES).await? * 60_000)
    }

    /// Whether the desktop window is left out of screen captures (on unless turned off). Read
    /// by the desktop shell at start, before anyone signs in: it is not secret.
    pub async fn content_protection(&self) -> Result<bool> {
        if let Some(on) = self.policy.content_protection {
            return Ok(on);
        }
        Ok(self.store.find_setting(CONTENT_PROTECTION).await?.is_none_or(|v| v != "false"))
    }

    /// Minutes a manager's approval to reveal lasts.
    pub(super) async fn approval_minutes(&self) -> Result<i64> {
        self.number_setting(APPROVAL_MINUTES, DEFAULT_APPROVAL_MINUTES).await
    }

    /// The security settings as they are now (administrators).
    pub async fn security_settings(&self, token: &SessionToken) -> Result<SecuritySettingsView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ConfigureSecurity>(&r.actor, ()).await?;
        let sessions = self.session_policy().await?;
        Ok(SecuritySettingsView {
            password_min_length: self.password_policy().await?.min_length,
            lockout_max_failures: self.throttle_policy().await?.max_failures,
            second_factor_roles: self.second_factor_roles().await?,
            session_idle_minutes: sessions.idle_ms / 60_000,
            session_absolute_hours: sessions.absolute_ms / 3_600_000,
            lock_after_seconds: self.lock_after_seconds().await?,
            step_up_minutes: self.step_up_window_ms().await? / 60_000,
            masking_region: self.store.find_setting(MASKING_REGION).await?.filter(|r| !r.is_empty()),
            masking_identity_numbers: self
                .masking_identity()
                .await?
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            masking_patterns: masking::pattern_views(&self.masking_patterns().await?),
            reveal_approval: self.reveal_approval().await?.names().into_iter().map(str::to_owned).collect(),
            reveal_approval_minutes: self.approval_minutes().await?,
            content_protection: self.content_protection().await?,
            locked_by_policy: self.locked_security_settings(),
        })
    }

    /// The roles that must use a second factor (the policy's, when it pins them).
    async fn second_factor_roles(&self) -> Result<Vec<String>> {
        if let Some(roles) = &self.policy.second_factor_roles {
            return Ok(roles.iter().map(|r| r.as_str().to_owned()).collect());
        }
        let roles = self.store.find_setting(SECOND_FACTOR_ROLES).await?.unwrap_or_default();
        Ok(roles.split(',').filter(|r| !r.is_empty()).map(str::to_owned).collect())
    }

    /// The security settings IT's policy pins.
    fn locked_security_settings(&self) -> Vec<&'static str> {
        let p = &self.policy;
        [
            ("second_factor_roles", p.second_factor_roles.is_some()),
            ("lock_after_seconds", p.lock_after_seconds.is_some()),
            ("content_protection", p.content_protection.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, pinned)| pinned.then_some(name))
        .collect()
    }

    /// Drops from `settings` what the policy pins, if it asks for the value in force already;
    /// refuses a change to it.
    async fn without_pinned(&self, mut settings: SecuritySettings) -> Result<SecuritySettings> {
        if let (Some(wanted), Some(_)) = (&settings.second_factor_roles, &self.policy.second_factor_roles) {
            let mut wanted = wanted.clone();
            let mut in_force = self.second_factor_roles().await?;
            wanted.sort();
            in_force.sort();
            if wanted != in_force {
                return Err(super::policy::pinned("Who must use a second factor"));
            }
            settings.second_factor_roles = None;
        }
        if let (Some(wanted), Some(in_force)) = (settings.lock_after_seconds, self.policy.lock_after_seconds)
        {
            if wanted != in_force {
                return Err(super::policy::pinned("The lock time"));
            }
            settings.lock_after_seconds = None;
        }
        if let (Some(wanted), Some(in_force)) = (settings.content_protection, self.policy.content_protection)
        {
            if wanted != in_force {
                return Err(super::policy::pinned("Screen capture protection"));
            }
            settings.content_protection = None;
        }
        Ok(settings)
    }

    /// The organisation's password policy.
    pub async fn password_policy(&self) -> Result<PasswordPolicy> {
        let min = self.store.find_setting(PASSWORD_MIN_LENGTH).await?.and_then(|v| v.parse().ok());
        Ok(min.map_or_else(PasswordPolicy::default, |min_length| PasswordPolicy { min_length }))
    }

    /// The organisation's sign-in throttling policy.
    pub async fn throttle_policy(&self) -> Result<ThrottlePolicy> {
        let max = self.store.find_setting(LOCKOUT_MAX_FAILURES).await?.and_then(|v| v.parse().ok());
        Ok(ThrottlePolicy {
            max_failures: max.unwrap_or(ThrottlePolicy::default().max_failures),
            ..ThrottlePolicy::default()
        })
    }

    /// Whether the organisation requires a second factor of users with `role`.
    pub async fn second_factor_required_for(&self, role: &RoleSlug) -> Result<bool> {
        if let Some(roles) = &self.policy.second_factor_roles {
            return Ok(roles.contains(role));
        }
        let roles = self.store.find_setting(SECOND_FACTOR_ROLES).await?.unwrap_or_default();
        Ok(roles.split(',').any(|r| r == role.as_str()))
    }

    /// Resets `username`'s password (administrators). All their sessions end and they must
    /// choose a new password at the next sign-in.
    pub async fn reset_password(
        &self,
        token: &SessionToken,
        username: &str,
        request: ResetPasswordRequest,
    ) -> Result<()> {
        let r = self.resolve(token).await?;
        self.require_step_up(&r).await?;
        self.reset_password_as(&r.actor, username, request.new_password).await
    }

    /// The same, for IT at the machine.
    pub async fn operator_reset_password(&self, username: &str, new_password: SecretString) -> Result<()> {
        self.reset_password_as(&Actor::Operator, username, new_password).await
    }

    async fn reset_password_as(
        &self,
        actor: &Actor,
        username: &str,
        new_password: SecretString,
    ) -> Result<()> {
        let proof = self.allow::<act::ManageUsers>(actor, ()).await?;
        let name = Username::parse(username).map_err(|_| Error::NotFound)?;
        let user = self.store.find_user_by_name(&name).await?.ok_or(Error::NotFound)?;
        // Setting someone's password is taking over their account: only over accounts that
        // hold nothing the actor does not hold.
        self.may_act_on(actor, &user).await?;
        self.password_policy().await?.check(&user.username, &new_password)?;
        let hash = self.hash_password(&new_password).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.reset_password(&proof, user.id, &hash, now).await?;
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), AuditKind::UserPasswordReset)
                .target(format!("user:{}", user.id.get())),
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Lifts a sign-in lock on `username` (administrators). Returns whether it was locked.
    pub async fn unlock_user(&self, token: &SessionToken, username: &str) -> Result<bool> {
        let r = self.resolve(token).await?;
        self.unlock_as(&r.actor, username).await
    }

    /// The same, for IT at the machine.
    pub async fn operator_unlock_user(&self, username: &str) -> Result<bool> {
        self.unlock_as(&Actor::Operator, username).await
    }

    async fn unlock_as(&self, actor: &Actor, username: &str) -> Result<bool> {
        let proof = self.allow::<act::ManageUsers>(actor, ()).await?;
        let name = Username::parse(username).map_err(|_| Error::NotFound)?;
        let user = self.store.find_user_by_name(&name).await?.ok_or(Error::NotFound)?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let was_locked = tx.unlock(&proof, &name_key(&user.username)).await?;
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), AuditKind::UserUnlocked)
                .target(format!("user:{}", user.id.get())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(was_locked)
    }

    /// Changes the security settings (administrators).
    pub async fn set_security_settings(
        &self,
        token: &SessionToken,
        settings: SecuritySettings,
    ) -> Result<()> {
        let r = self.resolve(token).await?;
        self.require_step_up(&r).await?;
        self.security_settings_as(&r.actor, settings).await
    }

    /// The same, for IT at the machine.
    pub async fn operator_set_security_settings(&self, settings: SecuritySettings) -> Result<()> {
        self.security_settings_as(&Actor::Operator, settings).await
    }

    async fn security_settings_as(&self, actor: &Actor, settings: SecuritySettings) -> Result<()> {
        let proof = self.allow::<act::ConfigureSecurity>(actor, ()).await?;
        let settings = self.without_pinned(settings).await?;
        let min = settings
            .password_min_length
            .map(|n| in_range("minimum password length", n, 8, 128))
            .transpose()?;
        let max = settings
            .lockout_max_failures
            .map(|n| in_range("failed sign-ins before a lock", n, 3, 100))
            .transpose()?;
        let roles = match settings.second_factor_roles {
            Some(roles) => {
                let mut parsed = Vec::with_capacity(roles.len());
                for role in &roles {
                    parsed.push(self.known_role(role).await?);
                }
                parsed.sort();
                parsed.dedup();
                Some(parsed.iter().map(RoleSlug::as_str).collect::<Vec<_>>().join(","))
            }
            None => None,
        };
        let number = |what: &str, n: Option<i64>, low: i64, high: i64| {
            n.map(|n| in_range(what, n, low, high).map(|n| n.to_string())).transpose()
        };
        let changes = [
            (PASSWORD_MIN_LENGTH, min.map(|n| n.to_string())),
            (LOCKOUT_MAX_FAILURES, max.map(|n| n.to_string())),
            (SECOND_FACTOR_ROLES, roles),
            (
                SESSION_IDLE_MINUTES,
                number("session idle time in minutes", settings.session_idle_minutes, 5, 480)?,
            ),
            (
                SESSION_ABSOLUTE_HOURS,
                number("session lifetime in hours", settings.session_absolute_hours, 1, 24)?,
            ),
            (LOCK_AFTER_SECONDS, number("lock time in seconds", settings.lock_after_seconds, 5, 3600)?),
            (STEP_UP_MINUTES, number("step-up time in minutes", settings.step_up_minutes, 1, 60)?),
            (MASKING_REGION, settings.masking_region.map(|r| checked_region(&r)).transpose()?),
            (
                MASKING_IDENTITY,
                settings.masking_identity_numbers.map(|list| checked_identity(&list)).transpose()?,
            ),
            (MASKING_PATTERNS, settings.masking_patterns.map(masking::stored_patterns).transpose()?),
            (
                REVEAL_APPROVAL,
                settings
                    .reveal_approval
                    .map(|list| ClassSet::parse(list.iter().map(String::as_str)).map(ClassSet::to_text))
                    .transpose()
                    .map_err(Error::Invalid)?,
            ),
            (
                APPROVAL_MINUTES,
                number(
                    "minutes an approval to reveal lasts",
                    settings.reveal_approval_minutes,
                    APPROVAL_MINUTES_RANGE.0,
                    APPROVAL_MINUTES_RANGE.1,
                )?,
            ),
            (CONTENT_PROTECTION, settings.content_protection.map(|on| on.to_string())),
        ];
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        for (key, value) in changes {
            let Some(value) = value else { continue };
            tx.set_security_setting(&proof, key, &value).await?;
            tx.audit(
                &AuditEvent::new(proof.actor().clone(), AuditKind::SettingsSecurity).detail(key, &value),
                now,
            )
            .await?;
        }
        tx.commit().await
    }
}

/// A country code the phone-number library knows, upper case; `""` for none.
fn checked_region(region: &str) -> Result<String> {
    let region = region.trim().to_ascii_uppercase();
    if region.is_empty() || region.parse::<phonenumber::country::Id>().is_ok() {
        Ok(region)
    } else {
        Err(Error::Invalid(format!("{region:?} is not a country code such as GB, US or HK")))
    }
}

/// National identity number kinds, by name.
fn checked_identity(list: &[String]) -> Result<String> {
    let mut kinds = Vec::with_capacity(list.len());
    for name in list {
        match Kind::parse(name.trim()) {
            Some(kind) if kind.class() == DataClass::Identity => kinds.push(kind),
            _ => {
                return Err(Error::Invalid(format!(
                    "{name:?} is not one of us_ssn, uk_nino, hk_hkid, sg_nric, in_aadhaar, br_cpf"
                )))
            }
        }
    }
    kinds.sort();
    kinds.dedup();
    Ok(kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","))
}

fn in_range<T: PartialOrd + std::fmt::Display + Copy>(what: &str, n: T, low: T, high: T) -> Result<T> {
    if n < low || n > high {
        return Err(Error::Invalid(format!("the {what} must be between {low} and {high}")));
    }
    Ok(n)
}
