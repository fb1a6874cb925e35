//! The shared-PC controls in the core, on a clock the test moves: locking and unlocking a
//! session, session lifetimes from the settings, and step-up (a fresh second factor) before
//! high-risk actions.

use std::sync::Arc;

use countersign::api::lock::{LockReason, UnlockRequest};
use countersign::api::mfa::CodeRequest;
use countersign::api::session::{LoginRequest, Origin, SignedIn};
use countersign::api::users::{ResetPasswordRequest, SecuritySettings};
use countersign::auth::totp::TotpSecret;
use countersign::clock::{Clock, ManualClock, Timestamp};
use countersign::{Core, Error};

use crate::support::*;

const MINUTE: i64 = 60_000;

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Timestamp::from_millis(1_800_000_000_000)))
}

async fn sign_in(core: &Core, user: &str, password: &str) -> SignedIn {
    let request = LoginRequest { username: user.to_owned(), password: secret(password) };
    core.login(request, Origin::Desktop, "Countersign desktop").await.unwrap()
}

async fn audit_actions(core: &Core) -> Vec<String> {
    core.store().audit_records().await.unwrap().into_iter().map(|r| r.action).collect()
}

#[tokio::test]
async fn a_locked_session_shows_nothing_until_its_user_unlocks_it() {
    let clock = clock();
    let (_site, core) = site_on_clock(clock.clone()).await;
    let anna = sign_in(&core, AGENT, AGENT_PASSWORD).await;
    assert!(core.list_conversations(&anna.token).await.is_ok());

    let me = core.lock(&anna.token, LockReason::Idle).await.unwrap();
    assert!(me.locked);
    assert!(matches!(core.list_conversations(&anna.token).await, Err(Error::Locked)));
    assert!(core.me(&anna.token).await.unwrap().locked, "the lock screen can still say whose session it is");

    let wrong = core.unlock(&anna.token, UnlockRequest { password: secret("not my password") }).await;
    assert!(matches!(wrong, Err(Error::Invalid(_))));
    assert!(matches!(core.list_conversations(&anna.token).await, Err(Error::Locked)));

    // Another user's password does not open it either.
    let other = core.unlock(&anna.token, UnlockRequest { password: secret(ADMIN_PASSWORD) }).await;
    assert!(matches!(other, Err(Error::Invalid(_))));

    let me = core.unlock(&anna.token, UnlockRequest { password: secret(AGENT_PASSWORD) }).await.unwrap();
    assert!(!me.locked);
    assert!(core.list_conversations(&anna.token).await.is_ok());

    let trail = core.store().audit_records().await.unwrap();
    let locked = trail.iter().find(|r| r.action == "session.locked").unwrap();
    assert!(locked.detail.contains("idle"), "{}", locked.detail);
    let actions = audit_actions(&core).await;
    assert_eq!(actions.iter().filter(|a| *a == "session.unlock_failed").count(), 2);
    assert!(actions.contains(&"session.unlocked".to_owned()));
}

#[tokio::test]
async fn guessing_at_the_lock_screen_ends_the_session() {
    let clock = clock();
    let (_site, core) = site_on_clock(clock.clone()).await;
    let anna = sign_in(&core, AGENT, AGENT_PASSWORD).await;
    core.lock(&anna.token, LockReason::Manual).await.unwrap();
    let mut last = None;
    for n in 0..5 {
        last =
            Some(core.unlock(&anna.token, UnlockRequest { password: secret(&format!("guess {n}")) }).await);
    }
    assert!(matches!(last, Some(Err(Error::Throttled { .. }))), "the fifth wrong password locks the name");
    let after = core.unlock(&anna.token, UnlockRequest { password: secret(AGENT_PASSWORD) }).await;
    assert!(matches!(after, Err(Error::Unauthenticated)), "and the session is gone: {after:?}");
}

