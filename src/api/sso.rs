//! Signing in, and unlocking, with the organisation's identity provider (OpenID Connect; the
//! protocol is in `auth::oidc`, the loopback redirect in `auth::loopback`).
//!
//! What a sign-in does, in order:
//! 1. the network allowlist, as for passwords;
//! 2. the provider's answer: `state`, the code exchange, the ID token's checks;
//! 3. the person is found by issuer and subject (never by a name they can choose), or created
//!    when provisioning is on; their role and mapped teams follow their groups at every
//!    sign-in and unlock, each change audited. A person in no group that gives a role is
//!    refused, and a user already made for them loses their mapped teams and every session;
//! 4. the session opens like any other (same idle and absolute limits, lock, switching). If
//!    the provider's `amr` shows a second factor, it counts as this session's second factor;
//!    otherwise the local second-factor rules apply on top (a code or key if the user has one,
//!    enrolment if policy requires one).
//!
//! Teams no mapping names are left to administrators: mapping one group to a team must not
//! take people out of teams an administrator put them in by hand.
//!
//! Every refusal is a `session.sso_failed` audit event with its reason; the person is told the
//! reason in words that repeat nothing the provider or the browser sent.

use std::collections::BTreeSet;

use super::session::{name_key, Method, Origin, Resolved, SignedIn, Stage};
use super::views::MeView;
use super::Core;
use crate::audit::alerts::Rule;
use crate::audit::{AuditEvent, Kind};
use crate::auth::loopback::CallbackAnswer;
use crate::auth::oidc::{self, Begun, ClaimNames, ClientSettings, Identity, Pending};
use crate::auth::session::SessionToken;
use crate::authz::{act, audit_actor, Actor, AuditActor, Authorized};
use crate::clock::Timestamp;
use crate::domain::sso::{map_groups, Mapped, SsoConfig, SsoMode, SsoRefusal};
use crate::domain::{TeamId, UserId, Username};
use crate::error::{Error, Result};
use crate::store::users::{SessionOrigin, UserRecord};
use crate::store::WriteTx;

/// What the browser brought back to the redirect address (or why nothing usable came).
pub type Answer = std::result::Result<CallbackAnswer, SsoRefusal>;

/// How long a sign-in begun over the HTTP API waits to be finished.
const CLIENT_SIGN_IN_MS: i64 = 10 * 60 * 1000;
/// How many begun sign-ins the core keeps for HTTP API clients at once.
const MAX_CLIENT_SIGN_INS: usize = 256;

/// Sign-ins begun by HTTP API clients, by handle, until finished or expired. Their secrets
/// (PKCE verifier, nonce, state) never leave the core.
#[derive(Debug, Default)]
pub struct SignIns(std::sync::Mutex<std::collections::HashMap<String, Pending>>);

impl SignIns {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Pending>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A sign-in finished by an HTTP API client.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct FinishSsoRequest {
    /// The handle `begin` returned.
    pub sign_in: String,
    /// The query string the provider sent to the redirect (`code=…&state=…`, or `error=…`).
    pub redirect_query: String,
}

/// A sign-in begun by an HTTP API client.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct BeginSsoRequest {
    /// Where the provider sends the browser back: `http://127.0.0.1:<port>/…` on the client's
    /// machine, which the client listens on.
    pub redirect_uri: String,
}

/// A refusal and what the audit trail records with it.
struct Refused {
    refusal: SsoRefusal,
    user: Option<UserId>,
    provider_error: Option<String>,
}

impl From<SsoRefusal> for Refused {
    fn from(refusal: SsoRefusal) -> Self {
        Self { refusal, user: None, provider_error: None }
    }
}

/// A redirect URI a native app may use: `http` on a loopback IP literal (RFC 8252 §7.3).
fn loopback_redirect(raw: &str) -> Result<()> {
    let url =
        url::Url::parse(raw).map_err(|_| Error::Invalid("the redirect is not an address".to_owned()))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    if url.scheme() != "http" || !loopback || url.port().is_none() {
        return Err(Error::Invalid(
            "the redirect must be http://127.0.0.1:<port>/… on this computer".to_owned(),
        ));
    }
    Ok(())
}

