//! Plain types and rules of the inbox, with no I/O. None of them implements `Serialize`: what
//! leaves the core is built in `api::views` from these and the actor's grants.

pub mod contact_field;
mod content;
pub mod escalation;
pub mod hours;
mod ids;
pub mod import;
mod message;
pub mod queue;
pub mod sso;
mod template;
mod user;
mod workflow;

pub use contact_field::{ContactField, FieldKind};
pub use content::{Content, Context, Forwarded, Media, MediaKind, OrderLine, Referral, SharedContact};
pub use escalation::{Escalation, EscalationStatus};
pub use ids::{
    ContactFieldId, ContactId, ConversationId, EscalationId, LabelId, MessageId, RoleId, TeamId, UserId,
};
pub use message::{reply_window_open, CustomerRef, DeliveryStatus, Direction, MessageKind, REPLY_WINDOW_MS};
pub use template::{placeholders, Template, TemplateButton, TemplateError};
pub use user::{RoleSlug, Username};
pub use workflow::{mentions, ConversationStatus, Priority, MAX_NOTE_CHARS};
