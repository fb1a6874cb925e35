//! Authorization: pure, default deny (DESIGN §2, §3.2–3.3).
//!
//! [`decide`] is a pure function with an exhaustive `match` on [`Action`] — no `_` arm — so a
//! new action does not compile until its rule is written. Actions on one conversation or
//! contact are decided with its [`Placement`] (team, assignee, restricted labels), which the
//! caller loads first; without one they are refused. [`authorize`] and [`authorize_on`] turn
//! an `Allow` into an [`Authorized<A>`] proof: its fields are private, it records the actor and
//! the resource it was issued for, and every mutating repository method in `store/` demands
//! one. Lists get an [`Authorized`] proof holding their [`ListScope`], which the store turns
//! into its `WHERE` clause, so a list can only be read cut to what the actor may see.
//!
//! Roles: built-in templates ([`template`]) and custom roles (grants stored by the admin). The
//! guardrails against privilege escalation are in [`guard`].

mod grants;
pub mod guard;
mod permission;
pub mod reveal;
pub mod sending;
pub mod template;

use std::fmt::Debug;
use std::marker::PhantomData;

pub use grants::{Grants, LabelAccess, ListScope, Placement, RoleGrants};
pub use permission::{Module, Permission, Scope};

use crate::domain::{ContactId, ConversationId, UserId};
use crate::mask::DataClass;

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in member of staff.
    User {
        /// Their id.
        id: UserId,
        /// What their role grants, and their teams.
        grants: Grants,
        /// The session they act through (none while one is being opened), so the audit trail
        /// can say where each action came from.
        session: Option<i64>,
    },
    /// IT on this machine, holding the data key (the `countersign` CLI).
    Operator,
    /// A webhook delivery whose signature has been verified with the app secret.
    VerifiedWebhook,
    /// Someone not signed in (a sign-in attempt).
    Anonymous,
    /// A sign-in the organisation's identity provider vouched for: its ID token was verified
    /// against the configured provider (single sign-on). It may only create and re-synchronise
    /// the user that token names.
    IdentityProvider,
}

/// Everything the core can be asked to do that needs a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// See the list of conversations (cut to the actor's scope).
    ListConversations,
    /// Open one conversation and read its messages.
    ReadConversation,
    /// Send a message in a conversation.
    SendMessage,
    /// Assign a conversation to an agent (or take it back to the team queue).
    AssignConversation,
    /// Move a conversation to another team.
    TransferConversation,
    /// Mark a conversation open, pending or resolved, or snooze it.
    SetConversationStatus,
    /// Change a conversation's priority in the team's queue.
    SetConversationPriority,
    /// Read a conversation's private notes.
    ReadNotes,
    /// Write a private note in a conversation.
    WriteNote,
    /// See the notes that mention oneself.
    ListOwnMentions,
    /// Search the messages of the conversations one sees.
    SearchMessages,
    /// Search the private notes of the conversations one sees.
    SearchNotes,
    /// Write and delete quick replies (for the teams one may: see `api::quick_replies`).
    ManageQuickReplies,
    /// See the routing rules, and try a message against them.
    ViewRouting,
    /// Write, reorder and delete routing rules; choose the default team.
    EditRouting,
    /// Answer a customer automatically, as a routing rule says (the installation's own intake,
    /// for a verified delivery: it sends only what an administrator's rule wrote).
    AutoReply,
    /// See the list of contacts (cut to the actor's scope).
    ListContacts,
    /// Open one contact.
    ReadContact,
    /// Move a contact to another team or owner.
    AssignContact,
    /// Put a label on a contact or take it off.
    LabelContact,
    /// Change the values of a contact's fields.
    EditContact,
    /// See a contact's fields unmasked for a while, giving a reason (the classes of data the
    /// actor may reveal).
    RevealContact,
    /// Define the fields kept about contacts and their sensitivity classes.
    ManageContactFields,
    /// Create contacts from a file (each row is placed only where the actor may edit it).
    ImportContacts,
    /// Merge a contact into another (it goes; the other keeps everything of both).
    MergeContact,
    /// See the names of teams and labels (to filter, transfer, label).
    ViewDirectory,
    /// See the users, their roles and teams.
    ViewUsers,
    /// Create users, change their roles, disable them, reset their passwords.
    ManageUsers,
    /// Offboard someone in one action: disable them, end their sessions, remove their security
    /// keys and authenticator, take them out of their teams, hand their open conversations and
    /// contacts on, and read their high-risk actions for the report.
    OffboardUser,
    /// See the roles and what they grant.
    ViewRoles,
    /// Create, change and delete custom roles.
    ManageRoles,
    /// Create teams and change their members.
    ManageTeams,
    /// Create, change and delete labels and who may see them.
    ManageLabels,
    /// Change the security settings and the IP allowlist.
    ConfigureSecurity,
    /// Connect the WhatsApp channel and change its secrets.
    ConfigureChannel,
    /// See the message-template catalog.
    ViewTemplates,
    /// Synchronise the catalog, or enter templates by hand.
    ManageTemplates,
    /// Send an approved template in a conversation.
    SendTemplate,
    /// See a message of a conversation unmasked for a while, giving a reason (the classes of
    /// data the actor may reveal).
    RevealMessage,
    /// Store what a signed webhook delivery carried.
    IngestDelivery,
    /// Send what the outbox holds and record the outcome (the installation's own sender: it
    /// sends only what an authorized call committed).
    DeliverOutbox,
    /// Download the media customers sent and keep it (the installation's own fetcher: it
    /// fetches only what a verified webhook named).
    FetchMedia,
    /// Start a session for an authenticated user.
    OpenSession,
    /// End one's own session.
    CloseSession,
    /// Change one's own password.
    ChangeOwnPassword,
    /// Count a failed sign-in attempt.
    RecordSignInFailure,
    /// Write an encrypted backup of the whole store (IT at the machine, holding the data key).
    BackUp,
    /// Create a user from a single sign-on, or bring their role and teams in line with the
    /// provider's groups (the identity provider's own action, never a person's).
    ProvisionUser,
    /// Set up one's own second factors.
    ManageOwnSecondFactor,
    /// Finish signing in with a second factor, or prove it again (step-up).
    CompleteSignIn,
    /// Lock and unlock one's own session (a shared PC).
    LockSession,
    /// End a session presented from somewhere it was not issued to (a stolen token).
    RevokeMisusedSession,
    /// Begin or finish a security-key challenge (signed in, or signing in without a password).
    RunKeyCeremony,
    /// Ask a manager to approve something about a conversation (a reveal of masked data).
    RequestEscalation,
    /// Approve or refuse a request about a conversation (not one's own: [`reveal`]).
    DecideEscalation,
    /// See one's own requests and their answers (cut to the conversations one sees).
    ListOwnEscalations,
    /// See the requests waiting for a manager (cut to the conversations one sees).
    ReviewEscalations,
    /// Check that the audit trail is whole and unchanged.
    VerifyAudit,
    /// Search and read the audit trail.
    ViewAudit,
    /// Export the audit trail to a file (with step-up).
    ExportAudit,
    /// Mark an alert about unusual activity as looked at.
    AcknowledgeAlert,
    /// Set how long the audit trail, message content and files are kept; place and release
    /// legal holds; start a purge now.
    ManageRetention,
    /// Purge audit events older than the retention period (the app and IT only).
    PurgeAudit,
    /// Start, follow, close and export access review campaigns.
    ManageAccessReviews,
    /// Confirm or revoke access in a review (the core checks the item is the reviewer's).
    ReviewAccess,
    /// Export everything held about a contact, or erase it, for a privacy request (with
    /// step-up; erasure also needs the contact's name typed and no legal hold on them).
    HandlePrivacyRequest,
    /// Remove message content, files and raw webhook bodies past the retention policy, except
    /// what a legal hold keeps (the app and IT only: a person sets the policy, not the purge).
    PurgeContent,
    /// Fill a new, empty store with made-up conversations to measure it (IT only).
    GenerateLoad,
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// The actor's role lacks the permission.
    MissingPermission(Permission),
    /// The permission is held, but not for this record (another team, someone else's).
    OutOfScope(Permission),
    /// An action on one record was asked without the record's placement.
    NoPlacement,
    /// This kind of actor never does this.
    WrongActor,
    /// A label on the contact (or the template's audience) rules out what was to be sent
    /// ([`sending`]).
    LabelRule,
    /// The data may be revealed only with a manager's approval ([`reveal`]), not yet given.
    NeedsApproval,
    /// The request is the actor's own, or asks for more than their role may reveal
    /// ([`reveal::may_decide`]).
    NotTheirsToDecide,
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// Refused, with the reason (for the log and the audit trail, never shown to the actor).
    Deny(DenyReason),
}

