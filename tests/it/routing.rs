//! Issue 8's story (points 2, 4 and 8): one number for several stores. A new customer is
//! asked which store they mean with a list message; their pick routes them to that store's
//! team and to its agents in turn; the other store never sees them; an agent escalates, and
//! the store's manager approves a reveal of the card number that ends after fifteen minutes.
//! Then the rules themselves: refused when they cannot work, versioned and audited.

use std::sync::Arc;
use std::time::Duration;

use countersign::clock::{Clock, ManualClock, SystemClock};
use countersign_sim::customers::{inbound, send_message};
use serde_json::{json, Value};

use crate::matrix::{add_user, customer, signed_in, stepped_up, Caller, PASSWORD};
use crate::support::{graph_sim, target, Served};

const CARD: &str = "4111 1111 1111 1111";

/// Names of the customers `who` sees, and (name → (team, assignee)).
async fn seen(who: &Caller<'_>) -> Vec<(String, String, Option<String>)> {
    let list = who.json("GET", "/api/v1/conversations", None).await;
    let mut seen: Vec<(String, String, Option<String>)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["customer_name"].as_str().unwrap().to_owned(),
                c["team"]["name"].as_str().unwrap().to_owned(),
                c["assignee"].as_str().map(str::to_owned),
            )
        })
        .collect();
    seen.sort();
    seen
}

async fn reveal(who: &Caller<'_>, message: i64) -> reqwest::StatusCode {
    let path = format!("/api/v1/messages/{message}/reveal");
    who.call("POST", &path, Some(json!({ "reason": "which card was charged" }))).await.status()
}

async fn picks(served: &Served, n: u32, wamid: &str, store: &str) {
    let choice = inbound::chose("list_reply", &format!("row-{store}"), store);
    let status = send_message(&served.http, &target(served.addr), &customer(n), wamid, choice).await.unwrap();
    assert_eq!(status, 200);
}

/// The site's owner, stepped up, and the ids of the teams they created, in order.
async fn owner_with_teams<'a>(served: &'a Served, names: &[&str]) -> (Caller<'a>, Vec<i64>) {
    add_user(served, "root.owner", "owner", &[]).await;
    let (root, _) = stepped_up(served, "root.owner", PASSWORD).await;
    let mut teams = Vec::new();
    for name in names {
        teams.push(
            root.json("POST", "/api/v1/teams", Some(json!({ "name": name }))).await["id"].as_i64().unwrap(),
        );
    }
    (root, teams)
}

fn rule(name: &str, when: Value, then: Value) -> Option<Value> {
    Some(json!({ "rule": { "name": name, "when": when, "then": then } }))
}

