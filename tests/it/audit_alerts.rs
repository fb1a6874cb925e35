//! Unusual activity and retention in the audit trail (issue 7, points 6 and 7): bursts of
//! reveals, exports or refusals, a stronger role, an administrator on a new network each raise
//! one high-risk `audit.alert` and an open alert that administrators see until one of them
//! acknowledges it; events past retention are purged up to a signed checkpoint, and the trail
//! left still verifies — while deleting events by hand still does not.

use std::net::IpAddr;
use std::sync::Arc;

use countersign::api::session::{LoginRequest, Origin};
use countersign::audit::{AuditEvent, Break, Kind};
use countersign::authz::AuditActor;
use countersign::clock::{Clock, ManualClock, SystemClock, Timestamp};
use countersign::domain::UserId;
use countersign::Core;
use rstest::rstest;
use serde_json::{json, Value};

use crate::support::*;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

/// The `audit.alert` events in the trail.
async fn alert_events(core: &Core) -> Vec<countersign::audit::AuditRecord> {
    core.store().audit_records().await.unwrap().into_iter().filter(|r| r.action == "audit.alert").collect()
}

/// Writes `n` events of `kind` by user 42 through the writer every change uses, `gap_ms`
/// apart, starting at `start`.
async fn burst(core: &Core, kind: Kind, n: i64, start: i64, gap_ms: i64) {
    let store = core.store();
    for i in 0..n {
        let mut tx = store.write().await.unwrap();
        let event = AuditEvent::new(AuditActor::User { id: UserId::new(42), session: None }, kind)
            .target(format!("message:{i}"))
            .from("this PC", "Countersign desktop");
        tx.audit(&event, Timestamp::from_millis(start + i * gap_ms)).await.unwrap();
        tx.commit().await.unwrap();
    }
}

#[rstest]
#[case::reveals(Kind::DataReveal, 20, "many_reveals")]
#[case::exports(Kind::AuditExported, 3, "many_exports")]
#[case::refusals(Kind::AccessDenied, 5, "repeated_denials")]
#[case::failed_unlocks(Kind::SessionUnlockFailed, 5, "repeated_denials")]
#[tokio::test]
async fn a_burst_by_one_person_raises_one_alert_at_its_threshold(
    #[case] kind: Kind,
    #[case] threshold: i64,
    #[case] rule: &str,
) {
    let site = site("http://127.0.0.1:9").await;
    let now = SystemClock.now().as_millis();
    // Spread out over more than the window, as many never count together: no alert.
    burst(&site.core, kind, threshold, now - threshold * 11 * MINUTE, 11 * MINUTE).await;
    assert!(alert_events(&site.core).await.is_empty(), "spread over hours is not a burst");
    // One short of the threshold within ten minutes: still none; one more: an alert.
    burst(&site.core, kind, threshold - 1, now, 1_000).await;
    assert!(alert_events(&site.core).await.is_empty());
    burst(&site.core, kind, 1, now + threshold * 1_000, 0).await;
    let alerts = alert_events(&site.core).await;
    assert_eq!(alerts.len(), 1, "{rule}");
    let alert = &alerts[0];
    assert_eq!((alert.actor.as_str(), alert.target.as_deref()), ("user:42", Some("user:42")));
    assert_eq!(alert.risk.as_deref(), Some("high"));
    assert!(
        alert.detail.starts_with(&format!("rule={rule};count={threshold};within_minutes=10")),
        "{}",
        alert.detail
    );
    assert_eq!(
        (alert.origin.as_deref(), alert.device.as_deref()),
        (Some("this PC"), Some("Countersign desktop"))
    );
    // The burst going on is the same alert, not one per event.
    burst(&site.core, kind, threshold * 2, now + threshold * 1_000 + 1_000, 1_000).await;
    assert_eq!(alert_events(&site.core).await.len(), 1);
    // A burst after the window has passed is new.
    burst(&site.core, kind, threshold, now + 30 * MINUTE, 1_000).await;
    assert_eq!(alert_events(&site.core).await.len(), 2);
}

