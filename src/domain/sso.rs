//! Single sign-on settings and the rule that turns a person's groups at the identity provider
//! into their Countersign role and teams. Pure: the store keeps these, `api::sso` applies them.
//!
//! Rules, and why:
//! - Mappings are ordered. The first mapping, in that order, whose group the person is in and
//!   which names a role decides their role: an administrator lists the most powerful first,
//!   and a person in both "Store managers" and "All staff" is a manager. Teams add up.
//! - Group values are compared exactly (case and all). Providers send stable values (Entra
//!   sends object ids, Keycloak paths); folding case could merge two groups.
//! - A person in no mapped group that names a role has no role: they are refused, and a user
//!   already made for them loses their teams and sessions (the provider removed them).

use std::collections::BTreeSet;

use super::{RoleSlug, TeamId};
use crate::error::Error;

/// Whether and how people sign in with the identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoMode {
    /// No single sign-on.
    Off,
    /// Single sign-on and passwords both work.
    SsoAndPasswords,
    /// Single sign-on only: passwords work for the break-glass owner alone.
    SsoOnly,
}

impl SsoMode {
    /// The stored and API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::SsoAndPasswords => "sso_and_passwords",
            Self::SsoOnly => "sso_only",
        }
    }

    /// Reads a stored or requested name.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "off" => Ok(Self::Off),
            "sso_and_passwords" => Ok(Self::SsoAndPasswords),
            "sso_only" => Ok(Self::SsoOnly),
            _ => Err(Error::Invalid("the mode is one of off, sso_and_passwords, sso_only".to_owned())),
        }
    }
}

/// One group value and what being in it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMapping {
    /// The value in the provider's groups claim.
    pub group: String,
    /// The role it gives (the first such mapping wins).
    pub role: Option<RoleSlug>,
    /// The team it adds.
    pub team: Option<TeamId>,
}

/// The organisation's single sign-on settings.
#[derive(Debug)]
pub struct SsoConfig {
    /// Whether people sign in with the provider, and whether passwords still work.
    pub mode: SsoMode,
    /// The button's name (`Contoso Entra ID`).
    pub label: String,
    /// The provider's issuer URL.
    pub issuer: String,
    /// The client id registered with the provider.
    pub client_id: String,
    /// The client secret, for providers that require one of native apps (write-only).
    pub client_secret: Option<crate::keys::SecretString>,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// The claim whose value becomes the user name.
    pub username_claim: String,
    /// The claim listing groups or roles.
    pub groups_claim: String,
    /// Whether a person unknown here is created at their first sign-in.
    pub provision: bool,
    /// The owner who may still sign in with a password when passwords are off.
    pub break_glass: Option<super::UserId>,
}

/// Why a single sign-on was refused: a short reason for the audit trail and a message safe to
/// show the person (it never repeats what the provider or the browser sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoRefusal {
    /// Single sign-on is not set up (or is off).
    NotConfigured,
    /// The provider could not be reached, or described itself wrongly.
    Provider,
    /// The provider answered the browser with an error (the person cancelled, or was refused).
    ProviderRefused,
    /// The answer did not belong to this sign-in (`state`), or was malformed.
    Answer,
    /// The provider refused the code, or its ID token failed a check.
    Token,
    /// The token did not name the user (the user name claim is missing or unusable).
    Claims,
    /// None of the person's groups gives a role here.
    NoMappedGroup,
    /// The person has no user here and provisioning is off.
    NotProvisioned,
    /// A user with the provider's user name exists here and is not bound to this person.
    NameTaken,
    /// The user is disabled here.
    Disabled,
    /// The person signed in at the provider is not the session's user (unlocking).
    WrongPerson,
    /// Nobody finished signing in at the provider in time.
    TimedOut,
    /// The person cancelled in the app while the browser was open.
    Cancelled,
    /// The system browser could not be opened.
    NoBrowser,
}

