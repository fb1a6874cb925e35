//! Guardrails against privilege escalation through roles. Pure, like [`super::decide`]; the
//! `api/` calls that create, edit, delete and assign roles run these after `decide` allowed
//! the action itself.
//!
//! - Nobody confers what they do not hold: a role one creates or edits grants nothing beyond
//!   one's own grants (each permission with at most one's own scope, and only labels one sees).
//! - Nobody changes a role, or a person's role, that holds more than they do: otherwise an
//!   admin could strip or take over a more powerful role.
//! - Built-in roles are templates and cannot be edited or deleted (clone one instead); the
//!   Owner role in particular cannot be edited away.
//! - Only owners (and IT's operator, who holds the data key) make or unmake owners, and the
//!   last enabled owner cannot be demoted or disabled.

use super::grants::RoleGrants;
use super::permission::Permission;
use super::Actor;
use crate::domain::RoleSlug;

/// Why a role change was refused. Safe to show to the admin who asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escalation {
    /// The change would confer, or touches a role holding, a permission the actor lacks (or
    /// holds with a narrower scope).
    NotHeld(Permission),
    /// The change would let a role see restricted labels the actor does not see.
    LabelsNotHeld,
    /// Built-in roles cannot be edited or deleted.
    BuiltinRole,
    /// Only owners make or unmake owners.
    OwnersOnly,
    /// The organisation would be left without an enabled owner.
    LastOwner,
}

impl Escalation {
    /// A message for the admin.
    pub fn message(self) -> String {
        match self {
            Self::NotHeld(p) => format!(
                "you cannot give or change a role with a permission you do not hold yourself ({})",
                p.as_str()
            ),
            Self::LabelsNotHeld => {
                "you cannot let a role see contact labels you do not see yourself".to_owned()
            }
            Self::BuiltinRole => {
                "built-in roles cannot be changed or deleted; clone one into a custom role".to_owned()
            }
            Self::OwnersOnly => {
                "only an owner can make someone an owner or change an owner's role".to_owned()
            }
            Self::LastOwner => "the organisation needs at least one enabled owner".to_owned(),
        }
    }
}

/// Whether `actor` holds everything `role` confers.
pub fn holds(actor: &Actor, role: &RoleGrants) -> Result<(), Escalation> {
    let grants = match actor {
        Actor::Operator => return Ok(()),
        Actor::User { grants, .. } => grants.conferred(),
        Actor::VerifiedWebhook | Actor::Anonymous | Actor::IdentityProvider => {
            return Err(Escalation::OwnersOnly)
        }
    };
    if let Some(p) = grants.first_not_covering(role) {
        return Err(Escalation::NotHeld(p));
    }
    if !grants.labels().includes(role.labels()) {
        return Err(Escalation::LabelsNotHeld);
    }
    Ok(())
}

/// Creating a custom role that confers `wanted`.
pub fn may_create(actor: &Actor, wanted: &RoleGrants) -> Result<(), Escalation> {
    holds(actor, wanted)
}

/// Changing a role from `current` to `wanted` (`builtin`: a built-in template).
pub fn may_edit(
    actor: &Actor,
    builtin: bool,
    current: &RoleGrants,
    wanted: &RoleGrants,
) -> Result<(), Escalation> {
    if builtin {
        return Err(Escalation::BuiltinRole);
    }
    holds(actor, current)?;
    holds(actor, wanted)
}

/// Deleting the custom role holding `current`.
pub fn may_delete(actor: &Actor, builtin: bool, current: &RoleGrants) -> Result<(), Escalation> {
    if builtin {
        return Err(Escalation::BuiltinRole);
    }
    holds(actor, current)
}

/// One side of a role assignment.
#[derive(Debug, Clone, Copy)]
pub struct RoleSide<'a> {
    /// The role's slug.
    pub slug: &'a RoleSlug,
    /// What it confers.
    pub grants: &'a RoleGrants,
}

/// Giving someone `to` as their first role (a new user), or offering it in a list of roles
/// the actor may give.
pub fn may_give(actor: &Actor, to: RoleSide<'_>) -> Result<(), Escalation> {
    if to.slug.is_owner() && !is_owner(actor) {
        return Err(Escalation::OwnersOnly);
    }
    holds(actor, to.grants)
}

fn is_owner(actor: &Actor) -> bool {
    match actor {
        Actor::Operator => true,
        Actor::User { grants, .. } => grants.role().is_owner(),
        Actor::VerifiedWebhook | Actor::Anonymous | Actor::IdentityProvider => false,
    }
}

/// Moving someone from role `from` to `to` (or, with `to == None`, disabling them).
/// `enabled_owners` counts the enabled owners now, the person included.
pub fn may_reassign(
    actor: &Actor,
    from: RoleSide<'_>,
    to: Option<RoleSide<'_>>,
    enabled_owners: usize,
) -> Result<(), Escalation> {
    let leaves_owners = from.slug.is_owner() && to.is_none_or(|to| !to.slug.is_owner());
    let becomes_owner = to.is_some_and(|to| to.slug.is_owner()) && !from.slug.is_owner();
    if (leaves_owners || becomes_owner) && !is_owner(actor) {
        return Err(Escalation::OwnersOnly);
    }
    if leaves_owners && enabled_owners <= 1 {
        return Err(Escalation::LastOwner);
    }
    holds(actor, from.grants)?;
    match to {
        Some(to) => holds(actor, to.grants),
        None => Ok(()),
    }
}