#[tokio::test]
async fn a_customer_picks_a_store_lands_with_its_team_and_a_manager_approves_a_reveal_that_expires() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let sim = graph_sim().await;
    let served = Served::on_clock(&sim.base_url(), clock.clone()).await;
    let (root, teams) = owner_with_teams(&served, &["Reception", "Leeds", "York"]).await;
    let (reception, leeds, york) = (teams[0], teams[1], teams[2]);
    let lead = json!({ "name": "Store lead", "grants": [
        { "permission": "conversations.view", "scope": "team" },
        { "permission": "escalations.approve", "scope": "all" },
        { "permission": "sensitive.reveal_financial", "scope": "all" },
    ] });
    let lead = root.json("POST", "/api/v1/roles", Some(lead)).await["slug"].as_str().unwrap().to_owned();
    for (name, role, team) in [
        ("leeds.one", "agent", "Leeds"),
        ("leeds.two", "agent", "Leeds"),
        ("york.one", "agent", "York"),
        ("lena.lead", lead.as_str(), "Leeds"),
    ] {
        add_user(&served, name, role, &[team]).await;
    }
    root.json("PATCH", "/api/v1/settings/security", Some(json!({ "reveal_approval": ["financial"] }))).await;

    // The owner sends unmatched chats to Reception, asks every new customer which store they
    // mean, and routes their answer.
    root.json("PUT", "/api/v1/routing/default-team", Some(json!({ "team": reception }))).await;
    let question =
        json!({ "type": "list", "body": "Which store?", "button": "Stores", "rows": ["Leeds", "York"] });
    root.json(
        "POST",
        "/api/v1/routing/rules",
        rule(
            "Leeds picked",
            json!({ "answers": ["Leeds"] }),
            json!({ "team": leeds, "agent": "round_robin" }),
        ),
    )
    .await;
    root.json(
        "POST",
        "/api/v1/routing/rules",
        rule("York picked", json!({ "answers": ["York"] }), json!({ "team": york })),
    )
    .await;
    let saved = root
        .json(
            "POST",
            "/api/v1/routing/rules",
            rule("Ask which store", json!({}), json!({ "reply": question })),
        )
        .await;
    let names: Vec<&str> =
        saved["rules"].as_array().unwrap().iter().map(|r| r["rule"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Leeds picked", "York picked", "Ask which store"], "in the order written");
    assert_eq!(saved["default_team"]["name"], "Reception");

    // Tried first: a pick of Leeds goes to Leeds, in turn; a first "hello" is asked the question.
    let trial =
        root.json("POST", "/api/v1/routing/test", Some(json!({ "answer": "leeds", "placed": true }))).await;
    assert_eq!(trial["rule"]["name"], "Leeds picked");
    assert_eq!(trial["outcome"][0], "Goes to Leeds.");
    let trial = root.json("POST", "/api/v1/routing/test", Some(json!({ "text": "hello" }))).await;
    assert_eq!(trial["rule"]["name"], "Ask which store");
    assert!(trial["outcome"].to_string().contains("Which store?"), "{trial}");

    // Customer 1 writes: Reception has them, and WhatsApp is asked to show them the list.
    assert_eq!(served.customer_writes(&customer(1), "wamid.c1a", "Hi, about my order").await, 200);
    assert_eq!(seen(&root).await, [("Customer 1".to_owned(), "Reception".to_owned(), None)]);
    let sent = sim.wait_for_received(1, Duration::from_secs(5)).await;
    assert_eq!(sent[0]["type"], "interactive");
    assert_eq!(sent[0]["interactive"]["body"]["text"], "Which store?");
    assert_eq!(sent[0]["to"], customer(1).wa_id);

    // They pick Leeds: Leeds has them, its first agent in turn; York sees nothing.
    picks(&served, 1, "wamid.c1b", "Leeds").await;
    let (one, two, york_agent) = (
        signed_in(&served, "leeds.one").await,
        signed_in(&served, "leeds.two").await,
        signed_in(&served, "york.one").await,
    );
    assert_eq!(
        seen(&one).await,
        [("Customer 1".to_owned(), "Leeds".to_owned(), Some("leeds.one".to_owned()))]
    );
    assert_eq!(seen(&york_agent).await, []);
    // The next customer who picks Leeds goes to the next agent.
    served.customer_writes(&customer(2), "wamid.c2a", "Hello").await;
    picks(&served, 2, "wamid.c2b", "Leeds").await;
    let both = seen(&two).await;
    assert_eq!(both[1], ("Customer 2".to_owned(), "Leeds".to_owned(), Some("leeds.two".to_owned())));
    // A customer who picks York is York's.
    served.customer_writes(&customer(3), "wamid.c3a", "Hello").await;
    picks(&served, 3, "wamid.c3b", "York").await;
    assert_eq!(seen(&york_agent).await, [("Customer 3".to_owned(), "York".to_owned(), None)]);

    // Customer 1 reads out a card number; their agent asks the store lead to see it.
    served.customer_writes(&customer(1), "wamid.c1c", &format!("it was charged to {CARD}")).await;
    let listed = one.json("GET", "/api/v1/conversations", None).await;
    let conversation =
        listed.as_array().unwrap().iter().find(|c| c["customer_name"] == "Customer 1").unwrap()["id"]
            .as_i64()
            .unwrap();
    let thread = one.json("GET", &format!("/api/v1/conversations/{conversation}/messages"), None).await;
    let card = thread["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["content"]["body"].as_str().is_some_and(|t| t.contains("1111")))
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert!(!thread.to_string().contains(CARD), "masked for the agent");
    assert_eq!(reveal(&one, card).await, 403);
    let asked = one
        .json(
            "POST",
            &format!("/api/v1/conversations/{conversation}/escalations"),
            Some(json!({ "reason": "she disputes a charge", "reveal": ["financial"] })),
        )
        .await;
    let lena = signed_in(&served, "lena.lead").await;
    let queue = lena.json("GET", "/api/v1/escalations", None).await;
    assert_eq!(queue["to_decide"][0]["id"], asked["id"], "the Leeds lead sees it: {queue}");
    let decided = lena
        .json(
            "POST",
            &format!("/api/v1/escalations/{}/decision", asked["id"]),
            Some(json!({ "approve": true, "note": "go ahead, she is on the phone" })),
        )
        .await;
    assert_eq!(decided["status"], "approved");
    assert_eq!(reveal(&one, card).await, 200, "shown after approval");
    assert_eq!(reveal(&two, card).await, 403, "the approval is for the agent who asked");
    for _ in 0..5 {
        clock.advance_millis(3 * 60_000);
        one.json("GET", "/api/v1/conversations", None).await;
        root.json("GET", "/api/v1/conversations", None).await;
    }
    assert_eq!(reveal(&one, card).await, 403, "masked again after fifteen minutes");

    // The trail says which rule placed each conversation, and that the question was the rule's.
    let trail = served.site.core.store().audit_records().await.unwrap();
    let routed: Vec<&str> =
        trail.iter().filter(|r| r.action == "conversation.routed").map(|r| r.detail.as_str()).collect();
    assert_eq!(routed.len(), 6, "three questions, three picks: {routed:?}");
    let asked_by_rule =
        trail.iter().filter(|r| r.action == "message.sent" && r.actor == "system:webhook").count();
    assert_eq!(asked_by_rule, 3, "the question went to each new customer once");
    assert!(trail.iter().all(|r| !r.detail.contains("4111")), "no card number in the trail");
}

#[tokio::test]
async fn rules_are_checked_versioned_audited_and_need_their_permission() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, [_, _, _, _, store_b]) = crate::access::two_stores(&served).await;
    let path = "/api/v1/routing/rules";

    // A rule naming what does not exist, or doing nothing, is refused with the reason.
    for (body, why) in [
        (rule("Ghost team", json!({}), json!({ "team": 999 })), "no such team"),
        (rule("Ghost label", json!({ "labels": [999] }), json!({ "team": store_b })), "no label 999"),
        (rule("Idle", json!({ "keywords": ["x"] }), json!({})), "does something"),
    ] {
        let refused = root.call("POST", path, body).await;
        assert_eq!(refused.status(), 422);
        let said = refused.json::<Value>().await.unwrap();
        assert!(said["message"].as_str().unwrap().contains(why), "{said}");
    }
    assert_eq!(root.json("GET", "/api/v1/routing", None).await["rules"], json!([]));

    // Saved, changed, deleted: each a version, each audited with before and after.
    let saved = root
        .json("POST", path, rule("Refunds", json!({ "keywords": ["refund"] }), json!({ "priority": "high" })))
        .await;
    let id = saved["rules"][0]["id"].as_i64().unwrap();
    assert_eq!(saved["rules"][0]["version"], 1);
    let body = json!({ "id": id, "rule": { "name": "Refunds", "when": { "keywords": ["refund"] }, "then": { "priority": "urgent", "team": store_b } } });
    let changed = root.json("POST", path, Some(body)).await;
    assert_eq!(
        (changed["rules"][0]["version"].as_i64(), changed["rules"][0]["updated_by"].as_str()),
        (Some(2), Some("root.owner"))
    );
    // The change applies to the next new conversation.
    served.customer_writes(&customer(5), "wamid.r5", "I want a refund").await;
    let list = root.json("GET", "/api/v1/conversations", None).await;
    let refund = list.as_array().unwrap().iter().find(|c| c["customer_name"] == "Customer 5").unwrap();
    assert_eq!(
        (refund["priority"].as_str(), refund["team"]["name"].as_str()),
        (Some("urgent"), Some("Store B"))
    );
    root.json("DELETE", &format!("{path}/{id}"), None).await;
    let trail = served.site.core.store().audit_records().await.unwrap();
    let saves: Vec<&countersign::audit::AuditRecord> =
        trail.iter().filter(|r| r.action == "routing.rule_saved").collect();
    assert_eq!(saves.len(), 2);
    assert!(
        saves[1].detail.contains("high") && saves[1].detail.contains("urgent"),
        "before and after: {}",
        saves[1].detail
    );
    assert!(trail.iter().any(|r| r.action == "routing.rule_deleted" && r.detail.contains("urgent")));

    // An agent may neither read nor write them.
    add_user(&served, "nosy.agent", "agent", &["Store A"]).await;
    let agent = signed_in(&served, "nosy.agent").await;
    assert_eq!(agent.call("GET", "/api/v1/routing", None).await.status(), 403);
    assert_eq!(
        agent.call("POST", path, rule("Mine", json!({}), json!({ "team": store_b }))).await.status(),
        403
    );
}

