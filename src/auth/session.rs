//! Session tokens and their lifetime rules (pure; the store keeps them).
//!
//! A token is 32 random bytes, shown to the client once as base-16 text; the store keeps only
//! its SHA-256. A session ends after [`IDLE_TIMEOUT_MS`] without use (a shared counter PC left
//! signed in) or [`ABSOLUTE_TIMEOUT_MS`] after sign-in, whichever comes first, or when revoked.

use sha2::{Digest, Sha256};

use crate::clock::{random_bytes, RandomSource, Timestamp};
use crate::keys::{Secret, SecretString};

/// A session ends after this long without a call: 15 minutes.
pub const IDLE_TIMEOUT_MS: i64 = 15 * 60 * 1000;
/// A session ends this long after sign-in, used or not: 12 hours (one shift).
pub const ABSOLUTE_TIMEOUT_MS: i64 = 12 * 60 * 60 * 1000;

/// An opaque session token as the client holds it.
#[derive(Debug)]
pub struct SessionToken(SecretString);

impl SessionToken {
    /// A fresh token.
    pub fn generate(rng: &dyn RandomSource) -> Self {
        Self(Secret::new(hex::encode(random_bytes::<32>(rng))))
    }
    /// The token a client presented.
    pub fn from_client(text: String) -> Self {
        Self(Secret::new(text))
    }
    /// What the store keeps: the SHA-256 of the token.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.0.dangerously_expose().as_bytes()).into()
    }
    /// The token text, to hand to the client exactly once at sign-in.
    pub fn dangerously_expose(&self) -> &str {
        self.0.dangerously_expose()
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
pub fn is_live(times: SessionTimes, now: Timestamp) -> bool {
    times.revoked_at.is_none()
        && now < times.last_seen_at.plus_millis(IDLE_TIMEOUT_MS)
        && now < times.created_at.plus_millis(ABSOLUTE_TIMEOUT_MS)
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
        assert_eq!(is_live(t, T0.plus_millis(at)), live);
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let rng = crate::clock::OsRandom;
        let a = SessionToken::generate(&rng);
        let b = SessionToken::generate(&rng);
        assert_ne!(a.dangerously_expose(), b.dangerously_expose());
        assert_eq!(a.dangerously_expose().len(), 64);
        assert_ne!(hex::encode(a.digest()), a.dangerously_expose());
        assert_eq!(format!("{a:?}"), "SessionToken(***)");
    }
}
