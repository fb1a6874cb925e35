//! What use of each permission leaves in the trail, for access reviews (issue 11 point 2): a
//! permission whose evidence is absent from someone's last 90 days is flagged as unused. Pure.
//!
//! One exhaustive table: a new permission cannot be added without saying how its use shows,
//! or that it leaves no trace (seeing a list or a screen is not recorded, so it cannot be
//! flagged, only asked about).

use super::Kind;
use crate::authz::Permission;

/// What use of a permission shows in the trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Any of these kinds of event by the person.
    Kinds(&'static [Kind]),
    /// A reveal of this class of data (`data.reveal` naming it).
    Reveal(&'static str),
    /// Using it leaves no event of its own.
    None,
}

/// The evidence of using `p`.
pub fn evidence(p: Permission) -> Evidence {
    use Evidence::{Kinds, Reveal};
    use Kind as K;
    use Permission as P;
    match p {
        // Working on a conversation means having seen it.
        P::ConversationsView => Kinds(&[
            K::MessageSent,
            K::ConversationAssign,
            K::ConversationStatus,
            K::ConversationPriority,
            K::ConversationTransfer,
            K::NoteAdded,
            K::DataReveal,
        ]),
        P::ConversationsReply => Kinds(&[K::MessageSent]),
        P::ConversationsAssign => Kinds(&[K::ConversationAssign, K::ConversationPriority]),
        P::ConversationsTransfer => Kinds(&[K::ConversationTransfer]),
        P::ConversationsClose => Kinds(&[K::ConversationStatus]),
        P::NotesView | P::NotesWrite => Kinds(&[K::NoteAdded]),
        P::EscalationsRequest => Kinds(&[K::EscalationRequested]),
        P::EscalationsApprove => Kinds(&[K::EscalationApproved, K::EscalationRejected]),
        P::ContactsView => Kinds(&[
            K::ContactAssign,
            K::ContactFieldSet,
            K::ContactLifecycle,
            K::ContactConsent,
            K::ContactLabelAdd,
            K::ContactLabelRemove,
            K::ContactMerge,
        ]),
        P::ContactsCreate => Kinds(&[K::ContactsImport]),
        P::ContactsEdit => Kinds(&[K::ContactFieldSet, K::ContactLifecycle, K::ContactConsent]),
        P::ContactsDelete => Kinds(&[K::ContactMerge]),
        P::ContactsAssign => Kinds(&[K::ContactAssign]),
        P::LabelsApply => Kinds(&[K::ContactLabelAdd, K::ContactLabelRemove]),
        P::LabelsManage => Kinds(&[K::LabelCreate, K::LabelUpdate, K::LabelDelete]),
        P::RevealContactData => Reveal("contact"),
        P::RevealFinancialData => Reveal("financial"),
        P::RevealIdentityData => Reveal("identity"),
        P::RevealHealthData => Reveal("health"),
        P::TemplatesManage => Kinds(&[K::TemplateSaved, K::TemplateAudience, K::TemplatesSynced]),
        P::QuickRepliesManage => Kinds(&[K::QuickReplySaved, K::QuickReplyDeleted]),
        P::RoutingEdit => Kinds(&[K::RoutingRuleSaved, K::RoutingRuleDeleted, K::RoutingDefaultTeam]),
        P::UsersManage => Kinds(&[
            K::UserAdd,
            K::UserRole,
            K::UserDisable,
            K::UserEnable,
            K::UserPasswordReset,
            K::UserUnlocked,
            K::UserOffboarded,
            K::SessionRevokedAll,
        ]),
        P::RolesManage => Kinds(&[K::RoleCreate, K::RoleUpdate, K::RoleDelete]),
        P::TeamsManage => Kinds(&[
            K::TeamCreate,
            K::TeamRename,
            K::TeamHours,
            K::TeamDelete,
            K::TeamMemberAdd,
            K::TeamMemberRemove,
        ]),
        P::SecurityManage => Kinds(&[
            K::SettingsSecurity,
            K::SettingsAllowlist,
            K::SettingsSso,
            K::ContactFieldSave,
            K::ContactFieldDelete,
        ]),
        P::ChannelManage => Kinds(&[K::ChannelSet, K::ChannelDesktopIntake]),
        P::AuditView => Kinds(&[K::AuditViewed, K::AuditAlertAcknowledged, K::AuditVerified]),
        P::AuditExport => Kinds(&[K::AuditExported]),
        P::RetentionManage => Kinds(&[
            K::SettingsRetention,
            K::SettingsAuditRetention,
            K::RetentionHoldPlaced,
            K::RetentionHoldReleased,
            K::RetentionRunStarted,
        ]),
        P::PrivacyRequests => Kinds(&[K::PrivacyExported, K::PrivacyErased]),
        P::AccessReviews => Kinds(&[K::AccessReviewStarted, K::AccessReviewClosed]),
        // Seeing lists and screens, and features not built yet.
        P::ContactsExport
        | P::BroadcastsView
        | P::BroadcastsCreate
        | P::BroadcastsSend
        | P::TemplatesView
        | P::RoutingView
        | P::AiView
        | P::AiConfigure
        | P::UsersView
        | P::RolesView
        | P::DataExport => Evidence::None,
    }
}

/// Whether an event (`action`, `detail`) by the person is evidence of using `p`.
pub fn shows_use(p: Permission, action: &str, detail: &str) -> bool {
    match evidence(p) {
        Evidence::Kinds(kinds) => kinds.iter().any(|k| k.name() == action),
        Evidence::Reveal(class) => {
            action == Kind::DataReveal.name()
                && super::detail_value(detail, "classes").is_some_and(|c| c.split('+').any(|x| x == class))
        }
        Evidence::None => false,
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::a_reply(Permission::ConversationsReply, "message.sent", "", true)]
    #[case::a_reply_is_not_an_approval(Permission::EscalationsApprove, "message.sent", "", false)]
    #[case::a_financial_reveal(
        Permission::RevealFinancialData,
        "data.reveal",
        "classes=contact+financial;reason=x",
        true
    )]
    #[case::a_contact_reveal_is_not_a_financial_one(
        Permission::RevealFinancialData,
        "data.reveal",
        "classes=contact",
        false
    )]
    #[case::viewing_leaves_no_trace(Permission::UsersView, "user.add", "", false)]
    fn an_event_shows_use_of_the_permission_it_needs(
        #[case] p: Permission,
        #[case] action: &str,
        #[case] detail: &str,
        #[case] used: bool,
    ) {
        assert_eq!(shows_use(p, action, detail), used);
    }
}