/// Monday 5 January 2026 at 19:00 in London (winter: UTC): after hours.
const MONDAY_EVENING: &str = "2026-01-05T19:00:00Z";
/// Tuesday 6 January 2026 at 10:00 in London.
const TUESDAY_MORNING: &str = "2026-01-06T10:00:00Z";

fn at(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

#[tokio::test]
async fn rules_on_business_hours_language_and_custom_fields_route_real_deliveries() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let sim = graph_sim().await;
    let served = Served::on_clock(&sim.base_url(), clock.clone()).await;
    let (root, teams) = owner_with_teams(&served, &["Leeds", "Spanish desk"]).await;
    let (leeds, spanish) = (teams[0], teams[1]);

    // A loyalty tier a rule may look at; a field holding financial data it may not.
    let tier = root
        .json("POST", "/api/v1/contact-fields", Some(json!({ "name": "Tier", "class": "none" })))
        .await["id"]
        .as_i64()
        .unwrap();
    let card = root
        .json("POST", "/api/v1/contact-fields", Some(json!({ "name": "Card on file", "class": "financial" })))
        .await["id"]
        .as_i64()
        .unwrap();
    // Then back to a Monday evening (the authenticator app and the step-up needed today).
    clock.advance_millis(at(MONDAY_EVENING) - clock.now().as_millis());
    // Leeds keeps shop hours on London time; the answer says whether it is open now.
    let weekdays: Vec<Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| json!({ "day": d, "opens": "09:00", "closes": "17:30" }))
        .collect();
    let hours = json!({ "hours": { "zone": "Europe/London", "open": weekdays } });
    let set = root.json("PUT", &format!("/api/v1/teams/{leeds}/hours"), Some(hours)).await;
    assert_eq!(set["hours"]["open_now"], false, "{set}");
    assert_eq!(set["hours"]["open"][0], json!({ "day": "mon", "opens": "09:00", "closes": "17:30" }));
    let wrong = json!({ "hours": { "zone": "London", "open": [] } });
    let refused = root.call("PUT", &format!("/api/v1/teams/{leeds}/hours"), Some(wrong)).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("Europe/London"), "says what a zone looks like");

    let on_card =
        rule("Card", json!({ "fields": [{ "field": card, "is": ["4111"] }] }), json!({ "priority": "high" }));
    let refused = root.call("POST", "/api/v1/routing/rules", on_card).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("financial data"));

    for (name, when, then) in [
        (
            "Gold Leeds",
            json!({ "answers": ["Leeds"], "fields": [{ "field": tier, "is": ["gold"] }] }),
            json!({ "team": leeds, "priority": "urgent" }),
        ),
        (
            "Leeds closed",
            json!({ "answers": ["Leeds"], "open": false }),
            json!({ "team": leeds, "reply": { "type": "text", "body": "Leeds opens at nine; we will answer then." } }),
        ),
        ("Leeds picked", json!({ "answers": ["Leeds"] }), json!({ "team": leeds })),
        ("Spanish", json!({ "languages": ["Spanish"] }), json!({ "team": spanish })),
    ] {
        root.json("POST", "/api/v1/routing/rules", rule(name, when, then)).await;
    }

    // Tried first, at either time.
    let trial = |body: Value| root.json("POST", "/api/v1/routing/test", Some(body));
    let evening = trial(json!({ "answer": "Leeds", "placed": true, "at": at(MONDAY_EVENING) })).await;
    assert_eq!(evening["rule"]["name"], "Leeds closed");
    assert!(evening["outcome"].to_string().contains("Leeds is closed then."), "{evening}");
    let morning = trial(json!({ "answer": "Leeds", "placed": true, "at": at(TUESDAY_MORNING) })).await;
    assert_eq!(morning["rule"]["name"], "Leeds picked");
    let gold =
        trial(json!({ "answer": "Leeds", "placed": true, "fields": [{ "field": tier, "value": "Gold" }] }))
            .await;
    assert_eq!(gold["rule"]["name"], "Gold Leeds");
    let spanish_trial = trial(json!({ "text": "Hola, ¿dónde está mi pedido de la semana pasada?" })).await;
    assert_eq!(spanish_trial["rule"]["name"], "Spanish");
    assert_eq!(spanish_trial["outcome"][0], "Written in Spanish.");

    // Real deliveries: a Spanish speaker reaches the Spanish desk.
    let hola = "Hola, quiero saber dónde está mi pedido de la semana pasada";
    assert_eq!(served.customer_writes(&customer(1), "wamid.h1", hola).await, 200);
    assert_eq!(seen(&root).await, [("Customer 1".to_owned(), "Spanish desk".to_owned(), None)]);

    // Monday evening, a customer picks Leeds: it is Leeds', and they are told when it opens.
    served.customer_writes(&customer(2), "wamid.h2a", "Hi").await;
    picks(&served, 2, "wamid.h2b", "Leeds").await;
    let sent = sim.wait_for_received(1, Duration::from_secs(5)).await;
    assert_eq!(sent[0]["text"]["body"], "Leeds opens at nine; we will answer then.");
    assert_eq!(sent[0]["to"], customer(2).wa_id);

    // Tuesday morning, a gold customer picks Leeds: urgent, and no closed notice.
    clock.advance_millis(at(TUESDAY_MORNING) - at(MONDAY_EVENING));
    served.customer_writes(&customer(3), "wamid.h3a", "Hi").await;
    let list = root.json("GET", "/api/v1/conversations", None).await;
    let contact = list.as_array().unwrap().iter().find(|c| c["customer_name"] == "Customer 3").unwrap()
        ["contact_id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/contacts/{contact}/fields/{tier}");
    assert!(root.call("PUT", &path, Some(json!({ "value": "Gold" }))).await.status().is_success());
    picks(&served, 3, "wamid.h3b", "Leeds").await;
    let list = root.json("GET", "/api/v1/conversations", None).await;
    let third = list.as_array().unwrap().iter().find(|c| c["customer_name"] == "Customer 3").unwrap();
    assert_eq!((third["team"]["name"].as_str(), third["priority"].as_str()), (Some("Leeds"), Some("urgent")));
    let sent = sim.wait_for_received(2, Duration::from_secs(2)).await;
    assert_eq!(sent.len(), 1, "only Monday's closed notice was sent: {sent:?}");

    // The hours change is in the trail, with before and after.
    let trail = served.site.core.store().audit_records().await.unwrap();
    let changed = trail.iter().find(|r| r.action == "team.hours").expect("audited");
    assert!(
        changed.detail.contains("none") && changed.detail.contains("Europe/London; mon 09:00-17:30"),
        "{}",
        changed.detail
    );
}

