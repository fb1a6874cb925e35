//! What a WhatsApp message says, read from the message object as WhatsApp sent it.
//!
//! The raw object is what the store keeps; this is a reading of it for the inbox, so a type
//! read wrongly today is read right tomorrow without losing anything. Reading is total: any
//! shape becomes some [`Content`], and what cannot be read is [`Content::Unsupported`].

use serde_json::Value;

/// The kind of media a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// A photo.
    Image,
    /// A video.
    Video,
    /// An audio file.
    Audio,
    /// A voice note recorded in WhatsApp.
    Voice,
    /// A file.
    Document,
    /// A sticker.
    Sticker,
}

impl MediaKind {
    /// Stable name in views.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Voice => "voice",
            Self::Document => "document",
            Self::Sticker => "sticker",
        }
    }
}

/// Media attached to a message (the file itself is fetched by its id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// What it is.
    pub kind: MediaKind,
    /// The Cloud API media id.
    pub media_id: Option<String>,
    /// The MIME type WhatsApp reported.
    pub mime_type: Option<String>,
    /// The SHA-256 WhatsApp reported for the file.
    pub sha256: Option<String>,
    /// The caption.
    pub caption: Option<String>,
    /// The file name, for documents.
    pub filename: Option<String>,
}

/// A contact card shared in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedContact {
    /// The name as formatted by the sender's phone.
    pub name: String,
    /// Their phone numbers, as written.
    pub phones: Vec<String>,
    /// Their company.
    pub company: Option<String>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    /// The product's id in the catalog.
    pub product: String,
    /// How many.
    pub quantity: u64,
    /// Price of one.
    pub price: Option<f64>,
    /// Its currency.
    pub currency: Option<String>,
}

/// What a message says.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Text.
    Text {
        /// The text.
        body: String,
    },
    /// A photo, video, audio, voice note, document or sticker.
    Media(Media),
    /// A place.
    Location {
        /// Latitude.
        latitude: Option<f64>,
        /// Longitude.
        longitude: Option<f64>,
        /// Its name.
        name: Option<String>,
        /// Its address.
        address: Option<String>,
    },
    /// Contact cards.
    Contacts(Vec<SharedContact>),
    /// The customer chose a button or list entry the business offered.
    Choice {
        /// The id the business gave the choice (routing keys on it).
        id: Option<String>,
        /// What the customer saw and chose.
        title: String,
    },
    /// The business asked a question with reply buttons or a list to choose from.
    Question {
        /// The question.
        body: String,
        /// The answers offered.
        options: Vec<String>,
    },
    /// The customer completed a form (a WhatsApp Flow).
    FormReply {
        /// The form's summary line.
        body: Option<String>,
        /// The answers as `name: value` pairs, in the order sent.
        answers: Vec<(String, String)>,
    },
    /// A reaction to an earlier message; no emoji means the reaction was taken back.
    Reaction {
        /// The message reacted to.
        target: String,
        /// The emoji.
        emoji: Option<String>,
    },
    /// An order from the business's catalog.
    Order {
        /// The customer's note.
        note: Option<String>,
        /// What they ordered.
        lines: Vec<OrderLine>,
    },
    /// A notice from WhatsApp (for example: the customer changed number).
    System {
        /// What happened, in WhatsApp's words.
        body: String,
    },
    /// The customer edited an earlier message.
    Edit {
        /// The message edited.
        target: String,
        /// What it says now.
        content: Box<Content>,
    },
    /// The customer deleted an earlier message for everyone.
    Revoke {
        /// The message deleted.
        target: String,
    },
    /// A type the inbox does not read; the raw message is stored whole.
    Unsupported {
        /// WhatsApp's type name.
        kind: String,
        /// WhatsApp's reason, when it gave one.
        reason: Option<String>,
    },
}

/// Where a message stands in the chat: a reply to another, or forwarded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    /// The message it replies to.
    pub reply_to: Option<String>,
    /// It was forwarded (`frequently` when forwarded many times).
    pub forwarded: Option<Forwarded>,
    /// The ad the customer came from (click-to-WhatsApp).
    pub referral: Option<Referral>,
}

