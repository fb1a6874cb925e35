//! Sign-in throttling (pure rules; the store keeps the counters).
//!
//! Failures are counted per user name and per source (an IP address over HTTP, the PC for the
//! desktop app). After `max_failures` in a row the key is locked, for a period that doubles
//! with every lock (1 min, 2, 4, … up to a day) until a successful sign-in or an admin's
//! unlock resets it. Unknown user names are counted and locked exactly like known ones, so the
//! answer never tells an attacker which names exist. A source gets four times the budget of a
//! name: a shared counter PC must not lock everyone out because one person forgot a password.

use crate::clock::Timestamp;

/// The throttling settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures in a row that lock a user name.
    pub max_failures: u32,
    /// The first lock's length.
    pub base_lock_ms: i64,
    /// The longest lock.
    pub max_lock_ms: i64,
    /// Failures (and locks) are forgotten after this long without a failure or a lock.
    pub forget_after_ms: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            base_lock_ms: 60_000,
            max_lock_ms: 24 * 3_600_000,
            forget_after_ms: 24 * 3_600_000,
        }
    }
}

impl ThrottlePolicy {
    /// The policy for sources: the same shape with four times the failures.
    pub fn for_sources(self) -> Self {
        Self { max_failures: self.max_failures.saturating_mul(4), ..self }
    }
}

/// The counters of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Throttle {
    /// Failures since the last lock or success.
    pub failures: u32,
    /// Locks so far (makes each lock longer).
    pub lock_count: u32,
    /// Locked until then.
    pub locked_until: Option<Timestamp>,
    /// The last failure.
    pub last_failure_at: Option<Timestamp>,
}

impl Throttle {
    /// When the lock ends, if the key is locked at `now`.
    pub fn locked_at(&self, now: Timestamp) -> Option<Timestamp> {
        self.locked_until.filter(|until| now < *until)
    }

    /// The counters after one more failure at `now`.
    pub fn after_failure(self, policy: ThrottlePolicy, now: Timestamp) -> Self {
        // Forgotten only after a quiet day *after* the last lock ended, so waiting out each
        // lock does not reset the doubling.
        let quiet_since = self.last_failure_at.max(self.locked_until);
        let stale = quiet_since.is_some_and(|t| now >= t.plus_millis(policy.forget_after_ms));
        let base = if stale { Self::default() } else { self };
        let failures = base.failures.saturating_add(1);
        if failures < policy.max_failures {
            return Self { failures, last_failure_at: Some(now), ..base };
        }
        let factor = 1_i64.checked_shl(base.lock_count.min(30)).unwrap_or(i64::MAX);
        let lock_ms = policy.base_lock_ms.saturating_mul(factor).min(policy.max_lock_ms);
        Self {
            failures: 0,
            lock_count: base.lock_count.saturating_add(1),
            locked_until: Some(now.plus_millis(lock_ms)),
            last_failure_at: Some(now),
        }
    }
}

/// Minutes until `until`, rounded up, for the message shown to the person at the counter.
pub fn minutes_until(until: Timestamp, now: Timestamp) -> i64 {
    ((until.as_millis() - now.as_millis()).max(0) + 59_999) / 60_000
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp::from_millis(1_800_000_000_000);

    fn fail(times: u32, mut t: Throttle, at: Timestamp) -> Throttle {
        for _ in 0..times {
            t = t.after_failure(ThrottlePolicy::default(), at);
        }
        t
    }

    #[test]
    fn the_fifth_failure_locks_for_a_minute() {
        let four = fail(4, Throttle::default(), T0);
        assert_eq!(four.locked_at(T0), None);
        let five = fail(1, four, T0);
        assert_eq!(five.locked_at(T0), Some(T0.plus_millis(60_000)));
        assert_eq!(five.locked_at(T0.plus_millis(60_000)), None, "the lock ends");
    }

    #[test]
    fn each_lock_lasts_twice_as_long_up_to_a_day() {
        let mut t = Throttle::default();
        let mut at = T0;
        let mut lengths = Vec::new();
        for _ in 0..14 {
            t = fail(5, t, at);
            let until = t.locked_until.unwrap();
            lengths.push((until.as_millis() - at.as_millis()) / 60_000);
            at = until;
        }
        assert_eq!(&lengths[..5], &[1, 2, 4, 8, 16]);
        assert_eq!(*lengths.last().unwrap(), 24 * 60, "capped at a day");
    }

    #[test]
    fn old_failures_are_forgotten() {
        let three = fail(3, Throttle::default(), T0);
        let later = fail(2, three, T0.plus_millis(ThrottlePolicy::default().forget_after_ms));
        assert_eq!(later.failures, 2);
        assert_eq!(later.locked_until, None);
    }

    #[test]
    fn sources_get_four_times_the_budget() {
        let policy = ThrottlePolicy::default().for_sources();
        let mut t = Throttle::default();
        for _ in 0..19 {
            t = t.after_failure(policy, T0);
        }
        assert_eq!(t.locked_at(T0), None);
        assert!(t.after_failure(policy, T0).locked_at(T0).is_some());
    }

    #[test]
    fn minutes_round_up() {
        assert_eq!(minutes_until(T0.plus_millis(1), T0), 1);
        assert_eq!(minutes_until(T0.plus_millis(120_000), T0), 2);
        assert_eq!(minutes_until(T0, T0), 0);
    }
}
