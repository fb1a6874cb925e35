//! Views: the only types that leave the core (DESIGN §3.1). Each is built by a function that
//! takes the actor's grants (and the organisation's detectors), so masking cannot be skipped
//! by accident. The views of messages are in [`messages`].

use serde::Serialize;

use crate::authz::Grants;
use crate::domain::{contact_field, ContactField, CustomerRef, TeamId, REPLY_WINDOW_MS};
use crate::mask::{self, ClassSet, DataClass};
use crate::store::access::LabelRecord;
use crate::store::inbox::{ContactRecord, ConversationRecord};
use crate::store::users::UserRecord;

mod audit;
mod escalations;
mod messages;
mod notes;
mod quick_replies;
mod retention;
mod routing;
mod search;
pub use audit::*;
pub use escalations::*;
pub use messages::*;
pub use notes::*;
pub use quick_replies::*;
pub use retention::*;
pub use routing::*;
pub use search::*;

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
    /// Single sign-on was refused (the message says why).
    SsoFailed,
    /// Passwords are off: sign in with the identity provider.
    SsoRequired,
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
    /// The user signs in with the organisation's identity provider (and has no password here).
    pub single_sign_on: bool,
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
            single_sign_on: false,
        }
    }

    /// Marks the view of a user who signs in with the identity provider.
    pub fn single_sign_on(mut self, bound: bool) -> Self {
        self.single_sign_on = bound;
        self
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

/// The single sign-on settings, for the administrators' screen (the client secret is
/// write-only: only whether one is stored).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SsoSettingsView {
    /// `off`, `sso_and_passwords` or `sso_only`.
    pub mode: &'static str,
    /// What the sign-in button says.
    pub label: String,
    /// The provider's issuer URL.
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// Whether a client secret is stored.
    pub client_secret_set: bool,
    /// Scopes besides `openid`.
    pub scopes: Vec<String>,
    /// The claim that becomes the user name.
    pub username_claim: String,
    /// The claim listing groups or roles.
    pub groups_claim: String,
    /// Whether users are created at their first sign-in.
    pub provision: bool,
    /// The owner who keeps a password when passwords are off.
    pub break_glass: Option<String>,
    /// Group mappings, in order.
    pub mappings: Vec<SsoMappingView>,
    /// IT's policy on this computer sets all of this (shown locked; only IT changes it).
    pub locked_by_policy: bool,
}

/// One group mapping.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SsoMappingView {
    /// The provider's group value.
    pub group: String,
    /// The role it gives.
    pub role: Option<String>,
    /// The team it adds.
    pub team: Option<i64>,
    /// That team's name.
    pub team_name: Option<String>,
}

/// What the sign-in screen offers when single sign-on is on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SsoOfferView {
    /// The button's name.
    pub label: String,
    /// Whether passwords still work (for everyone; with SSO only, the break-glass owner alone).
    pub passwords: bool,
}

/// A single sign-on begun over the HTTP API: open `authorize_url` in a browser, then finish
/// with the same `sign_in` and what the provider sent to the redirect.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SsoBegunView {
    /// The provider's authorization URL.
    pub authorize_url: String,
    /// This sign-in's handle (not a secret: finishing also needs the provider's answer).
    pub sign_in: String,
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
    /// The organisation's own patterns.
    pub masking_patterns: Vec<MaskingPatternView>,
    /// The classes of data a manager must approve before someone without the approve
    /// permission sees them.
    pub reveal_approval: Vec<String>,
    /// Minutes a manager's approval to reveal lasts.
    pub reveal_approval_minutes: i64,
    /// Whether the desktop window is left out of screen captures.
    pub content_protection: bool,
    /// The settings IT's policy on this computer pins (shown locked): any of
    /// `second_factor_roles`, `lock_after_seconds`, `content_protection`.
    pub locked_by_policy: Vec<&'static str>,
}

/// One of the organisation's own masking patterns.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MaskingPatternView {
    /// What it finds, as staff read it.
    pub name: String,
    /// The regular expression.
    pub pattern: String,
    /// Who may reveal it: `contact`, `financial`, `identity` or `health`.
    pub class: &'static str,
    /// Characters left readable at the end of what it finds.
    pub keep_last: u8,
}

