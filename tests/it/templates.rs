//! Templates (issue 5): the catalog synchronised from the Graph API, kept current by Meta's
//! status webhooks, and the only thing sent once a customer's 24-hour window has closed.

use countersign_sim::customers::{deliver, sign, text_webhook, to_ascii_json};
use countersign_sim::{Customer, GraphSim};
use serde_json::{json, Value};

use crate::support::*;

const WABA: &str = "102290129340398";

/// A site whose only customer last wrote 25 hours ago, an agent's token and an admin's.
async fn window_closed(sim: &GraphSim) -> (Served, String, String) {
    let served = Served::new(&sim.base_url()).await;
    let ben = Customer { wa_id: "447700900202".to_owned(), name: "Ben Okafor".to_owned() };
    let yesterday = countersign_sim::customers::now_unix_seconds() - 25 * 3600;
    let body = text_webhook(&target(served.addr), &ben, "wamid.old", "Is my order ready?", yesterday);
    let status =
        deliver(&served.http, &target(served.addr).url, &sign(APP_SECRET, &body), body).await.unwrap();
    assert_eq!(status, 200);
    let (admin, _) = served.admin_stepped_up(&served.http).await;
    let channel = json!({ "phone_number_id": PHONE_NUMBER_ID, "business_account_id": WABA });
    let response =
        served.request_json(reqwest::Method::PUT, "/api/v1/settings/channel", &admin, channel).await;
    assert_eq!(response.status(), 200);
    let agent = served.login().await;
    (served, agent, admin)
}

async fn send_template(served: &Served, agent: &str, name: &str, values: &[&str]) -> (u16, Value) {
    let body = json!({ "name": name, "language": "en_GB", "values": values });
    let response = served.post("/api/v1/conversations/1/templates", Some(agent), body).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn after_the_window_closes_only_an_approved_template_with_its_values_goes_out() {
    let sim = graph_sim().await;
    let (served, agent, admin) = window_closed(&sim).await;

    let synced: Vec<Value> =
        served.post("/api/v1/templates/sync", Some(&admin), json!({})).await.json().await.unwrap();
    let names: Vec<(&str, &str)> =
        synced.iter().map(|t| (t["name"].as_str().unwrap(), t["status"].as_str().unwrap())).collect();
    assert_eq!(
        names,
        [
            ("order_ready", "APPROVED"),
            ("order_shipped", "APPROVED"),
            ("trade_prices", "APPROVED"),
            ("we_are_here", "APPROVED"),
            ("we_reply_soon", "APPROVED"),
            ("winter_sale", "PENDING")
        ]
    );
    assert_eq!(synced[0]["slots"].as_array().unwrap().len(), 4, "header {{1}} and body {{1}}-{{3}}");

    let text = served.post("/api/v1/conversations/1/messages", Some(&agent), json!({ "text": "Yes!" })).await;
    assert_eq!(text.status(), 422);
    let refusal: Value = text.json().await.unwrap();
    assert!(refusal["message"].as_str().unwrap().contains("24 hours"), "{refusal}");

    let (status, refusal) = send_template(&served, &agent, "winter_sale", &["Monday"]).await;
    assert_eq!(status, 422);
    assert!(refusal["message"].as_str().unwrap().contains("not approved"), "{refusal}");
    let (status, refusal) = send_template(&served, &agent, "order_ready", &["4471"]).await;
    assert_eq!(status, 422);
    assert!(refusal["message"].as_str().unwrap().contains("needs 4 value"), "{refusal}");
    assert!(sim.received().is_empty(), "nothing refused reached WhatsApp");

    let (status, sent) =
        send_template(&served, &agent, "order_ready", &["4471", "Ben", "4471", "Leeds, Briggate"]).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["status"], "accepted", "the simulated Graph API took it: {sent}");
    assert_eq!(
        sent["text"],
        "Order 4471\nHi Ben, your order 4471 is ready to collect at Leeds, Briggate.\nReply STOP to opt out"
    );
    let received = sim.received();
    assert_eq!(received[0]["type"], "template");
    assert_eq!(
        received[0]["template"]["components"][1]["parameters"],
        json!([{ "type": "text", "text": "Ben" }, { "type": "text", "text": "4471" }, { "type": "text", "text": "Leeds, Briggate" }])
    );
}

