//! Messages other than plain text and templates, as an agent composes them: a place, a
//! contact card, a question with reply buttons or a list, and reactions. Each is checked against
//! WhatsApp's limits before it is committed, needs the customer's 24-hour window, and goes
//! through the outbox like a text reply.

use crate::audit::Kind;
use serde::Deserialize;
use serde_json::{json, Value};

use super::views::{MessageView, SendingOptionsView, TemplateView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::sending::{self, Files};
use crate::authz::{act, decide, Action, Decision};
use crate::domain::{Content, ConversationId, MessageId, MessageKind};
use crate::error::{Error, Result};
use crate::store::templates::TemplateRecord;

/// A message other than text, to send.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboundMessage {
    /// A place (a store's address, a pick-up point).
    Location {
        /// Latitude.
        latitude: f64,
        /// Longitude.
        longitude: f64,
        /// Its name.
        name: Option<String>,
        /// Its address.
        address: Option<String>,
    },
    /// A contact card (a colleague, a store's number).
    Contact {
        /// The name.
        name: String,
        /// The phone number.
        phone: String,
    },
    /// A question with one to three reply buttons; the customer's tap comes back as a choice.
    Buttons {
        /// The question.
        body: String,
        /// The buttons' titles (at most 20 characters each).
        buttons: Vec<String>,
    },
    /// A question with a list of up to ten answers behind a button ("Which store?").
    List {
        /// The question.
        body: String,
        /// The button's label that opens the list (at most 20 characters).
        button: String,
        /// The answers (at most 24 characters each).
        rows: Vec<String>,
    },
    /// A reaction to a message of this conversation; an empty emoji takes it back.
    Reaction {
        /// The message reacted to.
        message_id: i64,
        /// The emoji.
        emoji: String,
    },
}

fn invalid<T>(message: &str) -> Result<T> {
    Err(Error::Invalid(message.to_owned()))
}