/// The rule for every action. Pure; no I/O. `on` is the placement of the conversation or
/// contact the action concerns, for the actions that concern one.
pub fn decide(actor: &Actor, action: Action, on: Option<&Placement>) -> Decision {
    use Permission as P;
    match action {
        Action::ListConversations => needs(actor, P::ConversationsView),
        Action::ReadConversation => needs_on(actor, P::ConversationsView, on),
        Action::SendMessage => {
            both(needs_on(actor, P::ConversationsView, on), needs_on(actor, P::ConversationsReply, on))
        }
        Action::AssignConversation => {
            both(needs_on(actor, P::ConversationsView, on), needs_on(actor, P::ConversationsAssign, on))
        }
        Action::TransferConversation => {
            both(needs_on(actor, P::ConversationsView, on), needs_on(actor, P::ConversationsTransfer, on))
        }
        Action::SetConversationStatus => {
            both(needs_on(actor, P::ConversationsView, on), needs_on(actor, P::ConversationsClose, on))
        }
        // Putting a conversation ahead of others in the queue is triage, like assigning it.
        Action::SetConversationPriority => {
            both(needs_on(actor, P::ConversationsView, on), needs_on(actor, P::ConversationsAssign, on))
        }
        Action::ReadNotes => both(needs_on(actor, P::ConversationsView, on), needs(actor, P::NotesView)),
        Action::WriteNote => both(needs_on(actor, P::ConversationsView, on), needs(actor, P::NotesWrite)),
        // Each mention is shown only while its conversation is still the reader's to read.
        Action::ListOwnMentions => needs(actor, P::NotesView),
        Action::SearchMessages => needs(actor, P::ConversationsView),
        Action::SearchNotes => both(needs(actor, P::ConversationsView), needs(actor, P::NotesView)),
        Action::ManageQuickReplies => needs(actor, P::QuickRepliesManage),
        Action::ViewRouting => operator_or(actor, P::RoutingView),
        // Rules decide which store's staff see a customer: a change of them is audited with
        // what the rule said before and after.
        Action::EditRouting => operator_or(actor, P::RoutingEdit),
        Action::AutoReply => match actor {
            Actor::VerifiedWebhook => Decision::Allow,
            Actor::User { .. } | Actor::Operator | Actor::Anonymous | Actor::IdentityProvider => {
                Decision::Deny(DenyReason::WrongActor)
            }
        },
        Action::ListContacts => needs(actor, P::ContactsView),
        Action::ReadContact => needs_on(actor, P::ContactsView, on),
        Action::AssignContact => {
            both(needs_on(actor, P::ContactsView, on), needs_on(actor, P::ContactsAssign, on))
        }
        Action::LabelContact => both(needs_on(actor, P::ContactsView, on), needs(actor, P::LabelsApply)),
        Action::EditContact => {
            both(needs_on(actor, P::ContactsView, on), needs_on(actor, P::ContactsEdit, on))
        }
        // Which classes are shown is decided per class ([`reveal::revealable`]): the role's
        // reveal permissions, and what a manager approved for someone who asked.
        Action::RevealContact => both(needs_on(actor, P::ContactsView, on), needs_any(actor, &REVEALERS)),
        // A field's class decides who may reveal its values: changing one is a security setting.
        Action::ManageContactFields => operator_or(actor, P::SecurityManage),
        Action::ImportContacts => operator_or(actor, P::ContactsCreate),
        // On the duplicate, which is deleted; the kept one needs EditContact.
        Action::MergeContact => {
            both(needs_on(actor, P::ContactsView, on), needs_on(actor, P::ContactsDelete, on))
        }
        Action::ViewUsers => needs(actor, P::UsersView),
        Action::ViewRoles => needs(actor, P::RolesView),
        Action::ManageUsers | Action::OffboardUser => operator_or(actor, P::UsersManage),
        Action::ManageRoles => operator_or(actor, P::RolesManage),
        Action::ManageTeams => operator_or(actor, P::TeamsManage),
        Action::ManageLabels => needs(actor, P::LabelsManage),
        Action::ConfigureSecurity => operator_or(actor, P::SecurityManage),
        Action::ConfigureChannel => operator_or(actor, P::ChannelManage),
        Action::ViewTemplates => needs(actor, P::TemplatesView),
        Action::ManageTemplates => operator_or(actor, P::TemplatesManage),
        Action::RevealMessage => {
            both(needs_on(actor, P::ConversationsView, on), needs_any(actor, &REVEALERS))
        }
        Action::RequestEscalation => {
            both(needs_on(actor, P::ConversationsView, on), needs(actor, P::EscalationsRequest))
        }
        Action::DecideEscalation => {
            both(needs_on(actor, P::ConversationsView, on), needs(actor, P::EscalationsApprove))
        }
        Action::ListOwnEscalations => {
            both(needs(actor, P::ConversationsView), needs(actor, P::EscalationsRequest))
        }
        Action::ReviewEscalations => {
            both(needs(actor, P::ConversationsView), needs(actor, P::EscalationsApprove))
        }
        Action::VerifyAudit | Action::ViewAudit => operator_or(actor, P::AuditView),
        Action::ExportAudit => operator_or(actor, P::AuditExport),
        Action::AcknowledgeAlert => operator_or(actor, P::AuditView),
        Action::ManageRetention => operator_or(actor, P::RetentionManage),
        // For whoever answers data-protection requests, across teams: a customer asks the
        // business, not a store.
        Action::HandlePrivacyRequest => operator_or(actor, P::PrivacyRequests),
        Action::ManageAccessReviews => operator_or(actor, P::AccessReviews),
        // Anyone may be asked to review; which items are theirs is the core's to check.
        Action::ReviewAccess => match actor {
            Actor::User { .. } => Decision::Allow,
            Actor::Operator | Actor::VerifiedWebhook | Actor::Anonymous | Actor::IdentityProvider => {
                Decision::Deny(DenyReason::WrongActor)
            }
        },
        Action::SendTemplate => both(
            both(needs_on(actor, P::ConversationsView, on), needs_on(actor, P::ConversationsReply, on)),
            needs(actor, P::TemplatesView),
        ),
        Action::DeliverOutbox
        | Action::FetchMedia
        | Action::PurgeAudit
        | Action::PurgeContent
        | Action::GenerateLoad
        | Action::BackUp => match actor {
            Actor::Operator => Decision::Allow,
            Actor::User { .. } | Actor::VerifiedWebhook | Actor::Anonymous | Actor::IdentityProvider => {
                Decision::Deny(DenyReason::WrongActor)
            }
        },
        Action::IngestDelivery => match actor {
            Actor::VerifiedWebhook => Decision::Allow,
            Actor::User { .. } | Actor::Operator | Actor::Anonymous | Actor::IdentityProvider => {
                Decision::Deny(DenyReason::WrongActor)
            }
        },
        Action::ProvisionUser => match actor {
            Actor::IdentityProvider => Decision::Allow,
            Actor::User { .. } | Actor::Operator | Actor::VerifiedWebhook | Actor::Anonymous => {
                Decision::Deny(DenyReason::WrongActor)
            }
        },
        // Authentication already happened; any enabled user may hold sessions, change their
        // own password and factors, and see the names of teams and labels.
        Action::ViewDirectory
        | Action::OpenSession
        | Action::CloseSession
        | Action::ChangeOwnPassword
        | Action::ManageOwnSecondFactor
        | Action::CompleteSignIn
        | Action::LockSession => match actor {
            Actor::User { .. } => Decision::Allow,
            Actor::Operator | Actor::VerifiedWebhook | Actor::Anonymous | Actor::IdentityProvider => {
                Decision::Deny(DenyReason::WrongActor)
            }
        },
        Action::RunKeyCeremony => match actor {
            Actor::User { .. } | Actor::Anonymous => Decision::Allow,
            Actor::Operator | Actor::VerifiedWebhook | Actor::IdentityProvider => {
                Decision::Deny(DenyReason::WrongActor)
            }
        },
        Action::RecordSignInFailure | Action::RevokeMisusedSession => match actor {
            Actor::Anonymous => Decision::Allow,
            Actor::User { .. } | Actor::Operator | Actor::VerifiedWebhook | Actor::IdentityProvider => {
                Decision::Deny(DenyReason::WrongActor)
            }
        },
    }
}

