//! Security keys and passkeys, and WebAuthn ceremonies in progress.

use sqlx::Row;

use super::{is_unique_violation, Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::UserId;
use crate::error::{Error, Result};

/// A registered security key or passkey.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    /// Row id.
    pub id: i64,
    /// The name its owner gave it.
    pub name: String,
    /// webauthn-rs's record (public key, counter).
    pub passkey_json: String,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When it was last used.
    pub last_used_at: Option<Timestamp>,
}

/// A ceremony in progress.
#[derive(Debug)]
pub struct CeremonyRecord {
    /// `register` or `authenticate`.
    pub kind: String,
    /// Whose it is.
    pub user_id: UserId,
    /// The session it belongs to (none for passwordless sign-in).
    pub session_id: Option<i64>,
    /// webauthn-rs's state.
    pub state_json: String,
    /// When it began.
    pub created_at: Timestamp,
}

impl Store {
    /// A user's keys, oldest first.
    pub async fn security_keys(&self, user: UserId) -> Result<Vec<KeyRecord>> {
        let rows = sqlx::query(
            "SELECT id, name, passkey_json, created_at, last_used_at FROM webauthn_credentials
             WHERE user_id = ? ORDER BY id",
        )
        .bind(user.get())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(KeyRecord {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    passkey_json: r.try_get("passkey_json")?,
                    created_at: Timestamp::from_millis(r.try_get("created_at")?),
                    last_used_at: r.try_get::<Option<i64>, _>("last_used_at")?.map(Timestamp::from_millis),
                })
            })
            .collect()
    }

    /// The user's WebAuthn handle, if they have one yet.
    pub async fn webauthn_handle(&self, user: UserId) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT webauthn_handle FROM users WHERE id = ?")
            .bind(user.get())
            .fetch_one(self.read())
            .await?)
    }
}

impl WriteTx {
    /// Gives the proof's user a WebAuthn handle if they have none.
    pub async fn ensure_webauthn_handle(
        &mut self,
        proof: &Authorized<act::ManageOwnSecondFactor>,
        handle: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET webauthn_handle = ? WHERE id = ? AND webauthn_handle IS NULL")
            .bind(handle)
            .bind(proof.resource().get())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Stores a ceremony's state under the hash of its id.
    pub async fn put_ceremony(
        &mut self,
        _proof: &Authorized<act::RunKeyCeremony>,
        id_sha256: &[u8; 32],
        ceremony: &CeremonyRecord,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (id_sha256, kind, user_id, session_id, state_json, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id_sha256.as_slice())
        .bind(&ceremony.kind)
        .bind(ceremony.user_id.get())
        .bind(ceremony.session_id)
        .bind(&ceremony.state_json)
        .bind(ceremony.created_at.as_millis())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Removes and returns a ceremony: each can be finished once.
    pub async fn take_ceremony(
        &mut self,
        _proof: &Authorized<act::RunKeyCeremony>,
        id_sha256: &[u8; 32],
    ) -> Result<Option<CeremonyRecord>> {
        let row = sqlx::query(
            "DELETE FROM webauthn_ceremonies WHERE id_sha256 = ?
             RETURNING kind, user_id, session_id, state_json, created_at",
        )
        .bind(id_sha256.as_slice())
        .fetch_optional(self.conn())
        .await?;
        row.map(|r| {
            Ok(CeremonyRecord {
                kind: r.try_get("kind")?,
                user_id: UserId::new(r.try_get("user_id")?),
                session_id: r.try_get("session_id")?,
                state_json: r.try_get("state_json")?,
                created_at: Timestamp::from_millis(r.try_get("created_at")?),
            })
        })
        .transpose()
    }

    /// Drops ceremonies begun before `before` (abandoned).
    pub async fn expire_ceremonies(
        &mut self,
        _proof: &Authorized<act::RunKeyCeremony>,
        before: Timestamp,
    ) -> Result<()> {
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE created_at < ?")
            .bind(before.as_millis())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Registers a key for the proof's user. A key registered before (to anyone) is refused.
    pub async fn insert_security_key(
        &mut self,
        proof: &Authorized<act::ManageOwnSecondFactor>,
        name: &str,
        credential_id: &[u8],
        passkey_json: &str,
        now: Timestamp,
    ) -> Result<i64> {
        let result = sqlx::query(
            "INSERT INTO webauthn_credentials (user_id, name, credential_id, passkey_json, created_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(proof.resource().get())
        .bind(name)
        .bind(credential_id)
        .bind(passkey_json)
        .bind(now.as_millis())
        .execute(self.conn())
        .await;
        match result {
            Ok(done) => Ok(done.last_insert_rowid()),
            Err(e) if is_unique_violation(&e) => {
                Err(Error::Invalid("this security key is already registered".to_owned()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Records a use of the key (its new counter) after a verified assertion.
    pub async fn record_key_use(
        &mut self,
        proof: &Authorized<act::CompleteSignIn>,
        id: i64,
        passkey_json: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE webauthn_credentials SET passkey_json = ?, last_used_at = ? WHERE id = ? AND user_id = ?",
        )
        .bind(passkey_json)
        .bind(now.as_millis())
        .bind(id)
        .bind(proof.resource().get())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Removes one of the proof's user's keys; `false` if it is not theirs.
    pub async fn delete_security_key(
        &mut self,
        proof: &Authorized<act::ManageOwnSecondFactor>,
        id: i64,
    ) -> Result<bool> {
        let done = sqlx::query("DELETE FROM webauthn_credentials WHERE id = ? AND user_id = ?")
            .bind(id)
            .bind(proof.resource().get())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
