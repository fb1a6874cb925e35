//! A long conversation opens on its latest messages and is read further back a page at a time
//! (issue 12: "open a conversation, last 50 messages"). Walking back page by page shows every
//! message once, in order; a quote of a message pages back is shown, masked; a reaction or an
//! edit that came pages later shows on the message it concerns, on that message's page.

use countersign_sim::customers::{inbound, send_message};
use countersign_sim::Customer;
use rstest::rstest;
use serde_json::Value;

use crate::support::*;

fn ana() -> Customer {
    Customer { wa_id: "16505550101".to_owned(), name: "Ana Souza".to_owned() }
}

/// How many plain messages Ana writes before the quote, the reaction and the edit.
const WRITTEN: usize = 120;

/// A conversation of `WRITTEN` messages from Ana (the third with her card number), then a
/// reaction to the second, an edit of the fourth and an answer quoting the third.
async fn long_conversation() -> Served {
    let served = Served::new("http://127.0.0.1:9").await;
    let to = target(served.addr);
    for n in 0..WRITTEN {
        let text = match n {
            2 => "My card is 4111 1111 1111 1111".to_owned(),
            _ => format!("Message {n} about the blue runners"),
        };
        assert_eq!(
            send_message(&served.http, &to, &ana(), &format!("wamid.p{n}"), inbound::text(&text))
                .await
                .unwrap(),
            200
        );
    }
    for (wamid, message) in [
        ("wamid.like", inbound::reaction("wamid.p1", Some("👍"))),
        ("wamid.edit", inbound::edit("wamid.p3", "Message 3, corrected")),
        ("wamid.answer", inbound::reply("wamid.p2", "That card, please")),
    ] {
        assert_eq!(send_message(&served.http, &to, &ana(), wamid, message).await.unwrap(), 200);
    }
    served
}

async fn page(served: &Served, token: &str, query: &str) -> (u16, Value) {
    let response = served.get(&format!("/api/v1/conversations/1/messages{query}"), Some(token)).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

#[rstest]
#[case::one_at_a_time(1)]
#[case::seven(7)]
#[case::the_default(50)]
#[case::all_at_once(1000)]
#[tokio::test]
async fn walking_back_page_by_page_shows_every_message_once_in_order(#[case] limit: u32) {
    let served = long_conversation().await;
    let token = served.login().await;
    let mut shown: Vec<Value> = Vec::new();
    let mut before: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &before {
            Some(cursor) => format!("?limit={limit}&before={cursor}"),
            None => format!("?limit={limit}"),
        };
        let (status, body) = page(&served, &token, &query).await;
        assert_eq!(status, 200, "{body}");
        let messages = body["messages"].as_array().unwrap();
        assert!(messages.len() <= limit as usize, "a page holds at most what was asked");
        shown.splice(0..0, messages.iter().cloned());
        pages += 1;
        match body["earlier"].as_str() {
            Some(cursor) => before = Some(cursor.to_owned()),
            None => break,
        }
    }
    // 120 messages, the reaction, the edit and the answer: the reaction and the edit are shown
    // on what they concern, not on their own.
    assert_eq!(pages, (WRITTEN + 3).div_ceil(limit as usize));
    let texts: Vec<&str> = shown.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), WRITTEN + 1, "every message once: {texts:?}");
    let ids: Vec<i64> = shown.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first, none twice: {ids:?}");
    assert_eq!(shown[1]["reaction"], "👍", "the reaction shows on the message it concerns");
    assert_eq!(
        (shown[3]["text"].as_str(), &shown[3]["edited"]),
        (Some("Message 3, corrected"), &Value::Bool(true))
    );
    let answer = shown.last().unwrap();
    assert_eq!(answer["text"], "That card, please");
    assert_eq!(
        answer["quote"], "My card is **** **** **** 1111",
        "the quote is shown, masked, pages back or not"
    );
    assert!(!shown.iter().any(|m| m["content"]["type"] == "notice"), "nothing shown twice as a notice");
}

#[tokio::test]
async fn a_conversation_opens_on_its_latest_fifty() {
    let served = long_conversation().await;
    let token = served.login().await;
    let (status, body) = page(&served, &token, "").await;
    assert_eq!(status, 200);
    let messages = body["messages"].as_array().unwrap();
    // The latest 50 of the thread hold the reaction and the edit, shown on their messages pages
    // back: 48 are shown here.
    assert_eq!(messages.len(), 48);
    assert_eq!(messages.last().unwrap()["text"], "That card, please");
    assert_eq!(messages[0]["text"], "Message 73 about the blue runners");
    assert!(body["earlier"].is_string());
}

#[rstest]
#[case::not_a_number("?before=yesterday")]
#[case::another_conversations_message("?before={bens}")]
#[case::none("?limit=0")]
#[case::too_many("?limit=1001")]
#[case::negative("?limit=-1")]
#[tokio::test]
async fn a_page_that_is_not_one_is_refused_with_why(#[case] query: &str) {
    let served = Served::new("http://127.0.0.1:9").await;
    served.customer_writes(&ana(), "wamid.a", "Hello").await;
    let ben = Customer { wa_id: "16505550102".to_owned(), name: "Ben Okafor".to_owned() };
    served.customer_writes(&ben, "wamid.b", "Hi").await;
    let token = served.login().await;
    let bens = served.thread(&token, 2).await[0]["id"].to_string();
    let (status, body) = page(&served, &token, &query.replace("{bens}", &bens)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["message"].as_str().unwrap().contains("page"), "{body}");
}
