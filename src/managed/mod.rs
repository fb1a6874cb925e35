//! The machine-wide policy IT deploys (Linux `/etc/countersign/policy.json`): settings that
//! override what administrators choose in the app, shown there as set by IT and refused if an
//! administrator tries to change them.
//!
//! Rules, and why:
//! - A policy that does not parse, or asks for something invalid, stops the app and the CLI
//!   with every problem explained: running unprotected because of a typo is the failure mode
//!   this exists to prevent. Unknown keys are errors for the same reason (a misspelt key would
//!   silently not apply).
//! - No environment variable or argument points the app at another policy file: a user of a
//!   managed PC must not be able to step out of it. (Test builds with the `demo` feature read
//!   `COUNTERSIGN_POLICY`, so the end-to-end tests can deploy one without root.)
//! - Everything the policy sets is absent-or-set: an absent key leaves the setting to
//!   administrators.
//! - The policy holds no secret: it is readable by every user of the PC (a single sign-on
//!   client secret, where a provider needs one, stays in the encrypted store).

mod load;

use std::path::PathBuf;

use serde::Deserialize;

use crate::auth::allowlist::{AllowEntry, Allowlist};
use crate::domain::sso::{checked_group, SsoMode};
use crate::domain::RoleSlug;

pub use load::{load_machine_policy, MACHINE_POLICY};

/// One problem in a policy file: where, and what is wrong, in words for IT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key's path (`sso.mappings[2].role`), or `(file)` for the file as a whole.
    pub at: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Why a policy cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("the IT policy at {source_name} cannot be used:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct PolicyError {
    /// Which policy (a file path).
    pub source_name: String,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

/// Where the data key comes from, as a policy pins it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum KeySourcePolicy {
    /// The OS credential store.
    OsCredentialStore,
    /// A key file at this path.
    KeyFile(PathBuf),
}

/// An allowlist entry as the file writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllowEntry {
    cidr: String,
    #[serde(default)]
    role: Option<String>,
}

/// A group mapping as the file writes it (teams by name: their ids differ between stores).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoMappingPolicy {
    /// The provider's group value.
    pub group: String,
    /// A role's slug.
    #[serde(default)]
    pub role: Option<String>,
    /// A team's name.
    #[serde(default)]
    pub team: Option<String>,
}

/// Single sign-on as IT pins it (every field but the client secret).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoPolicy {
    /// `off`, `sso_and_passwords` or `sso_only`.
    pub mode: String,
    /// The sign-in button's name.
    pub label: String,
    /// The provider's issuer URL.
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// Scopes besides `openid`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The claim that becomes the user name.
    #[serde(default = "default_username_claim")]
    pub username_claim: String,
    /// The claim listing groups.
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Create users at their first sign-in.
    #[serde(default)]
    pub provision: bool,
    /// The owner who keeps a password when passwords are off.
    #[serde(default)]
    pub break_glass: Option<String>,
    /// Groups → role and team, most powerful first.
    #[serde(default)]
    pub mappings: Vec<SsoMappingPolicy>,
}

fn default_username_claim() -> String {
    "preferred_username".to_owned()
}

fn default_groups_claim() -> String {
    "groups".to_owned()
}

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    data_dir: Option<PathBuf>,
    #[serde(default)]
    key_source: Option<KeySourcePolicy>,
    #[serde(default)]
    second_factor_roles: Option<Vec<String>>,
    #[serde(default)]
    lock_after_minutes: Option<u32>,
    #[serde(default)]
    ip_allowlist: Option<Vec<RawAllowEntry>>,
    #[serde(default)]
    content_protection: Option<bool>,
    #[serde(default)]
    allow_export: Option<bool>,
    #[serde(default)]
    graph_base_urls: Option<Vec<String>>,
    #[serde(default)]
    log_level: Option<String>,
    #[serde(default)]
    sso: Option<SsoPolicy>,
}

/// A checked policy. `Policy::default()` is no policy: administrators decide everything.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Where the store is.
    pub data_dir: Option<PathBuf>,
    /// Where the data key comes from.
    pub key_source: Option<KeySourcePolicy>,
    /// The roles that must use a second factor.
    pub second_factor_roles: Option<Vec<RoleSlug>>,
    /// Seconds without input after which the desktop app locks.
    pub lock_after_seconds: Option<i64>,
    /// The networks sign-in is allowed from.
    pub ip_allowlist: Option<Allowlist>,
    /// Whether the window is kept out of screen captures.
    pub content_protection: Option<bool>,
    /// Whether exports (the audit trail, privacy exports) are allowed.
    pub allow_export: Option<bool>,
    /// The Graph API base URLs the channel may use.
    pub graph_base_urls: Option<Vec<url::Url>>,
    /// The logging filter (`error`, `warn`, `info`, `debug`).
    pub log_level: Option<String>,
    /// Single sign-on, pinned.
    pub sso: Option<SsoPolicy>,
}

