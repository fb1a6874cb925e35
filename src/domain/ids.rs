//! Typed ids: a conversation id cannot be passed where a user id is expected.

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw database id.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }
            /// The raw database id.
            pub const fn get(self) -> i64 {
                self.0
            }
        }
    };
}

id_type!(
    /// A Countersign user (a member of staff).
    UserId
);
id_type!(
    /// A WhatsApp customer.
    ContactId
);
id_type!(
    /// A conversation with one customer on one business number.
    ConversationId
);
id_type!(
    /// A stored message.
    MessageId
);
id_type!(
    /// A team (a store, for example).
    TeamId
);
id_type!(
    /// A contact label.
    LabelId
);
id_type!(
    /// A role, built-in or custom.
    RoleId
);
id_type!(
    /// A field the organisation keeps about its contacts.
    ContactFieldId
);
id_type!(
    /// A request for a manager's approval.
    EscalationId
);
