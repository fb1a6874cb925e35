//! Authenticator-app (TOTP) second factor and recovery codes, over HTTP.

use countersign::auth::totp::TotpSecret;
use countersign::clock::{Clock, SystemClock};
use serde_json::{json, Value};

use crate::support::*;

/// The code the user's phone shows `steps` steps (30 s each) from now.
fn code(secret: &TotpSecret, steps: i64) -> String {
    secret.code_at(SystemClock.now().plus_millis(steps * 30_000)).unwrap()
}

async fn sign_in(served: &Served) -> (String, Value) {
    let body = json!({ "username": AGENT, "password": AGENT_PASSWORD });
    let response = served.post("/api/v1/sessions", None, body).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    (body["token"].as_str().unwrap().to_owned(), body["user"].clone())
}

async fn second_factor(served: &Served, token: &str, code: &str) -> (u16, Value) {
    let response =
        served.post("/api/v1/sessions/current/second-factor", Some(token), json!({ "code": code })).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Enrols the agent's authenticator; returns its secret, the code that confirmed it, and the
/// recovery codes.
async fn enrol(served: &Served) -> (TotpSecret, String, Vec<String>) {
    let (token, user) = sign_in(served).await;
    assert_eq!(user["second_factor_required"], false, "no second factor before enrolment");
    let started: Value = served.post("/api/v1/me/totp", Some(&token), json!({})).await.json().await.unwrap();
    assert!(started["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/Countersign:anna.agent?"));
    let secret = TotpSecret::from_base32(started["secret"].as_str().unwrap()).unwrap();

    let wrong = served.post("/api/v1/me/totp/confirm", Some(&token), json!({ "code": "000000" })).await;
    assert_eq!(wrong.status(), 422, "a wrong code does not confirm");
    let confirming_code = code(&secret, 0);
    let confirmed =
        served.post("/api/v1/me/totp/confirm", Some(&token), json!({ "code": confirming_code })).await;
    assert_eq!(confirmed.status(), 200);
    let codes: Vec<String> =
        serde_json::from_value(confirmed.json::<Value>().await.unwrap()["codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    (secret, confirming_code, codes)
}

#[tokio::test]
async fn after_enrolment_signing_in_needs_a_fresh_code_once() {
    let served = Served::new("http://127.0.0.1:9").await;
    let (secret, confirming_code, _) = enrol(&served).await;

    let (token, user) = sign_in(&served).await;
    assert_eq!(user["second_factor_required"], true);
    let blocked = served.get("/api/v1/conversations", Some(&token)).await;
    assert_eq!(blocked.status(), 401);
    assert_eq!(blocked.json::<Value>().await.unwrap()["code"], "second_factor_required");

    let (status, _) = second_factor(&served, &token, &confirming_code).await;
    assert_eq!(status, 422, "the code used to confirm enrolment cannot be replayed");
    // The next step's code, accepted within one step of drift; kept to try it again below.
    let next = code(&secret, 1);
    let (status, me) = second_factor(&served, &token, &next).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["second_factor_required"], false);
    assert_eq!(served.get("/api/v1/conversations", Some(&token)).await.status(), 200);

    let (again, _) = sign_in(&served).await;
    assert_eq!(second_factor(&served, &again, &next).await.0, 422, "each code works once");
    assert_eq!(served.get("/api/v1/conversations", Some(&again)).await.status(), 401);
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    let served = Served::new("http://127.0.0.1:9").await;
    let (_, _, codes) = enrol(&served).await;
    let (token, _) = sign_in(&served).await;
    let typed = codes[3].to_uppercase().replace('-', " ");
    assert_eq!(second_factor(&served, &token, &typed).await.0, 200, "case and dashes do not matter");
    let (again, _) = sign_in(&served).await;
    assert_eq!(second_factor(&served, &again, &codes[3]).await.0, 422);
    assert_eq!(second_factor(&served, &again, &codes[4]).await.0, 200);
    let trail = served.site.core.store().audit_records().await.unwrap();
    assert_eq!(trail.iter().filter(|r| r.action == "mfa.recovery_code_used").count(), 2);
}

#[tokio::test]
async fn guessing_codes_ends_in_the_sign_in_lock() {
    let served = Served::new("http://127.0.0.1:9").await;
    let (secret, _, _) = enrol(&served).await;
    let (token, _) = sign_in(&served).await;
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for guess in ["111111", "222222", "333333", "444444", "555555", "666666"] {
            v.push(second_factor(&served, &token, guess).await.0);
        }
        v
    };
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429]);
    assert_eq!(
        second_factor(&served, &token, &code(&secret, 1)).await.0,
        429,
        "even the right code while locked"
    );
}

#[tokio::test]
async fn a_required_second_factor_must_be_set_up_before_anything_else() {
    use countersign::api::users::SecuritySettings;
    let served = Served::new("http://127.0.0.1:9").await;
    let bad = SecuritySettings {
        second_factor_roles: Some(vec!["boss".to_owned()]),
        ..SecuritySettings::default()
    };
    assert!(served.site.core.operator_set_security_settings(bad).await.is_err());
    let policy = SecuritySettings {
        second_factor_roles: Some(vec!["agent".to_owned()]),
        ..SecuritySettings::default()
    };
    served.site.core.operator_set_security_settings(policy).await.unwrap();

    let (token, user) = sign_in(&served).await;
    assert_eq!(user["second_factor_enrolment_required"], true);
    let blocked = served.get("/api/v1/conversations", Some(&token)).await;
    assert_eq!(blocked.status(), 403);
    assert_eq!(blocked.json::<Value>().await.unwrap()["code"], "second_factor_enrolment_required");

    // Roles outside the policy are not affected.
    let admin =
        served.post("/api/v1/sessions", None, json!({ "username": ADMIN, "password": ADMIN_PASSWORD })).await;
    let admin: Value = admin.json().await.unwrap();
    assert_eq!(admin["user"]["second_factor_enrolment_required"], false);
    assert_eq!(served.get("/api/v1/conversations", admin["token"].as_str()).await.status(), 200);

    // Setting up the authenticator is what works, and then everything does.
    let started: Value = served.post("/api/v1/me/totp", Some(&token), json!({})).await.json().await.unwrap();
    let secret = TotpSecret::from_base32(started["secret"].as_str().unwrap()).unwrap();
    let confirmed =
        served.post("/api/v1/me/totp/confirm", Some(&token), json!({ "code": code(&secret, 0) })).await;
    assert_eq!(confirmed.status(), 200);
    assert_eq!(served.get("/api/v1/conversations", Some(&token)).await.status(), 200);
    let (_, next_time) = sign_in(&served).await;
    assert_eq!(next_time["second_factor_required"], true);
    assert_eq!(next_time["second_factor_enrolment_required"], false);
}