impl Policy {
    /// Parses and checks a policy file's text; `source_name` names it in the errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Self, PolicyError> {
        let fail = |problems| PolicyError { source_name: source_name.to_owned(), problems };
        let mut reader = serde_json::Deserializer::from_str(text);
        let raw: RawPolicy = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
            // The path of the key at fault; the file itself when there is none (a syntax
            // error, or an unknown key written as "").
            let at = match e.path().to_string() {
                p if p == "." || p.trim().is_empty() => "(file)".to_owned(),
                p => p,
            };
            fail(vec![Problem { at, message: explain_json(e.inner()) }])
        })?;
        reader
            .end()
            .map_err(|e| fail(vec![Problem { at: "(file)".to_owned(), message: explain_json(&e) }]))?;
        let mut problems = Vec::new();
        let policy = check(raw, &mut problems);
        if problems.is_empty() {
            Ok(policy)
        } else {
            Err(fail(problems))
        }
    }

    /// Whether the policy sets anything.
    pub fn is_empty(&self) -> bool {
        self.settings().is_empty()
    }

    /// The names of the settings it pins, as the UI and `policy check` list them.
    pub fn settings(&self) -> Vec<&'static str> {
        let set = [
            ("data_dir", self.data_dir.is_some()),
            ("key_source", self.key_source.is_some()),
            ("second_factor_roles", self.second_factor_roles.is_some()),
            ("lock_after_seconds", self.lock_after_seconds.is_some()),
            ("ip_allowlist", self.ip_allowlist.is_some()),
            ("content_protection", self.content_protection.is_some()),
            ("allow_export", self.allow_export.is_some()),
            ("graph_base_urls", self.graph_base_urls.is_some()),
            ("log_level", self.log_level.is_some()),
            ("sso", self.sso.is_some()),
        ];
        set.into_iter().filter(|(_, on)| *on).map(|(name, _)| name).collect()
    }

    /// Where the store and its key file are, given what was asked for (arguments, environment):
    /// what the policy pins wins, and asking for something else is an error that says so
    /// (`None` key file: the OS credential store).
    pub fn pinned_location(
        &self,
        data_dir: Option<PathBuf>,
        key_file: Option<PathBuf>,
    ) -> Result<(Option<PathBuf>, Option<PathBuf>), String> {
        let dir = match (&self.data_dir, data_dir) {
            (Some(pinned), Some(asked)) if *pinned != asked => {
                return Err(format!(
                    "the IT policy keeps the data in {}; leave out --data-dir and COUNTERSIGN_DATA_DIR",
                    pinned.display()
                ))
            }
            (Some(pinned), _) => Some(pinned.clone()),
            (None, asked) => asked,
        };
        let key_file = match (&self.key_source, key_file) {
            (Some(KeySourcePolicy::OsCredentialStore), Some(_)) => {
                return Err("the IT policy keeps the data key in the OS credential store; leave out --key-file and COUNTERSIGN_KEY_FILE".to_owned())
            }
            (Some(KeySourcePolicy::OsCredentialStore), None) => None,
            (Some(KeySourcePolicy::KeyFile(pinned)), Some(asked)) if *pinned != asked => {
                return Err(format!(
                    "the IT policy keeps the data key in {}; leave out --key-file and COUNTERSIGN_KEY_FILE",
                    pinned.display()
                ))
            }
            (Some(KeySourcePolicy::KeyFile(pinned)), _) => Some(pinned.clone()),
            (None, asked) => asked,
        };
        Ok((dir, key_file))
    }

    /// Whether the channel may use `url` (any URL when the policy does not say).
    pub fn allows_graph_url(&self, url: &url::Url) -> bool {
        self.graph_base_urls.as_ref().is_none_or(|allowed| {
            allowed.iter().any(|a| a.origin() == url.origin() && url.path().starts_with(a.path()))
        })
    }
}

/// What a JSON error means, without quoting the file (it may hold a path or a group name,
/// which is fine, but the message must stay short and plain).
fn explain_json(e: &serde_json::Error) -> String {
    let text = e.to_string();
    // serde_json's own messages are plain ("unknown field `lock_minutes`, expected one of …");
    // drop its " at line L column C" tail and say where instead.
    let plain = text.split(" at line ").next().unwrap_or(&text).to_owned();
    format!("{plain} (line {}, column {})", e.line(), e.column())
}

