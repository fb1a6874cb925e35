//! The single sign-on settings: the provider, the claims, provisioning, whether passwords
//! still work, and which provider groups give which role and team. Administrators change them
//! with step-up; IT at the machine through the CLI.
//!
//! Rules, and why:
//! - The client secret is write-only: the view says whether one is stored, never what it is.
//! - The issuer must be `https`, except on a loopback address (a provider on the same PC, for
//!   tests and trials): tokens and codes never cross a network in clear.
//! - A mapping that gives a role is a way of giving that role: an administrator may map only
//!   roles they could give a person themselves (only owners map to Owner).
//! - "SSO only" needs a break-glass owner (an enabled owner not bound to the provider): when
//!   the provider is down or misconfigured, someone can still sign in to fix it.

use serde::Deserialize;

use super::views::{SsoMappingView, SsoOfferView, SsoSettingsView};
use super::Core;
use crate::audit::{AuditEvent, Kind};
use crate::auth::session::SessionToken;
use crate::authz::guard::{self, RoleSide};
use crate::authz::{act, Actor};
use crate::domain::sso::{checked_group, GroupMapping, SsoConfig, SsoMode};
use crate::domain::{TeamId, Username};
use crate::error::{Error, Result};
use crate::keys::SecretString;
use crate::store::sso::SecretChange;

/// One mapping as an administrator writes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SsoMappingRequest {
    /// The value in the provider's groups claim.
    pub group: String,
    /// The role it gives (a slug), if any.
    pub role: Option<String>,
    /// The team it adds, if any.
    pub team: Option<i64>,
}

/// New single sign-on settings (all of them; the secret is kept unless given or cleared).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SsoSettingsRequest {
    /// `off`, `sso_and_passwords` or `sso_only`.
    pub mode: String,
    /// What the sign-in button says (`Contoso Entra ID`).
    pub label: String,
    /// The provider's issuer URL.
    pub issuer: String,
    /// The client id registered with the provider.
    pub client_id: String,
    /// A new client secret (absent: keep the stored one).
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    /// Remove the stored client secret.
    #[serde(default)]
    pub clear_client_secret: bool,
    /// Scopes besides `openid` (`profile`, `email`, `groups`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The claim whose value becomes the user name (`preferred_username`, `email`).
    pub username_claim: String,
    /// The claim listing groups or roles (`groups`, `roles`).
    pub groups_claim: String,
    /// Create users at their first sign-in.
    pub provision: bool,
    /// The user name of the owner who keeps a password when passwords are off.
    #[serde(default)]
    pub break_glass: Option<String>,
    /// The mappings, most powerful role first.
    #[serde(default)]
    pub mappings: Vec<SsoMappingRequest>,
}

/// Printable ASCII without spaces, 1 to `max` characters (client ids, scopes, claim names).
fn token_like(what: &str, raw: &str, max: usize) -> Result<String> {
    let value = raw.trim();
    if value.is_empty() || value.len() > max || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::Invalid(format!("the {what} is 1 to {max} characters without spaces")));
    }
    Ok(value.to_owned())
}

/// An issuer URL: `https`, or `http` on a loopback address.
fn checked_issuer(raw: &str) -> Result<String> {
    let invalid =
        || Error::Invalid("the issuer is an https:// address (as the provider publishes it)".to_owned());
    let url = url::Url::parse(raw.trim()).map_err(|_| invalid())?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    let secure = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !secure || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid());
    }
    // Kept exactly as typed (a trailing slash included): the ID token's `iss` must equal it.
    Ok(raw.trim().to_owned())
}

