//! What counts as unusual activity (issue 7, point 6). Pure: the store counts, these rules
//! say what to count, how many is too many, and what the alert says.
//!
//! Two kinds of rule:
//! - **bursts**, checked as every event is appended ([`Rule::counting`]): many reveals, many
//!   exports or many refusals and failures by one person (or, for sign-ins under unknown names,
//!   from one address) within [`WINDOW_MINUTES`];
//! - **single events** the caller recognises because only it knows the grants involved: a
//!   change that gives someone more power than before ([`Rule::Escalation`]), and a privileged
//!   person signing in from an address they never signed in from ([`Rule::NewNetwork`]).
//!
//! A rule raises at most one alert per subject per window, so a burst of a hundred reveals is
//! one alert, not eighty.

use super::{Kind, Outcome};
use crate::authz::Permission;

/// The permissions that make someone's sign-in from a new network worth an alert: who may
/// change people, roles, security, the channel or retention.
pub const PRIVILEGED: [Permission; 5] = [
    Permission::UsersManage,
    Permission::RolesManage,
    Permission::SecurityManage,
    Permission::ChannelManage,
    Permission::RetentionManage,
];

/// The minutes a burst is counted over, and the quiet time before the same rule alerts again
/// about the same subject.
pub const WINDOW_MINUTES: i64 = 10;

/// One kind of unusual activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Many masked values revealed by one person.
    Reveals,
    /// Many exports (of the trail or of data) by one person.
    Exports,
    /// Many refusals and failures for one person or address.
    Denials,
    /// Someone was given more power: a role changed to a stronger one, a role given more.
    Escalation,
    /// A person with administrative power signed in from an address new for them.
    NewNetwork,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Self; 5] =
        [Self::Reveals, Self::Exports, Self::Denials, Self::Escalation, Self::NewNetwork];

    /// As stored in the alert and its event.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reveals => "many_reveals",
            Self::Exports => "many_exports",
            Self::Denials => "repeated_denials",
            Self::Escalation => "permission_escalation",
            Self::NewNetwork => "privileged_login_new_network",
        }
    }

    /// The rule stored as `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// What it means, for the administrators' list.
    pub fn label(self) -> &'static str {
        match self {
            Self::Reveals => "Many masked values revealed in a few minutes",
            Self::Exports => "Many exports in a few minutes",
            Self::Denials => "Repeated refusals or failed sign-ins",
            Self::Escalation => "Someone was given more permissions",
            Self::NewNetwork => "Administrator signed in from a new network",
        }
    }

    /// How many events within [`WINDOW_MINUTES`] raise a burst rule.
    pub fn threshold(self) -> Option<i64> {
        match self {
            Self::Reveals => Some(20),
            Self::Exports => Some(3),
            Self::Denials => Some(5),
            Self::Escalation | Self::NewNetwork => None,
        }
    }

    /// The burst rule that counts events of `kind`, if any. An alert itself counts for none.
    pub fn counting(kind: Kind) -> Option<Self> {
        match kind {
            Kind::AuditAlert | Kind::AuditAlertAcknowledged => None,
            Kind::DataReveal => Some(Self::Reveals),
            Kind::AuditExported => Some(Self::Exports),
            kind if matches!(kind.outcome(), Outcome::Denied | Outcome::Failure) => Some(Self::Denials),
            _ => None,
        }
    }

    /// The names of the kinds a burst rule counts.
    pub fn counted_kinds(self) -> Vec<&'static str> {
        Kind::ALL.iter().copied().filter(|k| Self::counting(*k) == Some(self)).map(Kind::name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_and_failure_counts_towards_repeated_denials() {
        let counted = Rule::Denials.counted_kinds();
        for kind in Kind::ALL {
            let refusal = matches!(kind.outcome(), Outcome::Denied | Outcome::Failure);
            assert_eq!(counted.contains(&kind.name()), refusal, "{kind}");
        }
        assert_eq!(Rule::Reveals.counted_kinds(), ["data.reveal"]);
        assert_eq!(Rule::Exports.counted_kinds(), ["audit.exported"]);
    }

    #[test]
    fn alerts_do_not_count_towards_alerts_and_names_round_trip() {
        assert_eq!(Rule::counting(Kind::AuditAlert), None);
        assert_eq!(Rule::counting(Kind::AuditAlertAcknowledged), None);
        for rule in Rule::ALL {
            assert_eq!(Rule::parse(rule.as_str()), Some(rule));
            assert_eq!(rule.threshold().is_some(), !rule.counted_kinds().is_empty(), "{rule:?}");
        }
    }
}
