//! Contact fields with a sensitivity class (issue 6, point 2): the administrator defines them,
//! staff fill them in, everyone sees classed values masked (a date of birth whole, a health
//! note without even its length), and revealing them takes the class's permission and a
//! reason, lasts a minute and is audited — with no value ever in the trail.

use countersign_sim::Customer;
use serde_json::{json, Value};

use crate::support::*;

const CARD: &str = "GOLD-00412345";
const BIRTH: &str = "1990-03-12";
const ALLERGY: &str = "Nut allergy";

/// The contact's fields as `token` sees them: (name, value, masked).
fn shown(contact: &Value) -> Vec<(String, Value, bool)> {
    contact["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_owned(), f["value"].clone(), f["masked"].as_bool().unwrap()))
        .collect()
}

fn expect(rows: &[(&str, Value, bool)]) -> Vec<(String, Value, bool)> {
    rows.iter().map(|(n, v, m)| ((*n).to_owned(), v.clone(), *m)).collect()
}

#[tokio::test]
async fn classed_fields_are_masked_for_everyone_and_revealed_only_with_the_permission_and_a_reason() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let ana = Customer { wa_id: "16505550101".to_owned(), name: "Ana Souza".to_owned() };
    assert_eq!(served.customer_writes(&ana, "wamid.hi", "Hello").await, 200);
    let (admin, _) = served.admin_stepped_up(&served.http).await;
    let agent = served.login().await;

    // The administrator defines the fields; the agent may not.
    let define = |token: String, body: Value| {
        let served = &served;
        async move { served.post("/api/v1/contact-fields", Some(&token), body).await }
    };
    let mut ids = Vec::new();
    for (name, kind, class) in [
        ("Loyalty tier", "text", "none"),
        ("Loyalty card", "text", "financial"),
        ("Date of birth", "date_of_birth", "identity"),
        ("Allergies", "text", "health"),
    ] {
        let made = define(admin.clone(), json!({ "name": name, "kind": kind, "class": class })).await;
        assert_eq!(made.status(), 201, "{name}");
        ids.push(made.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let &[tier, card, birth, allergies] = ids.as_slice() else { unreachable!() };
    let again = define(admin.clone(), json!({ "name": "loyalty TIER", "class": "none" })).await;
    assert_eq!(again.status(), 409, "names are unique, whatever the case");
    assert_eq!(define(admin.clone(), json!({ "name": "Secret", "class": "secret" })).await.status(), 422);
    assert_eq!(define(agent.clone(), json!({ "name": "Mine", "class": "none" })).await.status(), 403);

    // The agent fills them in, and sees the classed ones masked at once.
    let contacts: Value = served.get("/api/v1/contacts", Some(&agent)).await.json().await.unwrap();
    let id = contacts[0]["id"].as_i64().unwrap();
    assert!(contacts[0]["fields"].as_array().unwrap().iter().all(|f| f["value"].is_null()), "{contacts}");
    let set = |field: i64, value: &str| {
        let (served, agent) = (&served, &agent);
        let body = json!({ "value": value });
        async move {
            served
                .request_json(
                    reqwest::Method::PUT,
                    &format!("/api/v1/contacts/{id}/fields/{field}"),
                    agent,
                    body,
                )
                .await
        }
    };
    let wrong = set(birth, "12/03/1990").await;
    assert_eq!(wrong.status(), 422);
    let why = wrong.text().await.unwrap();
    assert!(why.contains("year-month-day") && !why.contains("12/03/1990"), "{why}");
    for (field, value) in [(tier, "Gold"), (card, CARD), (birth, BIRTH), (allergies, ALLERGY)] {
        assert_eq!(set(field, value).await.status(), 200);
    }
    let seen: Value = served.get(&format!("/api/v1/contacts/{id}"), Some(&agent)).await.json().await.unwrap();
    let masked = expect(&[
        ("Loyalty tier", json!("Gold"), false),
        ("Loyalty card", json!("****-****2345"), true),
        ("Date of birth", json!("**/**/****"), true),
        ("Allergies", json!("••••••••"), true),
    ]);
    assert_eq!(shown(&seen), masked);
    for path in
        ["/api/v1/contacts".to_owned(), format!("/api/v1/contacts/{id}"), "/api/v1/conversations".to_owned()]
    {
        let body = served.get(&path, Some(&admin)).await.text().await.unwrap();
        for value in [CARD, BIRTH, ALLERGY] {
            assert!(!body.contains(value), "{path} shows {value} to an administrator before a reveal");
        }
    }

    // Revealing: not for the agent; a store manager (contact data only) sees nothing more; the
    // administrator sees every class, for a minute.
    let reveal = |token: String, reason: &'static str| {
        let served = &served;
        async move {
            served
                .post(&format!("/api/v1/contacts/{id}/reveal"), Some(&token), json!({ "reason": reason }))
                .await
        }
    };
    assert_eq!(reveal(agent.clone(), "customer asked").await.status(), 403);
    let manager = add_manager(&served).await;
    let partly: Value = reveal(manager, "calling her back").await.json().await.unwrap();
    assert_eq!(shown(&partly["contact"]), masked, "the classes a manager may not reveal stay masked");
    assert_eq!(reveal(admin.clone(), "ok").await.status(), 422, "a reason is needed");
    let before = countersign_sim::customers::now_unix_seconds() * 1000;
    let full: Value = reveal(admin.clone(), "her birthday voucher").await.json().await.unwrap();
    assert_eq!(
        shown(&full["contact"]),
        expect(&[
            ("Loyalty tier", json!("Gold"), false),
            ("Loyalty card", json!(CARD), false),
            ("Date of birth", json!(BIRTH), false),
            ("Allergies", json!(ALLERGY), false),
        ])
    );
    let until = full["until"].as_i64().unwrap();
    assert!((before + 59_000..=before + 62_000).contains(&until), "shown for a minute");

    // Reclassified as not sensitive, the note shows to the agent; deleted, a field's values go.
    let reclassify = json!({ "name": "Allergies", "class": "none" });
    let path = format!("/api/v1/contact-fields/{allergies}");
    assert_eq!(served.request_json(reqwest::Method::PUT, &path, &admin, reclassify).await.status(), 200);
    assert_eq!(served.delete(&format!("/api/v1/contact-fields/{birth}"), Some(&admin)).await.status(), 204);
    let seen: Value = served.get(&format!("/api/v1/contacts/{id}"), Some(&agent)).await.json().await.unwrap();
    assert_eq!(
        shown(&seen),
        expect(&[
            ("Loyalty tier", json!("Gold"), false),
            ("Loyalty card", json!("****-****2345"), true),
            ("Allergies", json!(ALLERGY), false),
        ])
    );

    let trail = served.site.core.store().audit_records().await.unwrap();
    let actions = |name: &str| trail.iter().filter(|r| r.action == name).collect::<Vec<_>>();
    assert_eq!(actions("contact.field_set").len(), 4, "each value set is audited");
    let reveals = actions("data.reveal");
    assert_eq!(reveals.len(), 2, "{reveals:?}");
    assert!(reveals[0].detail.contains("classes=none"), "{:?}", reveals[0]);
    assert!(reveals[1].detail.contains("classes=financial+identity+health"), "{:?}", reveals[1]);
    assert!(reveals[1].detail.contains("reason=her birthday voucher"), "{:?}", reveals[1]);
    let saved = actions("contact_field.save");
    assert!(
        saved.last().unwrap().detail.contains("class=none")
            && saved.last().unwrap().detail.contains("before=Allergies/health")
    );
    assert!(actions("contact_field.delete")[0].detail.contains("values=1"), "{trail:?}");
    let trail = format!("{trail:?}");
    for value in [CARD, BIRTH, ALLERGY, "GOLD"] {
        assert!(!trail.contains(value), "{value} is in the audit trail");
    }
}

/// A store manager (who may reveal contact data only), signed in.
async fn add_manager(served: &Served) -> String {
    let manager = countersign::api::operator::AddUser {
        username: "mia.manager".to_owned(),
        role: "manager".to_owned(),
        teams: Vec::new(),
        password: countersign::keys::SecretString::from(AGENT_PASSWORD.to_owned()),
    };
    served.site.core.operator_add_user(manager).await.unwrap();
    let body = json!({ "username": "mia.manager", "password": AGENT_PASSWORD });
    let session: Value = served.post("/api/v1/sessions", None, body).await.json().await.unwrap();
    session["token"].as_str().unwrap().to_owned()
}
