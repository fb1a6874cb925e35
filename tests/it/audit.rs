//! The audit trail as auditors use it (issue 7): each event says who, what, on what, with what
//! outcome and risk, from where; the viewer finds events by each of those and pages by
//! position; exports need a fresh second factor and are themselves recorded; a quiet trail is
//! still signed; an event never outlives a change that did not commit.

use std::sync::Arc;

use countersign::audit::{AuditEvent, Kind};
use countersign::authz::AuditActor;
use countersign::clock::{Clock, ManualClock, SystemClock};
use serde_json::{json, Value};

use crate::support::*;

/// Signs `who` in over HTTP and returns the token.
async fn sign_in(served: &Served, who: &str, password: &str) -> String {
    let response =
        served.post("/api/v1/sessions", None, json!({ "username": who, "password": password })).await;
    assert_eq!(response.status(), 201, "{who} signs in");
    response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

/// Every event a search finds, following the pages `limit` at a time; also the pages' sizes.
async fn search_all(served: &Served, token: &str, query: &str, limit: usize) -> (Vec<Value>, Vec<usize>) {
    let (mut events, mut pages) = (Vec::new(), Vec::new());
    let mut before: Option<i64> = None;
    loop {
        let cursor = before.map(|b| format!("&before={b}")).unwrap_or_default();
        let response = served.get(&format!("/api/v1/audit?{query}&limit={limit}{cursor}"), Some(token)).await;
        assert_eq!(response.status(), 200, "{query}");
        let page: Value = response.json().await.unwrap();
        let got = page["events"].as_array().unwrap().clone();
        pages.push(got.len());
        events.extend(got);
        match page["next_before"].as_i64() {
            Some(next) => before = Some(next),
            None => return (events, pages),
        }
    }
}

fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn the_viewer_finds_who_did_what_from_where_and_pages_through_it() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let served = Served::on_clock("http://127.0.0.1:9", clock.clone()).await;
    // The agent mistypes their password once, then signs in; so does the administrator.
    let wrong =
        served.post("/api/v1/sessions", None, json!({ "username": AGENT, "password": "not it at all" }));
    assert_eq!(wrong.await.status(), 401);
    let agent = sign_in(&served, AGENT, AGENT_PASSWORD).await;
    let (admin, _) = served.admin_stepped_up(&served.http).await;
    let started = clock.now().as_millis() - 60_000;
    clock.advance_millis(4 * 60_000);
    let later = clock.now().as_millis();
    let change = json!({ "step_up_minutes": 10 });
    let changed =
        served.request_json(reqwest::Method::PATCH, "/api/v1/settings/security", &admin, change).await;
    assert_eq!(changed.status(), 204);

    // The failed sign-in: nobody signed in yet, from the loopback address, a failure worth a look.
    let (failed, _) = search_all(&served, &admin, "action=session.login_failed", 50).await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let event = &failed[0];
    assert_eq!(event["actor"], "not signed in");
    assert_eq!(event["summary"], "Sign-in failed");
    assert_eq!((event["outcome"].as_str(), event["risk"].as_str()), (Some("failure"), Some("medium")));
    assert_eq!(event["origin"], "127.0.0.1");
    assert!(event["device"].as_str().is_some_and(|d| !d.is_empty()), "{event}");
    // The agent's own events, by name: each says where it came from, through their session.
    let (theirs, _) = search_all(&served, &admin, &format!("actor={AGENT}"), 50).await;
    assert!(!theirs.is_empty());
    for event in &theirs {
        assert_eq!(event["actor"], AGENT, "{event}");
        assert_eq!(event["origin"], "127.0.0.1", "{event}");
    }
    assert!(theirs.iter().any(|e| e["action"] == "session.login"));
    // High risk only: the settings change is there, the sign-ins are not.
    let (high, _) = search_all(&served, &admin, "risk=high", 50).await;
    assert!(high.iter().all(|e| e["risk"] == "high"), "{high:?}");
    assert!(high.iter().any(|e| e["action"] == "settings.security"));
    let settings = high.iter().find(|e| e["action"] == "settings.security").unwrap();
    assert_eq!(settings["actor"], ADMIN);
    assert!(settings["detail"].as_array().unwrap().iter().any(|d| d["value"] == "10"), "{settings}");
    // A time range: the minutes later hold the change and not the sign-ins before it.
    let (in_range, _) = search_all(&served, &admin, &format!("from={later}"), 50).await;
    assert!(in_range.iter().any(|e| e["action"] == "settings.security"));
    assert!(in_range.iter().all(|e| e["at"].as_i64().unwrap() >= later));
    let (before_it, _) =
        search_all(&served, &admin, &format!("from={started}&until={later}&action=session.login"), 50).await;
    assert!(!before_it.is_empty() && before_it.iter().all(|e| e["action"] == "session.login"));
    // On a target.
    let target = theirs.iter().find(|e| e["action"] == "session.login").unwrap()["target"]
        .as_str()
        .unwrap()
        .to_owned();
    let (on_it, _) = search_all(&served, &admin, &format!("target={target}"), 50).await;
    assert_eq!(on_it.len(), 1);

    // Pages of two, newest first, hold exactly what one page does, none twice.
    let (whole, pages) = search_all(&served, &admin, "actor=otto.admin", 500).await;
    assert_eq!(pages.len(), 1);
    let (paged, pages) = search_all(&served, &admin, "actor=otto.admin", 2).await;
    assert!(pages.len() > 2 && pages.iter().all(|n| *n <= 2), "{pages:?}");
    let (mut whole_seqs, paged_seqs) = (seqs(&whole), seqs(&paged));
    assert!(paged_seqs.windows(2).all(|w| w[0] > w[1]), "newest first: {paged_seqs:?}");
    // The later search recorded itself, so it found one event more than the one before it.
    whole_seqs.insert(0, paged_seqs[0]);
    assert_eq!(paged_seqs, whole_seqs);

    // Each search is recorded once, however many pages it took.
    let (views, _) = search_all(&served, &admin, "action=audit.viewed", 500).await;
    assert_eq!(views.len(), 9, "{views:?}");
    assert!(views.iter().any(|v| v["detail"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["key"] == "risk" && d["value"] == "high")));

    // Wrong searches say what is wrong rather than finding nothing.
    for (query, says) in [
        ("risk=severe", "risk must be low, medium or high"),
        ("actor=nobody.here", "no user has that name"),
        ("action=session.teleport", "not a kind of audit event"),
        ("from=20&until=10", "start of the time range"),
        ("from=yesterday", "not valid"),
    ] {
        let response = served.get(&format!("/api/v1/audit?{query}"), Some(&admin)).await;
        assert_eq!(response.status(), 422, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains(says), "{query}: {body}");
    }
    // The agent may not read the trail, and the refusal is in it.
    let refused = served.get("/api/v1/audit", Some(&agent)).await;
    assert_eq!(refused.status(), 403);
    let (denials, _) = search_all(&served, &admin, &format!("action=access.denied&actor={AGENT}"), 50).await;
    assert!(denials.iter().any(|d| d["detail"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["value"] == "ViewAudit")));
    // The kinds for the filter come from the catalog, each with its risk.
    let kinds: Value = served.get("/api/v1/audit/kinds", Some(&admin)).await.json().await.unwrap();
    let reveal = kinds.as_array().unwrap().iter().find(|k| k["action"] == "data.reveal").unwrap();
    assert_eq!(reveal["risk"], "high");
}

