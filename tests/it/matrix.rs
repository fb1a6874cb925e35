//! The authorization matrix (issue 4): EVERY HTTP API operation as EVERY built-in role, with
//! the outcome compared against one table kept in the repository (`authz_matrix.txt`). The
//! operations come from the served OpenAPI document, and every `api/` function must be one of
//! them, so a new api function without a route, or a route without a row, fails here.

use std::collections::{BTreeMap, BTreeSet};

use countersign::api::operator::AddUser;
use countersign_sim::Customer;
use rstest::rstest;
use serde_json::{json, Value};

use crate::support::{graph_sim, secret, Served};

const TABLE: &str = include_str!("authz_matrix.txt");
const ROLES: [&str; 7] = ["owner", "admin", "manager", "agent", "sales", "marketing", "auditor"];
pub(crate) const PASSWORD: &str = "quiet meadow copper lantern";
const NEW_PASSWORD: &str = "amber river stone violin";

/// operation → role → expected outcome.
fn table() -> BTreeMap<String, BTreeMap<&'static str, String>> {
    let mut rows = BTreeMap::new();
    for line in TABLE.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells.len(), 1 + ROLES.len(), "malformed row: {line}");
        let outcomes = ROLES.iter().zip(&cells[1..]).map(|(r, o)| (*r, (*o).to_owned())).collect();
        assert!(rows.insert(cells[0].to_owned(), outcomes).is_none(), "duplicate row {}", cells[0]);
    }
    rows
}

/// Every operation id in the served OpenAPI document.
async fn operations(served: &Served) -> BTreeSet<String> {
    let doc: Value = served.get("/api/v1/openapi.json", None).await.json().await.unwrap();
    let mut ops = BTreeSet::new();
    for (_, item) in doc["paths"].as_object().unwrap() {
        for (_, op) in item.as_object().unwrap() {
            ops.insert(op["operationId"].as_str().unwrap().to_owned());
        }
    }
    ops
}

/// Single sign-on's secrets (PKCE verifier, nonce) cannot cross a network: the desktop begins
/// and finishes its sign-ins in process, with no HTTP route; HTTP clients use the
/// `*_for_client` forms, which keep the secrets in the core under a handle, and which the
/// desktop does not need.
const IN_PROCESS_ONLY: &[&str] = &["begin_sso", "finish_sso", "unlock_with_sso"];
const HTTP_ONLY: &[&str] = &["begin_sso_for_client", "finish_sso_for_client"];

/// The public `api/` functions a front end calls (`pub async fn name(&self, …)`), apart from
/// IT's operator calls (the CLI), the webhook intake (its own endpoint) and the helpers the
/// desktop shell and server use to configure themselves.
fn api_functions(also_exempt: &[&str]) -> BTreeSet<String> {
    const NOT_FRONT_END: &[&str] = &[
        "init",
        "open",
        "stats",
        "close",
        "resolve",
        "session_policy",
        "lock_after_seconds",
        "content_protection",
        "password_policy",
        "throttle_policy",
        "second_factor_required_for",
        "desktop_intake_listen",
        "verify_subscription",
        "receive_webhook",
        "run_outbox",
        "run_retention",
        "restore",
    ];
    let mut names = BTreeSet::new();
    // The files of `api/` (the views, in a folder of their own, hold no api functions).
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/api")).unwrap();
    for path in files.map(|e| e.unwrap().path()).filter(|p| p.is_file()) {
        let source = std::fs::read_to_string(path).unwrap();
        for rest in source.split("    pub async fn ").skip(1) {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let exempt = NOT_FRONT_END.contains(&name.as_str()) || also_exempt.contains(&name.as_str());
            if !name.starts_with("operator_") && !exempt {
                names.insert(name);
            }
        }
    }
    names
}

#[tokio::test]
async fn every_operation_has_a_row_and_every_api_function_a_route() {
    let served = Served::new("http://127.0.0.1:9").await;
    let ops = operations(&served).await;
    let rows: BTreeSet<String> = table().into_keys().collect();
    assert_eq!(ops.difference(&rows).collect::<Vec<_>>(), Vec::<&String>::new(), "operations without a row");
    assert_eq!(rows.difference(&ops).collect::<Vec<_>>(), Vec::<&String>::new(), "rows without an operation");
    let functions = api_functions(IN_PROCESS_ONLY);
    assert_eq!(
        functions.difference(&ops).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "api functions without a route"
    );
}