impl Core {
    /// The single sign-on settings (administrators).
    pub async fn sso_settings(&self, token: &SessionToken) -> Result<SsoSettingsView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ConfigureSecurity>(&r.actor, ()).await?;
        self.sso_settings_view().await
    }

    /// Replaces the single sign-on settings (administrators, with step-up).
    pub async fn set_sso_settings(
        &self,
        token: &SessionToken,
        request: SsoSettingsRequest,
    ) -> Result<SsoSettingsView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ConfigureSecurity>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        self.sso_settings_as(&r.actor, request).await
    }

    /// The same, for IT at the machine.
    pub async fn operator_set_sso_settings(&self, request: SsoSettingsRequest) -> Result<SsoSettingsView> {
        self.sso_settings_as(&Actor::Operator, request).await
    }

    /// What the sign-in screen offers, before anyone signs in: the button's name and whether
    /// passwords still work. `None` when single sign-on is off. Not secret.
    pub async fn sso_offer(&self) -> Result<Option<SsoOfferView>> {
        Ok(self
            .sso_config_in_force()
            .await?
            .filter(|c| c.mode != SsoMode::Off)
            .map(|c| SsoOfferView { label: c.label, passwords: c.mode == SsoMode::SsoAndPasswords }))
    }

    async fn sso_settings_as(&self, actor: &Actor, request: SsoSettingsRequest) -> Result<SsoSettingsView> {
        let proof = self.allow::<act::ConfigureSecurity>(actor, ()).await?;
        if self.policy.sso.is_some() {
            return Err(super::policy::pinned("Single sign-on"));
        }
        let mappings = self.checked_mappings(actor, &request.mappings).await?;
        let config = self.checked_config(&request).await?;
        let secret = match (&request.client_secret, request.clear_client_secret) {
            (Some(_), true) => {
                return Err(Error::Invalid("give a new client secret or clear it, not both".to_owned()))
            }
            (Some(s), false) if s.dangerously_expose().trim().is_empty() => SecretChange::Clear,
            (Some(s), false) => SecretChange::Set(s),
            (None, true) => SecretChange::Clear,
            (None, false) => SecretChange::Keep,
        };
        let secret_note = match secret {
            SecretChange::Keep => "kept",
            SecretChange::Clear => "cleared",
            SecretChange::Set(_) => "replaced",
        };
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.put_sso_config(&proof, &config, secret, now).await?;
        tx.replace_sso_mappings(&proof, &mappings).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::SettingsSso)
            .detail("mode", config.mode.as_str())
            .detail("issuer", &config.issuer)
            .detail("client_id", &config.client_id)
            .detail("client_secret", secret_note)
            .detail("scopes", config.scopes.join(" "))
            .detail("claims", format!("{} {}", config.username_claim, config.groups_claim))
            .detail("provision", config.provision)
            .detail(
                "break_glass",
                config.break_glass.map_or_else(String::new, |u| format!("user:{}", u.get())),
            )
            .detail("mappings", mapping_summary(&mappings));
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.sso_settings_view().await
    }

    async fn checked_config(&self, request: &SsoSettingsRequest) -> Result<SsoConfig> {
        let mode = SsoMode::parse(request.mode.trim())?;
        let label = request.label.trim();
        if label.is_empty() || label.chars().count() > 60 || label.chars().any(char::is_control) {
            return Err(Error::Invalid("the button's name is 1 to 60 characters".to_owned()));
        }
        let mut scopes = Vec::new();
        for scope in &request.scopes {
            let scope = token_like("scope", scope, 64)?;
            if scope != "openid" && !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        let break_glass = match request.break_glass.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => Some(self.break_glass_owner(name).await?),
            None => None,
        };
        if mode == SsoMode::SsoOnly && break_glass.is_none() {
            return Err(Error::Invalid(
                "with passwords off, name a break-glass owner who keeps a password, in case the identity provider fails".to_owned(),
            ));
        }
        Ok(SsoConfig {
            mode,
            label: label.to_owned(),
            issuer: checked_issuer(&request.issuer)?,
            client_id: token_like("client id", &request.client_id, 256)?,
            client_secret: None,
            scopes,
            username_claim: token_like("user name claim", &request.username_claim, 64)?,
            groups_claim: token_like("groups claim", &request.groups_claim, 64)?,
            provision: request.provision,
            break_glass,
        })
    }

    /// An enabled owner who signs in with a password (not bound to the provider).
    async fn break_glass_owner(&self, name: &str) -> Result<crate::domain::UserId> {
        let refuse = || {
            Error::Invalid(
                "the break-glass account must be an enabled owner who signs in with a password".to_owned(),
            )
        };
        let name = Username::parse(name).map_err(|_| refuse())?;
        let user = self.store.find_user_by_name(&name).await?.ok_or_else(refuse)?;
        let bound = self.store.find_identity_of(user.id).await?.is_some();
        if !user.role.is_owner() || user.disabled || bound || user.password_hash.is_empty() {
            return Err(refuse());
        }
        Ok(user.id)
    }

    async fn checked_mappings(
        &self,
        actor: &Actor,
        requested: &[SsoMappingRequest],
    ) -> Result<Vec<GroupMapping>> {
        if requested.len() > 500 {
            return Err(Error::Invalid("at most 500 mappings".to_owned()));
        }
        let teams = self.store.list_teams().await?;
        let mut mappings = Vec::with_capacity(requested.len());
        for m in requested {
            let group = checked_group(&m.group)?;
            let role = match m.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                Some(raw) => {
                    let slug = self.known_role(raw).await?;
                    let grants = self.store.role_grants(&slug).await?.ok_or(Error::NotFound)?;
                    guard::may_give(actor, RoleSide { slug: &slug, grants: &grants })
                        .map_err(|e| Error::NotAllowed(e.message()))?;
                    Some(slug)
                }
                None => None,
            };
            let team = match m.team {
                Some(id) if teams.iter().any(|t| t.id.get() == id) => Some(TeamId::new(id)),
                Some(_) => {
                    return Err(Error::Invalid(format!(
                        "the mapping of {group:?} names a team that does not exist"
                    )))
                }
                None => None,
            };
            if role.is_none() && team.is_none() {
                return Err(Error::Invalid(format!(
                    "the mapping of {group:?} gives neither a role nor a team"
                )));
            }
            mappings.push(GroupMapping { group, role, team });
        }
        Ok(mappings)
    }

    /// The single sign-on settings in force: IT's policy's when it pins them (with the client
    /// secret stored here, the one thing a policy file must not hold), else the saved ones.
    pub(super) async fn sso_config_in_force(&self) -> Result<Option<SsoConfig>> {
        let stored = self.store.find_sso_config().await?;
        let Some(p) = &self.policy.sso else { return Ok(stored) };
        let break_glass = match p.break_glass.as_deref().and_then(|n| Username::parse(n).ok()) {
            Some(name) => self
                .store
                .find_user_by_name(&name)
                .await?
                .filter(|u| u.role.is_owner() && !u.disabled)
                .map(|u| u.id),
            None => None,
        };
        Ok(Some(SsoConfig {
            mode: SsoMode::parse(&p.mode)?,
            label: p.label.clone(),
            issuer: p.issuer.clone(),
            client_id: p.client_id.clone(),
            client_secret: stored.and_then(|c| c.client_secret),
            scopes: p.scopes.iter().filter(|s| *s != "openid").cloned().collect(),
            username_claim: p.username_claim.clone(),
            groups_claim: p.groups_claim.clone(),
            provision: p.provision,
            break_glass,
        }))
    }

    /// The group mappings in force: the policy's (roles by slug, teams by name; one naming a
    /// role or team this store does not have is left out, and logged), else the saved ones.
    pub(super) async fn sso_mappings_in_force(&self) -> Result<Vec<GroupMapping>> {
        let Some(p) = &self.policy.sso else { return self.store.sso_mappings().await };
        let teams = self.store.list_teams().await?;
        let mut mappings = Vec::with_capacity(p.mappings.len());
        for (i, m) in p.mappings.iter().enumerate() {
            let role = match m.role.as_deref().map(crate::domain::RoleSlug::parse).transpose()? {
                Some(slug) if self.store.role_grants(&slug).await?.is_none() => {
                    tracing::warn!(
                        mapping = i,
                        "the IT policy maps a group to a role this store does not have"
                    );
                    continue;
                }
                other => other,
            };
            let team = match &m.team {
                Some(name) => match teams.iter().find(|t| t.name.eq_ignore_ascii_case(name.trim())) {
                    Some(t) => Some(t.id),
                    None => {
                        tracing::warn!(
                            mapping = i,
                            "the IT policy maps a group to a team this store does not have"
                        );
                        continue;
                    }
                },
                None => None,
            };
            mappings.push(GroupMapping { group: m.group.clone(), role, team });
        }
        Ok(mappings)
    }

    async fn sso_settings_view(&self) -> Result<SsoSettingsView> {
        let config = self.sso_config_in_force().await?;
        let teams = self.store.list_teams().await?;
        let mappings = self
            .sso_mappings_in_force()
            .await?
            .into_iter()
            .map(|m| SsoMappingView {
                team_name: m.team.and_then(|id| teams.iter().find(|t| t.id == id).map(|t| t.name.clone())),
                group: m.group,
                role: m.role.map(|r| r.as_str().to_owned()),
                team: m.team.map(TeamId::get),
            })
            .collect();
        let break_glass = match config.as_ref().and_then(|c| c.break_glass) {
            Some(id) => Some(self.store.get_user(id).await?.username),
            None => None,
        };
        let mut view = SsoSettingsView::build(config.as_ref(), break_glass, mappings);
        view.locked_by_policy = self.policy.sso.is_some();
        Ok(view)
    }
}