/// A sample masked as an agent who may reveal nothing sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MaskingTrialView {
    /// The sample, masked.
    pub masked: String,
    /// What was found, in order.
    pub found: Vec<MatchView>,
}

/// Something masking found in a sample.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MatchView {
    /// A detector's name (`card`, `iban`, `uk_account`, `email`, `phone`, `us_ssn` …) or a
    /// custom pattern's.
    pub what: String,
    /// Its class.
    pub class: &'static str,
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
    /// The customer's contact id (their details: `GET /api/v1/contacts/{id}`).
    pub contact_id: i64,
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
    /// `open` (someone here has to act), `pending` (waiting) or `resolved` (done; the
    /// customer's next message opens it again).
    pub status: &'static str,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: &'static str,
    /// Snoozed: out of the working list until then (ms since the epoch), or until the
    /// customer writes.
    pub snoozed_until: Option<i64>,
    /// The customer's messages the reader has not seen yet.
    pub unread: i64,
}

/// A page of a conversation's thread.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThreadPageView {
    /// Oldest first.
    pub messages: Vec<MessageView>,
    /// Give it back as `before` for the messages before these; `null` at the thread's start.
    pub earlier: Option<String>,
}

/// A page of the inbox's queue, and how many conversations each view holds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConversationPageView {
    /// Most urgent first, then the most recent.
    pub items: Vec<ConversationSummaryView>,
    /// Give it back as `after` for the next page; `null` at the end.
    pub next: Option<String>,
    /// How many each view holds with the same team and assignee filter.
    pub counts: QueueCountsView,
}

/// How many conversations each of the inbox's views holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QueueCountsView {
    /// Open and not snoozed ("Needs us").
    pub active: i64,
    /// Pending or snoozed.
    pub waiting: i64,
    /// Resolved.
    pub resolved: i64,
    /// All of them.
    pub all: i64,
}

impl QueueCountsView {
    /// Builds the view.
    pub fn build(counts: crate::store::queue::QueueCounts) -> Self {
        let crate::store::queue::QueueCounts { active, waiting, resolved, all } = counts;
        Self { active, waiting, resolved, all }
    }
}

/// A team, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TeamRefView {
    /// Team id.
    pub id: i64,
    /// Team name.
    pub name: String,
}

impl TeamRefView {
    pub(crate) fn build(team: &(TeamId, String)) -> Self {
        Self { id: team.0.get(), name: team.1.clone() }
    }
}

impl ConversationSummaryView {
    /// Builds the view for an actor who reveals `sight` without asking (the customer's number
    /// shows when it includes contact data).
    pub fn build(c: &ConversationRecord, sight: ClassSet, detectors: &mask::Detectors) -> Self {
        // Masked before it is cut short: a number cut in half would no longer be recognised.
        let preview = match (&c.last_text, &c.last_kind) {
            (Some(text), _) => masked(detectors).text(text).chars().take(80).collect(),
            (None, Some(kind)) => format!("[{kind}]"),
            (None, None) => String::new(),
        };
        Self {
            id: c.id.get(),
            contact_id: c.contact.get(),
            customer_name: c.customer.profile_name.clone().unwrap_or_else(|| "WhatsApp customer".to_owned()),
            customer_handle: customer_handle(&c.customer, sight),
            last_message_preview: preview,
            last_message_at: c.last_message_at.as_millis(),
            team: TeamRefView::build(&c.team),
            assignee: c.assignee.as_ref().map(|a| a.1.clone()),
            reply_window_closes_at: c.last_inbound_at.map(|t| t.plus_millis(REPLY_WINDOW_MS).as_millis()),
            status: c.status.as_str(),
            priority: c.priority.as_str(),
            snoozed_until: c.snoozed_until.map(|t| t.as_millis()),
            unread: c.unread,
        }
    }
}

/// Personal data in text as everyone sees it by default: masked.
fn masked(detectors: &mask::Detectors) -> mask::Policy {
    mask::Policy::new(detectors.clone(), |_| false)
}