fn check(raw: RawPolicy, problems: &mut Vec<Problem>) -> Policy {
    let mut problem = |at: &str, message: String| problems.push(Problem { at: at.to_owned(), message });
    let roles = raw.second_factor_roles.map(|list| {
        let mut roles = Vec::new();
        for (i, name) in list.iter().enumerate() {
            match RoleSlug::parse(name.trim()) {
                Ok(slug) => roles.push(slug),
                Err(_) => problem(
                    &format!("second_factor_roles[{i}]"),
                    format!(
                        "{name:?} is not a role's slug (owner, admin, manager, agent … or a custom role's)"
                    ),
                ),
            }
        }
        roles
    });
    let lock = raw.lock_after_minutes.and_then(|m| match m {
        1..=60 => Some(i64::from(m) * 60),
        _ => {
            problem("lock_after_minutes", format!("{m} is out of range: give 1 to 60 minutes"));
            None
        }
    });
    let allowlist = raw.ip_allowlist.map(|entries| {
        let mut list = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let role = match e.role.as_deref().map(RoleSlug::parse) {
                Some(Ok(slug)) => Some(slug),
                Some(Err(_)) => {
                    problem(&format!("ip_allowlist[{i}].role"), "not a role's slug".to_owned());
                    continue;
                }
                None => None,
            };
            match AllowEntry::parse(&e.cidr, role) {
                Ok(entry) => list.push(entry),
                Err(_) => problem(
                    &format!("ip_allowlist[{i}].cidr"),
                    format!("{:?} is not a network such as 10.1.0.0/16 or one address", e.cidr),
                ),
            }
        }
        Allowlist(list)
    });
    let graph = raw.graph_base_urls.map(|urls| {
        let mut list = Vec::new();
        for (i, raw_url) in urls.iter().enumerate() {
            match url::Url::parse(raw_url) {
                Ok(u) if u.scheme() == "https" || is_loopback(&u) => list.push(u),
                _ => problem(
                    &format!("graph_base_urls[{i}]"),
                    format!("{raw_url:?} is not an https:// address (such as https://graph.facebook.com)"),
                ),
            }
        }
        list
    });
    let log_level = raw.log_level.and_then(|level| match level.as_str() {
        "error" | "warn" | "info" | "debug" => Some(level),
        _ => {
            problem("log_level", format!("{level:?} is not one of error, warn, info, debug"));
            None
        }
    });
    if let Some(sso) = &raw.sso {
        check_sso(sso, &mut problem);
    }
    if let Some(dir) = raw.data_dir.as_ref().filter(|d| !d.is_absolute()) {
        problem("data_dir", format!("{} is not an absolute path", dir.display()));
    }
    if let Some(KeySourcePolicy::KeyFile(path)) =
        raw.key_source.as_ref().filter(|k| matches!(k, KeySourcePolicy::KeyFile(p) if !p.is_absolute()))
    {
        problem("key_source.key_file", format!("{} is not an absolute path", path.display()));
    }
    Policy {
        data_dir: raw.data_dir,
        key_source: raw.key_source,
        second_factor_roles: roles,
        lock_after_seconds: lock,
        ip_allowlist: allowlist,
        content_protection: raw.content_protection,
        allow_export: raw.allow_export,
        graph_base_urls: graph,
        log_level,
        sso: raw.sso,
    }
}

fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    }
}

