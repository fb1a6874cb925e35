//! "My sessions and devices" and revocation, over HTTP: an ended session fails on its next call.

use serde_json::{json, Value};

use crate::support::*;

async fn sign_in_as(served: &Served, user_agent: &str, user: &str, password: &str) -> String {
    let response = served
        .http
        .post(format!("http://{}/api/v1/sessions", served.addr))
        .header("user-agent", user_agent)
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

async fn sessions(served: &Served, token: &str) -> Vec<Value> {
    let response = served.get("/api/v1/me/sessions", Some(token)).await;
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

#[tokio::test]
async fn a_user_sees_where_they_are_signed_in_and_can_end_any_of_it() {
    let served = Served::new("http://127.0.0.1:9").await;
    let counter_pc = sign_in_as(&served, "Firefox on the counter PC", AGENT, AGENT_PASSWORD).await;
    let phone = sign_in_as(&served, "Phone\tbrowser", AGENT, AGENT_PASSWORD).await;
    let tablet = sign_in_as(&served, "Stockroom tablet", AGENT, AGENT_PASSWORD).await;

    let listed = sessions(&served, &counter_pc).await;
    let devices: Vec<&str> = listed.iter().map(|s| s["device"].as_str().unwrap()).collect();
    assert_eq!(devices.len(), 3);
    assert!(devices.contains(&"Phonebrowser"), "control characters are dropped: {devices:?}");
    assert!(listed.iter().all(|s| s["origin"] == "127.0.0.1"));
    let current: Vec<&Value> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["device"], "Firefox on the counter PC");

    // End the phone's session by id: its next call fails; the others go on.
    let phone_id = listed.iter().find(|s| s["device"] == "Phonebrowser").unwrap()["id"].as_i64().unwrap();
    assert_eq!(
        served.delete(&format!("/api/v1/me/sessions/{phone_id}"), Some(&counter_pc)).await.status(),
        204
    );
    assert_eq!(served.get("/api/v1/conversations", Some(&phone)).await.status(), 401);
    assert_eq!(served.get("/api/v1/conversations", Some(&tablet)).await.status(), 200);

    // Sign out everywhere else.
    assert_eq!(served.delete("/api/v1/me/sessions", Some(&counter_pc)).await.status(), 204);
    assert_eq!(served.get("/api/v1/conversations", Some(&tablet)).await.status(), 401);
    assert_eq!(sessions(&served, &counter_pc).await.len(), 1);
}

#[tokio::test]
async fn another_users_session_cannot_be_ended_or_seen() {
    let served = Served::new("http://127.0.0.1:9").await;
    let agent = served.login().await;
    let admin = sign_in_as(&served, "admin desk", ADMIN, ADMIN_PASSWORD).await;
    let admin_session = sessions(&served, &admin).await[0]["id"].as_i64().unwrap();
    assert_eq!(
        served.delete(&format!("/api/v1/me/sessions/{admin_session}"), Some(&agent)).await.status(),
        404
    );
    assert_eq!(served.get("/api/v1/conversations", Some(&admin)).await.status(), 200);
    assert!(sessions(&served, &agent).await.iter().all(|s| s["device"] != "admin desk"));
}

#[tokio::test]
async fn an_administrator_can_end_every_session_of_a_user() {
    let served = Served::new("http://127.0.0.1:9").await;
    let first = served.login().await;
    let second = served.login().await;
    let admin = sign_in_as(&served, "admin desk", ADMIN, ADMIN_PASSWORD).await;
    let path = format!("/api/v1/users/{AGENT}/sessions/revoke");
    assert_eq!(served.post(&path, Some(&first), json!({})).await.status(), 403, "agents cannot");
    assert_eq!(served.post(&path, Some(&admin), json!({})).await.status(), 204);
    for token in [&first, &second] {
        assert_eq!(served.get("/api/v1/conversations", Some(token)).await.status(), 401);
    }
    assert_eq!(served.get("/api/v1/conversations", Some(&admin)).await.status(), 200);
    let trail = served.site.core.store().audit_records().await.unwrap();
    assert!(trail.iter().any(|r| r.action == "session.revoked_all"));
}

#[tokio::test]
async fn a_token_replayed_from_another_address_is_refused_and_ended() {
    let served = Served::new("http://127.0.0.1:9").await;
    let token = served.login().await; // issued to 127.0.0.1
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 9)))
        .build()
        .unwrap();
    let replay = elsewhere
        .get(format!("http://{}/api/v1/conversations", served.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
    // The stolen session is over for its owner too, and the trail says why.
    assert_eq!(served.get("/api/v1/conversations", Some(&token)).await.status(), 401);
    let trail = served.site.core.store().audit_records().await.unwrap();
    assert!(trail.iter().any(|r| r.action == "session.revoked_misused"));
}

#[tokio::test]
async fn over_http_a_session_locks_and_unlocks_with_the_password() {
    let served = Served::new("http://127.0.0.1:9").await;
    let token = served.login().await;
    let locked =
        served.post("/api/v1/sessions/current/lock", Some(&token), json!({ "reason": "manual" })).await;
    assert_eq!(locked.status(), 200);
    assert_eq!(locked.json::<Value>().await.unwrap()["locked"], true);
    let refused = served.get("/api/v1/conversations", Some(&token)).await;
    assert_eq!(refused.status(), 423);
    assert_eq!(refused.json::<Value>().await.unwrap()["code"], "locked");
    let wrong =
        served.post("/api/v1/sessions/current/unlock", Some(&token), json!({ "password": "nope" })).await;
    assert_eq!(wrong.status(), 422);
    let body = json!({ "password": AGENT_PASSWORD });
    assert_eq!(served.post("/api/v1/sessions/current/unlock", Some(&token), body).await.status(), 200);
    assert_eq!(served.get("/api/v1/conversations", Some(&token)).await.status(), 200);
}
