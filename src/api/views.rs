//! Views: the only types that leave the core (DESIGN §3.1). Each is built by a function that
//! takes the actor's grants, so masking cannot be skipped by accident.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::authz::{Grants, Permission};
use crate::domain::{Content, Context, CustomerRef, Direction, Forwarded, TeamId, REPLY_WINDOW_MS};
use crate::mask::{self, DataClass};
use crate::store::access::LabelRecord;
use crate::store::inbox::{ContactRecord, ConversationRecord, MessageRecord};
use crate::store::users::UserRecord;

/// A stable error code the UI and HTTP clients switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Sign in (again).
    Unauthenticated,
    /// Missing or not visible.
    NotFound,
    /// Too many failed sign-ins; wait or ask an administrator.
    Throttled,
    /// Choose a new password first.
    PasswordChangeRequired,
    /// Sign-in is not allowed from this network.
    NetworkNotAllowed,
    /// Enter the second factor first.
    SecondFactorRequired,
    /// Set up a second factor first (organisation policy).
    SecondFactorEnrolmentRequired,
    /// The request needs an explicit confirmation.
    ConfirmationRequired,
    /// The session is locked: show the lock screen.
    Locked,
    /// Prove a second factor again (step-up), then retry.
    StepUpRequired,
    /// Step-up is needed but the user has no second factor to prove: set one up first.
    StepUpUnavailable,
    /// Visible but not allowed.
    Forbidden,
    /// The change clashes with the current state (a taken name, a role still in use).
    Conflict,
    /// The request is wrong.
    Invalid,
    /// A webhook signature did not verify.
    BadSignature,
    /// Installation or key problem.
    Setup,
    /// WhatsApp refused or is unreachable.
    Channel,
    /// Anything else.
    Internal,
}

/// An error as a front end receives it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorView {
    /// What kind of error.
    pub code: ErrorCode,
    /// A message safe to show.
    pub message: String,
}

impl From<&crate::error::Error> for ErrorView {
    fn from(e: &crate::error::Error) -> Self {
        Self { code: e.code(), message: e.to_string() }
    }
}

/// The signed-in user and what they may do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeView {
    /// User name.
    pub username: String,
    /// Role (its slug).
    pub role: String,
    /// The role's display name.
    pub role_name: String,
    /// Permission names, for showing or hiding controls (the core checks again anyway).
    pub capabilities: Vec<&'static str>,
    /// The user must choose a new password before anything else works.
    pub must_change_password: bool,
    /// The session waits for a second factor (an authenticator code or a recovery code).
    pub second_factor_required: bool,
    /// The organisation requires a second factor of this user, who has none yet: setting one
    /// up is the only thing that works.
    pub second_factor_enrolment_required: bool,
    /// The session is locked: only unlocking (or switching user) works.
    pub locked: bool,
    /// The desktop app locks after this many seconds without input.
    pub lock_after_seconds: i64,
    /// The second factors the user has: `totp`, `security_key`.
    pub second_factor_methods: Vec<&'static str>,
}

impl MeView {
    /// Builds the view of `user` with their grants.
    pub fn build(user: &UserRecord, grants: &Grants) -> Self {
        Self {
            username: user.username.clone(),
            role: grants.role().as_str().to_owned(),
            role_name: grants.role().as_str().to_owned(),
            capabilities: grants.capability_names(),
            must_change_password: user.must_change_password,
            second_factor_required: false,
            second_factor_enrolment_required: false,
            locked: false,
            lock_after_seconds: crate::api::users::DEFAULT_LOCK_AFTER_SECONDS,
            second_factor_methods: Vec::new(),
        }
    }

    /// Sets the role's display name.
    pub fn role_name(mut self, name: Option<String>) -> Self {
        if let Some(name) = name {
            self.role_name = name;
        }
        self
    }

    /// Sets the second factors the user has.
    pub fn second_factor_methods(mut self, methods: Vec<&'static str>) -> Self {
        self.second_factor_methods = methods;
        self
    }

    /// Marks the view of a locked session.
    pub fn locked(mut self, locked: bool) -> Self {
        self.locked = locked;
        self
    }

