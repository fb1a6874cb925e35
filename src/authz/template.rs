//! The built-in role templates. Their grants live here, in code, not in the store: an upgrade
//! that adds a permission updates the templates everywhere, and nobody can edit a built-in
//! role into something its name no longer describes. To adapt one, clone it into a custom role.
//!
//! Owner holds every permission in the catalog (present and future) and every label; it is the
//! only role that may make or unmake owners. Admin holds everything but organisation-wide data
//! rules (retention), which stay with owners.

use super::grants::{LabelAccess, RoleGrants};
use super::permission::{Permission, Scope};

/// The slugs of the built-in roles, in the order screens list them.
pub const BUILTIN: [&str; 7] = ["owner", "admin", "manager", "agent", "sales", "marketing", "auditor"];

/// What the built-in role `slug` grants; `None` for a custom role.
pub fn template(slug: &str) -> Option<RoleGrants> {
    use Permission::*;
    use Scope::{All, Own, Team};
    let everything = || Permission::ALL.iter().map(|p| (*p, All));
    let grants = match slug {
        "owner" => RoleGrants::new(everything(), LabelAccess::All),
        "admin" => RoleGrants::new(everything().filter(|(p, _)| *p != RetentionManage), LabelAccess::All),
        "manager" => RoleGrants::new(
            [
                (ConversationsView, Team),
                (ConversationsReply, Team),
                (ConversationsAssign, Team),
                (ConversationsTransfer, Team),
                (ConversationsClose, Team),
                (NotesView, All),
                (NotesWrite, All),
                (EscalationsRequest, All),
                (EscalationsApprove, All),
                (ContactsView, Team),
                (ContactsCreate, All),
                (ContactsEdit, Team),
                (ContactsExport, Team),
                (ContactsAssign, Team),
                (LabelsApply, All),
                (RevealContactData, All),
                (BroadcastsView, All),
                (TemplatesView, All),
                (QuickRepliesManage, All),
                (RoutingView, All),
                (UsersView, All),
            ],
            LabelAccess::none(),
        ),
        "agent" => RoleGrants::new(
            [
                (ConversationsView, Team),
                (ConversationsReply, Team),
                (ConversationsAssign, Own),
                (ConversationsClose, Team),
                (NotesView, All),
                (NotesWrite, All),
                (EscalationsRequest, All),
                (ContactsView, Team),
                (ContactsCreate, All),
                (ContactsEdit, Team),
                (LabelsApply, All),
                (TemplatesView, All),
            ],
            LabelAccess::none(),
        ),
        "sales" => RoleGrants::new(
            [
                (ConversationsView, Team),
                (ConversationsReply, Own),
                (ConversationsAssign, Own),
                (NotesView, All),
                (NotesWrite, All),
                (EscalationsRequest, All),
                (ContactsView, Team),
                (ContactsCreate, All),
                (ContactsEdit, Own),
                (ContactsExport, Own),
                (LabelsApply, All),
                (BroadcastsView, All),
                (TemplatesView, All),
            ],
            LabelAccess::none(),
        ),
        "marketing" => RoleGrants::new(
            [
                (ContactsView, All),
                (ContactsExport, All),
                (LabelsApply, All),
                (LabelsManage, All),
                (BroadcastsView, All),
                (BroadcastsCreate, All),
                (BroadcastsSend, All),
                (TemplatesView, All),
                (TemplatesManage, All),
            ],
            LabelAccess::none(),
        ),
        "auditor" => RoleGrants::new(
            [(AuditView, All), (AuditExport, All), (UsersView, All), (RolesView, All)],
            LabelAccess::none(),
        ),
        _ => return None,
    };
    Some(grants)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_has_a_template_and_owner_holds_everything_anyone_holds() {
        let owner = template("owner").unwrap();
        for slug in BUILTIN {
            let grants = template(slug).unwrap_or_else(|| panic!("{slug} has no template"));
            assert_eq!(owner.first_not_covering(&grants), None, "{slug}");
        }
        assert!(template("store_leads").is_none());
    }

    #[test]
    fn the_auditor_only_reads() {
        let auditor = template("auditor").unwrap();
        let names: Vec<_> = auditor.permissions().map(|(p, _)| p.as_str()).collect();
        assert!(names.iter().all(|n| n.ends_with(".view") || n.ends_with(".export")), "{names:?}");
    }

    #[test]
    fn only_owners_set_retention() {
        for slug in BUILTIN {
            assert_eq!(template(slug).unwrap().scope(Permission::RetentionManage).is_some(), slug == "owner");
        }
    }
}