/// What a user would notice about a response.
async fn outcome(response: reqwest::Response) -> String {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match (status, body["code"].as_str()) {
        (200..=299, _) => "ok".to_owned(),
        (403, Some("forbidden")) => "denied".to_owned(),
        (404, Some("not_found")) => "hidden".to_owned(),
        (403, Some("sso_failed")) => "refused".to_owned(),
        (422, Some("invalid")) => "invalid".to_owned(),
        (status, code) => format!("{status} {code:?} {}", body["message"]),
    }
}

/// Calls that succeed without changing anything, though not with GET: what they do is not a
/// change, so it has no event of its own.
const NOT_CHANGES: [(&str, &str); 7] = [
    ("mark_read", "a read receipt to WhatsApp, best effort: nothing here changes"),
    ("test_routing", "a trial of the routing rules: nothing is stored or sent"),
    ("try_masking", "a trial of patterns: nothing is stored"),
    ("verify_second_factor", "the session is complete already: it answers and checks nothing"),
    ("begin_security_key_registration", "a challenge: nothing changes until it is answered"),
    ("begin_security_key_check", "a challenge: nothing changes until it is answered"),
    ("begin_passwordless", "a challenge: nothing changes until it is answered"),
];

/// What the channel worker records after a call has answered (a queued reply WhatsApp
/// refused), which may land in the trail during a later call.
const LATER: [&str; 2] = ["message.send_failed", "channel.token_rejected"];

/// Issue 7 point 2, for every operation: what the trail gained during a call fits its outcome.
/// A change has its event; a refusal has its `access.denied` and nothing else; a request that
/// failed validation left no event of success; a read changed nothing (searching the trail is
/// itself recorded).
fn unaudited(op: &str, method: &str, got: &str, new: &[countersign::audit::AuditRecord]) -> Option<String> {
    // An alert is what a call adds up to with the ones before (the fifth refusal in a row),
    // not the call's own event.
    let ours: Vec<&countersign::audit::AuditRecord> =
        new.iter().filter(|r| !LATER.contains(&r.action.as_str()) && r.action != "audit.alert").collect();
    let successes: Vec<&str> =
        ours.iter().filter(|r| r.outcome.as_deref() == Some("success")).map(|r| r.action.as_str()).collect();
    let actions: Vec<&str> = ours.iter().map(|r| r.action.as_str()).collect();
    match got {
        "ok" if method == "GET" && op != "audit_events" => {
            (!successes.is_empty()).then(|| format!("a read wrote {successes:?}"))
        }
        "ok" if NOT_CHANGES.iter().any(|(name, _)| *name == op) => {
            (!successes.is_empty()).then(|| format!("a call that changes nothing wrote {successes:?}"))
        }
        "ok" => successes.is_empty().then(|| format!("a change left no event (only {actions:?})")),
        "denied" => (actions.is_empty() || actions.iter().any(|a| *a != "access.denied"))
            .then(|| format!("a refusal should leave exactly its access.denied, left {actions:?}")),
        // Hidden from the caller (a refusal, recorded) or not there at all (nothing to record).
        "hidden" => actions
            .iter()
            .any(|a| *a != "access.denied")
            .then(|| format!("a record not found should leave at most an access.denied, left {actions:?}")),
        _ => (!successes.is_empty()).then(|| format!("a failed request wrote {successes:?}")),
    }
}

pub(crate) struct Caller<'a> {
    pub(crate) served: &'a Served,
    pub(crate) token: String,
}

impl Caller<'_> {
    pub(crate) async fn call(&self, method: &str, path: &str, body: Option<Value>) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .served
            .http
            .request(method, format!("http://{}{path}", self.served.addr))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub(crate) async fn json(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let response = self.call(method, path, body).await;
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap_or(Value::Null)
    }
}

/// Signs `username` in with the shared test password.
pub(crate) async fn signed_in<'a>(served: &'a Served, username: &str) -> Caller<'a> {
    let body = json!({ "username": username, "password": PASSWORD });
    let response = served.post("/api/v1/sessions", None, body).await;
    assert_eq!(response.status(), 201, "{username} signs in");
    let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    Caller { served, token }
}

