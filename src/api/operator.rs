//! Calls for IT at the machine, made by the `countersign` CLI. The authority here is holding
//! the data key: whoever can open the store can already change anything in it, so these calls
//! act as [`Actor::Operator`] and are audited as `operator:cli`. Secrets arrive as
//! [`SecretString`] and are never echoed back.

use crate::audit::Kind;
use std::net::SocketAddr;

use url::Url;

use super::Core;
use crate::audit::{AuditEvent, Checkpoint};
use crate::authz::{act, Actor};
use crate::channel::whatsapp::client::ChannelConfig;
use crate::domain::{UserId, Username};
use crate::error::{Error, Result};
use crate::keys::SecretString;
use crate::store::access::DEFAULT_TEAM;
use crate::store::channel::DESKTOP_INTAKE_LISTEN;

/// A new user.
#[derive(Debug)]
pub struct AddUser {
    /// User name.
    pub username: String,
    /// Role (slug of a built-in or custom role).
    pub role: String,
    /// Names of the teams to put them in; none: the default team.
    pub teams: Vec<String>,
    /// Initial password.
    pub password: SecretString,
}

/// The WhatsApp channel's settings.
#[derive(Debug)]
pub struct ChannelSettings {
    /// Cloud API phone-number id.
    pub phone_number_id: String,
    /// Token for Meta's webhook handshake.
    pub verify_token: SecretString,
    /// Graph base URL (`https://graph.facebook.com`, or the simulator's).
    pub graph_base_url: String,
    /// Graph API version; the default when `None`.
    pub api_version: Option<String>,
    /// App secret that signs webhooks.
    pub app_secret: SecretString,
    /// Access token for sending.
    pub access_token: SecretString,
}

impl Core {
    /// Checks the audit trail from its first event: how many follow from one another, or the
    /// first that does not (IT at the machine: `countersign audit verify`).
    /// `kept_elsewhere`: checkpoints exported earlier (`countersign audit checkpoints`), which
    /// still hold if the store's own were deleted with the events they cover.
    pub async fn operator_verify_audit(
        &self,
        kept_elsewhere: &[Checkpoint],
    ) -> Result<std::result::Result<i64, crate::audit::Break>> {
        let proof = self.allow::<act::VerifyAudit>(&Actor::Operator, ()).await?;
        self.store.verify_audit(&proof, kept_elsewhere).await
    }

    /// The signed audit checkpoints and the public key that checks them, to keep outside the
    /// machine.
    pub async fn operator_audit_checkpoints(&self) -> Result<(Vec<Checkpoint>, [u8; 32])> {
        let proof = self.allow::<act::VerifyAudit>(&Actor::Operator, ()).await?;
        Ok((self.store.audit_checkpoints(&proof).await?, self.store.audit_verifying_key()))
    }

