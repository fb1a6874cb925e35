//! The views of messages: what a message says, by type, with personal data masked for
//! everyone ([`super::masked`]) or, after a reveal, unmasked in the classes the actor may see.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use super::{masked, revealing};
use crate::domain::{Content, Context, Direction, Forwarded};
use crate::mask::{self, ClassSet, DataClass};
use crate::store::inbox::MessageRecord;

/// One message in a conversation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    /// Message id.
    pub id: i64,
    /// `inbound` (from the customer) or `outbound`.
    pub direction: &'static str,
    /// The WhatsApp message type.
    pub kind: String,
    /// The message in words (its text, or what it is: "Photo: caption", "Location: …").
    pub text: String,
    /// What it says, by type, for rendering.
    pub content: ContentView,
    /// When it was sent (ms since the epoch).
    pub sent_at: i64,
    /// Delivery status of outbound messages.
    pub status: Option<String>,
    /// The staff member who sent it.
    pub author: Option<String>,
    /// Why an outbound message is not delivered, or not sent yet, in words for staff.
    pub failure: Option<String>,
    /// The message it answers, in words, when that message is in this conversation.
    pub quote: Option<String>,
    /// `forwarded` or `frequently_forwarded`.
    pub forwarded: Option<&'static str>,
    /// The ad the customer tapped to start the chat.
    pub referral: Option<ReferralView>,
    /// The customer's reaction to it.
    pub reaction: Option<String>,
    /// The business's reaction to it.
    pub our_reaction: Option<String>,
    /// The customer edited it (the content is the latest version).
    pub edited: bool,
    /// The customer deleted it for everyone; Countersign keeps what it received.
    pub deleted: bool,
    /// Personal data in it is masked; someone who may reveal it can ask to see it, giving a
    /// reason.
    pub masked: bool,
}

/// A message shown unmasked for a while, after a reveal with a reason.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RevealView {
    /// The message, with the classes of data the actor may reveal unmasked.
    pub message: MessageView,
    /// Until when to show it (ms since the epoch); then the inbox masks it again.
    pub until: i64,
}

/// What a message says, by type.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentView {
    /// Text.
    Text {
        /// The text.
        body: String,
    },
    /// A photo, video, audio file, voice note, document or sticker.
    Media {
        /// `image`, `video`, `audio`, `voice`, `document` or `sticker`.
        media: &'static str,
        /// Its caption.
        caption: Option<String>,
        /// Its file name (documents).
        filename: Option<String>,
        /// Its MIME type.
        mime_type: Option<String>,
        /// The file: `pending` (being downloaded), `stored` (ask for it with the message id),
        /// `refused` or `failed`; `null` when WhatsApp named no file.
        file: Option<String>,
        /// Why the file is not available, in words.
        problem: Option<&'static str>,
        /// Its size in bytes, once stored.
        size: Option<i64>,
    },
    /// A place.
    Location {
        /// Latitude.
        latitude: Option<f64>,
        /// Longitude.
        longitude: Option<f64>,
        /// Name.
        name: Option<String>,
        /// Address.
        address: Option<String>,
    },
    /// Contact cards.
    Contacts {
        /// The cards.
        contacts: Vec<SharedContactView>,
    },
    /// A button or list entry the customer chose.
    Choice {
        /// What they chose.
        title: String,
    },
    /// A question the business asked, with the answers it offered.
    Question {
        /// The question.
        body: String,
        /// The answers offered.
        options: Vec<String>,
    },
    /// A completed form.
    Form {
        /// The form's summary.
        body: Option<String>,
        /// The answers.
        answers: Vec<AnswerView>,
    },
    /// An order.
    Order {
        /// The customer's note.
        note: Option<String>,
        /// The lines.
        lines: Vec<OrderLineView>,
    },
    /// A notice from WhatsApp, or a reaction, edit or deletion of a message not shown here.
    Notice {
        /// What happened.
        body: String,
    },
    /// Its content was removed under the organisation's retention policy.
    Removed {
        /// When (ms since the epoch).
        at: i64,
    },
    /// A type the inbox does not show; WhatsApp's message is stored whole.
    Unsupported {
        /// WhatsApp's type name.
        kind: String,
        /// WhatsApp's reason.
        reason: Option<String>,
    },
}

/// A shared contact card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SharedContactView {
    /// Name.
    pub name: String,
    /// Phone numbers.
    pub phones: Vec<String>,
    /// Company.
    pub company: Option<String>,
}

/// One answer of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AnswerView {
    /// The field.
    pub name: String,
    /// The answer.
    pub value: String,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrderLineView {
    /// The product's catalog id.
    pub product: String,
    /// How many.
    pub quantity: u64,
    /// Price of one.
    pub price: Option<f64>,
    /// Currency.
    pub currency: Option<String>,
}

