//! Merging two contacts that are one customer (issue 8 point 5): WhatsApp showed Ana first by
//! her user id (she hides her number), then by her number. The administrator merges them:
//! one contact with both ids, her labels and fields (the kept contact's own values win), her
//! latest answer about marketing, and one conversation holding both threads and their notes,
//! found by search under the kept contact. Numbers that differ are two customers: refused.

use serde_json::{json, Value};

use crate::matrix::{add_user, customer, signed_in, stepped_up, PASSWORD};
use crate::support::{graph_sim, target, Served};

fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c[key] == value)
        .unwrap_or_else(|| panic!("no {value} in {list}"))
}

#[tokio::test]
async fn two_contacts_of_one_customer_become_one_with_everything_of_both() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    add_user(&served, "root.owner", "owner", &[]).await;
    let (root, _) = stepped_up(&served, "root.owner", PASSWORD).await;
    let tier = root
        .json("POST", "/api/v1/contact-fields", Some(json!({ "name": "Tier", "class": "none" })))
        .await["id"]
        .as_i64()
        .unwrap();
    let shoe = root
        .json("POST", "/api/v1/contact-fields", Some(json!({ "name": "Shoe size", "class": "none" })))
        .await["id"]
        .as_i64()
        .unwrap();
    let vip =
        root.json("POST", "/api/v1/labels", Some(json!({ "name": "VIP" }))).await["id"].as_i64().unwrap();

    // Ana writes hiding her number, then from her number: two contacts, two conversations.
    let webhook = target(served.addr);
    let hidden = countersign_sim::customers::send_text_as_user(
        &served.http,
        &webhook,
        "US.7",
        "ana_s",
        "wamid.u1",
        "hi, about the blue runners",
    );
    assert_eq!(hidden.await.unwrap(), 200);
    assert_eq!(served.customer_writes(&customer(1), "wamid.n1", "it's Ana again, from my phone").await, 200);
    let contacts = root.json("GET", "/api/v1/contacts", None).await;
    let (by_user, by_number) = (
        find(&contacts, "name", "ana_s")["id"].as_i64().unwrap(),
        find(&contacts, "name", "Customer 1")["id"].as_i64().unwrap(),
    );
    let conversations = root.json("GET", "/api/v1/conversations", None).await;
    let (user_thread, number_thread) = (
        find(&conversations, "customer_name", "ana_s")["id"].as_i64().unwrap(),
        find(&conversations, "customer_name", "Customer 1")["id"].as_i64().unwrap(),
    );
    let field = |contact: i64, id: i64, value: &str| {
        let body = json!({ "value": value });
        let root = &root;
        async move { root.json("PUT", &format!("/api/v1/contacts/{contact}/fields/{id}"), Some(body)).await }
    };
    field(by_user, tier, "Gold").await;
    field(by_user, shoe, "39").await;
    field(by_number, tier, "Silver").await;
    root.json("POST", &format!("/api/v1/contacts/{by_user}/labels"), Some(json!({ "label": vip }))).await;
    root.json(
        "PUT",
        &format!("/api/v1/contacts/{by_number}/consent"),
        Some(json!({ "state": "opted_in", "source": "signed up in store" })),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    root.json(
        "PUT",
        &format!("/api/v1/contacts/{by_user}/consent"),
        Some(json!({ "state": "opted_out", "source": "said stop in chat" })),
    )
    .await;
    root.json(
        "POST",
        &format!("/api/v1/conversations/{user_thread}/notes"),
        Some(json!({ "text": "wants size 39 held" })),
    )
    .await;

    // A store agent may not merge (it deletes a contact).
    add_user(&served, "sam.agent", "agent", &["General"]).await;
    let agent = signed_in(&served, "sam.agent").await;
    let path = format!("/api/v1/contacts/{by_number}/merge");
    assert_eq!(agent.call("POST", &path, Some(json!({ "duplicate": by_user }))).await.status(), 403);

    let merged = root.json("POST", &path, Some(json!({ "duplicate": by_user }))).await;
    assert_eq!(merged["name"], "Customer 1");
    assert_eq!(merged["labels"][0]["name"], "VIP");
    let value = |name: &str| find(&merged["fields"], "name", name)["value"].clone();
    assert_eq!(
        (value("Tier"), value("Shoe size")),
        (json!("Silver"), json!("39")),
        "the kept contact's own value wins"
    );
    assert_eq!(merged["consent"]["state"], "opted_out", "the latest answer: she said stop");
    assert_eq!(root.call("GET", &format!("/api/v1/contacts/{by_user}"), None).await.status(), 404);

    // One conversation: both threads in order, the note with them, the search under Ana.
    let list = root.json("GET", "/api/v1/conversations", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["id"], number_thread);
    let thread = root.json("GET", &format!("/api/v1/conversations/{number_thread}/messages"), None).await;
    let bodies: Vec<&str> =
        thread["messages"].as_array().unwrap().iter().filter_map(|m| m["content"]["body"].as_str()).collect();
    assert_eq!(bodies, ["hi, about the blue runners", "it's Ana again, from my phone"]);
    let notes = root.json("GET", &format!("/api/v1/conversations/{number_thread}/notes"), None).await;
    assert_eq!(notes[0]["text"], "wants size 39 held");
    let found = root.json("GET", "/api/v1/search?q=runners", None).await;
    assert_eq!(
        (found["hits"][0]["conversation"].as_i64(), found["hits"][0]["customer_name"].as_str()),
        (Some(number_thread), Some("Customer 1"))
    );
    assert_eq!(
        root.call("GET", &format!("/api/v1/conversations/{user_thread}/messages"), None).await.status(),
        404
    );

    // Her next message by user id reaches the merged contact: it holds both ids now.
    let again = countersign_sim::customers::send_text_as_user(
        &served.http,
        &webhook,
        "US.7",
        "ana_s",
        "wamid.u2",
        "still there?",
    );
    assert_eq!(again.await.unwrap(), 200);
    assert_eq!(root.json("GET", "/api/v1/conversations", None).await.as_array().unwrap().len(), 1);

    // Two numbers are two customers to WhatsApp.
    served.customer_writes(&customer(2), "wamid.n2", "hello").await;
    let other =
        find(&root.json("GET", "/api/v1/contacts", None).await, "name", "Customer 2")["id"].as_i64().unwrap();
    let refused = root.call("POST", &path, Some(json!({ "duplicate": other }))).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("different WhatsApp numbers"));

    // The trail says what went where.
    let trail = served.site.core.store().audit_records().await.unwrap();
    let event = trail.iter().find(|r| r.action == "contact.merge").expect("audited");
    assert_eq!(event.target.as_deref(), Some(format!("contact:{by_number}").as_str()));
    assert!(event.detail.contains(&format!("merged=contact:{by_user}")), "{}", event.detail);
    assert!(
        event.detail.contains(&format!("folded=conversation:{user_thread}>conversation:{number_thread}")),
        "{}",
        event.detail
    );
}