fn trimmed(text: Option<&String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The Graph request body (without `to`) and the kind, for a checked message; `wamid` is the
/// reacted-to message's WhatsApp id, for reactions.
pub(super) fn request(message: &OutboundMessage, wamid: Option<&str>) -> Result<(Value, &'static str)> {
    Ok(match message {
        OutboundMessage::Location { latitude, longitude, name, address } => {
            if !(-90.0..=90.0).contains(latitude) || !(-180.0..=180.0).contains(longitude) {
                return invalid("a latitude is between -90 and 90 and a longitude between -180 and 180");
            }
            let mut location = json!({ "latitude": latitude, "longitude": longitude });
            if let Some(name) = trimmed(name.as_ref()) {
                location["name"] = json!(name);
            }
            if let Some(address) = trimmed(address.as_ref()) {
                location["address"] = json!(address);
            }
            (json!({ "type": "location", "location": location }), "location")
        }
        OutboundMessage::Contact { name, phone } => {
            let name = name.trim();
            let phone = phone.trim();
            let phone_ok = (4..=32).contains(&phone.len())
                && phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
            if name.is_empty() || name.chars().count() > 256 || !phone_ok {
                return invalid(
                    "a contact card needs a name and a phone number (digits, spaces, + - and brackets)",
                );
            }
            let card = json!({ "name": { "formatted_name": name, "first_name": name },
                               "phones": [{ "phone": phone, "type": "CELL" }] });
            (json!({ "type": "contacts", "contacts": [card] }), "contacts")
        }
        OutboundMessage::Buttons { body, buttons } => {
            let body = body.trim();
            let titles: Vec<&str> = buttons.iter().map(|b| b.trim()).collect();
            if body.is_empty() || body.chars().count() > 1024 {
                return invalid("the question is between 1 and 1024 characters");
            }
            let unique = titles.iter().enumerate().all(|(i, t)| !titles[..i].contains(t));
            if titles.is_empty() || titles.len() > 3 || !unique {
                return invalid("a question has one to three different buttons");
            }
            if titles.iter().any(|t| t.is_empty() || t.chars().count() > 20) {
                return invalid("a button's title is between 1 and 20 characters");
            }
            let buttons: Vec<Value> = titles
                .iter()
                .enumerate()
                .map(|(i, title)| json!({ "type": "reply", "reply": { "id": format!("b{}", i + 1), "title": title } }))
                .collect();
            let interactive =
                json!({ "type": "button", "body": { "text": body }, "action": { "buttons": buttons } });
            (json!({ "type": "interactive", "interactive": interactive }), "interactive")
        }
        OutboundMessage::List { body, button, rows } => {
            let (body, button) = (body.trim(), button.trim());
            let titles: Vec<&str> = rows.iter().map(|r| r.trim()).collect();
            if body.is_empty() || body.chars().count() > 1024 {
                return invalid("the question is between 1 and 1024 characters");
            }
            if button.is_empty() || button.chars().count() > 20 {
                return invalid("the list's button label is between 1 and 20 characters");
            }
            let unique = titles.iter().enumerate().all(|(i, t)| !titles[..i].contains(t));
            if titles.is_empty() || titles.len() > 10 || !unique {
                return invalid("a list has one to ten different answers");
            }
            if titles.iter().any(|t| t.is_empty() || t.chars().count() > 24) {
                return invalid("an answer in a list is between 1 and 24 characters");
            }
            let rows: Vec<Value> = titles
                .iter()
                .enumerate()
                .map(|(i, title)| json!({ "id": format!("r{}", i + 1), "title": title }))
                .collect();
            let interactive = json!({ "type": "list", "body": { "text": body },
                                      "action": { "button": button, "sections": [{ "rows": rows }] } });
            (json!({ "type": "interactive", "interactive": interactive }), "interactive")
        }
        OutboundMessage::Reaction { emoji, .. } => {
            let emoji = emoji.trim();
            if emoji.len() > 32 || emoji.chars().any(|c| c.is_ascii_alphanumeric() || c.is_control()) {
                return invalid("a reaction is one emoji");
            }
            let Some(wamid) = wamid else {
                return invalid(
                    "the message you react to is not in this conversation, or WhatsApp has not named it yet",
                );
            };
            (json!({ "type": "reaction", "reaction": { "message_id": wamid, "emoji": emoji } }), "reaction")
        }
    })
}

impl Core {
    /// Sends a place, a contact card, a question with buttons or a reaction.
    pub async fn send_message(
        &self,
        token: &SessionToken,
        id: ConversationId,
        message: OutboundMessage,
    ) -> Result<MessageView> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_conversation::<act::SendMessage>(&r.actor, id).await?;
        let wamid = match &message {
            OutboundMessage::Reaction { message_id, .. } => {
                self.store.message_wamid(&proof, MessageId::new(*message_id)).await?
            }
            _ => None,
        };
        let (mut graph, kind) = request(&message, wamid.as_deref())?;
        let recipient = self.recipient(&proof, true).await?;
        graph["messaging_product"] = json!("whatsapp");
        graph["recipient_type"] = json!("individual");
        graph["to"] = json!(recipient);
        let summary = Content::read(kind, &graph, None).summary();
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let message_kind = MessageKind::from_wire(Some(kind));
        let message_id = tx.enqueue_reply(&proof, &recipient, &message_kind, &summary, graph, now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::MessageSent)
            .target(format!("conversation:{}", id.get()))
            .detail("message", message_id.get())
            .detail("kind", kind);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(conversation = id.get(), message = message_id.get(), kind, "message queued");
        self.queued_view(&r, id, message_id).await
    }
}

