//! Staff users and their built-in roles. Custom roles come with the authorization work; the
//! three built-ins are the defaults every organisation starts from.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A built-in role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Runs the organisation: users, channel, settings.
    Admin,
    /// Leads a store's team.
    Manager,
    /// Answers customers at the counter.
    Agent,
}

impl Role {
    /// The stable name used in the CLI, the store and views.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::Agent => "agent",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "admin" => Ok(Self::Admin),
            "manager" => Ok(Self::Manager),
            "agent" => Ok(Self::Agent),
            _ => Err(Error::Invalid("role must be one of: admin, manager, agent".to_owned())),
        }
    }
}

/// A validated user name: 3–64 characters of letters, digits, `.`, `_`, `-`, `@`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Validates and normalizes (trimmed, lower-case) a user name.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let name = raw.trim().to_lowercase();
        let ok_chars = name.chars().all(|c| c.is_alphanumeric() || ".-_@".contains(c));
        if (3..=64).contains(&name.chars().count()) && ok_chars {
            Ok(Self(name))
        } else {
            Err(Error::Invalid(
                "a user name has 3 to 64 letters, digits, dots, dashes, underscores or @".to_owned(),
            ))
        }
    }
    /// The normalized name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::plain("anna", Some("anna"))]
    #[case::trimmed_and_lowered("  Anna.Store12 ", Some("anna.store12"))]
    #[case::email_like("it@shop.example", Some("it@shop.example"))]
    #[case::too_short("ab", None)]
    #[case::space_inside("an na", None)]
    #[case::quote("anna'--", None)]
    fn usernames(#[case] raw: &str, #[case] expected: Option<&str>) {
        assert_eq!(Username::parse(raw).ok().as_ref().map(Username::as_str), expected);
    }

    #[rstest]
    #[case(Role::Admin)]
    #[case(Role::Manager)]
    #[case(Role::Agent)]
    fn roles_round_trip(#[case] role: Role) {
        assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
    }
}
