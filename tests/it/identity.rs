//! Sign-in hardening over the HTTP API: throttling and lockout per user name and per source
//! address, forced password changes, re-hashing, and the security settings.

use std::net::{IpAddr, Ipv4Addr};

use countersign::auth::password::needs_rehash;
use countersign::authz::{act, authorize, Actor};
use countersign::domain::{RoleSlug, Username};
use serde_json::{json, Value};

use crate::support::*;

/// A client whose connections come from `127.0.0.<last>`: a distinct peer address per test.
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))).build().unwrap()
}

async fn sign_in(served: &Served, http: &reqwest::Client, user: &str, password: &str) -> (u16, Value) {
    let response = http
        .post(format!("http://{}/api/v1/sessions", served.addr))
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_brute_force_run_ends_in_a_lockout_that_spares_other_accounts() {
    let served = Served::new("http://127.0.0.1:9").await;
    let attacker = client_from(2);
    let mut statuses = Vec::new();
    for n in 0..300 {
        statuses.push(sign_in(&served, &attacker, AGENT, &format!("guess number {n}")).await.0);
    }
    assert!(
        statuses[..5].iter().all(|s| *s == 401),
        "the first five are ordinary failures: {:?}",
        &statuses[..5]
    );
    assert!(statuses[5..].iter().all(|s| *s == 429), "every later attempt is refused unread");
    let (status, body) = sign_in(&served, &client_from(3), AGENT, AGENT_PASSWORD).await;
    assert_eq!(status, 429, "even the right password, from anywhere, while locked");
    assert_eq!(body["code"], "throttled");
    assert!(body["message"].as_str().unwrap().contains("ask an administrator"), "{body}");

    // Other accounts are not locked (from an address the attack did not use).
    let (status, admin) = sign_in(&served, &served.http, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(status, 201);
    let token = admin["token"].as_str().unwrap();

    // The administrator unlocks the account; the agent signs in again.
    let unlock = served.post(&format!("/api/v1/users/{AGENT}/unlock"), Some(token), json!({})).await;
    assert_eq!(unlock.status(), 204);
    assert_eq!(sign_in(&served, &client_from(3), AGENT, AGENT_PASSWORD).await.0, 201);

    let trail = served.site.core.store().audit_records().await.unwrap();
    let count = |action: &str| trail.iter().filter(|r| r.action == action).count();
    assert_eq!(count("user.locked"), 1);
    assert_eq!(count("user.unlocked"), 1);
    assert_eq!(count("session.login_failed"), 5);
    assert!(count("session.login_throttled") >= 295);
}

#[tokio::test]
async fn an_unknown_name_is_answered_exactly_like_a_known_one() {
    let served = Served::new("http://127.0.0.1:9").await;
    let http = client_from(4);
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for n in 0..7 {
        known.push(sign_in(&served, &http, AGENT, &format!("wrong {n}")).await);
        unknown.push(sign_in(&served, &http, "ghost.user", &format!("wrong {n}")).await);
    }
    assert_eq!(known, unknown);
    assert_eq!(known.last().unwrap().0, 429);
}

#[tokio::test]
async fn one_address_trying_many_names_is_throttled_without_locking_the_names() {
    let served = Served::new("http://127.0.0.1:9").await;
    let spray = client_from(5);
    for n in 0..20 {
        let (status, _) = sign_in(&served, &spray, &format!("name{n}"), "password spraying").await;
        assert_eq!(status, 401, "attempt {n}");
    }
    assert_eq!(sign_in(&served, &spray, AGENT, AGENT_PASSWORD).await.0, 429, "the address is throttled");
    assert_eq!(sign_in(&served, &client_from(6), AGENT, AGENT_PASSWORD).await.0, 201, "the account is not");
}

#[tokio::test]
async fn after_an_admin_reset_the_user_must_choose_a_new_password_first() {
    let served = Served::new("http://127.0.0.1:9").await;
    let old_session = served.login().await;
    let (admin, _) = served.admin_stepped_up(&served.http).await;

    // An agent may not reset anyone; the admin may, and the agent's sessions end.
    let denied = served
        .post(
            &format!("/api/v1/users/{ADMIN}/password-reset"),
            Some(&old_session),
            json!({"new_password": "x"}),
        )
        .await;
    assert_eq!(denied.status(), 403);
    let temporary = "amber kettle forest drum";
    let reset = served
        .post(
            &format!("/api/v1/users/{AGENT}/password-reset"),
            Some(&admin),
            json!({ "new_password": temporary }),
        )
        .await;
    assert_eq!(reset.status(), 204);
    assert_eq!(served.get("/api/v1/conversations", Some(&old_session)).await.status(), 401);

    let (status, body) = sign_in(&served, &served.http, AGENT, temporary).await;
    assert_eq!(status, 201);
    assert_eq!(body["user"]["must_change_password"], true);
    let token = body["token"].as_str().unwrap().to_owned();
    let blocked = served.get("/api/v1/conversations", Some(&token)).await;
    assert_eq!(blocked.status(), 403);
    assert_eq!(blocked.json::<Value>().await.unwrap()["code"], "password_change_required");

    for (new_password, why) in
        [("password1234", "easy to guess"), ("anna.agent is me 2026", "user name"), (temporary, "different")]
    {
        let body = json!({ "current_password": temporary, "new_password": new_password });
        let refused = served.post("/api/v1/me/password", Some(&token), body).await;
        assert_eq!(refused.status(), 422, "{new_password}");
        assert!(refused.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains(why));
    }
    let body = json!({ "current_password": temporary, "new_password": "violet tractor under seven lamps" });
    let changed = served.post("/api/v1/me/password", Some(&token), body).await;
    assert_eq!(changed.status(), 200);
    assert_eq!(changed.json::<Value>().await.unwrap()["must_change_password"], false);
    assert_eq!(served.get("/api/v1/conversations", Some(&token)).await.status(), 200);
    assert_eq!(sign_in(&served, &served.http, AGENT, "violet tractor under seven lamps").await.0, 201);
}

#[tokio::test]
async fn a_hash_made_with_weaker_parameters_is_upgraded_at_sign_in() {
    let served = Served::new("http://127.0.0.1:9").await;
    // "legacy password 2019" hashed with argon2id at 8 MiB and one pass (below today's).
    let weak = {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let params = argon2::Params::new(8192, 1, 1, None).unwrap();
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt = SaltString::encode_b64(b"legacy-salt-1234").unwrap();
        argon.hash_password(b"legacy password 2019", &salt).unwrap().to_string()
    };
    assert!(needs_rehash(&weak));
    let proof = authorize::<act::ManageUsers>(&Actor::Operator, ()).unwrap();
    let name = Username::parse("legacy.user").unwrap();
    let mut tx = served.site.core.store().write().await.unwrap();
    tx.insert_user(
        &proof,
        &name,
        &weak,
        &RoleSlug::parse("agent").unwrap(),
        countersign::clock::Timestamp::from_millis(0),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let (status, _) = sign_in(&served, &served.http, "legacy.user", "legacy password 2019").await;
    assert_eq!(status, 201, "the old hash still verifies");
    let stored = served.site.core.store().find_user_by_name(&name).await.unwrap().unwrap().password_hash;
    assert!(!needs_rehash(&stored), "re-hashed with today's parameters: {stored}");
    assert_eq!(sign_in(&served, &served.http, "legacy.user", "legacy password 2019").await.0, 201);
}

#[tokio::test]
async fn security_settings_are_for_administrators_and_take_effect() {
    let served = Served::new("http://127.0.0.1:9").await;
    let agent = served.login().await;
    let (admin, _) = served.admin_stepped_up(&served.http).await;
    let patch = |token: String, body: Value| {
        let request = served.http.patch(format!("http://{}/api/v1/settings/security", served.addr));
        async move { request.bearer_auth(token).json(&body).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(patch(agent, json!({ "password_min_length": 20 })).await, 403);
    assert_eq!(patch(admin.clone(), json!({ "password_min_length": 4 })).await, 422, "below the floor of 8");
    assert_eq!(
        patch(admin.clone(), json!({ "password_min_length": 20, "lockout_max_failures": 3 })).await,
        204
    );

    let reset_path = format!("/api/v1/users/{AGENT}/password-reset");
    let reset =
        |password: &'static str| served.post(&reset_path, Some(&admin), json!({ "new_password": password }));
    assert_eq!(reset("amber kettle forest").await.status(), 422, "19 characters");
    assert_eq!(reset("amber kettle forest drum").await.status(), 204);

    let http = client_from(7);
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for n in 0..4 {
            v.push(sign_in(&served, &http, ADMIN, &format!("wrong {n}")).await.0);
        }
        v
    };
    assert_eq!(statuses, [401, 401, 401, 429], "locked after three failures");
}

/// The allowlist over HTTP, judged by the peer address: `(entries, peer, user, expected status)`.
#[rstest::rstest]
#[case::no_list(json!([]), 2, AGENT, 201)]
#[case::inside(json!([{ "cidr": "127.0.0.2/32" }]), 2, AGENT, 201)]
#[case::outside(json!([{ "cidr": "127.0.0.2/32" }]), 3, AGENT, 403)]
#[case::wide_network(json!([{ "cidr": "127.0.0.0/29" }]), 7, AGENT, 201)]
#[case::role_entry_spares_other_roles(json!([{ "cidr": "127.0.0.4/32", "role": "admin" }]), 3, AGENT, 201)]
#[case::role_entry_binds_its_role(json!([{ "cidr": "127.0.0.4/32", "role": "admin" }]), 3, ADMIN, 403)]
#[case::role_entry_admits_its_role(json!([{ "cidr": "127.0.0.4/32", "role": "admin" }]), 4, ADMIN, 201)]
#[tokio::test]
async fn the_allowlist_decides_by_the_callers_address(
    #[case] entries: Value,
    #[case] peer: u8,
    #[case] user: &str,
    #[case] expected: u16,
) {
    let served = Served::new("http://127.0.0.1:9").await;
    let entries: Vec<countersign::api::network::AllowEntryRequest> = serde_json::from_value(entries).unwrap();
    served.site.core.operator_set_allowlist(entries).await.unwrap();
    let password = if user == ADMIN { ADMIN_PASSWORD } else { AGENT_PASSWORD };
    let (status, body) = sign_in(&served, &client_from(peer), user, password).await;
    assert_eq!(status, expected, "{body}");
    if expected == 403 {
        assert_eq!(body["code"], "network_not_allowed");
    }
}

#[tokio::test]
async fn outside_the_list_the_password_is_not_even_checked() {
    let served = Served::new("http://127.0.0.1:9").await;
    let entry = countersign::api::network::AllowEntryRequest { cidr: "10.0.0.0/8".to_owned(), role: None };
    served.site.core.operator_set_allowlist(vec![entry]).await.unwrap();
    for password in [AGENT_PASSWORD, "wrong password"] {
        let (status, body) = sign_in(&served, &client_from(2), AGENT, password).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("network_not_allowed")));
    }
    // Refused before the password, so these attempts did not count towards a lock.
    assert_eq!(served.site.core.store().find_throttle(&[0; 32]).await.unwrap().failures, 0);
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out_without_confirming() {
    let served = Served::new("http://127.0.0.1:9").await;
    let agent = served.login().await;
    let http = client_from(2);
    let (token, _) = served.admin_stepped_up(&http).await;
    let token = token.as_str();
    let put = |body: Value| {
        http.put(format!("http://{}/api/v1/settings/allowlist", served.addr))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let elsewhere = json!({ "entries": [{ "cidr": "10.0.0.0/8" }] });
    let refused = put(elsewhere.clone()).await.unwrap();
    assert_eq!(refused.status(), 409);
    assert!(refused.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("Confirm"));
    assert!(served.site.core.store().allowlist().await.unwrap().0.is_empty(), "nothing saved");

    let including_me = json!({ "entries": [{ "cidr": "127.0.0.2" }, { "cidr": "10.0.0.0/8" }] });
    assert_eq!(put(including_me).await.unwrap().status(), 200);
    let mut confirmed = elsewhere;
    confirmed["confirm_lockout"] = json!(true);
    let saved = put(confirmed).await.unwrap();
    assert_eq!(saved.status(), 200);
    let view: Value = saved.json().await.unwrap();
    assert_eq!(view["entries"], json!([{ "cidr": "10.0.0.0/8", "role": null }]));
    assert!(view["desktop_note"].as_str().unwrap().contains("weaker"));

    let denied = served.get("/api/v1/settings/allowlist", Some(&agent)).await;
    assert_eq!(denied.status(), 403, "agents cannot read the allowlist");
}
