//! Users and sessions.

use sqlx::Row;

use super::{is_unique_violation, Store, WriteTx};
use crate::auth::session::SessionTimes;
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::{RoleSlug, UserId, Username};
use crate::error::{Error, Result};

/// A user as the sign-in check needs it.
#[derive(Debug)]
pub struct UserRecord {
    /// Their id.
    pub id: UserId,
    /// Their normalized name.
    pub username: String,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Their role.
    pub role: RoleSlug,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// Must choose a new password before doing anything else (after an admin reset).
    pub must_change_password: bool,
}

/// Where a session is opened from, as "my sessions" shows it.
#[derive(Debug, Clone, Copy)]
pub struct SessionOrigin<'a> {
    /// Where the session is bound to.
    pub bound_to: crate::auth::session::Origin,
    /// The address (`203.0.113.4`) or `this PC`.
    pub origin: &'a str,
    /// The device or program (`Countersign desktop (linux)`, a browser's user agent).
    pub device: &'a str,
    /// Opened with the password only: useless until a second factor completes it.
    pub second_factor_pending: bool,
    /// The identity provider vouched for a second factor (single sign-on's `amr`).
    pub provider_second_factor: bool,
}

/// One of a user's sessions, for listing.
#[derive(Debug, Clone)]
pub struct SessionListing {
    /// Row id.
    pub id: i64,
    /// Where it was opened from.
    pub origin: String,
    /// On what.
    pub device: String,
    /// Its times.
    pub times: SessionTimes,
    /// The hash of its token (to mark the caller's own session).
    pub token_sha256: Vec<u8>,
}

/// A stored session.
#[derive(Debug)]
pub struct SessionRecord {
    /// Row id.
    pub id: i64,
    /// Whose it is.
    pub user_id: UserId,
    /// Its times.
    pub times: SessionTimes,
    /// Opened with the password only; waiting for the second factor.
    pub second_factor_pending: bool,
    /// Where it was opened from (what it is bound to).
    pub origin: String,
    /// When a second factor was last proven in it.
    pub second_factor_at: Option<Timestamp>,
    /// When it was locked, if it is.
    pub locked_at: Option<Timestamp>,
    /// The identity provider vouched for a second factor when it opened.
    pub provider_second_factor: bool,
}

pub(super) fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<UserRecord> {
    let role: String = row.try_get("role")?;
    Ok(UserRecord {
        id: UserId::new(row.try_get("id")?),
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        role: RoleSlug::parse(&role)?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
    })
}

impl Store {
    /// The user with this name, if any.
    pub async fn find_user_by_name(&self, name: &Username) -> Result<Option<UserRecord>> {
        let row =
            sqlx::query("SELECT id, username, password_hash, role, disabled, must_change_password FROM users WHERE username = ?")
                .bind(name.as_str())
                .fetch_optional(self.read())
                .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The user with this id.
    pub async fn get_user(&self, id: UserId) -> Result<UserRecord> {
        let row = sqlx::query("SELECT id, username, password_hash, role, disabled, must_change_password FROM users WHERE id = ?")
            .bind(id.get())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(user_from_row).transpose()?.ok_or(Error::NotFound)
    }

    /// The session whose token hashes to `digest`, if any.
    pub async fn find_session(&self, digest: &[u8; 32]) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT id, user_id, created_at, last_seen_at, revoked_at, second_factor_pending, origin,
                    second_factor_at, locked_at, provider_second_factor
             FROM sessions WHERE token_sha256 = ?",
        )
        .bind(digest.as_slice())
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            Ok(SessionRecord {
                id: r.try_get("id")?,
                user_id: UserId::new(r.try_get("user_id")?),
                times: SessionTimes {
                    created_at: Timestamp::from_millis(r.try_get("created_at")?),
                    last_seen_at: Timestamp::from_millis(r.try_get("last_seen_at")?),
                    revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(Timestamp::from_millis),
                },
                second_factor_pending: r.try_get::<i64, _>("second_factor_pending")? != 0,
                origin: r.try_get("origin")?,
                second_factor_at: r
                    .try_get::<Option<i64>, _>("second_factor_at")?
                    .map(Timestamp::from_millis),
                locked_at: r.try_get::<Option<i64>, _>("locked_at")?.map(Timestamp::from_millis),
                provider_second_factor: r.try_get::<i64, _>("provider_second_factor")? != 0,
            })
        })
        .transpose()
    }

    /// The user's sessions that were not revoked, newest first.
    pub async fn list_sessions(&self, proof: &Authorized<act::CloseSession>) -> Result<Vec<SessionListing>> {
        let rows = sqlx::query(
            "SELECT id, origin, device, created_at, last_seen_at, token_sha256 FROM sessions
             WHERE user_id = ? AND revoked_at IS NULL ORDER BY last_seen_at DESC, id DESC",
        )
        .bind(proof.resource().get())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionListing {
                    id: r.try_get("id")?,
                    origin: r.try_get("origin")?,
                    device: r.try_get("device")?,
                    times: SessionTimes {
                        created_at: Timestamp::from_millis(r.try_get("created_at")?),
                        last_seen_at: Timestamp::from_millis(r.try_get("last_seen_at")?),
                        revoked_at: None,
                    },
                    token_sha256: r.try_get("token_sha256")?,
                })
            })
            .collect()
    }

    /// Records that a session was used (authentication bookkeeping: not an audited change).
    pub async fn touch_session(&self, id: i64, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ?")
            .bind(now.as_millis())
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}

