//! Privacy requests (issue 11 point 4): Ana asks what the shop holds about her, gets all of it
//! in a zip (her messages unmasked, her photo, the staff's notes, her fields), and then asks to
//! be erased. The erasure waits for the legal hold on her to be released, takes her name typed
//! as a confirmation, and leaves nothing of her in the file — messages, files, raw deliveries,
//! the outbox, the search index, notes, fields — while the audit trail keeps what was done,
//! by whom and when, under a pseudonym, and still verifies. Ben, who wrote too, is untouched.

use std::io::Read;
use std::time::Duration;

use countersign_sim::customers::{inbound, send_message};
use countersign_sim::Customer;
use rstest::rstest;
use serde_json::{json, Value};

use crate::matrix::{add_user, signed_in, stepped_up, Caller, PASSWORD};
use crate::support::*;

const PNG: &[u8] = countersign_sim::customers::DEMO_PHOTO;
const ANA_WORDS: &str = "periwinkle sandals";
const CARD: &str = "4111 1111 1111 1111";

fn ana() -> Customer {
    Customer { wa_id: "447700900301".to_owned(), name: "Ana Souza".to_owned() }
}

fn ben() -> Customer {
    Customer { wa_id: "447700900302".to_owned(), name: "Ben Okafor".to_owned() }
}

/// The id of the contact and conversation of the customer whose WhatsApp id is `wa_id`.
async fn ids(served: &Served, wa_id: &str) -> (i64, i64) {
    let dir = served.site.dir.path();
    let contact = peek(dir, &format!("SELECT id FROM contacts WHERE wa_id = '{wa_id}'")).await;
    let conversation = peek(dir, &format!("SELECT id FROM conversations WHERE contact_id = {contact}")).await;
    (contact, conversation)
}

/// Waits until every file has been fetched.
async fn files_settled(served: &Served) {
    for _ in 0..200 {
        let sql = "SELECT count(*) FROM media WHERE state IN ('pending', 'fetching')";
        if peek(served.site.dir.path(), sql).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the files were never fetched");
}

/// A zip's entries by name.
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().to_owned(), content)
        })
        .collect()
}

