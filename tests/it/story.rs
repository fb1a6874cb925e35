//! The walking skeleton end to end: a signed webhook is stored, listed through the HTTP API,
//! answered, and the reply reaches the simulated Cloud API.

use std::time::Duration;

use countersign_sim::customers::{self, Customer};
use rstest::rstest;
use serde_json::{json, Value};

use crate::support::*;

fn sheena() -> Customer {
    Customer { wa_id: "16505551234".to_owned(), name: "Sheena Nelson".to_owned() }
}

/// A site whose Cloud API is unreachable: for tests that never send.
async fn offline() -> Served {
    Served::new("http://127.0.0.1:9").await
}

#[tokio::test]
async fn a_customer_message_is_answered_from_the_inbox() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    assert_eq!(
        served.customer_writes(&sheena(), "wamid.story1", "Is the blue one in stock? Café ☕").await,
        200
    );

    let token = served.login().await;
    let list: Value = served.get("/api/v1/conversations", Some(&token)).await.json().await.unwrap();
    let conversations = list.as_array().unwrap();
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0]["customer_name"], "Sheena Nelson");
    assert_eq!(conversations[0]["customer_handle"], "+*******1234", "agents see a masked number");
    let id = conversations[0]["id"].as_i64().unwrap();

    let path = format!("/api/v1/conversations/{id}/messages");
    let messages = Value::from(served.thread(&token, id).await);
    assert_eq!(messages[0]["text"], "Is the blue one in stock? Café ☕");
    assert_eq!(messages[0]["direction"], "inbound");

    let sent = served.post(&path, Some(&token), json!({ "text": "Yes, size 39 is on the shelf." })).await;
    assert_eq!(sent.status(), 201);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent["direction"], "outbound");
    assert_eq!(sent["author"], AGENT);

    let received = sim.wait_for_received(1, Duration::from_secs(5)).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["to"], "16505551234");
    assert_eq!(received[0]["type"], "text");
    assert_eq!(received[0]["text"]["body"], "Yes, size 39 is on the shelf.");

    // Every step left its audit record, with ids only: no text, no number.
    let trail = served.site.core.store().audit_records().await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
    for expected in [
        "store.init",
        "user.add",
        "channel.set",
        "message.received",
        "webhook.delivery",
        "session.login",
        "message.sent",
    ] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    let flat = format!("{trail:?}");
    for private in ["16505551234", "Sheena", "size 39", "blue one"] {
        assert!(!flat.contains(private), "{private} leaked into the audit trail");
    }
}

#[tokio::test]
async fn the_same_delivery_twice_is_stored_once() {
    let served = offline().await;
    for _ in 0..2 {
        assert_eq!(
            served.customer_writes(&sheena(), "wamid.dup", "hello").await,
            200,
            "a repeat is acknowledged so Meta stops retrying"
        );
    }
    // A different delivery carrying the same message id (Meta's retry with a new envelope).
    let target = target(served.addr);
    let body = customers::text_webhook(&target, &sheena(), "wamid.dup", "hello", 1_700_000_000);
    let signature = customers::sign(APP_SECRET, &body);
    assert_eq!(customers::deliver(&served.http, &target.url, &signature, body).await.unwrap(), 200);
    let stats = served.site.core.stats().await.unwrap();
    assert_eq!(stats.messages, 1);
    assert_eq!(stats.conversations, 1);
}

#[rstest]
#[case::missing(None)]
#[case::wrong_secret(Some(customers::sign("not-the-app-secret", b"x")))]
#[case::garbage(Some("sha256=nothex".to_owned()))]
#[tokio::test]
async fn a_badly_signed_webhook_is_refused_and_nothing_is_stored(#[case] signature: Option<String>) {
    let served = offline().await;
    let before = served.site.core.stats().await.unwrap();
    let body =
        customers::text_webhook(&target(served.addr), &sheena(), "wamid.forged", "forged", 1_700_000_000);
    let mut request = served.http.post(format!("http://{}/webhook", served.addr)).body(body);
    if let Some(sig) = signature {
        request = request.header("x-hub-signature-256", sig);
    }
    assert_eq!(request.send().await.unwrap().status(), 401);
    assert_eq!(served.site.core.stats().await.unwrap(), before);
}

