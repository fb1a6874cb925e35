//! The WhatsApp channel's settings and secrets, and plain settings.

use sqlx::Row;
use url::Url;

use super::{Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::channel::whatsapp::client::ChannelConfig;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::keys::SecretString;

/// Setting: the address the desktop app accepts webhooks on (absent: it does not).
pub const DESKTOP_INTAKE_LISTEN: &str = "desktop.webhook_listen";

impl Store {
    /// The channel configuration, if the channel was set up.
    pub async fn find_channel(&self) -> Result<Option<ChannelConfig>> {
        let row = sqlx::query(
            "SELECT phone_number_id, graph_base_url, api_version, verify_token, app_secret, access_token
             FROM channel_config WHERE id = 1",
        )
        .fetch_optional(self.read())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let base: String = row.try_get("graph_base_url")?;
        Ok(Some(ChannelConfig {
            phone_number_id: row.try_get("phone_number_id")?,
            graph_base_url: Url::parse(&base).map_err(|e| Error::Internal(e.to_string()))?,
            api_version: row.try_get("api_version")?,
            verify_token: SecretString::from(row.try_get::<String, _>("verify_token")?),
            app_secret: SecretString::from(row.try_get::<String, _>("app_secret")?),
            access_token: SecretString::from(row.try_get::<String, _>("access_token")?),
        }))
    }

    /// A plain setting.
    pub async fn find_setting(&self, key: &str) -> Result<Option<String>> {
        let value = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(self.read())
            .await?;
        Ok(value)
    }
}

impl WriteTx {
    /// Replaces the channel configuration.
    pub async fn set_channel(
        &mut self,
        _proof: &Authorized<act::ConfigureChannel>,
        config: &ChannelConfig,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO channel_config
               (id, phone_number_id, graph_base_url, api_version, verify_token, app_secret, access_token, updated_at)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET
               phone_number_id = excluded.phone_number_id, graph_base_url = excluded.graph_base_url,
               api_version = excluded.api_version, verify_token = excluded.verify_token,
               app_secret = excluded.app_secret, access_token = excluded.access_token,
               updated_at = excluded.updated_at",
        )
        .bind(&config.phone_number_id)
        .bind(config.graph_base_url.as_str())
        .bind(&config.api_version)
        .bind(config.verify_token.dangerously_expose())
        .bind(config.app_secret.dangerously_expose())
        .bind(config.access_token.dangerously_expose())
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Sets (or with `None`, removes) a channel-level setting.
    pub async fn set_channel_setting(
        &mut self,
        _proof: &Authorized<act::ConfigureChannel>,
        key: &str,
        value: Option<&str>,
    ) -> Result<()> {
        self.put_setting(key, value).await
    }

    /// Sets an organisation security setting.
    pub async fn set_security_setting(
        &mut self,
        _proof: &Authorized<act::ConfigureSecurity>,
        key: &str,
        value: &str,
    ) -> Result<()> {
        self.put_setting(key, Some(value)).await
    }

    /// Sets a retention setting, or removes it (`None`: the default applies).
    pub async fn set_retention_setting(
        &mut self,
        _proof: &Authorized<act::ManageRetention>,
        key: &str,
        value: Option<&str>,
    ) -> Result<()> {
        self.put_setting(key, value).await
    }

    pub(super) async fn put_setting(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        let query = match value {
            Some(v) => sqlx::query(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(v),
            None => sqlx::query("DELETE FROM settings WHERE key = ?").bind(key),
        };
        query.execute(self.conn()).await?;
        Ok(())
    }
}