#[tokio::test]
async fn an_export_needs_a_fresh_second_factor_and_is_recorded_before_it_leaves() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let served = Served::on_clock("http://127.0.0.1:9", clock.clone()).await;
    let (admin, totp) = served.admin_stepped_up(&served.http).await;
    let export = |format: &'static str, search: Value| {
        let served = &served;
        let admin = admin.clone();
        async move {
            let body = json!({ "format": format, "search": search });
            served.request_json(reqwest::Method::POST, "/api/v1/audit/export", &admin, body).await
        }
    };

    let csv = export("csv", json!({})).await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[..5], ["seq", "time", "actor_id", "actor", "action"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let seqs: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "oldest first");
    // The export is in the trail, and in itself: recorded before anything left.
    let last = rows.last().unwrap();
    assert_eq!((&last[4], &last[3]), ("audit.exported", ADMIN));
    assert!(last[1].ends_with('Z'), "UTC times: {}", &last[1]);

    // JSON Lines for a filter: each line an object with the event's facts.
    let jsonl = export("jsonl", json!({ "action": "session.login" })).await;
    assert_eq!(jsonl.status(), 200);
    let lines: Vec<Value> =
        jsonl.text().await.unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["action"], "session.login");
    assert_eq!(lines[0]["origin"], "127.0.0.1");
    assert!(lines[0]["detail"].as_array().unwrap().iter().any(|d| d["key"] == "method"));

    // Ten minutes on, the second factor is stale: the export is refused until proven again.
    clock.advance_millis(600_000);
    let stale = export("csv", json!({})).await;
    assert_eq!(stale.status(), 403);
    assert_eq!(stale.json::<Value>().await.unwrap()["code"], "step_up_required");
    let code = totp.code_at(clock.now()).unwrap();
    let proven = served.request_json(
        reqwest::Method::POST,
        "/api/v1/sessions/current/step-up",
        &admin,
        json!({ "code": code }),
    );
    assert_eq!(proven.await.status(), 204);
    assert_eq!(export("csv", json!({ "risk": "high" })).await.status(), 200);
    let exports = served.site.core.store().audit_records().await.unwrap();
    let exported: Vec<_> = exports.iter().filter(|r| r.action == "audit.exported").collect();
    assert_eq!(exported.len(), 3, "every export, and only those that ran");
    assert!(exported[2].detail.contains("risk=high") && exported[2].detail.contains("format=csv"));
}