/// How often a message was forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forwarded {
    /// Forwarded.
    Once,
    /// Forwarded many times.
    Frequently,
}

/// The ad or post a customer tapped to start the chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// `ad` or `post`.
    pub source_type: Option<String>,
    /// The ad's link.
    pub source_url: Option<String>,
    /// The ad's headline.
    pub headline: Option<String>,
}

fn str_at<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

fn owned(value: &Value, key: &str) -> Option<String> {
    str_at(value, key).map(str::to_owned)
}

fn number(value: &Value, key: &str) -> Option<f64> {
    let v = value.get(key)?;
    v.as_f64().or_else(|| v.as_str()?.trim().parse().ok())
}

impl Content {
    /// Reads a message object (`raw`) of type `kind`. `body` is the text stored beside it, used
    /// when there is no raw object (replies written in Countersign).
    pub fn read(kind: &str, raw: &Value, body: Option<&str>) -> Self {
        let part = raw.get(kind).unwrap_or(&Value::Null);
        let unsupported = || Self::Unsupported { kind: kind.to_owned(), reason: reason(raw) };
        match kind {
            "text" => match str_at(part, "body").or(body) {
                Some(body) => Self::Text { body: body.to_owned() },
                None => unsupported(),
            },
            "image" | "video" | "audio" | "document" | "sticker" => Self::Media(media(kind, part)),
            "location" => Self::Location {
                latitude: number(part, "latitude"),
                longitude: number(part, "longitude"),
                name: owned(part, "name"),
                address: owned(part, "address"),
            },
            "contacts" => Self::Contacts(
                raw.get("contacts")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .map(contact)
                    .collect(),
            ),
            "interactive" => interactive(part).unwrap_or_else(unsupported),
            "button" => match str_at(part, "text") {
                Some(title) => Self::Choice { id: owned(part, "payload"), title: title.to_owned() },
                None => unsupported(),
            },
            "reaction" => match str_at(part, "message_id") {
                Some(target) => Self::Reaction { target: target.to_owned(), emoji: owned(part, "emoji") },
                None => unsupported(),
            },
            "order" => Self::Order {
                note: owned(part, "text"),
                lines: part
                    .get("product_items")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .map(|item| OrderLine {
                        product: owned(item, "product_retailer_id").unwrap_or_else(|| "?".to_owned()),
                        quantity: item
                            .get("quantity")
                            .and_then(|q| q.as_u64().or_else(|| q.as_str()?.parse().ok()))
                            .unwrap_or(1),
                        price: number(item, "item_price"),
                        currency: owned(item, "currency"),
                    })
                    .collect(),
            },
            "system" => match str_at(part, "body") {
                Some(body) => Self::System { body: body.to_owned() },
                None => unsupported(),
            },
            "edit" => match (str_at(part, "original_message_id"), part.get("message")) {
                (Some(target), Some(message)) => {
                    let inner = str_at(message, "type").unwrap_or("unknown");
                    Self::Edit {
                        target: target.to_owned(),
                        content: Box::new(Self::read(inner, message, None)),
                    }
                }
                _ => unsupported(),
            },
            // A template Countersign sent: its rendered text is stored beside the request.
            "template" => match body {
                Some(body) => Self::Text { body: body.to_owned() },
                None => unsupported(),
            },
            "revoke" => match str_at(part, "original_message_id") {
                Some(target) => Self::Revoke { target: target.to_owned() },
                None => unsupported(),
            },
            _ => match body {
                Some(body) if raw.is_null() => Self::Text { body: body.to_owned() },
                _ => unsupported(),
            },
        }
    }

