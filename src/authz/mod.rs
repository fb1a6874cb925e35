//! Authorization: pure, default deny (DESIGN §2, §3.2–3.3).
//!
//! [`decide`] is a pure function with an exhaustive `match` on [`Action`] — no `_` arm — so a
//! new action does not compile until its rule is written. [`authorize`] turns an `Allow` into
//! an [`Authorized<A>`] proof: its fields are private, it records the actor and the resource it
//! was issued for, and every mutating repository method in `store/` demands one. Code that
//! forgets to ask therefore cannot write.
//!
//! Roles are the three built-ins for now; custom roles and team scopes extend [`Grants`]
//! without changing this shape.

mod permission;

use std::fmt::Debug;
use std::marker::PhantomData;

pub use permission::{Grants, Permission};

use crate::domain::{ConversationId, UserId};

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in member of staff.
    User {
        /// Their id.
        id: UserId,
        /// What their role grants.
        grants: Grants,
    },
    /// IT on this machine, holding the data key (the `countersign` CLI).
    Operator,
    /// A webhook delivery whose signature has been verified with the app secret.
    VerifiedWebhook,
    /// Someone not signed in (a sign-in attempt).
    Anonymous,
}

/// Everything the core can be asked to do that needs a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See the list of conversations.
    ListConversations,
    /// Open one conversation and read its messages.
    ReadConversation,
    /// Send a message in a conversation.
    SendMessage,
    /// Create users and change their roles.
    ManageUsers,
    /// Connect the WhatsApp channel and change its secrets.
    ConfigureChannel,
    /// Store what a signed webhook delivery carried.
    IngestDelivery,
    /// Start a session for an authenticated user.
    OpenSession,
    /// End one's own session.
    CloseSession,
    /// Change one's own password.
    ChangeOwnPassword,
    /// Count a failed sign-in attempt.
    RecordSignInFailure,
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
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// The actor's role lacks the permission.
    MissingPermission(Permission),
    /// This kind of actor never does this.
    WrongActor,
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// Refused, with the reason (for the log, never shown to the actor).
    Deny(DenyReason),
}

/// The rule for every action. Pure; no I/O.
pub fn decide(actor: &Actor, action: Action) -> Decision {
    match action {
        Action::ListConversations | Action::ReadConversation => needs(actor, Permission::ConversationsRead),
        Action::SendMessage => needs(actor, Permission::MessagesSend),
        Action::ManageUsers => operator_or(actor, Permission::UsersManage),
        Action::ConfigureChannel => operator_or(actor, Permission::ChannelManage),
        Action::IngestDelivery => match actor {
            Actor::VerifiedWebhook => Decision::Allow,
            Actor::User { .. } | Actor::Operator | Actor::Anonymous => Decision::Deny(DenyReason::WrongActor),
        },
        // Authentication already happened; any enabled user may hold sessions and change
        // their own password.
        Action::OpenSession
        | Action::CloseSession
        | Action::ChangeOwnPassword
        | Action::ManageOwnSecondFactor
        | Action::CompleteSignIn
        | Action::LockSession => match actor {
            Actor::User { .. } => Decision::Allow,
            Actor::Operator | Actor::VerifiedWebhook | Actor::Anonymous => {
                Decision::Deny(DenyReason::WrongActor)
            }
        },
        Action::RunKeyCeremony => match actor {
            Actor::User { .. } | Actor::Anonymous => Decision::Allow,
            Actor::Operator | Actor::VerifiedWebhook => Decision::Deny(DenyReason::WrongActor),
        },
        Action::RecordSignInFailure | Action::RevokeMisusedSession => match actor {
            Actor::Anonymous => Decision::Allow,
            Actor::User { .. } | Actor::Operator | Actor::VerifiedWebhook => {
                Decision::Deny(DenyReason::WrongActor)
            }
        },
    }
}

fn needs(actor: &Actor, permission: Permission) -> Decision {
    match actor {
        Actor::User { grants, .. } if grants.has(permission) => Decision::Allow,
        Actor::User { .. } => Decision::Deny(DenyReason::MissingPermission(permission)),
        Actor::Operator | Actor::VerifiedWebhook | Actor::Anonymous => Decision::Deny(DenyReason::WrongActor),
    }
}

fn operator_or(actor: &Actor, permission: Permission) -> Decision {
    match actor {
        Actor::Operator => Decision::Allow,
        _ => needs(actor, permission),
    }
}

/// An action type that a proof can be issued for, with the resource it concerns.
pub trait Act: Debug {
    /// The action this type stands for.
    const ACTION: Action;
    /// What the action is about.
    type Resource: Copy + Debug;
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
    ListConversations => (),
    ReadConversation => ConversationId,
    SendMessage => ConversationId,
    ManageUsers => (),
    ConfigureChannel => (),
    IngestDelivery => (),
    OpenSession => UserId,
    CloseSession => UserId,
    ChangeOwnPassword => UserId,
    RecordSignInFailure => (),
    ManageOwnSecondFactor => UserId,
    CompleteSignIn => UserId,
    LockSession => UserId,
    RevokeMisusedSession => i64,
    RunKeyCeremony => (),
}

/// Proof that `actor` may perform `A` on `resource`. Only [`authorize`] makes one.
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
    pub fn resource(&self) -> A::Resource {
        self.resource
    }
}

