//! Every inbound message type (issue 5) reaches the inbox as what it is: a customer of the
//! simulator sends each one as a signed webhook, and the agent's thread over the HTTP API
//! shows it by type, with reactions, edits and deletions on the message they concern.

use countersign_sim::customers::{inbound, now_unix_seconds, send_message};
use countersign_sim::Customer;
use serde_json::{json, Value};

use crate::support::*;

fn ana() -> Customer {
    Customer { wa_id: "16505550101".to_owned(), name: "Ana Souza".to_owned() }
}

/// Sends `messages` (wamid, message) from Ana, all written in the same second, and returns the
/// agent's view of the thread. One instant for all: the reply window follows the customer's
/// latest message, reactions included, which the thread folds away and so cannot show.
async fn thread_after(messages: Vec<(&str, Value)>) -> Vec<Value> {
    let served = Served::new("http://127.0.0.1:9").await;
    let written = now_unix_seconds();
    for (wamid, mut message) in messages {
        message["timestamp"] = json!(written.to_string());
        let status = send_message(&served.http, &target(served.addr), &ana(), wamid, message).await.unwrap();
        assert_eq!(status, 200, "{wamid} taken");
    }
    let token = served.login().await;
    let conversations: Vec<Value> =
        served.get("/api/v1/conversations", Some(&token)).await.json().await.unwrap();
    let [conversation] = conversations.as_slice() else { panic!("one conversation: {conversations:?}") };
    let thread = served.thread(&token, conversation["id"].as_i64().unwrap()).await;
    assert!(thread.iter().all(|m| m["sent_at"] == json!(written * 1000)), "stamped as written");
    assert_eq!(
        conversation["reply_window_closes_at"].as_i64(),
        Some((written + 24 * 3600) * 1000),
        "the reply window closes 24 hours after the customer's last message"
    );
    thread
}

#[tokio::test]
async fn every_inbound_type_is_shown_as_what_it_is() {
    let sent = vec![
        ("wamid.ad", inbound::from_ad("Is this still on?", "Winter trail sale")),
        ("wamid.photo", inbound::media("image", "9001", Some("These ones, in blue"))),
        ("wamid.video", inbound::media("video", "9002", None)),
        ("wamid.voice", inbound::media("voice", "9003", None)),
        ("wamid.audio", inbound::media("audio", "9004", None)),
        ("wamid.doc", inbound::media("document", "9005", None)),
        ("wamid.sticker", inbound::media("sticker", "9006", None)),
        ("wamid.place", inbound::location(53.7997, -1.5492, "Home", "14 Park Row, Leeds")),
        ("wamid.card", inbound::contact("Barbara", "Johnson", "+1 415 555 0829")),
        ("wamid.list", inbound::chose("list_reply", "store-12", "Leeds, Briggate")),
        ("wamid.button", inbound::chose("button_reply", "yes", "Yes please")),
        ("wamid.quick", inbound::button("Track my order", "track")),
        ("wamid.form", inbound::form(&json!({ "size": "39" }))),
        ("wamid.order", inbound::order(&[("TRAIL-39", 2, 89.0)], "GBP")),
        ("wamid.system", inbound::changed_number("16505550199")),
        ("wamid.fwd", inbound::forwarded("Look at this deal", true)),
        ("wamid.unsupported", inbound::unsupported()),
    ];
    let thread = thread_after(sent).await;
    let shown: Vec<(String, String)> = thread
        .iter()
        .map(|m| (m["content"]["type"].as_str().unwrap().to_owned(), m["text"].as_str().unwrap().to_owned()))
        .collect();
    let expected = [
        ("text", "Is this still on?"),
        ("media", "Photo: These ones, in blue"),
        ("media", "Video"),
        ("media", "Voice message"),
        ("media", "Audio"),
        ("media", "Document: receipt.pdf"),
        ("media", "Sticker"),
        ("location", "Location: Home"),
        ("contacts", "Contact: Barbara Johnson"),
        ("choice", "Chose: Leeds, Briggate"),
        ("choice", "Chose: Yes please"),
        ("choice", "Chose: Track my order"),
        ("form", "Form: Sent"),
        ("order", "Order: 2 items"),
        // Personal data is masked in every view until someone who may reveal it asks.
        ("notice", "User changed from their old number to *******0199"),
        ("text", "Look at this deal"),
        ("unsupported", "Unsupported message (unsupported)"),
    ]
    .map(|(t, s)| (t.to_owned(), s.to_owned()));
    assert_eq!(shown, expected);
    assert_eq!(thread[0]["referral"]["headline"], "Winter trail sale", "the ad the chat came from");
    assert_eq!(thread[15]["forwarded"], "frequently_forwarded");
    assert_eq!(thread[12]["content"]["answers"], json!([{ "name": "size", "value": "39" }]), "no flow token");
    assert_eq!(thread[16]["content"]["reason"], "Message type is currently not supported.");
}

