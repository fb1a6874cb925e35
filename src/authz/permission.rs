//! The permission catalog: one permission per thing a member of staff can do, grouped by the
//! feature module it belongs to. Names are stable (`conversations.reply`): they are stored in
//! custom roles, reported to the UI as capabilities and shown in the permission matrix.
//!
//! "View all teams" for conversations and contacts is not a separate permission: it is the
//! `all` [`Scope`] of `conversations.view` and `contacts.view`, so a role cannot hold both a
//! narrow and a wide version of the same thing.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// How far a conversation or contact permission reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Records assigned to the actor.
    Own,
    /// Records of the actor's teams, and their own.
    Team,
    /// Every record.
    All,
}

impl Scope {
    /// Every scope, narrowest first.
    pub const ALL: [Self; 3] = [Self::Own, Self::Team, Self::All];

    /// The stable name: `own`, `team`, `all`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Team => "team",
            Self::All => "all",
        }
    }
}

impl FromStr for Scope {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| Error::Invalid("a scope is one of: own, team, all".to_owned()))
    }
}

/// A feature module of the permission matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Module {
    /// The shared inbox.
    Conversations,
    /// Private notes.
    Notes,
    /// Escalations to a manager.
    Escalations,
    /// Customers.
    Contacts,
    /// Contact labels.
    Labels,
    /// Masked personal data.
    SensitiveData,
    /// Broadcast campaigns.
    Broadcasts,
    /// WhatsApp message templates.
    Templates,
    /// Routing rules and automations.
    Routing,
    /// The AI agent and its knowledge base.
    Ai,
    /// People, roles and teams.
    Administration,
    /// Security settings and the WhatsApp channel.
    Settings,
    /// The audit trail.
    Audit,
    /// Data export, retention, privacy requests, access reviews.
    Compliance,
}

impl Module {
    /// The heading shown in the permission matrix.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Conversations => "Conversations",
            Self::Notes => "Private notes",
            Self::Escalations => "Escalations",
            Self::Contacts => "Contacts",
            Self::Labels => "Contact labels",
            Self::SensitiveData => "Sensitive data",
            Self::Broadcasts => "Broadcasts",
            Self::Templates => "Message templates",
            Self::Routing => "Routing and automations",
            Self::Ai => "AI agent and knowledge base",
            Self::Administration => "Users, roles and teams",
            Self::Settings => "Settings",
            Self::Audit => "Audit log",
            Self::Compliance => "Data and compliance",
        }
    }
}

macro_rules! catalog {
    ($($variant:ident = $name:literal, $module:ident, $scoped:literal, $label:literal;)*) => {
        /// One feature-level permission.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Permission {
            $(
                #[doc = $label]
                $variant,
            )*
        }

        impl Permission {
            /// Every permission, in matrix order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The stable name (`conversations.reply`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// The module it belongs to.
            pub const fn module(self) -> Module {
                match self {
                    $(Self::$variant => Module::$module,)*
                }
            }

            /// Whether a grant of it carries a [`Scope`] (conversations and contacts).
            pub const fn scoped(self) -> bool {
                match self {
                    $(Self::$variant => $scoped,)*
                }
            }

            /// What it allows, for the permission matrix.
            pub const fn label(self) -> &'static str {
                match self {
                    $(Self::$variant => $label,)*
                }
            }
        }
    };
}

