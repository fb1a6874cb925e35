//! The IP allowlist.

use sqlx::Row;

use super::{Store, WriteTx};
use crate::auth::allowlist::{AllowEntry, Allowlist};
use crate::authz::{act, Authorized};
use crate::domain::RoleSlug;
use crate::error::{Error, Result};

impl Store {
    /// The organisation's allowlist (empty: no restriction).
    pub async fn allowlist(&self) -> Result<Allowlist> {
        let rows =
            sqlx::query("SELECT cidr, role FROM ip_allowlist ORDER BY id").fetch_all(self.read()).await?;
        let entries = rows
            .iter()
            .map(|r| {
                let role =
                    r.try_get::<Option<String>, _>("role")?.map(|s| RoleSlug::parse(&s)).transpose()?;
                AllowEntry::parse(&r.try_get::<String, _>("cidr")?, role)
                    .map_err(|_| Error::Internal("a stored allowlist entry does not parse".to_owned()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Allowlist(entries))
    }
}

impl WriteTx {
    /// Replaces the allowlist.
    pub async fn replace_allowlist(
        &mut self,
        _proof: &Authorized<act::ConfigureSecurity>,
        list: &Allowlist,
    ) -> Result<()> {
        sqlx::query("DELETE FROM ip_allowlist").execute(self.conn()).await?;
        for entry in &list.0 {
            sqlx::query("INSERT OR IGNORE INTO ip_allowlist (cidr, role) VALUES (?, ?)")
                .bind(entry.net.to_string())
                .bind(entry.role.as_ref().map(RoleSlug::as_str))
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }
}
