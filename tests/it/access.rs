//! Stories of the authorization model (issue 4): one store's agent never sees another store's
//! customers, over HTTP or in-process (what the desktop commands call); a custom role built by
//! an admin takes effect on its holders' next call; the guardrails hold; and the scoped SQL of
//! a list agrees with `decide` for every record.

use std::sync::Arc;

use countersign::api::inbox::ThreadRequest;
use countersign::api::session::{LoginRequest, Origin};
use countersign::authz::{
    self, act, template, Action, Actor, Decision, Grants, LabelAccess, Placement, RoleGrants, Scope,
};
use countersign::clock::{OsRandom, SystemClock, Timestamp};
use countersign::domain::{CustomerRef, Direction, LabelId, RoleSlug, TeamId, UserId};
use countersign::{Core, Error};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::matrix::{add_user, customer, stepped_up, Caller, PASSWORD};
use crate::support::{graph_sim, secret, site, Served};

/// Two stores; `actor.agent` works in Store A. Customer 1 writes to Store A, customer 3 to
/// Store B. Returns the owner's session and the ids: (A's conversation, B's conversation,
/// A's contact, B's contact, Store B).
pub(crate) async fn two_stores(served: &Served) -> (Caller<'_>, [i64; 5]) {
    add_user(served, "root.owner", "owner", &[]).await;
    let (root, _) = stepped_up(served, "root.owner", PASSWORD).await;
    let mut teams = Vec::new();
    for name in ["Store A", "Store B"] {
        teams.push(
            root.json("POST", "/api/v1/teams", Some(json!({ "name": name }))).await["id"].as_i64().unwrap(),
        );
    }
    add_user(served, "actor.agent", "agent", &["Store A"]).await;
    for n in [1, 3] {
        assert_eq!(served.customer_writes(&customer(n), &format!("wamid.a{n}"), "Hello").await, 200);
    }
    let find = |list: &Value, key: &str, n: u32| {
        list.as_array().unwrap().iter().find(|c| c[key] == format!("Customer {n}")).unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let conversations = root.json("GET", "/api/v1/conversations", None).await;
    let contacts = root.json("GET", "/api/v1/contacts", None).await;
    let ids = [
        find(&conversations, "customer_name", 1),
        find(&conversations, "customer_name", 3),
        find(&contacts, "name", 1),
        find(&contacts, "name", 3),
        teams[1],
    ];
    for (conversation, contact, team) in [(ids[0], ids[2], teams[0]), (ids[1], ids[3], teams[1])] {
        root.call(
            "POST",
            &format!("/api/v1/conversations/{conversation}/team"),
            Some(json!({ "team": team })),
        )
        .await;
        root.call("POST", &format!("/api/v1/contacts/{contact}/assignment"), Some(json!({ "team": team })))
            .await;
    }
    (root, ids)
}

#[tokio::test]
async fn an_agent_of_one_store_sees_nothing_of_another_over_http_or_in_process() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, [mine, theirs, my_contact, their_contact, store_b]) = two_stores(&served).await;

    // Over HTTP.
    let response = served
        .post("/api/v1/sessions", None, json!({ "username": "actor.agent", "password": PASSWORD }))
        .await;
    let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let agent = Caller { served: &served, token };
    let listed = agent.json("GET", "/api/v1/conversations", None).await;
    let ids: Vec<i64> = listed.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![mine], "only Store A's conversation is listed");
    assert_eq!(listed[0]["team"]["name"], "Store A");
    let contacts = agent.json("GET", "/api/v1/contacts", None).await;
    assert_eq!(contacts.as_array().unwrap().len(), 1);
    assert_eq!(contacts[0]["id"], my_contact);
    let c = |rest: &str| format!("/api/v1/conversations/{theirs}{rest}");
    let k = |rest: &str| format!("/api/v1/contacts/{their_contact}{rest}");
    for (method, path, body) in [
        ("GET", c("/messages"), None),
        ("POST", c("/messages"), Some(json!({ "text": "hi" }))),
        ("POST", c("/assignee"), Some(json!({ "agent": "actor.agent" }))),
        ("POST", c("/team"), Some(json!({ "team": 1 }))),
        ("GET", k(""), None),
        ("POST", k("/assignment"), Some(json!({ "team": 1 }))),
        ("POST", k("/labels"), Some(json!({ "label": 1 }))),
        ("DELETE", k("/labels/1"), None),
    ] {
        let response = agent.call(method, &path, body).await;
        assert_eq!(response.status(), 404, "{method} {path} is not found, as if it did not exist");
    }
    assert!(sim.received().is_empty(), "nothing reached the other store's customer");

    // In-process, as the desktop commands call the core.
    let core = &served.site.core;
    let request = LoginRequest { username: "actor.agent".to_owned(), password: secret(PASSWORD) };
    let token = core.login(request, Origin::Desktop, "test").await.unwrap().token;
    let listed: Vec<i64> = core.list_conversations(&token).await.unwrap().iter().map(|c| c.id).collect();
    assert_eq!(listed, vec![mine]);
    let theirs_id = countersign::domain::ConversationId::new(theirs);
    assert!(matches!(
        core.conversation_messages(&token, theirs_id, ThreadRequest::default()).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(core.contact(&token, their_contact).await, Err(Error::NotFound)));
    assert_eq!(core.contacts(&token).await.unwrap().len(), 1);

    // A restricted label hides a contact of the agent's own store, and its conversation.
    let vip = root.json("POST", "/api/v1/labels", Some(json!({ "name": "VIP", "restricted": true }))).await
        ["id"]
        .as_i64()
        .unwrap();
    root.json("POST", &format!("/api/v1/contacts/{my_contact}/labels"), Some(json!({ "label": vip }))).await;
    assert!(core.list_conversations(&token).await.unwrap().is_empty());
    assert!(matches!(core.contact(&token, my_contact).await, Err(Error::NotFound)));
    // Until the label is granted to the agent's role.
    let body = json!({ "name": "VIP", "restricted": true, "roles": ["agent"] });
    root.json("PUT", &format!("/api/v1/labels/{vip}"), Some(body)).await;
    assert_eq!(core.list_conversations(&token).await.unwrap().len(), 1);

    // The refusals are in the audit trail.
    let denied =
        core.store().audit_records().await.unwrap().iter().filter(|r| r.action == "access.denied").count();
    assert!(denied >= 10, "{denied} refusals recorded");
    let _ = store_b;
}