/// Signs `username` in and sets up their authenticator (which counts as a fresh second
/// factor); returns the session and the recovery codes.
pub(crate) async fn stepped_up<'a>(
    served: &'a Served,
    username: &str,
    password: &str,
) -> (Caller<'a>, Vec<String>) {
    let response =
        served.post("/api/v1/sessions", None, json!({ "username": username, "password": password })).await;
    assert_eq!(response.status(), 201, "{username} signs in");
    let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let caller = Caller { served, token };
    let started = caller.json("POST", "/api/v1/me/totp", None).await;
    let secret =
        countersign::auth::totp::TotpSecret::from_base32(started["secret"].as_str().unwrap()).unwrap();
    use countersign::clock::Clock;
    let code = secret.code_at(countersign::clock::SystemClock.now()).unwrap();
    let confirmed = caller.json("POST", "/api/v1/me/totp/confirm", Some(json!({ "code": code }))).await;
    let codes =
        confirmed["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    (caller, codes)
}

pub(crate) async fn add_user(served: &Served, username: &str, role: &str, teams: &[&str]) {
    let user = AddUser {
        username: username.to_owned(),
        role: role.to_owned(),
        teams: teams.iter().map(|t| (*t).to_owned()).collect(),
        password: secret(PASSWORD),
    };
    served.site.core.operator_add_user(user).await.unwrap();
}

pub(crate) fn customer(n: u32) -> Customer {
    Customer { wa_id: format!("1555010{n:04}"), name: format!("Customer {n}") }
}

#[rstest]
#[case::owner("owner")]
#[case::admin("admin")]
#[case::manager("manager")]
#[case::agent("agent")]
#[case::sales("sales")]
#[case::marketing("marketing")]
#[case::auditor("auditor")]
#[tokio::test]
async fn every_operation_as_every_role(#[case] role: &'static str) {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;

    // An owner arranges two stores, a conversation and contact of the caller's store, one of
    // the team queue, one of the other store, labels, roles and a colleague to manage.
    add_user(&served, "root.owner", "owner", &[]).await;
    let (root, _) = stepped_up(&served, "root.owner", PASSWORD).await;
    let team = |name: &'static str| {
        let root = &root;
        async move {
            root.json("POST", "/api/v1/teams", Some(json!({ "name": name }))).await["id"].as_i64().unwrap()
        }
    };
    let (store_a, store_b, empty_team) = (team("Store A").await, team("Store B").await, team("Empty").await);
    let actor = format!("actor.{role}");
    add_user(&served, &actor, role, &["Store A"]).await;
    add_user(&served, "tara.agent", "agent", &["Store A"]).await;
    for n in 1..=3 {
        assert_eq!(served.customer_writes(&customer(n), &format!("wamid.m{n}"), "Hello").await, 200);
    }
    // Customer 1 again, seen by their WhatsApp user id only: the duplicate to merge.
    let target = crate::support::target(served.addr);
    let sent = countersign_sim::customers::send_text_as_user(
        &served.http,
        &target,
        "US.1",
        "customer_one",
        "wamid.m4",
        "Hi",
    );
    assert_eq!(sent.await.unwrap(), 200);
    // A photo in the caller's conversation, fetched by the channel worker.
    let photo = sim.add_media("image/png", b"\x89PNG\r\n\x1a\n a photo".to_vec());
    let message = countersign_sim::customers::inbound::media_file("image", &photo, None);
    let (target, ana) = (crate::support::target(served.addr), customer(1));
    let sent = countersign_sim::customers::send_message(&served.http, &target, &ana, "wamid.photo", message);
    assert_eq!(sent.await.unwrap(), 200);
    let conversations = root.json("GET", "/api/v1/conversations", None).await;
    let conversation = |n: u32| {
        conversations
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["customer_name"] == format!("Customer {n}"))
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (mine, queue, other) = (conversation(1), conversation(2), conversation(3));
    let mut photo_message = None;
    for _ in 0..100 {
        let thread = root.json("GET", &format!("/api/v1/conversations/{mine}/messages"), None).await;
        let stored =
            thread["messages"].as_array().unwrap().iter().find(|m| m["content"]["file"] == "stored").cloned();
        if let Some(stored) = stored {
            photo_message = stored["id"].as_i64();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let photo_message = photo_message.expect("the photo was fetched");
    let contacts = root.json("GET", "/api/v1/contacts", None).await;
    let contact = |n: u32| {
        contacts.as_array().unwrap().iter().find(|c| c["name"] == format!("Customer {n}")).unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let duplicate =
        contacts.as_array().unwrap().iter().find(|c| c["name"] == "customer_one").unwrap()["id"].clone();
    let duplicate = duplicate.as_i64().unwrap();
    let (my_contact, queue_contact, other_contact) = (contact(1), contact(2), contact(3));
    for (id, team) in [(mine, store_a), (queue, store_a), (other, store_b)] {
        root.call("POST", &format!("/api/v1/conversations/{id}/team"), Some(json!({ "team": team }))).await;
    }
    root.json("POST", &format!("/api/v1/conversations/{mine}/assignee"), Some(json!({ "agent": actor })))
        .await;
    for (id, team, owner) in [
        (my_contact, store_a, Some(&actor)),
        (queue_contact, store_a, None),
        (other_contact, store_b, None),
        (duplicate, store_a, None),
    ] {
        let body = json!({ "team": team, "owner": owner });
        assert!(root
            .call("POST", &format!("/api/v1/contacts/{id}/assignment"), Some(body))
            .await
            .status()
            .is_success());
    }
    let label = |name: &'static str, restricted: bool| {
        let root = &root;
        async move {
            let body = json!({ "name": name, "restricted": restricted });
            root.json("POST", "/api/v1/labels", Some(body)).await["id"].as_i64().unwrap()
        }
    };
    let (dealer, doomed_label, _vip) =
        (label("Dealer", false).await, label("Old", false).await, label("VIP", true).await);
    let field = |name: &'static str| {
        let root = &root;
        async move {
            let body = json!({ "name": name, "class": "financial" });
            root.json("POST", "/api/v1/contact-fields", Some(body)).await["id"].as_i64().unwrap()
        }
    };
    let (tier, doomed_field) = (field("Loyalty tier").await, field("Old field").await);
    let role_body = |name: &str| json!({ "name": name, "grants": [{ "permission": "conversations.view", "scope": "own" }] });
    let template =
        json!({ "name": "hello_again", "language": "en_GB", "category": "UTILITY", "body": "Hello {{1}}" });
    root.json("POST", "/api/v1/templates", Some(template)).await;
    root.json("POST", "/api/v1/roles", Some(role_body("Fixture role"))).await;
    root.json("POST", "/api/v1/roles", Some(role_body("Doomed role"))).await;

    // A colleague's plain escalation about the team queue, for managers to answer.
    let (tara, _) = stepped_up(&served, "tara.agent", PASSWORD).await;
    let asked = json!({ "reason": "customer asks for a refund above my limit" });
    let colleague_request =
        tara.json("POST", &format!("/api/v1/conversations/{queue}/escalations"), Some(asked)).await["id"]
            .as_i64()
            .unwrap();

    // A quick reply to delete.
    let spare_reply = root
        .json(
            "POST",
            "/api/v1/quick-replies",
            Some(json!({ "team": store_a, "shortcut": "spare", "body": "Spare one, {{customer_name}}." })),
        )
        .await[0]["id"]
        .as_i64()
        .unwrap();
    // A routing rule to delete.
    let spare_rule = root
        .json(
            "POST",
            "/api/v1/routing/rules",
            Some(json!({ "rule": { "name": "Spare", "when": { "keywords": ["spare"] }, "then": { "team": store_a } } })),
        )
        .await["rules"][0]["id"]
        .as_i64()
        .unwrap();
    // An alert for the caller to acknowledge: someone given a stronger role.
    add_user(&served, "spare.agent", "agent", &["Store A"]).await;
    root.json("PUT", "/api/v1/users/spare.agent/role", Some(json!({ "role": "manager" }))).await;
    let alerts = root.json("GET", "/api/v1/audit/alerts", None).await;
    let alert = alerts["alerts"][0]["event"]["seq"].as_i64().expect("an escalation raised an alert");

    let (me, recovery_codes) = stepped_up(&served, &actor, PASSWORD).await;
    // A second session of the caller's, to end.
    served.post("/api/v1/sessions", None, json!({ "username": actor, "password": PASSWORD })).await;
    let sessions = me.json("GET", "/api/v1/me/sessions", None).await;
    let second_session =
        sessions.as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"].as_i64().unwrap();

    let c = |id: i64, rest: &str| format!("/api/v1/conversations/{id}{rest}");
    let k = |id: i64, rest: &str| format!("/api/v1/contacts/{id}{rest}");
    let calls: Vec<(&str, &str, String, Option<Value>)> = vec![
        ("me", "GET", "/api/v1/me".into(), None),
        ("list_conversations", "GET", "/api/v1/conversations".into(), None),
        ("conversation_page", "GET", "/api/v1/conversations/queue?view=active&limit=5".into(), None),
        ("conversation_summary", "GET", c(mine, ""), None),
        ("conversation_messages", "GET", c(mine, "/messages"), None),
        ("send_text", "POST", c(mine, "/messages"), Some(json!({ "text": "On our way." }))),
        ("message_media", "GET", format!("/api/v1/messages/{photo_message}/media"), None),
        ("mark_read", "POST", c(mine, "/read"), Some(json!({ "typing": true }))),
        (
            "send_message",
            "POST",
            c(mine, "/compose"),
            Some(json!({ "type": "location", "latitude": 53.8, "longitude": -1.54, "name": "Store A" })),
        ),
        // A JSON body is not a file WhatsApp takes: those allowed are told so (422).
        ("send_media", "POST", c(mine, "/media?filename=x.json"), Some(json!({}))),
        (
            "send_template",
            "POST",
            c(mine, "/templates"),
            Some(json!({ "name": "hello_again", "language": "en_GB", "values": ["Ana"] })),
        ),
        ("templates", "GET", "/api/v1/templates".into(), None),
        (
            "reveal_message",
            "POST",
            format!("/api/v1/messages/{photo_message}/reveal"),
            Some(json!({ "reason": "customer asked to confirm it" })),
        ),
        ("sending_options", "GET", c(mine, "/sending-options"), None),
        ("reveal_access", "GET", c(mine, "/reveal-access"), None),
        (
            "request_escalation",
            "POST",
            c(mine, "/escalations"),
            Some(json!({ "reason": "customer wants a manager to call back" })),
        ),
        ("escalations", "GET", "/api/v1/escalations".into(), None),
        ("audit_events", "GET", "/api/v1/audit?risk=high&limit=5".into(), None),
        ("audit_kinds", "GET", "/api/v1/audit/kinds".into(), None),
        ("security_alerts", "GET", "/api/v1/audit/alerts".into(), None),
        ("acknowledge_alert", "POST", format!("/api/v1/audit/alerts/{alert}/acknowledge"), None),
        ("audit_retention", "GET", "/api/v1/audit/retention".into(), None),
        ("set_audit_retention", "PUT", "/api/v1/audit/retention".into(), Some(json!({ "days": 400 }))),
        ("access_reviews", "GET", "/api/v1/access-reviews".into(), None),
        (
            "start_access_review",
            "POST",
            "/api/v1/access-reviews".into(),
            Some(json!({ "name": format!("Matrix {actor}"), "reviewer": "root.owner" })),
        ),
        ("my_access_reviews", "GET", "/api/v1/me/access-reviews".into(), None),
        // The owner's campaign (the first): only its reviewer, or those who run reviews, decide.
        (
            "decide_access_review",
            "POST",
            "/api/v1/access-reviews/items/1/decision".into(),
            Some(json!({ "decision": "confirm" })),
        ),
        ("export_access_review", "POST", "/api/v1/access-reviews/1/report".into(), None),
        ("close_access_review", "POST", "/api/v1/access-reviews/1/close".into(), None),
        ("retention", "GET", "/api/v1/retention".into(), None),
        ("set_retention", "PUT", "/api/v1/retention".into(), Some(json!({ "message_days": 3650 }))),
        (
            "place_legal_hold",
            "POST",
            "/api/v1/retention/holds".into(),
            Some(json!({ "conversation_id": mine, "reason": "Case 12: a complaint" })),
        ),
        ("release_legal_hold", "DELETE", "/api/v1/retention/holds/1".into(), None),
        // Nothing is old enough to remove: nothing starts.
        ("start_retention_purge", "POST", "/api/v1/retention/runs".into(), None),
        ("export_audit", "POST", "/api/v1/audit/export".into(), Some(json!({ "format": "jsonl" }))),
        (
            "decide_escalation",
            "POST",
            format!("/api/v1/escalations/{colleague_request}/decision"),
            Some(json!({ "approve": true, "note": "go ahead, up to 50 GBP" })),
        ),
        (
            "set_template_audience",
            "PUT",
            "/api/v1/templates/hello_again/en_GB/audience".into(),
            Some(json!({ "labels": [] })),
        ),
        (
            "save_template",
            "POST",
            "/api/v1/templates".into(),
            Some(
                json!({ "name": "see_you_soon", "language": "en", "category": "UTILITY", "body": "See you soon" }),
            ),
        ),
        // No WhatsApp Business Account id is set, so those allowed are told to set one first.
        ("sync_templates", "POST", "/api/v1/templates/sync".into(), None),
        ("assign_conversation", "POST", c(mine, "/assignee"), Some(json!({ "agent": actor }))),
        ("handover_options", "GET", c(mine, "/handover"), None),
        ("set_conversation_status", "PUT", c(mine, "/status"), Some(json!({ "status": "pending" }))),
        ("set_conversation_priority", "PUT", c(mine, "/priority"), Some(json!({ "priority": "high" }))),
        ("add_note", "POST", c(mine, "/notes"), Some(json!({ "text": format!("@{actor} call back at 5") }))),
        ("conversation_notes", "GET", c(mine, "/notes"), None),
        ("my_mentions", "GET", "/api/v1/me/mentions".into(), None),
        ("search", "GET", "/api/v1/search?q=hello".into(), None),
        ("quick_replies", "GET", "/api/v1/quick-replies".into(), None),
        ("conversation_quick_replies", "GET", c(mine, "/quick-replies"), None),
        (
            "save_quick_reply",
            "POST",
            "/api/v1/quick-replies".into(),
            Some(json!({ "team": store_a, "shortcut": "hours", "body": "We open at 9, {{customer_name}}." })),
        ),
        ("delete_quick_reply", "DELETE", format!("/api/v1/quick-replies/{spare_reply}"), None),
        ("routing_rules", "GET", "/api/v1/routing".into(), None),
        (
            "save_routing_rule",
            "POST",
            "/api/v1/routing/rules".into(),
            Some(
                json!({ "rule": { "name": "Leeds", "when": { "answers": ["Leeds"] }, "then": { "team": store_b } } }),
            ),
        ),
        ("test_routing", "POST", "/api/v1/routing/test".into(), Some(json!({ "text": "spare parts" }))),
        ("set_default_team", "PUT", "/api/v1/routing/default-team".into(), Some(json!({ "team": store_a }))),
        ("delete_routing_rule", "DELETE", format!("/api/v1/routing/rules/{spare_rule}"), None),
        ("transfer_conversation", "POST", c(queue, "/team"), Some(json!({ "team": store_b }))),
        ("contacts", "GET", "/api/v1/contacts".into(), None),
        ("contact", "GET", k(my_contact, ""), None),
        ("assign_contact", "POST", k(queue_contact, "/assignment"), Some(json!({ "team": store_a }))),
        ("label_contact", "POST", k(my_contact, "/labels"), Some(json!({ "label": dealer }))),
        ("unlabel_contact", "DELETE", k(my_contact, &format!("/labels/{dealer}")), None),
        ("labels", "GET", "/api/v1/labels".into(), None),
        ("create_label", "POST", "/api/v1/labels".into(), Some(json!({ "name": "Designer" }))),
        (
            "update_label",
            "PUT",
            format!("/api/v1/labels/{dealer}"),
            Some(json!({ "name": "Dealer", "colour": "blue" })),
        ),
        ("delete_label", "DELETE", format!("/api/v1/labels/{doomed_label}"), None),
        ("contact_fields", "GET", "/api/v1/contact-fields".into(), None),
        (
            "create_contact_field",
            "POST",
            "/api/v1/contact-fields".into(),
            Some(json!({ "name": "Allergies", "class": "health" })),
        ),
        (
            "update_contact_field",
            "PUT",
            format!("/api/v1/contact-fields/{tier}"),
            Some(json!({ "name": "Loyalty tier", "class": "financial" })),
        ),
        ("delete_contact_field", "DELETE", format!("/api/v1/contact-fields/{doomed_field}"), None),
        (
            "set_contact_field",
            "PUT",
            k(my_contact, &format!("/fields/{tier}")),
            Some(json!({ "value": "Gold" })),
        ),
        ("set_contact_lifecycle", "PUT", k(my_contact, "/lifecycle"), Some(json!({ "stage": "customer" }))),
        (
            "set_marketing_consent",
            "PUT",
            k(my_contact, "/consent"),
            Some(json!({ "state": "opted_in", "source": "said yes in chat" })),
        ),
        ("reveal_contact", "POST", k(my_contact, "/reveal"), Some(json!({ "reason": "checking her tier" }))),
        ("merge_contacts", "POST", k(my_contact, "/merge"), Some(json!({ "duplicate": duplicate }))),
        ("export_contact_data", "POST", k(my_contact, "/privacy-export"), None),
        // Not her name: authorized callers get as far as the confirmation, nobody is erased.
        ("erase_contact", "POST", k(my_contact, "/erase"), Some(json!({ "confirm_name": "someone else" }))),
        (
            "import_contacts",
            "POST",
            "/api/v1/contacts/import".into(),
            Some(
                json!({ "csv": "phone,name\n+447911123456,Matrix Test\n", "dry_run": true, "team": store_a }),
            ),
        ),
        ("teams", "GET", "/api/v1/teams".into(), None),
        ("create_team", "POST", "/api/v1/teams".into(), Some(json!({ "name": "Store C" }))),
        (
            "rename_team",
            "PUT",
            format!("/api/v1/teams/{store_b}"),
            Some(json!({ "name": "Store B (harbour)" })),
        ),
        (
            "set_team_hours",
            "PUT",
            format!("/api/v1/teams/{store_b}/hours"),
            Some(
                json!({ "hours": { "zone": "Europe/London", "open": [{ "day": "mon", "opens": "09:00", "closes": "17:00" }] } }),
            ),
        ),
        (
            "add_team_member",
            "POST",
            format!("/api/v1/teams/{store_b}/members"),
            Some(json!({ "username": "tara.agent" })),
        ),
        ("remove_team_member", "DELETE", format!("/api/v1/teams/{store_b}/members/tara.agent"), None),
        ("delete_team", "DELETE", format!("/api/v1/teams/{empty_team}"), None),
        ("roles", "GET", "/api/v1/roles".into(), None),
        ("create_role", "POST", "/api/v1/roles".into(), Some(role_body("Made in the test"))),
        ("update_role", "PUT", "/api/v1/roles/fixture_role".into(), Some(role_body("Fixture role"))),
        ("delete_role", "POST", "/api/v1/roles/doomed_role/delete".into(), Some(json!({}))),
        ("users", "GET", "/api/v1/users".into(), None),
        (
            "create_user",
            "POST",
            "/api/v1/users".into(),
            Some(
                json!({ "username": "new.user", "role": "agent", "password": "a fresh long passphrase 42", "teams": [store_a] }),
            ),
        ),
        ("set_user_role", "PUT", "/api/v1/users/tara.agent/role".into(), Some(json!({ "role": "sales" }))),
        (
            "set_user_disabled",
            "PUT",
            "/api/v1/users/tara.agent/disabled".into(),
            Some(json!({ "disabled": true })),
        ),
        ("end_user_sessions", "POST", "/api/v1/users/tara.agent/sessions/revoke".into(), None),
        (
            "reset_password",
            "POST",
            "/api/v1/users/tara.agent/password-reset".into(),
            Some(json!({ "new_password": "a temporary passphrase 7" })),
        ),
        ("unlock_user", "POST", "/api/v1/users/tara.agent/unlock".into(), None),
        ("offboard_user", "POST", "/api/v1/users/tara.agent/offboard".into(), Some(json!({}))),
        ("security_settings", "GET", "/api/v1/settings/security".into(), None),
        (
            "set_security_settings",
            "PATCH",
            "/api/v1/settings/security".into(),
            Some(json!({ "step_up_minutes": 15 })),
        ),
        (
            "try_masking",
            "POST",
            "/api/v1/settings/masking/trial".into(),
            Some(json!({ "sample": "card 4111 1111 1111 1111" })),
        ),
        ("channel_settings", "GET", "/api/v1/settings/channel".into(), None),
        (
            "set_channel_settings",
            "PUT",
            "/api/v1/settings/channel".into(),
            Some(json!({ "phone_number_id": crate::support::PHONE_NUMBER_ID })),
        ),
        ("allowlist", "GET", "/api/v1/settings/allowlist".into(), None),
        ("set_allowlist", "PUT", "/api/v1/settings/allowlist".into(), Some(json!({ "entries": [] }))),
        ("sso_settings", "GET", "/api/v1/settings/sso".into(), None),
        (
            "set_sso_settings",
            "PUT",
            "/api/v1/settings/sso".into(),
            Some(json!({ "mode": "off", "label": "Contoso ID", "issuer": "https://idp.example.com",
                         "client_id": "countersign", "username_claim": "preferred_username",
                         "groups_claim": "groups", "provision": false })),
        ),
        ("sso_offer", "GET", "/api/v1/sso".into(), None),
        (
            "begin_sso_for_client",
            "POST",
            "/api/v1/sso/sign-ins".into(),
            Some(json!({ "redirect_uri": "https://elsewhere.example/callback" })),
        ),
        (
            "finish_sso_for_client",
            "POST",
            "/api/v1/sessions/sso".into(),
            Some(json!({ "sign_in": "unknown", "redirect_query": "code=x&state=y" })),
        ),
        ("my_sessions", "GET", "/api/v1/me/sessions".into(), None),
        ("end_my_session", "DELETE", format!("/api/v1/me/sessions/{second_session}"), None),
        ("end_my_other_sessions", "DELETE", "/api/v1/me/sessions".into(), None),
        ("security_keys", "GET", "/api/v1/me/security-keys".into(), None),
        (
            "begin_security_key_registration",
            "POST",
            "/api/v1/me/security-keys/registration".into(),
            Some(json!({ "name": "blue key" })),
        ),
        (
            "finish_security_key_registration",
            "POST",
            "/api/v1/me/security-keys".into(),
            Some(json!({ "ceremony": "x", "credential": {} })),
        ),
        ("remove_security_key", "DELETE", "/api/v1/me/security-keys/999".into(), None),
        ("begin_security_key_check", "POST", "/api/v1/sessions/current/security-key/challenge".into(), None),
        (
            "finish_security_key_check",
            "POST",
            "/api/v1/sessions/current/security-key".into(),
            Some(json!({ "ceremony": "x", "credential": {} })),
        ),
        ("begin_totp_enrolment", "POST", "/api/v1/me/totp".into(), None),
        (
            "confirm_totp_enrolment",
            "POST",
            "/api/v1/me/totp/confirm".into(),
            Some(json!({ "code": "000000" })),
        ),
        (
            "step_up",
            "POST",
            "/api/v1/sessions/current/step-up".into(),
            Some(json!({ "code": recovery_codes[0] })),
        ),
        ("regenerate_recovery_codes", "POST", "/api/v1/me/recovery-codes".into(), None),
        (
            "verify_second_factor",
            "POST",
            "/api/v1/sessions/current/second-factor".into(),
            Some(json!({ "code": "000000" })),
        ),
        (
            "change_password",
            "POST",
            "/api/v1/me/password".into(),
            Some(json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD })),
        ),
        ("lock", "POST", "/api/v1/sessions/current/lock".into(), Some(json!({ "reason": "manual" }))),
        (
            "unlock",
            "POST",
            "/api/v1/sessions/current/unlock".into(),
            Some(json!({ "password": NEW_PASSWORD })),
        ),
        ("remove_totp", "POST", "/api/v1/me/totp/remove".into(), None),
        (
            "login",
            "POST",
            "/api/v1/sessions".into(),
            Some(json!({ "username": actor, "password": NEW_PASSWORD })),
        ),
        (
            "begin_passwordless",
            "POST",
            "/api/v1/sessions/passwordless/challenge".into(),
            Some(json!({ "username": actor })),
        ),
        (
            "finish_passwordless",
            "POST",
            "/api/v1/sessions/passwordless".into(),
            Some(json!({ "ceremony": "x", "credential": {} })),
        ),
        ("logout", "DELETE", "/api/v1/sessions/current".into(), None),
    ];

    let expected = table();
    let called: BTreeSet<&str> = calls.iter().map(|c| c.0).collect();
    let rows: BTreeSet<&str> = expected.keys().map(String::as_str).collect();
    assert_eq!(called, rows, "the test calls every operation in the table");
    let mut wrong = Vec::new();
    let store = served.site.core.store();
    for (op, method, path, body) in calls {
        let before = store.audit_records().await.unwrap().len();
        let got = outcome(me.call(method, &path, body).await).await;
        let want = &expected[op][role];
        if &got != want {
            wrong.push(format!("{op}: expected {want}, got {got}"));
        }
        let trail = store.audit_records().await.unwrap();
        if let Some(problem) = unaudited(op, method, &got, &trail[before..]) {
            wrong.push(format!("{op}: {problem}"));
        }
    }
    assert!(wrong.is_empty(), "{role}:\n{}", wrong.join("\n"));
    let sent = sim.received();
    // The hand-entered template is unknown to the simulated account, so Graph refuses it.
    let replies = ["send_text", "send_message"].iter().filter(|op| expected[**op][role] == "ok").count();
    assert_eq!(sent.len(), replies, "only allowed messages reach WhatsApp: {sent:?}");
}

#[test]
fn every_api_function_is_a_desktop_command() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src-tauri/src");
    let shell: String = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let missing: Vec<_> =
        api_functions(HTTP_ONLY).into_iter().filter(|f| !shell.contains(&format!(".{f}("))).collect();
    assert!(missing.is_empty(), "api functions no desktop command calls: {missing:?}");
}