#[tokio::test]
async fn refusals_alert_administrators_who_acknowledge_them_once() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let served = Served::on_clock("http://127.0.0.1:9", clock.clone()).await;
    let (admin, _) = served.admin_stepped_up(&served.http).await;
    let agent = served.login().await;
    let alerts = |token: &str| {
        let served = &served;
        let token = token.to_owned();
        async move { served.get("/api/v1/audit/alerts", Some(&token)).await }
    };
    assert_eq!(alerts(&admin).await.json::<Value>().await.unwrap()["open"], 0);
    // The agent tries the users list five times in a minute (refused each time).
    for _ in 0..5 {
        assert_eq!(served.get("/api/v1/users", Some(&agent)).await.status(), 403);
    }
    let open: Value = alerts(&admin).await.json().await.unwrap();
    assert_eq!(open["open"], 1);
    let alert = &open["alerts"][0];
    assert_eq!(alert["rule"], "repeated_denials");
    assert_eq!(alert["label"], "Repeated refusals or failed sign-ins");
    assert_eq!(alert["event"]["actor"], AGENT, "named, for the administrator");
    assert_eq!(alert["event"]["origin"], "127.0.0.1", "from the agent's session");
    // The agent cannot see alerts (nor is one more refusal another alert).
    assert_eq!(alerts(&agent).await.status(), 403);
    assert_eq!(alerts(&admin).await.json::<Value>().await.unwrap()["open"], 1);

    let seq = alert["event"]["seq"].as_i64().unwrap();
    let acknowledge = |token: &str| {
        let served = &served;
        let token = token.to_owned();
        async move {
            served.post(&format!("/api/v1/audit/alerts/{seq}/acknowledge"), Some(&token), json!({})).await
        }
    };
    assert_eq!(acknowledge(&agent).await.status(), 403);
    assert_eq!(acknowledge(&admin).await.status(), 204);
    assert_eq!(acknowledge(&admin).await.status(), 404, "acknowledged already");
    assert_eq!(alerts(&admin).await.json::<Value>().await.unwrap()["open"], 0);
    let trail = served.site.core.store().audit_records().await.unwrap();
    let acked = trail.iter().find(|r| r.action == "audit.alert_acknowledged").unwrap();
    assert_eq!(acked.target.as_deref(), Some(format!("audit:{seq}").as_str()));
    assert!(acked.actor.starts_with("user:"));
}

#[tokio::test]
async fn failed_sign_ins_under_unknown_names_alert_about_their_address() {
    let site = site("http://127.0.0.1:9").await;
    let address: IpAddr = "198.51.100.23".parse().unwrap();
    for n in 0..5 {
        let request =
            LoginRequest { username: format!("guess{n}"), password: secret("not a real password at all") };
        assert!(site.core.login(request, Origin::Network(address), "curl/8.5").await.is_err());
    }
    let alerts = alert_events(&site.core).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!((alerts[0].actor.as_str(), alerts[0].target.as_deref()), ("anonymous", Some("198.51.100.23")));
    assert!(alerts[0].detail.starts_with("rule=repeated_denials"));
}