#[tokio::test]
async fn a_custom_role_takes_effect_on_the_next_call() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, _) = two_stores(&served).await;
    let role =
        json!({ "name": "Counter", "grants": [{ "permission": "conversations.view", "scope": "team" }] });
    let created = root.json("POST", "/api/v1/roles", Some(role)).await;
    assert_eq!(created["slug"], "counter");
    add_user(&served, "carl.counter", "counter", &["Store A"]).await;
    let response = served
        .post("/api/v1/sessions", None, json!({ "username": "carl.counter", "password": PASSWORD }))
        .await;
    let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let carl = Caller { served: &served, token };
    assert_eq!(carl.json("GET", "/api/v1/conversations", None).await.as_array().unwrap().len(), 1);
    assert_eq!(carl.call("GET", "/api/v1/contacts", None).await.status(), 403);

    let changed =
        json!({ "name": "Counter", "grants": [{ "permission": "contacts.view", "scope": "team" }] });
    root.json("PUT", "/api/v1/roles/counter", Some(changed)).await;
    assert_eq!(
        carl.call("GET", "/api/v1/conversations", None).await.status(),
        403,
        "taken away on the next call"
    );
    assert_eq!(
        carl.json("GET", "/api/v1/contacts", None).await.as_array().unwrap().len(),
        1,
        "given on the next call"
    );
    let me = carl.json("GET", "/api/v1/me", None).await;
    assert_eq!(me["capabilities"], json!(["contacts.view"]));
    assert_eq!((&me["role"], &me["role_name"]), (&json!("counter"), &json!("Counter")));

    // A role in use is not deleted until its users have another.
    let refused = root.call("POST", "/api/v1/roles/counter/delete", Some(json!({}))).await;
    assert_eq!(refused.status(), 409);
    let deleted =
        root.call("POST", "/api/v1/roles/counter/delete", Some(json!({ "reassign_to": "agent" }))).await;
    assert_eq!(deleted.status(), 204);
    let me = carl.json("GET", "/api/v1/me", None).await;
    assert_eq!((&me["role"], &me["role_name"]), (&json!("agent"), &json!("Support agent")));
}

