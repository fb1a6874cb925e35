//! The IP allowlist: which networks sign-in is allowed from (pure rules; the store keeps the
//! list).
//!
//! An empty list restricts nothing. Entries without a role apply to everyone and are checked
//! against the peer address before the password is looked at. Entries for a role apply only
//! to that role and are checked once the password proved who is signing in: checking them
//! earlier would tell an outsider which user names belong to restricted roles.
//!
//! Over HTTP the peer address is what is checked. The desktop app in standalone mode can only
//! check the addresses this PC has right now, which anyone with the PC can change: a weaker
//! control, and the settings say so.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::domain::RoleSlug;
use crate::error::{Error, Result};

/// One allowed network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowEntry {
    /// The network.
    pub net: IpNet,
    /// The role it is for; `None`: everyone.
    pub role: Option<RoleSlug>,
}

impl AllowEntry {
    /// Parses `10.1.0.0/16` or `2001:db8::/32`; a bare address means that one address.
    pub fn parse(cidr: &str, role: Option<RoleSlug>) -> Result<Self> {
        let text = cidr.trim();
        let net =
            text.parse::<IpNet>().or_else(|_| text.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                Error::Invalid(format!(
                    "{text:?} is not a network: write it like 10.1.0.0/16 or 2001:db8::/32"
                ))
            })?;
        Ok(Self { net: net.trunc(), role })
    }
}

impl fmt::Display for AllowEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.role {
            Some(role) => write!(f, "{} ({role})", self.net),
            None => write!(f, "{}", self.net),
        }
    }
}

/// The organisation's allowlist.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Allowlist(pub Vec<AllowEntry>);

fn matches(entries: &mut dyn Iterator<Item = &AllowEntry>, addrs: &[IpAddr]) -> Option<bool> {
    let mut any = false;
    for entry in entries {
        any = true;
        if addrs.iter().any(|a| entry.net.contains(&a.to_canonical())) {
            return Some(true);
        }
    }
    any.then_some(false)
}

impl Allowlist {
    /// Whether the everyone-entries let `addrs` (any of them) sign in. No such entries: yes.
    pub fn permits_anyone(&self, addrs: &[IpAddr]) -> bool {
        matches(&mut self.0.iter().filter(|e| e.role.is_none()), addrs).unwrap_or(true)
    }

    /// Whether the entries for `role` let `addrs` sign in. No entries for the role: yes.
    pub fn permits_role(&self, role: &RoleSlug, addrs: &[IpAddr]) -> bool {
        matches(&mut self.0.iter().filter(|e| e.role.as_ref() == Some(role)), addrs).unwrap_or(true)
    }

    /// Both checks, for someone whose role is known.
    pub fn permits(&self, role: &RoleSlug, addrs: &[IpAddr]) -> bool {
        self.permits_anyone(addrs) && self.permits_role(role, addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn list(entries: &[(&str, Option<&str>)]) -> Allowlist {
        Allowlist(
            entries
                .iter()
                .map(|(c, r)| AllowEntry::parse(c, r.map(|r| RoleSlug::parse(r).unwrap())).unwrap())
                .collect(),
        )
    }

    fn ip(s: &str) -> Vec<IpAddr> {
        vec![s.parse().unwrap()]
    }

    #[rstest]
    #[case::empty_list_restricts_nothing(&[], "203.0.113.9", "agent", true)]
    #[case::inside_v4(&[("10.1.0.0/16", None)], "10.1.200.3", "agent", true)]
    #[case::outside_v4(&[("10.1.0.0/16", None)], "10.2.0.1", "agent", false)]
    #[case::inside_v6(&[("2001:db8::/32", None)], "2001:db8:1::5", "manager", true)]
    #[case::outside_v6(&[("2001:db8::/32", None)], "2001:db9::1", "manager", false)]
    #[case::v4_mapped_v6_peer(&[("192.0.2.0/24", None)], "::ffff:192.0.2.7", "agent", true)]
    #[case::single_address(&[("198.51.100.4", None)], "198.51.100.4", "agent", true)]
    #[case::role_entry_for_other_role(&[("10.9.0.0/16", Some("admin"))], "203.0.113.9", "agent", true)]
    #[case::role_entry_restricts_its_role(&[("10.9.0.0/16", Some("admin"))], "203.0.113.9", "admin", false)]
    #[case::role_entry_admits_its_role(&[("10.9.0.0/16", Some("admin"))], "10.9.1.1", "admin", true)]
    #[case::both_must_pass(&[("10.0.0.0/8", None), ("10.9.0.0/16", Some("admin"))], "10.1.1.1", "admin", false)]
    fn matrix(
        #[case] entries: &[(&str, Option<&str>)],
        #[case] peer: &str,
        #[case] role: &str,
        #[case] allowed: bool,
    ) {
        assert_eq!(list(entries).permits(&RoleSlug::parse(role).unwrap(), &ip(peer)), allowed);
    }

    #[test]
    fn any_of_several_addresses_will_do() {
        let addrs = vec!["127.0.0.1".parse().unwrap(), "10.1.2.3".parse().unwrap()];
        assert!(list(&[("10.1.0.0/16", None)]).permits_anyone(&addrs));
    }

    #[rstest]
    #[case("10.1.2.3/16", "10.1.0.0/16")]
    #[case(" 2001:db8::1/32 ", "2001:db8::/32")]
    #[case("192.0.2.1", "192.0.2.1/32")]
    fn entries_are_normalized(#[case] input: &str, #[case] shown: &str) {
        assert_eq!(AllowEntry::parse(input, None).unwrap().to_string(), shown);
    }

    #[test]
    fn a_typo_says_how_to_write_a_network() {
        let err = AllowEntry::parse("10.1.0/16", None).unwrap_err();
        assert!(err.to_string().contains("10.1.0.0/16"), "{err}");
    }
}