impl Core {
    /// Begins a sign-in with the identity provider whose answer goes to `redirect_uri` (a
    /// loopback address the caller listens on): reads the provider's discovery document and
    /// keys, and returns the URL to open in the system browser.
    pub async fn begin_sso(&self, redirect_uri: &str) -> Result<Begun> {
        loopback_redirect(redirect_uri)?;
        let config = self.live_sso_config().await.map_err(Error::SsoFailed)?;
        let settings = ClientSettings {
            issuer: config.issuer.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret,
            scopes: config.scopes.clone(),
        };
        let http = oidc::http_client().map_err(|e| Error::SsoFailed(e.into()))?;
        match oidc::begin(&http, &settings, redirect_uri, self.clock.now()).await {
            Ok(begun) => Ok(begun),
            Err(e) => Err(self.sso_refused(Refused::from(SsoRefusal::from(e)), None).await?),
        }
    }

    /// Finishes a sign-in with what the provider sent back, and opens a session.
    pub async fn finish_sso(
        &self,
        pending: Pending,
        answer: Answer,
        origin: Origin,
        device: &str,
    ) -> Result<SignedIn> {
        let now = self.clock.now();
        let from = (origin, device);
        let allowlist = self.allowlist_in_force().await?;
        let addresses = super::network::addresses(origin);
        if !allowlist.permits_anyone(&addresses) {
            return Err(self.network_denied(None, from, now).await?);
        }
        let (identity, user) = match self.identify(pending, answer, now).await {
            Ok(found) => found,
            Err(refused) => return Err(self.sso_refused(refused, Some(from)).await?),
        };
        if !allowlist.permits_role(&user.role, &addresses) {
            return Err(self.network_denied(Some(user.id), from, now).await?);
        }
        let shown = identity.second_factor_shown();
        let label = origin.label();
        let opened_from = SessionOrigin {
            bound_to: origin,
            origin: &label,
            device: &super::session::device_label(device),
            second_factor_pending: !shown && self.has_second_factor(user.id).await?,
            provider_second_factor: shown,
        };
        let key = name_key(&user.username);
        self.open_session(user, Method::Sso, &key, &opened_from, now).await
    }

    /// Begins a sign-in for a client of the HTTP API (`countersign serve`, for a script or tool
    /// on a machine without the desktop app): the same flow, with the pending secrets kept in
    /// the core under a random handle for ten minutes.
    pub async fn begin_sso_for_client(&self, request: BeginSsoRequest) -> Result<super::views::SsoBegunView> {
        let begun = self.begin_sso(&request.redirect_uri).await?;
        let mut raw = [0_u8; 24];
        self.rng.fill(&mut raw);
        let handle: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let now = self.clock.now();
        let mut sign_ins = self.sso_sign_ins.lock();
        sign_ins.retain(|_, p| now.as_millis() - p.started_at.as_millis() < CLIENT_SIGN_IN_MS);
        if sign_ins.len() >= MAX_CLIENT_SIGN_INS {
            return Err(Error::Invalid(
                "too many sign-ins are waiting; try again in a few minutes".to_owned(),
            ));
        }
        sign_ins.insert(handle.clone(), begun.pending);
        Ok(super::views::SsoBegunView { authorize_url: begun.authorize_url.to_string(), sign_in: handle })
    }

    /// Finishes a sign-in begun with [`Core::begin_sso_for_client`] (once: the handle is spent).
    pub async fn finish_sso_for_client(
        &self,
        request: FinishSsoRequest,
        origin: Origin,
        device: &str,
    ) -> Result<SignedIn> {
        let pending = self.sso_sign_ins.lock().remove(&request.sign_in);
        let now = self.clock.now();
        let Some(pending) =
            pending.filter(|p| now.as_millis() - p.started_at.as_millis() < CLIENT_SIGN_IN_MS)
        else {
            return Err(self
                .sso_refused(Refused::from(SsoRefusal::TimedOut), Some((origin, device)))
                .await?);
        };
        let answer = CallbackAnswer::from_query(&request.redirect_query);
        self.finish_sso(pending, answer, origin, device).await
    }

