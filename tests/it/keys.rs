//! Security keys and passkeys over HTTP, with webauthn-authenticator-rs's software token as the
//! key: registration, the second sign-in step, passwordless sign-in, unlocking, and a cloned
//! key (its signature counter behind the original's) refused.

use serde_json::{json, Value};
use webauthn_authenticator_rs::softtoken::SoftToken;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};

use countersign::api::session::name_key;

use crate::support::*;

async fn post(served: &Served, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let response = served.post(path, token, body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn password_sign_in(served: &Served) -> (String, Value) {
    let (status, body) =
        post(served, "/api/v1/sessions", None, json!({ "username": AGENT, "password": AGENT_PASSWORD }))
            .await;
    assert_eq!(status, 201, "{body}");
    (body["token"].as_str().unwrap().to_owned(), body["user"].clone())
}

/// Registers `token`'s user's key and returns the list of keys.
async fn register(served: &Served, session: &str, key: &mut SoftToken, name: &str) -> (u16, Value) {
    let (status, challenge) =
        post(served, "/api/v1/me/security-keys/registration", Some(session), json!({ "name": name })).await;
    assert_eq!(status, 200, "{challenge}");
    let origin = Url::parse(challenge["origin"].as_str().unwrap()).unwrap();
    let options: CreationChallengeResponse = serde_json::from_value(challenge["options"].clone()).unwrap();
    let credential = key.do_registration(origin, options).unwrap();
    let answer = json!({ "ceremony": challenge["ceremony"], "credential": credential });
    post(served, "/api/v1/me/security-keys", Some(session), answer).await
}

/// The key's answer to `challenge`, as the finishing call takes it.
fn signed_by(key: &mut SoftToken, challenge: &Value) -> Value {
    let origin = Url::parse(challenge["origin"].as_str().unwrap()).unwrap();
    let options: RequestChallengeResponse = serde_json::from_value(challenge["options"].clone()).unwrap();
    let credential = key.do_authentication(origin, options).unwrap();
    json!({ "ceremony": challenge["ceremony"], "credential": credential })
}

/// Answers `challenge` with `key`, posting the answer to `answer_path`.
async fn answer(
    served: &Served,
    challenge: Value,
    key: &mut SoftToken,
    answer_path: &str,
    session: Option<&str>,
) -> (u16, Value) {
    post(served, answer_path, session, signed_by(key, &challenge)).await
}

async fn check_with_key(served: &Served, session: &str, key: &mut SoftToken) -> (u16, Value) {
    let (status, challenge) =
        post(served, "/api/v1/sessions/current/security-key/challenge", Some(session), json!({})).await;
    assert_eq!(status, 200, "{challenge}");
    answer(served, challenge, key, "/api/v1/sessions/current/security-key", Some(session)).await
}

fn soft_key() -> SoftToken {
    SoftToken::new(true).unwrap().0
}

#[tokio::test]
async fn a_registered_key_is_the_second_step_after_the_password() {
    let served = Served::new("http://127.0.0.1:9").await;
    let (first, _) = password_sign_in(&served).await;
    let mut key = soft_key();
    let (status, keys) = register(&served, &first, &mut key, "Blue key\u{7}").await;
    assert_eq!(status, 201, "{keys}");
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert_eq!(keys[0]["name"], "Blue key", "control characters are dropped");

    let (session, user) = password_sign_in(&served).await;
    assert_eq!(user["second_factor_required"], true);
    assert_eq!(user["second_factor_methods"], json!(["security_key"]));
    assert_eq!(served.get("/api/v1/conversations", Some(&session)).await.status(), 401);

    // An answer that is not from the key is refused, and counts towards the lock.
    let (_, challenge) =
        post(&served, "/api/v1/sessions/current/security-key/challenge", Some(&session), json!({})).await;
    let forged =
        json!({ "ceremony": challenge["ceremony"], "credential": { "id": "AAAA", "type": "public-key" } });
    let (status, _) = post(&served, "/api/v1/sessions/current/security-key", Some(&session), forged).await;
    assert_eq!(status, 422);
    let locked = served.site.core.store().find_throttle(&name_key(AGENT)).await.unwrap();
    assert_eq!(locked.failures, 1);
    let (status, me) = check_with_key(&served, &session, &mut key).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["second_factor_required"], false);
    assert_eq!(served.get("/api/v1/conversations", Some(&session)).await.status(), 200);

    let trail = served.site.core.store().audit_records().await.unwrap();
    assert!(trail.iter().any(|r| r.action == "mfa.security_key_added"));
    assert!(trail.iter().any(|r| r.action == "mfa.security_key_refused"));
    assert!(trail.iter().any(|r| r.action == "session.second_factor" && r.detail.contains("security_key")));
}

#[tokio::test]
async fn a_cloned_key_whose_counter_went_backwards_is_refused() {
    let served = Served::new("http://127.0.0.1:9").await;
    let (first, _) = password_sign_in(&served).await;
    let mut key = soft_key();
    assert_eq!(register(&served, &first, &mut key, "Counter key").await.0, 201);
    // An attacker copies the key's secrets now...
    let mut clone = SoftToken::from_cbor(&key.to_cbor().unwrap()).unwrap();
    // ...while its owner goes on using the original.
    for _ in 0..2 {
        let (session, _) = password_sign_in(&served).await;
        assert_eq!(check_with_key(&served, &session, &mut key).await.0, 200);
    }
    let (session, _) = password_sign_in(&served).await;
    let (status, body) = check_with_key(&served, &session, &mut clone).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["message"].as_str().unwrap().contains("not accepted"));
    assert_eq!(served.get("/api/v1/conversations", Some(&session)).await.status(), 401);
    let trail = served.site.core.store().audit_records().await.unwrap();
    let refusal = trail.iter().find(|r| r.action == "mfa.security_key_refused").unwrap();
    assert!(refusal.detail.contains("CredentialPossibleCompromise"), "{}", refusal.detail);
}