    /// Creates a user with an argon2id-hashed password.
    pub async fn operator_add_user(&self, request: AddUser) -> Result<UserId> {
        let username = Username::parse(&request.username)?;
        self.password_policy().await?.check(username.as_str(), &request.password)?;
        let role = self.known_role(&request.role).await?;
        let known = self.store.list_teams().await?;
        let mut teams = Vec::with_capacity(request.teams.len().max(1));
        for name in &request.teams {
            let team = known.iter().find(|t| t.name.eq_ignore_ascii_case(name.trim()));
            teams.push(
                team.map(|t| t.id)
                    .ok_or_else(|| Error::Invalid(format!("there is no team called {name:?}")))?,
            );
        }
        if teams.is_empty() {
            teams.push(DEFAULT_TEAM);
        }
        let proof = self.allow::<act::ManageUsers>(&Actor::Operator, ()).await?;
        let teams_proof = self.allow::<act::ManageTeams>(&Actor::Operator, ()).await?;
        let hash = self.hash_password(&request.password).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let id = tx.insert_user(&proof, &username, &hash, &role, now).await?;
        for team in &teams {
            tx.set_team_member(&teams_proof, *team, id, true).await?;
        }
        let event = AuditEvent::new(proof.actor().clone(), Kind::UserAdd)
            .target(format!("user:{}", id.get()))
            .detail("role", &role)
            .detail("teams", super::people::team_list(&teams));
        tx.audit(&event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Connects (or reconnects) the WhatsApp channel.
    pub async fn operator_set_channel(&self, settings: ChannelSettings) -> Result<()> {
        self.set_channel_as(&Actor::Operator, settings, &["verify_token", "app_secret", "access_token"]).await
    }

    /// Replaces the channel settings as `actor`; `changed` names the secrets that are new (for
    /// the audit trail, which never holds their values).
    pub(super) async fn set_channel_as(
        &self,
        actor: &Actor,
        settings: ChannelSettings,
        changed: &[&str],
    ) -> Result<()> {
        let config = validate_channel(settings)?;
        let proof = self.allow::<act::ConfigureChannel>(actor, ()).await?;
        if !self.policy.allows_graph_url(&config.graph_base_url) {
            return Err(Error::Invalid(
                "your IT department's policy does not allow this Graph API address".to_owned(),
            ));
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.set_channel(&proof, &config, now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::ChannelSet)
            .target(format!("phone_number:{}", config.phone_number_id))
            .detail("graph_base_url", config.graph_base_url.as_str())
            .detail(
                "secrets_changed",
                if changed.is_empty() { "none".to_owned() } else { changed.join(",") },
            );
        tx.audit(&event, now).await?;
        // Replies held by a refused token go out with the new settings at once.
        let released = tx.outbox_release_held(&proof, now).await?;
        tx.commit().await?;
        if released > 0 {
            tracing::info!(items = released, "held replies released by the new channel settings");
        }
        self.wake_outbox();
        Ok(())
    }

    /// Makes the desktop app accept webhooks on `listen` (or, with `None`, stop).
    pub async fn operator_set_desktop_intake(&self, listen: Option<SocketAddr>) -> Result<()> {
        let proof = self.allow::<act::ConfigureChannel>(&Actor::Operator, ()).await?;
        let value = listen.map(|a| a.to_string());
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.set_channel_setting(&proof, DESKTOP_INTAKE_LISTEN, value.as_deref()).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::ChannelDesktopIntake)
            .detail("listen", value.as_deref().unwrap_or("off"));
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// Where the desktop app should accept webhooks, if it should.
    pub async fn desktop_intake_listen(&self) -> Result<Option<SocketAddr>> {
        let value = self.store.find_setting(DESKTOP_INTAKE_LISTEN).await?;
        Ok(value.and_then(|v| v.parse().ok()))
    }
}

fn validate_channel(s: ChannelSettings) -> Result<ChannelConfig> {
    let invalid = |m: &str| Error::Invalid(m.to_owned());
    if s.phone_number_id.is_empty() || !s.phone_number_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(
            "the phone-number id is the number Meta shows in the app dashboard (digits only)",
        ));
    }
    let url = Url::parse(&s.graph_base_url).map_err(|_| invalid("the Graph base URL is not a valid URL"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(invalid(
            "the Graph base URL must use https (plain http only on this machine, for the simulator)",
        ));
    }
    for (name, secret) in
        [("verify token", &s.verify_token), ("app secret", &s.app_secret), ("access token", &s.access_token)]
    {
        if secret.dangerously_expose().trim().is_empty() {
            return Err(Error::Invalid(format!("the {name} is empty")));
        }
    }
    Ok(ChannelConfig {
        phone_number_id: s.phone_number_id,
        graph_base_url: url,
        api_version: s
            .api_version
            .unwrap_or_else(|| crate::channel::whatsapp::DEFAULT_GRAPH_API_VERSION.to_owned()),
        verify_token: s.verify_token,
        app_secret: s.app_secret,
        access_token: s.access_token,
    })
}
