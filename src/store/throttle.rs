//! Sign-in throttling counters, keyed by the SHA-256 of a user name or a source.

use sqlx::Row;

use super::{Store, WriteTx};
use crate::auth::throttle::Throttle;
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::error::Result;

impl Store {
    /// The counters for `key` (zero if none).
    pub async fn find_throttle(&self, key: &[u8; 32]) -> Result<Throttle> {
        let row = sqlx::query(
            "SELECT failures, lock_count, locked_until, last_failure_at FROM login_throttle WHERE key_sha256 = ?",
        )
        .bind(key.as_slice())
        .fetch_optional(self.read())
        .await?;
        let Some(r) = row else { return Ok(Throttle::default()) };
        Ok(Throttle {
            failures: u32::try_from(r.try_get::<i64, _>("failures")?).unwrap_or(u32::MAX),
            lock_count: u32::try_from(r.try_get::<i64, _>("lock_count")?).unwrap_or(u32::MAX),
            locked_until: r.try_get::<Option<i64>, _>("locked_until")?.map(Timestamp::from_millis),
            last_failure_at: Some(Timestamp::from_millis(r.try_get("last_failure_at")?)),
        })
    }
}

impl WriteTx {
    /// Stores the counters after a failed sign-in.
    pub async fn put_throttle(
        &mut self,
        _proof: &Authorized<act::RecordSignInFailure>,
        key: &[u8; 32],
        t: &Throttle,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_throttle (key_sha256, failures, lock_count, locked_until, last_failure_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (key_sha256) DO UPDATE SET failures = excluded.failures, lock_count = excluded.lock_count,
               locked_until = excluded.locked_until, last_failure_at = excluded.last_failure_at",
        )
        .bind(key.as_slice())
        .bind(i64::from(t.failures))
        .bind(i64::from(t.lock_count))
        .bind(t.locked_until.map(Timestamp::as_millis))
        .bind(t.last_failure_at.unwrap_or(now).as_millis())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Forgets a user name's failures: after a successful sign-in.
    pub async fn clear_throttle_on_sign_in(
        &mut self,
        _proof: &Authorized<act::OpenSession>,
        key: &[u8; 32],
    ) -> Result<()> {
        self.delete_throttle(key).await
    }

    /// Forgets a user name's failures and lock: an administrator's unlock.
    pub async fn unlock(&mut self, _proof: &Authorized<act::ManageUsers>, key: &[u8; 32]) -> Result<bool> {
        let locked: Option<i64> =
            sqlx::query_scalar("SELECT lock_count FROM login_throttle WHERE key_sha256 = ?")
                .bind(key.as_slice())
                .fetch_optional(self.conn())
                .await?;
        self.delete_throttle(key).await?;
        Ok(locked.is_some())
    }

    async fn delete_throttle(&mut self, key: &[u8; 32]) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE key_sha256 = ?")
            .bind(key.as_slice())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