    /// Sets when the desktop app locks.
    pub fn lock_after_seconds(mut self, seconds: i64) -> Self {
        self.lock_after_seconds = seconds;
        self
    }

    /// Marks the view of a user who must set up a second factor before anything else.
    pub fn enrolment_required(mut self, required: bool) -> Self {
        self.second_factor_enrolment_required = required;
        self
    }

    /// Marks the view of a session that still waits for its second factor.
    pub fn second_factor_pending(mut self, pending: bool) -> Self {
        self.second_factor_required = pending;
        self
    }
}

/// The organisation's security settings, for the administrators' screen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecuritySettingsView {
    /// Shortest password accepted.
    pub password_min_length: usize,
    /// Failed sign-ins in a row that lock a user name.
    pub lockout_max_failures: u32,
    /// Roles that must use a second factor.
    pub second_factor_roles: Vec<String>,
    /// Minutes without a call after which a session ends.
    pub session_idle_minutes: i64,
    /// Hours after sign-in at which a session ends.
    pub session_absolute_hours: i64,
    /// Seconds without input after which the desktop app locks.
    pub lock_after_seconds: i64,
    /// Minutes a proven second factor allows high-risk actions for.
    pub step_up_minutes: i64,
    /// The country whose local phone numbers are masked too.
    pub masking_region: Option<String>,
    /// The national identity numbers masked.
    pub masking_identity_numbers: Vec<String>,
}

/// A new session, as the HTTP API returns it. The token appears here once and nowhere else.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewSessionView {
    /// The opaque bearer token.
    pub token: String,
    /// Who signed in.
    pub user: MeView,
}

/// One line of the conversation list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConversationSummaryView {
    /// Conversation id.
    pub id: i64,
    /// The customer's profile name, or a neutral label.
    pub customer_name: String,
    /// The customer's number (masked unless the actor may see it) or user name.
    pub customer_handle: String,
    /// Start of the latest message.
    pub last_message_preview: String,
    /// Time of the latest message (ms since the epoch).
    pub last_message_at: i64,
    /// The team it belongs to.
    pub team: TeamRefView,
    /// The agent it is assigned to, if any.
    pub assignee: Option<String>,
    /// Until when a free-form reply may be sent (ms since the epoch): 24 hours after the
    /// customer's last message. `null` if they never wrote. After it, only templates.
    pub reply_window_closes_at: Option<i64>,
}

/// A team, by id and name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamRefView {
    /// Team id.
    pub id: i64,
    /// Team name.
    pub name: String,
}

impl TeamRefView {
    fn build(team: &(TeamId, String)) -> Self {
        Self { id: team.0.get(), name: team.1.clone() }
    }
}

impl ConversationSummaryView {
    /// Builds the view for an actor with `grants`.
    pub fn build(c: &ConversationRecord, grants: &Grants, detectors: &mask::Detectors) -> Self {
        // Masked before it is cut short: a number cut in half would no longer be recognised.
        let preview = match (&c.last_text, &c.last_kind) {
            (Some(text), _) => masked(detectors).text(text).chars().take(80).collect(),
            (None, Some(kind)) => format!("[{kind}]"),
            (None, None) => String::new(),
        };
        Self {
            id: c.id.get(),
            customer_name: c.customer.profile_name.clone().unwrap_or_else(|| "WhatsApp customer".to_owned()),
            customer_handle: customer_handle(&c.customer, grants),
            last_message_preview: preview,
            last_message_at: c.last_message_at.as_millis(),
            team: TeamRefView::build(&c.team),
            assignee: c.assignee.as_ref().map(|a| a.1.clone()),
            reply_window_closes_at: c.last_inbound_at.map(|t| t.plus_millis(REPLY_WINDOW_MS).as_millis()),
        }
    }
}

/// Personal data in text as everyone sees it by default: masked.
fn masked(detectors: &mask::Detectors) -> mask::Policy {
    mask::Policy::new(*detectors, |_| false)
}

