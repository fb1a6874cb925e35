//! Every real webhook payload in `../shared/whatsapp-payloads` is accepted and stored without
//! loss: its bytes verbatim, and every message, status and other change it carried.

use std::path::PathBuf;

use rstest::rstest;
use serde_json::Value;

use countersign::api::inbox::ThreadRequest;
use countersign::api::session::{LoginRequest, Origin};

use crate::support::*;

/// What a delivery should leave in the store, counted independently of the parser.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    messages: i64,
    statuses: i64,
    events: i64,
}

fn has_text(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_str).is_some_and(|s| !s.is_empty())
}

fn expected(payload: &Value) -> Expected {
    let mut e = Expected::default();
    let changes = payload["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|en| en["changes"].as_array().into_iter().flatten());
    for change in changes {
        let value = &change["value"];
        let (list, party) = match change["field"].as_str() {
            Some("messages") => ("messages", "from"),
            Some("smb_message_echoes") => ("message_echoes", "to"),
            _ => {
                e.events += 1;
                continue;
            }
        };
        for m in value[list].as_array().into_iter().flatten() {
            let identified = has_text(m, party) || has_text(m, &format!("{party}_user_id")) || {
                // the only contact of the change identifies the customer
                value["contacts"]
                    .as_array()
                    .is_some_and(|c| c.len() == 1 && (has_text(&c[0], "wa_id") || has_text(&c[0], "user_id")))
            };
            if has_text(m, "id") && identified {
                e.messages += 1;
            } else {
                e.events += 1;
            }
        }
        for s in value["statuses"].as_array().into_iter().flatten() {
            if has_text(s, "id") && has_text(s, "status") {
                e.statuses += 1;
            } else {
                e.events += 1;
            }
        }
        let carries_errors = value.get("errors").is_some();
        let carries_nothing =
            list == "messages" && value.get("messages").is_none() && value.get("statuses").is_none();
        if carries_errors || carries_nothing {
            e.events += 1;
        }
    }
    e
}

#[rstest]
#[tokio::test]
async fn every_real_webhook_is_stored_without_loss(
    #[files("../shared/whatsapp-payloads/*.json")] path: PathBuf,
) {
    let bytes = std::fs::read(&path).unwrap();
    let payload: Value = serde_json::from_slice(&bytes).unwrap();
    if payload.get("entry").is_none() {
        return graph_api_payload(&path, &bytes, &payload);
    }
    let site = site("http://127.0.0.1:9").await;
    let signature = countersign_sim::customers::sign(APP_SECRET, &bytes);
    let receipt = site.core.receive_webhook(Some(&signature), &bytes).await.unwrap();
    let want = expected(&payload);
    let stats = site.core.stats().await.unwrap();
    assert_eq!(
        Expected { messages: stats.messages, statuses: stats.statuses, events: stats.events },
        want,
        "{} stored differently than it carried ({receipt:?})",
        path.display()
    );
    assert_eq!(
        site.core.store().delivery_bodies().await.unwrap(),
        vec![bytes],
        "raw delivery kept byte for byte"
    );
    every_message_reads_as_what_it_is(&site, &payload, &path).await;
}

/// The inbox shows each stored message as its type, "unsupported" only where WhatsApp itself
/// sent no content to show; every message has words for lists and notifications.
async fn every_message_reads_as_what_it_is(site: &Site, payload: &Value, path: &std::path::Path) {
    use countersign::api::views::ContentView;
    let request = LoginRequest { username: ADMIN.to_owned(), password: secret(ADMIN_PASSWORD) };
    let token = site.core.login(request, Origin::Desktop, "test").await.unwrap().token;
    let mut unsupported = 0;
    let mut shown = 0;
    for conversation in site.core.list_conversations(&token).await.unwrap() {
        let id = countersign::domain::ConversationId::new(conversation.id);
        for message in
            site.core.conversation_messages(&token, id, ThreadRequest::default()).await.unwrap().messages
        {
            assert!(!message.text.is_empty(), "{}: message {} has no words", path.display(), message.id);
            unsupported += usize::from(matches!(message.content, ContentView::Unsupported { .. }));
            shown += 1;
        }
    }
    let sent_without_content = |m: &Value| {
        let kind = m["type"].as_str().unwrap_or("unsupported");
        kind == "unsupported" || m.get(kind).is_none()
    };
    let changes = payload["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten());
    let expected = changes
        .flat_map(|c| {
            let list = if c["field"] == "smb_message_echoes" { "message_echoes" } else { "messages" };
            c["value"][list].as_array().cloned().unwrap_or_default()
        })
        .filter(|m| m.get("id").is_some() && sent_without_content(m))
        .count();
    assert_eq!(unsupported, expected.min(shown), "{}: a known type shown as unsupported", path.display());
}

/// A payload of the Graph API itself (not a webhook): what Countersign and the simulator make of it.
fn graph_api_payload(path: &std::path::Path, bytes: &[u8], payload: &Value) {
    use countersign::channel::whatsapp::client::{
        explain, parse_graph_error, parse_send_response, GENERIC_REFUSAL,
    };
    use countersign_sim::{accepts, Accepted};
    let name = path.file_name().unwrap().to_string_lossy();
    if payload.get("error").is_some() {
        let error = parse_graph_error(bytes).unwrap_or_else(|| panic!("{name}: not read as a Graph error"));
        assert_ne!(
            explain(error.code),
            GENERIC_REFUSAL,
            "{name}: code {} has no explanation for staff",
            error.code
        );
    } else if payload.get("messages").is_some() {
        let id = parse_send_response(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(id.starts_with("wamid."), "{name}: {id}");
    } else if payload.get("to").is_some() || payload.get("message_id").is_some() {
        let expected =
            if payload.get("status").is_some() { Accepted::ReadReceipt } else { Accepted::Message };
        assert_eq!(accepts(payload), expected, "{name}: the simulator must take every real send request");
    } else {
        // The two remaining answers: mark-as-read's `{"success": true}` and a media upload's id.
        let known = payload["success"] == Value::Bool(true)
            || payload["id"].as_str().is_some_and(|id| !id.is_empty());
        assert!(known, "{name}: an unrecognised Graph payload");
    }
}

#[test]
fn the_corpus_is_all_there() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/whatsapp-payloads");
    let count = std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "json"))
        .count();
    assert_eq!(count, 132);
}
