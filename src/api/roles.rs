//! Roles: the permission catalog, built-in templates and custom roles, with the guardrails of
//! `authz::guard` (nobody confers what they do not hold; built-ins are fixed; owners stay).
//!
//! A custom role's grants are read on every call, so a change takes effect on its holders'
//! next call. Changing roles is a high-risk action: it needs a fresh second factor (step-up)
//! and is audited with the grants before and after.

use crate::audit::alerts::Rule;
use crate::audit::Kind;
use serde::Deserialize;

use super::views::{GrantView, ModuleView, PermissionView, RoleView, RolesView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::guard::{self, Escalation};
use crate::authz::{act, Actor, LabelAccess, Module, Permission, RoleGrants, Scope};
use crate::domain::{LabelId, RoleSlug};
use crate::error::{Error, Result};
use crate::store::access::{RoleRecord, RoleSpec};

/// One permission to grant.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct GrantRequest {
    /// Permission name (`conversations.reply`).
    pub permission: String,
    /// `own`, `team` or `all` for conversation and contact permissions; `team` if left out.
    pub scope: Option<String>,
}

/// A custom role to create, or the new state of one.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RoleRequest {
    /// Display name (2–60 characters).
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// What it grants.
    pub grants: Vec<GrantRequest>,
    /// Restricted labels it may see (label ids).
    #[serde(default)]
    pub labels: Vec<i64>,
}

/// Deleting a role that users still have.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DeleteRoleRequest {
    /// The role to move its users to first.
    pub reassign_to: Option<String>,
}

fn refused(e: Escalation) -> Error {
    Error::NotAllowed(e.message())
}

fn grants_view(grants: &RoleGrants) -> Vec<GrantView> {
    grants
        .permissions()
        .map(|(p, s)| GrantView { permission: p.as_str(), scope: p.scoped().then_some(s.as_str()) })
        .collect()
}

impl RoleView {
    fn build(role: &RoleRecord, viewer: &Actor) -> Self {
        let holds = guard::holds(viewer, &role.grants).is_ok();
        let side = guard::RoleSide { slug: &role.slug, grants: &role.grants };
        let (all_labels, labels) = match role.grants.labels() {
            LabelAccess::All => (true, Vec::new()),
            LabelAccess::Only(set) => (false, set.iter().map(|l| l.get()).collect()),
        };
        Self {
            slug: role.slug.as_str().to_owned(),
            name: role.name.clone(),
            description: role.description.clone(),
            builtin: role.builtin,
            editable: !role.builtin && holds,
            assignable: guard::may_give(viewer, side).is_ok(),
            grants: grants_view(&role.grants),
            all_labels,
            labels,
            users: role.users,
        }
    }
}

fn catalog() -> Vec<ModuleView> {
    let mut modules: Vec<ModuleView> = Vec::new();
    let mut current: Option<Module> = None;
    for p in Permission::ALL {
        if current != Some(p.module()) {
            current = Some(p.module());
            modules.push(ModuleView { label: p.module().label(), permissions: Vec::new() });
        }
        if let Some(m) = modules.last_mut() {
            m.permissions.push(PermissionView { name: p.as_str(), label: p.label(), scoped: p.scoped() });
        }
    }
    modules
}

/// Parses and validates a role request into its name, description and grants.
fn parse_request(request: &RoleRequest) -> Result<(String, String, RoleGrants)> {
    let name = request.name.trim().to_owned();
    if !(2..=60).contains(&name.chars().count()) {
        return Err(Error::Invalid("a role's name has 2 to 60 characters".to_owned()));
    }
    let description = request.description.trim().to_owned();
    if description.chars().count() > 300 {
        return Err(Error::Invalid("a role's description has at most 300 characters".to_owned()));
    }
    let mut permissions = Vec::with_capacity(request.grants.len());
    for g in &request.grants {
        let p: Permission = g.permission.parse()?;
        let scope = match g.scope.as_deref() {
            Some(s) => s.parse()?,
            None => Scope::Team,
        };
        permissions.push((p, scope));
    }
    let labels = LabelAccess::Only(request.labels.iter().copied().map(LabelId::new).collect());
    Ok((name, description, RoleGrants::new(permissions, labels)))
}

