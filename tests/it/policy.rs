//! The machine's IT policy in force: what it pins wins over the organisation's settings, is
//! refused when an administrator or IT's CLI tries to change it, and `countersign policy
//! check` explains a bad file line by line.

use std::net::{IpAddr, Ipv4Addr};

use countersign::api::audit::{AuditExportRequest, AuditSearch, ExportFormat};
use countersign::api::network::AllowEntryRequest;
use countersign::api::operator::ChannelSettings;
use countersign::api::session::{LoginRequest, Origin};
use countersign::api::users::SecuritySettings;
use countersign::domain::RoleSlug;
use countersign::managed::Policy;
use countersign::{Core, Error};

use crate::cli::countersign;
use crate::support::*;

const POLICY: &str = r#"{
  "second_factor_roles": ["admin"],
  "lock_after_minutes": 3,
  "ip_allowlist": [{ "cidr": "10.1.0.0/16" }],
  "content_protection": true,
  "allow_export": false,
  "graph_base_urls": ["https://graph.facebook.com"]
}"#;

async fn managed() -> (Site, Core) {
    let site = site("https://graph.facebook.com").await;
    let core = site.core.clone().with_policy(Policy::parse(POLICY, "test").unwrap());
    (site, core)
}

#[tokio::test]
async fn pinned_settings_win_and_only_their_value_in_force_is_accepted() {
    let (_site, core) = managed().await;
    assert_eq!(core.lock_after_seconds().await.unwrap(), 180);
    assert!(core.second_factor_required_for(&RoleSlug::parse("admin").unwrap()).await.unwrap());
    assert!(!core.second_factor_required_for(&RoleSlug::parse("agent").unwrap()).await.unwrap());
    assert!(core.content_protection().await.unwrap());

    let change = SecuritySettings { lock_after_seconds: Some(600), ..Default::default() };
    let refused = core.operator_set_security_settings(change).await;
    assert!(matches!(&refused, Err(Error::NotAllowed(m)) if m.contains("IT department")), "{refused:?}");
    // The whole form sent back with the pinned values as they are saves the rest.
    let same = SecuritySettings {
        lock_after_seconds: Some(180),
        second_factor_roles: Some(vec!["admin".to_owned()]),
        content_protection: Some(true),
        password_min_length: Some(16),
        ..Default::default()
    };
    core.operator_set_security_settings(same).await.unwrap();
    assert_eq!(core.password_policy().await.unwrap().min_length, 16);
}

#[tokio::test]
async fn a_pinned_allowlist_is_the_one_sign_in_checks_and_cannot_be_replaced() {
    let (_site, core) = managed().await;
    let login = || LoginRequest { username: AGENT.to_owned(), password: secret(AGENT_PASSWORD) };
    let outside = Origin::Network(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9)));
    assert!(matches!(core.login(login(), outside, "t").await, Err(Error::NetworkNotAllowed)));
    let inside = Origin::Network(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)));
    core.login(login(), inside, "t").await.unwrap();
    let widen = vec![AllowEntryRequest { cidr: "0.0.0.0/0".to_owned(), role: None }];
    assert!(matches!(core.operator_set_allowlist(widen).await, Err(Error::NotAllowed(_))));
}

#[tokio::test]
async fn exports_and_other_graph_addresses_are_refused_when_the_policy_says_so() {
    let (_site, core) = managed().await;
    let request = AuditExportRequest { format: ExportFormat::Jsonl, search: AuditSearch::default() };
    let refused = core.operator_export_audit(&request, &mut Vec::new()).await;
    assert!(matches!(refused, Err(Error::NotAllowed(_))), "{refused:?}");
    let elsewhere = ChannelSettings {
        phone_number_id: PHONE_NUMBER_ID.to_owned(),
        verify_token: secret(VERIFY_TOKEN),
        graph_base_url: "https://graph.attacker.example".to_owned(),
        api_version: None,
        app_secret: secret(APP_SECRET),
        access_token: secret(ACCESS_TOKEN),
    };
    assert!(matches!(core.operator_set_channel(elsewhere).await, Err(Error::Invalid(_))));
}

#[test]
fn policy_check_explains_every_problem_or_lists_what_the_file_sets() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(&good, POLICY).unwrap();
    let out = countersign(&["policy", "check", good.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("is valid") && said.contains("allow_export"), "{said}");

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"lock_after_minutes": 90, "log_level": "loud", "ip_allowlist": [{"cidr": "10.0.0.0/40"}]}"#,
    )
    .unwrap();
    let out = countersign(&["policy", "check", bad.to_str().unwrap()], "");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    for expected in ["lock_after_minutes: 90 is out of range", "log_level:", "ip_allowlist[0].cidr:"] {
        assert!(said.contains(expected), "{expected} in {said}");
    }
}

/// The example the package ships (`/usr/share/doc/countersign/policy.example.json`) is one IT
/// can deploy as it is.
#[test]
fn the_example_policy_the_package_ships_is_valid() {
    let text = include_str!("../../docs/policy.example.json");
    let policy = Policy::parse(text, "policy.example.json").unwrap();
    assert!(policy.lock_after_seconds.is_some() && policy.data_dir.is_some(), "{policy:?}");
}
