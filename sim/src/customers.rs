//! Simulated customers: text messages delivered as webhooks signed like Meta's.
//!
//! Meta serializes non-ASCII characters as `\uXXXX` escapes and signs those exact bytes, so
//! the simulator does the same; a receiver that re-serializes before verifying fails here as
//! it would in production.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::Sha256;

/// A customer writing in.
#[derive(Debug, Clone)]
pub struct Customer {
    /// WhatsApp id (phone number, digits only).
    pub wa_id: String,
    /// Profile name.
    pub name: String,
}

/// Where and how to deliver webhooks.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    /// Countersign's webhook URL, such as `http://127.0.0.1:8080/webhook`.
    pub url: String,
    /// The app secret deliveries are signed with.
    pub app_secret: String,
    /// The business phone-number id.
    pub phone_number_id: String,
    /// The business number as displayed.
    pub display_phone_number: String,
}

/// The wall clock in seconds: the simulator stands in for Meta's servers, which stamp
/// messages with real time.
#[allow(clippy::disallowed_methods)]
pub fn now_unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The body of a `messages` webhook carrying one text message, exactly as Meta shapes it.
pub fn text_webhook(
    target: &WebhookTarget,
    customer: &Customer,
    wamid: &str,
    text: &str,
    timestamp: i64,
) -> Vec<u8> {
    message_webhook(target, customer, wamid, inbound::text(text), timestamp)
}

/// The body of a `messages` webhook carrying one message of any type: `message` is the
/// message object without `from` and `id` (see [`inbound`]), exactly as Meta shapes it; it
/// is stamped `timestamp` unless it carries its own (a message written earlier).
pub fn message_webhook(
    target: &WebhookTarget,
    customer: &Customer,
    wamid: &str,
    message: Value,
    timestamp: i64,
) -> Vec<u8> {
    let mut message = message;
    message["from"] = json!(customer.wa_id);
    message["id"] = json!(wamid);
    if message.get("timestamp").is_none() {
        message["timestamp"] = json!(timestamp.to_string());
    }
    let contacts = json!([{ "profile": { "name": customer.name }, "wa_id": customer.wa_id }]);
    messages_change(target, [("contacts", contacts), ("messages", json!([message]))])
}

/// One delivery carrying several text messages, one `messages` change each, as Meta batches
/// updates: `(customer, wamid, text)`, all stamped `timestamp`.
pub fn batch_webhook(
    target: &WebhookTarget,
    messages: &[(&Customer, &str, &str)],
    timestamp: i64,
) -> Vec<u8> {
    let changes: Vec<Value> = messages
        .iter()
        .map(|(customer, wamid, text)| {
            let mut message = inbound::text(text);
            message["from"] = json!(customer.wa_id);
            message["id"] = json!(wamid);
            message["timestamp"] = json!(timestamp.to_string());
            json!({
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": target.display_phone_number,
                        "phone_number_id": target.phone_number_id
                    },
                    "contacts": [{ "profile": { "name": customer.name }, "wa_id": customer.wa_id }],
                    "messages": [message]
                },
                "field": "messages"
            })
        })
        .collect();
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": changes }]
    });
    to_ascii_json(&body)
}

/// A delivery of one `messages` change for the business number of `target`, carrying `parts`
/// beside its metadata, as Meta's bytes (non-ASCII escaped).
fn messages_change<const N: usize>(target: &WebhookTarget, parts: [(&str, Value); N]) -> Vec<u8> {
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": target.display_phone_number,
            "phone_number_id": target.phone_number_id
        }
    });
    for (key, part) in parts {
        value[key] = part;
    }
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "value": value, "field": "messages" }] }]
    });
    to_ascii_json(&body)
}

