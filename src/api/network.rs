//! The IP allowlist: reading and replacing it (administrators and IT), and the checks that
//! sign-in makes against it (see `auth::allowlist` for the rules).

use crate::audit::Kind;
use std::net::IpAddr;

use serde::Deserialize;

use super::session::Origin;
use super::views::{AllowEntryView, AllowlistView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::allowlist::{AllowEntry, Allowlist};
use crate::auth::session::SessionToken;
use crate::authz::{act, Actor};
use crate::error::{Error, Result};

/// One entry as an administrator writes it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AllowEntryRequest {
    /// `10.1.0.0/16`, `2001:db8::/32` or one address.
    pub cidr: String,
    /// `admin`, `manager` or `agent`; absent: everyone.
    pub role: Option<String>,
}

/// A new allowlist.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetAllowlistRequest {
    /// The entries; empty removes every restriction.
    pub entries: Vec<AllowEntryRequest>,
    /// Save even though the list would stop the administrator saving it from signing in again.
    #[serde(default)]
    pub confirm_lockout: bool,
}

/// The addresses a sign-in from `origin` is judged by.
pub(super) fn addresses(origin: Origin) -> Vec<IpAddr> {
    match origin {
        Origin::Network(ip) => vec![ip],
        // Standalone desktop: the PC's current addresses (a weaker control; see module docs).
        Origin::Desktop => {
            if_addrs::get_if_addrs().map(|l| l.into_iter().map(|i| i.ip()).collect()).unwrap_or_default()
        }
    }
}

impl Core {
    async fn parse_entries(&self, entries: Vec<AllowEntryRequest>) -> Result<Allowlist> {
        let mut list = Vec::with_capacity(entries.len());
        for e in entries {
            let role = match e.role.as_deref() {
                Some(role) => Some(self.known_role(role).await?),
                None => None,
            };
            list.push(AllowEntry::parse(&e.cidr, role)?);
        }
        Ok(Allowlist(list))
    }

    /// The allowlist (administrators).
    pub async fn allowlist(&self, token: &SessionToken) -> Result<AllowlistView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ConfigureSecurity>(&r.actor, ()).await?;
        Ok(AllowlistView::build(&self.allowlist_in_force().await?, self.policy.ip_allowlist.is_some()))
    }

    /// The allowlist sign-in is checked against: the policy's when it pins one.
    pub(super) async fn allowlist_in_force(&self) -> Result<Allowlist> {
        match &self.policy.ip_allowlist {
            Some(list) => Ok(list.clone()),
            None => self.store.allowlist().await,
        }
    }

    /// Replaces the allowlist (administrators). A list that would stop this administrator,
    /// from where they are now, signing in again is refused unless `confirm_lockout` is set.
    pub async fn set_allowlist(
        &self,
        token: &SessionToken,
        request: SetAllowlistRequest,
    ) -> Result<AllowlistView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ConfigureSecurity>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        let list = self.parse_entries(request.entries).await?;
        if !request.confirm_lockout && !list.permits(&r.user.role, &addresses(token.origin())) {
            return Err(Error::ConfirmationRequired(
                "this allowlist does not include the network you are on now: you could not sign in again from here. Confirm to save it anyway.".to_owned(),
            ));
        }
        self.replace_allowlist_as(&r.actor, &list).await?;
        Ok(AllowlistView::build(&list, false))
    }

    /// Replaces the allowlist, for IT at the machine.
    pub async fn operator_set_allowlist(&self, entries: Vec<AllowEntryRequest>) -> Result<AllowlistView> {
        let list = self.parse_entries(entries).await?;
        self.replace_allowlist_as(&Actor::Operator, &list).await?;
        Ok(AllowlistView::build(&list, false))
    }

    async fn replace_allowlist_as(&self, actor: &Actor, list: &Allowlist) -> Result<()> {
        let proof = self.allow::<act::ConfigureSecurity>(actor, ()).await?;
        if self.policy.ip_allowlist.is_some() {
            return Err(super::policy::pinned("The list of allowed networks"));
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.replace_allowlist(&proof, list).await?;
        let shown = list.0.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::SettingsAllowlist).detail("entries", shown),
            now,
        )
        .await?;
        tx.commit().await
    }
}

impl AllowEntryView {
    fn build(e: &AllowEntry) -> Self {
        Self { cidr: e.net.to_string(), role: e.role.as_ref().map(|r| r.as_str().to_owned()) }
    }
}

impl AllowlistView {
    /// The view of a list.
    pub fn build(list: &Allowlist, locked_by_policy: bool) -> Self {
        Self {
            entries: list.0.iter().map(AllowEntryView::build).collect(),
            locked_by_policy,
            desktop_note: "On a desktop without a server, this is checked against the PC's own addresses, which anyone using the PC can change: a weaker control than on the server, where the caller's address is checked.",
        }
    }
}