/// The mappings as the audit trail records them: `cs-agents=agent, store-york=team:2`.
fn mapping_summary(mappings: &[GroupMapping]) -> String {
    mappings
        .iter()
        .map(|m| {
            let role = m.role.as_ref().map(|r| r.as_str().to_owned());
            let team = m.team.map(|t| format!("team:{}", t.get()));
            let gives: Vec<String> = role.into_iter().chain(team).collect();
            format!("{}={}", m.group, gives.join("+"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl SsoSettingsView {
    fn build(config: Option<&SsoConfig>, break_glass: Option<String>, mappings: Vec<SsoMappingView>) -> Self {
        match config {
            Some(c) => Self {
                mode: c.mode.as_str(),
                label: c.label.clone(),
                issuer: c.issuer.clone(),
                client_id: c.client_id.clone(),
                client_secret_set: c.client_secret.is_some(),
                scopes: c.scopes.clone(),
                username_claim: c.username_claim.clone(),
                groups_claim: c.groups_claim.clone(),
                provision: c.provision,
                break_glass,
                mappings,
                locked_by_policy: false,
            },
            None => Self {
                mode: SsoMode::Off.as_str(),
                label: String::new(),
                issuer: String::new(),
                client_id: String::new(),
                client_secret_set: false,
                scopes: vec!["profile".to_owned(), "email".to_owned()],
                username_claim: "preferred_username".to_owned(),
                groups_claim: "groups".to_owned(),
                provision: true,
                break_glass: None,
                mappings,
                locked_by_policy: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::https("https://login.example.com/tenant/v2.0", true)]
    #[case::loopback_http("http://127.0.0.1:4000", true)]
    #[case::plain_http("http://idp.example.com", false)]
    #[case::query("https://idp.example.com/?x=1", false)]
    #[case::credentials("https://me:pw@idp.example.com", false)]
    #[case::not_a_url("idp.example.com", false)]
    fn issuers(#[case] raw: &str, #[case] ok: bool) {
        assert_eq!(checked_issuer(raw).is_ok(), ok, "{raw}");
    }
}