/// How `grants` see personal data after a reveal: unmasked in the classes they may reveal.
fn masking(grants: &Grants, detectors: &mask::Detectors) -> mask::Policy {
    mask::Policy::new(*detectors, |class| {
        grants.has(match class {
            DataClass::Contact => Permission::RevealContactData,
            DataClass::Financial => Permission::RevealFinancialData,
            DataClass::Identity => Permission::RevealIdentityData,
            DataClass::Health => Permission::RevealHealthData,
        })
    })
}

fn customer_handle(customer: &CustomerRef, grants: &Grants) -> String {
    match (&customer.wa_id, &customer.username) {
        (Some(wa_id), _) if grants.has(Permission::RevealContactData) => format!("+{wa_id}"),
        (Some(wa_id), _) => mask::phone(wa_id),
        (None, Some(username)) => format!("@{username}"),
        (None, None) => "no phone number shared".to_owned(),
    }
}

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

    /// Builds the view of one message for an actor with `grants`.
    pub fn build(m: &MessageRecord, detectors: &mask::Detectors) -> Self {
        Self::build_with(m, &masked(detectors))
    }

    /// The view of one message with the classes of data `grants` may reveal unmasked, and the
    /// classes that were unmasked (for the audit trail).
    pub fn revealed(
        m: &MessageRecord,
        grants: &Grants,
        detectors: &mask::Detectors,
    ) -> (Self, Vec<&'static str>) {
        let raw: Value = serde_json::from_str(&m.raw_json).unwrap_or(Value::Null);
        let read = Content::read(m.kind.as_str(), &raw, m.body.as_deref());
        let policy = masking(grants, detectors);
        let classes = [DataClass::Contact, DataClass::Financial, DataClass::Identity, DataClass::Health]
            .into_iter()
            .filter(|&class| {
                policy.sees(class) && mask::Policy::new(*detectors, |c| c != class).content(&read) != read
            })
            .map(|class| match class {
                DataClass::Contact => "contact",
                DataClass::Financial => "financial",
                DataClass::Identity => "identity",
                DataClass::Health => "health",
            })
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
        let mut content_view = ContentView::build(content);
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
            text: content.summary(),
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

/// What a webhook delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IntakeReceipt {
    /// These exact bytes were stored before; nothing changed.
    pub duplicate: bool,
    /// New messages stored.
    pub messages: usize,
    /// New status reports stored.
    pub statuses: usize,
    /// Other events stored.
    pub events: usize,
}

/// One allowlist entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AllowEntryView {
    /// The network.
    pub cidr: String,
    /// The role it is for; `null`: everyone.
    pub role: Option<String>,
}

/// The IP allowlist.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AllowlistView {
    /// The entries; none: no restriction.
    pub entries: Vec<AllowEntryView>,
    /// What the list does (and does not do) on a standalone desktop.
    pub desktop_note: &'static str,
}

/// One session, as its owner sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// Session id (for ending it).
    pub id: i64,
    /// The device or program.
    pub device: String,
    /// The address it was opened from, or `this PC`.
    pub origin: String,
    /// When it was opened (ms since the epoch).
    pub started_at: i64,
    /// When it was last used (ms since the epoch).
    pub last_seen_at: i64,
    /// Whether this is the session asking.
    pub current: bool,
}

/// A new authenticator secret, shown once at enrolment (deliberately the one view that
/// carries a secret: the user must copy it into their app).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TotpEnrolmentView {
    /// The secret in base 32, for typing.
    pub secret: String,
    /// The `otpauth://` URL (what the QR code holds).
    pub otpauth_url: String,
    /// The QR code of that URL, as an SVG document.
    pub qr_svg: String,
}

/// A WebAuthn challenge for the client to put to a security key.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyChallengeView {
    /// Returned with the key's answer.
    pub ceremony: String,
    /// The origin the client must use (the relying party's).
    pub origin: String,
    /// The WebAuthn options (`publicKey` creation or request options).
    pub options: serde_json::Value,
}

/// A registered security key or passkey.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecurityKeyView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// When it was registered (ms since the epoch).
    pub created_at: i64,
    /// When it was last used.
    pub last_used_at: Option<i64>,
}

/// Recovery codes, shown once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecoveryCodesView {
    /// Ten single-use codes.
    pub codes: Vec<String>,
}