#[tokio::test]
async fn a_stronger_role_alerts_and_a_weaker_one_does_not() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let served = Served::on_clock("http://127.0.0.1:9", clock.clone()).await;
    let core = &served.site.core;
    let (admin, totp) = served.admin_stepped_up(&served.http).await;
    let put = |path: String, body: Value| {
        let (served, admin) = (&served, admin.clone());
        async move { served.request_json(reqwest::Method::PUT, &path, &admin, body).await }
    };
    let to = |role: &'static str| put(format!("/api/v1/users/{AGENT}/role"), json!({ "role": role }));
    assert_eq!(to("manager").await.status(), 200);
    let alerts = alert_events(core).await;
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].target.as_deref().unwrap().starts_with("user:"), "about the agent");
    assert!(
        alerts[0].detail.contains("rule=permission_escalation;before=agent;after=manager"),
        "{}",
        alerts[0].detail
    );
    // Back to agent, a while later (after the window, so it is not merely folded in): none.
    clock.advance_millis(11 * MINUTE);
    let code = totp.code_at(clock.now()).unwrap();
    let stepped = served.request_json(
        reqwest::Method::POST,
        "/api/v1/sessions/current/step-up",
        &admin,
        json!({ "code": code }),
    );
    assert_eq!(stepped.await.status(), 204);
    assert_eq!(to("agent").await.status(), 200);
    assert_eq!(alert_events(core).await.len(), 1, "a demotion is not an escalation");

    // A custom role given one more permission alerts; taking it away again does not.
    let grants = |extra: bool| {
        let mut grants = vec![json!({ "permission": "conversations.view", "scope": "own" })];
        if extra {
            grants.push(json!({ "permission": "contacts.export", "scope": "all" }));
        }
        json!({ "name": "Night shift", "grants": grants })
    };
    let created = served.request_json(reqwest::Method::POST, "/api/v1/roles", &admin, grants(false)).await;
    assert_eq!(created.status(), 201, "{:?}", created.text().await);
    assert_eq!(put("/api/v1/roles/night_shift".into(), grants(true)).await.status(), 200);
    let alerts = alert_events(core).await;
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[1].target.as_deref(), Some("role:night_shift"));
    clock.advance_millis(11 * MINUTE);
    let code = totp.code_at(clock.now()).unwrap();
    let stepped = served.request_json(
        reqwest::Method::POST,
        "/api/v1/sessions/current/step-up",
        &admin,
        json!({ "code": code }),
    );
    assert_eq!(stepped.await.status(), 204);
    assert_eq!(put("/api/v1/roles/night_shift".into(), grants(false)).await.status(), 200);
    assert_eq!(alert_events(core).await.len(), 2);
}

#[tokio::test]
async fn an_administrator_on_a_new_network_alerts_an_agent_does_not() {
    let site = site("http://127.0.0.1:9").await;
    let sign_in = |who: &'static str, password: &'static str, from: &'static str| {
        let core = &site.core;
        async move {
            let request = LoginRequest { username: who.to_owned(), password: secret(password) };
            let origin = Origin::Network(from.parse().unwrap());
            core.login(request, origin, "Firefox").await.unwrap();
        }
    };
    // The first sign-in ever, and again from the same network: nothing unusual.
    sign_in(ADMIN, ADMIN_PASSWORD, "192.0.2.10").await;
    sign_in(ADMIN, ADMIN_PASSWORD, "192.0.2.10").await;
    sign_in(AGENT, AGENT_PASSWORD, "192.0.2.10").await;
    sign_in(AGENT, AGENT_PASSWORD, "203.0.113.99").await;
    assert!(alert_events(&site.core).await.is_empty(), "agents change networks all the time");
    sign_in(ADMIN, ADMIN_PASSWORD, "203.0.113.99").await;
    let alerts = alert_events(&site.core).await;
    assert_eq!(alerts.len(), 1);
    assert!(
        alerts[0].detail.starts_with("rule=privileged_login_new_network;role=admin"),
        "{}",
        alerts[0].detail
    );
    assert_eq!(alerts[0].origin.as_deref(), Some("203.0.113.99"));
}