impl Core {
    /// A role slug that exists: built-in or custom.
    pub(crate) async fn known_role(&self, raw: &str) -> Result<RoleSlug> {
        let unknown = || {
            Error::Invalid(format!("there is no role called {:?}", raw.chars().take(40).collect::<String>()))
        };
        let slug = RoleSlug::parse(raw.trim()).map_err(|_| unknown())?;
        match self.store.role_grants(&slug).await? {
            Some(_) => Ok(slug),
            None => Err(unknown()),
        }
    }

    /// The permission catalog and every role (for those who may see roles).
    pub async fn roles(&self, token: &SessionToken) -> Result<RolesView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ViewRoles>(&r.actor, ()).await?;
        let roles = self.store.list_roles().await?;
        Ok(RolesView {
            catalog: catalog(),
            roles: roles.iter().map(|role| RoleView::build(role, &r.actor)).collect(),
        })
    }

    /// Creates a custom role (for cloning, send the grants of the role to clone). Needs
    /// step-up; nothing in it may go beyond the creator's own grants.
    pub async fn create_role(&self, token: &SessionToken, request: RoleRequest) -> Result<RoleView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageRoles>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        self.create_role_as(&r.actor, proof, request).await
    }

    /// Creates a custom role for IT at the machine (and the demo's organisation).
    pub async fn operator_create_role(&self, request: RoleRequest) -> Result<RoleView> {
        let proof = self.allow::<act::ManageRoles>(&Actor::Operator, ()).await?;
        self.create_role_as(&Actor::Operator, proof, request).await
    }

    async fn create_role_as(
        &self,
        actor: &Actor,
        proof: crate::authz::Authorized<act::ManageRoles>,
        request: RoleRequest,
    ) -> Result<RoleView> {
        let (name, description, grants) = parse_request(&request)?;
        guard::may_create(actor, &grants).map_err(refused)?;
        let slug = self.free_slug(&name).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let id = tx
            .insert_role(
                &proof,
                &slug,
                &RoleSpec { name: &name, description: &description, grants: &grants },
                now,
            )
            .await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::RoleCreate)
            .target(format!("role:{slug}"))
            .detail("after", grants_text(&grants));
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(role = id.get(), "role created");
        self.role_view(&slug, actor).await
    }

    /// Changes a custom role. Built-in roles cannot be changed; nobody changes a role holding
    /// more than they do, or makes it hold more than they do.
    pub async fn update_role(
        &self,
        token: &SessionToken,
        slug: &str,
        request: RoleRequest,
    ) -> Result<RoleView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageRoles>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        let role = self.role_record(slug).await?;
        let (name, description, grants) = parse_request(&request)?;
        guard::may_edit(&r.actor, role.builtin, &role.grants, &grants).map_err(refused)?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.update_role(
            &proof,
            role.id,
            &RoleSpec { name: &name, description: &description, grants: &grants },
            now,
        )
        .await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::RoleUpdate)
            .target(format!("role:{}", role.slug))
            .detail("before", grants_text(&role.grants))
            .detail("after", grants_text(&grants));
        tx.audit(&event, now).await?;
        if grants.exceeds(&role.grants) {
            let alert = super::audit::escalation_alert(
                proof.actor(),
                &grants_text(&role.grants),
                &grants_text(&grants),
            );
            tx.raise_alert(Rule::Escalation, alert, &format!("role:{}", role.slug), now).await?;
        }
        tx.commit().await?;
        self.role_view(&role.slug, &r.actor).await
    }

    /// Deletes a custom role; users who still have it are moved to `reassign_to` first, and
    /// without one a role in use is not deleted.
    pub async fn delete_role(
        &self,
        token: &SessionToken,
        slug: &str,
        request: DeleteRoleRequest,
    ) -> Result<()> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageRoles>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        let role = self.role_record(slug).await?;
        guard::may_delete(&r.actor, role.builtin, &role.grants).map_err(refused)?;
        let target = match request.reassign_to.as_deref() {
            Some(to) => {
                let to = self.role_record(to).await?;
                if to.slug == role.slug {
                    return Err(Error::Invalid("choose another role to move its users to".to_owned()));
                }
                let owners = self.store.enabled_owners().await?;
                let from = guard::RoleSide { slug: &role.slug, grants: &role.grants };
                guard::may_reassign(
                    &r.actor,
                    from,
                    Some(guard::RoleSide { slug: &to.slug, grants: &to.grants }),
                    owners,
                )
                .map_err(refused)?;
                Some(to)
            }
            None => None,
        };
        let (target, target_grants) = match target {
            Some(to) => (Some(to.slug), Some(to.grants)),
            None => (None, None),
        };
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let moved = tx.delete_role(&proof, &role.slug, target.as_ref()).await?;
        let mut event = AuditEvent::new(proof.actor().clone(), Kind::RoleDelete)
            .target(format!("role:{}", role.slug))
            .detail("before", grants_text(&role.grants))
            .detail("users_moved", moved);
        if let Some(to) = &target {
            event = event.detail("moved_to", to);
        }
        tx.audit(&event, now).await?;
        if let Some(to) = target_grants.filter(|to| moved > 0 && to.exceeds(&role.grants)) {
            let alert =
                super::audit::escalation_alert(proof.actor(), &grants_text(&role.grants), &grants_text(&to));
            tx.raise_alert(Rule::Escalation, alert, &format!("role:{}", role.slug), now).await?;
        }
        tx.commit().await
    }

    async fn role_record(&self, slug: &str) -> Result<RoleRecord> {
        let slug = RoleSlug::parse(slug).map_err(|_| Error::NotFound)?;
        self.store.find_role(&slug).await?.ok_or(Error::NotFound)
    }

    async fn role_view(&self, slug: &RoleSlug, viewer: &Actor) -> Result<RoleView> {
        let role = self.store.find_role(slug).await?.ok_or(Error::NotFound)?;
        Ok(RoleView::build(&role, viewer))
    }

    /// A slug for a new role named `name` that no role has yet.
    async fn free_slug(&self, name: &str) -> Result<RoleSlug> {
        let base = RoleSlug::from_name(name)
            .ok_or_else(|| Error::Invalid("a role's name needs some letters or digits".to_owned()))?;
        let taken: Vec<RoleSlug> = self.store.list_roles().await?.into_iter().map(|r| r.slug).collect();
        for n in 1..1000 {
            let candidate = if n == 1 { base.clone() } else { RoleSlug::parse(&format!("{base}_{n}"))? };
            if !taken.contains(&candidate) {
                return Ok(candidate);
            }
        }
        Err(Error::Conflict("too many roles with this name".to_owned()))
    }
}

/// The grants as the audit trail records them: `conversations.view:team,users.view`.
fn grants_text(grants: &RoleGrants) -> String {
    let mut parts: Vec<String> = grants
        .permissions()
        .map(
            |(p, s)| {
                if p.scoped() {
                    format!("{}:{}", p.as_str(), s.as_str())
                } else {
                    p.as_str().to_owned()
                }
            },
        )
        .collect();
    match grants.labels() {
        LabelAccess::All => parts.push("labels:all".to_owned()),
        LabelAccess::Only(set) if !set.is_empty() => parts.push(format!(
            "labels:{}",
            set.iter().map(|l| l.get().to_string()).collect::<Vec<_>>().join("+")
        )),
        LabelAccess::Only(_) => {}
    }
    parts.join(",")
}
