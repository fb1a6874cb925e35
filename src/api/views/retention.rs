//! Views of retention: the limits, legal holds and purge runs. They carry counts and names,
//! never content.

use serde::Serialize;

use crate::store::retention::{HoldRecord, HoldTarget};

/// The retention screen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RetentionView {
    /// Days message content is kept (`null`: kept).
    pub message_days: Option<i64>,
    /// Days files are kept (`null`: as long as the messages).
    pub media_days: Option<i64>,
    /// The shortest and longest limit that may be set.
    pub days_range: [i64; 2],
    /// The holds in force, newest first.
    pub holds: Vec<LegalHoldView>,
    /// The latest purges, newest first (the first may be running).
    pub runs: Vec<RetentionRunView>,
    /// What a purge now would remove (`null` while one is running).
    pub due: Option<RetentionCountsView>,
    /// How often the app purges by itself, in hours.
    pub every_hours: u64,
}

/// A legal hold in force.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LegalHoldView {
    /// Its id.
    pub id: i64,
    /// `contact` (all their conversations) or `conversation`.
    pub scope: &'static str,
    /// The contact it concerns.
    pub contact_id: i64,
    /// The conversation, for a conversation hold.
    pub conversation_id: Option<i64>,
    /// The contact's WhatsApp profile name.
    pub contact_name: Option<String>,
    /// Why it was placed.
    pub reason: String,
    /// Who placed it (`null`: IT at the machine).
    pub placed_by: Option<String>,
    /// When (ms since the epoch).
    pub placed_at: i64,
}

impl LegalHoldView {
    /// The view of `h`.
    pub fn of(h: HoldRecord) -> Self {
        let (scope, conversation_id) = match h.target {
            HoldTarget::Contact(_) => ("contact", None),
            HoldTarget::Conversation(id) => ("conversation", Some(id.get())),
        };
        Self {
            id: h.id,
            scope,
            contact_id: h.contact.get(),
            conversation_id,
            contact_name: h.contact_name,
            reason: h.reason,
            placed_by: h.placed_by,
            placed_at: h.placed_at.as_millis(),
        }
    }
}

/// How many of each.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct RetentionCountsView {
    /// Messages whose content goes.
    pub messages: u64,
    /// Files.
    pub media: u64,
    /// Raw webhook bodies (WhatsApp's deliveries as received).
    pub deliveries: u64,
}

/// A purge.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RetentionRunView {
    /// Its id.
    pub id: i64,
    /// `schedule`, `manual` or `operator`.
    pub trigger: String,
    /// `running`, `finished`, `failed` or `interrupted` (the app stopped during it).
    pub state: String,
    /// When it started (ms since the epoch).
    pub started_at: i64,
    /// When it ended.
    pub finished_at: Option<i64>,
    /// What was due when it started.
    pub due: RetentionCountsView,
    /// What it has removed.
    pub done: RetentionCountsView,
    /// How far it got, 0 to 100.
    pub percent: u8,
}

/// What a privacy export wrote.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PrivacyExportView {
    /// Conversations in it.
    pub conversations: u64,
    /// Messages.
    pub messages: u64,
    /// Files (in `media/`).
    pub files: u64,
    /// Staff notes.
    pub notes: u64,
    /// Where the app saved it (the desktop app; `null` over HTTP, where it is the response).
    pub file: Option<String>,
}

/// What erasing a contact did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErasureView {
    /// What the audit trail calls them now (`erased:<pseudonym>`).
    pub pseudonym: String,
    /// Conversations deleted.
    pub conversations: u64,
    /// Messages deleted.
    pub messages: u64,
    /// Files deleted.
    pub files: u64,
    /// Staff notes deleted.
    pub notes: u64,
    /// Raw WhatsApp deliveries that lost their bodies.
    pub raw_deliveries: u64,
    /// Audit records about them now under the pseudonym.
    pub audit_records_pseudonymised: u64,
    /// Audit records about them written before records could be blanked (internal ids only,
    /// and what staff typed), left as they were.
    pub audit_records_kept: u64,
}

/// The access review campaigns.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessReviewsView {
    /// Newest first.
    pub reviews: Vec<AccessReviewView>,
}

/// One campaign and how far it got.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessReviewView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Who started it (`null`: IT).
    pub started_by: Option<String>,
    /// When (ms since the epoch).
    pub started_at: i64,
    /// When decisions are due.
    pub due_at: i64,
    /// Past due with items left.
    pub overdue: bool,
    /// When it was closed.
    pub closed_at: Option<i64>,
    /// Who reviews people no manager of theirs reviews.
    pub default_reviewer: String,
    /// Items to decide in all.
    pub items: u64,
    /// Decided so far.
    pub decided: u64,
    /// Confirmed.
    pub confirmed: u64,
    /// Revoked.
    pub revoked: u64,
    /// Permissions flagged unused in the 90 days before the start.
    pub flagged_unused: u64,
    /// Each reviewer's progress.
    pub reviewers: Vec<ReviewerProgressView>,
}

/// One reviewer's progress.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewerProgressView {
    /// Who.
    pub reviewer: String,
    /// Items given to them.
    pub items: u64,
    /// Decided.
    pub decided: u64,
}

/// What the signed-in person is asked to review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyAccessReviewsView {
    /// Items left to decide.
    pub pending: u64,
    /// Some are past due.
    pub overdue: bool,
    /// Undecided first, then those decided, in open campaigns.
    pub items: Vec<ReviewItemView>,
}

/// One thing to confirm or revoke.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewItemView {
    /// Its id.
    pub id: i64,
    /// Its campaign.
    pub review_id: i64,
    /// The campaign's name.
    pub review_name: String,
    /// When it is due.
    pub due_at: i64,
    /// Undecided past due.
    pub overdue: bool,
    /// Whose access.
    pub user: String,
    /// `role`, `team` or `permission`.
    pub kind: String,
    /// What, in words.
    pub label: String,
    /// Permissions: no use in the 90 days before the campaign (`null`: using it leaves no trace).
    pub unused: Option<bool>,
    /// The last use seen.
    pub last_used_at: Option<i64>,
    /// `confirmed` or `revoked`.
    pub decision: Option<String>,
    /// The reviewer's note.
    pub note: Option<String>,
    /// What a revocation did: `removed_from_team`, `disabled`, `role_change_needed`.
    pub outcome: Option<String>,
}

/// A report the app saved for the user.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportSavedView {
    /// Where.
    pub file: String,
    /// Rows written.
    pub rows: u64,
}