#[tokio::test]
async fn an_automatic_answer_can_be_an_approved_template_with_nothing_to_fill_in() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, _) = owner_with_teams(&served, &[]).await;
    // Entered by hand as the WhatsApp account has them (the simulator knows each).
    for (name, category, body) in [
        ("we_reply_soon", "UTILITY", "Thanks for writing to us. We answer within the hour."),
        ("order_ready", "UTILITY", "Hi {{1}}, your order {{2}} is ready to collect at {{3}}."),
        ("winter_sale", "MARKETING", "Our winter sale starts today."),
    ] {
        let template = json!({ "name": name, "language": "en_GB", "category": category, "body": body, "status": "APPROVED" });
        root.json("POST", "/api/v1/templates", Some(template)).await;
    }
    let answer = |name: &str| json!({ "reply": { "type": "template", "name": name, "language": "en_GB" } });
    for (name, why) in [
        ("order_ready", "nothing to fill in"),
        ("winter_sale", "marketing"),
        ("no_such_thing", "no such template"),
    ] {
        let refused = root.call("POST", "/api/v1/routing/rules", rule(name, json!({}), answer(name))).await;
        assert_eq!(refused.status(), 422, "{name}");
        let said = refused.json::<Value>().await.unwrap();
        assert!(said["message"].as_str().unwrap().contains(why), "{name}: {said}");
    }
    root.json("POST", "/api/v1/routing/rules", rule("Greet", json!({}), answer("we_reply_soon"))).await;
    let trial = root.json("POST", "/api/v1/routing/test", Some(json!({ "text": "hello" }))).await;
    assert_eq!(trial["outcome"][0], "Answered with the template we_reply_soon (en_GB).");

    assert_eq!(served.customer_writes(&customer(1), "wamid.t1", "Hello, anyone there?").await, 200);
    let sent = sim.wait_for_received(1, Duration::from_secs(5)).await;
    assert_eq!(sent[0]["type"], "template");
    assert_eq!(sent[0]["template"]["name"], "we_reply_soon");
    assert_eq!(sent[0]["template"]["language"]["code"], "en_GB");
    let thread = root.json("GET", "/api/v1/conversations", None).await;
    assert!(
        thread[0]["last_message_preview"].as_str().unwrap().contains("We answer within the hour"),
        "{thread}"
    );
    let trail = served.site.core.store().audit_records().await.unwrap();
    assert!(trail.iter().any(|r| r.action == "message.sent" && r.detail.contains("we_reply_soon/en_GB")));
}
