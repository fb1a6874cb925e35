//! Second factors: TOTP credentials, recovery codes, and completing a pending sign-in.

use sqlx::Row;

use super::{Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::UserId;
use crate::error::Result;

/// A user's TOTP credential.
#[derive(Debug)]
pub struct TotpRecord {
    /// The secret, hex (the whole file is encrypted; this never leaves the core but once, at
    /// enrolment).
    pub secret_hex: String,
    /// Whether enrolment was confirmed with a code.
    pub confirmed: bool,
    /// The last time step a code was accepted for.
    pub last_used_step: Option<u64>,
}

impl Store {
    /// The user's TOTP credential, if any.
    pub async fn find_totp(&self, user: UserId) -> Result<Option<TotpRecord>> {
        let row = sqlx::query(
            "SELECT secret_hex, confirmed_at, last_used_step FROM totp_credentials WHERE user_id = ?",
        )
        .bind(user.get())
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            Ok(TotpRecord {
                secret_hex: r.try_get("secret_hex")?,
                confirmed: r.try_get::<Option<i64>, _>("confirmed_at")?.is_some(),
                last_used_step: r
                    .try_get::<Option<i64>, _>("last_used_step")?
                    .and_then(|s| u64::try_from(s).ok()),
            })
        })
        .transpose()
    }
}

fn step(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

impl WriteTx {
    /// Starts (or restarts) TOTP enrolment with a new secret, unconfirmed.
    pub async fn put_pending_totp(
        &mut self,
        proof: &Authorized<act::ManageOwnSecondFactor>,
        secret_hex: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO totp_credentials (user_id, secret_hex) VALUES (?, ?)
             ON CONFLICT (user_id) DO UPDATE SET secret_hex = excluded.secret_hex, confirmed_at = NULL, last_used_step = NULL
             WHERE totp_credentials.confirmed_at IS NULL",
        )
        .bind(proof.resource().get())
        .bind(secret_hex)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Confirms enrolment with the step of a correct code, and replaces the recovery codes.
    pub async fn confirm_totp(
        &mut self,
        proof: &Authorized<act::ManageOwnSecondFactor>,
        used_step: u64,
        recovery_digests: &[[u8; 32]],
        now: Timestamp,
    ) -> Result<()> {
        let user = proof.resource().get();
        sqlx::query("UPDATE totp_credentials SET confirmed_at = ?, last_used_step = ? WHERE user_id = ?")
            .bind(now.as_millis())
            .bind(step(used_step))
            .bind(user)
            .execute(self.conn())
            .await?;
        self.replace_recovery_codes(proof, recovery_digests).await
    }

    /// Replaces all the proof's user's recovery codes (the old ones stop working).
    pub async fn replace_recovery_codes(
        &mut self,
        proof: &Authorized<act::ManageOwnSecondFactor>,
        recovery_digests: &[[u8; 32]],
    ) -> Result<()> {
        let user = proof.resource().get();
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?").bind(user).execute(self.conn()).await?;
        for digest in recovery_digests {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_sha256) VALUES (?, ?)")
                .bind(user)
                .bind(digest.as_slice())
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Removes the proof's user's authenticator app; `false` if they had none.
    pub async fn delete_totp(&mut self, proof: &Authorized<act::ManageOwnSecondFactor>) -> Result<bool> {
        let done = sqlx::query("DELETE FROM totp_credentials WHERE user_id = ?")
            .bind(proof.resource().get())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Consumes a TOTP step: `false` if this step (or a later one) was already used. The
    /// check and the update are one statement, so two racing sign-ins cannot both use it.
    pub async fn use_totp_step(
        &mut self,
        proof: &Authorized<act::CompleteSignIn>,
        used_step: u64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE totp_credentials SET last_used_step = ?
             WHERE user_id = ? AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < ?)",
        )
        .bind(step(used_step))
        .bind(proof.resource().get())
        .bind(step(used_step))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Consumes a recovery code: `false` if it is not one of the user's unused codes.
    pub async fn use_recovery_code(
        &mut self,
        proof: &Authorized<act::CompleteSignIn>,
        digest: &[u8; 32],
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_sha256 = ? AND used_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(proof.resource().get())
        .bind(digest.as_slice())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks the session with this token hash as fully signed in.
    pub async fn complete_sign_in(
        &mut self,
        proof: &Authorized<act::CompleteSignIn>,
        digest: &[u8; 32],
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE sessions SET second_factor_pending = 0, second_factor_at = ? WHERE token_sha256 = ? AND user_id = ?",
        )
        .bind(now.as_millis())
        .bind(digest.as_slice())
            .bind(proof.resource().get())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
