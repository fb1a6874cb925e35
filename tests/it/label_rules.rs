//! Contact labels gate what may be sent (issue 4, point 5): a template meant for some labels
//! reaches only contacts carrying one, and a label may keep documents (or every file) from its
//! contacts. The composer is told in advance; the core refuses anyway, before WhatsApp is
//! called, and the refusal is in the audit trail.

use countersign_sim::Customer;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

const PNG: &[u8] = countersign_sim::customers::DEMO_PHOTO;

struct Shop {
    served: Served,
    agent: String,
    admin: String,
    dealer: i64,
    contact: i64,
}

/// Ana has written (her window is open); the admin made a Dealer label and two templates, one
/// of them for dealers only.
async fn shop(sim: &countersign_sim::GraphSim) -> Shop {
    let served = Served::new(&sim.base_url()).await;
    let ana = Customer { wa_id: "16505550101".to_owned(), name: "Ana Souza".to_owned() };
    assert_eq!(served.customer_writes(&ana, "wamid.hi", "Do you sell to trade?").await, 200);
    let (admin, _) = served.admin_stepped_up(&served.http).await;
    let dealer: Value =
        served.post("/api/v1/labels", Some(&admin), json!({ "name": "Dealer" })).await.json().await.unwrap();
    let dealer = dealer["id"].as_i64().unwrap();
    for (name, body) in [
        ("trade_prices", "Hello {{1}}, this month's trade prices are attached."),
        ("we_are_here", "Hello {{1}}, how can we help?"),
    ] {
        let template = json!({ "name": name, "language": "en_GB", "category": "UTILITY", "body": body });
        assert_eq!(served.post("/api/v1/templates", Some(&admin), template).await.status(), 200);
    }
    let audience = json!({ "labels": [dealer] });
    let response = served
        .request_json(Method::PUT, "/api/v1/templates/trade_prices/en_GB/audience", &admin, audience)
        .await;
    assert_eq!(response.status(), 200);
    let template: Value = response.json().await.unwrap();
    assert_eq!(template["audience"][0]["name"], "Dealer");
    let agent = served.login().await;
    let contacts: Value = served.get("/api/v1/contacts", Some(&agent)).await.json().await.unwrap();
    let contact = contacts[0]["id"].as_i64().unwrap();
    Shop { served, agent, admin, dealer, contact }
}

