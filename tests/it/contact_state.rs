//! Issue 8 point 5: a contact's lifecycle stage and marketing consent, recorded with when,
//! how and by whom; an opt-out stops marketing templates, not utility ones.

use serde_json::{json, Value};

use crate::access::two_stores;
use crate::matrix::signed_in;
use crate::support::{graph_sim, Served};

#[tokio::test]
async fn consent_is_recorded_with_its_source_and_an_opt_out_stops_marketing_templates() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, [mine, _, my_contact, their_contact, _]) = two_stores(&served).await;
    let agent = signed_in(&served, "actor.agent").await;
    let k = |id: i64, rest: &str| format!("/api/v1/contacts/{id}{rest}");

    let fresh = agent.json("GET", &k(my_contact, ""), None).await;
    assert_eq!(
        (fresh["lifecycle"].as_str(), fresh["consent"]["state"].as_str()),
        (Some("new"), Some("unknown"))
    );
    let staged = agent.json("PUT", &k(my_contact, "/lifecycle"), Some(json!({ "stage": "customer" }))).await;
    assert_eq!(staged["lifecycle"], "customer");

    // Refused with the reason: an unknown stage, a consent without how it was given.
    for (path, body, why) in [
        ("/lifecycle", json!({ "stage": "vip" }), "new, lead, customer or inactive"),
        ("/consent", json!({ "state": "opted_in" }), "say how they gave their answer"),
        ("/consent", json!({ "state": "maybe", "source": "x" }), "opted_in, opted_out or unknown"),
    ] {
        let refused = agent.call("PUT", &k(my_contact, path), Some(body)).await;
        assert_eq!(refused.status(), 422);
        let said = refused.json::<Value>().await.unwrap();
        assert!(said["message"].as_str().unwrap().contains(why), "{said}");
    }
    assert_eq!(
        agent.call("PUT", &k(their_contact, "/lifecycle"), Some(json!({ "stage": "lead" }))).await.status(),
        404
    );

    // She says no to offers: recorded with when, how (masked like any note) and by whom.
    let source = "replied STOP from +44 7400 123456";
    let answered = agent
        .json("PUT", &k(my_contact, "/consent"), Some(json!({ "state": "opted_out", "source": source })))
        .await;
    assert_eq!(answered["consent"]["state"], "opted_out");
    assert_eq!(answered["consent"]["by"], "actor.agent");
    assert!(answered["consent"]["at"].as_i64().is_some());
    assert!(!answered["consent"]["source"].as_str().unwrap().contains("123456"), "{answered}");

    // A marketing template is refused for her; a utility one still goes.
    let template = |name: &str, category: &str| json!({ "name": name, "language": "en_GB", "category": category, "body": "Hello {{1}}", "status": "APPROVED" });
    for (name, category) in [("spring_sale", "MARKETING"), ("order_update", "UTILITY")] {
        root.json("POST", "/api/v1/templates", Some(template(name, category))).await;
    }
    let send = |name: &str| json!({ "name": name, "language": "en_GB", "values": ["Ana"] });
    let path = format!("/api/v1/conversations/{mine}/templates");
    let refused = agent.call("POST", &path, Some(send("spring_sale"))).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("opted out of marketing"));
    assert!(agent.call("POST", &path, Some(send("order_update"))).await.status().is_success());

    let trail = served.site.core.store().audit_records().await.unwrap();
    let consent = trail.iter().find(|r| r.action == "contact.consent").unwrap();
    assert!(consent.detail.contains("opted_out") && !consent.detail.contains("123456"), "{}", consent.detail);
}
