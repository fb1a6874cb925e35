//! Issue 8 points 1 and 3: where a conversation stands (open, pending, resolved; snoozed;
//! its priority; what the reader has not seen), and private notes with @mentions that
//! notify only people who may read them and never reach WhatsApp.

use std::time::Duration;

use countersign::clock::{Clock, SystemClock};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{json, Value};

use crate::access::two_stores;
use crate::matrix::{add_user, customer, signed_in, Caller};
use crate::support::{graph_sim, Served};

const CARD: &str = "4111 1111 1111 1111";

async fn answer(caller: &Caller<'_>, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let response = caller.call(method, path, Some(body)).await;
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

/// The conversation `id` as `who` sees it in their list.
async fn listed(who: &Caller<'_>, id: i64) -> Value {
    let list = who.json("GET", "/api/v1/conversations", None).await;
    list.as_array().unwrap().iter().find(|c| c["id"] == id).cloned().expect("listed")
}

/// The latest audit record of `action`, as the store holds it.
async fn last_event(served: &Served, action: &str) -> countersign::audit::AuditRecord {
    let records = served.site.core.store().audit_records().await.unwrap();
    records.into_iter().rev().find(|r| r.action == action).unwrap_or_else(|| panic!("no {action}"))
}

#[tokio::test]
async fn a_resolved_or_snoozed_conversation_comes_back_when_the_customer_writes() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (_root, [mine, ..]) = two_stores(&served).await;
    let agent = signed_in(&served, "actor.agent").await;
    let status = format!("/api/v1/conversations/{mine}/status");
    assert_eq!(listed(&agent, mine).await["status"], "open", "a new conversation needs someone");

    let (code, _) = answer(&agent, "PUT", &status, json!({ "status": "resolved" })).await;
    assert_eq!(code, 204);
    assert_eq!(listed(&agent, mine).await["status"], "resolved");
    let event = last_event(&served, "conversation.status").await;
    assert!(event.detail.contains("open") && event.detail.contains("resolved"), "{}", event.detail);

    assert_eq!(served.customer_writes(&customer(1), "wamid.again", "One more thing").await, 200);
    let shown = listed(&agent, mine).await;
    assert_eq!(shown["status"], "open", "the customer's message reopens it");
    let received = last_event(&served, "message.received").await;
    assert!(received.detail.contains("resolved"), "the trail says it was reopened: {}", received.detail);

    // Snoozed for an hour: still listed with its time; the customer writing wakes it.
    let hour = SystemClock.now().as_millis() + 3_600_000;
    let (code, _) =
        answer(&agent, "PUT", &status, json!({ "status": "pending", "snooze_until": hour })).await;
    assert_eq!(code, 204);
    let shown = listed(&agent, mine).await;
    assert_eq!((shown["status"].as_str(), shown["snoozed_until"].as_i64()), (Some("pending"), Some(hour)));
    assert_eq!(served.customer_writes(&customer(1), "wamid.wake", "Are you there?").await, 200);
    let shown = listed(&agent, mine).await;
    assert_eq!((shown["status"].as_str(), shown["snoozed_until"].as_i64()), (Some("open"), None));
}

#[rstest]
#[case::unknown_status(json!({ "status": "closed" }), "open, pending or resolved")]
#[case::snooze_in_the_past(json!({ "status": "pending", "snooze_until": 1_000 }), "still to come")]
#[case::snooze_too_long(json!({ "status": "pending", "snooze_until": i64::MAX / 2 }), "30 days")]
#[case::resolved_and_snoozed(json!({ "status": "resolved", "snooze_until": i64::MAX / 2 }), "not snoozed")]
#[tokio::test]
async fn a_status_that_cannot_be_is_refused_and_says_why(#[case] body: Value, #[case] why: &str) {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (_root, [mine, ..]) = two_stores(&served).await;
    let agent = signed_in(&served, "actor.agent").await;
    let (code, error) = answer(&agent, "PUT", &format!("/api/v1/conversations/{mine}/status"), body).await;
    assert_eq!(code, 422);
    assert!(error["message"].as_str().unwrap().contains(why), "{error}");
    assert_eq!(listed(&agent, mine).await["status"], "open", "nothing changed");
}