async fn options(shop: &Shop) -> Value {
    let response = shop.served.get("/api/v1/conversations/1/sending-options", Some(&shop.agent)).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn send_template(shop: &Shop, name: &str) -> (u16, Value) {
    let body = json!({ "name": name, "language": "en_GB", "values": ["Ana"] });
    let response = shop.served.post("/api/v1/conversations/1/templates", Some(&shop.agent), body).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn send_file(shop: &Shop, filename: &str, mime: &str, bytes: &[u8]) -> (u16, Value) {
    let response = shop
        .served
        .http
        .post(format!("http://{}/api/v1/conversations/1/media?filename={filename}", shop.served.addr))
        .bearer_auth(&shop.agent)
        .header("content-type", mime)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn denials(shop: &Shop) -> usize {
    let trail = shop.served.site.core.store().audit_records().await.unwrap();
    trail.iter().filter(|r| r.action == "access.denied" && r.detail.contains("LabelRule")).count()
}

fn names(options: &Value) -> Vec<&str> {
    options["templates"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_template_for_dealers_reaches_only_contacts_labelled_dealer() {
    let sim = graph_sim().await;
    let shop = shop(&sim).await;

    let before = options(&shop).await;
    assert_eq!(names(&before), ["we_are_here"], "the composer offers only what may be sent");
    assert_eq!(before["templates_withheld"], 1);
    let (status, refusal) = send_template(&shop, "trade_prices").await;
    assert_eq!(status, 403, "{refusal}");
    assert!(
        refusal["message"].as_str().unwrap().contains("only for contacts with certain labels"),
        "{refusal}"
    );
    assert!(sim.received().is_empty(), "nothing refused reached WhatsApp");
    assert_eq!(denials(&shop).await, 1, "the refusal is audited");

    // The agent labels Ana a dealer: the template is offered and goes out.
    let label = json!({ "label": shop.dealer });
    let labelled = shop
        .served
        .post(&format!("/api/v1/contacts/{}/labels", shop.contact), Some(&shop.agent), label)
        .await;
    assert_eq!(labelled.status(), 200);
    assert_eq!(names(&options(&shop).await), ["trade_prices", "we_are_here"]);
    let (status, sent) = send_template(&shop, "trade_prices").await;
    assert_eq!((status, &sent["status"]), (201, &json!("accepted")), "{sent}");
    assert_eq!(sim.received()[0]["template"]["name"], "trade_prices");
}

#[tokio::test]
async fn a_label_keeps_documents_or_every_file_from_its_contacts() {
    let sim = graph_sim().await;
    let shop = shop(&sim).await;
    let label = json!({ "label": shop.dealer });
    shop.served.post(&format!("/api/v1/contacts/{}/labels", shop.contact), Some(&shop.agent), label).await;
    let pdf = b"%PDF-1.7\nprices".as_slice();
    assert_eq!(options(&shop).await["files"], "any");

    let policy = |files: &str| json!({ "name": "Dealer", "files": files });
    let path = format!("/api/v1/labels/{}", shop.dealer);
    let saved = shop.served.request_json(Method::PUT, &path, &shop.admin, policy("no_documents")).await;
    assert_eq!(saved.status(), 200);
    assert_eq!(saved.json::<Value>().await.unwrap()["files"], "no_documents");
    let offered = options(&shop).await;
    assert_eq!(offered["files"], "no_documents");
    assert!(offered["files_note"].as_str().unwrap().contains("labelled Dealer"), "{offered}");
    let (status, refusal) = send_file(&shop, "prices.pdf", "application/pdf", pdf).await;
    assert_eq!(status, 403, "{refusal}");
    assert_eq!(
        refusal["message"],
        "documents may not be sent to contacts labelled Dealer; photos, videos and audio may"
    );
    let (status, sent) = send_file(&shop, "runners.png", "image/png", PNG).await;
    assert_eq!(status, 201, "a photo still goes: {sent}");

    shop.served.request_json(Method::PUT, &path, &shop.admin, policy("none")).await;
    let (status, refusal) = send_file(&shop, "runners.png", "image/png", PNG).await;
    assert_eq!(status, 403, "{refusal}");
    assert_eq!(refusal["message"], "no files may be sent to contacts labelled Dealer");
    assert_eq!(sim.received().len(), 1, "only the photo reached WhatsApp");
    assert_eq!(denials(&shop).await, 2);

    let unknown = shop.served.request_json(Method::PUT, &path, &shop.admin, policy("some")).await;
    assert_eq!(unknown.status(), 422);
}

#[tokio::test]
async fn a_label_a_template_is_meant_for_cannot_be_deleted_from_under_it() {
    let sim = graph_sim().await;
    let shop = shop(&sim).await;
    let path = format!("/api/v1/labels/{}", shop.dealer);

    let refused = shop.served.delete(&path, Some(&shop.admin)).await;
    assert_eq!(refused.status(), 409);
    let refusal: Value = refused.json().await.unwrap();
    assert!(refusal["message"].as_str().unwrap().contains("trade_prices (en_GB)"), "{refusal}");

    let agent_tries = shop
        .served
        .request_json(
            Method::PUT,
            "/api/v1/templates/trade_prices/en_GB/audience",
            &shop.agent,
            json!({ "labels": [] }),
        )
        .await;
    assert_eq!(agent_tries.status(), 403, "only template managers change an audience");
    let opened = shop
        .served
        .request_json(
            Method::PUT,
            "/api/v1/templates/trade_prices/en_GB/audience",
            &shop.admin,
            json!({ "labels": [] }),
        )
        .await;
    assert_eq!(opened.status(), 200);
    assert_eq!(shop.served.delete(&path, Some(&shop.admin)).await.status(), 204);
    assert_eq!(names(&options(&shop).await), ["trade_prices", "we_are_here"]);

    let trail = shop.served.site.core.store().audit_records().await.unwrap();
    let changes: Vec<&str> =
        trail.iter().filter(|r| r.action == "template.audience").map(|r| r.detail.as_str()).collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(
        changes[1].contains(&format!("label:{}", shop.dealer)),
        "before and after are recorded: {changes:?}"
    );
}