#[tokio::test]
async fn an_oversized_webhook_is_refused_unread() {
    let served = offline().await;
    let before = served.site.core.stats().await.unwrap();
    let body = vec![b' '; countersign::server::MAX_BODY_BYTES + 1];
    let signature = customers::sign(APP_SECRET, &body);
    let response =
        customers::deliver(&served.http, &target(served.addr).url, &signature, body).await.unwrap();
    assert_eq!(response, 413);
    assert_eq!(served.site.core.stats().await.unwrap(), before);
}

#[rstest]
#[case::right_token(VERIFY_TOKEN, "subscribe", 200)]
#[case::wrong_token("guess", "subscribe", 403)]
#[case::wrong_mode(VERIFY_TOKEN, "unsubscribe", 403)]
#[tokio::test]
async fn metas_handshake_echoes_the_challenge_only_for_the_right_token(
    #[case] token: &str,
    #[case] mode: &str,
    #[case] expected: u16,
) {
    let served = offline().await;
    let path = format!("/webhook?hub.mode={mode}&hub.verify_token={token}&hub.challenge=1158201444");
    let response = served.get(&path, None).await;
    assert_eq!(response.status(), expected);
    if expected == 200 {
        assert_eq!(response.text().await.unwrap(), "1158201444");
    }
}

#[rstest]
#[case::wrong_password(AGENT, "not the password at all")]
#[case::unknown_user("nobody.here", AGENT_PASSWORD)]
#[case::invalid_name("x", AGENT_PASSWORD)]
#[tokio::test]
async fn a_failed_sign_in_does_not_say_which_part_was_wrong(#[case] username: &str, #[case] password: &str) {
    let served = offline().await;
    let response =
        served.post("/api/v1/sessions", None, json!({ "username": username, "password": password })).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "code": "unauthenticated", "message": "the user name or password is not correct" })
    );
}

#[rstest]
#[case::no_token(None)]
#[case::made_up_token(Some("0123456789abcdef"))]
#[tokio::test]
async fn the_api_refuses_calls_without_a_live_session(#[case] token: Option<&str>) {
    let served = offline().await;
    assert_eq!(served.get("/api/v1/conversations", token).await.status(), 401);
}

#[tokio::test]
async fn a_signed_out_token_no_longer_works() {
    let served = offline().await;
    let token = served.login().await;
    assert_eq!(served.delete("/api/v1/sessions/current", Some(&token)).await.status(), 204);
    assert_eq!(served.get("/api/v1/conversations", Some(&token)).await.status(), 401);
}

#[tokio::test]
async fn a_conversation_that_does_not_exist_is_not_found() {
    let served = offline().await;
    let token = served.login().await;
    assert_eq!(served.get("/api/v1/conversations/999/messages", Some(&token)).await.status(), 404);
}

#[tokio::test]
async fn desktop_intake_accepts_webhooks_but_does_not_expose_the_staff_api() {
    let site = site("http://127.0.0.1:9").await;
    site.core.operator_set_desktop_intake(Some("127.0.0.1:0".parse().unwrap())).await.unwrap();
    assert_eq!(site.core.desktop_intake_listen().await.unwrap(), Some("127.0.0.1:0".parse().unwrap()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(countersign::server::serve_webhooks(site.core.clone(), listener, std::future::pending()));
    let http = reqwest::Client::new();
    let status = customers::send_text(&http, &target(addr), &sheena(), "wamid.desk", "hi").await.unwrap();
    assert_eq!(status, 200);
    let api = http
        .post(format!("http://{addr}/api/v1/sessions"))
        .json(&json!({ "username": AGENT, "password": AGENT_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    site.core.operator_set_desktop_intake(None).await.unwrap();
    assert_eq!(site.core.desktop_intake_listen().await.unwrap(), None);
}