#[tokio::test]
async fn a_locked_session_is_not_kept_alive() {
    let clock = clock();
    let (_site, core) = site_on_clock(clock.clone()).await;
    let anna = sign_in(&core, AGENT, AGENT_PASSWORD).await;
    core.lock(&anna.token, LockReason::Manual).await.unwrap();
    for _ in 0..20 {
        clock.advance_millis(MINUTE);
        // The lock screen asking "whose session is this?" does not extend it.
        let _ = core.me(&anna.token).await;
    }
    let unlock = core.unlock(&anna.token, UnlockRequest { password: secret(AGENT_PASSWORD) }).await;
    assert!(matches!(unlock, Err(Error::Unauthenticated)), "{unlock:?}");
}

#[rstest::rstest]
#[case::idle_ends_it(SecuritySettings { session_idle_minutes: Some(5), ..Default::default() }, 5 * MINUTE, 0, false)]
#[case::within_idle(SecuritySettings { session_idle_minutes: Some(5), ..Default::default() }, 5 * MINUTE - 1, 0, true)]
#[case::absolute_ends_it(SecuritySettings { session_absolute_hours: Some(1), ..Default::default() }, 10 * MINUTE, 5, false)]
#[case::within_absolute(SecuritySettings { session_absolute_hours: Some(1), ..Default::default() }, 10 * MINUTE, 4, true)]
#[tokio::test]
async fn session_lifetimes_follow_the_settings(
    #[case] settings: SecuritySettings,
    #[case] step: i64,
    #[case] extra_steps: usize,
    #[case] alive: bool,
) {
    let clock = clock();
    let (_site, core) = site_on_clock(clock.clone()).await;
    core.operator_set_security_settings(settings).await.unwrap();
    let anna = sign_in(&core, AGENT, AGENT_PASSWORD).await;
    // Used every `step` for `extra_steps` steps, then once more after one more step.
    for _ in 0..extra_steps {
        clock.advance_millis(step);
        core.list_conversations(&anna.token).await.unwrap();
    }
    clock.advance_millis(step);
    assert_eq!(core.list_conversations(&anna.token).await.is_ok(), alive);
}

/// Signs the admin in and sets up their authenticator; returns the session and the secret.
async fn admin_with_authenticator(core: &Core, clock: &ManualClock) -> (SignedIn, TotpSecret) {
    let admin = sign_in(core, ADMIN, ADMIN_PASSWORD).await;
    let started = core.begin_totp_enrolment(&admin.token).await.unwrap();
    let secret = TotpSecret::from_base32(&started.secret).unwrap();
    let code = secret.code_at(clock.now()).unwrap();
    core.confirm_totp_enrolment(&admin.token, CodeRequest { code }).await.unwrap();
    (admin, secret)
}

fn raise_min_length() -> SecuritySettings {
    SecuritySettings { password_min_length: Some(16), ..Default::default() }
}

#[tokio::test]
async fn high_risk_actions_need_a_second_factor_from_the_last_five_minutes() {
    let clock = clock();
    let (_site, core) = site_on_clock(clock.clone()).await;

    // Without any second factor, an administrator cannot change security settings at all.
    let bare = sign_in(&core, ADMIN, ADMIN_PASSWORD).await;
    let refused = core.set_security_settings(&bare.token, raise_min_length()).await;
    assert!(matches!(refused, Err(Error::StepUpUnavailable)), "{refused:?}");
    assert!(refused.unwrap_err().to_string().contains("set up an authenticator"));

    // Setting one up proves it: allowed for the next five minutes.
    let (admin, totp) = admin_with_authenticator(&core, &clock).await;
    clock.advance_millis(4 * MINUTE);
    core.set_security_settings(&admin.token, raise_min_length()).await.unwrap();

    clock.advance_millis(MINUTE);
    for result in [
        core.set_security_settings(&admin.token, raise_min_length()).await,
        core.reset_password(
            &admin.token,
            AGENT,
            ResetPasswordRequest { new_password: secret("amber kettle forest drum") },
        )
        .await,
    ] {
        assert!(matches!(result, Err(Error::StepUpRequired)), "{result:?}");
    }
    let wrong = core.step_up(&admin.token, CodeRequest { code: "000000".to_owned() }).await;
    assert!(matches!(wrong, Err(Error::Invalid(_))));

    let code = totp.code_at(clock.now()).unwrap();
    core.step_up(&admin.token, CodeRequest { code: code.clone() }).await.unwrap();
    core.set_security_settings(&admin.token, raise_min_length()).await.unwrap();
    let replay = core.step_up(&admin.token, CodeRequest { code }).await;
    assert!(matches!(replay, Err(Error::Invalid(_))), "a code is accepted once");

    let actions = audit_actions(&core).await;
    assert!(actions.contains(&"session.step_up".to_owned()));
}