#[tokio::test]
async fn priority_orders_nothing_away_and_is_recorded_with_before_and_after() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, [mine, ..]) = two_stores(&served).await;
    let path = format!("/api/v1/conversations/{mine}/priority");
    assert_eq!(listed(&root, mine).await["priority"], "normal");
    let (code, _) = answer(&root, "PUT", &path, json!({ "priority": "urgent" })).await;
    assert_eq!(code, 204);
    assert_eq!(listed(&root, mine).await["priority"], "urgent");
    let event = last_event(&served, "conversation.priority").await;
    assert!(event.detail.contains("normal") && event.detail.contains("urgent"), "{}", event.detail);
    let (code, error) = answer(&root, "PUT", &path, json!({ "priority": "URGENT!" })).await;
    assert_eq!(code, 422, "{error}");
}

#[tokio::test]
async fn unread_counts_what_the_customer_wrote_since_the_reader_last_looked() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, [mine, ..]) = two_stores(&served).await;
    let agent = signed_in(&served, "actor.agent").await;
    assert_eq!(listed(&agent, mine).await["unread"], 1, "the first Hello");
    served.customer_writes(&customer(1), "wamid.u2", "Second").await;
    assert_eq!(listed(&agent, mine).await["unread"], 2);
    agent.json("GET", &format!("/api/v1/conversations/{mine}/messages"), None).await;
    assert_eq!(listed(&agent, mine).await["unread"], 0, "read once opened");
    assert_eq!(listed(&root, mine).await["unread"], 2, "each person has their own");
    tokio::time::sleep(Duration::from_millis(5)).await;
    served.customer_writes(&customer(1), "wamid.u3", "Third").await;
    assert_eq!(listed(&agent, mine).await["unread"], 1);
}

#[tokio::test]
async fn a_note_notifies_who_it_mentions_if_they_may_read_it_and_never_reaches_whatsapp() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, [mine, _theirs, _, _, store_b]) = two_stores(&served).await;
    add_user(&served, "mia.manager", "manager", &["Store A"]).await;
    add_user(&served, "max.manager", "manager", &["Store B"]).await;
    let agent = signed_in(&served, "actor.agent").await;
    let (mia, max) = (signed_in(&served, "mia.manager").await, signed_in(&served, "max.manager").await);
    let notes = format!("/api/v1/conversations/{mine}/notes");

    // Mia works in this store; Max does not, so naming him tells him nothing.
    let text = format!("@mia.manager @max.manager @nobody customer read out {CARD}, please call back");
    let (code, note) = answer(&agent, "POST", &notes, json!({ "text": text })).await;
    assert_eq!(code, 201, "{note}");
    assert_eq!(note["author"], "actor.agent");
    assert_eq!(note["mentions"], json!(["mia.manager"]));
    let shown = note["text"].as_str().unwrap();
    assert!(shown.contains("1111") && !shown.contains(CARD), "masked: {shown}");

    let waiting = mia.json("GET", "/api/v1/me/mentions", None).await;
    assert_eq!(waiting["mentions"].as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(waiting["mentions"][0]["conversation"], mine);
    assert!(!waiting["mentions"][0]["preview"].as_str().unwrap().contains(CARD));
    let theirs = max.json("GET", "/api/v1/me/mentions", None).await;
    assert_eq!(theirs["mentions"], json!([]), "nothing about another store's customer");
    let (code, _) = answer(&max, "GET", &notes, Value::Null).await;
    assert_eq!(code, 404, "and its notes are not his to read");

    // Opening the notes is seeing the mention.
    let read = mia.json("GET", &notes, None).await;
    assert_eq!(read.as_array().unwrap().len(), 1);
    assert_eq!(mia.json("GET", "/api/v1/me/mentions", None).await["mentions"], json!([]));
    let event = last_event(&served, "note.added").await;
    assert!(!event.detail.contains("1111 1111"), "no card number in the trail: {}", event.detail);

    // The customer's thread and everything sent to WhatsApp never hold a note.
    agent
        .json(
            "POST",
            &format!("/api/v1/conversations/{mine}/messages"),
            Some(json!({ "text": "We will call you." })),
        )
        .await;
    agent.json("POST", &format!("/api/v1/conversations/{mine}/read"), Some(json!({ "typing": true }))).await;
    // Handing over with a note for the other team: the note stays inside too.
    let handover = json!({ "team": store_b, "note": "SECRET-HANDOVER-7731 customer prefers mornings" });
    root.json("POST", &format!("/api/v1/conversations/{mine}/team"), Some(handover)).await;
    let thread = root.json("GET", &format!("/api/v1/conversations/{mine}/messages"), None).await;
    let notes_now = root.json("GET", &notes, None).await;
    assert_eq!(notes_now.as_array().unwrap().len(), 2);
    assert!(notes_now[1]["text"].as_str().unwrap().contains("SECRET-HANDOVER-7731"));
    let sent = sim.wait_for_received(1, Duration::from_secs(5)).await;
    let everything = format!("{thread}{sent:?}{:?}", sim.read_receipts());
    for secret in ["please call back", "1111", "SECRET-HANDOVER-7731", "mia.manager"] {
        assert!(!everything.contains(secret), "{secret:?} left the building: {everything}");
    }
    assert!(everything.contains("We will call you."), "the reply itself went out");
}

