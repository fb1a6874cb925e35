//! A manager's approval for revealing a class of data (issue 6 point 4, issue 8 point 4): the
//! organisation has card and bank numbers approved first; an agent asks, saying why; only a
//! manager of that store who may see card numbers can answer; the approval lets that agent,
//! on that conversation (and its contact's fields), reveal them for fifteen minutes; a refusal
//! tells them why; everything is in the audit trail, with no card number in it.

use std::sync::Arc;

use countersign::clock::{Clock, ManualClock, SystemClock};
use reqwest::StatusCode;
use serde_json::{json, Value};

use countersign::api::roles::{GrantRequest, RoleRequest};

use crate::access::two_stores;
use crate::matrix::{add_user, customer, signed_in, Caller};
use crate::support::{graph_sim, Served};

const CARD: &str = "4111 1111 1111 1111";
const LOYALTY: &str = "LOY-00412345";

/// The status and JSON body of a call.
async fn answer(caller: &Caller<'_>, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let response = caller.call(method, path, body).await;
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

fn decision(approve: bool, note: Option<&str>) -> Option<Value> {
    Some(json!({ "approve": approve, "note": note }))
}

async fn reveal_card(who: &Caller<'_>, message: i64) -> (StatusCode, Value) {
    let body = Some(json!({ "reason": "customer asks which card was charged" }));
    answer(who, "POST", &format!("/api/v1/messages/{message}/reveal"), body).await
}

async fn access(who: &Caller<'_>, conversation: i64) -> Value {
    who.json("GET", &format!("/api/v1/conversations/{conversation}/reveal-access"), None).await
}

#[tokio::test]
async fn a_reveal_that_needs_approval_is_asked_answered_used_and_expires() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let sim = graph_sim().await;
    let served = Served::on_clock(&sim.base_url(), clock.clone()).await;
    let (root, [mine, theirs, my_contact, ..]) = two_stores(&served).await;
    add_user(&served, "mia.manager", "manager", &["Store A"]).await;
    add_user(&served, "max.manager", "manager", &["Store B"]).await;
    let text = format!("it was my card {CARD}, please check");
    assert_eq!(served.customer_writes(&customer(1), "wamid.card", &text).await, 200);
    let loyalty = root
        .json("POST", "/api/v1/contact-fields", Some(json!({ "name": "Loyalty card", "class": "financial" })))
        .await["id"]
        .as_i64()
        .unwrap();

    // The owner has card and bank numbers approved first; the setting reads back and is audited.
    let settings = Some(json!({ "reveal_approval": ["financial"] }));
    let (status, _) = answer(&root, "PATCH", "/api/v1/settings/security", settings).await;
    assert_eq!(status, 204);
    let saved = root.json("GET", "/api/v1/settings/security", None).await;
    assert_eq!(saved["reveal_approval"], json!(["financial"]));
    let bad = Some(json!({ "reveal_approval": ["everything"] }));
    let (status, refused) = answer(&root, "PATCH", "/api/v1/settings/security", bad).await;
    assert_eq!(status, 422);
    assert!(refused["message"].as_str().unwrap().contains("\"everything\""), "{refused}");

    let agent = signed_in(&served, "actor.agent").await;
    let (mia, max) = (signed_in(&served, "mia.manager").await, signed_in(&served, "max.manager").await);
    let agent_sets = json!({ "value": LOYALTY });
    agent.json("PUT", &format!("/api/v1/contacts/{my_contact}/fields/{loyalty}"), Some(agent_sets)).await;
    let card_message = agent.json("GET", &format!("/api/v1/conversations/{mine}/messages"), None).await
        ["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["content"]["body"].as_str().is_some_and(|t| t.contains("1111, please")))
        .expect("the card message, masked")["id"]
        .as_i64()
        .unwrap();
    // The agent may reveal nothing yet, and is told to ask.
    let before = access(&agent, mine).await;
    assert_eq!(before["revealable"], json!([]));
    assert_eq!(before["needs_approval"], json!(["financial"]));
    assert_eq!((before["may_ask"].clone(), before["pending"].clone()), (json!(true), json!(false)));
    let (status, refused) = reveal_card(&agent, card_message).await;
    assert_eq!(status, 403);
    assert!(refused["message"].as_str().unwrap().contains("Ask a manager"), "{refused}");

    // They ask, saying why (their words masked as everyone sees them); once is enough.
    let asks = |reason: &str, reveal: &[&str]| Some(json!({ "reason": reason, "reveal": reveal }));
    let ask_path = format!("/api/v1/conversations/{mine}/escalations");
    let (status, _) = answer(&agent, "POST", &ask_path, asks("why", &["financial"])).await;
    assert_eq!(status, 422, "a reason is needed");
    let (status, _) = answer(&agent, "POST", &ask_path, asks("the card she used", &["secrets"])).await;
    assert_eq!(status, 422, "an unknown class is refused, never widened");
    let reason = format!("she disputes the charge on {CARD}");
    let (status, request) = answer(&agent, "POST", &ask_path, asks(&reason, &["financial"])).await;
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["reason"], "she disputes the charge on **** **** **** 1111");
    assert_eq!(
        (request["status"].as_str(), request["reveal"].clone()),
        (Some("pending"), json!(["financial"]))
    );
    let id = request["id"].as_i64().unwrap();
    let (status, _) = answer(&agent, "POST", &ask_path, asks(&reason, &["financial"])).await;
    assert_eq!(status, 409, "one open request per conversation");
    assert_eq!(access(&agent, mine).await["pending"], true);

    // Another store's manager sees neither the request nor the conversation.
    assert_eq!(max.json("GET", "/api/v1/escalations", None).await["to_decide"], json!([]));
    let decide = format!("/api/v1/escalations/{id}/decision");
    assert_eq!(answer(&max, "POST", &decide, decision(true, None)).await.0, 404);
    // The store's own manager sees it, but may not hand out a sight of card numbers they lack.
    let queue = mia.json("GET", "/api/v1/escalations", None).await;
    assert_eq!(queue["to_decide"].as_array().unwrap().len(), 1, "{queue}");
    assert_eq!(queue["to_decide"][0]["requested_by"], "actor.agent");
    let (status, refused) = answer(&mia, "POST", &decide, decision(true, None)).await;
    assert_eq!(status, 403);
    assert!(refused["message"].as_str().unwrap().contains("your own role may not reveal"), "{refused}");
    // Nobody answers their own request.
    let (_, own) =
        answer(&root, "POST", &ask_path, asks("customer wants to speak to head office", &[])).await;
    let own_decision = format!("/api/v1/escalations/{}/decision", own["id"]);
    let (status, refused) = answer(&root, "POST", &own_decision, decision(true, None)).await;
    assert_eq!(status, 403);
    assert!(refused["message"].as_str().unwrap().contains("your own request"), "{refused}");

    // The owner approves: the agent sees the card number in that conversation and the
    // contact's loyalty card, each reveal still audited with its own reason.
    let approved_at = clock.now().as_millis();
    let (status, approved) =
        answer(&root, "POST", &decide, decision(true, Some("go ahead, then note the outcome"))).await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["reveal_until"], approved_at + 15 * 60_000);
    add_user(&served, "ada.admin", "admin", &[]).await;
    let again = signed_in(&served, "ada.admin").await;
    let (status, _) =
        answer(&again, "POST", &decide, decision(false, Some("no, ask her to read it out"))).await;
    assert_eq!(status, 409, "a request is answered once");
    let granted = access(&agent, mine).await;
    assert_eq!(granted["revealable"], json!(["financial"]));
    assert_eq!(granted["approved_until"], approved_at + 15 * 60_000);
    assert_eq!(granted["pending"], false);
    let (status, shown) = reveal_card(&agent, card_message).await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown["message"].to_string().contains(CARD), "{shown}");
    let contact_path = format!("/api/v1/contacts/{my_contact}/reveal");
    let (status, contact) =
        answer(&agent, "POST", &contact_path, Some(json!({ "reason": "checking her loyalty card" }))).await;
    assert_eq!(status, 200, "{contact}");
    assert!(contact["contact"].to_string().contains(LOYALTY), "{contact}");
    let mine_now = agent.json("GET", "/api/v1/escalations", None).await["mine"].clone();
    assert_eq!(mine_now[0]["status"], "approved");
    assert_eq!(mine_now[0]["decided_by"], "root.owner");
    assert_eq!(mine_now[0]["note"], "go ahead, then note the outcome");
    // The approval is for that conversation only.
    let (status, _) =
        answer(&agent, "GET", &format!("/api/v1/conversations/{theirs}/reveal-access"), None).await;
    assert_eq!(status, 404);

    // It lasts fifteen minutes (both keep working meanwhile, so their sessions stay alive);
    // then it is masked again for the agent.
    for minutes in [3, 6, 9, 12, 15] {
        clock.advance_millis(3 * 60_000);
        let expected = if minutes < 15 { json!(["financial"]) } else { json!([]) };
        assert_eq!(access(&agent, mine).await["revealable"], expected, "after {minutes} minutes");
        root.json("GET", "/api/v1/escalations", None).await;
    }
    assert_eq!(reveal_card(&agent, card_message).await.0, 403);

    // A refusal needs a note, and the agent reads it.
    let (_, second) =
        answer(&agent, "POST", &ask_path, asks("she asks again about the charge", &["financial"])).await;
    let decide = format!("/api/v1/escalations/{}/decision", second["id"]);
    assert_eq!(answer(&root, "POST", &decide, decision(false, None)).await.0, 422, "say why");
    let note = "ask her to read the last four digits to you";
    let (status, rejected) = answer(&root, "POST", &decide, decision(false, Some(note))).await;
    assert_eq!((status, rejected["status"].as_str()), (StatusCode::OK, Some("rejected")));
    assert_eq!(rejected["reveal_until"], Value::Null);
    let told = agent.json("GET", "/api/v1/escalations", None).await;
    assert_eq!(told["mine"][0]["note"], note);
    assert_eq!(reveal_card(&agent, card_message).await.0, 403, "a refusal grants nothing");

    // The trail: who asked, who answered what, and the reveals the approval allowed.
    let trail = served.site.core.store().audit_records().await.unwrap();
    let count = |action: &str| trail.iter().filter(|r| r.action == action).count();
    assert_eq!(
        (count("escalation.requested"), count("escalation.approved"), count("escalation.rejected")),
        (3, 1, 1)
    );
    let asked = trail.iter().find(|r| r.action == "escalation.requested").unwrap();
    assert!(asked.detail.contains("reveal=financial"), "{asked:?}");
    assert!(asked.detail.contains("**** **** **** 1111"), "{asked:?}");
    let yes = trail.iter().find(|r| r.action == "escalation.approved").unwrap();
    assert_eq!(yes.target.as_deref(), Some(format!("escalation:{id}").as_str()));
    let approved_reveals =
        trail.iter().filter(|r| r.action == "data.reveal" && r.detail.contains("approved=financial"));
    assert_eq!(approved_reveals.count(), 2, "the message and the contact");
    let refusals = trail.iter().filter(|r| r.action == "access.denied" && r.detail.contains("NeedsApproval"));
    assert_eq!(refusals.count(), 3, "before asking, after the time was up, after the refusal");
    let all = format!("{trail:?}");
    assert!(!all.contains(CARD) && !all.contains(LOYALTY), "no raw value in the trail");
}