    /// One line for conversation lists and notifications.
    pub fn summary(&self) -> String {
        match self {
            Self::Text { body } | Self::System { body } => body.clone(),
            Self::Media(m) => {
                let label = match m.kind {
                    MediaKind::Image => "Photo",
                    MediaKind::Video => "Video",
                    MediaKind::Audio => "Audio",
                    MediaKind::Voice => "Voice message",
                    MediaKind::Document => "Document",
                    MediaKind::Sticker => "Sticker",
                };
                match m.caption.as_deref().or(m.filename.as_deref()) {
                    Some(text) => format!("{label}: {text}"),
                    None => label.to_owned(),
                }
            }
            Self::Location { name, address, .. } => match name.as_deref().or(address.as_deref()) {
                Some(place) => format!("Location: {place}"),
                None => "Location".to_owned(),
            },
            Self::Contacts(cards) => match cards.as_slice() {
                [one] => format!("Contact: {}", one.name),
                many => format!("{} contacts", many.len()),
            },
            Self::Choice { title, .. } => format!("Chose: {title}"),
            Self::Question { body, .. } => format!("Asked: {body}"),
            Self::FormReply { body, .. } => format!("Form: {}", body.as_deref().unwrap_or("answered")),
            Self::Reaction { emoji: Some(emoji), .. } => format!("Reacted {emoji}"),
            Self::Reaction { emoji: None, .. } => "Took back a reaction".to_owned(),
            Self::Order { lines, .. } => {
                let items: u64 = lines.iter().map(|l| l.quantity).sum();
                format!("Order: {items} item{}", if items == 1 { "" } else { "s" })
            }
            Self::Edit { content, .. } => format!("Edited: {}", content.summary()),
            Self::Revoke { .. } => "Deleted a message".to_owned(),
            Self::Unsupported { kind, .. } => format!("Unsupported message ({kind})"),
        }
    }
}

fn reason(raw: &Value) -> Option<String> {
    let error = raw.get("errors")?.as_array()?.first()?;
    let details = error.get("error_data").and_then(|d| str_at(d, "details"));
    details.or_else(|| str_at(error, "message")).or_else(|| str_at(error, "title")).map(str::to_owned)
}

fn media(kind: &str, part: &Value) -> Media {
    let kind = match kind {
        "image" => MediaKind::Image,
        "video" => MediaKind::Video,
        "audio" if part.get("voice").and_then(Value::as_bool) == Some(true) => MediaKind::Voice,
        "audio" => MediaKind::Audio,
        "sticker" => MediaKind::Sticker,
        _ => MediaKind::Document,
    };
    Media {
        kind,
        media_id: owned(part, "id"),
        mime_type: owned(part, "mime_type"),
        sha256: owned(part, "sha256"),
        caption: owned(part, "caption"),
        filename: owned(part, "filename"),
    }
}

