//! Who may see which classes of personal data unmasked, and who may approve a reveal. Pure.
//!
//! A role reveals a class with that class's permission. An organisation may require a
//! manager's approval for a class: then the permission alone reveals it only to someone who
//! may approve requests themselves (a manager's own reveals are still audited); everyone else
//! asks, and an approval lets the one who asked reveal the classes it names on that
//! conversation for as long as the organisation set (`reveal_approval_minutes`, 15 by default),
//! whatever their role's reveal permissions.
//!
//! Approving needs the approve permission, each class's reveal permission (nobody hands out
//! a sight they do not have, as with roles in [`super::guard`]), and someone else's request:
//! nobody approves their own.

use super::{reveal_permission, Grants, Permission};
use crate::domain::UserId;
use crate::mask::ClassSet;

/// The classes `grants` reveal without asking, where the organisation has a manager approve
/// `needs_approval`.
pub fn standing(grants: &Grants, needs_approval: ClassSet) -> ClassSet {
    let held = ClassSet::of(|class| grants.has(reveal_permission(class)));
    if grants.has(Permission::EscalationsApprove) {
        held
    } else {
        held.without(needs_approval)
    }
}

/// The classes `grants` reveal on a conversation for which `approved` was granted to them.
pub fn revealable(grants: &Grants, needs_approval: ClassSet, approved: ClassSet) -> ClassSet {
    standing(grants, needs_approval).union(approved)
}

/// Why someone may not answer a request (the text is safe to show them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotDecidable {
    /// It is their own request.
    OwnRequest,
    /// They may not reveal one of the classes it asks for.
    WiderThanOwn,
}

impl std::fmt::Display for NotDecidable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::OwnRequest => "you cannot approve your own request: another manager must answer it",
            Self::WiderThanOwn => {
                "this asks to reveal data your own role may not reveal: a manager who may must answer it"
            }
        })
    }
}

/// Whether `approver` (with `grants`, who may decide escalations on the conversation) may
/// answer a request by `requester` to reveal `classes`. Refusing is held to the same rule as
/// approving: the answer belongs to someone who could have said yes.
pub fn may_decide(
    approver: UserId,
    grants: &Grants,
    requester: UserId,
    classes: ClassSet,
) -> Result<(), NotDecidable> {
    if approver == requester {
        return Err(NotDecidable::OwnRequest);
    }
    if classes.iter().any(|class| !grants.has(reveal_permission(class))) {
        return Err(NotDecidable::WiderThanOwn);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::{template, LabelAccess, RoleGrants, Scope};
    use crate::domain::{RoleSlug, TeamId};
    use rstest::rstest;

    fn role(slug: &str) -> Grants {
        Grants::new(RoleSlug::parse(slug).unwrap(), template::template(slug).unwrap(), [TeamId::new(1)])
    }

    fn custom(permissions: &[Permission]) -> Grants {
        let grants = RoleGrants::new(
            permissions.iter().map(|&p| (p, Scope::All)),
            LabelAccess::Only(Default::default()),
        );
        Grants::new(RoleSlug::parse("custom").unwrap(), grants, [TeamId::new(1)])
    }

    fn set(names: &str) -> ClassSet {
        ClassSet::parse([names]).unwrap()
    }

    #[rstest]
    #[case::agent_reveals_nothing(role("agent"), "", "", "")]
    #[case::agent_reveals_what_was_approved(role("agent"), "financial", "financial", "financial")]
    #[case::owner_reveals_everything(role("owner"), "", "", "contact,financial,identity,health")]
    #[case::approvers_reveal_without_asking(
        role("owner"),
        "financial,identity",
        "",
        "contact,financial,identity,health"
    )]
    #[case::permission_alone_no_longer_reveals_an_approved_class(
        custom(&[Permission::RevealFinancialData, Permission::RevealContactData]),
        "financial",
        "",
        "contact"
    )]
    #[case::approval_adds_to_the_permission(
        custom(&[Permission::RevealContactData]),
        "financial",
        "financial",
        "contact,financial"
    )]
    fn what_is_shown_unmasked(
        #[case] grants: Grants,
        #[case] needs_approval: &str,
        #[case] approved: &str,
        #[case] shown: &str,
    ) {
        assert_eq!(revealable(&grants, set(needs_approval), set(approved)), set(shown));
    }

    #[rstest]
    #[case::manager_approves_a_contact_reveal(role("manager"), 2, "contact", Ok(()))]
    #[case::store_manager_may_not_approve_a_card_reveal(
        role("manager"),
        2,
        "financial",
        Err(NotDecidable::WiderThanOwn)
    )]
    #[case::admin_approves_a_card_reveal(role("admin"), 2, "financial", Ok(()))]
    #[case::nobody_approves_their_own(role("owner"), 1, "contact", Err(NotDecidable::OwnRequest))]
    #[case::nobody_hands_out_a_sight_they_lack(
        custom(&[Permission::EscalationsApprove, Permission::RevealContactData]),
        2,
        "contact,identity",
        Err(NotDecidable::WiderThanOwn)
    )]
    #[case::a_plain_escalation_needs_no_class(role("manager"), 2, "", Ok(()))]
    fn who_may_answer(
        #[case] grants: Grants,
        #[case] requester: i64,
        #[case] classes: &str,
        #[case] expected: Result<(), NotDecidable>,
    ) {
        assert_eq!(may_decide(UserId::new(1), &grants, UserId::new(requester), set(classes)), expected);
    }
}