/// The body of a `messages` webhook reporting `status` of a message the business sent, as
/// Meta shapes it (with the sender's `biz_opaque_callback_data` when it gave one).
pub fn status_webhook(target: &WebhookTarget, status: &StatusReport, timestamp: i64) -> Vec<u8> {
    let mut report = json!({
        "id": status.wamid,
        "status": status.status,
        "timestamp": timestamp.to_string(),
        "recipient_id": status.recipient,
    });
    if let Some(callback) = &status.callback {
        report["biz_opaque_callback_data"] = json!(callback);
    }
    if let Some(error) = status.error {
        report["errors"] = json!([{
            "code": error.code,
            "title": error.title,
            "message": error.title,
            "error_data": { "details": error.details },
            "href": "/documentation/business-messaging/whatsapp/support/error-codes",
        }]);
    }
    if status.status == "sent" {
        report["conversation"] = json!({ "id": "CONVERSATION_ID", "origin": { "type": "service" } });
        report["pricing"] = json!({ "billable": true, "pricing_model": "PMP", "category": "service", "type": "free_customer_service" });
    }
    messages_change(target, [("statuses", json!([report]))])
}

/// A delivery status to report for a message the business sent.
#[derive(Debug, Clone)]
pub struct StatusReport {
    /// The message's id, as the send answered.
    pub wamid: String,
    /// `sent`, `delivered`, `read` or `failed`.
    pub status: &'static str,
    /// Who it went to.
    pub recipient: String,
    /// The sender's `biz_opaque_callback_data`.
    pub callback: Option<String>,
    /// Why it failed (with `failed`).
    pub error: Option<StatusError>,
}

/// An error a `failed` status carries, as Meta words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusError {
    /// Graph's code.
    pub code: i64,
    /// Its title (also the message).
    pub title: &'static str,
    /// The details.
    pub details: &'static str,
}

/// A free-form message after the customer's 24-hour window closed.
pub const REENGAGEMENT: StatusError = StatusError {
    code: 131_047,
    title: "Re-engagement message",
    details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
};

/// JSON with every non-ASCII character escaped as `\uXXXX`, as Meta sends it.
pub fn to_ascii_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    // Serializing a Value into a Vec cannot fail.
    let _ = value.serialize(&mut ser);
    out
}

struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        for c in fragment.chars() {
            if c.is_ascii() {
                writer.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// The `X-Hub-Signature-256` header value for `body`.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()) else {
        return String::new(); // HMAC accepts keys of any length; unreachable
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Delivers `body` signed with `signature_secret` and returns the HTTP status.
pub async fn deliver(
    client: &reqwest::Client,
    url: &str,
    signature: &str,
    body: Vec<u8>,
) -> reqwest::Result<u16> {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature)
        .body(body)
        .timeout(Duration::from_secs(20))
        .send()
        .await?;
    Ok(response.status().as_u16())
}

/// Message objects of every inbound type, shaped as Meta documents them (without `from`,
/// `id` and `timestamp`, which [`message_webhook`] adds).
pub mod inbound {
    use serde_json::{json, Value};

    /// Text.
    pub fn text(body: &str) -> Value {
        json!({ "type": "text", "text": { "body": body } })
    }
    /// Text answering `wamid` (the customer swiped to reply).
    pub fn reply(wamid: &str, body: &str) -> Value {
        let mut message = text(body);
        message["context"] = json!({ "from": "15550001111", "id": wamid });
        message
    }
    /// Text that was forwarded (many times when `frequently`).
    pub fn forwarded(body: &str, frequently: bool) -> Value {
        let mut message = text(body);
        let key = if frequently { "frequently_forwarded" } else { "forwarded" };
        message["context"] = json!({ key: true });
        message
    }
    /// The first text of a chat started from a click-to-WhatsApp ad.
    pub fn from_ad(body: &str, headline: &str) -> Value {
        let mut message = text(body);
        message["referral"] = json!({
            "source_url": "https://fb.me/3cr4Wqqkv", "source_id": "120226305854810726",
            "source_type": "ad", "headline": headline, "body": "Free delivery this week",
            "media_type": "image", "image_url": "https://scontent.xx.fbcdn.net/v/t45.1-0/ad.jpg",
            "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-ZABe"
        });
        message
    }
    /// A photo, video, audio file, voice note (`voice`), document or sticker.
    pub fn media(kind: &str, media_id: &str, caption: Option<&str>) -> Value {
        let (mime, extra) = match kind {
            "image" => ("image/jpeg", json!({})),
            "video" => ("video/mp4", json!({})),
            "voice" => ("audio/ogg; codecs=opus", json!({ "voice": true })),
            "audio" => ("audio/mpeg", json!({ "voice": false })),
            "sticker" => ("image/webp", json!({ "animated": false })),
            _ => ("application/pdf", json!({ "filename": "receipt.pdf" })),
        };
        let wire = if kind == "voice" { "audio" } else { kind };
        let mut part = json!({
            "mime_type": mime,
            "sha256": "a5d4f3b8e4c1f2f0b9d2c4a1e7f6d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6",
            "id": media_id,
            "url": format!("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={media_id}")
        });
        for (k, v) in extra.as_object().into_iter().flatten() {
            part[k] = v.clone();
        }
        if let Some(caption) = caption {
            part["caption"] = json!(caption);
        }
        json!({ "type": wire, wire: part })
    }
    /// A file the simulator holds (see `GraphSim::add_media`), as `kind` (`image`, `voice`,
    /// `document`…), with the id and checksum WhatsApp would put in the webhook.
    pub fn media_file(kind: &str, media: &crate::SimMedia, caption: Option<&str>) -> Value {
        let mut message = self::media(kind, &media.id, caption);
        let wire = if kind == "voice" { "audio" } else { kind };
        message[wire]["mime_type"] = json!(media.mime_type);
        message[wire]["sha256"] = json!(media.sha256);
        message
    }
    /// A place.
    pub fn location(latitude: f64, longitude: f64, name: &str, address: &str) -> Value {
        json!({ "type": "location", "location": {
            "latitude": latitude, "longitude": longitude, "name": name, "address": address,
            "url": "https://maps.example.com" } })
    }
    /// A contact card.
    pub fn contact(first: &str, last: &str, phone: &str) -> Value {
        json!({ "type": "contacts", "contacts": [{
            "name": { "first_name": first, "last_name": last, "formatted_name": format!("{first} {last}") },
            "phones": [{ "phone": phone, "type": "MOBILE" }] }] })
    }
    /// The customer tapped a reply button (`button_reply`) or chose a list entry (`list_reply`).
    pub fn chose(kind: &str, id: &str, title: &str) -> Value {
        json!({ "type": "interactive", "context": { "from": "15550001111", "id": "wamid.SIMOUT" },
                "interactive": { "type": kind, kind: { "id": id, "title": title } } })
    }
    /// The customer tapped a template's quick-reply button.
    pub fn button(text: &str, payload: &str) -> Value {
        json!({ "type": "button", "button": { "text": text, "payload": payload } })
    }
    /// The customer completed a WhatsApp Flow form.
    pub fn form(answers: &Value) -> Value {
        let mut response = answers.clone();
        response["flow_token"] = json!("AQAAAAACS5FpgQ_cAAAAAD0QI3s.");
        json!({ "type": "interactive", "interactive": { "type": "nfm_reply", "nfm_reply": {
            "name": "flow", "body": "Sent", "response_json": response.to_string() } } })
    }
    /// A reaction to `wamid`; `None` takes it back.
    pub fn reaction(wamid: &str, emoji: Option<&str>) -> Value {
        let mut reaction = json!({ "message_id": wamid });
        if let Some(emoji) = emoji {
            reaction["emoji"] = json!(emoji);
        }
        json!({ "type": "reaction", "reaction": reaction })
    }
    /// An order from the catalog.
    pub fn order(lines: &[(&str, u32, f64)], currency: &str) -> Value {
        let items: Vec<Value> = lines
            .iter()
            .map(|(product, quantity, price)| json!({
                "product_retailer_id": product, "quantity": quantity, "item_price": price, "currency": currency }))
            .collect();
        json!({ "type": "order", "order": { "catalog_id": "354160437058781", "text": "", "product_items": items } })
    }
    /// WhatsApp's notice that the customer changed number.
    pub fn changed_number(new_wa_id: &str) -> Value {
        json!({ "type": "system", "system": {
            "body": format!("User changed from their old number to {new_wa_id}"),
            "wa_id": new_wa_id, "type": "user_changed_number" } })
    }
    /// The customer edited `wamid` to say `body`.
    pub fn edit(wamid: &str, body: &str) -> Value {
        json!({ "type": "edit", "edit": { "original_message_id": wamid, "message": text(body) } })
    }
    /// The customer deleted `wamid` for everyone.
    pub fn revoke(wamid: &str) -> Value {
        json!({ "type": "revoke", "revoke": { "original_message_id": wamid } })
    }
    /// A message of a type the Cloud API does not support, as WhatsApp reports it.
    pub fn unsupported() -> Value {
        json!({ "type": "unsupported", "unsupported": { "type": "poll_creation" }, "errors": [{
            "code": 131051, "title": "Message type unknown", "message": "Message type unknown",
            "error_data": { "details": "Message type is currently not supported." } }] })
    }
}

/// A customer sends a message of any type (see [`inbound`]); returns the HTTP status.
pub async fn send_message(
    client: &reqwest::Client,
    target: &WebhookTarget,
    customer: &Customer,
    wamid: &str,
    message: Value,
) -> reqwest::Result<u16> {
    let body = message_webhook(target, customer, wamid, message, now_unix_seconds());
    let signature = sign(&target.app_secret, &body);
    deliver(client, &target.url, &signature, body).await
}

/// A customer known to the business only by their WhatsApp user id (they chose a username and
/// hide their number) sends a text, as Meta shapes it: `from_user_id` on the message and
/// `user_id` in the contact, no `wa_id`.
pub async fn send_text_as_user(
    client: &reqwest::Client,
    target: &WebhookTarget,
    user_id: &str,
    username: &str,
    wamid: &str,
    text: &str,
) -> reqwest::Result<u16> {
    let contacts = json!([{ "profile": { "name": username, "username": username }, "user_id": user_id }]);
    let message = json!({
        "from_user_id": user_id, "id": wamid, "timestamp": now_unix_seconds().to_string(),
        "type": "text", "text": { "body": text }
    });
    let body = messages_change(target, [("contacts", contacts), ("messages", json!([message]))]);
    let signature = sign(&target.app_secret, &body);
    deliver(client, &target.url, &signature, body).await
}

/// A customer sends a text; returns the HTTP status Countersign answered.
pub async fn send_text(
    client: &reqwest::Client,
    target: &WebhookTarget,
    customer: &Customer,
    wamid: &str,
    text: &str,
) -> reqwest::Result<u16> {
    let body = text_webhook(target, customer, wamid, text, now_unix_seconds());
    let signature = sign(&target.app_secret, &body);
    deliver(client, &target.url, &signature, body).await
}

/// The demo's photo: a picture of the shoes Ana asks about.
pub const DEMO_PHOTO: &[u8] = include_bytes!("../assets/blue-runners.png");

/// The demo's cast and what they send, in order. `photo` is the demo photo as the simulator
/// holds it (see `GraphSim::add_media`); without one, Ana's photo names a file WhatsApp does not
/// have, as a long-expired one would.
pub fn demo_script(photo: Option<&crate::SimMedia>) -> Vec<(Customer, Value)> {
    let photo_message = match photo {
        Some(photo) => inbound::media_file("image", photo, Some("These ones, in blue")),
        None => inbound::media("image", "1203948573920", Some("These ones, in blue")),
    };
    let ana = Customer { wa_id: "16505550101".to_owned(), name: "Ana Souza".to_owned() };
    let ben = Customer { wa_id: "447700900202".to_owned(), name: "Ben Okafor".to_owned() };
    let chloe = Customer { wa_id: "4915155550303".to_owned(), name: "Chloé Martin".to_owned() };
    let dana = Customer { wa_id: "353851230404".to_owned(), name: "Dana Whitfield".to_owned() };
    let erin = Customer { wa_id: "447700900505".to_owned(), name: "Erin Walsh".to_owned() };
    // Dana wrote the day before yesterday: her window has closed; only a template reaches her.
    let mut dana_wrote = inbound::text("Do you still have the green rain jacket in M? I'll come by later.");
    dana_wrote["timestamp"] = json!((now_unix_seconds() - 50 * 3600).to_string());
    vec![
        (dana, dana_wrote),
        (ana.clone(), inbound::text("Hi! Do you have the blue trail runners in size 39?")),
        (ben.clone(), inbound::text("My order #4471 hasn't arrived yet, can you check?")),
        (chloe.clone(), inbound::text("Bonjour, est-ce que la boutique est ouverte dimanche ? 🙂")),
        (ana.clone(), inbound::text("Also, can I pick them up at the Main Street store?")),
        (ben.clone(), inbound::text("The tracking page says 'label created' since Monday.")),
        (ana.clone(), photo_message),
        (ben.clone(), inbound::location(53.7997, -1.5492, "Home", "14 Park Row, Leeds LS1 5HD")),
        // A card number, which every screen shows masked until someone who may reveals it.
        (ben.clone(), inbound::text("I can pay the difference now, my card is 4111 1111 1111 1111")),
        (chloe, inbound::text("Merci ! Je passerai samedi alors.")),
        (ana, inbound::text("Great, thank you!")),
        // Erin asks about a store: the demo's routing asks her which, with a list, and her
        // pick sends her to that store's team.
        (erin.clone(), inbound::text("Hello, which store has the red kettle in stock?")),
        (erin, inbound::chose("list_reply", "york", "York")),
    ]
}

/// Plays `script` against `target`, one message every `interval`. Failures are logged and the
/// script goes on (a demo should keep running while the app restarts).
/// The simulator (`sim`) learns when each customer wrote, and so their 24-hour windows.
pub async fn run_script(
    target: WebhookTarget,
    script: Vec<(Customer, Value)>,
    interval: Duration,
    first_id: u64,
    sim: Option<&crate::GraphSim>,
) {
    let client = reqwest::Client::new();
    for (n, (customer, message)) in script.into_iter().enumerate() {
        let wamid = format!("wamid.SIMIN{:016}", first_id + n as u64);
        let written = message
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(now_unix_seconds);
        match send_message(&client, &target, &customer, &wamid, message).await {
            Ok(200) => {
                if let Some(sim) = sim {
                    sim.customer_wrote(&customer.wa_id, written);
                }
                tracing::info!(message = n, "simulated customer message delivered")
            }
            Ok(status) => tracing::warn!(message = n, status, "simulated delivery refused"),
            Err(e) => {
                tracing::warn!(message = n, error = %e.without_url(), "simulated delivery failed")
            }
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_is_escaped_like_meta() {
        let bytes = to_ascii_json(&json!({"t": "Chloé 🙂"}));
        assert_eq!(String::from_utf8(bytes).unwrap(), r#"{"t":"Chlo\u00e9 \ud83d\ude42"}"#);
    }

    #[test]
    fn the_escaped_form_round_trips() {
        let v = json!({"t": "Chloé 🙂"});
        assert_eq!(serde_json::from_slice::<Value>(&to_ascii_json(&v)).unwrap(), v);
    }
}
