//! Retention (issue 11 point 3): an owner keeps message content for 90 days and files for 30,
//! holds one customer's conversations for a dispute, and the purge removes the rest in the
//! background: the words leave the messages, WhatsApp's raw deliveries, the outbox and the
//! search index, the files leave the store, the trail records counts and never the words, and
//! a released hold lets the next purge take what it kept.

use std::sync::Arc;
use std::time::Duration;

use countersign::clock::{Clock, ManualClock, OsRandom, SystemClock};
use countersign::Core;
use countersign_sim::customers::{self, inbound};
use countersign_sim::{Customer, SimMedia};
use rstest::rstest;
use serde_json::{json, Value};

use crate::matrix::{add_user, stepped_up, Caller};
use crate::support::*;

const DAY_MS: i64 = 24 * 3600 * 1000;
/// Words only one message holds each, to look for afterwards.
const ANA_WORDS: &str = "ultramarine pelican";
const BEN_WORDS: &str = "tangerine walrus";
const CAI_WORDS: &str = "vermilion heron";

fn who(n: u32, name: &str) -> Customer {
    Customer { wa_id: format!("4477009{n:05}"), name: name.to_owned() }
}

/// A core on the same store whose clock stands `days_ago` in the past: what it ingests was sent
/// and received then.
fn back_then(served: &Served, days_ago: i64) -> Core {
    let clock = Arc::new(ManualClock::new(ago(days_ago)));
    Core::with_parts(served.site.core.store().clone(), clock, Arc::new(OsRandom)).unwrap()
}

fn ago(days: i64) -> countersign::clock::Timestamp {
    SystemClock.now().plus_millis(-days * DAY_MS)
}

/// `customer` sends `message` through `core`'s webhook intake, stamped `days_ago`.
async fn writes(core: &Core, days_ago: i64, customer: &Customer, wamid: &str, message: Value) {
    let at = ago(days_ago).as_millis() / 1000;
    let body =
        customers::message_webhook(&target("127.0.0.1:1".parse().unwrap()), customer, wamid, message, at);
    core.receive_webhook(Some(&customers::sign(APP_SECRET, &body)), &body).await.unwrap();
}