fn needs(actor: &Actor, permission: Permission) -> Decision {
    match actor {
        Actor::User { grants, .. } if grants.has(permission) => Decision::Allow,
        Actor::User { .. } => Decision::Deny(DenyReason::MissingPermission(permission)),
        Actor::Operator | Actor::VerifiedWebhook | Actor::Anonymous | Actor::IdentityProvider => {
            Decision::Deny(DenyReason::WrongActor)
        }
    }
}

/// `permission` held with a scope that reaches the record at `on`.
fn needs_on(actor: &Actor, permission: Permission, on: Option<&Placement>) -> Decision {
    let Actor::User { id, grants, .. } = actor else {
        return Decision::Deny(DenyReason::WrongActor);
    };
    let Some(scope) = grants.list_scope(permission, *id) else {
        return Decision::Deny(DenyReason::MissingPermission(permission));
    };
    match on {
        None => Decision::Deny(DenyReason::NoPlacement),
        Some(placement) if scope.admits(placement) => Decision::Allow,
        Some(_) => Decision::Deny(DenyReason::OutOfScope(permission)),
    }
}

/// The permissions that let someone try a reveal: one per class, or asking a manager (whose
/// approval is what they would reveal with).
const REVEALERS: [Permission; 5] = [
    Permission::RevealContactData,
    Permission::RevealFinancialData,
    Permission::RevealIdentityData,
    Permission::RevealHealthData,
    Permission::EscalationsRequest,
];

/// The permission that reveals `class` of personal data.
pub const fn reveal_permission(class: DataClass) -> Permission {
    match class {
        DataClass::Contact => Permission::RevealContactData,
        DataClass::Financial => Permission::RevealFinancialData,
        DataClass::Identity => Permission::RevealIdentityData,
        DataClass::Health => Permission::RevealHealthData,
    }
}

/// At least one of `permissions`.
fn needs_any(actor: &Actor, permissions: &[Permission]) -> Decision {
    let mut first = Decision::Deny(DenyReason::WrongActor);
    for (i, p) in permissions.iter().enumerate() {
        let decision = needs(actor, *p);
        if decision == Decision::Allow {
            return decision;
        }
        if i == 0 {
            first = decision;
        }
    }
    first
}

fn both(first: Decision, second: Decision) -> Decision {
    match first {
        Decision::Allow => second,
        denied @ Decision::Deny(_) => denied,
    }
}

fn operator_or(actor: &Actor, permission: Permission) -> Decision {
    match actor {
        Actor::Operator => Decision::Allow,
        Actor::User { .. } | Actor::VerifiedWebhook | Actor::Anonymous | Actor::IdentityProvider => {
            needs(actor, permission)
        }
    }
}

/// An action type that a proof can be issued for, with the resource it concerns.
pub trait Act: Debug {
    /// The action this type stands for.
    const ACTION: Action;
    /// What the action is about.
    type Resource: Clone + Debug;
}

/// A list action: its proof holds the scope the list is cut to.
pub trait Listing: Act<Resource = ListScope> {
    /// The permission whose scope cuts the list.
    const PERMISSION: Permission;
}

macro_rules! acts {
    ($($name:ident => $resource:ty),* $(,)?) => {
        /// Action types for [`Authorized`] proofs.
        pub mod act {
            use super::*;
            $(
                #[doc = concat!("Proof type for [`Action::", stringify!($name), "`].")]
                #[derive(Debug)]
                pub enum $name {}
                impl Act for $name {
                    const ACTION: Action = Action::$name;
                    type Resource = $resource;
                }
            )*
        }
    };
}

