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
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": target.display_phone_number,
                        "phone_number_id": target.phone_number_id
                    },
                    "contacts": [{ "profile": { "name": customer.name }, "wa_id": customer.wa_id }],
                    "messages": [{
                        "from": customer.wa_id,
                        "id": wamid,
                        "timestamp": timestamp.to_string(),
                        "type": "text",
                        "text": { "body": text }
                    }]
                },
                "field": "messages"
            }]
        }]
    });
    to_ascii_json(&body)
}

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

/// The demo's cast and what they say, in order.
pub fn demo_script() -> Vec<(Customer, &'static str)> {
    let ana = Customer { wa_id: "16505550101".to_owned(), name: "Ana Souza".to_owned() };
    let ben = Customer { wa_id: "447700900202".to_owned(), name: "Ben Okafor".to_owned() };
    let chloe = Customer { wa_id: "4915155550303".to_owned(), name: "Chloé Martin".to_owned() };
    vec![
        (ana.clone(), "Hi! Do you have the blue trail runners in size 39?"),
        (ben.clone(), "My order #4471 hasn't arrived yet, can you check?"),
        (chloe.clone(), "Bonjour, est-ce que la boutique est ouverte dimanche ? 🙂"),
        (ana.clone(), "Also, can I pick them up at the Main Street store?"),
        (ben.clone(), "The tracking page says 'label created' since Monday."),
        (chloe, "Merci ! Je passerai samedi alors."),
        (ana, "Great, thank you!"),
    ]
}

/// Plays `script` against `target`, one message every `interval`. Failures are logged and the
/// script goes on (a demo should keep running while the app restarts).
pub async fn run_script(
    target: WebhookTarget,
    script: Vec<(Customer, &'static str)>,
    interval: Duration,
    first_id: u64,
) {
    let client = reqwest::Client::new();
    for (n, (customer, text)) in script.into_iter().enumerate() {
        let wamid = format!("wamid.SIMIN{:016}", first_id + n as u64);
        match send_text(&client, &target, &customer, &wamid, text).await {
            Ok(200) => tracing::info!(message = n, "simulated customer message delivered"),
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