#[tokio::test]
async fn a_templates_tracking_link_is_filled_in_and_its_buttons_reach_the_customer() {
    let sim = graph_sim().await;
    let (served, agent, admin) = window_closed(&sim).await;
    served.post("/api/v1/templates/sync", Some(&admin), json!({})).await;
    let catalog: Vec<Value> = served.get("/api/v1/templates", Some(&agent)).await.json().await.unwrap();
    let shipped = catalog.iter().find(|t| t["name"] == "order_shipped").unwrap();
    assert_eq!(
        shipped["slots"],
        json!([{ "part": "body", "name": "1", "button": null }, { "part": "button", "name": "1", "button": "Track parcel" }])
    );

    let (status, refusal) = send_template(&served, &agent, "order_shipped", &["Ben"]).await;
    assert_eq!(status, 422, "the link's value is missing: {refusal}");
    let (status, sent) = send_template(&served, &agent, "order_shipped", &["Ben", "JD0142"]).await;
    assert_eq!((status, &sent["status"]), (201, &json!("accepted")), "{sent}");
    assert_eq!(
        sent["text"],
        "Good news Ben: your order is on its way.\n[Track parcel: https://track.example/parcel/JD0142]\n[Call me back]"
    );
    let components = &sim.received()[0]["template"]["components"];
    assert_eq!(
        components[1],
        json!({ "type": "button", "sub_type": "url", "index": "0", "parameters": [{ "type": "text", "text": "JD0142" }] })
    );
}

#[tokio::test]
async fn a_template_with_a_photo_header_is_listed_but_refused_with_the_reason() {
    let sim = graph_sim().await;
    let mut templates = countersign_sim::default_templates();
    templates.push(json!({ "name": "new_arrivals", "language": "en_GB", "status": "APPROVED", "category": "MARKETING", "id": "1006",
        "components": [ { "type": "HEADER", "format": "IMAGE", "example": { "header_handle": ["4::aW1hZ2U="] } },
                        { "type": "BODY", "text": "New this week, {{1}}!" } ] }));
    sim.set_templates(templates);
    let (served, agent, admin) = window_closed(&sim).await;
    served.post("/api/v1/templates/sync", Some(&admin), json!({})).await;
    let catalog: Vec<Value> = served.get("/api/v1/templates", Some(&agent)).await.json().await.unwrap();
    let arrivals = catalog.iter().find(|t| t["name"] == "new_arrivals").unwrap();
    assert_eq!(arrivals["media_header"], "IMAGE");

    let options: Value =
        served.get("/api/v1/conversations/1/sending-options", Some(&agent)).await.json().await.unwrap();
    let offered: Vec<&str> =
        options["templates"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(!offered.contains(&"new_arrivals"), "not offered: {offered:?}");
    let (status, refusal) = send_template(&served, &agent, "new_arrivals", &["Ben"]).await;
    assert_eq!(status, 422);
    assert!(refusal["message"].as_str().unwrap().contains("header is a photo"), "{refusal}");
    assert!(sim.received().is_empty(), "nothing WhatsApp would refuse was sent");
}

#[tokio::test]
async fn metas_review_of_a_template_updates_the_catalog() {
    let sim = graph_sim().await;
    let (served, agent, admin) = window_closed(&sim).await;
    served.post("/api/v1/templates/sync", Some(&admin), json!({})).await;

    let review = to_ascii_json(
        &json!({ "object": "whatsapp_business_account", "entry": [{ "id": WABA, "time": 1, "changes": [{
        "field": "message_template_status_update",
        "value": { "event": "APPROVED", "message_template_id": 1003, "message_template_name": "winter_sale",
                   "message_template_language": "en-GB", "reason": "NONE", "message_template_category": "MARKETING" } }] }] }),
    );
    let status =
        deliver(&served.http, &target(served.addr).url, &sign(APP_SECRET, &review), review).await.unwrap();
    assert_eq!(status, 200);
    let catalog: Vec<Value> = served.get("/api/v1/templates", Some(&agent)).await.json().await.unwrap();
    let winter = catalog.iter().find(|t| t["name"] == "winter_sale").unwrap();
    assert_eq!(winter["status"], "APPROVED");
    let (status, sent) = send_template(&served, &agent, "winter_sale", &["Monday"]).await;
    assert_eq!(status, 201, "{sent}");
}

#[tokio::test]
async fn in_standalone_mode_an_admin_enters_templates_by_hand() {
    let sim = graph_sim().await;
    let (served, agent, admin) = window_closed(&sim).await;
    let template = json!({ "name": "we_are_here", "language": "en_GB", "category": "utility",
                           "body": "Hello {{1}}, we saw your message after hours. How can we help today?" });
    let saved = served.post("/api/v1/templates", Some(&admin), template).await;
    assert_eq!(saved.status(), 200);
    let refused = served
        .post(
            "/api/v1/templates",
            Some(&agent),
            json!({ "name": "x", "language": "en", "category": "UTILITY", "body": "x" }),
        )
        .await;
    assert_eq!(refused.status(), 403, "an agent may not add templates");
    let (status, sent) = send_template(&served, &agent, "we_are_here", &["Ben"]).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["status"], "accepted");
}
