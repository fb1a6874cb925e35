//! Masking (issue 6): an agent who may not reveal personal data sees it masked in every API
//! response that can carry it. Customers plant a card number, an IBAN, an e-mail address, a
//! phone number and an HKID in every kind of message; the test then walks every `GET`
//! operation of the OpenAPI document as the agent and looks for any of them in full. An owner,
//! who may reveal every class, sees them (so the planting reached the views).

use countersign_sim::customers::{inbound, send_message};
use countersign_sim::Customer;
use serde_json::{json, Value};

use crate::support::*;

const CARD: &str = "4111 1111 1111 1111";
const IBAN: &str = "GB82 WEST 1234 5698 7654 32";
const EMAIL: &str = "ana.souza@example.com";
const PHONE: &str = "+44 7400 123456";
const HKID: &str = "A123456(3)";

fn planted() -> String {
    format!("card {CARD}, iban {IBAN}, mail {EMAIL}, call {PHONE}, id {HKID}")
}

/// The letters and digits of `s`, upper case: what a value is, however it is spaced or quoted.
fn bare(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// Every planted value (and the customer's own number) found in full in `body`.
fn leaks(body: &str, customer: &Customer) -> Vec<String> {
    let haystack = bare(body);
    [CARD, IBAN, EMAIL, PHONE, HKID, customer.wa_id.as_str()]
        .into_iter()
        .filter(|v| haystack.contains(&bare(v)))
        .map(str::to_owned)
        .collect()
}

/// Ana writes the planted values in every kind of message.
async fn planted_everywhere(served: &Served, ana: &Customer) {
    let text = planted();
    let messages = [
        ("wamid.m1", inbound::text(&text)),
        ("wamid.m2", inbound::media("image", "1001", Some(&text))),
        ("wamid.m3", inbound::location(53.8, -1.5, &text, &text)),
        ("wamid.m4", inbound::contact("Ana", "Souza", PHONE)),
        ("wamid.m5", inbound::form(&json!({ "card": CARD, "iban": IBAN, "email": EMAIL, "hkid": HKID }))),
        ("wamid.m6", inbound::reply("wamid.m1", &text)),
        ("wamid.m7", inbound::text("first version")),
        ("wamid.m8", inbound::edit("wamid.m7", &text)),
        ("wamid.m9", inbound::changed_number("447400123456")),
        ("wamid.m10", inbound::text(&text)),
    ];
    for (wamid, message) in messages {
        let status = send_message(&served.http, &target(served.addr), ana, wamid, message).await.unwrap();
        assert_eq!(status, 200, "{wamid}");
    }
}

/// Every `GET` operation of the API as `token`, path parameters filled with the records made
/// here; returns (path, body).
async fn every_get(served: &Served, token: &str) -> Vec<(String, String)> {
    let doc: Value = served.get("/api/v1/openapi.json", None).await.json().await.unwrap();
    let contacts: Value = served.get("/api/v1/contacts", Some(token)).await.json().await.unwrap();
    let contact = contacts[0]["id"].as_i64().unwrap();
    let mut bodies = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() || path.contains("/media") {
            continue; // files are bytes, not text
        }
        let concrete = path
            .replace("/conversations/{id}", "/conversations/1")
            .replace("/contacts/{id}", &format!("/contacts/{contact}"));
        assert!(!concrete.contains('{'), "a GET route this test does not know how to fill: {path}");
        let response = served.get(&concrete, Some(token)).await;
        bodies.push((concrete, response.text().await.unwrap()));
    }
    assert!(bodies.len() >= 10, "walked {} GET routes", bodies.len());
    bodies
}

#[tokio::test]
async fn an_agent_sees_no_planted_value_in_full_in_any_response() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let ana = Customer { wa_id: "16505550101".to_owned(), name: "Ana Souza".to_owned() };
    planted_everywhere(&served, &ana).await;
    let agent = served.login().await;
    // The agent's own reply carries them too (quoted back to them).
    let reply =
        served.post("/api/v1/conversations/1/messages", Some(&agent), json!({ "text": planted() })).await;
    let reply = reply.text().await.unwrap();
    assert!(leaks(&reply, &ana).is_empty(), "the reply as answered: {reply}");

    for (path, body) in every_get(&served, &agent).await {
        assert!(leaks(&body, &ana).is_empty(), "{path} shows {:?} in full: {body}", leaks(&body, &ana));
    }
    let thread = served.get("/api/v1/conversations/1/messages", Some(&agent)).await.text().await.unwrap();
    for masked in ["**** **** **** 1111", "GB** **** **** **** **54 32", "a***@e***.com", "****456(3)"] {
        assert!(thread.contains(masked), "{masked} is shown masked: {thread}");
    }
}

#[tokio::test]
async fn an_owner_who_may_reveal_every_class_sees_the_values() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let ana = Customer { wa_id: "16505550101".to_owned(), name: "Ana Souza".to_owned() };
    planted_everywhere(&served, &ana).await;
    let (admin, _) = served.admin_stepped_up(&served.http).await;
    let thread = served.get("/api/v1/conversations/1/messages", Some(&admin)).await.text().await.unwrap();
    assert_eq!(leaks(&thread, &ana), [CARD, IBAN, EMAIL, PHONE, HKID], "{thread}");
    let list = served.get("/api/v1/conversations", Some(&admin)).await.text().await.unwrap();
    assert!(leaks(&list, &ana).contains(&ana.wa_id), "the customer's number in full: {list}");
}

/// Issue 6, point 5: precision and recall on the labelled corpus, as `countersign masking
/// report tests/masking/corpus.txt --region GB` prints them.
#[test]
fn the_detectors_are_accurate_on_the_labelled_corpus() {
    let corpus = include_str!("../masking/corpus.txt");
    let detectors = countersign::mask::Detectors::default().with_region(phonenumber::country::Id::GB);
    let report = countersign::mask::accuracy::evaluate(corpus, &detectors).unwrap();
    println!("{report}");
    let total = report.total();
    assert!(report.messages >= 130, "{report}");
    assert!(total.precision() >= 0.98, "precision {:.3}\n{report}", total.precision());
    assert!(total.recall() >= 0.95, "recall {:.3}\n{report}", total.recall());
}