#[tokio::test]
async fn a_customer_gets_everything_held_about_her_and_then_is_erased() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let webhook = target(served.addr);
    // Ana writes with her card and a photo; Ben writes too.
    let text = inbound::text(&format!("My card is {CARD}, the {ANA_WORDS} pinch"));
    assert_eq!(send_message(&served.http, &webhook, &ana(), "wamid.ana1", text).await.unwrap(), 200);
    let photo = sim.add_media("image/png", PNG.to_vec());
    let picture = inbound::media_file("image", &photo, Some("the strap"));
    assert_eq!(send_message(&served.http, &webhook, &ana(), "wamid.ana2", picture).await.unwrap(), 200);
    assert_eq!(served.customer_writes(&ben(), "wamid.ben1", "Do you open on Sunday?").await, 200);
    files_settled(&served).await;
    let (ana_contact, ana_chat) = ids(&served, &ana().wa_id).await;

    // The shop works with her: a reply, a private note, a field, a reveal with a reason.
    add_user(&served, "dora.admin", "admin", &[]).await;
    add_user(&served, "olga.owner", "owner", &[]).await;
    let (admin, _) = stepped_up(&served, "dora.admin", PASSWORD).await;
    let messages = format!("/api/v1/conversations/{ana_chat}/messages");
    admin.json("POST", &messages, Some(json!({ "text": format!("Sorry about the {ANA_WORDS}, Ana") }))).await;
    let note = json!({ "text": format!("Ana Souza: {ANA_WORDS} returned in store") });
    admin.json("POST", &format!("/api/v1/conversations/{ana_chat}/notes"), Some(note)).await;
    let field = admin
        .json("POST", "/api/v1/contact-fields", Some(json!({ "name": "Shoe size", "class": "none" })))
        .await["id"]
        .as_i64()
        .unwrap();
    admin
        .json(
            "PUT",
            &format!("/api/v1/contacts/{ana_contact}/fields/{field}"),
            Some(json!({ "value": "39" })),
        )
        .await;
    let first = thread_ids(&admin, ana_chat).await[0];
    let reason = json!({ "reason": "Ana Souza asked which card she had used" });
    admin.json("POST", &format!("/api/v1/messages/{first}/reveal"), Some(reason)).await;
    // Someone searched the trail for her.
    admin.json("GET", &format!("/api/v1/audit?target=contact:{ana_contact}"), None).await;

    // 1. Her copy of everything: a zip the admin downloads, after step-up, recorded first.
    let export = format!("/api/v1/contacts/{ana_contact}/privacy-export");
    let response = admin.call("POST", &export, None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let zip = entries(&response.bytes().await.unwrap());
    let names: Vec<&str> = zip.iter().map(|(n, _)| n.as_str()).collect();
    let photo_message = thread_ids(&admin, ana_chat).await[1];
    assert_eq!(names, ["contact.json".to_owned(), format!("media/{photo_message}.png")]);
    assert_eq!(zip[1].1, PNG, "her photo, byte for byte");
    let document: Value = serde_json::from_slice(&zip[0].1).unwrap();
    assert_eq!(document["format"], "countersign-contact-export/1");
    assert_eq!(document["contact"]["whatsapp_id"], ana().wa_id);
    assert_eq!(document["contact"]["fields"], json!([{ "name": "Shoe size", "value": "39" }]));
    let conversation = &document["conversations"][0];
    let texts: Vec<&str> =
        conversation["messages"].as_array().unwrap().iter().filter_map(|m| m["text"].as_str()).collect();
    assert!(texts.iter().any(|t| t.contains(CARD)), "her own card, unmasked: {texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("Sorry about")), "the shop's replies to her");
    assert_eq!(
        conversation["messages"][0]["whatsapp"]["id"], "wamid.ana1",
        "WhatsApp's JSON of each message"
    );
    assert!(conversation["staff_notes"][0]["text"].as_str().unwrap().contains(ANA_WORDS));
    assert!(!String::from_utf8_lossy(&zip[0].1).contains("dora.admin"), "staff are not named");
    assert!(!String::from_utf8_lossy(&zip[0].1).contains("Ben"), "nothing of another customer");
    let trail = served.site.core.store().audit_records().await.unwrap();
    assert!(trail
        .iter()
        .any(|r| r.action == "privacy.exported" && r.target == Some(format!("contact:{ana_contact}"))));

    // 2. Erasure: not while a legal hold keeps her, and not without her name typed.
    add_user(&served, "olga.owner2", "owner", &[]).await;
    let (owner, _) = stepped_up(&served, "olga.owner2", PASSWORD).await;
    let hold = json!({ "contact_id": ana_contact, "reason": "Case 88: a claim about the sandals" });
    let held = owner.json("POST", "/api/v1/retention/holds", Some(hold)).await;
    let erase = format!("/api/v1/contacts/{ana_contact}/erase");
    let refused = admin.call("POST", &erase, Some(json!({ "confirm_name": "Ana Souza" }))).await;
    assert_eq!(refused.status(), 409, "held");
    owner.json("DELETE", &format!("/api/v1/retention/holds/{}", held["holds"][0]["id"]), None).await;
    let wrong = admin.call("POST", &erase, Some(json!({ "confirm_name": "Ana" }))).await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("Ana Souza"));
    assert!(copies_in_file(&served, ANA_WORDS).await > 0, "nothing was erased by the refusals");

    let erased = admin.json("POST", &erase, Some(json!({ "confirm_name": "ana souza" }))).await;
    assert_eq!(
        (
            erased["conversations"].as_u64(),
            erased["messages"].as_u64(),
            erased["files"].as_u64(),
            erased["notes"].as_u64()
        ),
        (Some(1), Some(3), Some(1), Some(1)),
        "{erased}"
    );
    assert!(erased["audit_records_pseudonymised"].as_u64().unwrap() >= 5, "{erased}");
    assert_eq!(erased["audit_records_kept"], 0);
    let pseudonym = erased["pseudonym"].as_str().unwrap().to_owned();

    // Nothing of her is left: not as a contact, a conversation, a search hit, nor anywhere in
    // the file — her words, her number, her name, her card.
    assert_eq!(admin.call("GET", &format!("/api/v1/contacts/{ana_contact}"), None).await.status(), 404);
    assert_eq!(admin.call("GET", &messages, None).await.status(), 404);
    let hits = admin.json("GET", &format!("/api/v1/search?q={}", ANA_WORDS.replace(' ', "+")), None).await;
    assert_eq!(hits["hits"], json!([]));
    for words in [ANA_WORDS, ana().wa_id.as_str(), "Ana Souza", CARD] {
        assert_eq!(copies_in_file(&served, words).await, 0, "{words} is still in the file");
    }
    assert_eq!(peek(served.site.dir.path(), "SELECT count(*) FROM media WHERE bytes IS NOT NULL").await, 0);
    let trail = served.site.core.store().audit_records().await.unwrap();
    let mentions = |needle: &str| {
        trail
            .iter()
            .filter(|r| r.target.as_deref().unwrap_or("").contains(needle) || r.detail.contains(needle))
            .count()
    };
    assert_eq!(mentions(&format!("contact:{ana_contact}")), 0);
    assert_eq!(mentions(&format!("conversation:{ana_chat}")), 0);
    // The trail still says what was done, by whom and when, about someone now a pseudonym...
    let about_her: Vec<&str> = trail
        .iter()
        .filter(|r| r.target.as_deref() == Some(&format!("erased:{pseudonym}")))
        .map(|r| r.action.as_str())
        .collect();
    for kind in ["data.reveal", "privacy.exported", "privacy.erased"] {
        assert!(about_her.contains(&kind), "{kind} not kept: {about_her:?}");
    }
    // ...and it still verifies, signed checkpoints and all.
    let verified = served.site.core.operator_verify_audit(&[]).await.unwrap();
    assert!(verified.is_ok(), "{verified:?}");

    // Ben is untouched.
    let (_, ben_chat) = ids(&served, &ben().wa_id).await;
    let ben_thread = admin.json("GET", &format!("/api/v1/conversations/{ben_chat}/messages"), None).await;
    assert_eq!(ben_thread["messages"][0]["text"], "Do you open on Sunday?");
}

async fn thread_ids(caller: &Caller<'_>, conversation: i64) -> Vec<i64> {
    let thread = caller.json("GET", &format!("/api/v1/conversations/{conversation}/messages"), None).await;
    thread["messages"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect()
}

#[rstest]
#[case::manager("manager", 403)]
#[case::auditor("auditor", 403)]
#[tokio::test]
async fn only_those_who_handle_privacy_requests_may(#[case] role: &str, #[case] status: u16) {
    let served = Served::new("http://127.0.0.1:9").await;
    assert_eq!(served.customer_writes(&ana(), "wamid.1", "hello").await, 200);
    add_user(&served, "who", role, &["General"]).await;
    let caller = signed_in(&served, "who").await;
    let export = caller.call("POST", "/api/v1/contacts/1/privacy-export", None).await;
    assert_eq!(export.status(), status);
    let erase =
        caller.call("POST", "/api/v1/contacts/1/erase", Some(json!({ "confirm_name": "Ana Souza" }))).await;
    assert_eq!(erase.status(), status);
    assert!(copies_in_file(&served, "Ana Souza").await > 0, "nothing was erased");
}