impl SsoRefusal {
    /// The reason recorded in the audit trail.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::NotConfigured => "not_configured",
            Self::Provider => "provider_unreachable",
            Self::ProviderRefused => "provider_refused",
            Self::Answer => "state_mismatch",
            Self::Token => "token_invalid",
            Self::Claims => "claims_missing",
            Self::NoMappedGroup => "no_mapped_group",
            Self::NotProvisioned => "not_provisioned",
            Self::NameTaken => "username_taken",
            Self::Disabled => "disabled",
            Self::WrongPerson => "wrong_person",
            Self::TimedOut => "timed_out",
            Self::Cancelled => "cancelled",
            Self::NoBrowser => "no_browser",
        }
    }

    /// What the person is told.
    pub const fn message(self) -> &'static str {
        match self {
            Self::NotConfigured => "single sign-on is not set up here",
            Self::Provider => "the identity provider could not be reached; try again or ask IT",
            Self::ProviderRefused => "the identity provider did not sign you in",
            Self::Answer => "that sign-in answer does not belong to this sign-in; start again",
            Self::Token => "the identity provider's answer failed its security checks; start again",
            Self::Claims => "the identity provider did not say who you are; ask IT to check the settings",
            Self::NoMappedGroup => {
                "your account at the identity provider is not in a group that may use Countersign; ask IT"
            }
            Self::NotProvisioned => "you have no account here yet; ask an administrator to add you",
            Self::NameTaken => "a different account here already has your user name; ask an administrator",
            Self::Disabled => "your account here is disabled; ask an administrator",
            Self::WrongPerson => "you signed in at the identity provider as someone else",
            Self::TimedOut => "the sign-in was not finished in time; start again",
            Self::Cancelled => "the sign-in was cancelled",
            Self::NoBrowser => "the web browser could not be opened; ask IT to set a default browser",
        }
    }
}

/// What a person's groups give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// Their role; `None`: no mapped group gives one, so they may not sign in.
    pub role: Option<RoleSlug>,
    /// Every team their groups add.
    pub teams: BTreeSet<TeamId>,
}

/// Applies `mappings` (in order) to `groups`.
pub fn map_groups(mappings: &[GroupMapping], groups: &[String]) -> Mapped {
    let member = |m: &&GroupMapping| groups.contains(&m.group);
    let role = mappings.iter().filter(member).find_map(|m| m.role.clone());
    let teams = mappings.iter().filter(member).filter_map(|m| m.team).collect();
    Mapped { role, teams }
}

/// A group value an administrator typed: trimmed, 1 to 256 characters, no control characters.
pub fn checked_group(raw: &str) -> Result<String, Error> {
    let group = raw.trim();
    if group.is_empty() || group.chars().count() > 256 || group.chars().any(char::is_control) {
        return Err(Error::Invalid("a group is 1 to 256 printable characters".to_owned()));
    }
    Ok(group.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn mapping(group: &str, role: Option<&str>, team: Option<i64>) -> GroupMapping {
        GroupMapping {
            group: group.to_owned(),
            role: role.map(|r| RoleSlug::parse(r).unwrap()),
            team: team.map(TeamId::new),
        }
    }

    fn table() -> Vec<GroupMapping> {
        vec![
            mapping("cs-managers", Some("manager"), None),
            mapping("cs-agents", Some("agent"), None),
            mapping("store-york", None, Some(2)),
            mapping("store-leeds", None, Some(3)),
            mapping("cs-agents", None, Some(1)),
        ]
    }

    #[rstest]
    #[case::agent_of_one_store(&["cs-agents", "store-york"], Some("agent"), &[1, 2])]
    #[case::first_role_in_order_wins(&["cs-agents", "cs-managers"], Some("manager"), &[1])]
    #[case::teams_add_up(&["cs-managers", "store-york", "store-leeds"], Some("manager"), &[2, 3])]
    #[case::team_without_role_is_no_access(&["store-york"], None, &[2])]
    #[case::no_groups(&[], None, &[])]
    #[case::case_matters(&["CS-AGENTS"], None, &[])]
    #[case::unknown_groups_ignored(&["everyone", "cs-agents"], Some("agent"), &[1])]
    fn groups_map_to_role_and_teams(
        #[case] groups: &[&str],
        #[case] role: Option<&str>,
        #[case] teams: &[i64],
    ) {
        let groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
        let mapped = map_groups(&table(), &groups);
        assert_eq!(mapped.role.as_ref().map(RoleSlug::as_str), role);
        assert_eq!(mapped.teams, teams.iter().copied().map(TeamId::new).collect());
    }

    #[rstest]
    #[case::plain("cs-agents", Some("cs-agents"))]
    #[case::trimmed("  /stores/york ", Some("/stores/york"))]
    #[case::empty("   ", None)]
    #[case::control("a\nb", None)]
    fn groups_typed_by_admins(#[case] raw: &str, #[case] expected: Option<&str>) {
        assert_eq!(checked_group(raw).ok().as_deref(), expected);
    }

    #[test]
    fn modes_round_trip() {
        for mode in [SsoMode::Off, SsoMode::SsoAndPasswords, SsoMode::SsoOnly] {
            assert_eq!(SsoMode::parse(mode.as_str()).unwrap(), mode);
        }
        assert!(SsoMode::parse("on").is_err());
    }
}