/// Personal data after a reveal: unmasked in the classes of `sight` (what the actor may reveal
/// there: `authz::reveal::revealable`).
fn revealing(sight: ClassSet, detectors: &mask::Detectors) -> mask::Policy {
    mask::Policy::new(detectors.clone(), |class| sight.contains(class))
}

fn customer_handle(customer: &CustomerRef, sight: ClassSet) -> String {
    match (&customer.wa_id, &customer.username) {
        (Some(wa_id), _) if sight.contains(DataClass::Contact) => format!("+{wa_id}"),
        (Some(wa_id), _) => mask::phone(wa_id),
        (None, Some(username)) => format!("@{username}"),
        (None, None) => "no phone number shared".to_owned(),
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
    /// IT's policy on this computer sets the list (shown locked).
    pub locked_by_policy: bool,
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
    /// Every field the organisation keeps, with this contact's value (masked by the field's
    /// class for whoever may not see it, until they reveal it with a reason).
    pub fields: Vec<FieldValueView>,
    /// Where they stand with the business: `new`, `lead`, `customer` or `inactive`.
    pub lifecycle: String,
    /// Their answer about marketing messages.
    pub consent: ConsentView,
}

/// A contact's answer about marketing messages.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    /// `unknown`, `opted_in` or `opted_out` (no marketing templates are sent then).
    pub state: String,
    /// When it was recorded (ms since the epoch).
    pub at: Option<i64>,
    /// How they gave it, as staff recorded it (personal data masked).
    pub source: Option<String>,
    /// Who recorded it.
    pub by: Option<String>,
}

/// A field the organisation keeps about its contacts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactFieldView {
    /// Field id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `text` or `date_of_birth`.
    pub kind: &'static str,
    /// Who may reveal its values: `none`, `contact`, `financial`, `identity` or `health`.
    pub class: &'static str,
}

impl ContactFieldView {
    /// The view of `field`.
    pub fn build(field: &ContactField) -> Self {
        Self {
            id: field.id.get(),
            name: field.name.clone(),
            kind: field.kind.as_str(),
            class: contact_field::class_name(field.class),
        }
    }
}

/// One field of one contact.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldValueView {
    /// The field.
    #[serde(flatten)]
    pub field: ContactFieldView,
    /// The value as the actor may see it; `null` when there is none.
    pub value: Option<String>,
    /// Whether any of it is masked.
    pub masked: bool,
}

/// A contact shown with its fields unmasked in the classes the actor may reveal, and until when.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactRevealView {
    /// The contact.
    pub contact: ContactView,
    /// Show it until then (ms since the epoch), then mask it again.
    pub until: i64,
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
    /// Builds the view for an actor who reveals `sight` without asking: every value of
    /// `fields` masked for everyone (seeing one takes a reveal with a reason,
    /// [`ContactView::revealed`]).
    pub fn build(
        c: &ContactRecord,
        sight: ClassSet,
        fields: &[ContactField],
        detectors: &mask::Detectors,
    ) -> Self {
        Self::build_with(c, sight, fields, &masked(detectors))
    }

    /// The view with the fields unmasked in the classes of `sight`, and the classes that were
    /// unmasked (for the audit trail).
    pub fn revealed(
        c: &ContactRecord,
        sight: ClassSet,
        fields: &[ContactField],
        detectors: &mask::Detectors,
    ) -> (Self, Vec<&'static str>) {
        let policy = revealing(sight, detectors);
        // A class was revealed if hiding it alone would show the fields otherwise.
        let everything = field_values(c, fields, &mask::Policy::new(detectors.clone(), |_| true));
        let classes = DataClass::ALL
            .into_iter()
            .filter(|&class| {
                let all_but = mask::Policy::new(detectors.clone(), |other| other != class);
                policy.sees(class) && field_values(c, fields, &all_but) != everything
            })
            .map(DataClass::as_str)
            .collect();
        (Self::build_with(c, sight, fields, &policy), classes)
    }

    fn build_with(
        c: &ContactRecord,
        sight: ClassSet,
        fields: &[ContactField],
        policy: &mask::Policy,
    ) -> Self {
        Self {
            id: c.id.get(),
            name: c.customer.profile_name.clone().unwrap_or_else(|| "WhatsApp customer".to_owned()),
            handle: customer_handle(&c.customer, sight),
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
            fields: fields
                .iter()
                .zip(field_values(c, fields, policy))
                .map(|(f, shown)| FieldValueView {
                    field: ContactFieldView::build(f),
                    masked: shown.as_ref().is_some_and(|s| s.1),
                    value: shown.map(|s| s.0),
                })
                .collect(),
            lifecycle: c.lifecycle.clone(),
            consent: ConsentView {
                state: c.consent.state.clone(),
                at: c.consent.at.map(|t| t.as_millis()),
                // Staff's words: masked for everyone, like a note.
                source: c.consent.source.as_deref().map(|s| masked_like(policy, s)),
                by: c.consent.by.clone(),
            },
        }
    }
}