acts! {
    ListConversations => ListScope,
    ReadConversation => ConversationId,
    SendMessage => ConversationId,
    AssignConversation => ConversationId,
    TransferConversation => ConversationId,
    SetConversationStatus => ConversationId,
    SetConversationPriority => ConversationId,
    ReadNotes => ConversationId,
    WriteNote => ConversationId,
    ListOwnMentions => UserId,
    SearchMessages => ListScope,
    SearchNotes => ListScope,
    ManageQuickReplies => (),
    ViewRouting => (),
    EditRouting => (),
    AutoReply => ConversationId,
    ListContacts => ListScope,
    ReadContact => ContactId,
    AssignContact => ContactId,
    LabelContact => ContactId,
    EditContact => ContactId,
    RevealContact => ContactId,
    ManageContactFields => (),
    ImportContacts => (),
    MergeContact => ContactId,
    ViewDirectory => (),
    ViewUsers => (),
    ManageUsers => (),
    OffboardUser => UserId,
    ViewRoles => (),
    ManageRoles => (),
    ManageTeams => (),
    ManageLabels => (),
    ConfigureSecurity => (),
    ConfigureChannel => (),
    ViewTemplates => (),
    ManageTemplates => (),
    SendTemplate => ConversationId,
    RevealMessage => ConversationId,
    IngestDelivery => (),
    DeliverOutbox => (),
    FetchMedia => (),
    OpenSession => UserId,
    CloseSession => UserId,
    ChangeOwnPassword => UserId,
    RecordSignInFailure => (),
    BackUp => (),
    ProvisionUser => (),
    ManageOwnSecondFactor => UserId,
    CompleteSignIn => UserId,
    LockSession => UserId,
    RevokeMisusedSession => i64,
    RunKeyCeremony => (),
    RequestEscalation => ConversationId,
    DecideEscalation => ConversationId,
    ListOwnEscalations => ListScope,
    ReviewEscalations => ListScope,
    VerifyAudit => (),
    ViewAudit => (),
    ExportAudit => (),
    AcknowledgeAlert => (),
    ManageRetention => (),
    PurgeAudit => (),
    PurgeContent => (),
    HandlePrivacyRequest => ContactId,
    ManageAccessReviews => (),
    ReviewAccess => UserId,
    GenerateLoad => (),
}

impl Listing for act::ListConversations {
    const PERMISSION: Permission = Permission::ConversationsView;
}

impl Listing for act::SearchMessages {
    const PERMISSION: Permission = Permission::ConversationsView;
}

impl Listing for act::SearchNotes {
    const PERMISSION: Permission = Permission::ConversationsView;
}

impl Listing for act::ListContacts {
    const PERMISSION: Permission = Permission::ContactsView;
}

impl Listing for act::ListOwnEscalations {
    const PERMISSION: Permission = Permission::ConversationsView;
}

impl Listing for act::ReviewEscalations {
    const PERMISSION: Permission = Permission::ConversationsView;
}

/// Proof that `actor` may perform `A` on `resource`. Only the `authorize*` functions make one.
#[derive(Debug)]
pub struct Authorized<A: Act> {
    actor: AuditActor,
    resource: A::Resource,
    _action: PhantomData<A>,
}

impl<A: Act> Authorized<A> {
    /// Who was authorized, as the audit trail names them.
    pub fn actor(&self) -> &AuditActor {
        &self.actor
    }
    /// The resource the proof was issued for.
    pub fn resource(&self) -> &A::Resource {
        &self.resource
    }
}

/// A proof that concerns one conversation.
pub trait OnConversation {
    /// The conversation.
    fn conversation(&self) -> ConversationId;
}

macro_rules! on_conversation {
    ($($act:ident),*) => {$(
        impl OnConversation for Authorized<act::$act> {
            fn conversation(&self) -> ConversationId {
                self.resource
            }
        }
    )*};
}

on_conversation!(
    ReadConversation,
    SendMessage,
    SendTemplate,
    RevealMessage,
    AssignConversation,
    TransferConversation,
    SetConversationStatus,
    SetConversationPriority,
    ReadNotes,
    WriteNote,
    AutoReply,
    RequestEscalation,
    DecideEscalation
);

/// A proof that allows sending a message into its conversation (free text or a template).
pub trait MaySend: OnConversation {
    /// Who sends it, as the audit trail names them.
    fn sender(&self) -> &AuditActor;
}

impl MaySend for Authorized<act::SendMessage> {
    fn sender(&self) -> &AuditActor {
        &self.actor
    }
}

impl MaySend for Authorized<act::SendTemplate> {
    fn sender(&self) -> &AuditActor {
        &self.actor
    }
}

impl MaySend for Authorized<act::AutoReply> {
    fn sender(&self) -> &AuditActor {
        &self.actor
    }
}

/// A proof that concerns one contact.
pub trait OnContact {
    /// The contact.
    fn contact(&self) -> ContactId;
}

macro_rules! on_contact {
    ($($act:ident),*) => {$(
        impl OnContact for Authorized<act::$act> {
            fn contact(&self) -> ContactId {
                self.resource
            }
        }
    )*};
}

on_contact!(ReadContact, AssignContact, LabelContact, EditContact, RevealContact, MergeContact);

/// The actor as the audit trail records it: an id, never a name or number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditActor {
    /// A user, through a session (none while it is being opened).
    User {
        /// Who.
        id: UserId,
        /// Through which session.
        session: Option<i64>,
    },
    /// The CLI operator.
    Operator,
    /// The webhook intake.
    Webhook,
    /// Nobody authenticated yet (a failed sign-in).
    Anonymous,
    /// The app's own housekeeping (retention purges).
    System,
    /// The organisation's identity provider (single sign-on provisioning).
    IdentityProvider,
}

impl AuditActor {
    /// Stable text for the audit record, such as `user:12`.
    pub fn label(&self) -> String {
        match self {
            Self::User { id, .. } => format!("user:{}", id.get()),
            Self::Operator => "operator:cli".to_owned(),
            Self::Webhook => "system:webhook".to_owned(),
            Self::Anonymous => "anonymous".to_owned(),
            Self::System => "system:retention".to_owned(),
            Self::IdentityProvider => "system:sso".to_owned(),
        }
    }
    /// The user, when the actor is one.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Self::User { id, .. } => Some(*id),
            Self::Operator | Self::Webhook | Self::Anonymous | Self::System | Self::IdentityProvider => None,
        }
    }
}

/// Decides an action that concerns no single conversation or contact, and on `Allow` issues
/// the proof. A refusal is returned as [`Denied`] for the caller to map and record.
pub fn authorize<A: Act>(actor: &Actor, resource: A::Resource) -> Result<Authorized<A>, Denied> {
    issue::<A>(actor, resource, None)
}

/// Decides an action on the conversation or contact placed at `placement`.
pub fn authorize_on<A: Act>(
    actor: &Actor,
    resource: A::Resource,
    placement: &Placement,
) -> Result<Authorized<A>, Denied> {
    issue::<A>(actor, resource, Some(placement))
}

/// Decides a list action and issues a proof holding the scope the list is cut to.
pub fn authorize_list<A: Listing>(actor: &Actor) -> Result<Authorized<A>, Denied> {
    let scope = match actor {
        Actor::User { id, grants, .. } => grants.list_scope(A::PERMISSION, *id),
        Actor::Operator | Actor::VerifiedWebhook | Actor::Anonymous | Actor::IdentityProvider => None,
    };
    match (decide(actor, A::ACTION, None), scope) {
        (Decision::Allow, Some(scope)) => {
            Ok(Authorized { actor: audit_actor(actor), resource: scope, _action: PhantomData })
        }
        (Decision::Allow, None) => Err(denied(A::ACTION, DenyReason::MissingPermission(A::PERMISSION))),
        (Decision::Deny(reason), _) => Err(denied(A::ACTION, reason)),
    }
}

