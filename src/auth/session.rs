//! Session tokens and their lifetime rules (pure; the store keeps them).
//!
//! A token is 32 random bytes, shown to the client once as base-16 text; the store keeps only
//! its SHA-256. A session ends after its policy's idle time without use (a shared counter PC
//! left signed in) or its absolute lifetime after sign-in, whichever comes first, or when
//! revoked. A token is bound to where it was issued: presented from anywhere else (another
//! address, or an HTTP client replaying the desktop's session) it is refused.

use std::net::IpAddr;

use sha2::{Digest, Sha256};

use crate::clock::{random_bytes, RandomSource, Timestamp};
use crate::keys::{Secret, SecretString};

/// Default: a session ends after this long without a call (15 minutes).
pub const IDLE_TIMEOUT_MS: i64 = 15 * 60 * 1000;
/// Default: a session ends this long after sign-in, used or not (12 hours: one shift).
pub const ABSOLUTE_TIMEOUT_MS: i64 = 12 * 60 * 60 * 1000;

/// How long sessions live (organisation settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends after this long without a call.
    pub idle_ms: i64,
    /// Ends this long after sign-in.
    pub absolute_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle_ms: IDLE_TIMEOUT_MS, absolute_ms: ABSOLUTE_TIMEOUT_MS }
    }
}

/// Where a call comes from: what sessions are bound to and what throttling counts per source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A network peer (HTTP API).
    Network(IpAddr),
    /// The desktop app on this PC.
    Desktop,
}

impl Origin {
    /// How "my sessions" shows it, and what a session is bound to.
    pub fn label(self) -> String {
        match self {
            Self::Network(ip) => ip.to_canonical().to_string(),
            Self::Desktop => "this PC".to_owned(),
        }
    }
}

/// An opaque session token as the client holds it, and where it was presented from.
#[derive(Debug)]
pub struct SessionToken {
    secret: SecretString,
    origin: Origin,
}

impl SessionToken {
    /// A fresh token for a session opened from `origin`.
    pub fn generate(rng: &dyn RandomSource, origin: Origin) -> Self {
        Self { secret: Secret::new(hex::encode(random_bytes::<32>(rng))), origin }
    }
    /// The token a client presented from `origin`.
    pub fn from_client(text: String, origin: Origin) -> Self {
        Self { secret: Secret::new(text), origin }
    }
    /// What the store keeps: the SHA-256 of the token.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.secret.dangerously_expose().as_bytes()).into()
    }
    /// Where the token was presented from.
    pub fn origin(&self) -> Origin {
        self.origin
    }
    /// The token text, to hand to the client exactly once at sign-in.
    pub fn dangerously_expose(&self) -> &str {
        self.secret.dangerously_expose()
    }
}

/// A stored session's times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last used.
    pub last_seen_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// Whether a session may still be used at `now`.
pub fn is_live(times: SessionTimes, policy: SessionPolicy, now: Timestamp) -> bool {
    times.revoked_at.is_none()
        && now < times.last_seen_at.plus_millis(policy.idle_ms)
        && now < times.created_at.plus_millis(policy.absolute_ms)
}

/// Whether a second factor proven at `at` is recent enough at `now` for a high-risk action.
pub fn is_fresh(at: Option<Timestamp>, window_ms: i64, now: Timestamp) -> bool {
    at.is_some_and(|at| at <= now && now < at.plus_millis(window_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const T0: Timestamp = Timestamp::from_millis(1_800_000_000_000);

    fn times(last_seen_after: i64, revoked: bool) -> SessionTimes {
        SessionTimes {
            created_at: T0,
            last_seen_at: T0.plus_millis(last_seen_after),
            revoked_at: revoked.then_some(T0),
        }
    }

    #[rstest]
    #[case::fresh(times(0, false), 1_000, true)]
    #[case::idle_too_long(times(0, false), IDLE_TIMEOUT_MS, false)]
    #[case::kept_alive(times(ABSOLUTE_TIMEOUT_MS - 60_000, false), ABSOLUTE_TIMEOUT_MS - 1, true)]
    #[case::past_absolute_limit(times(ABSOLUTE_TIMEOUT_MS - 60_000, false), ABSOLUTE_TIMEOUT_MS, false)]
    #[case::revoked(times(0, true), 1, false)]
    fn lifetime(#[case] t: SessionTimes, #[case] at: i64, #[case] live: bool) {
        assert_eq!(is_live(t, SessionPolicy::default(), T0.plus_millis(at)), live);
    }

    #[rstest]
    #[case::shorter_idle(SessionPolicy { idle_ms: 60_000, absolute_ms: ABSOLUTE_TIMEOUT_MS }, 60_000, false)]
    #[case::within_short_idle(SessionPolicy { idle_ms: 60_000, absolute_ms: ABSOLUTE_TIMEOUT_MS }, 59_999, true)]
    #[case::shorter_absolute(SessionPolicy { idle_ms: IDLE_TIMEOUT_MS, absolute_ms: 30_000 }, 30_000, false)]
    fn lifetime_follows_the_policy(#[case] policy: SessionPolicy, #[case] at: i64, #[case] live: bool) {
        assert_eq!(is_live(times(0, false), policy, T0.plus_millis(at)), live);
    }

    #[rstest]
    #[case::never(None, 0, false)]
    #[case::just_now(Some(0), 1, true)]
    #[case::at_the_limit(Some(0), 300_000, false)]
    #[case::from_the_future(Some(10), 5, false)]
    fn second_factor_freshness(#[case] at: Option<i64>, #[case] now: i64, #[case] fresh: bool) {
        assert_eq!(is_fresh(at.map(|a| T0.plus_millis(a)), 300_000, T0.plus_millis(now)), fresh);
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let rng = crate::clock::OsRandom;
        let a = SessionToken::generate(&rng, Origin::Desktop);
        let b = SessionToken::generate(&rng, Origin::Desktop);
        assert_ne!(a.dangerously_expose(), b.dangerously_expose());
        assert_eq!(a.dangerously_expose().len(), 64);
        assert_ne!(hex::encode(a.digest()), a.dangerously_expose());
        assert_eq!(format!("{a:?}"), "SessionToken { secret: ***, origin: Desktop }");
    }
}
