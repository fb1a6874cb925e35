//! Per-feature permissions and what each built-in role grants.

use std::collections::BTreeSet;

use crate::domain::Role;

/// One feature-level permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Read conversations and their messages.
    ConversationsRead,
    /// Send messages to customers.
    MessagesSend,
    /// See customers' phone numbers unmasked.
    ContactsViewPhone,
    /// Create users and change roles.
    UsersManage,
    /// Connect WhatsApp and change its secrets.
    ChannelManage,
}

impl Permission {
    /// Every permission, for catalogs and exhaustive tests.
    pub const ALL: [Self; 5] = [
        Self::ConversationsRead,
        Self::MessagesSend,
        Self::ContactsViewPhone,
        Self::UsersManage,
        Self::ChannelManage,
    ];

    /// The stable name the UI checks (`session.capabilities`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ConversationsRead => "conversations.read",
            Self::MessagesSend => "messages.send",
            Self::ContactsViewPhone => "contacts.view_phone",
            Self::UsersManage => "users.manage",
            Self::ChannelManage => "channel.manage",
        }
    }
}

/// What an actor may do: the permissions their role grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grants {
    role: Role,
    permissions: BTreeSet<Permission>,
}

impl Grants {
    /// The grants of a built-in role.
    pub fn for_role(role: Role) -> Self {
        use Permission::*;
        let permissions: &[Permission] = match role {
            Role::Admin => &Permission::ALL,
            Role::Manager => &[ConversationsRead, MessagesSend, ContactsViewPhone],
            Role::Agent => &[ConversationsRead, MessagesSend],
        };
        Self { role, permissions: permissions.iter().copied().collect() }
    }
    /// The role these grants come from.
    pub fn role(&self) -> Role {
        self.role
    }
    /// Whether the permission is granted.
    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
    /// The granted permissions' names, sorted.
    pub fn capability_names(&self) -> Vec<&'static str> {
        self.permissions.iter().map(|p| p.as_str()).collect()
    }
}
