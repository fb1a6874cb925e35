//! Single sign-on: the provider's settings, the group mappings, and which user each person at
//! the provider is (bound by issuer and subject).

use std::collections::BTreeSet;

use sqlx::Row;

use super::users::{user_from_row, UserRecord};
use super::{is_unique_violation, Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::sso::{GroupMapping, SsoConfig, SsoMode};
use crate::domain::{RoleSlug, TeamId, UserId, Username};
use crate::error::{Error, Result};
use crate::keys::SecretString;

/// What to do with the stored client secret when the settings are saved (it is write-only).
#[derive(Debug)]
pub enum SecretChange<'a> {
    /// Keep the one stored.
    Keep,
    /// Remove it.
    Clear,
    /// Store this one.
    Set(&'a SecretString),
}

impl Store {
    /// The single sign-on settings, if they were ever saved.
    pub async fn find_sso_config(&self) -> Result<Option<SsoConfig>> {
        let row = sqlx::query(
            "SELECT mode, label, issuer, client_id, client_secret, scopes, username_claim, groups_claim,
                    provision, break_glass_id
             FROM sso_config WHERE id = 1",
        )
        .fetch_optional(self.read())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let scopes: String = r.try_get("scopes")?;
        Ok(Some(SsoConfig {
            mode: SsoMode::parse(&r.try_get::<String, _>("mode")?)?,
            label: r.try_get("label")?,
            issuer: r.try_get("issuer")?,
            client_id: r.try_get("client_id")?,
            client_secret: r.try_get::<Option<String>, _>("client_secret")?.map(SecretString::from),
            scopes: scopes.split_whitespace().map(str::to_owned).collect(),
            username_claim: r.try_get("username_claim")?,
            groups_claim: r.try_get("groups_claim")?,
            provision: r.try_get::<i64, _>("provision")? != 0,
            break_glass: r.try_get::<Option<i64>, _>("break_glass_id")?.map(UserId::new),
        }))
    }

    /// The group mappings, in order.
    pub async fn sso_mappings(&self) -> Result<Vec<GroupMapping>> {
        let rows = sqlx::query("SELECT grp, role, team_id FROM sso_mappings ORDER BY position, id")
            .fetch_all(self.read())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(GroupMapping {
                    group: r.try_get("grp")?,
                    role: r.try_get::<Option<String>, _>("role")?.map(|s| RoleSlug::parse(&s)).transpose()?,
                    team: r.try_get::<Option<i64>, _>("team_id")?.map(TeamId::new),
                })
            })
            .collect()
    }

    /// The user bound to this person at this provider, if any.
    pub async fn find_user_by_identity(&self, issuer: &str, subject: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.password_hash, u.role, u.disabled, u.must_change_password
             FROM sso_identities i JOIN users u ON u.id = i.user_id
             WHERE i.issuer = ? AND i.subject = ?",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(self.read())
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The provider and subject `user` is bound to, if they sign in with single sign-on.
    pub async fn find_identity_of(&self, user: UserId) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT issuer, subject FROM sso_identities WHERE user_id = ?")
            .bind(user.get())
            .fetch_optional(self.read())
            .await?;
        row.map(|r| Ok((r.try_get("issuer")?, r.try_get("subject")?))).transpose()
    }

    /// The teams `user` is a member of.
    pub async fn teams_of(&self, user: UserId) -> Result<BTreeSet<TeamId>> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT team_id FROM team_members WHERE user_id = ?")
            .bind(user.get())
            .fetch_all(self.read())
            .await?;
        Ok(ids.into_iter().map(TeamId::new).collect())
    }
}

