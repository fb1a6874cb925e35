//! Media customers send (issue 5): fetched from the Graph API in the background, checked
//! (size, type, the SHA-256 WhatsApp declared), kept in the encrypted store, and handed only to
//! someone who may read the conversation.

use std::time::Duration;

use countersign_sim::customers::{inbound, send_message};
use countersign_sim::Customer;
use rstest::rstest;
use serde_json::{json, Value};

use crate::support::*;

/// A real PNG (the demo's photo).
const PNG: &[u8] = countersign_sim::customers::DEMO_PHOTO;

fn ana() -> Customer {
    Customer { wa_id: "16505550101".to_owned(), name: "Ana Souza".to_owned() }
}

/// Ana sends `message`; returns the agent's token and the message once its file is settled.
async fn sent(served: &Served, message: Value) -> (String, Value) {
    let status =
        send_message(&served.http, &target(served.addr), &ana(), "wamid.media1", message).await.unwrap();
    assert_eq!(status, 200);
    let token = served.login().await;
    for _ in 0..100 {
        let thread = served.thread(&token, 1).await;
        let message = thread.into_iter().next().unwrap();
        if message["content"]["file"] != "pending" {
            return (token, message);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the file was never settled");
}

#[tokio::test]
async fn a_photo_is_fetched_checked_kept_and_given_only_to_those_who_see_the_chat() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let photo = sim.add_media("image/png", PNG.to_vec());
    let (token, message) = sent(&served, inbound::media_file("image", &photo, Some("This pair"))).await;
    assert_eq!(message["content"]["file"], "stored", "{message}");
    assert_eq!(message["content"]["size"], PNG.len());
    assert_eq!(message["text"], "Photo: This pair");

    let path = format!("/api/v1/messages/{}/media", message["id"]);
    let response = served.get(&path, Some(&token)).await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(
        (header("content-type"), header("x-content-type-options"), header("content-disposition")),
        ("image/png".to_owned(), "nosniff".to_owned(), "attachment".to_owned())
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG, "the customer's file, byte for byte");

    assert_eq!(served.get(&path, None).await.status(), 401, "not without signing in");
    assert_eq!(served.get("/api/v1/messages/999/media", Some(&token)).await.status(), 404);
}

#[rstest]
#[case::checksum_does_not_match("image", "image/png", PNG.to_vec(), Some("mYsha256doesnotmatchthefileatall0000000000000="), "did not match")]
#[case::a_web_page_as_a_document("document", "text/html", b"<script>alert(1)</script>".to_vec(), None, "not allowed")]
#[case::a_sticker_over_its_limit("sticker", "image/webp", vec![0_u8; 600 * 1024], None, "larger than WhatsApp allows")]
#[tokio::test]
async fn a_file_that_fails_its_checks_is_not_kept_and_the_agent_sees_why(
    #[case] kind: &str,
    #[case] mime: &str,
    #[case] bytes: Vec<u8>,
    #[case] declared_sha256: Option<&str>,
    #[case] why: &str,
) {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let file = sim.add_media(mime, bytes);
    let mut message = inbound::media_file(kind, &file, None);
    if let Some(declared) = declared_sha256 {
        message[kind]["sha256"] = json!(declared);
    }
    let (token, message) = sent(&served, message).await;
    assert_eq!(message["content"]["file"], "refused", "{message}");
    assert!(message["content"]["problem"].as_str().unwrap().contains(why), "{message}");
    let path = format!("/api/v1/messages/{}/media", message["id"]);
    assert_eq!(served.get(&path, Some(&token)).await.status(), 404, "nothing kept to hand out");
}

#[tokio::test]
async fn a_file_whatsapp_no_longer_has_is_reported_not_retried_forever() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (_, message) = sent(&served, inbound::media("image", "404404404", Some("old photo"))).await;
    assert_eq!(message["content"]["file"], "failed", "{message}");
    assert!(message["content"]["problem"].as_str().unwrap().contains("no longer has"), "{message}");
}

#[tokio::test]
async fn an_agent_sends_a_photo_and_a_large_document_and_the_customer_gets_them() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    assert_eq!(served.customer_writes(&ana(), "wamid.hi", "Can I see it?").await, 200);
    let token = served.login().await;
    let upload = |query: &str, mime: &str, bytes: Vec<u8>| {
        served
            .http
            .post(format!("http://{}/api/v1/conversations/1/media?{query}", served.addr))
            .bearer_auth(&token)
            .header("content-type", mime)
            .body(bytes)
            .send()
    };

    let response =
        upload("filename=runners.png&caption=Size%2039%2C%20blue", "image/png", PNG.to_vec()).await.unwrap();
    assert_eq!(response.status(), 201);
    let sent: Value = response.json().await.unwrap();
    assert_eq!((&sent["status"], &sent["text"]), (&json!("accepted"), &json!("Photo: Size 39, blue")));
    assert_eq!(sent["content"]["file"], "stored", "the thread shows what was sent");
    let request = &sim.received()[0];
    assert_eq!(request["type"], "image");
    assert_eq!(request["image"]["caption"], "Size 39, blue");
    let uploaded = sim.media(request["image"]["id"].as_str().unwrap()).unwrap();
    assert_eq!(
        (uploaded.bytes.as_slice(), uploaded.mime_type.as_str()),
        (PNG, "image/png"),
        "uploaded as is"
    );

    // Larger than the API's general 1 MiB limit; a path in the name is dropped.
    let pdf = [b"%PDF-1.7\n".as_slice(), &vec![b'x'; 2 * 1024 * 1024]].concat();
    let response =
        upload("filename=..%2F..%2Freceipt%204471.pdf", "application/pdf", pdf.clone()).await.unwrap();
    assert_eq!(response.status(), 201);
    let request = &sim.received()[1];
    assert_eq!(
        (&request["type"], &request["document"]["filename"]),
        (&json!("document"), &json!("receipt 4471.pdf"))
    );
    assert_eq!(sim.media(request["document"]["id"].as_str().unwrap()).unwrap().bytes, pdf);

    let response = upload("filename=page.html", "text/html", b"<script>".to_vec()).await.unwrap();
    assert_eq!(response.status(), 422, "a web page is not sent");
    assert_eq!(sim.received().len(), 2);
}