/// A proof that concerns one conversation.
pub trait OnConversation {
    /// The conversation.
    fn conversation(&self) -> ConversationId;
}

impl OnConversation for Authorized<act::ReadConversation> {
    fn conversation(&self) -> ConversationId {
        self.resource
    }
}

impl OnConversation for Authorized<act::SendMessage> {
    fn conversation(&self) -> ConversationId {
        self.resource
    }
}

/// The actor as the audit trail records it: an id, never a name or number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditActor {
    /// A user.
    User(UserId),
    /// The CLI operator.
    Operator,
    /// The webhook intake.
    Webhook,
    /// Nobody authenticated yet (a failed sign-in).
    Anonymous,
}

impl AuditActor {
    /// Stable text for the audit record, such as `user:12`.
    pub fn label(&self) -> String {
        match self {
            Self::User(id) => format!("user:{}", id.get()),
            Self::Operator => "operator:cli".to_owned(),
            Self::Webhook => "system:webhook".to_owned(),
            Self::Anonymous => "anonymous".to_owned(),
        }
    }
    /// The user, when the actor is one.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Self::User(id) => Some(*id),
            Self::Operator | Self::Webhook | Self::Anonymous => None,
        }
    }
}

/// Decides, and on `Allow` issues the proof. A refusal is returned as `Denied` for the caller
/// to map (a resource the actor may not see becomes `NotFound`).
pub fn authorize<A: Act>(actor: &Actor, resource: A::Resource) -> Result<Authorized<A>, Denied> {
    match decide(actor, A::ACTION) {
        Decision::Allow => Ok(Authorized { actor: audit_actor(actor), resource, _action: PhantomData }),
        Decision::Deny(reason) => {
            tracing::info!(action = ?A::ACTION, ?reason, "denied");
            Err(Denied(reason))
        }
    }
}

/// How the audit trail names `actor`.
pub fn audit_actor(actor: &Actor) -> AuditActor {
    match actor {
        Actor::User { id, .. } => AuditActor::User(*id),
        Actor::Operator => AuditActor::Operator,
        Actor::VerifiedWebhook => AuditActor::Webhook,
        Actor::Anonymous => AuditActor::Anonymous,
    }
}

/// A refused authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied(pub DenyReason);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use rstest::rstest;

    fn user(role: Role) -> Actor {
        Actor::User { id: UserId::new(1), grants: Grants::for_role(role) }
    }

    #[rstest]
    #[case::agent_reads(user(Role::Agent), Action::ReadConversation, true)]
    #[case::agent_lists(user(Role::Agent), Action::ListConversations, true)]
    #[case::agent_sends(user(Role::Agent), Action::SendMessage, true)]
    #[case::agent_cannot_manage_users(user(Role::Agent), Action::ManageUsers, false)]
    #[case::agent_cannot_configure_channel(user(Role::Agent), Action::ConfigureChannel, false)]
    #[case::manager_cannot_configure_channel(user(Role::Manager), Action::ConfigureChannel, false)]
    #[case::admin_manages_users(user(Role::Admin), Action::ManageUsers, true)]
    #[case::operator_manages_users(Actor::Operator, Action::ManageUsers, true)]
    #[case::operator_cannot_read_inbox(Actor::Operator, Action::ReadConversation, false)]
    #[case::webhook_ingests(Actor::VerifiedWebhook, Action::IngestDelivery, true)]
    #[case::webhook_cannot_send(Actor::VerifiedWebhook, Action::SendMessage, false)]
    #[case::agent_opens_a_session(user(Role::Agent), Action::OpenSession, true)]
    #[case::operator_has_no_session(Actor::Operator, Action::OpenSession, false)]
    #[case::agent_changes_own_password(user(Role::Agent), Action::ChangeOwnPassword, true)]
    #[case::anonymous_records_failures(Actor::Anonymous, Action::RecordSignInFailure, true)]
    #[case::anonymous_cannot_read(Actor::Anonymous, Action::ListConversations, false)]
    #[case::user_cannot_erase_failures(user(Role::Admin), Action::RecordSignInFailure, false)]
    #[case::user_cannot_forge_deliveries(user(Role::Admin), Action::IngestDelivery, false)]
    #[case::agent_locks_own_session(user(Role::Agent), Action::LockSession, true)]
    #[case::operator_has_no_session_to_lock(Actor::Operator, Action::LockSession, false)]
    #[case::stolen_tokens_are_revoked(Actor::Anonymous, Action::RevokeMisusedSession, true)]
    #[case::webhook_cannot_revoke_sessions(Actor::VerifiedWebhook, Action::RevokeMisusedSession, false)]
    #[case::anyone_signing_in_runs_key_challenges(Actor::Anonymous, Action::RunKeyCeremony, true)]
    #[case::operator_has_no_key_to_challenge(Actor::Operator, Action::RunKeyCeremony, false)]
    fn rules(#[case] actor: Actor, #[case] action: Action, #[case] allowed: bool) {
        assert_eq!(decide(&actor, action) == Decision::Allow, allowed);
    }

    #[test]
    fn a_proof_remembers_actor_and_resource() {
        let proof = authorize::<act::SendMessage>(&user(Role::Agent), ConversationId::new(7)).unwrap();
        assert_eq!(proof.resource(), ConversationId::new(7));
        assert_eq!(proof.actor().label(), "user:1");
    }
}