fn check_sso(sso: &SsoPolicy, problem: &mut impl FnMut(&str, String)) {
    if SsoMode::parse(&sso.mode).is_err() {
        problem("sso.mode", format!("{:?} is not one of off, sso_and_passwords, sso_only", sso.mode));
    }
    if sso.mode == "sso_only" && sso.break_glass.as_deref().is_none_or(|b| b.trim().is_empty()) {
        problem(
            "sso.break_glass",
            "with sso_only, name the owner who keeps a password for when the provider fails".to_owned(),
        );
    }
    let secure = url::Url::parse(&sso.issuer).is_ok_and(|u| u.scheme() == "https" || is_loopback(&u));
    if !secure {
        problem("sso.issuer", format!("{:?} is not an https:// issuer URL", sso.issuer));
    }
    if sso.client_id.trim().is_empty() {
        problem("sso.client_id", "the client id is empty".to_owned());
    }
    for (i, m) in sso.mappings.iter().enumerate() {
        if checked_group(&m.group).is_err() {
            problem(
                &format!("sso.mappings[{i}].group"),
                "a group is 1 to 256 printable characters".to_owned(),
            );
        }
        if let Some(role) = m.role.as_deref().filter(|r| RoleSlug::parse(r).is_err()) {
            problem(&format!("sso.mappings[{i}].role"), format!("{role:?} is not a role's slug"));
        }
        if m.role.is_none() && m.team.is_none() {
            problem(&format!("sso.mappings[{i}]"), "gives neither a role nor a team".to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const FULL: &str = r#"{
      "data_dir": "/var/lib/countersign",
      "key_source": { "key_file": "/etc/countersign/data.key" },
      "second_factor_roles": ["owner", "admin"],
      "lock_after_minutes": 3,
      "ip_allowlist": [{ "cidr": "10.1.0.0/16" }, { "cidr": "192.168.5.0/24", "role": "manager" }],
      "content_protection": true,
      "allow_export": false,
      "graph_base_urls": ["https://graph.facebook.com"],
      "log_level": "warn",
      "sso": { "mode": "sso_only", "label": "Contoso ID", "issuer": "https://login.contoso.example/v2.0",
               "client_id": "countersign", "break_glass": "olga",
               "mappings": [{ "group": "cs-agents", "role": "agent", "team": "York" }] }
    }"#;

    #[test]
    fn a_full_policy_reads_back_what_it_sets() {
        let p = Policy::parse(FULL, "test").unwrap();
        assert_eq!(p.lock_after_seconds, Some(180));
        assert_eq!(p.second_factor_roles.as_ref().map(Vec::len), Some(2));
        assert_eq!(p.ip_allowlist.as_ref().map(|l| l.0.len()), Some(2));
        assert_eq!(p.key_source, Some(KeySourcePolicy::KeyFile("/etc/countersign/data.key".into())));
        assert_eq!(p.settings().len(), 10);
        assert!(p.allows_graph_url(&url::Url::parse("https://graph.facebook.com/v21.0").unwrap()));
        assert!(!p.allows_graph_url(&url::Url::parse("https://evil.example").unwrap()));
        assert!(Policy::parse("{}", "test").unwrap().is_empty());
    }

    #[rstest]
    #[case::not_json("lock_after_minutes = 5", "(file)", "expected value")]
    #[case::unknown_key(r#"{"lock_minutes": 5}"#, "lock_minutes", "unknown field `lock_minutes`")]
    #[case::empty_key(r#"{"": 5}"#, "(file)", "unknown field ``")]
    #[case::wrong_type(r#"{"content_protection": "yes"}"#, "content_protection", "expected a boolean")]
    #[case::trailing(r#"{} {}"#, "(file)", "trailing characters")]
    #[case::lock_range(r#"{"lock_after_minutes": 0}"#, "lock_after_minutes", "1 to 60")]
    #[case::bad_network(
        r#"{"ip_allowlist": [{"cidr": "10.1.0.0/33"}]}"#,
        "ip_allowlist[0].cidr",
        "not a network"
    )]
    #[case::plain_http_graph(
        r#"{"graph_base_urls": ["http://graph.example"]}"#,
        "graph_base_urls[0]",
        "https://"
    )]
    #[case::log_level(r#"{"log_level": "trace"}"#, "log_level", "error, warn, info, debug")]
    #[case::relative_dir(r#"{"data_dir": "data"}"#, "data_dir", "absolute")]
    #[case::sso_only_without_owner(
        r#"{"sso": {"mode": "sso_only", "label": "X", "issuer": "https://idp.example", "client_id": "c"}}"#,
        "sso.break_glass",
        "owner"
    )]
    #[case::mapping_gives_nothing(
        r#"{"sso": {"mode": "off", "label": "X", "issuer": "https://idp.example", "client_id": "c", "mappings": [{"group": "g"}]}}"#,
        "sso.mappings[0]",
        "neither"
    )]
    fn problems_say_where_and_what(#[case] text: &str, #[case] at: &str, #[case] says: &str) {
        let e = Policy::parse(text, "/etc/countersign/policy.json").unwrap_err();
        let p = e.problems.iter().find(|p| p.at == at).unwrap_or_else(|| panic!("{at} in {:?}", e.problems));
        assert!(p.message.contains(says), "{p}");
        assert!(e.to_string().contains("/etc/countersign/policy.json"));
    }

    #[test]
    fn the_pinned_store_location_wins_and_another_one_asked_for_is_refused() {
        let p = Policy::parse(FULL, "t").unwrap();
        let pinned =
            (Some(PathBuf::from("/var/lib/countersign")), Some(PathBuf::from("/etc/countersign/data.key")));
        assert_eq!(p.pinned_location(None, None).unwrap(), pinned);
        assert_eq!(p.pinned_location(pinned.0.clone(), pinned.1.clone()).unwrap(), pinned);
        assert!(p
            .pinned_location(Some("/tmp/elsewhere".into()), None)
            .unwrap_err()
            .contains("/var/lib/countersign"));
        assert!(p.pinned_location(None, Some("/tmp/key".into())).is_err());
        let none = Policy::default();
        assert_eq!(none.pinned_location(Some("/d".into()), None).unwrap(), (Some("/d".into()), None));
    }

    #[test]
    fn every_problem_is_listed_not_just_the_first() {
        let e = Policy::parse(
            r#"{"lock_after_minutes": 99, "log_level": "loud", "graph_base_urls": ["ftp://x"]}"#,
            "t",
        )
        .unwrap_err();
        assert_eq!(e.problems.len(), 3, "{e}");
    }
}