catalog! {
    ConversationsView = "conversations.view", Conversations, true, "View conversations and their messages";
    ConversationsReply = "conversations.reply", Conversations, true, "Reply to customers";
    ConversationsAssign = "conversations.assign", Conversations, true, "Assign conversations to agents";
    ConversationsTransfer = "conversations.transfer", Conversations, true, "Transfer conversations to another team";
    ConversationsClose = "conversations.close", Conversations, true, "Close and reopen conversations";
    NotesView = "notes.view", Notes, false, "Read private notes";
    NotesWrite = "notes.write", Notes, false, "Write private notes";
    EscalationsRequest = "escalations.request", Escalations, false, "Ask a manager to approve something";
    EscalationsApprove = "escalations.approve", Escalations, false, "Approve or refuse escalations";
    ContactsView = "contacts.view", Contacts, true, "View contacts";
    ContactsCreate = "contacts.create", Contacts, false, "Create contacts";
    ContactsEdit = "contacts.edit", Contacts, true, "Edit contacts";
    ContactsDelete = "contacts.delete", Contacts, true, "Delete contacts";
    ContactsExport = "contacts.export", Contacts, true, "Export contacts";
    ContactsAssign = "contacts.assign", Contacts, true, "Move contacts between teams and owners";
    LabelsApply = "labels.apply", Labels, false, "Put labels on contacts and take them off";
    LabelsManage = "labels.manage", Labels, false, "Create, change and delete labels and who sees them";
    RevealContactData = "sensitive.reveal_contact", SensitiveData, false, "Reveal phone numbers and e-mail addresses";
    RevealFinancialData = "sensitive.reveal_financial", SensitiveData, false, "Reveal card and bank numbers";
    RevealIdentityData = "sensitive.reveal_identity", SensitiveData, false, "Reveal identity numbers";
    RevealHealthData = "sensitive.reveal_health", SensitiveData, false, "Reveal health information";
    BroadcastsView = "broadcasts.view", Broadcasts, false, "View broadcasts";
    BroadcastsCreate = "broadcasts.create", Broadcasts, false, "Create broadcasts";
    BroadcastsSend = "broadcasts.send", Broadcasts, false, "Send broadcasts";
    TemplatesView = "templates.view", Templates, false, "View message templates";
    TemplatesManage = "templates.manage", Templates, false, "Create and change message templates";
    QuickRepliesManage = "quick_replies.manage", Templates, false, "Create and change quick replies";
    RoutingView = "routing.view", Routing, false, "View routing rules and automations";
    RoutingEdit = "routing.edit", Routing, false, "Edit routing rules and automations";
    AiView = "ai.view", Ai, false, "View the AI agent and knowledge base";
    AiConfigure = "ai.configure", Ai, false, "Configure the AI agent and knowledge base";
    UsersView = "users.view", Administration, false, "View users";
    UsersManage = "users.manage", Administration, false, "Add, disable and reset users; assign roles";
    RolesView = "roles.view", Administration, false, "View roles and their permissions";
    RolesManage = "roles.manage", Administration, false, "Create, change and delete custom roles";
    TeamsManage = "teams.manage", Administration, false, "Create teams and change their members";
    SecurityManage = "security.manage", Settings, false, "Change security settings and the IP allowlist";
    ChannelManage = "channel.manage", Settings, false, "Change the WhatsApp channel settings";
    AuditView = "audit.view", Audit, false, "View the audit log";
    AuditExport = "audit.export", Audit, false, "Export the audit log";
    DataExport = "data.export", Compliance, false, "Export organisation data";
    RetentionManage = "retention.manage", Compliance, false, "Set retention policies and legal holds";
    PrivacyRequests = "privacy.requests", Compliance, false, "Handle privacy requests (export, erase a contact)";
    AccessReviews = "access_reviews.manage", Compliance, false, "Run access reviews";
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| Error::Invalid(format!("there is no permission called {:?}", truncate(s))))
    }
}

/// At most 64 characters of untrusted input, for an error message.
fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_round_trip_and_name_their_module() {
        let names: HashSet<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names.len(), Permission::ALL.len());
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>().unwrap(), *p);
            assert!(
                p.scoped() == matches!(p.module(), Module::Conversations | Module::Contacts)
                    || *p == Permission::ContactsCreate
            );
        }
    }

    #[test]
    fn unknown_names_are_refused_without_echoing_much() {
        let err = "x".repeat(500).parse::<Permission>().unwrap_err().to_string();
        assert!(err.len() < 200, "{err}");
    }
}
