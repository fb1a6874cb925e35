//! Access reviews (issue 11 point 2): an administrator starts the quarter's review; each store
//! manager reviews their agents — the one who replies to customers keeps everything, the one
//! who has not worked in months loses the store and the account — the administrators go to the
//! chosen reviewer, permissions nobody used in 90 days are flagged, an overdue reviewer is
//! reminded, and the closed campaign is a CSV report.

use std::sync::Arc;

use countersign::clock::{Clock, ManualClock, SystemClock};
use serde_json::{json, Value};

use crate::matrix::{add_user, customer, signed_in, stepped_up, Caller, PASSWORD};
use crate::support::*;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The items of `person` as `reviewer` sees them, by what they are about.
fn items_of<'a>(mine: &'a Value, person: &str) -> Vec<&'a Value> {
    mine["items"].as_array().unwrap().iter().filter(|i| i["user"] == person).collect()
}

fn find<'a>(items: &[&'a Value], kind: &str, label: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["kind"] == kind && i["label"].as_str().unwrap().starts_with(label))
        .unwrap_or_else(|| {
            panic!("no {kind} {label} in {items:?}");
        })
}

async fn decide(caller: &Caller<'_>, item: &Value, decision: &str, note: &str) -> Value {
    let path = format!("/api/v1/access-reviews/items/{}/decision", item["id"]);
    caller.json("POST", &path, Some(json!({ "decision": decision, "note": note }))).await
}

