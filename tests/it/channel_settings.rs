//! The WhatsApp channel from the admin screen (issue 5, secrets): an administrator sees whether
//! each secret is set but never its value, changes only what they type, needs a fresh second
//! factor, and a renewed access token sends the replies an expired one held.

use std::time::Duration;

use countersign_sim::{Customer, GraphSim, SimConfig};
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn an_admin_renews_the_token_and_held_replies_go_out_without_a_secret_ever_shown() {
    // WhatsApp now expects another token: the stored one is refused (190).
    let config =
        SimConfig { phone_number_id: PHONE_NUMBER_ID.to_owned(), access_token: "renewed-token".to_owned() };
    let sim = GraphSim::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let served = Served::new(&sim.base_url()).await;
    let ana = Customer { wa_id: "16505550101".to_owned(), name: "Ana".to_owned() };
    assert_eq!(served.customer_writes(&ana, "wamid.in1", "Is it in stock?").await, 200);
    let agent = served.login().await;
    let sent = served.post("/api/v1/conversations/1/messages", Some(&agent), json!({ "text": "Yes!" })).await;
    assert_eq!(sent.status(), 201);

    let (admin, _) = served.admin_stepped_up(&served.http).await;
    let shown = served.get("/api/v1/settings/channel", Some(&admin)).await.text().await.unwrap();
    for secret in [APP_SECRET, ACCESS_TOKEN, VERIFY_TOKEN] {
        assert!(!shown.contains(secret), "a secret left the core: {shown}");
    }
    let view: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        (&view["access_token_set"], &view["app_secret_set"], &view["replies_held_by_token"]),
        (&json!(true), &json!(true), &json!(1)),
        "{view}"
    );

    let update =
        json!({ "phone_number_id": PHONE_NUMBER_ID, "access_token": "renewed-token", "app_secret": "" });
    let response =
        served.request_json(reqwest::Method::PUT, "/api/v1/settings/channel", &admin, update).await;
    assert_eq!(response.status(), 200);
    assert_eq!(sim.wait_for_received(1, Duration::from_secs(5)).await.len(), 1, "the held reply went out");
    // The app secret was left blank, so it is unchanged: Meta's webhooks still verify.
    assert_eq!(served.customer_writes(&ana, "wamid.in2", "Great").await, 200);
    let mut held = 1;
    for _ in 0..50 {
        let view: Value = served.get("/api/v1/settings/channel", Some(&admin)).await.json().await.unwrap();
        held = view["replies_held_by_token"].as_i64().unwrap();
        if held == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(held, 0);

    let trail = served.site.core.store().audit_records().await.unwrap();
    let change = trail.iter().rev().find(|r| r.action == "channel.set").unwrap();
    assert!(change.actor.starts_with("user:"), "the admin, not the operator: {change:?}");
    assert!(change.detail.contains("secrets_changed=access_token"), "{change:?}");
    let everything = format!("{trail:?}");
    assert!(
        !everything.contains("renewed-token") && !everything.contains(APP_SECRET),
        "no secret in the trail"
    );
}

#[tokio::test]
async fn only_the_channel_permission_with_a_fresh_second_factor_changes_it() {
    let served = Served::new("http://127.0.0.1:9").await;
    let update = json!({ "phone_number_id": "999", "access_token": "stolen" });

    let agent = served.login().await;
    let response =
        served.request_json(reqwest::Method::PUT, "/api/v1/settings/channel", &agent, update.clone()).await;
    assert_eq!(response.status(), 403, "an agent may not");

    // An administrator without a fresh second factor (here: none at all) is asked for one.
    let body = json!({ "username": ADMIN, "password": ADMIN_PASSWORD });
    let signed_in: Value = served.post("/api/v1/sessions", None, body).await.json().await.unwrap();
    let admin = signed_in["token"].as_str().unwrap();
    let response = served.request_json(reqwest::Method::PUT, "/api/v1/settings/channel", admin, update).await;
    assert_eq!(response.status(), 403);
    let error: Value = response.json().await.unwrap();
    assert!(error["code"].as_str().unwrap().starts_with("step_up"), "{error}");

    let view: Value = served.get("/api/v1/settings/channel", Some(admin)).await.json().await.unwrap();
    assert_eq!(view["phone_number_id"], PHONE_NUMBER_ID, "nothing changed");
}