#[tokio::test]
async fn the_step_up_window_is_a_setting() {
    let clock = clock();
    let (_site, core) = site_on_clock(clock.clone()).await;
    let (admin, _) = admin_with_authenticator(&core, &clock).await;
    let one_minute = SecuritySettings { step_up_minutes: Some(1), ..Default::default() };
    core.set_security_settings(&admin.token, one_minute).await.unwrap();
    clock.advance_millis(MINUTE);
    let refused = core.set_security_settings(&admin.token, raise_min_length()).await;
    assert!(matches!(refused, Err(Error::StepUpRequired)), "{refused:?}");
    let shown = core.me(&admin.token).await.unwrap();
    assert_eq!(shown.lock_after_seconds, 300, "the desktop's lock time defaults to five minutes");
}

#[tokio::test]
async fn recovery_codes_can_be_renewed_and_the_authenticator_removed_after_step_up() {
    let clock = clock();
    let (_site, core) = site_on_clock(clock.clone()).await;
    let admin = sign_in(&core, ADMIN, ADMIN_PASSWORD).await;
    let started = core.begin_totp_enrolment(&admin.token).await.unwrap();
    let totp = TotpSecret::from_base32(&started.secret).unwrap();
    let code = totp.code_at(clock.now()).unwrap();
    let old = core.confirm_totp_enrolment(&admin.token, CodeRequest { code }).await.unwrap().codes;

    let new = core.regenerate_recovery_codes(&admin.token).await.unwrap().codes;
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));

    // At the next sign-in, an old code no longer works and a new one does.
    let next = sign_in(&core, ADMIN, ADMIN_PASSWORD).await;
    let refused = core.verify_second_factor(&next.token, CodeRequest { code: old[0].clone() }).await;
    assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
    core.verify_second_factor(&next.token, CodeRequest { code: new[0].clone() }).await.unwrap();

    // Later, renewing or removing needs a fresh second factor.
    clock.advance_millis(6 * MINUTE);
    assert!(matches!(core.regenerate_recovery_codes(&next.token).await, Err(Error::StepUpRequired)));
    assert!(matches!(core.remove_totp(&next.token).await, Err(Error::StepUpRequired)));

    // Policy requires a second factor of admins: the only one cannot be removed.
    let policy =
        SecuritySettings { second_factor_roles: Some(vec!["admin".to_owned()]), ..Default::default() };
    core.operator_set_security_settings(policy).await.unwrap();
    core.step_up(&next.token, CodeRequest { code: totp.code_at(clock.now()).unwrap() }).await.unwrap();
    assert!(matches!(core.remove_totp(&next.token).await, Err(Error::Invalid(_))));
    core.operator_set_security_settings(SecuritySettings {
        second_factor_roles: Some(vec![]),
        ..Default::default()
    })
    .await
    .unwrap();
    let me = core.remove_totp(&next.token).await.unwrap();
    assert!(me.second_factor_methods.is_empty());
    let after = sign_in(&core, ADMIN, ADMIN_PASSWORD).await;
    assert!(!after.me.second_factor_required, "no second step without a second factor");
    let actions = audit_actions(&core).await;
    for action in ["mfa.recovery_codes_regenerated", "mfa.totp_removed"] {
        assert!(actions.iter().any(|a| a == action), "{action}");
    }
}