#[rstest]
#[case::empty("   ", "empty")]
#[case::too_long(&"x".repeat(4097), "4096")]
#[tokio::test]
async fn a_note_that_cannot_be_kept_is_refused_and_nothing_is_written(#[case] text: &str, #[case] why: &str) {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (_root, [mine, ..]) = two_stores(&served).await;
    let agent = signed_in(&served, "actor.agent").await;
    let notes = format!("/api/v1/conversations/{mine}/notes");
    let (code, error) = answer(&agent, "POST", &notes, json!({ "text": text })).await;
    assert_eq!(code, 422);
    assert!(error["message"].as_str().unwrap().contains(why), "{error}");
    assert_eq!(agent.json("GET", &notes, None).await, json!([]));
}

/// Whom `who` may hand conversation `id` to.
async fn handover(who: &Caller<'_>, id: i64) -> reqwest::Response {
    who.call("GET", &format!("/api/v1/conversations/{id}/handover"), None).await
}

/// Handing a conversation over: a store's manager is offered the store's active members and
/// the other stores; an agent is offered the store's members only once the conversation is
/// theirs, and never another store (their role may not move it); a disabled colleague is not
/// offered; another store's conversation is not found; and asking records no refusal.
#[tokio::test]
async fn whom_a_conversation_may_be_handed_to_follows_what_the_role_may_do() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, [mine, theirs, .., store_b]) = two_stores(&served).await;
    add_user(&served, "mia.manager", "manager", &["Store A"]).await;
    add_user(&served, "gone.agent", "agent", &["Store A"]).await;
    root.json("PUT", "/api/v1/users/gone.agent/disabled", Some(json!({ "disabled": true }))).await;
    let (mia, agent) = (signed_in(&served, "mia.manager").await, signed_in(&served, "actor.agent").await);
    let refusals_before = served.site.core.store().audit_records().await.unwrap().len();

    let offered: Value = handover(&mia, mine).await.json().await.unwrap();
    assert_eq!(offered["agents"], json!(["actor.agent", "mia.manager"]), "active members, in order");
    let teams: Vec<&str> =
        offered["teams"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(teams, ["General", "Store B"], "every other team, the default one too");
    assert!(offered["teams"].as_array().unwrap().iter().any(|t| t["id"] == store_b));
    let offered: Value = handover(&agent, mine).await.json().await.unwrap();
    assert_eq!(offered, json!({ "agents": [], "teams": [] }), "not theirs yet: nothing to hand over");
    assert_eq!(handover(&agent, theirs).await.status(), StatusCode::NOT_FOUND);
    let trail = served.site.core.store().audit_records().await.unwrap();
    let denied = trail[refusals_before..].iter().filter(|r| r.action == "access.denied").count();
    assert_eq!(denied, 1, "only the other store's conversation, which is a refusal to see it");

    // The manager hands it to the agent, who may then pass it on within the store, and only there.
    let (status, _) = answer(
        &mia,
        "POST",
        &format!("/api/v1/conversations/{mine}/assignee"),
        json!({ "agent": "actor.agent" }),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let offered: Value = handover(&agent, mine).await.json().await.unwrap();
    assert_eq!(offered, json!({ "agents": ["actor.agent", "mia.manager"], "teams": [] }));
    let (status, _) = answer(
        &agent,
        "POST",
        &format!("/api/v1/conversations/{mine}/assignee"),
        json!({ "agent": "mia.manager" }),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(listed(&mia, mine).await["assignee"], "mia.manager");
}