fn issue<A: Act>(
    actor: &Actor,
    resource: A::Resource,
    on: Option<&Placement>,
) -> Result<Authorized<A>, Denied> {
    match decide(actor, A::ACTION, on) {
        Decision::Allow => Ok(Authorized { actor: audit_actor(actor), resource, _action: PhantomData }),
        Decision::Deny(reason) => Err(denied(A::ACTION, reason)),
    }
}

fn denied(action: Action, reason: DenyReason) -> Denied {
    tracing::info!(?action, ?reason, "denied");
    Denied { action, reason }
}

/// How the audit trail names `actor`.
pub fn audit_actor(actor: &Actor) -> AuditActor {
    match actor {
        Actor::User { id, session, .. } => AuditActor::User { id: *id, session: *session },
        Actor::Operator => AuditActor::Operator,
        Actor::VerifiedWebhook => AuditActor::Webhook,
        Actor::IdentityProvider => AuditActor::IdentityProvider,
        Actor::Anonymous => AuditActor::Anonymous,
    }
}

/// A refused authorization: what was asked and why it was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied {
    /// The action.
    pub action: Action,
    /// Why.
    pub reason: DenyReason,
}

#[cfg(test)]
mod tests {
    use super::guard::{self, Escalation, RoleSide};
    use super::*;
    use crate::domain::{LabelId, RoleSlug, TeamId};
    use proptest::prelude::*;
    use rstest::rstest;

    const ME: i64 = 1;
    const MY_TEAM: i64 = 10;

    fn builtin(slug: &str) -> Actor {
        let grants = template::template(slug).unwrap();
        Actor::User {
            id: UserId::new(ME),
            grants: Grants::new(RoleSlug::parse(slug).unwrap(), grants, [TeamId::new(MY_TEAM)]),
            session: None,
        }
    }

    fn custom(permissions: &[(Permission, Scope)], labels: LabelAccess) -> Actor {
        let grants = RoleGrants::new(permissions.iter().copied(), labels);
        Actor::User {
            id: UserId::new(ME),
            grants: Grants::new(RoleSlug::parse("custom").unwrap(), grants, [TeamId::new(MY_TEAM)]),
            session: None,
        }
    }

    fn at(team: i64, assignee: Option<i64>, labels: &[i64]) -> Option<Placement> {
        Some(Placement {
            team: TeamId::new(team),
            assignee: assignee.map(UserId::new),
            restricted_labels: labels.iter().copied().map(LabelId::new).collect(),
        })
    }

    fn mine() -> Option<Placement> {
        at(MY_TEAM, Some(ME), &[])
    }
    fn my_team() -> Option<Placement> {
        at(MY_TEAM, None, &[])
    }
    fn other_store() -> Option<Placement> {
        at(20, None, &[])
    }
    fn vip_in_my_team() -> Option<Placement> {
        at(MY_TEAM, None, &[7])
    }