#[tokio::test]
async fn a_key_alone_signs_in_without_a_password() {
    let served = Served::new("http://127.0.0.1:9").await;
    let (first, _) = password_sign_in(&served).await;
    let mut key = soft_key();
    assert_eq!(register(&served, &first, &mut key, "Passkey").await.0, 201);

    let (status, challenge) =
        post(&served, "/api/v1/sessions/passwordless/challenge", None, json!({ "username": AGENT })).await;
    assert_eq!(status, 200, "{challenge}");
    let (status, signed_in) =
        answer(&served, challenge, &mut key, "/api/v1/sessions/passwordless", None).await;
    assert_eq!(status, 201, "{signed_in}");
    assert_eq!(signed_in["user"]["second_factor_required"], false);
    let token = signed_in["token"].as_str().unwrap();
    assert_eq!(served.get("/api/v1/conversations", Some(token)).await.status(), 200);

    // A ceremony is finished once.
    let (status, challenge) =
        post(&served, "/api/v1/sessions/passwordless/challenge", None, json!({ "username": AGENT })).await;
    assert_eq!(status, 200);
    let body = signed_by(&mut key, &challenge);
    assert_eq!(post(&served, "/api/v1/sessions/passwordless", None, body.clone()).await.0, 201);
    assert_eq!(post(&served, "/api/v1/sessions/passwordless", None, body).await.0, 422, "replayed");

    // A name without a key is told to use the password.
    let (status, body) =
        post(&served, "/api/v1/sessions/passwordless/challenge", None, json!({ "username": ADMIN })).await;
    assert_eq!(status, 422);
    assert!(body["message"].as_str().unwrap().contains("sign in with your password"));
}

#[tokio::test]
async fn a_locked_session_unlocks_with_the_key_and_keys_can_be_removed() {
    let served = Served::new("http://127.0.0.1:9").await;
    let (session, _) = password_sign_in(&served).await;
    let mut key = soft_key();
    let (_, keys) = register(&served, &session, &mut key, "Desk key").await;
    let id = keys[0]["id"].as_i64().unwrap();

    assert_eq!(post(&served, "/api/v1/sessions/current/lock", Some(&session), json!({})).await.0, 200);
    assert_eq!(served.get("/api/v1/conversations", Some(&session)).await.status(), 423);
    let (status, me) = check_with_key(&served, &session, &mut key).await;
    assert_eq!((status, me["locked"].as_bool()), (200, Some(false)));
    assert_eq!(served.get("/api/v1/conversations", Some(&session)).await.status(), 200);

    // The key just proved itself, so removing it (a high-risk change) is allowed now.
    let removed = served.delete(&format!("/api/v1/me/security-keys/{id}"), Some(&session)).await;
    assert_eq!(removed.status(), 200);
    assert_eq!(removed.json::<Value>().await.unwrap(), json!([]));
    let trail = served.site.core.store().audit_records().await.unwrap();
    assert!(trail.iter().any(|r| r.action == "session.unlocked" && r.detail.contains("security_key")));
    assert!(trail.iter().any(|r| r.action == "mfa.security_key_removed"));
}