/// A site whose trail has its first events (set-up, then changes a quarter of an hour apart,
/// so each is signed) 400 days before the clock's "now", and one of today's.
async fn aged_trail() -> (Site, Core, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let (site, core) = site_on_clock(clock.clone()).await;
    let change = |minutes| countersign::api::users::SecuritySettings {
        step_up_minutes: Some(minutes),
        ..Default::default()
    };
    for minutes in 5..9 {
        clock.advance_millis(16 * MINUTE);
        core.operator_set_security_settings(change(minutes)).await.unwrap();
    }
    clock.advance_millis(400 * DAY);
    core.operator_set_security_settings(change(10)).await.unwrap();
    (site, core, clock)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_purge_past_retention_keeps_the_trail_verifiable() {
    let (site, core, _clock) = aged_trail().await;
    let before = core.store().audit_records().await.unwrap();
    let purged = core.operator_purge_audit().await.unwrap();
    let through = purged.through.expect("events older than a year");
    assert!(purged.purged > 0);
    let after = core.store().audit_records().await.unwrap();
    assert_eq!(after.first().unwrap().seq, through + 1, "everything up to the checkpoint went");
    assert!(
        before.iter().filter(|r| r.seq > through).all(|r| after.iter().any(|a| a.seq == r.seq)),
        "nothing newer was touched"
    );
    let record = after.last().unwrap();
    assert_eq!(record.action, "audit.purged");
    assert!(record
        .detail
        .starts_with(&format!("through={through};events={};older_than_days=365", purged.purged)));
    let left = after.len() as i64;
    assert_eq!(core.operator_verify_audit(&[]).await.unwrap(), Ok(left));
    // Purging again finds nothing more (the purge itself is today's).
    assert_eq!(core.operator_purge_audit().await.unwrap().purged, 0);

    // Someone deleting the oldest events left, to pass it off as a purge, is found out.
    tamper(site.dir.path(), &format!("DELETE FROM audit_events WHERE seq = {}", through + 1)).await;
    assert_eq!(
        core.operator_verify_audit(&[]).await.unwrap(),
        Err(Break::Missing { expected: 1, found: through + 2 })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_trail_is_never_purged() {
    let (site, core, _clock) = aged_trail().await;
    tamper(site.dir.path(), "UPDATE audit_events SET detail = 'x=1' WHERE seq = 3").await;
    let refused = core.operator_purge_audit().await.unwrap_err();
    assert!(refused.to_string().contains("audit event #3 was changed"), "{refused}");
    assert_eq!(core.store().audit_records().await.unwrap().first().unwrap().seq, 1, "the evidence stays");
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_is_the_owners_to_change_and_shortens_what_a_purge_keeps() {
    let (site, core, clock) = aged_trail().await;
    assert!(core.operator_set_audit_retention(29).await.is_err(), "at least a month");
    assert!(core.operator_set_audit_retention(3651).await.is_err(), "at most ten years");
    // Kept for 500 days, the old events stay.
    core.operator_set_audit_retention(500).await.unwrap();
    assert_eq!(core.operator_purge_audit().await.unwrap().purged, 0);
    let changed = core.store().audit_records().await.unwrap().pop().unwrap();
    assert_eq!(
        (changed.action.as_str(), changed.detail.as_str()),
        ("settings.audit_retention", "before_days=365;after_days=500")
    );
    // An administrator (without retention.manage) may read the policy but not change it.
    let before = core.store().audit_records().await.unwrap().len();
    let addr = serve(core.clone()).await;
    let http = reqwest::Client::new();
    let login = json!({ "username": ADMIN, "password": ADMIN_PASSWORD });
    let signed: Value = http
        .post(format!("http://{addr}/api/v1/sessions"))
        .json(&login)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed["token"].as_str().unwrap();
    let policy: Value = http
        .get(format!("http://{addr}/api/v1/audit/retention"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((policy["days"].as_i64(), policy["may_change"].as_bool()), (Some(500), Some(false)));
    assert!(policy["oldest_at"].as_i64().unwrap() < clock.now().as_millis() - 399 * DAY);
    let refused = http
        .put(format!("http://{addr}/api/v1/audit/retention"))
        .bearer_auth(token)
        .json(&json!({ "days": 30 }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    // Shortened to a month by IT, the year-old events go.
    core.operator_set_audit_retention(30).await.unwrap();
    assert!(core.operator_purge_audit().await.unwrap().purged > 0);
    assert!(core.store().audit_records().await.unwrap().len() < before);
    drop(site);
}