/// A contact, as the contacts list and detail show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    /// Contact id.
    pub id: i64,
    /// The customer's profile name, or a neutral label.
    pub name: String,
    /// The customer's number (masked unless the actor may see it) or user name.
    pub handle: String,
    /// The team it belongs to.
    pub team: TeamRefView,
    /// The member of staff who owns it.
    pub owner: Option<String>,
    /// Its labels.
    pub labels: Vec<LabelRefView>,
}

/// A label on a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LabelRefView {
    /// Label id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Colour token.
    pub colour: String,
    /// Whether it hides the contact from roles not granted it.
    pub restricted: bool,
}

impl ContactView {
    /// Builds the view for an actor with `grants`.
    pub fn build(c: &ContactRecord, grants: &Grants) -> Self {
        Self {
            id: c.id.get(),
            name: c.customer.profile_name.clone().unwrap_or_else(|| "WhatsApp customer".to_owned()),
            handle: customer_handle(&c.customer, grants),
            team: TeamRefView::build(&c.team),
            owner: c.owner.as_ref().map(|o| o.1.clone()),
            labels: c
                .labels
                .iter()
                .map(|(id, name, colour, restricted)| LabelRefView {
                    id: id.get(),
                    name: name.clone(),
                    colour: colour.clone(),
                    restricted: *restricted,
                })
                .collect(),
        }
    }
}

/// One permission of the catalog, for the permission matrix.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PermissionView {
    /// Stable name (`conversations.reply`).
    pub name: &'static str,
    /// What it allows.
    pub label: &'static str,
    /// Whether a grant of it carries a scope (own, team, all).
    pub scoped: bool,
}

/// A module of the permission matrix with its permissions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModuleView {
    /// Heading.
    pub label: &'static str,
    /// Its permissions.
    pub permissions: Vec<PermissionView>,
}

/// One permission a role grants.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GrantView {
    /// Permission name.
    pub permission: &'static str,
    /// `own`, `team` or `all` for scoped permissions.
    pub scope: Option<&'static str>,
}

/// A role and what it grants.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoleView {
    /// Stable name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// A built-in template (clone it to adapt it).
    pub builtin: bool,
    /// Whether the viewer may change or delete it (custom, and nothing in it beyond their own
    /// grants).
    pub editable: bool,
    /// Whether the viewer may give it to someone.
    pub assignable: bool,
    /// What it grants.
    pub grants: Vec<GrantView>,
    /// Sees every restricted label.
    pub all_labels: bool,
    /// The restricted labels it sees (when not all).
    pub labels: Vec<i64>,
    /// How many users have it.
    pub users: i64,
}

/// The roles screen: the catalog and every role.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RolesView {
    /// The permission catalog, by module.
    pub catalog: Vec<ModuleView>,
    /// Every role, built-ins first.
    pub roles: Vec<RoleView>,
}

/// A user, as the administrators' list shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// User name.
    pub username: String,
    /// Role slug.
    pub role: String,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// Their teams.
    pub teams: Vec<TeamRefView>,
}

/// A team.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamView {
    /// Team id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Receives what nothing else claims; cannot be deleted.
    pub default: bool,
    /// Members' user names (only for those who may see users or manage teams).
    pub members: Option<Vec<String>>,
}

/// A label.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LabelView {
    /// Label id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Colour token.
    pub colour: String,
    /// Hides its contacts from roles not listed.
    pub restricted: bool,
    /// Roles that may see its contacts (only for those who manage labels).
    pub roles: Option<Vec<String>>,
    /// Which files may be sent to its contacts: `any`, `no_documents` or `none`.
    pub files: &'static str,
}

impl LabelView {
    /// A label; which roles see it only for those who `manage` labels.
    pub fn build(l: &LabelRecord, manage: bool) -> Self {
        Self {
            id: l.id.get(),
            name: l.name.clone(),
            colour: l.colour.clone(),
            restricted: l.restricted,
            roles: manage.then(|| l.roles.iter().map(|r| r.as_str().to_owned()).collect()),
            files: l.files.as_str(),
        }
    }
}

