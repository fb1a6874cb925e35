//! The WhatsApp channel's settings from the admin screen and the HTTP API. Secrets are
//! write-only: the view says whether each is set, never what it is; an update that leaves a
//! secret out keeps the stored one. Changing anything needs the channel permission and a
//! fresh second factor.

use serde::Deserialize;

use super::operator::ChannelSettings;
use super::views::ChannelView;
use super::Core;
use crate::auth::session::SessionToken;
use crate::authz::act;
use crate::error::{Error, Result};
use crate::keys::SecretString;

/// Setting: the WhatsApp Business Account id (its templates are listed under it).
pub const BUSINESS_ACCOUNT_ID: &str = "channel.business_account_id";

/// Where the Cloud API lives unless a setting says otherwise.
pub const GRAPH_BASE_URL: &str = "https://graph.facebook.com";

/// A change from the admin screen. Left-out secrets keep their stored value; left-out URL
/// and version keep theirs (or the defaults, on first set-up).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ChannelUpdate {
    /// The Cloud API phone-number id (digits).
    pub phone_number_id: String,
    /// The WhatsApp Business Account id (digits), for the template catalog; left out keeps it.
    pub business_account_id: Option<String>,
    /// The Graph API base URL.
    pub graph_base_url: Option<String>,
    /// The Graph API version.
    pub api_version: Option<String>,
    /// A new webhook verify token.
    #[schema(value_type = Option<String>)]
    pub verify_token: Option<SecretString>,
    /// A new app secret.
    #[schema(value_type = Option<String>)]
    pub app_secret: Option<SecretString>,
    /// A new access token.
    #[schema(value_type = Option<String>)]
    pub access_token: Option<SecretString>,
}

/// A secret from the update if one was typed, otherwise the stored one.
fn kept(
    typed: Option<SecretString>,
    stored: Option<&SecretString>,
    name: &str,
) -> Result<(SecretString, bool)> {
    match typed.filter(|s| !s.dangerously_expose().trim().is_empty()) {
        Some(new) => Ok((new, true)),
        None => stored
            .map(|s| (SecretString::from(s.dangerously_expose().to_owned()), false))
            .ok_or_else(|| Error::Invalid(format!("the {name} is needed to set up the channel"))),
    }
}

impl Core {
    /// The channel's settings, without its secrets.
    pub async fn channel_settings(&self, token: &SessionToken) -> Result<ChannelView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ConfigureChannel>(&r.actor, ()).await?;
        let config = self.store.find_channel().await?;
        let set = |s: Option<&SecretString>| s.is_some_and(|s| !s.dangerously_expose().is_empty());
        Ok(ChannelView {
            configured: config.is_some(),
            phone_number_id: config.as_ref().map(|c| c.phone_number_id.clone()),
            graph_base_url: config.as_ref().map(|c| c.graph_base_url.to_string()),
            api_version: config.as_ref().map(|c| c.api_version.clone()),
            verify_token_set: set(config.as_ref().map(|c| &c.verify_token)),
            app_secret_set: set(config.as_ref().map(|c| &c.app_secret)),
            access_token_set: set(config.as_ref().map(|c| &c.access_token)),
            replies_held_by_token: self.store.outbox_held_by_token().await?,
            business_account_id: self.store.find_setting(BUSINESS_ACCOUNT_ID).await?,
        })
    }

    /// Changes the channel's settings (the channel permission and step-up). Replies held by a
    /// refused token go out with the new settings.
    pub async fn set_channel_settings(
        &self,
        token: &SessionToken,
        update: ChannelUpdate,
    ) -> Result<ChannelView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ConfigureChannel>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        let stored = self.store.find_channel().await?;
        let (verify_token, new_verify) =
            kept(update.verify_token, stored.as_ref().map(|c| &c.verify_token), "verify token")?;
        let (app_secret, new_secret) =
            kept(update.app_secret, stored.as_ref().map(|c| &c.app_secret), "app secret")?;
        let (access_token, new_token) =
            kept(update.access_token, stored.as_ref().map(|c| &c.access_token), "access token")?;
        let graph_base_url = update
            .graph_base_url
            .filter(|u| !u.trim().is_empty())
            .or_else(|| stored.as_ref().map(|c| c.graph_base_url.to_string()))
            .unwrap_or_else(|| GRAPH_BASE_URL.to_owned());
        let api_version = update
            .api_version
            .filter(|v| !v.trim().is_empty())
            .or_else(|| stored.as_ref().map(|c| c.api_version.clone()));
        let changed: Vec<&str> =
            [("verify_token", new_verify), ("app_secret", new_secret), ("access_token", new_token)]
                .into_iter()
                .filter_map(|(name, new)| new.then_some(name))
                .collect();
        let settings = ChannelSettings {
            phone_number_id: update.phone_number_id.trim().to_owned(),
            verify_token,
            graph_base_url,
            api_version,
            app_secret,
            access_token,
        };
        let waba = update.business_account_id.map(|w| w.trim().to_owned()).filter(|w| !w.is_empty());
        if waba.as_deref().is_some_and(|w| !w.chars().all(|c| c.is_ascii_digit())) {
            return Err(Error::Invalid("the WhatsApp Business Account id is digits only".to_owned()));
        }
        self.set_channel_as(&r.actor, settings, &changed).await?;
        if let Some(waba) = waba {
            let proof = self.allow::<act::ConfigureChannel>(&r.actor, ()).await?;
            let mut tx = self.store.write().await?;
            tx.set_channel_setting(&proof, BUSINESS_ACCOUNT_ID, Some(&waba)).await?;
            tx.commit().await?;
        }
        self.channel_settings(token).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_secret_keeps_the_stored_one() {
        let stored = SecretString::from("old".to_owned());
        let (kept_secret, new) = kept(Some(SecretString::from("  ".to_owned())), Some(&stored), "x").unwrap();
        assert_eq!((kept_secret.dangerously_expose().as_str(), new), ("old", false));
    }

    #[test]
    fn a_typed_secret_replaces_it() {
        let stored = SecretString::from("old".to_owned());
        let (secret, new) = kept(Some(SecretString::from("new".to_owned())), Some(&stored), "x").unwrap();
        assert_eq!((secret.dangerously_expose().as_str(), new), ("new", true));
    }

    #[test]
    fn the_first_set_up_needs_every_secret() {
        let error = kept(None, None, "access token").unwrap_err();
        assert!(error.to_string().contains("access token is needed"), "{error}");
    }
}