/// A click-to-WhatsApp ad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReferralView {
    /// The ad's headline.
    pub headline: Option<String>,
    /// Its link.
    pub source_url: Option<String>,
}

impl ContentView {
    fn build(content: &Content) -> Self {
        match content {
            Content::Text { body } => Self::Text { body: body.clone() },
            Content::Media(m) => Self::Media {
                media: m.kind.as_str(),
                caption: m.caption.clone(),
                filename: m.filename.clone(),
                mime_type: m.mime_type.clone(),
                file: None,
                problem: None,
                size: None,
            },
            Content::Location { latitude, longitude, name, address } => Self::Location {
                latitude: *latitude,
                longitude: *longitude,
                name: name.clone(),
                address: address.clone(),
            },
            Content::Contacts(cards) => Self::Contacts {
                contacts: cards
                    .iter()
                    .map(|c| SharedContactView {
                        name: c.name.clone(),
                        phones: c.phones.clone(),
                        company: c.company.clone(),
                    })
                    .collect(),
            },
            Content::Choice { title, .. } => Self::Choice { title: title.clone() },
            Content::Question { body, options } => {
                Self::Question { body: body.clone(), options: options.clone() }
            }
            Content::FormReply { body, answers } => Self::Form {
                body: body.clone(),
                answers: answers
                    .iter()
                    .map(|(name, value)| AnswerView { name: name.clone(), value: value.clone() })
                    .collect(),
            },
            Content::Order { note, lines } => Self::Order {
                note: note.clone(),
                lines: lines
                    .iter()
                    .map(|l| OrderLineView {
                        product: l.product.clone(),
                        quantity: l.quantity,
                        price: l.price,
                        currency: l.currency.clone(),
                    })
                    .collect(),
            },
            Content::System { .. }
            | Content::Reaction { .. }
            | Content::Edit { .. }
            | Content::Revoke { .. } => Self::Notice { body: content.summary() },
            Content::Unsupported { kind, reason } => {
                Self::Unsupported { kind: kind.clone(), reason: reason.clone() }
            }
        }
    }
}

/// What a message whose content a retention purge removed says instead.
pub const REMOVED: &str = "Removed under the retention policy";

impl MessageView {
    /// Builds the views of a conversation's messages (oldest first) for an actor with
    /// `grants`. Reactions, edits and deletions are shown on the message they concern when it
    /// is in the list, and as a notice of their own otherwise.
    pub fn build_thread(messages: &[MessageRecord], detectors: &mask::Detectors) -> Vec<Self> {
        // Everyone sees personal data masked; those who may reveal it ask, with a reason.
        let policy = masked(detectors);
        let mut views: Vec<Self> = Vec::with_capacity(messages.len());
        let mut by_wamid: HashMap<&str, usize> = HashMap::new();
        for m in messages {
            // A reaction, edit or deletion whose content is gone no longer says what it did to
            // which message: nothing to show.
            if m.content_removed_at.is_some() && m.kind.is_annotation() {
                continue;
            }
            let raw: Value = serde_json::from_str(&m.raw_json).unwrap_or(Value::Null);
            let read = Content::read(m.kind.as_str(), &raw, m.body.as_deref());
            let content = policy.content(&read);
            let masked = content != read;
            let target = match &content {
                Content::Reaction { target, .. }
                | Content::Edit { target, .. }
                | Content::Revoke { target } => by_wamid.get(target.as_str()).copied(),
                _ => None,
            };
            if let Some(index) = target {
                let shown = &mut views[index];
                match content {
                    Content::Reaction { emoji, .. } if m.direction == Direction::Outbound => {
                        shown.our_reaction = emoji
                    }
                    Content::Reaction { emoji, .. } => shown.reaction = emoji,
                    Content::Edit { content, .. } => {
                        shown.text = content.summary();
                        shown.content = ContentView::build(&content);
                        shown.edited = true;
                        shown.masked |= masked;
                    }
                    _ => shown.deleted = true,
                }
                continue;
            }
            let context = Context::read(&raw);
            let quote =
                context.reply_to.as_deref().and_then(|id| by_wamid.get(id)).map(|&i| views[i].text.clone());
            if let Some(wamid) = m.wa_message_id.as_deref() {
                by_wamid.insert(wamid, views.len());
            }
            views.push(Self::build_one(m, &content, &context, quote, masked));
        }
        views
    }

