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
        let thread: Vec<Value> =
            served.get("/api/v1/conversations/1/messages", Some(&token)).await.json().await.unwrap();
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