#[tokio::test]
async fn nobody_escalates_through_roles() {
    let served = Served::new("http://127.0.0.1:9").await;
    add_user(&served, "root.owner", "owner", &[]).await;
    add_user(&served, "ada.admin", "admin", &[]).await;
    add_user(&served, "mona.manager", "manager", &[]).await;
    let (owner, _) = stepped_up(&served, "root.owner", PASSWORD).await;
    let (admin, _) = stepped_up(&served, "ada.admin", PASSWORD).await;
    let refused = |response: reqwest::Response| async move {
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        (status, body["message"].as_str().unwrap_or_default().to_owned())
    };

    // An admin cannot confer what only owners hold, nor make an owner.
    let strong = json!({ "name": "Strong", "grants": [{ "permission": "retention.manage" }] });
    let (status, message) = refused(admin.call("POST", "/api/v1/roles", Some(strong)).await).await;
    assert_eq!((status, message.contains("retention.manage")), (403, true), "{message}");
    let (status, message) =
        refused(admin.call("PUT", "/api/v1/users/mona.manager/role", Some(json!({ "role": "owner" }))).await)
            .await;
    assert_eq!((status, message.contains("only an owner")), (403, true), "{message}");
    // …nor change a built-in role, nor take over an owner's account.
    let agent = json!({ "name": "Support agent", "grants": [] });
    let (status, message) = refused(admin.call("PUT", "/api/v1/roles/agent", Some(agent)).await).await;
    assert_eq!((status, message.contains("built-in")), (403, true), "{message}");
    let reset = json!({ "new_password": "a takeover passphrase 99" });
    assert_eq!(
        admin.call("POST", "/api/v1/users/root.owner/password-reset", Some(reset)).await.status(),
        403
    );
    assert_eq!(
        admin
            .call("PUT", "/api/v1/users/root.owner/disabled", Some(json!({ "disabled": true })))
            .await
            .status(),
        403
    );
    // The last owner stays.
    let (status, message) =
        refused(owner.call("PUT", "/api/v1/users/root.owner/role", Some(json!({ "role": "admin" }))).await)
            .await;
    assert_eq!((status, message.contains("at least one enabled owner")), (403, true), "{message}");
    // An owner may make another owner, after which the first may step down.
    assert_eq!(
        owner.call("PUT", "/api/v1/users/ada.admin/role", Some(json!({ "role": "owner" }))).await.status(),
        200
    );
    assert_eq!(
        owner.call("PUT", "/api/v1/users/root.owner/role", Some(json!({ "role": "admin" }))).await.status(),
        200
    );
    // A manager manages no roles at all.
    let response = served
        .post("/api/v1/sessions", None, json!({ "username": "mona.manager", "password": PASSWORD }))
        .await;
    let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let manager = Caller { served: &served, token };
    let narrow =
        json!({ "name": "Narrow", "grants": [{ "permission": "conversations.view", "scope": "own" }] });
    assert_eq!(manager.call("POST", "/api/v1/roles", Some(narrow)).await.status(), 403);
}

/// A random layout: conversations in teams 1–3, assigned to users 1–3 or nobody, their contacts
/// carrying restricted labels 1–2.
fn layouts() -> impl Strategy<Value = Vec<(i64, Option<i64>, Vec<i64>)>> {
    proptest::collection::vec(
        (1..=3i64, proptest::option::of(1..=3i64), proptest::collection::btree_set(1..=2i64, 0..=2)),
        1..10,
    )
    .prop_map(|v| v.into_iter().map(|(t, a, l)| (t, a, l.into_iter().collect())).collect())
}

