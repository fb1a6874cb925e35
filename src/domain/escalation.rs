//! A request for a manager's approval about one conversation (issue 6 point 4, issue 8 point 4).
//!
//! A request to reveal names the classes of personal data it wants shown; approving it lets the
//! one who asked reveal those classes in that conversation, and in its contact's fields, for
//! as long as the organisation set (15 minutes unless changed, [`DEFAULT_APPROVAL_MINUTES`]).
//! A request without classes is a plain escalation answered with a note.
//! The rules here are pure: the store keeps requests, `api::escalations` decides who may answer.

use crate::clock::Timestamp;
use crate::domain::{ConversationId, EscalationId, TeamId, UserId};
use crate::mask::ClassSet;

/// How long an approved reveal lasts unless the organisation chose otherwise: long enough to
/// finish the call with the customer.
pub const DEFAULT_APPROVAL_MINUTES: i64 = 15;
/// The shortest and longest an organisation may let an approved reveal last, in minutes: at
/// least a minute to read the value out; at most half a shift, after which it is a standing grant
/// that belongs in a role, not in a request.
pub const APPROVAL_MINUTES_RANGE: (i64, i64) = (1, 240);

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EscalationStatus {
    /// Waiting for a manager.
    Pending,
    /// Approved (a reveal is granted until `grant_until`).
    Approved,
    /// Refused, with a note saying why.
    Rejected,
}

impl EscalationStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Pending, Self::Approved, Self::Rejected];

    /// Stable name (store and views).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    /// The status named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A stored request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// Its id.
    pub id: EscalationId,
    /// The conversation it concerns.
    pub conversation: ConversationId,
    /// Who asked, by id and user name.
    pub requested_by: (UserId, String),
    /// Why, in their words (may hold personal data: the view masks it).
    pub reason: String,
    /// The classes it asks to reveal; empty for a plain escalation.
    pub classes: ClassSet,
    /// The team it asks the conversation to move to (id and name), if any.
    pub transfer_to: Option<(TeamId, String)>,
    /// Where it stands.
    pub status: EscalationStatus,
    /// When it was asked.
    pub created_at: Timestamp,
    /// Who answered, and their note.
    pub decision: Option<Decision>,
}

/// A manager's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Who answered (user name).
    pub by: String,
    /// Their note (required when refusing).
    pub note: Option<String>,
    /// When.
    pub at: Timestamp,
    /// Until when an approved reveal may be used.
    pub grant_until: Option<Timestamp>,
}

impl Escalation {
    /// The classes its approval lets the requester reveal at `now` (none unless approved and
    /// not yet expired).
    pub fn granted(&self, now: Timestamp) -> ClassSet {
        match (&self.status, &self.decision) {
            (EscalationStatus::Approved, Some(Decision { grant_until: Some(until), .. })) if now < *until => {
                self.classes
            }
            _ => ClassSet::NONE,
        }
    }
}

/// The reason of a request or the note of an answer, trimmed: 5 to 500 characters.
pub fn checked_text(what: &str, text: &str) -> Result<String, String> {
    let text = text.trim();
    if (5..=500).contains(&text.chars().count()) {
        Ok(text.to_owned())
    } else {
        Err(format!("the {what} must be 5 to 500 characters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::DataClass;
    use rstest::rstest;

    fn request(status: EscalationStatus, until: Option<i64>) -> Escalation {
        Escalation {
            id: EscalationId::new(1),
            conversation: ConversationId::new(2),
            requested_by: (UserId::new(3), "ana".to_owned()),
            reason: "customer disputes a charge".to_owned(),
            classes: [DataClass::Financial].into_iter().collect(),
            transfer_to: None,
            status,
            created_at: Timestamp::from_millis(0),
            decision: (status != EscalationStatus::Pending).then(|| Decision {
                by: "mo".to_owned(),
                note: None,
                at: Timestamp::from_millis(10),
                grant_until: until.map(Timestamp::from_millis),
            }),
        }
    }

    #[rstest]
    #[case::pending(EscalationStatus::Pending, None, 50, false)]
    #[case::approved_in_time(EscalationStatus::Approved, Some(100), 50, true)]
    #[case::approved_but_expired(EscalationStatus::Approved, Some(100), 100, false)]
    #[case::rejected(EscalationStatus::Rejected, None, 50, false)]
    fn only_an_approval_in_its_time_grants_a_reveal(
        #[case] status: EscalationStatus,
        #[case] until: Option<i64>,
        #[case] now: i64,
        #[case] grants: bool,
    ) {
        assert_eq!(!request(status, until).granted(Timestamp::from_millis(now)).is_empty(), grants);
    }

    #[rstest]
    #[case::too_short("ok", false)]
    #[case::trimmed_to_short("   ok   ", false)]
    #[case::enough("refund of 120 GBP", true)]
    #[case::too_long(&"x".repeat(501), false)]
    fn reasons_and_notes_say_something(#[case] text: &str, #[case] ok: bool) {
        assert_eq!(checked_text("reason", text).is_ok(), ok);
    }
}