    #[rstest]
    // The inbox, by scope.
    #[case::agent_reads_own_team(builtin("agent"), Action::ReadConversation, my_team(), true)]
    #[case::agent_cannot_read_another_store(builtin("agent"), Action::ReadConversation, other_store(), false)]
    #[case::agent_cannot_read_restricted_label(
        builtin("agent"),
        Action::ReadConversation,
        vip_in_my_team(),
        false
    )]
    #[case::agent_replies_in_own_team(builtin("agent"), Action::SendMessage, my_team(), true)]
    #[case::agent_cannot_reply_to_another_store(builtin("agent"), Action::SendMessage, other_store(), false)]
    #[case::agent_assigns_own_conversations(builtin("agent"), Action::AssignConversation, mine(), true)]
    #[case::agent_cannot_assign_the_team_queue(
        builtin("agent"),
        Action::AssignConversation,
        my_team(),
        false
    )]
    #[case::agent_cannot_transfer(builtin("agent"), Action::TransferConversation, mine(), false)]
    #[case::manager_transfers_own_team(builtin("manager"), Action::TransferConversation, my_team(), true)]
    #[case::manager_cannot_transfer_another_store(
        builtin("manager"),
        Action::TransferConversation,
        other_store(),
        false
    )]
    #[case::agent_resolves_in_own_team(builtin("agent"), Action::SetConversationStatus, my_team(), true)]
    #[case::agent_cannot_resolve_another_store(
        builtin("agent"),
        Action::SetConversationStatus,
        other_store(),
        false
    )]
    #[case::agent_prioritises_own(builtin("agent"), Action::SetConversationPriority, mine(), true)]
    #[case::agent_cannot_reorder_the_team_queue(
        builtin("agent"),
        Action::SetConversationPriority,
        my_team(),
        false
    )]
    #[case::agent_writes_notes_in_own_team(builtin("agent"), Action::WriteNote, my_team(), true)]
    #[case::agent_cannot_read_notes_of_another_store(
        builtin("agent"),
        Action::ReadNotes,
        other_store(),
        false
    )]
    #[case::notes_need_their_permission(custom(&[(Permission::ConversationsView, Scope::Team)], LabelAccess::none()), Action::ReadNotes, my_team(), false)]
    #[case::sales_replies_only_to_own(builtin("sales"), Action::SendMessage, my_team(), false)]
    #[case::sales_replies_to_own(builtin("sales"), Action::SendMessage, mine(), true)]
    #[case::admin_reads_every_store(builtin("admin"), Action::ReadConversation, other_store(), true)]
    #[case::admin_reads_restricted_labels(builtin("admin"), Action::ReadConversation, vip_in_my_team(), true)]
    #[case::marketing_has_no_inbox(builtin("marketing"), Action::ListConversations, None, false)]
    #[case::auditor_has_no_inbox(builtin("auditor"), Action::ReadConversation, mine(), false)]
    #[case::granted_label_is_visible(custom(&[(Permission::ConversationsView, Scope::Team)], LabelAccess::Only([LabelId::new(7)].into())), Action::ReadConversation, vip_in_my_team(), true)]
    #[case::one_record_action_needs_its_placement(builtin("owner"), Action::ReadConversation, None, false)]
    // An agent may try: what they see is what a manager approved for them (`reveal`).
    #[case::agent_reveals_with_approval(builtin("agent"), Action::RevealMessage, my_team(), true)]
    #[case::agent_cannot_reveal_in_another_store(
        builtin("agent"),
        Action::RevealMessage,
        other_store(),
        false
    )]
    #[case::nobody_reveals_without_a_permission_or_a_manager(custom(&[(Permission::ConversationsView, Scope::Team)], LabelAccess::Only(Default::default())), Action::RevealMessage, my_team(), false)]
    // Escalations.
    #[case::agent_asks_in_own_team(builtin("agent"), Action::RequestEscalation, my_team(), true)]
    #[case::agent_cannot_ask_about_another_store(
        builtin("agent"),
        Action::RequestEscalation,
        other_store(),
        false
    )]
    #[case::agent_cannot_decide(builtin("agent"), Action::DecideEscalation, my_team(), false)]
    #[case::manager_decides_in_own_store(builtin("manager"), Action::DecideEscalation, my_team(), true)]
    #[case::manager_cannot_decide_for_another_store(
        builtin("manager"),
        Action::DecideEscalation,
        other_store(),
        false
    )]
    #[case::agent_sees_own_requests(builtin("agent"), Action::ListOwnEscalations, None, true)]
    #[case::agent_has_no_queue(builtin("agent"), Action::ReviewEscalations, None, false)]
    #[case::manager_has_a_queue(builtin("manager"), Action::ReviewEscalations, None, true)]
    #[case::auditor_cannot_ask(builtin("auditor"), Action::RequestEscalation, my_team(), false)]
    // The audit trail.
    #[case::auditor_verifies_the_trail(builtin("auditor"), Action::VerifyAudit, None, true)]
    #[case::agent_cannot_verify_the_trail(builtin("agent"), Action::VerifyAudit, None, false)]
    #[case::auditor_reads_the_trail(builtin("auditor"), Action::ViewAudit, None, true)]
    #[case::auditor_exports_the_trail(builtin("auditor"), Action::ExportAudit, None, true)]
    #[case::manager_cannot_read_the_trail(builtin("manager"), Action::ViewAudit, None, false)]
    #[case::admin_reads_the_trail(builtin("admin"), Action::ViewAudit, None, true)]
    #[case::agent_cannot_export_the_trail(builtin("agent"), Action::ExportAudit, None, false)]
    #[case::manager_reveals_in_own_store(builtin("manager"), Action::RevealMessage, my_team(), true)]
    #[case::manager_cannot_reveal_elsewhere(builtin("manager"), Action::RevealMessage, other_store(), false)]
    #[case::reveal_one_class_is_enough(custom(&[(Permission::ConversationsView, Scope::Team), (Permission::RevealIdentityData, Scope::All)], LabelAccess::Only(Default::default())), Action::RevealMessage, my_team(), true)]
    // Contacts.
    #[case::agent_reads_own_team_contact(builtin("agent"), Action::ReadContact, my_team(), true)]
    #[case::agent_cannot_read_another_store_contact(
        builtin("agent"),
        Action::ReadContact,
        other_store(),
        false
    )]
    #[case::agent_labels_visible_contacts(builtin("agent"), Action::LabelContact, my_team(), true)]
    #[case::agent_cannot_label_another_store_contact(
        builtin("agent"),
        Action::LabelContact,
        other_store(),
        false
    )]
    #[case::agent_cannot_move_contacts(builtin("agent"), Action::AssignContact, my_team(), false)]
    #[case::agent_edits_own_team_contact(builtin("agent"), Action::EditContact, my_team(), true)]
    #[case::agent_cannot_edit_another_store_contact(
        builtin("agent"),
        Action::EditContact,
        other_store(),
        false
    )]
    #[case::auditor_cannot_edit_contacts(builtin("auditor"), Action::EditContact, my_team(), false)]
    #[case::agent_reveals_a_contact_with_approval(builtin("agent"), Action::RevealContact, my_team(), true)]
    #[case::marketing_cannot_reveal_a_contact(builtin("marketing"), Action::RevealContact, my_team(), false)]
    #[case::manager_reveals_a_contact_in_own_store(
        builtin("manager"),
        Action::RevealContact,
        my_team(),
        true
    )]
    #[case::manager_cannot_reveal_a_contact_elsewhere(
        builtin("manager"),
        Action::RevealContact,
        other_store(),
        false
    )]
    #[case::marketing_sees_all_contacts(builtin("marketing"), Action::ReadContact, other_store(), true)]
    #[case::marketing_cannot_see_restricted_contacts(
        builtin("marketing"),
        Action::ReadContact,
        vip_in_my_team(),
        false
    )]
    // Administration.
    #[case::agent_cannot_manage_users(builtin("agent"), Action::ManageUsers, None, false)]
    #[case::manager_views_users(builtin("manager"), Action::ViewUsers, None, true)]
    #[case::manager_cannot_manage_roles(builtin("manager"), Action::ManageRoles, None, false)]
    #[case::admin_manages_roles(builtin("admin"), Action::ManageRoles, None, true)]
    #[case::auditor_views_roles(builtin("auditor"), Action::ViewRoles, None, true)]
    #[case::auditor_cannot_manage_teams(builtin("auditor"), Action::ManageTeams, None, false)]
    #[case::marketing_manages_labels(builtin("marketing"), Action::ManageLabels, None, true)]
    #[case::agent_cannot_manage_labels(builtin("agent"), Action::ManageLabels, None, false)]
    #[case::everyone_sees_the_directory(builtin("auditor"), Action::ViewDirectory, None, true)]
    #[case::manager_cannot_configure_channel(builtin("manager"), Action::ConfigureChannel, None, false)]
    #[case::agent_sees_templates(builtin("agent"), Action::ViewTemplates, None, true)]
    #[case::agent_cannot_change_templates(builtin("agent"), Action::ManageTemplates, None, false)]
    #[case::marketing_manages_templates(builtin("marketing"), Action::ManageTemplates, None, true)]
    #[case::auditor_cannot_send_templates(builtin("auditor"), Action::SendTemplate, None, false)]
    #[case::admin_configures_security(builtin("admin"), Action::ConfigureSecurity, None, true)]
    #[case::admin_defines_contact_fields(builtin("admin"), Action::ManageContactFields, None, true)]
    #[case::manager_cannot_define_contact_fields(
        builtin("manager"),
        Action::ManageContactFields,
        None,
        false
    )]
    #[case::operator_defines_contact_fields(Actor::Operator, Action::ManageContactFields, None, true)]
    #[case::agent_imports_contacts(builtin("agent"), Action::ImportContacts, None, true)]
    #[case::auditor_does_not_import(builtin("auditor"), Action::ImportContacts, None, false)]
    #[case::agent_does_not_merge_contacts(builtin("agent"), Action::MergeContact, my_team(), false)]
    #[case::admin_merges_contacts(builtin("admin"), Action::MergeContact, other_store(), true)]
    #[case::operator_manages_users(Actor::Operator, Action::ManageUsers, None, true)]
    #[case::admin_offboards(builtin("admin"), Action::OffboardUser, None, true)]
    #[case::manager_cannot_offboard(builtin("manager"), Action::OffboardUser, None, false)]
    #[case::operator_offboards(Actor::Operator, Action::OffboardUser, None, true)]
    #[case::operator_backs_up(Actor::Operator, Action::BackUp, None, true)]
    #[case::owner_does_not_back_up_from_a_session(builtin("owner"), Action::BackUp, None, false)]
    #[case::operator_purges_content(Actor::Operator, Action::PurgeContent, None, true)]
    #[case::admin_handles_privacy_requests(
        builtin("admin"),
        Action::HandlePrivacyRequest,
        other_store(),
        true
    )]
    #[case::manager_does_not_handle_privacy_requests(
        builtin("manager"),
        Action::HandlePrivacyRequest,
        my_team(),
        false
    )]
    #[case::auditor_does_not_handle_privacy_requests(
        builtin("auditor"),
        Action::HandlePrivacyRequest,
        None,
        false
    )]
    #[case::operator_handles_privacy_requests(Actor::Operator, Action::HandlePrivacyRequest, None, true)]
    #[case::admin_runs_access_reviews(builtin("admin"), Action::ManageAccessReviews, None, true)]
    #[case::manager_does_not_run_access_reviews(builtin("manager"), Action::ManageAccessReviews, None, false)]
    #[case::an_agent_may_be_asked_to_review(builtin("agent"), Action::ReviewAccess, None, true)]
    #[case::operator_reviews_nobody(Actor::Operator, Action::ReviewAccess, None, false)]
    #[case::owner_does_not_purge_content_directly(builtin("owner"), Action::PurgeContent, None, false)]
    #[case::owner_manages_retention(builtin("owner"), Action::ManageRetention, None, true)]
    #[case::admin_does_not_manage_retention(builtin("admin"), Action::ManageRetention, None, false)]
    #[case::provider_provisions(Actor::IdentityProvider, Action::ProvisionUser, None, true)]
    #[case::admin_cannot_provision_as_the_provider(builtin("owner"), Action::ProvisionUser, None, false)]
    #[case::anonymous_cannot_provision(Actor::Anonymous, Action::ProvisionUser, None, false)]
    #[case::provider_cannot_manage_users(Actor::IdentityProvider, Action::ManageUsers, None, false)]
    #[case::operator_generates_a_load(Actor::Operator, Action::GenerateLoad, None, true)]
    #[case::owner_never_generates_a_load(builtin("owner"), Action::GenerateLoad, None, false)]
    #[case::operator_cannot_read_inbox(Actor::Operator, Action::ReadConversation, mine(), false)]
    #[case::operator_cannot_manage_labels(Actor::Operator, Action::ManageLabels, None, false)]
    // Intake and identity.
    #[case::webhook_ingests(Actor::VerifiedWebhook, Action::IngestDelivery, None, true)]
    #[case::webhook_cannot_send(Actor::VerifiedWebhook, Action::SendMessage, mine(), false)]
    #[case::the_installation_delivers_its_outbox(Actor::Operator, Action::DeliverOutbox, None, true)]
    #[case::no_user_drives_the_outbox(builtin("owner"), Action::DeliverOutbox, None, false)]
    #[case::webhook_cannot_drive_the_outbox(Actor::VerifiedWebhook, Action::DeliverOutbox, None, false)]
    #[case::the_installation_fetches_media(Actor::Operator, Action::FetchMedia, None, true)]
    #[case::no_user_fetches_media_for_others(builtin("owner"), Action::FetchMedia, None, false)]
    #[case::agent_opens_a_session(builtin("agent"), Action::OpenSession, None, true)]
    #[case::operator_has_no_session(Actor::Operator, Action::OpenSession, None, false)]
    #[case::agent_changes_own_password(builtin("agent"), Action::ChangeOwnPassword, None, true)]
    #[case::anonymous_records_failures(Actor::Anonymous, Action::RecordSignInFailure, None, true)]
    #[case::anonymous_cannot_read(Actor::Anonymous, Action::ListConversations, None, false)]
    #[case::user_cannot_erase_failures(builtin("owner"), Action::RecordSignInFailure, None, false)]
    #[case::user_cannot_forge_deliveries(builtin("owner"), Action::IngestDelivery, None, false)]
    #[case::agent_locks_own_session(builtin("agent"), Action::LockSession, None, true)]
    #[case::stolen_tokens_are_revoked(Actor::Anonymous, Action::RevokeMisusedSession, None, true)]
    #[case::webhook_cannot_revoke_sessions(Actor::VerifiedWebhook, Action::RevokeMisusedSession, None, false)]
    #[case::anyone_signing_in_runs_key_challenges(Actor::Anonymous, Action::RunKeyCeremony, None, true)]
    #[case::operator_has_no_key_to_challenge(Actor::Operator, Action::RunKeyCeremony, None, false)]
    fn rules(
        #[case] actor: Actor,
        #[case] action: Action,
        #[case] on: Option<Placement>,
        #[case] allowed: bool,
    ) {
        assert_eq!(decide(&actor, action, on.as_ref()) == Decision::Allow, allowed);
    }

    #[test]
    fn a_proof_remembers_actor_and_resource() {
        let proof =
            authorize_on::<act::SendMessage>(&builtin("agent"), ConversationId::new(7), &my_team().unwrap())
                .unwrap();
        assert_eq!(*proof.resource(), ConversationId::new(7));
        assert_eq!(proof.actor().label(), "user:1");
    }

    #[test]
    fn a_list_proof_carries_the_actors_scope() {
        let proof = authorize_list::<act::ListConversations>(&builtin("agent")).unwrap();
        assert_eq!(proof.resource().scope, Scope::Team);
        assert_eq!(proof.resource().teams, vec![TeamId::new(MY_TEAM)]);
        assert!(authorize_list::<act::ListConversations>(&builtin("auditor")).is_err());
    }

    fn role(permissions: &[(Permission, Scope)]) -> RoleGrants {
        RoleGrants::new(permissions.iter().copied(), LabelAccess::none())
    }

    fn side<'a>(slug: &'a RoleSlug, grants: &'a RoleGrants) -> RoleSide<'a> {
        RoleSide { slug, grants }
    }

    #[rstest]
    #[case::manager_cannot_create_a_role_with_users_manage(builtin("manager"), role(&[(Permission::UsersManage, Scope::All)]), Some(Escalation::NotHeld(Permission::UsersManage)))]
    #[case::manager_cannot_widen_a_scope(builtin("manager"), role(&[(Permission::ConversationsView, Scope::All)]), Some(Escalation::NotHeld(Permission::ConversationsView)))]
    #[case::manager_may_narrow(builtin("manager"), role(&[(Permission::ConversationsView, Scope::Own)]), None)]
    #[case::admin_cannot_confer_retention(builtin("admin"), role(&[(Permission::RetentionManage, Scope::All)]), Some(Escalation::NotHeld(Permission::RetentionManage)))]
    #[case::labels_one_does_not_see(builtin("manager"), RoleGrants::new([], LabelAccess::All), Some(Escalation::LabelsNotHeld))]
    #[case::owner_confers_anything(builtin("owner"), template::template("owner").unwrap(), None)]
    fn creating_roles(#[case] actor: Actor, #[case] wanted: RoleGrants, #[case] refusal: Option<Escalation>) {
        assert_eq!(guard::may_create(&actor, &wanted).err(), refusal);
    }

    #[test]
    fn built_in_roles_are_not_edited_or_deleted_even_by_owners() {
        let owner_grants = template::template("owner").unwrap();
        assert_eq!(
            guard::may_edit(&builtin("owner"), true, &owner_grants, &role(&[])),
            Err(Escalation::BuiltinRole)
        );
        assert_eq!(guard::may_delete(&builtin("owner"), true, &owner_grants), Err(Escalation::BuiltinRole));
    }

    #[test]
    fn nobody_edits_a_role_holding_more_than_they_do() {
        let strong = role(&[(Permission::RetentionManage, Scope::All)]);
        assert_eq!(
            guard::may_edit(&builtin("admin"), false, &strong, &role(&[])),
            Err(Escalation::NotHeld(Permission::RetentionManage))
        );
        assert_eq!(
            guard::may_delete(&builtin("admin"), false, &strong),
            Err(Escalation::NotHeld(Permission::RetentionManage))
        );
    }

    #[test]
    fn owners_are_made_and_unmade_by_owners_and_the_last_one_stays() {
        let (owner, admin, agent) =
            (RoleSlug::owner(), RoleSlug::parse("admin").unwrap(), RoleSlug::parse("agent").unwrap());
        let (og, ag, gg) = (
            template::template("owner").unwrap(),
            template::template("admin").unwrap(),
            template::template("agent").unwrap(),
        );
        let promote =
            |actor: &Actor| guard::may_reassign(actor, side(&agent, &gg), Some(side(&owner, &og)), 1);
        assert_eq!(promote(&builtin("admin")), Err(Escalation::OwnersOnly));
        assert_eq!(promote(&builtin("owner")), Ok(()));
        assert_eq!(promote(&Actor::Operator), Ok(()));
        assert_eq!(
            guard::may_reassign(&builtin("admin"), side(&owner, &og), Some(side(&admin, &ag)), 2),
            Err(Escalation::OwnersOnly)
        );
        assert_eq!(
            guard::may_reassign(&builtin("owner"), side(&owner, &og), Some(side(&admin, &ag)), 1),
            Err(Escalation::LastOwner)
        );
        assert_eq!(
            guard::may_reassign(&Actor::Operator, side(&owner, &og), None, 1),
            Err(Escalation::LastOwner)
        );
        assert_eq!(
            guard::may_reassign(&builtin("owner"), side(&owner, &og), Some(side(&admin, &ag)), 2),
            Ok(())
        );
        // An admin cannot hand out or take away a role that holds more than they do.
        let strong = RoleSlug::parse("strong").unwrap();
        let sg = role(&[(Permission::RetentionManage, Scope::All)]);
        assert!(
            guard::may_reassign(&builtin("admin"), side(&agent, &gg), Some(side(&strong, &sg)), 1).is_err()
        );
        assert!(
            guard::may_reassign(&builtin("admin"), side(&strong, &sg), Some(side(&agent, &gg)), 1).is_err()
        );
        assert_eq!(
            guard::may_reassign(&builtin("admin"), side(&agent, &gg), Some(side(&admin, &ag)), 1),
            Ok(())
        );
    }

    /// Every action, for the properties below.
    const ACTIONS: &[Action] = &[
        Action::ListConversations,
        Action::ReadConversation,
        Action::SendMessage,
        Action::AssignConversation,
        Action::TransferConversation,
        Action::SetConversationStatus,
        Action::SetConversationPriority,
        Action::ReadNotes,
        Action::WriteNote,
        Action::ListOwnMentions,
        Action::SearchMessages,
        Action::SearchNotes,
        Action::ManageQuickReplies,
        Action::ViewRouting,
        Action::EditRouting,
        Action::AutoReply,
        Action::ListContacts,
        Action::ReadContact,
        Action::AssignContact,
        Action::LabelContact,
        Action::EditContact,
        Action::RevealContact,
        Action::ManageContactFields,
        Action::ImportContacts,
        Action::MergeContact,
        Action::RevealMessage,
        Action::ViewDirectory,
        Action::ViewUsers,
        Action::ManageUsers,
        Action::OffboardUser,
        Action::ProvisionUser,
        Action::ViewRoles,
        Action::ManageRoles,
        Action::ManageTeams,
        Action::ManageLabels,
        Action::ConfigureSecurity,
        Action::ConfigureChannel,
        Action::ViewTemplates,
        Action::ManageTemplates,
        Action::SendTemplate,
        Action::IngestDelivery,
        Action::DeliverOutbox,
        Action::FetchMedia,
        Action::OpenSession,
        Action::CloseSession,
        Action::ChangeOwnPassword,
        Action::RecordSignInFailure,
        Action::ManageOwnSecondFactor,
        Action::CompleteSignIn,
        Action::LockSession,
        Action::RevokeMisusedSession,
        Action::RunKeyCeremony,
    ];

    /// What any signed-in user may do for themselves, whatever their role.
    const SELF_SERVICE: &[Action] = &[
        Action::ViewDirectory,
        Action::OpenSession,
        Action::CloseSession,
        Action::ChangeOwnPassword,
        Action::ManageOwnSecondFactor,
        Action::CompleteSignIn,
        Action::LockSession,
        Action::RunKeyCeremony,
    ];

    fn any_grants() -> impl Strategy<Value = Vec<(Permission, Scope)>> {
        proptest::collection::vec(
            (
                proptest::sample::select(Permission::ALL.to_vec()),
                proptest::sample::select(Scope::ALL.to_vec()),
            ),
            0..12,
        )
    }

    fn any_placement() -> impl Strategy<Value = Option<Placement>> {
        proptest::option::of((
            1..4i64,
            proptest::option::of(1..4i64),
            proptest::collection::vec(1..4i64, 0..2),
        ))
        .prop_map(|p| p.and_then(|(team, assignee, labels)| at(team, assignee, &labels)))
    }

    proptest! {
        #[test]
        fn nothing_is_allowed_without_a_grant(action in proptest::sample::select(ACTIONS.to_vec()), on in any_placement()) {
            let allowed = decide(&custom(&[], LabelAccess::none()), action, on.as_ref()) == Decision::Allow;
            prop_assert_eq!(allowed, SELF_SERVICE.contains(&action));
        }

        #[test]
        fn more_grants_never_take_anything_away(
            action in proptest::sample::select(ACTIONS.to_vec()),
            some in any_grants(),
            more in any_grants(),
            on in any_placement(),
        ) {
            let fewer = custom(&some, LabelAccess::none());
            let wider: Vec<_> = some.iter().chain(more.iter()).copied().collect();
            let more = custom(&wider, LabelAccess::All);
            if decide(&fewer, action, on.as_ref()) == Decision::Allow {
                prop_assert_eq!(decide(&more, action, on.as_ref()), Decision::Allow);
            }
        }

        #[test]
        fn no_role_confers_what_its_creator_lacks(mine in any_grants(), wanted in any_grants()) {
            let actor = custom(&mine, LabelAccess::none());
            let wanted = RoleGrants::new(wanted, LabelAccess::none());
            if guard::may_create(&actor, &wanted).is_ok() {
                let Actor::User { grants, .. } = &actor else { unreachable!() };
                for (p, s) in wanted.permissions() {
                    prop_assert!(grants.conferred().scope(p).is_some_and(|held| held >= s));
                }
            }
        }
    }
}
