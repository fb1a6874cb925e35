//! The inbox's queue, a page at a time (issue 9: 100,000 conversations; issue 12: the first
//! page in milliseconds). Pure: which part of the work a page shows, whose conversations, and
//! where the next page starts.
//!
//! Decisions, and why:
//! - The order is the counter's: most urgent first, then the most recent message, then the
//!   newest conversation. The store keeps that order in an index (migration 0026), so a page is
//!   read in order, never sorted whole.
//! - Pages follow each other by a keyset cursor (the last row's rank, time and id), not an
//!   offset: a conversation that moves while someone scrolls is neither skipped twice nor
//!   shown twice because of the rows before it, and reading page 400 costs what page 1 does.
//! - The cursor is opaque text for the client (`2.1767000000000.42`) but only numbers inside;
//!   anything else is refused as invalid, never guessed at.

use crate::clock::Timestamp;
use crate::domain::{ConversationId, ConversationStatus, Priority};

/// The most a page may hold.
pub const MAX_PAGE: u32 = 200;
/// A page's size unless asked otherwise.
pub const DEFAULT_PAGE: u32 = 50;

/// Which part of the work a page shows (the inbox's tabs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueView {
    /// Open and not snoozed: needs us.
    Active,
    /// Waiting on the customer or someone else, or snoozed.
    Waiting,
    /// Done.
    Resolved,
    /// Everything.
    All,
}

impl QueueView {
    /// Every view, in the order the inbox shows them.
    pub const ALL: [Self; 4] = [Self::Active, Self::Waiting, Self::Resolved, Self::All];

    /// Stable name (API).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Waiting => "waiting",
            Self::Resolved => "resolved",
            Self::All => "all",
        }
    }

    /// The view named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == name)
    }

    /// Whether a conversation in this state belongs to the view at `now`.
    pub fn holds(self, status: ConversationStatus, snoozed_until: Option<Timestamp>, now: Timestamp) -> bool {
        let snoozed = snoozed_until.is_some_and(|until| until > now);
        match self {
            Self::Active => status == ConversationStatus::Open && !snoozed,
            Self::Waiting => {
                status != ConversationStatus::Resolved && (status == ConversationStatus::Pending || snoozed)
            }
            Self::Resolved => status == ConversationStatus::Resolved,
            Self::All => true,
        }
    }
}

/// Whose conversations a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assigned {
    /// Anyone's, and no one's.
    Anyone,
    /// The reader's own.
    Mine,
    /// No one's yet (the team's queue).
    NoOne,
}

impl Assigned {
    /// Every choice.
    pub const ALL: [Self; 3] = [Self::Anyone, Self::Mine, Self::NoOne];

    /// Stable name (API).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Anyone => "anyone",
            Self::Mine => "mine",
            Self::NoOne => "unassigned",
        }
    }

    /// The choice named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// A priority's place in the queue: urgent first.
pub const fn rank(priority: Priority) -> i64 {
    match priority {
        Priority::Urgent => 0,
        Priority::High => 1,
        Priority::Normal => 2,
        Priority::Low => 3,
    }
}

/// Where the next page starts: just after this row of the queue's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCursor {
    /// The row's priority rank.
    pub rank: i64,
    /// Its last message's time.
    pub last_message_at: Timestamp,
    /// Its id.
    pub id: ConversationId,
}

impl QueueCursor {
    /// The cursor after a row.
    pub const fn after(priority: Priority, last_message_at: Timestamp, id: ConversationId) -> Self {
        Self { rank: rank(priority), last_message_at, id }
    }

    /// As the client keeps it.
    pub fn to_text(self) -> String {
        format!("{}.{}.{}", self.rank, self.last_message_at.as_millis(), self.id.get())
    }

    /// A cursor the client gave back; `None` for anything that is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('.');
        let rank: i64 = parts.next()?.parse().ok()?;
        let last: i64 = parts.next()?.parse().ok()?;
        let id: i64 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || !(0..=3).contains(&rank) || id < 1 {
            return None;
        }
        Some(Self { rank, last_message_at: Timestamp::from_millis(last), id: ConversationId::new(id) })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rstest::rstest;

    use super::*;
    use ConversationStatus::{Open, Pending, Resolved};

    const NOW: Timestamp = Timestamp::from_millis(1_000_000);
    const LATER: Option<Timestamp> = Some(Timestamp::from_millis(2_000_000));
    const EARLIER: Option<Timestamp> = Some(Timestamp::from_millis(1));

    #[rstest]
    #[case::open_needs_us(Open, None, [true, false, false, true])]
    #[case::open_snoozed_waits(Open, LATER, [false, true, false, true])]
    #[case::open_woken_needs_us(Open, EARLIER, [true, false, false, true])]
    #[case::pending_waits(Pending, None, [false, true, false, true])]
    #[case::pending_snoozed_waits(Pending, LATER, [false, true, false, true])]
    #[case::resolved_is_done(Resolved, None, [false, false, true, true])]
    #[case::resolved_snooze_is_ignored(Resolved, LATER, [false, false, true, true])]
    fn each_conversation_is_in_the_views_the_inbox_shows_it_in(
        #[case] status: ConversationStatus,
        #[case] snoozed: Option<Timestamp>,
        #[case] expected: [bool; 4],
    ) {
        assert_eq!(QueueView::ALL.map(|v| v.holds(status, snoozed, NOW)), expected);
    }

    #[rstest]
    #[case::empty("")]
    #[case::two_parts("2.5")]
    #[case::four_parts("2.5.6.7")]
    #[case::words("a.b.c")]
    #[case::rank_out_of_range("9.5.6")]
    #[case::no_id("2.5.0")]
    #[case::sql("2.5.6 OR 1=1")]
    fn anything_but_a_cursor_is_refused(#[case] text: &str) {
        assert_eq!(QueueCursor::parse(text), None);
    }

    #[test]
    fn names_round_trip() {
        for v in QueueView::ALL {
            assert_eq!(QueueView::parse(v.as_str()), Some(v));
        }
        for a in Assigned::ALL {
            assert_eq!(Assigned::parse(a.as_str()), Some(a));
        }
        assert_eq!(QueueView::parse("everything"), None);
    }

    proptest! {
        #[test]
        fn a_cursor_reads_back_as_itself(rank in 0i64..=3, last in any::<i64>(), id in 1i64..) {
            let cursor = QueueCursor { rank, last_message_at: Timestamp::from_millis(last), id: ConversationId::new(id) };
            prop_assert_eq!(QueueCursor::parse(&cursor.to_text()), Some(cursor));
        }
    }
}
