//! Parsing webhook deliveries (untrusted input; fuzzed).
//!
//! A delivery is an envelope of entries × changes. `messages` changes carry customer
//! messages and delivery statuses, `smb_message_echoes` carry messages the business sent from
//! the WhatsApp Business app, and every other field (account, template and quality updates,
//! calls, preferences) is kept whole as a [`ChannelEvent`]. Parsing is tolerant: a field of a
//! shape we do not expect is kept as raw JSON, never dropped, because WhatsApp offers no way to
//! fetch history later. The caller also stores the delivery's raw bytes.

use serde::Deserialize;
use serde_json::Value;

use crate::clock::Timestamp;
use crate::domain::{Content, CustomerRef, Media, MessageKind};

/// The business phone number a change concerns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BusinessNumber {
    /// The Cloud API phone-number id.
    pub phone_number_id: String,
    /// The number as shown to customers.
    pub display_phone_number: Option<String>,
}

/// A message between a customer and the business.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    /// The business number.
    pub business: BusinessNumber,
    /// The customer.
    pub customer: CustomerRef,
    /// WhatsApp's message id (`wamid.…`).
    pub wa_message_id: String,
    /// When WhatsApp says it was sent (`None` when the payload had no usable timestamp).
    pub sent_at: Option<Timestamp>,
    /// The message type.
    pub kind: MessageKind,
    /// The message in words: its text, or what it is ("Photo: caption", "Location: …").
    pub text: Option<String>,
    /// The media it carries, to fetch.
    pub media: Option<Media>,
    /// The message object exactly as received.
    pub raw: Value,
}

/// A delivery-status update for a message the business sent.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    /// The message it concerns.
    pub wa_message_id: String,
    /// WhatsApp's status name (`sent`, `delivered`, `read`, `failed`, …).
    pub status: String,
    /// When it happened.
    pub at: Option<Timestamp>,
    /// The status object exactly as received.
    pub raw: Value,
}

/// Anything else a delivery carried, kept whole.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelEvent {
    /// The webhook field (`account_update`, `message_template_status_update`, …).
    pub field: String,
    /// The change's value exactly as received.
    pub raw: Value,
}

/// One thing a delivery carried.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A customer wrote.
    Inbound(ChatMessage),
    /// The business wrote from the WhatsApp Business app (an echo).
    Echo(ChatMessage),
    /// A sent message's status changed.
    Status(StatusUpdate),
    /// Any other change.
    Event(ChannelEvent),
}

/// A parsed delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Everything it carried, in order.
    pub items: Vec<Item>,
}

/// Why a body is not a webhook delivery at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON, or not an object with `entry`.
    #[error("not a WhatsApp webhook delivery")]
    NotADelivery,
}

#[derive(Deserialize)]
struct Envelope {
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    value: Value,
}

/// Parses a delivery body.
pub fn parse(body: &[u8]) -> Result<Delivery, ParseError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|_| ParseError::NotADelivery)?;
    let mut items = Vec::new();
    for change in envelope.entry.into_iter().flat_map(|e| e.changes) {
        parse_change(change, &mut items);
    }
    Ok(Delivery { items })
}

fn parse_change(change: Change, items: &mut Vec<Item>) {
    let field = change.field.unwrap_or_else(|| "unknown".to_owned());
    let value = change.value;
    match field.as_str() {
        "messages" => {
            let business = business_number(&value);
            let contacts = array(&value, "contacts");
            for raw in array(&value, "messages") {
                items.push(chat_item(&business, contacts, raw, "from", Item::Inbound));
            }
            for raw in array(&value, "statuses") {
                items.push(status_item(raw));
            }
            if value.get("errors").is_some()
                || (value.get("messages").is_none() && value.get("statuses").is_none())
            {
                items.push(Item::Event(ChannelEvent { field, raw: value }));
            }
        }
        "smb_message_echoes" => {
            let business = business_number(&value);
            let contacts = array(&value, "contacts");
            for raw in array(&value, "message_echoes") {
                items.push(chat_item(&business, contacts, raw, "to", Item::Echo));
            }
        }
        _ => items.push(Item::Event(ChannelEvent { field, raw: value })),
    }
}

fn array<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn business_number(value: &Value) -> BusinessNumber {
    let meta = value.get("metadata").unwrap_or(&Value::Null);
    BusinessNumber {
        phone_number_id: text(meta, "phone_number_id").unwrap_or("unknown").to_owned(),
        display_phone_number: text(meta, "display_phone_number").map(str::to_owned),
    }
}

fn timestamp(value: &Value) -> Option<Timestamp> {
    let t = value.get("timestamp")?;
    let seconds = t.as_str().and_then(|s| s.parse().ok()).or_else(|| t.as_i64())?;
    Some(Timestamp::from_unix_seconds(seconds))
}