impl LabelRefView {
    /// A label by id, name and colour.
    pub fn of(l: &LabelRecord) -> Self {
        Self { id: l.id.get(), name: l.name.clone(), colour: l.colour.clone(), restricted: l.restricted }
    }
}

/// What may be sent in one conversation, for the composer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SendingOptionsView {
    /// Which files may be sent: `any`, `no_documents` or `none` (the strictest label decides).
    pub files: &'static str,
    /// Why files are limited, in words (names the label), when they are.
    pub files_note: Option<String>,
    /// Approved templates that may be sent to this contact (empty if the actor may not send
    /// templates).
    pub templates: Vec<TemplateView>,
    /// How many approved templates are meant for contacts with other labels.
    pub templates_withheld: usize,
}

/// The channel's settings as an admin sees them: no secret ever leaves the core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChannelView {
    /// Whether the channel has been set up.
    pub configured: bool,
    /// The Cloud API phone-number id.
    pub phone_number_id: Option<String>,
    /// The Graph API base URL.
    pub graph_base_url: Option<String>,
    /// The Graph API version.
    pub api_version: Option<String>,
    /// Whether a webhook verify token is set.
    pub verify_token_set: bool,
    /// Whether an app secret is set.
    pub app_secret_set: bool,
    /// Whether an access token is set.
    pub access_token_set: bool,
    /// Replies waiting because WhatsApp refused the access token (renew it to send them).
    pub replies_held_by_token: i64,
    /// The WhatsApp Business Account id (for the template catalog).
    pub business_account_id: Option<String>,
}

/// A message template in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    /// Its name.
    pub name: String,
    /// Its language code.
    pub language: String,
    /// Meta's review status (`APPROVED` templates can be sent).
    pub status: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// Header text.
    pub header: Option<String>,
    /// A header Countersign cannot fill yet (`IMAGE`, `VIDEO`, `DOCUMENT`, `LOCATION`): the
    /// template is not offered for sending.
    pub media_header: Option<String>,
    /// Body text, with placeholders.
    pub body: String,
    /// Footer text.
    pub footer: Option<String>,
    /// `graph` (synchronised) or `admin` (entered by hand).
    pub source: String,
    /// The values to fill, in order.
    pub slots: Vec<SlotView>,
    /// Its buttons.
    pub buttons: Vec<TemplateButtonView>,
    /// The labels it is meant for (empty: every contact). Only labels the actor sees.
    pub audience: Vec<LabelRefView>,
}

/// One placeholder of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SlotView {
    /// `header`, `body` or `button`.
    pub part: &'static str,
    /// Its number or name (`code` for a code to copy).
    pub name: String,
    /// For a button's value: the button's label.
    pub button: Option<String>,
}

/// A button of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TemplateButtonView {
    /// Meta's type: `QUICK_REPLY`, `URL`, `PHONE_NUMBER`, `COPY_CODE` …
    pub kind: String,
    /// Its label.
    pub text: String,
    /// Its link or phone number.
    pub target: Option<String>,
}

impl TemplateView {
    /// The view of a catalog entry; `visible` are the labels the actor sees.
    pub fn build(record: &crate::store::templates::TemplateRecord, visible: &[LabelRecord]) -> Self {
        let t = &record.template;
        Self {
            audience: visible
                .iter()
                .filter(|l| record.audience.contains(&l.id))
                .map(LabelRefView::of)
                .collect(),
            slots: {
                let mut labels = t.buttons.iter().filter(|b| b.slot().is_some()).map(|b| b.text.clone());
                t.slots()
                    .into_iter()
                    .map(|(part, name)| SlotView {
                        part,
                        name,
                        button: (part == "button").then(|| labels.next()).flatten(),
                    })
                    .collect()
            },
            buttons: t
                .buttons
                .iter()
                .map(|b| TemplateButtonView {
                    kind: b.kind.clone(),
                    text: b.text.clone(),
                    target: b.target.clone(),
                })
                .collect(),
            name: t.name.clone(),
            language: t.language.clone(),
            status: t.status.clone(),
            category: t.category.clone(),
            header: t.header.clone(),
            media_header: t.media_header.clone(),
            body: t.body.clone(),
            footer: t.footer.clone(),
            source: record.source.clone(),
        }
    }
}
