//! A consistent, encrypted snapshot of the store for a backup.

use std::path::Path;

use super::Store;
use crate::authz::{act, Authorized};
use crate::error::{Error, Result};
use crate::keys::DataKey;

impl Store {
    /// Writes a copy of the whole database to `to` (which must not exist), encrypted with
    /// `key` like the live file: SQLCipher's export, in one statement on the writer, so the
    /// copy is one consistent state and no write lands half in it.
    pub async fn snapshot(&self, _proof: &Authorized<act::BackUp>, key: &DataKey, to: &Path) -> Result<()> {
        let path =
            to.to_str().ok_or_else(|| Error::Invalid("the backup path is not valid text".to_owned()))?;
        let pragma = key.dangerously_pragma_value();
        // `"x'…'"` → `x'…'`: SQLCipher reads a raw key from that text as the ATTACH key.
        let raw = pragma.dangerously_expose().trim_matches('"').to_owned();
        let mut conn = self.writer.acquire().await?;
        sqlx::query("ATTACH DATABASE ? AS snapshot KEY ?").bind(path).bind(raw).execute(&mut *conn).await?;
        let exported = sqlx::query("SELECT sqlcipher_export('snapshot')").execute(&mut *conn).await;
        sqlx::query("DETACH DATABASE snapshot").execute(&mut *conn).await?;
        exported?;
        Ok(())
    }
}