    /// Unlocks a locked session by signing in at the provider again, as the session's user.
    /// Their groups are read again: one no longer mapped to a role ends the session.
    pub async fn unlock_with_sso(
        &self,
        token: &SessionToken,
        pending: Pending,
        answer: Answer,
    ) -> Result<MeView> {
        let r = self.resolve_inner(token, Stage::Any).await?;
        if !r.locked {
            return self
                .me_view(&r.user, &r.grants, r.second_factor_pending, false, r.provider_second_factor)
                .await;
        }
        let now = self.clock.now();
        let bound = self.store.find_identity_of(r.user.id).await?;
        let outcome = match self.verified_identity(pending, answer, now).await {
            Ok(identity) if bound.as_ref() == Some(&(identity.issuer.clone(), identity.subject.clone())) => {
                self.provision_or_sync(&identity, now).await?.map(|_| ())
            }
            Ok(_) => {
                Err(Refused { refusal: SsoRefusal::WrongPerson, user: Some(r.user.id), provider_error: None })
            }
            Err(refused) => Err(refused),
        };
        if let Err(refused) = outcome {
            return Err(self.sso_unlock_failed(&r, refused, now).await?);
        }
        // The sync may have changed the role: answer with what the user holds now.
        let r = self.resolve_inner(token, Stage::Any).await?;
        self.unlocked(&r, "sso").await
    }

    /// The settings, when single sign-on is on.
    async fn live_sso_config(&self) -> std::result::Result<SsoConfig, SsoRefusal> {
        match self.sso_config_in_force().await {
            Ok(Some(config)) if config.mode != SsoMode::Off => Ok(config),
            Ok(_) => Err(SsoRefusal::NotConfigured),
            Err(e) => {
                tracing::error!(error = %e, "reading the single sign-on settings failed");
                Err(SsoRefusal::Provider)
            }
        }
    }

    /// Whether `user`'s password (or a security key alone) must not sign them in: with single
    /// sign-on only, everyone but the break-glass owner; with single sign-on on at all, anyone
    /// bound to the provider. Someone the provider made must come through the provider, or a
    /// key they added here would keep them in after the provider removed them.
    pub(super) async fn password_sign_in_refused(&self, user: &UserRecord) -> Result<bool> {
        let Some(config) = self.sso_config_in_force().await?.filter(|c| c.mode != SsoMode::Off) else {
            return Ok(false);
        };
        let bound = self.store.find_identity_of(user.id).await?.is_some();
        Ok(bound || (config.mode == SsoMode::SsoOnly && config.break_glass != Some(user.id)))
    }

    /// The person the provider vouches for, and their user here (created or brought in line).
    async fn identify(
        &self,
        pending: Pending,
        answer: Answer,
        now: Timestamp,
    ) -> std::result::Result<(Identity, UserRecord), Refused> {
        let identity = self.verified_identity(pending, answer, now).await?;
        let user = self.provision_or_sync(&identity, now).await.map_err(|e| {
            tracing::error!(error = %e, "single sign-on provisioning failed");
            Refused::from(SsoRefusal::Provider)
        })??;
        Ok((identity, user))
    }

    async fn verified_identity(
        &self,
        pending: Pending,
        answer: Answer,
        now: Timestamp,
    ) -> std::result::Result<Identity, Refused> {
        let config = self.live_sso_config().await?;
        let (code, state) = match answer? {
            CallbackAnswer::Code { code, state } => (code, state),
            CallbackAnswer::Refused { error } => {
                return Err(Refused {
                    refusal: SsoRefusal::ProviderRefused,
                    user: None,
                    provider_error: Some(error),
                })
            }
        };
        let claims =
            ClaimNames { username: config.username_claim.clone(), groups: config.groups_claim.clone() };
        let http = oidc::http_client().map_err(SsoRefusal::from)?;
        let identity =
            oidc::finish(&http, pending, &state, &code, &claims, now).await.map_err(SsoRefusal::from)?;
        // Begun under settings an administrator has since changed: not this provider's answer.
        if identity.issuer != config.issuer {
            return Err(SsoRefusal::Token.into());
        }
        Ok(identity)
    }