impl WriteTx {
    /// Saves the single sign-on settings.
    pub async fn put_sso_config(
        &mut self,
        _proof: &Authorized<act::ConfigureSecurity>,
        config: &SsoConfig,
        secret: SecretChange<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let (secret_value, keep) = match secret {
            SecretChange::Keep => (None, true),
            SecretChange::Clear => (None, false),
            SecretChange::Set(s) => (Some(s.dangerously_expose().clone()), false),
        };
        sqlx::query(
            "INSERT INTO sso_config (id, mode, label, issuer, client_id, client_secret, scopes, username_claim,
                                     groups_claim, provision, break_glass_id, updated_at)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET
               mode = excluded.mode, label = excluded.label, issuer = excluded.issuer,
               client_id = excluded.client_id,
               client_secret = CASE WHEN ? THEN sso_config.client_secret ELSE excluded.client_secret END,
               scopes = excluded.scopes, username_claim = excluded.username_claim,
               groups_claim = excluded.groups_claim, provision = excluded.provision,
               break_glass_id = excluded.break_glass_id, updated_at = excluded.updated_at",
        )
        .bind(config.mode.as_str())
        .bind(&config.label)
        .bind(&config.issuer)
        .bind(&config.client_id)
        .bind(secret_value)
        .bind(config.scopes.join(" "))
        .bind(&config.username_claim)
        .bind(&config.groups_claim)
        .bind(config.provision)
        .bind(config.break_glass.map(UserId::get))
        .bind(now.as_millis())
        .bind(keep)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Replaces the group mappings (their order is the order given).
    pub async fn replace_sso_mappings(
        &mut self,
        _proof: &Authorized<act::ConfigureSecurity>,
        mappings: &[GroupMapping],
    ) -> Result<()> {
        sqlx::query("DELETE FROM sso_mappings").execute(self.conn()).await?;
        for (position, m) in (0_i64..).zip(mappings) {
            let done =
                sqlx::query("INSERT INTO sso_mappings (position, grp, role, team_id) VALUES (?, ?, ?, ?)")
                    .bind(position)
                    .bind(&m.group)
                    .bind(m.role.as_ref().map(RoleSlug::as_str))
                    .bind(m.team.map(TeamId::get))
                    .execute(self.conn())
                    .await;
            match done {
                Ok(_) => {}
                Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                    return Err(Error::NotFound)
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Creates the user a person at the provider signs in as, bound to them. They have no
    /// password (the stored hash matches none).
    pub async fn provision_user(
        &mut self,
        _proof: &Authorized<act::ProvisionUser>,
        username: &Username,
        role: &RoleSlug,
        (issuer, subject): (&str, &str),
        now: Timestamp,
    ) -> Result<UserId> {
        let created =
            sqlx::query("INSERT INTO users (username, password_hash, role, created_at) VALUES (?, '', ?, ?)")
                .bind(username.as_str())
                .bind(role.as_str())
                .bind(now.as_millis())
                .execute(self.conn())
                .await;
        let id = match created {
            Ok(done) => UserId::new(done.last_insert_rowid()),
            Err(e) if is_unique_violation(&e) => return Err(Error::Conflict("name taken".to_owned())),
            Err(e) => return Err(e.into()),
        };
        sqlx::query(
            "INSERT INTO sso_identities (user_id, issuer, subject, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id.get())
        .bind(issuer)
        .bind(subject)
        .bind(now.as_millis())
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
        Ok(id)
    }

    /// Records a sign-in of a bound user.
    pub async fn touch_identity(
        &mut self,
        _proof: &Authorized<act::ProvisionUser>,
        user: UserId,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("UPDATE sso_identities SET last_seen_at = ? WHERE user_id = ?")
            .bind(now.as_millis())
            .bind(user.get())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Gives a bound user the role their groups map to.
    pub async fn sync_role(
        &mut self,
        _proof: &Authorized<act::ProvisionUser>,
        user: UserId,
        role: &RoleSlug,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET role = ? WHERE id = ? AND id IN (SELECT user_id FROM sso_identities)")
            .bind(role.as_str())
            .bind(user.get())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Adds a bound user to a team their groups map to, or removes them; whether it changed.
    pub async fn sync_team_member(
        &mut self,
        _proof: &Authorized<act::ProvisionUser>,
        team: TeamId,
        user: UserId,
        member: bool,
    ) -> Result<bool> {
        // The same link an administrator's team change writes.
        self.set_link("team_members", ("team_id", team.get()), ("user_id", user.get()), member).await
    }

    /// Ends every session of a bound user the provider no longer maps to a role.
    pub async fn end_unmapped_sessions(
        &mut self,
        _proof: &Authorized<act::ProvisionUser>,
        user: UserId,
        now: Timestamp,
    ) -> Result<()> {
        self.revoke_sessions(user, None, now).await
    }
}