/// Waits until every file of the store has been fetched.
async fn files_settled(served: &Served) {
    for _ in 0..200 {
        let pending =
            peek(served.site.dir.path(), "SELECT count(*) FROM media WHERE state IN ('pending', 'fetching')")
                .await;
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the files were never fetched");
}

/// Waits for the latest purge to end and returns the screen.
async fn purge_ended(owner: &Caller<'_>) -> Value {
    for _ in 0..200 {
        let screen = owner.json("GET", "/api/v1/retention", None).await;
        if screen["runs"][0]["state"] != "running" {
            return screen;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the purge never ended");
}

/// The messages of conversation `id` as `caller` sees them.
async fn thread(caller: &Caller<'_>, id: i64) -> Vec<Value> {
    let thread = caller.json("GET", &format!("/api/v1/conversations/{id}/messages"), None).await;
    thread["messages"].as_array().unwrap().clone()
}

async fn found(caller: &Caller<'_>, words: &str) -> usize {
    let page = caller.json("GET", &format!("/api/v1/search?q={}", words.replace(' ', "+")), None).await;
    page["hits"].as_array().unwrap().len()
}

async fn file_bytes_kept(served: &Served, wamid: &str) -> i64 {
    let sql = format!(
        "SELECT count(*) FROM media md JOIN messages m ON m.id = md.message_id
         WHERE m.wa_message_id = '{wamid}' AND md.bytes IS NOT NULL"
    );
    peek(served.site.dir.path(), &sql).await
}

fn photo(sim_photo: &SimMedia, caption: &str) -> Value {
    inbound::media_file("image", sim_photo, Some(caption))
}

#[tokio::test]
async fn an_owner_keeps_messages_90_days_files_30_and_a_hold_keeps_a_disputed_customer() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let png = countersign_sim::customers::DEMO_PHOTO.to_vec();
    let (ana, ben, cai) = (who(1, "Ana Souza"), who(2, "Ben Okafor"), who(3, "Cai Lin"));

    // Half a year ago Ana and Ben wrote, Ana with a photo; two months ago Cai sent a photo.
    let long_ago = back_then(&served, 200);
    tokio::spawn({
        let core = long_ago.clone();
        async move { core.run_outbox(std::future::pending()).await }
    });
    writes(
        &long_ago,
        200,
        &ana,
        "wamid.ana1",
        inbound::text(&format!("My card is 4111 1111 1111 1111, {ANA_WORDS}")),
    )
    .await;
    writes(&long_ago, 200, &ana, "wamid.ana2", photo(&sim.add_media("image/png", png.clone()), "receipt"))
        .await;
    writes(&long_ago, 200, &ben, "wamid.ben1", inbound::text(&format!("The parcel never came, {BEN_WORDS}")))
        .await;
    files_settled(&served).await;
    let two_months_ago = back_then(&served, 60);
    tokio::spawn({
        let core = two_months_ago.clone();
        async move { core.run_outbox(std::future::pending()).await }
    });
    writes(&two_months_ago, 60, &cai, "wamid.cai1", inbound::text(&format!("Is it in stock, {CAI_WORDS}")))
        .await;
    writes(
        &two_months_ago,
        60,
        &cai,
        "wamid.cai2",
        photo(&sim.add_media("image/png", png.clone()), "this one"),
    )
    .await;
    files_settled(&served).await;
    // Today Ana writes again.
    writes(&served.site.core, 0, &ana, "wamid.ana3", inbound::text("Hello again")).await;

    add_user(&served, "olga.owner", "owner", &[]).await;
    let (owner, _) = stepped_up(&served, "olga.owner", crate::matrix::PASSWORD).await;

    // Nothing is removed until the owner sets limits.
    let screen = owner.json("GET", "/api/v1/retention", None).await;
    assert_eq!((screen["message_days"].clone(), screen["media_days"].clone()), (Value::Null, Value::Null));
    assert_eq!(screen["due"], json!({ "messages": 0, "media": 0, "deliveries": 0 }));
    let nothing = owner.call("POST", "/api/v1/retention/runs", None).await;
    assert_eq!(nothing.status(), 422, "nothing to remove: nothing starts");

    let set = json!({ "message_days": 90, "media_days": 30 });
    let screen = owner.json("PUT", "/api/v1/retention", Some(set)).await;
    assert_eq!((screen["message_days"].as_i64(), screen["media_days"].as_i64()), (Some(90), Some(30)));
    // Due: Ana's and Ben's old messages (three, with Ana's photo), their three deliveries;
    // files: Ana's photo and Cai's.
    assert_eq!(screen["due"], json!({ "messages": 3, "media": 2, "deliveries": 3 }));

    // Ben disputes a charge: his conversations are held, with the case.
    let ben_contact =
        peek(served.site.dir.path(), "SELECT id FROM contacts WHERE wa_id = '447700900002'").await;
    let hold = json!({ "contact_id": ben_contact, "reason": "Case 2291: chargeback dispute" });
    let response = owner.call("POST", "/api/v1/retention/holds", Some(hold)).await;
    assert_eq!(response.status(), 201);
    let screen: Value = response.json().await.unwrap();
    assert_eq!(screen["holds"][0]["contact_name"], "Ben Okafor");
    assert_eq!(screen["holds"][0]["scope"], "contact");
    assert_eq!(screen["due"], json!({ "messages": 2, "media": 2, "deliveries": 2 }), "Ben's are kept");

    // The owner starts the purge; it runs in the background and the screen follows it.
    let response = owner.call("POST", "/api/v1/retention/runs", None).await;
    assert_eq!(response.status(), 202);
    let started: Value = response.json().await.unwrap();
    assert_eq!(started["due"], json!({ "messages": 2, "media": 2, "deliveries": 2 }));
    let screen = purge_ended(&owner).await;
    let run = &screen["runs"][0];
    assert_eq!((run["state"].as_str(), run["percent"].as_u64()), (Some("finished"), Some(100)), "{run}");
    // Ana's photo went with its message; Cai's on its own.
    assert_eq!(run["done"], json!({ "messages": 2, "media": 2, "deliveries": 2 }));
    assert_eq!(screen["due"], json!({ "messages": 0, "media": 0, "deliveries": 0 }));

    // What staff see: Ana's old messages say they were removed, her new one is whole; Ben's
    // are whole; Cai's text stays (under 90 days), his photo's file is gone.
    let admin = &owner;
    let by_contact = |wa_id: &str| {
        format!("SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.wa_id = '{wa_id}'")
    };
    let ana_thread = thread(admin, peek(served.site.dir.path(), &by_contact(&ana.wa_id)).await).await;
    let texts: Vec<&str> = ana_thread.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        ["Removed under the retention policy", "Removed under the retention policy", "Hello again"]
    );
    assert_eq!(ana_thread[0]["content"]["type"], "removed");
    let ben_thread = thread(admin, peek(served.site.dir.path(), &by_contact(&ben.wa_id)).await).await;
    assert!(ben_thread[0]["text"].as_str().unwrap().contains(BEN_WORDS));
    let cai_thread = thread(admin, peek(served.site.dir.path(), &by_contact(&cai.wa_id)).await).await;
    assert!(cai_thread[0]["text"].as_str().unwrap().contains(CAI_WORDS));
    assert_eq!(cai_thread[1]["content"]["file"], "removed");
    assert_eq!(cai_thread[1]["content"]["problem"], "removed under the retention policy");

    // Search no longer finds Ana's words; it still finds Ben's and Cai's.
    assert_eq!(
        (found(admin, ANA_WORDS).await, found(admin, BEN_WORDS).await, found(admin, CAI_WORDS).await),
        (0, 1, 1)
    );
    // And the file itself holds them no more: not in messages, raw deliveries, the outbox or
    // the index; the photos' bytes are gone, except under the hold.
    assert_eq!(copies_in_file(&served, ANA_WORDS).await, 0);
    assert!(copies_in_file(&served, BEN_WORDS).await >= 3, "message, delivery and index keep Ben's");
    assert_eq!(
        (file_bytes_kept(&served, "wamid.ana2").await, file_bytes_kept(&served, "wamid.cai2").await),
        (0, 0)
    );

    // The trail: the change of limits, the hold with its reason, the run and its batches, with
    // counts, never the words.
    let trail = served.site.core.store().audit_records().await.unwrap();
    for kind in [
        "settings.retention",
        "retention.hold_placed",
        "retention.run_started",
        "retention.purged",
        "retention.run_finished",
    ] {
        assert!(trail.iter().any(|r| r.action == kind), "no {kind}");
    }
    let placed = trail.iter().find(|r| r.action == "retention.hold_placed").unwrap();
    assert!(placed.detail.contains("Case 2291"), "{}", placed.detail);
    for words in [ANA_WORDS, BEN_WORDS, "4111"] {
        assert!(trail.iter().all(|r| !r.detail.contains(words)), "the trail holds {words}");
    }

    // The dispute is settled: the hold is released (step-up), and the next purge — here IT's,
    // at the machine, with progress — takes Ben's old message too.
    let id = screen["holds"][0]["id"].as_i64().unwrap();
    let screen = owner.json("DELETE", &format!("/api/v1/retention/holds/{id}"), None).await;
    assert_eq!(screen["holds"], json!([]));
    let mut seen = Vec::new();
    let run = served
        .site
        .core
        .operator_purge_content(&mut |run| seen.push(run.done.total()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((run.done.messages, run.done.deliveries), (1, 1));
    assert!(!seen.is_empty(), "progress was reported");
    assert_eq!(copies_in_file(&served, BEN_WORDS).await, 0);
    assert!(served
        .site
        .core
        .store()
        .audit_records()
        .await
        .unwrap()
        .iter()
        .any(|r| r.action == "retention.hold_released"));
    assert!(served
        .site
        .core
        .store()
        .audit_records()
        .await
        .unwrap()
        .iter()
        .all(|r| !r.detail.contains(BEN_WORDS)));

    // A retried delivery of a purged body is still recognised, and nothing comes back.
    let before = peek(served.site.dir.path(), "SELECT count(*) FROM messages").await;
    writes(&long_ago, 200, &ben, "wamid.ben1", inbound::text(&format!("The parcel never came, {BEN_WORDS}")))
        .await;
    assert_eq!(peek(served.site.dir.path(), "SELECT count(*) FROM messages").await, before);
}

#[rstest]
#[case::zero_days(json!({ "message_days": 0 }), 422)]
#[case::more_than_ten_years(json!({ "message_days": 3651 }), 422)]
#[case::files_kept_longer_than_their_messages(json!({ "message_days": 30, "media_days": 60 }), 422)]
#[case::files_only(json!({ "media_days": 14 }), 200)]
#[case::both(json!({ "message_days": 365, "media_days": 30 }), 200)]
#[case::back_to_keeping(json!({}), 200)]
#[tokio::test]
async fn limits_are_checked(#[case] request: Value, #[case] status: u16) {
    let served = Served::new("http://127.0.0.1:9").await;
    add_user(&served, "olga.owner", "owner", &[]).await;
    let (owner, _) = stepped_up(&served, "olga.owner", crate::matrix::PASSWORD).await;
    let response = owner.call("PUT", "/api/v1/retention", Some(request.clone())).await;
    assert_eq!(response.status(), status, "{request}");
    let trail = served.site.core.store().audit_records().await.unwrap();
    assert_eq!(trail.iter().any(|r| r.action == "settings.retention"), status == 200);
}

#[rstest]
#[case::no_reason(json!({ "contact_id": 1, "reason": "  " }), 422)]
#[case::both_targets(json!({ "contact_id": 1, "conversation_id": 1, "reason": "Case 1" }), 422)]
#[case::nothing_named(json!({ "reason": "Case 1" }), 422)]
#[case::no_such_contact(json!({ "contact_id": 999, "reason": "Case 1" }), 404)]
#[case::a_conversation(json!({ "conversation_id": 1, "reason": "Case 1" }), 201)]
#[tokio::test]
async fn a_hold_names_one_thing_and_why(#[case] request: Value, #[case] status: u16) {
    let served = Served::new("http://127.0.0.1:9").await;
    writes(&served.site.core, 0, &who(1, "Ana Souza"), "wamid.1", inbound::text("hello")).await;
    add_user(&served, "olga.owner", "owner", &[]).await;
    let (owner, _) = stepped_up(&served, "olga.owner", crate::matrix::PASSWORD).await;
    let response = owner.call("POST", "/api/v1/retention/holds", Some(request.clone())).await;
    assert_eq!(response.status(), status, "{request}");
}

#[tokio::test]
async fn a_hold_on_a_merged_away_contact_holds_the_one_kept() {
    let served = Served::new("http://127.0.0.1:9").await;
    // Ana writes hiding her number, then from her number: two contacts of one customer.
    let webhook = target(served.addr);
    let hidden = customers::send_text_as_user(&served.http, &webhook, "US.7", "ana_s", "wamid.u1", "hi");
    assert_eq!(hidden.await.unwrap(), 200);
    assert_eq!(served.customer_writes(&who(1, "Ana Souza"), "wamid.n1", "it's Ana again").await, 200);
    add_user(&served, "olga.owner", "owner", &[]).await;
    let (owner, _) = stepped_up(&served, "olga.owner", crate::matrix::PASSWORD).await;
    let hold = json!({ "contact_id": 1, "reason": "Case 7: a complaint" });
    owner.json("POST", "/api/v1/retention/holds", Some(hold)).await;
    owner.json("POST", "/api/v1/contacts/2/merge", Some(json!({ "duplicate": 1 }))).await;
    let screen = owner.json("GET", "/api/v1/retention", None).await;
    let holds = screen["holds"].as_array().unwrap();
    assert_eq!((holds.len(), holds[0]["contact_id"].as_i64()), (1, Some(2)), "{screen}");
}