    /// Finds the person's user, or creates it, and brings its role and mapped teams in line
    /// with their groups. The outer error is the store's; the inner, a refusal.
    async fn provision_or_sync(
        &self,
        identity: &Identity,
        now: Timestamp,
    ) -> Result<std::result::Result<UserRecord, Refused>> {
        let config = match self.live_sso_config().await {
            Ok(config) => config,
            Err(refusal) => return Ok(Err(refusal.into())),
        };
        let mappings = self.sso_mappings_in_force().await?;
        let managed: BTreeSet<TeamId> = mappings.iter().filter_map(|m| m.team).collect();
        let mapped = map_groups(&mappings, &identity.groups);
        let existing = self.store.find_user_by_identity(&identity.issuer, &identity.subject).await?;
        let proof = self.allow::<act::ProvisionUser>(&Actor::IdentityProvider, ()).await?;
        let refused = |refusal, user: Option<&UserRecord>| {
            Ok(Err(Refused { refusal, user: user.map(|u| u.id), provider_error: None }))
        };
        match (existing, &mapped.role) {
            (Some(user), _) if user.disabled => refused(SsoRefusal::Disabled, Some(&user)),
            (Some(user), None) => {
                self.remove_unmapped(&proof, &user, &managed, now).await?;
                refused(SsoRefusal::NoMappedGroup, Some(&user))
            }
            (None, None) => refused(SsoRefusal::NoMappedGroup, None),
            (None, Some(_)) if !config.provision => refused(SsoRefusal::NotProvisioned, None),
            (None, Some(role)) => {
                let Ok(name) = Username::parse(&identity.username) else {
                    return refused(SsoRefusal::Claims, None);
                };
                let mut tx = self.store.write().await?;
                let id = match tx
                    .provision_user(&proof, &name, role, (&identity.issuer, &identity.subject), now)
                    .await
                {
                    Ok(id) => id,
                    Err(Error::Conflict(_)) => return refused(SsoRefusal::NameTaken, None),
                    Err(e) => return Err(e),
                };
                let event = AuditEvent::new(AuditActor::IdentityProvider, Kind::UserProvisioned)
                    .target(format!("user:{}", id.get()))
                    .detail("role", role)
                    .detail("issuer", &identity.issuer)
                    .detail(
                        "teams",
                        super::people::team_list(&mapped.teams.iter().copied().collect::<Vec<_>>()),
                    );
                tx.audit(&event, now).await?;
                sync_teams(&mut tx, &proof, id, &managed, &mapped.teams, &BTreeSet::new(), now).await?;
                tx.commit().await?;
                Ok(Ok(self.store.get_user(id).await?))
            }
            (Some(user), Some(_)) => {
                self.sync_existing(&proof, &user, &mapped, &managed, now).await?;
                Ok(Ok(self.store.get_user(user.id).await?))
            }
        }
    }

    async fn sync_existing(
        &self,
        proof: &Authorized<act::ProvisionUser>,
        user: &UserRecord,
        mapped: &Mapped,
        managed: &BTreeSet<TeamId>,
        now: Timestamp,
    ) -> Result<()> {
        let have = self.store.teams_of(user.id).await?;
        let mut tx = self.store.write().await?;
        if let Some(role) = mapped.role.as_ref().filter(|r| **r != user.role) {
            // The provider cannot leave the organisation without an enabled owner.
            let last_owner = user.role.is_owner() && self.store.enabled_owners().await? <= 1;
            let before = self.store.role_grants(&user.role).await?;
            let after = self.store.role_grants(role).await?;
            if !last_owner {
                tx.sync_role(proof, user.id, role).await?;
                let event = AuditEvent::new(AuditActor::IdentityProvider, Kind::UserRoleSynced)
                    .target(format!("user:{}", user.id.get()))
                    .detail("before", &user.role)
                    .detail("after", role);
                tx.audit(&event, now).await?;
                if let (Some(before), Some(after)) = (before, after) {
                    if after.exceeds(&before) {
                        let alert = super::audit::escalation_alert(
                            &AuditActor::IdentityProvider,
                            user.role.as_str(),
                            role.as_str(),
                        );
                        tx.raise_alert(Rule::Escalation, alert, &format!("user:{}", user.id.get()), now)
                            .await?;
                    }
                }
            }
        }
        sync_teams(&mut tx, proof, user.id, managed, &mapped.teams, &have, now).await?;
        tx.touch_identity(proof, user.id, now).await?;
        tx.commit().await
    }