#[tokio::test]
async fn reactions_edits_and_deletions_show_on_the_message_they_concern() {
    let thread = thread_after(vec![
        ("wamid.q", inbound::text("Do you have size 39?")),
        ("wamid.r", inbound::reply("wamid.q", "Or 40")),
        ("wamid.like", inbound::reaction("wamid.q", Some("👍"))),
        ("wamid.edit", inbound::edit("wamid.r", "Or 41")),
        ("wamid.gone", inbound::revoke("wamid.r")),
        ("wamid.stray", inbound::reaction("wamid.not-here", Some("❤️"))),
        ("wamid.unlike", inbound::reaction("wamid.q", None)),
        ("wamid.like2", inbound::reaction("wamid.q", Some("🙏"))),
    ])
    .await;
    let texts: Vec<&str> = thread.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["Do you have size 39?", "Or 41", "Reacted ❤️"], "folded onto their messages");
    assert_eq!(thread[0]["reaction"], "🙏", "the latest reaction counts");
    assert_eq!(thread[1]["quote"], "Do you have size 39?", "what the reply answers");
    assert_eq!((&thread[1]["edited"], &thread[1]["deleted"]), (&json!(true), &json!(true)));
    assert_eq!(thread[2]["content"]["type"], "notice", "a reaction to a message not here is a notice");
}

#[tokio::test]
async fn an_agent_sends_a_place_a_card_a_question_and_a_reaction() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let question = inbound::text("Which store is nearest?");
    let status = send_message(&served.http, &target(served.addr), &ana(), "wamid.q", question).await;
    assert_eq!(status.unwrap(), 200);
    let token = served.login().await;
    let compose = |message: Value| served.post("/api/v1/conversations/1/compose", Some(&token), message);

    let sent = [
        json!({ "type": "location", "latitude": 53.7997, "longitude": -1.5492, "name": "Store 12", "address": "Briggate, Leeds" }),
        json!({ "type": "contact", "name": "Priya (Store 12)", "phone": "+44 113 496 0000" }),
        json!({ "type": "buttons", "body": "Which store suits you?", "buttons": ["Leeds", "York"] }),
        json!({ "type": "list", "body": "Which day?", "button": "Days", "rows": ["Friday", "Saturday"] }),
    ];
    let mut texts = Vec::new();
    for message in sent {
        let response = compose(message).await;
        assert_eq!(response.status(), 201);
        let view: Value = response.json().await.unwrap();
        texts.push(view["text"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        texts,
        [
            "Location: Store 12",
            "Contact: Priya (Store 12)",
            "Asked: Which store suits you?",
            "Asked: Which day?"
        ]
    );

    let thread = served.thread(&token, 1).await;
    let question = json!({ "type": "reaction", "message_id": thread[0]["id"], "emoji": "👍" });
    assert_eq!(compose(question).await.status(), 201);
    let four = json!({ "type": "buttons", "body": "?", "buttons": ["A", "B", "C", "D"] });
    assert_eq!(compose(four).await.status(), 422, "WhatsApp allows three buttons");

    let answer = inbound::chose("button_reply", "b2", "York");
    assert_eq!(
        send_message(&served.http, &target(served.addr), &ana(), "wamid.a", answer).await.unwrap(),
        200
    );
    let thread = served.thread(&token, 1).await;
    assert_eq!(thread[0]["our_reaction"], "👍", "our reaction shows on the customer's message");
    assert_eq!(
        thread[3]["content"],
        json!({ "type": "question", "body": "Which store suits you?", "options": ["Leeds", "York"] })
    );
    assert_eq!(thread.last().unwrap()["text"], "Chose: York");
    let received = sim.received();
    let kinds: Vec<&str> = received.iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["location", "contacts", "interactive", "interactive", "reaction"]);
    assert_eq!(
        received[3]["interactive"]["action"]["sections"][0]["rows"][1],
        json!({ "id": "r2", "title": "Saturday" })
    );
    assert_eq!(received[4]["reaction"], json!({ "message_id": "wamid.q", "emoji": "👍" }));
    assert_eq!(thread[4]["content"]["options"], json!(["Friday", "Saturday"]));
}

#[rstest::rstest]
#[case::asked(true)]
#[case::not_asked(false)]
#[tokio::test]
async fn a_link_preview_is_asked_of_whatsapp_only_when_the_agent_wants_one(#[case] preview: bool) {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    assert_eq!(served.customer_writes(&ana(), "wamid.link", "Can I see them online?").await, 200);
    let token = served.login().await;
    let body = json!({ "text": "Here: https://shop.example/runners-39", "preview_url": preview });
    let response = served.post("/api/v1/conversations/1/messages", Some(&token), body).await;
    assert_eq!(response.status(), 201);
    let received = sim.received();
    assert_eq!(
        received[0]["text"],
        json!({ "preview_url": preview, "body": "Here: https://shop.example/runners-39" })
    );
}