impl WriteTx {
    /// Creates a user. A taken name is refused.
    pub async fn insert_user(
        &mut self,
        _proof: &Authorized<act::ManageUsers>,
        username: &Username,
        password_hash: &str,
        role: &RoleSlug,
        now: Timestamp,
    ) -> Result<UserId> {
        let result =
            sqlx::query("INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)")
                .bind(username.as_str())
                .bind(password_hash)
                .bind(role.as_str())
                .bind(now.as_millis())
                .execute(self.conn())
                .await;
        match result {
            Ok(done) => Ok(UserId::new(done.last_insert_rowid())),
            Err(e) if is_unique_violation(&e) => {
                Err(Error::Conflict(format!("a user named {} already exists", username.as_str())))
            }
            Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                Err(Error::Invalid("there is no such role".to_owned()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Stores a new session under the hash of its token.
    pub async fn insert_session(
        &mut self,
        proof: &Authorized<act::OpenSession>,
        digest: &[u8; 32],
        opened_from: &SessionOrigin<'_>,
        now: Timestamp,
    ) -> Result<i64> {
        let done = sqlx::query(
            "INSERT INTO sessions (token_sha256, user_id, created_at, last_seen_at, origin, device,
                                   second_factor_pending, provider_second_factor, second_factor_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(digest.as_slice())
        .bind(proof.resource().get())
        .bind(now.as_millis())
        .bind(now.as_millis())
        .bind(opened_from.origin)
        .bind(opened_from.device)
        .bind(opened_from.second_factor_pending)
        .bind(opened_from.provider_second_factor)
        // The provider's second factor was proven just now: it counts for step-up like one
        // proven here.
        .bind(opened_from.provider_second_factor.then_some(now.as_millis()))
        .execute(self.conn())
        .await?;
        Ok(done.last_insert_rowid())
    }

    /// Revokes the proof's user's session with this token hash.
    pub async fn revoke_session(
        &mut self,
        proof: &Authorized<act::CloseSession>,
        digest: &[u8; 32],
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE token_sha256 = ? AND user_id = ? AND revoked_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(digest.as_slice())
        .bind(proof.resource().get())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces a user's password hash at sign-in, when the hashing parameters were raised.
    pub async fn rehash_password(&mut self, proof: &Authorized<act::OpenSession>, hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(proof.resource().get())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Ends one of the proof's user's sessions by id; `false` if it is not theirs or already ended.
    pub async fn revoke_own_session(
        &mut self,
        proof: &Authorized<act::CloseSession>,
        id: i64,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(id)
        .bind(proof.resource().get())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends all the proof's user's sessions but `keep`.
    pub async fn revoke_own_other_sessions(
        &mut self,
        proof: &Authorized<act::CloseSession>,
        keep: &[u8; 32],
        now: Timestamp,
    ) -> Result<()> {
        self.revoke_sessions(*proof.resource(), Some(keep), now).await
    }

    /// An administrator ends every session of `user`.
    pub async fn revoke_user_sessions(
        &mut self,
        _proof: &Authorized<act::ManageUsers>,
        user: UserId,
        now: Timestamp,
    ) -> Result<()> {
        self.revoke_sessions(user, None, now).await
    }

    /// Sets the proof's user's new password, clears any forced change, and ends their other
    /// sessions (`keep`: the session the change was made from).
    pub async fn change_own_password(
        &mut self,
        proof: &Authorized<act::ChangeOwnPassword>,
        hash: &str,
        keep: &[u8; 32],
        now: Timestamp,
    ) -> Result<()> {
        self.set_password(*proof.resource(), hash, false, now).await?;
        self.revoke_sessions(*proof.resource(), Some(keep), now).await
    }

    /// An administrator's reset: a new password that must be changed at the next sign-in; every
    /// session of the user ends.
    pub async fn reset_password(
        &mut self,
        _proof: &Authorized<act::ManageUsers>,
        user: UserId,
        hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.set_password(user, hash, true, now).await?;
        self.revoke_sessions(user, None, now).await
    }

    async fn set_password(
        &mut self,
        user: UserId,
        hash: &str,
        must_change: bool,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ? WHERE id = ?")
            .bind(hash)
            .bind(must_change)
            .bind(now.as_millis())
            .bind(user.get())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Locks (`Some`) or unlocks (`None`) the proof's user's session `id`.
    pub async fn set_session_lock(
        &mut self,
        proof: &Authorized<act::LockSession>,
        id: i64,
        locked_at: Option<Timestamp>,
    ) -> Result<()> {
        sqlx::query("UPDATE sessions SET locked_at = ? WHERE id = ? AND user_id = ?")
            .bind(locked_at.map(Timestamp::as_millis))
            .bind(id)
            .bind(proof.resource().get())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Ends a session whose token was presented from somewhere it was not issued to.
    pub async fn revoke_misused_session(
        &mut self,
        proof: &Authorized<act::RevokeMisusedSession>,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(now.as_millis())
            .bind(proof.resource())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub(super) async fn revoke_sessions(
        &mut self,
        user: UserId,
        keep: Option<&[u8; 32]>,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND token_sha256 IS NOT ?",
        )
        .bind(now.as_millis())
        .bind(user.get())
        .bind(keep.map(|k| k.as_slice()))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

/// A user as the administrators' list shows them.
#[derive(Debug, Clone)]
pub struct UserListing {
    /// Their id.
    pub id: UserId,
    /// Their name.
    pub username: String,
    /// Their role.
    pub role: RoleSlug,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// The teams they are a member of.
    pub teams: Vec<crate::domain::TeamId>,
}

impl Store {
    /// Every user, by name.
    pub async fn list_users(&self) -> Result<Vec<UserListing>> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.role, u.disabled,
                    (SELECT json_group_array(team_id) FROM team_members m WHERE m.user_id = u.id) AS teams
             FROM users u ORDER BY u.username",
        )
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                let teams: String = r.try_get("teams")?;
                let teams: Vec<i64> =
                    serde_json::from_str(&teams).map_err(|e| Error::Internal(e.to_string()))?;
                Ok(UserListing {
                    id: UserId::new(r.try_get("id")?),
                    username: r.try_get("username")?,
                    role: RoleSlug::parse(&r.try_get::<String, _>("role")?)?,
                    disabled: r.try_get::<i64, _>("disabled")? != 0,
                    teams: teams.into_iter().map(crate::domain::TeamId::new).collect(),
                })
            })
            .collect()
    }
}

impl WriteTx {
    /// Gives the proof's subject `role`.
    pub async fn set_user_role(
        &mut self,
        _proof: &Authorized<act::ManageUsers>,
        user: UserId,
        role: &RoleSlug,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET role = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(user.get())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Disables (and ends every session of) a user, or enables them again.
    pub async fn set_user_disabled(
        &mut self,
        _proof: &Authorized<act::ManageUsers>,
        user: UserId,
        disabled: bool,
        now: Timestamp,
    ) -> Result<()> {
        self.set_disabled(user, disabled, now).await
    }

    /// Disables (ending every session) or enables `user`.
    pub(super) async fn set_disabled(&mut self, user: UserId, disabled: bool, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
            .bind(disabled)
            .bind(user.get())
            .execute(self.conn())
            .await?;
        if disabled {
            sqlx::query("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL")
                .bind(now.as_millis())
                .bind(user.get())
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }
}