fn actors() -> impl Strategy<Value = (Scope, Vec<i64>, Option<Vec<i64>>)> {
    (
        proptest::sample::select(Scope::ALL.to_vec()),
        proptest::collection::vec(1..=3i64, 0..3),
        proptest::option::of(proptest::collection::vec(1..=2i64, 0..2)),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn a_scoped_list_is_the_full_list_filtered_by_decide(layout in layouts(), (scope, teams, labels) in actors()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let site = site("http://127.0.0.1:9").await;
            let core = Core::with_parts(site.core.store().clone(), Arc::new(SystemClock), Arc::new(OsRandom)).unwrap();
            let placements = arrange(&core, &layout).await;
            let user = UserId::new(1);
            let access = labels.map_or(LabelAccess::All, |l| LabelAccess::Only(l.into_iter().map(LabelId::new).collect()));
            let grants = RoleGrants::new([(authz::Permission::ConversationsView, scope)], access);
            let actor = Actor::User { id: user, grants: Grants::new(RoleSlug::parse("custom").unwrap(), grants, teams.into_iter().map(TeamId::new)), session: None };
            let proof = authz::authorize_list::<act::ListConversations>(&actor).unwrap();
            let mut listed: Vec<i64> = core.store().list_conversations(&proof).await.unwrap().iter().map(|c| c.id.get()).collect();
            listed.sort_unstable();
            let mut expected: Vec<i64> = placements
                .iter()
                .filter(|(_, p)| authz::decide(&actor, Action::ReadConversation, Some(p)) == Decision::Allow)
                .map(|(id, _)| *id)
                .collect();
            expected.sort_unstable();
            assert_eq!(listed, expected);
        });
    }
}

/// Stores the layout through the ingest and owner paths; returns each conversation's id and placement.
async fn arrange(core: &Core, layout: &[(i64, Option<i64>, Vec<i64>)]) -> Vec<(i64, Placement)> {
    let store = core.store();
    let owner = Actor::User {
        id: UserId::new(1),
        grants: Grants::new(RoleSlug::owner(), template::template("owner").unwrap(), []),
        session: None,
    };
    let mut tx = store.write().await.unwrap();
    let teams = authz::authorize::<act::ManageTeams>(&Actor::Operator, ()).unwrap();
    let labels = authz::authorize::<act::ManageLabels>(&owner, ()).unwrap();
    for name in ["T2", "T3"] {
        tx.insert_team(&teams, name, Timestamp::from_millis(0)).await.unwrap();
    }
    for name in ["L1", "L2"] {
        let spec = countersign::store::access::LabelSpec {
            name,
            colour: "grey",
            restricted: true,
            roles: &[],
            files: countersign::authz::sending::Files::Any,
        };
        tx.save_label(&labels, None, &spec, Timestamp::from_millis(0)).await.unwrap();
    }
    // Users 1–3: the two the site made, and one more.
    let users = authz::authorize::<act::ManageUsers>(&Actor::Operator, ()).unwrap();
    let name = countersign::domain::Username::parse("third.user").unwrap();
    tx.insert_user(&users, &name, "x", &RoleSlug::parse("agent").unwrap(), Timestamp::from_millis(0))
        .await
        .unwrap();
    let ingest = authz::authorize::<act::IngestDelivery>(&Actor::VerifiedWebhook, ()).unwrap();
    let mut placed = Vec::new();
    for (n, (team, assignee, restricted)) in layout.iter().enumerate() {
        let customer = CustomerRef {
            wa_id: Some(format!("1555{n:07}")),
            user_id: None,
            profile_name: None,
            username: None,
        };
        let contact = tx.upsert_contact(&ingest, &customer, Timestamp::from_millis(0)).await.unwrap();
        let at = Timestamp::from_millis(1000 + n as i64);
        let id = tx.upsert_conversation(&ingest, contact, "1", at, Direction::Inbound).await.unwrap();
        let placement = Placement {
            team: TeamId::new(*team),
            assignee: assignee.map(UserId::new),
            restricted_labels: restricted.iter().copied().map(LabelId::new).collect(),
        };
        let here = Placement { team: TeamId::new(1), assignee: None, restricted_labels: vec![] };
        let transfer = authz::authorize_on::<act::TransferConversation>(&owner, id, &here).unwrap();
        tx.transfer_conversation(&transfer, placement.team).await.unwrap();
        let assign = authz::authorize_on::<act::AssignConversation>(&owner, id, &here).unwrap();
        tx.assign_conversation(&assign, placement.assignee).await.unwrap();
        let contact_here = authz::authorize_on::<act::LabelContact>(&owner, contact, &here).unwrap();
        for label in &placement.restricted_labels {
            tx.set_contact_label(&contact_here, *label, true).await.unwrap();
        }
        placed.push((id.get(), placement));
    }
    tx.commit().await.unwrap();
    placed
}