    /// Takes a user the provider no longer maps to a role out of every mapped team, and ends
    /// their sessions.
    async fn remove_unmapped(
        &self,
        proof: &Authorized<act::ProvisionUser>,
        user: &UserRecord,
        managed: &BTreeSet<TeamId>,
        now: Timestamp,
    ) -> Result<()> {
        let have = self.store.teams_of(user.id).await?;
        let mut tx = self.store.write().await?;
        sync_teams(&mut tx, proof, user.id, managed, &BTreeSet::new(), &have, now).await?;
        tx.end_unmapped_sessions(proof, user.id, now).await?;
        let event = AuditEvent::new(AuditActor::IdentityProvider, Kind::SessionRevokedAll)
            .target(format!("user:{}", user.id.get()))
            .detail("reason", SsoRefusal::NoMappedGroup.reason());
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// Records a refused sign-in and returns the error to give.
    async fn sso_refused(&self, refused: Refused, from: Option<(Origin, &str)>) -> Result<Error> {
        let mut event = AuditEvent::new(AuditActor::Anonymous, Kind::SessionSsoFailed)
            .target(refused.user.map_or_else(|| "user:unknown".to_owned(), |u| format!("user:{}", u.get())))
            .detail("reason", refused.refusal.reason());
        if let Some(error) = &refused.provider_error {
            event = event.detail("provider_error", error);
        }
        if let Some((origin, device)) = from {
            event = event.from(origin.label(), super::session::device_label(device));
        }
        let mut tx = self.store.write().await?;
        tx.audit(&event, self.clock.now()).await?;
        tx.commit().await?;
        Ok(Error::SsoFailed(refused.refusal))
    }

    async fn sso_unlock_failed(&self, r: &Resolved, refused: Refused, now: Timestamp) -> Result<Error> {
        let event = AuditEvent::new(audit_actor(&r.actor), Kind::SessionUnlockFailed)
            .target(format!("session:{}", r.session_id))
            .detail("method", "sso")
            .detail("reason", refused.refusal.reason());
        let mut tx = self.store.write().await?;
        tx.audit(&event, now).await?;
        tx.commit().await?;
        Ok(Error::SsoFailed(refused.refusal))
    }

    async fn network_denied(
        &self,
        user: Option<UserId>,
        (origin, device): (Origin, &str),
        now: Timestamp,
    ) -> Result<Error> {
        let mut event = AuditEvent::new(AuditActor::Anonymous, Kind::SessionLoginNetworkDenied)
            .from(origin.label(), super::session::device_label(device))
            .detail("method", "sso");
        event.target = user.map(|u| format!("user:{}", u.get()));
        let mut tx = self.store.write().await?;
        tx.audit(&event, now).await?;
        tx.commit().await?;
        Ok(Error::NetworkNotAllowed)
    }
}

/// Adds the user to the mapped teams they should be in and takes them out of the mapped teams
/// they should not, each change audited. Teams no mapping names are not touched.
async fn sync_teams(
    tx: &mut WriteTx,
    proof: &Authorized<act::ProvisionUser>,
    user: UserId,
    managed: &BTreeSet<TeamId>,
    want: &BTreeSet<TeamId>,
    have: &BTreeSet<TeamId>,
    now: Timestamp,
) -> Result<()> {
    for team in managed {
        let member = want.contains(team);
        if member == have.contains(team) {
            continue;
        }
        if tx.sync_team_member(proof, *team, user, member).await? {
            let event = AuditEvent::new(AuditActor::IdentityProvider, Kind::TeamMemberSynced)
                .target(format!("user:{}", user.get()))
                .detail("team", team.get())
                .detail("change", if member { "added" } else { "removed" });
            tx.audit(&event, now).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::loopback_v4("http://127.0.0.1:49152/callback", true)]
    #[case::loopback_v6("http://[::1]:49152/callback", true)]
    #[case::localhost_name("http://localhost:49152/callback", false)]
    #[case::no_port("http://127.0.0.1/callback", false)]
    #[case::https_elsewhere("https://evil.example/callback", false)]
    #[case::lan("http://192.168.1.5:8080/callback", false)]
    fn redirects(#[case] raw: &str, #[case] ok: bool) {
        assert_eq!(loopback_redirect(raw).is_ok(), ok, "{raw}");
    }
}