/// `text` masked by `policy`'s detectors for everyone, whatever `policy` reveals.
fn masked_like(policy: &mask::Policy, text: &str) -> String {
    masked(&policy.detectors).text(text)
}

/// The contact's value of each of `fields` as `policy` shows it, and whether it was masked.
fn field_values(
    c: &ContactRecord,
    fields: &[ContactField],
    policy: &mask::Policy,
) -> Vec<Option<(String, bool)>> {
    fields
        .iter()
        .map(|f| {
            let stored = c.fields.iter().find(|(id, _)| *id == f.id).map(|(_, v)| v.as_str());
            stored.map(|v| policy.field(v, f.kind, f.class))
        })
        .collect()
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

/// What offboarding someone did, and their high-risk actions for the reviewer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OffboardReportView {
    /// Who left.
    pub username: String,
    /// Sessions ended.
    pub sessions_ended: u64,
    /// Security keys and passkeys removed.
    pub keys_removed: u64,
    /// Whether an authenticator app was removed.
    pub authenticator_removed: bool,
    /// The teams they left.
    pub teams_left: Vec<TeamRefView>,
    /// Open conversations handed on (to the colleague, or to the team's queue).
    pub conversations_reassigned: u64,
    /// Of those, how many went to the team's queue.
    pub conversations_to_queue: u64,
    /// Contacts handed on.
    pub contacts_reassigned: u64,
    /// The colleague who took over, if one was chosen.
    pub reassigned_to: Option<String>,
    /// How many days back the report looks.
    pub report_days: i64,
    /// Their high-risk actions in that time, newest first: permission and role changes,
    /// exports, reveals, workflow and settings changes.
    pub high_risk: Vec<audit::AuditEventView>,
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
    /// Business hours, if the team keeps them (none: always open to routing).
    pub hours: Option<TeamHoursView>,
}

/// What a contacts import did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReportView {
    /// Nothing was kept: this is what the import would do.
    pub dry_run: bool,
    /// Contacts created.
    pub created: usize,
    /// Rows whose number is a contact already (left as they are).
    pub existing: usize,
    /// Rows not imported for a problem.
    pub rejected: usize,
    /// Each problem and notice by line (`null`: the whole file), at most 200; values are never
    /// repeated.
    pub problems: Vec<ImportProblemView>,
}

/// One line's problem in an import.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportProblemView {
    /// The line in the file (1 is the header), or none for the file as a whole.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// When a team is open.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamHoursView {
    /// Its time zone (`Europe/London`).
    pub zone: String,
    /// Its opening times, Monday first.
    pub open: Vec<OpenSpanView>,
    /// Open right now, on its own clock.
    pub open_now: bool,
}

/// One opening time.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenSpanView {
    /// `mon` … `sun`.
    pub day: String,
    /// `09:00`.
    pub opens: String,
    /// `17:30`.
    pub closes: String,
}

impl TeamHoursView {
    /// The view of `hours` at `now`.
    pub fn build(hours: &crate::domain::hours::BusinessHours, now: crate::clock::Timestamp) -> Self {
        use crate::domain::hours::{clock_time, DAYS};
        Self {
            zone: hours.zone().to_owned(),
            open: hours
                .spans()
                .iter()
                .map(|s| OpenSpanView {
                    day: DAYS[usize::from(s.day)].to_owned(),
                    opens: clock_time(s.opens),
                    closes: clock_time(s.closes),
                })
                .collect(),
            open_now: hours.is_open(now),
        }
    }
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