fn contact(card: &Value) -> SharedContact {
    let name = card.get("name").unwrap_or(&Value::Null);
    let formatted = owned(name, "formatted_name").or_else(|| {
        let parts: Vec<&str> =
            ["first_name", "middle_name", "last_name"].iter().filter_map(|k| str_at(name, k)).collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    SharedContact {
        name: formatted.unwrap_or_else(|| "(no name)".to_owned()),
        phones: card
            .get("phones")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|p| owned(p, "phone").or_else(|| owned(p, "wa_id")))
            .collect(),
        company: card.get("org").and_then(|o| owned(o, "company")),
    }
}

fn interactive(part: &Value) -> Option<Content> {
    let kind = str_at(part, "type")?;
    if matches!(kind, "button" | "list") {
        // The business's own question (as sent): the body and the answers it offers.
        let action = part.get("action").unwrap_or(&Value::Null);
        let list = |v: Option<&Value>| v.and_then(Value::as_array).map_or(&[][..], Vec::as_slice).to_vec();
        let options = if kind == "button" {
            // Each button is `{"type":"reply","reply":{"id","title"}}`.
            list(action.get("buttons")).iter().filter_map(|b| owned(b.get("reply")?, "title")).collect()
        } else {
            // A list's sections each hold rows `{"id","title","description"}`.
            let rows =
                list(action.get("sections")).iter().flat_map(|s| list(s.get("rows"))).collect::<Vec<_>>();
            rows.iter().filter_map(|r| owned(r, "title")).collect()
        };
        return Some(Content::Question { body: owned(part.get("body")?, "text")?, options });
    }
    let reply = part.get(kind)?;
    match kind {
        "button_reply" | "list_reply" => {
            Some(Content::Choice { id: owned(reply, "id"), title: owned(reply, "title")? })
        }
        "nfm_reply" => {
            let answers = reply
                .get("response_json")
                .and_then(Value::as_str)
                .and_then(|json| serde_json::from_str::<serde_json::Map<String, Value>>(json).ok())
                .map(|map| {
                    map.into_iter()
                        .filter(|(name, _)| name != "flow_token")
                        .map(|(name, value)| {
                            let value = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                            (name, value)
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(Content::FormReply { body: owned(reply, "body"), answers })
        }
        "call_permission_reply" => Some(Content::System {
            body: match str_at(reply, "response") {
                Some("accept") => "The customer allowed WhatsApp calls from the business".to_owned(),
                Some("reject") => "The customer declined WhatsApp calls from the business".to_owned(),
                _ => "The customer answered a request to call them".to_owned(),
            },
        }),
        _ => None,
    }
}

impl Context {
    /// Reads the `context` and `referral` of a message object.
    pub fn read(raw: &Value) -> Self {
        let context = raw.get("context").unwrap_or(&Value::Null);
        let forwarded = if context.get("frequently_forwarded").and_then(Value::as_bool) == Some(true) {
            Some(Forwarded::Frequently)
        } else if context.get("forwarded").and_then(Value::as_bool) == Some(true) {
            Some(Forwarded::Once)
        } else {
            None
        };
        Self {
            // Inbound: `context.id`; a request Countersign sent: `context.message_id`.
            reply_to: owned(context, "id").or_else(|| owned(context, "message_id")),
            forwarded,
            referral: raw.get("referral").map(|r| Referral {
                source_type: owned(r, "source_type"),
                source_url: owned(r, "source_url"),
                headline: owned(r, "headline"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn read(raw: &Value) -> Content {
        Content::read(raw["type"].as_str().unwrap(), raw, None)
    }

    #[rstest]
    #[case::text(json!({"type":"text","text":{"body":"Hi"}}), "Hi")]
    #[case::photo_with_caption(json!({"type":"image","image":{"id":"1","caption":"Scratch here"}}), "Photo: Scratch here")]
    #[case::voice_note(json!({"type":"audio","audio":{"id":"1","voice":true}}), "Voice message")]
    #[case::document(json!({"type":"document","document":{"id":"1","filename":"receipt.pdf"}}), "Document: receipt.pdf")]
    #[case::sticker(json!({"type":"sticker","sticker":{"id":"1","animated":false}}), "Sticker")]
    #[case::location(json!({"type":"location","location":{"latitude":53.8,"longitude":-1.5,"name":"Store 12"}}), "Location: Store 12")]
    #[case::contact(json!({"type":"contacts","contacts":[{"name":{"first_name":"Barbara","last_name":"Johnson"}}]}), "Contact: Barbara Johnson")]
    #[case::list_choice(json!({"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"leeds","title":"Leeds"}}}), "Chose: Leeds")]
    #[case::quick_reply(json!({"type":"button","button":{"text":"Yes","payload":"yes"}}), "Chose: Yes")]
    #[case::reaction(json!({"type":"reaction","reaction":{"message_id":"wamid.A","emoji":"👍"}}), "Reacted 👍")]
    #[case::reaction_removed(json!({"type":"reaction","reaction":{"message_id":"wamid.A"}}), "Took back a reaction")]
    #[case::order(json!({"type":"order","order":{"product_items":[{"product_retailer_id":"A","quantity":3},{"product_retailer_id":"B","quantity":"2"}]}}), "Order: 5 items")]
    #[case::system(json!({"type":"system","system":{"body":"User changed number"}}), "User changed number")]
    #[case::edit(json!({"type":"edit","edit":{"original_message_id":"wamid.A","message":{"type":"text","text":{"body":"size 40"}}}}), "Edited: size 40")]
    #[case::revoke(json!({"type":"revoke","revoke":{"original_message_id":"wamid.A"}}), "Deleted a message")]
    #[case::list_sent(json!({"type":"interactive","interactive":{"type":"list","body":{"text":"Which store?"},"action":{"button":"Stores","sections":[{"rows":[{"id":"r1","title":"Leeds"}]}]}}}), "Asked: Which store?")]
    #[case::question_sent(json!({"type":"interactive","interactive":{"type":"button","body":{"text":"Which store?"},"action":{"buttons":[{"type":"reply","reply":{"id":"b1","title":"Leeds"}}]}}}), "Asked: Which store?")]
    #[case::call_permission(json!({"type":"interactive","interactive":{"type":"call_permission_reply","call_permission_reply":{"response":"accept"}}}), "The customer allowed WhatsApp calls from the business")]
    #[case::unknown_type(json!({"type":"hologram","hologram":{}}), "Unsupported message (hologram)")]
    #[case::text_without_body(json!({"type":"text","text":{}}), "Unsupported message (text)")]
    fn every_type_reads_as_staff_would_say_it(#[case] raw: Value, #[case] summary: &str) {
        assert_eq!(read(&raw).summary(), summary);
    }

    #[test]
    fn a_form_reply_lists_the_answers_but_not_the_flow_token() {
        let raw = json!({"type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{
            "body":"Sent","name":"flow","response_json":"{\"size\":\"39\",\"flow_token\":\"secret\"}"}}});
        assert_eq!(
            read(&raw),
            Content::FormReply { body: Some("Sent".into()), answers: vec![("size".into(), "39".into())] }
        );
    }

    #[test]
    fn whatsapps_reason_for_an_unsupported_message_is_kept() {
        let raw = json!({"type":"unsupported","errors":[{"code":131051,"title":"Message type unknown",
            "error_data":{"details":"Message type is currently not supported."}}]});
        assert_eq!(
            read(&raw),
            Content::Unsupported {
                kind: "unsupported".into(),
                reason: Some("Message type is currently not supported.".into())
            }
        );
    }

    #[test]
    fn a_reply_written_here_reads_from_its_stored_text() {
        assert_eq!(
            Content::read("text", &Value::Null, Some("On its way")),
            Content::Text { body: "On its way".into() }
        );
    }

    #[rstest]
    #[case::reply(json!({"context":{"id":"wamid.A","from":"1"}}), Some("wamid.A"), None)]
    #[case::forwarded(json!({"context":{"forwarded":true}}), None, Some(Forwarded::Once))]
    #[case::frequently(json!({"context":{"frequently_forwarded":true}}), None, Some(Forwarded::Frequently))]
    fn context_says_what_a_message_answers_and_whether_it_was_forwarded(
        #[case] raw: Value,
        #[case] reply_to: Option<&str>,
        #[case] forwarded: Option<Forwarded>,
    ) {
        let context = Context::read(&raw);
        assert_eq!((context.reply_to.as_deref(), context.forwarded), (reply_to, forwarded));
    }

    #[test]
    fn a_click_to_whatsapp_ad_is_named() {
        let raw =
            json!({"referral":{"source_type":"ad","source_url":"https://fb.me/x","headline":"Winter sale"}});
        let referral = Context::read(&raw).referral.unwrap();
        assert_eq!(
            (referral.headline.as_deref(), referral.source_type.as_deref()),
            (Some("Winter sale"), Some("ad"))
        );
    }

    proptest::proptest! {
        #[test]
        fn any_json_reads_as_some_content(kind in "[a-z_]{1,12}", body in proptest::option::of(".*")) {
            let raw = json!({"type": kind, kind.clone(): {"body": body, "id": 5, "latitude": "x"}});
            let content = Content::read(&kind, &raw, body.as_deref());
            let _ = content.summary();
        }
    }
}