impl Core {
    /// What the composer may offer in a conversation: which files may be sent (the contact's
    /// labels decide) and the approved templates meant for this contact. The core checks again
    /// on every send.
    pub async fn sending_options(
        &self,
        token: &SessionToken,
        id: ConversationId,
    ) -> Result<SendingOptionsView> {
        let r = self.resolve(token).await?;
        self.allow_on_conversation::<act::SendMessage>(&r.actor, id).await?;
        let labels = self.store.conversation_label_rules(id).await?;
        let (files, decided_by) = sending::files_for(&labels);
        let files_note = decided_by.and_then(|label| match files {
            Files::Any => None,
            Files::NoDocuments => Some(format!(
                "Contacts labelled {} may receive photos, videos and audio, not documents.",
                label.name
            )),
            Files::None => Some(format!("No files may be sent to contacts labelled {}.", label.name)),
        });
        let placement = self.store.conversation_placement(id).await?.ok_or(Error::NotFound)?;
        let may_send_templates = decide(&r.actor, Action::SendTemplate, Some(&placement)) == Decision::Allow;
        let (mut templates, mut templates_withheld) = (Vec::new(), 0);
        if may_send_templates {
            let visible = self.visible_labels(&r.actor).await?;
            // Approved ones Countersign can fill (not those with a photo or place as header).
            let sendable =
                |t: &&TemplateRecord| t.template.status == "APPROVED" && t.template.media_header.is_none();
            for t in self.store.list_templates().await?.iter().filter(sendable) {
                if sending::may_send_template(&labels, &t.audience).is_ok() {
                    templates.push(TemplateView::build(t, &visible));
                } else {
                    templates_withheld += 1;
                }
            }
        }
        Ok(SendingOptionsView { files: files.as_str(), files_note, templates, templates_withheld })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn buttons(titles: &[&str]) -> OutboundMessage {
        OutboundMessage::Buttons {
            body: "Which store?".to_owned(),
            buttons: titles.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    #[rstest]
    #[case::three_buttons(buttons(&["Leeds", "York", "Hull"]), true)]
    #[case::four_buttons(buttons(&["A", "B", "C", "D"]), false)]
    #[case::same_twice(buttons(&["Leeds", "Leeds"]), false)]
    #[case::title_too_long(buttons(&["Leeds, Briggate and Trinity"]), false)]
    #[case::list(OutboundMessage::List { body: "Which store?".into(), button: "Stores".into(), rows: vec!["Leeds, Briggate".into(), "York".into()] }, true)]
    #[case::list_of_eleven(OutboundMessage::List { body: "?".into(), button: "Stores".into(), rows: (1..=11).map(|n| n.to_string()).collect() }, false)]
    #[case::north_pole_and_beyond(OutboundMessage::Location { latitude: 91.0, longitude: 0.0, name: None, address: None }, false)]
    #[case::a_store(OutboundMessage::Location { latitude: 53.8, longitude: -1.54, name: Some("Store 12".into()), address: None }, true)]
    #[case::card_without_number(OutboundMessage::Contact { name: "Priya".into(), phone: "call me".into() }, false)]
    #[case::card(OutboundMessage::Contact { name: "Priya, Store 12".into(), phone: "+44 113 496 0000".into() }, true)]
    #[case::word_as_reaction(OutboundMessage::Reaction { message_id: 1, emoji: "like".into() }, false)]
    #[case::emoji(OutboundMessage::Reaction { message_id: 1, emoji: "👍".into() }, true)]
    fn whatsapps_limits_are_checked_before_anything_is_sent(
        #[case] message: OutboundMessage,
        #[case] ok: bool,
    ) {
        assert_eq!(request(&message, Some("wamid.A")).is_ok(), ok);
    }

    #[test]
    fn reply_buttons_are_built_as_meta_documents() {
        let (graph, kind) = request(&buttons(&["Leeds", "York"]), None).unwrap();
        assert_eq!(kind, "interactive");
        assert_eq!(
            graph["interactive"]["action"]["buttons"][1],
            json!({ "type": "reply", "reply": { "id": "b2", "title": "York" } })
        );
    }
}