    /// What the messages of a page name elsewhere in their conversation: the messages they
    /// answer or annotate (`named`), and, for their own WhatsApp ids, where a later reaction,
    /// edit or deletion may point (`annotated`).
    pub fn references(messages: &[MessageRecord]) -> (Vec<String>, Vec<String>) {
        let mut named = Vec::new();
        let mut annotated = Vec::new();
        for m in messages {
            if let Some(wamid) = &m.wa_message_id {
                annotated.push(wamid.clone());
            }
            let raw: Value = serde_json::from_str(&m.raw_json).unwrap_or(Value::Null);
            match Content::read(m.kind.as_str(), &raw, m.body.as_deref()) {
                Content::Reaction { target, .. }
                | Content::Edit { target, .. }
                | Content::Revoke { target } => named.push(target),
                _ => named.extend(Context::read(&raw).reply_to),
            }
        }
        (named, annotated)
    }

    /// Builds the views of one page of a thread (`page`, oldest first), with `context` (what
    /// [`Self::references`] named, from anywhere in the thread) read alongside: a quote of a
    /// message pages back is shown, a later reaction to a message of the page is shown on it,
    /// and a reaction on this page to a message pages back is shown there, not here.
    pub fn build_page(
        page: &[MessageRecord],
        context: &[MessageRecord],
        detectors: &mask::Detectors,
    ) -> Vec<Self> {
        let mut all: Vec<MessageRecord> = page.to_vec();
        let on_page: HashSet<i64> = page.iter().map(|m| m.id.get()).collect();
        all.extend(context.iter().filter(|m| !on_page.contains(&m.id.get())).cloned());
        all.sort_by_key(|m| (m.sent_at.as_millis() / 1000, m.id.get()));
        let mut views = Self::build_thread(&all, detectors);
        views.retain(|v| on_page.contains(&v.id));
        views
    }

    /// Builds the view of one message for an actor with `grants`.
    pub fn build(m: &MessageRecord, detectors: &mask::Detectors) -> Self {
        Self::build_with(m, &masked(detectors))
    }

    /// The view of one message with the classes of `sight` unmasked, and the classes that
    /// were unmasked (for the audit trail).
    pub fn revealed(
        m: &MessageRecord,
        sight: ClassSet,
        detectors: &mask::Detectors,
    ) -> (Self, Vec<&'static str>) {
        let raw: Value = serde_json::from_str(&m.raw_json).unwrap_or(Value::Null);
        let read = Content::read(m.kind.as_str(), &raw, m.body.as_deref());
        let policy = revealing(sight, detectors);
        let classes = DataClass::ALL
            .into_iter()
            .filter(|&class| {
                policy.sees(class)
                    && mask::Policy::new(detectors.clone(), |c| c != class).content(&read) != read
            })
            .map(DataClass::as_str)
            .collect();
        (Self::build_with(m, &policy), classes)
    }

    fn build_with(m: &MessageRecord, policy: &mask::Policy) -> Self {
        let raw: Value = serde_json::from_str(&m.raw_json).unwrap_or(Value::Null);
        let read = Content::read(m.kind.as_str(), &raw, m.body.as_deref());
        let content = policy.content(&read);
        let masked = content != read;
        Self::build_one(m, &content, &Context::read(&raw), None, masked)
    }

    fn build_one(
        m: &MessageRecord,
        content: &Content,
        context: &Context,
        quote: Option<String>,
        masked: bool,
    ) -> Self {
        let mut content_view = match m.content_removed_at {
            Some(at) => ContentView::Removed { at: at.as_millis() },
            None => ContentView::build(content),
        };
        if let (ContentView::Media { file, problem, size, .. }, Some((state, reason, stored))) =
            (&mut content_view, &m.media)
        {
            *file = Some(if state == "fetching" { "pending".to_owned() } else { state.clone() });
            *problem = crate::api::media::explain(state, reason.as_deref());
            *size = *stored;
        }
        Self {
            id: m.id.get(),
            direction: m.direction.as_str(),
            kind: m.kind.as_str().to_owned(),
            text: match m.content_removed_at {
                Some(_) => REMOVED.to_owned(),
                None => content.summary(),
            },
            content: content_view,
            sent_at: m.sent_at.as_millis(),
            status: m.status.clone(),
            author: m.author.clone(),
            failure: match (m.failure_code, m.status.as_deref()) {
                (Some(code), Some("queued")) => {
                    Some(crate::channel::whatsapp::client::explain_waiting(code).to_owned())
                }
                (Some(code), _) => Some(crate::channel::whatsapp::client::explain(code).to_owned()),
                (None, Some("failed")) => {
                    Some("it could not be sent in time; write again if it still matters".to_owned())
                }
                (None, _) => None,
            },
            quote,
            forwarded: context.forwarded.map(|f| match f {
                Forwarded::Once => "forwarded",
                Forwarded::Frequently => "frequently_forwarded",
            }),
            referral: context
                .referral
                .as_ref()
                .map(|r| ReferralView { headline: r.headline.clone(), source_url: r.source_url.clone() }),
            reaction: None,
            our_reaction: None,
            edited: false,
            deleted: false,
            masked,
        }
    }
}