#[tokio::test]
async fn a_quarterly_review_keeps_what_is_used_removes_what_is_not_and_reports_it() {
    let sim = graph_sim().await;
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let served = Served::on_clock(&sim.base_url(), clock.clone()).await;
    add_user(&served, "olga.owner", "owner", &[]).await;
    let (olga, _) = stepped_up(&served, "olga.owner", PASSWORD).await;
    olga.json("POST", "/api/v1/teams", Some(json!({ "name": "Store A" }))).await;
    add_user(&served, "dora.admin", "admin", &[]).await;
    add_user(&served, "mia.manager", "manager", &["Store A"]).await;
    add_user(&served, "ava.agent", "agent", &["Store A"]).await;
    add_user(&served, "zed.agent", "agent", &["Store A"]).await;

    // Ava works: a customer of Store A writes, she takes the conversation and replies. Zed
    // signs in now and then, and does nothing.
    assert_eq!(served.customer_writes(&customer(1), "wamid.ar1", "Is the red one back?").await, 200);
    olga.call("POST", "/api/v1/conversations/1/team", Some(json!({ "team": 2, "note": "Store A's" }))).await;
    let ava = signed_in(&served, "ava.agent").await;
    ava.call("POST", "/api/v1/conversations/1/assignee", Some(json!({ "agent": "ava.agent" }))).await;
    ava.json("POST", "/api/v1/conversations/1/messages", Some(json!({ "text": "Yes, since Monday" }))).await;
    let zed = signed_in(&served, "zed.agent").await;

    // Dora starts the quarter's review; Olga reviews whoever no manager of theirs reviews.
    let (dora, dora_codes) = stepped_up(&served, "dora.admin", PASSWORD).await;
    let started = dora
        .call("POST", "/api/v1/access-reviews", Some(json!({ "name": "2026 Q4", "reviewer": "olga.owner" })))
        .await;
    assert_eq!(started.status(), 201);
    let review: Value = started.json().await.unwrap();
    let reviewers: Vec<(&str, u64)> = review["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["reviewer"].as_str().unwrap(), r["items"].as_u64().unwrap()))
        .collect();
    let names: Vec<&str> = reviewers.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        ["dora.admin", "mia.manager", "olga.owner"],
        "Olga's own access goes to Dora, who started it"
    );
    assert!(review["flagged_unused"].as_u64().unwrap() > 0);

    // Mia reviews her two agents, and only them.
    let mia = signed_in(&served, "mia.manager").await;
    let mine = mia.json("GET", "/api/v1/me/access-reviews", None).await;
    let people: std::collections::BTreeSet<&str> =
        mine["items"].as_array().unwrap().iter().map(|i| i["user"].as_str().unwrap()).collect();
    assert_eq!(people.into_iter().collect::<Vec<_>>(), ["ava.agent", "zed.agent"]);
    let (ava_items, zed_items) = (items_of(&mine, "ava.agent"), items_of(&mine, "zed.agent"));
    // The trail says who used what: Ava replied, Zed did not; seeing templates leaves no trace.
    assert_eq!(find(&ava_items, "permission", "Reply to customers")["unused"], false);
    assert_eq!(find(&zed_items, "permission", "Reply to customers")["unused"], true);
    assert_eq!(find(&zed_items, "permission", "View message templates")["unused"], Value::Null);
    assert_eq!(mine["pending"].as_u64(), Some(ava_items.len() as u64 + zed_items.len() as u64));

    // Ava keeps her role; Zed loses the store and his account.
    let kept = decide(&mia, find(&ava_items, "role", ""), "confirm", "works the counter daily").await;
    assert_eq!((kept["decision"].as_str(), kept["outcome"].clone()), (Some("confirmed"), Value::Null));
    let team = decide(&mia, find(&zed_items, "team", "Store A"), "revoke", "left in August").await;
    assert_eq!(team["outcome"], "removed_from_team");
    let role = decide(&mia, find(&zed_items, "role", ""), "revoke", "left in August").await;
    assert_eq!(role["outcome"], "disabled");
    assert_eq!(zed.call("GET", "/api/v1/conversations", None).await.status(), 401, "his sessions ended");
    // A permission comes with a role: an administrator is to change it.
    let permission = decide(&mia, find(&ava_items, "permission", "Assign conversations"), "revoke", "").await;
    assert_eq!(permission["outcome"], "role_change_needed");
    // Decided is decided; someone else's items are not hers to see.
    let again = mia
        .call(
            "POST",
            &format!("/api/v1/access-reviews/items/{}/decision", team["id"]),
            Some(json!({ "decision": "confirm" })),
        )
        .await;
    assert_eq!(again.status(), 409);
    let olgas = olga.json("GET", "/api/v1/me/access-reviews", None).await;
    let not_hers = &olgas["items"][0];
    let refused = mia
        .call(
            "POST",
            &format!("/api/v1/access-reviews/items/{}/decision", not_hers["id"]),
            Some(json!({ "decision": "revoke" })),
        )
        .await;
    assert_eq!(refused.status(), 404);
    let teams = olga.json("GET", "/api/v1/teams", None).await;
    let store_a = teams.as_array().unwrap().iter().find(|t| t["name"] == "Store A").unwrap();
    let members: Vec<&str> =
        store_a["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert!(!members.contains(&"zed.agent") && members.contains(&"ava.agent"), "{members:?}");

    // Two weeks pass: Olga has not started; she is reminded once a day, and the app says so.
    clock.advance_millis(15 * DAY_MS);
    served.site.core.run_retention(async {}).await;
    served.site.core.run_retention(async {}).await;
    let trail = served.site.core.store().audit_records().await.unwrap();
    let reminded: Vec<&str> = trail
        .iter()
        .filter(|r| r.action == "access_review.reminded")
        .map(|r| r.target.as_deref().unwrap())
        .collect();
    let olga_id = peek(served.site.dir.path(), "SELECT id FROM users WHERE username = 'olga.owner'").await;
    assert!(reminded.contains(&format!("user:{olga_id}").as_str()), "{reminded:?}");
    assert_eq!(
        reminded.len(),
        reminded.iter().collect::<std::collections::BTreeSet<_>>().len(),
        "once a day each"
    );
    let mia_again = signed_in(&served, "mia.manager").await;
    let later = mia_again.json("GET", "/api/v1/me/access-reviews", None).await;
    assert_eq!(later["overdue"], true);

    // Dora signs in again (her sessions ended long ago), closes the campaign and exports the report.
    let response = served
        .post("/api/v1/sessions", None, json!({ "username": "dora.admin", "password": PASSWORD }))
        .await;
    let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let dora = Caller { served: &served, token };
    dora.json("POST", "/api/v1/sessions/current/second-factor", Some(json!({ "code": dora_codes[0] }))).await;
    let closed = dora.json("POST", &format!("/api/v1/access-reviews/{}/close", review["id"]), None).await;
    assert!(closed["closed_at"].is_i64());
    assert_eq!((closed["revoked"].as_u64(), closed["confirmed"].as_u64()), (Some(3), Some(1)));
    let report = dora.call("POST", &format!("/api/v1/access-reviews/{}/report", review["id"]), None).await;
    assert_eq!(report.status(), 200);
    let csv = report.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "review,due,person,kind,access,unused_90_days,last_used,reviewer,decision,decided_by,decided_at,outcome,note"
    );
    assert!(csv.lines().any(|l| l.contains("zed.agent,team,Store A")
        && l.contains("revoked")
        && l.contains("removed_from_team")));
    assert!(
        csv.lines().any(|l| l.contains("olga.owner,role") && l.contains("not reviewed")),
        "undecided stays so"
    );
    let after_close = mia_again
        .call(
            "POST",
            &format!("/api/v1/access-reviews/items/{}/decision", find(&ava_items, "team", "Store A")["id"]),
            Some(json!({ "decision": "confirm" })),
        )
        .await;
    assert!(after_close.status() == 404 || after_close.status() == 409, "closed: {}", after_close.status());
    let trail = served.site.core.store().audit_records().await.unwrap();
    for kind in [
        "access_review.started",
        "access_review.decided",
        "access_review.closed",
        "access_review.exported",
        "user.disable",
        "team.member_remove",
    ] {
        assert!(trail.iter().any(|r| r.action == kind), "no {kind}");
    }
}

#[rstest::rstest]
#[case::no_name(json!({ "name": " ", "reviewer": "olga.owner" }))]
#[case::no_such_reviewer(json!({ "name": "Q4", "reviewer": "nobody" }))]
#[case::too_long_to_decide(json!({ "name": "Q4", "reviewer": "olga.owner", "due_days": 91 }))]
#[tokio::test]
async fn a_campaign_needs_a_name_a_reviewer_and_a_sensible_due_date(#[case] request: Value) {
    let served = Served::new("http://127.0.0.1:9").await;
    add_user(&served, "olga.owner", "owner", &[]).await;
    let (olga, _) = stepped_up(&served, "olga.owner", PASSWORD).await;
    let response = olga.call("POST", "/api/v1/access-reviews", Some(request)).await;
    assert_eq!(response.status(), 422);
    assert_eq!(olga.json("GET", "/api/v1/access-reviews", None).await["reviews"], json!([]));
}