/// An agent who may not move conversations asks for one to go to another store; an approver
/// who may not move it either is told so and the request waits; the store's manager approves,
/// and the approval is the move: made in the same transaction, audited as theirs, with the
/// other store's manager seeing the customer and the agent no longer.
#[tokio::test]
async fn an_approved_transfer_request_moves_the_conversation() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, [mine, _, _, _, store_b]) = two_stores(&served).await;
    add_user(&served, "mia.manager", "manager", &["Store A"]).await;
    add_user(&served, "max.manager", "manager", &["Store B"]).await;
    let grants =
        [("conversations.view", "team"), ("escalations.approve", "all")].map(|(permission, scope)| {
            GrantRequest { permission: permission.to_owned(), scope: Some(scope.to_owned()) }
        });
    let role = RoleRequest {
        name: "Approver".to_owned(),
        description: "Answers requests, moves nothing".to_owned(),
        grants: grants.to_vec(),
        labels: vec![],
    };
    served.site.core.operator_create_role(role).await.unwrap();
    add_user(&served, "amy.approver", "approver", &["Store A"]).await;
    let (agent, mia, max, amy) = (
        signed_in(&served, "actor.agent").await,
        signed_in(&served, "mia.manager").await,
        signed_in(&served, "max.manager").await,
        signed_in(&served, "amy.approver").await,
    );

    // The agent may not move it, but sees where they may ask it to go: every other team.
    let (status, _) = answer(
        &agent,
        "POST",
        &format!("/api/v1/conversations/{mine}/team"),
        Some(json!({ "team": store_b })),
    )
    .await;
    assert_eq!(status, 403);
    let offered = access(&agent, mine).await["transfer_teams"].clone();
    let names: Vec<&str> = offered.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Store B") && !names.contains(&"Store A"), "{offered}");

    let ask_path = format!("/api/v1/conversations/{mine}/escalations");
    let asks = |team: i64| {
        Some(json!({ "reason": "she lives in B and wants to collect there", "transfer_to": team }))
    };
    assert!(offered.as_array().unwrap().iter().any(|t| t["id"] == store_b), "offered by id: {offered}");
    let listed = root.json("GET", "/api/v1/conversations", None).await;
    let here =
        listed.as_array().unwrap().iter().find(|c| c["id"] == mine).unwrap()["team"]["id"].as_i64().unwrap();
    let (status, refused) = answer(&agent, "POST", &ask_path, asks(here)).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("already with that team"), "{refused}");
    assert_eq!(answer(&agent, "POST", &ask_path, asks(999_999)).await.0, 422, "no such team");
    let (status, request) = answer(&agent, "POST", &ask_path, asks(store_b)).await;
    assert_eq!(status, 201, "{request}");
    assert_eq!((request["transfer_to"].as_str(), request["reveal"].clone()), (Some("Store B"), json!([])));
    let decide = format!("/api/v1/escalations/{}/decision", request["id"]);

    // An approver who may not move conversations is told why, and it still waits.
    let queue = amy.json("GET", "/api/v1/escalations", None).await;
    assert_eq!(queue["to_decide"][0]["transfer_to"], "Store B", "{queue}");
    let (status, refused) = answer(&amy, "POST", &decide, decision(true, None)).await;
    assert_eq!(status, 403);
    assert!(refused["message"].as_str().unwrap().contains("may not move conversations"), "{refused}");
    assert_eq!(mia.json("GET", "/api/v1/escalations", None).await["to_decide"].as_array().unwrap().len(), 1);

    // The store's manager approves: it is with Store B now.
    assert_eq!(
        max.json("GET", "/api/v1/conversations", None).await.as_array().unwrap().len(),
        1,
        "B's own customer"
    );
    let (status, approved) =
        answer(&mia, "POST", &decide, decision(true, Some("moving her to B as asked"))).await;
    assert_eq!((status, approved["status"].as_str()), (StatusCode::OK, Some("approved")), "{approved}");
    let theirs_now = max.json("GET", "/api/v1/conversations", None).await;
    assert!(
        theirs_now.as_array().unwrap().iter().any(|c| c["id"] == mine && c["team"]["name"] == "Store B"),
        "{theirs_now}"
    );
    assert_eq!(answer(&agent, "GET", &format!("/api/v1/conversations/{mine}/messages"), None).await.0, 404);

    let trail = served.site.core.store().audit_records().await.unwrap();
    let moved: Vec<_> = trail
        .iter()
        .filter(|r| r.action == "conversation.transfer" && r.detail.contains("escalation"))
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0].target.as_deref(), Some(format!("conversation:{mine}").as_str()));
    let yes = trail.iter().find(|r| r.action == "escalation.approved").unwrap();
    assert_eq!(moved[0].actor, yes.actor, "the move is the approver's");
    let asked = trail.iter().find(|r| r.action == "escalation.requested").unwrap();
    assert!(asked.detail.contains(&format!("transfer_to=team:{store_b}")), "{asked:?}");
}