#[tokio::test]
async fn a_quiet_trail_is_signed_within_a_quarter_of_an_hour_and_verifies() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let (site, core) = site_on_clock(clock.clone()).await;
    let checkpoints = || async { core.operator_audit_checkpoints().await.unwrap().0 };
    let before = checkpoints().await;
    let change = |minutes| countersign::api::users::SecuritySettings {
        step_up_minutes: Some(minutes),
        ..Default::default()
    };
    core.operator_set_security_settings(change(7)).await.unwrap();
    assert_eq!(checkpoints().await.len(), before.len(), "a busy minute is not signed event by event");
    clock.advance_millis(16 * 60_000);
    core.operator_set_security_settings(change(8)).await.unwrap();
    let after = checkpoints().await;
    assert_eq!(after.len(), before.len() + 1);
    let last = core.store().audit_records().await.unwrap().last().unwrap().seq;
    assert_eq!(after.last().unwrap().seq, last, "the event after the quiet quarter is signed");
    assert!(matches!(core.operator_verify_audit(&[]).await.unwrap(), Ok(n) if n == last));
    drop(site);
}

#[tokio::test]
async fn an_event_goes_with_its_change_or_not_at_all() {
    let site = site("http://127.0.0.1:9").await;
    let store = site.core.store();
    let count = || async { store.audit_records().await.unwrap().len() };
    let before = count().await;
    let event = AuditEvent::new(AuditActor::Operator, Kind::SettingsSecurity).detail("key", "x");
    // Written in a transaction that is dropped (the change failed): nothing is left.
    let mut tx = store.write().await.unwrap();
    tx.audit(&event, SystemClock.now()).await.unwrap();
    drop(tx);
    assert_eq!(count().await, before);
    let mut tx = store.write().await.unwrap();
    tx.audit(&event, SystemClock.now()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count().await, before + 1);
    // The operator's events say where they came from too.
    let last = store.audit_records().await.unwrap().pop().unwrap();
    assert_eq!((last.origin.as_deref(), last.device.as_deref()), (Some("this PC"), Some("countersign CLI")));
    assert_eq!((last.outcome.as_deref(), last.risk.as_deref()), (Some("success"), Some("high")));
}
