//! Staff users and the slugs that name their roles.
//!
//! A role is referred to by a stable slug (`agent`, `store_north_lead`): settings, the IP
//! allowlist, the CLI and the store name roles that way, while the display name can change.
//! The built-in slugs are `owner`, `admin`, `manager` (Store manager), `agent` (Support
//! agent), `sales`, `marketing` and `auditor`.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The stable name of a role: 2–40 lower-case letters, digits and underscores.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoleSlug(String);

impl RoleSlug {
    /// The owners' role.
    pub fn owner() -> Self {
        Self("owner".to_owned())
    }

    /// Validates a slug.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let ok = (2..=40).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && raw.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Error::Invalid(
                "a role is named by 2 to 40 lower-case letters, digits or underscores, starting with a letter"
                    .to_owned(),
            ))
        }
    }

    /// A slug made from a display name (`Store 12 leads` → `store_12_leads`), or `None` when
    /// the name has no letters or digits to make one from.
    pub fn from_name(name: &str) -> Option<Self> {
        let mut slug = String::new();
        for c in name.trim().chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('_') && !slug.is_empty() {
                slug.push('_');
            }
        }
        let slug: String = slug.trim_end_matches('_').chars().take(32).collect();
        let slug = if slug.starts_with(|c: char| c.is_ascii_digit()) { format!("r_{slug}") } else { slug };
        Self::parse(slug.trim_end_matches('_')).ok()
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the owners' role.
    pub fn is_owner(&self) -> bool {
        self.0 == "owner"
    }
}

impl fmt::Display for RoleSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RoleSlug {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
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
    #[case::builtin("agent", true)]
    #[case::custom("store_12_leads", true)]
    #[case::upper("Agent", false)]
    #[case::space("store leads", false)]
    #[case::leading_digit("12_leads", false)]
    #[case::one_letter("a", false)]
    #[case::injection("agent';--", false)]
    fn slugs(#[case] raw: &str, #[case] ok: bool) {
        assert_eq!(RoleSlug::parse(raw).is_ok(), ok);
    }

    #[rstest]
    #[case::words("Store 12 leads", Some("store_12_leads"))]
    #[case::punctuation("  Sales — North!  ", Some("sales_north"))]
    #[case::leading_digit("12 leads", Some("r_12_leads"))]
    #[case::nothing_usable("—", None)]
    fn slugs_from_names(#[case] name: &str, #[case] expected: Option<&str>) {
        assert_eq!(RoleSlug::from_name(name).as_ref().map(RoleSlug::as_str), expected);
    }
}