/// The agent asks to see card numbers in `conversation`; `approver` approves. Returns when the
/// approval ends, as the answer says.
async fn ask_and_approve(agent: &Caller<'_>, approver: &Caller<'_>, conversation: i64) -> i64 {
    let ask = Some(json!({ "reason": "she disputes a card payment", "reveal": ["financial"] }));
    let (status, request) =
        answer(agent, "POST", &format!("/api/v1/conversations/{conversation}/escalations"), ask).await;
    assert_eq!(status, 201, "{request}");
    let decide = format!("/api/v1/escalations/{}/decision", request["id"]);
    let (status, approved) = answer(approver, "POST", &decide, decision(true, None)).await;
    assert_eq!(status, 200, "{approved}");
    approved["reveal_until"].as_i64().unwrap()
}

/// An organisation sets how long an approval lasts (a store that reads the number out at once
/// wants it short); an approval already given keeps the end it was given with, and the trail
/// records the end.
#[tokio::test]
async fn an_organisation_sets_how_long_an_approval_to_reveal_lasts() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let sim = graph_sim().await;
    let served = Served::on_clock(&sim.base_url(), clock.clone()).await;
    let (root, [mine, ..]) = two_stores(&served).await;
    let patch = |body: Value| answer(&root, "PATCH", "/api/v1/settings/security", Some(body));
    assert_eq!(patch(json!({ "reveal_approval": ["financial"] })).await.0, 204);
    let saved = root.json("GET", "/api/v1/settings/security", None).await;
    assert_eq!(saved["reveal_approval_minutes"], 15, "fifteen minutes unless changed");
    assert_eq!(saved["content_protection"], true, "the window is kept out of screen captures by default");
    for minutes in [0, 241, -5] {
        let (status, refused) = patch(json!({ "reveal_approval_minutes": minutes })).await;
        assert_eq!(status, 422, "{minutes} minutes");
        assert!(refused["message"].as_str().unwrap().contains("an approval to reveal lasts"), "{refused}");
    }
    assert_eq!(patch(json!({ "reveal_approval_minutes": 5 })).await.0, 204);
    assert_eq!(root.json("GET", "/api/v1/settings/security", None).await["reveal_approval_minutes"], 5);

    let agent = signed_in(&served, "actor.agent").await;
    let approved_at = clock.now().as_millis();
    let until = ask_and_approve(&agent, &root, mine).await;
    assert_eq!(until, approved_at + 5 * 60_000);
    // Lengthening the setting afterwards does not lengthen the approval already given.
    assert_eq!(patch(json!({ "reveal_approval_minutes": 60 })).await.0, 204);
    clock.advance_millis(4 * 60_000);
    assert_eq!(access(&agent, mine).await["revealable"], json!(["financial"]), "after 4 minutes");
    clock.advance_millis(60_000);
    let after = access(&agent, mine).await;
    assert_eq!(after["revealable"], json!([]), "after 5 minutes: masked again");
    assert_eq!(after["may_ask"], true, "and the agent may ask again");

    // A new approval lasts the new hour.
    let approved_at = clock.now().as_millis();
    assert_eq!(ask_and_approve(&agent, &root, mine).await, approved_at + 60 * 60_000);

    let trail = served.site.core.store().audit_records().await.unwrap();
    let changed = trail.iter().filter(|r| r.action == "settings.security");
    let minutes: Vec<_> = changed.filter(|r| r.detail.contains("masking.approval_minutes")).collect();
    assert_eq!(minutes.len(), 2, "each change is audited: {minutes:?}");
    let approvals: Vec<_> = trail.iter().filter(|r| r.action == "escalation.approved").collect();
    assert!(approvals[0].detail.contains(&format!("reveal_until={until}")), "{:?}", approvals[0]);
}