/// A chat message, or an event if it lacks an id or a customer (kept, never dropped).
/// `party` is the key naming the customer: `from` for inbound, `to` for echoes.
fn chat_item(
    business: &BusinessNumber,
    contacts: &[Value],
    raw: &Value,
    party: &str,
    wrap: fn(ChatMessage) -> Item,
) -> Item {
    let customer = customer(contacts, raw, party);
    let Some(id) = text(raw, "id").filter(|_| customer.is_identified()) else {
        return Item::Event(ChannelEvent {
            field: format!("unidentified_{party}_message"),
            raw: raw.clone(),
        });
    };
    let kind = MessageKind::from_wire(text(raw, "type"));
    let content = Content::read(kind.as_str(), raw, None);
    let body = Some(content.summary());
    let media = match content {
        Content::Media(media) => Some(media),
        _ => None,
    };
    wrap(ChatMessage {
        business: business.clone(),
        customer,
        wa_message_id: id.to_owned(),
        sent_at: timestamp(raw),
        kind,
        text: body,
        media,
        raw: raw.clone(),
    })
}

/// The customer of a message: its own ids first, then the matching entry in `contacts`.
fn customer(contacts: &[Value], raw: &Value, party: &str) -> CustomerRef {
    let wa_id = text(raw, party).map(str::to_owned);
    let user_id = text(raw, &format!("{party}_user_id")).map(str::to_owned);
    let contact = contacts.iter().find(|c| {
        (wa_id.is_some() && text(c, "wa_id") == wa_id.as_deref())
            || (user_id.is_some() && text(c, "user_id") == user_id.as_deref())
    });
    let contact = contact.or(if contacts.len() == 1 { contacts.first() } else { None });
    let profile = contact.and_then(|c| c.get("profile")).unwrap_or(&Value::Null);
    CustomerRef {
        wa_id: wa_id.or_else(|| contact.and_then(|c| text(c, "wa_id")).map(str::to_owned)),
        user_id: user_id.or_else(|| contact.and_then(|c| text(c, "user_id")).map(str::to_owned)),
        profile_name: text(profile, "name").map(str::to_owned),
        username: text(profile, "username").map(str::to_owned),
    }
}

fn status_item(raw: &Value) -> Item {
    match (text(raw, "id"), text(raw, "status")) {
        (Some(id), Some(status)) => Item::Status(StatusUpdate {
            wa_message_id: id.to_owned(),
            status: status.to_owned(),
            at: timestamp(raw),
            raw: raw.clone(),
        }),
        _ => Item::Event(ChannelEvent { field: "unidentified_status".to_owned(), raw: raw.clone() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn inbound(body: &str) -> Vec<Item> {
        parse(body.as_bytes()).unwrap().items
    }

    #[test]
    fn a_text_message_names_its_customer_and_text() {
        let items = inbound(
            r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
              "metadata":{"display_phone_number":"15550001111","phone_number_id":"PNID"},
              "contacts":[{"profile":{"name":"Sheena"},"wa_id":"16505551234"}],
              "messages":[{"from":"16505551234","id":"wamid.A","timestamp":"1749416383","type":"text","text":{"body":"Hi"}}]}}]}]}"#,
        );
        let [Item::Inbound(m)] = items.as_slice() else { panic!("{items:?}") };
        assert_eq!(m.business.phone_number_id, "PNID");
        assert_eq!(m.customer.wa_id.as_deref(), Some("16505551234"));
        assert_eq!(m.customer.profile_name.as_deref(), Some("Sheena"));
        assert_eq!(m.text.as_deref(), Some("Hi"));
        assert_eq!(m.sent_at, Some(Timestamp::from_unix_seconds(1_749_416_383)));
    }

    #[test]
    fn a_customer_known_only_by_business_scoped_id_is_kept() {
        let items = inbound(
            r#"{"entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"P"},
              "contacts":[{"profile":{"name":"S","username":"sheena"},"user_id":"US.1"}],
              "messages":[{"from_user_id":"US.1","id":"wamid.B","timestamp":"1","type":"text","text":{"body":"x"}}]}}]}]}"#,
        );
        let [Item::Inbound(m)] = items.as_slice() else { panic!("{items:?}") };
        assert_eq!(m.customer.wa_id, None);
        assert_eq!(m.customer.user_id.as_deref(), Some("US.1"));
        assert_eq!(m.customer.username.as_deref(), Some("sheena"));
    }

    #[rstest]
    #[case::no_id(r#"{"from":"1","type":"text"}"#)]
    #[case::no_customer(r#"{"id":"wamid.C","type":"text"}"#)]
    fn messages_we_cannot_place_become_events(#[case] message: &str) {
        let body = format!(
            r#"{{"entry":[{{"changes":[{{"field":"messages","value":{{"messages":[{message}]}}}}]}}]}}"#
        );
        let items = inbound(&body);
        assert!(matches!(items.as_slice(), [Item::Event(_)]), "{items:?}");
    }

    #[rstest]
    #[case::not_json("not json")]
    #[case::no_entry(r#"{"object":"x"}"#)]
    #[case::entry_not_array(r#"{"entry":5}"#)]
    fn non_deliveries_are_rejected(#[case] body: &str) {
        assert_eq!(parse(body.as_bytes()), Err(ParseError::NotADelivery));
    }

    #[test]
    fn other_fields_are_kept_whole() {
        let items = inbound(
            r#"{"entry":[{"changes":[{"field":"account_update","value":{"event":"DISABLED_UPDATE"}}]}]}"#,
        );
        let [Item::Event(e)] = items.as_slice() else { panic!("{items:?}") };
        assert_eq!(e.field, "account_update");
        assert_eq!(e.raw["event"], "DISABLED_UPDATE");
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&bytes);
        }
    }
}
