//! Revealing masked personal data (issue 6, point 4). Everyone sees card numbers, bank
//! details, identity numbers, phone numbers and e-mail addresses in messages masked. Someone
//! whose role may reveal a class of data asks to see one message, saying why; the core answers
//! with that message unmasked in the classes they may reveal, and until when to show it, and
//! records who saw which classes of which message and why — the reason itself masked, so the
//! trail never holds what it protects.
//!
//! An organisation may have a manager approve a class first (`masking.reveal_approval`): then
//! only someone who may approve requests reveals it with their permission alone; everyone else
//! asks ([`super::escalations`]), and an approval lets the one who asked reveal what it names
//! in that conversation, and its contact's fields, for a while ([`crate::authz::reveal`]).
//! Someone who may reveal nothing there is refused with what to do, and the refusal recorded.

use crate::audit::Kind;
use serde::Deserialize;

use super::session::Resolved;
use super::views::{MessageView, RevealView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::{act, reveal, Action, Denied, DenyReason};
use crate::clock::Timestamp;
use crate::domain::{ContactId, ConversationId, MessageId};
use crate::error::{Error, Result};
use crate::mask::{self, ClassSet};

/// How long a revealed message is shown before it is masked again.
pub const REVEAL_MS: i64 = 60_000;

/// Why the data is needed.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RevealRequest {
    /// The reason, in words (5 to 300 characters): "customer asked to confirm the card used".
    pub reason: String,
}

/// What someone may reveal in one place (a conversation, or a contact's fields).
#[derive(Debug, Clone, Copy)]
pub(super) struct Sight {
    /// The classes a reveal shows: the role's own and what was approved.
    pub shown: ClassSet,
    /// The classes a manager approved for them there.
    pub approved: ClassSet,
    /// Until when the latest approval lasts.
    pub approved_until: Option<Timestamp>,
    /// The classes the organisation has a manager approve.
    pub needs_approval: ClassSet,
}

/// What someone who may reveal nothing is told.
const ASK_A_MANAGER: &str =
    "your role may not reveal this without a manager's approval: use \"Ask a manager\" and say why";

/// People's words (a reason, a note) as the trail and the views keep them: personal data
/// masked for everyone.
pub(super) fn masked_words(detectors: &mask::Detectors, text: &str) -> String {
    mask::Policy::new(detectors.clone(), |_| false).text(text)
}

/// A reveal's reason, trimmed: 5 to 300 characters.
pub(super) fn checked_reason(reason: &str) -> Result<&str> {
    let reason = reason.trim();
    if (5..=300).contains(&reason.chars().count()) {
        Ok(reason)
    } else {
        Err(Error::Invalid("say why you need to see it (5 to 300 characters)".to_owned()))
    }
}

impl Core {
    /// One message with the data the actor may reveal unmasked, for [`REVEAL_MS`] (less when
    /// the approval it relies on ends sooner).
    pub async fn reveal_message(
        &self,
        token: &SessionToken,
        message: MessageId,
        request: RevealRequest,
    ) -> Result<RevealView> {
        let r = self.resolve(token).await?;
        let conversation = self.store.message_conversation(message).await?.ok_or(Error::NotFound)?;
        let proof = self.allow_on_conversation::<act::RevealMessage>(&r.actor, conversation).await?;
        let reason = checked_reason(&request.reason)?;
        let read = self.allow_on_conversation::<act::ReadConversation>(&r.actor, conversation).await?;
        let record = self.store.find_message(&read, message).await?.ok_or(Error::NotFound)?;
        let sight = self.sight_on(&r, conversation).await?;
        self.refuse_blind(&r, Action::RevealMessage, format!("conversation:{}", conversation.get()), sight)
            .await?;
        let detectors = self.detectors().await?;
        let (view, classes) = MessageView::revealed(&record, sight.shown, &detectors);
        let event = AuditEvent::new(proof.actor().clone(), Kind::DataReveal)
            .target(format!("message:{}", message.get()))
            .detail("conversation", conversation.get());
        let until = self.record_reveal(event, &classes, sight, reason, detectors).await?;
        tracing::info!(message = message.get(), classes = classes.len(), "message revealed");
        Ok(RevealView { message: view, until })
    }

    /// What `r` may reveal in `conversation` now.
    pub(super) async fn sight_on(&self, r: &Resolved, conversation: ConversationId) -> Result<Sight> {
        let approved = self.store.approved_classes(r.user.id, conversation, self.clock.now()).await?;
        self.sight(r, approved).await
    }

    /// What `r` may reveal in the fields of `contact` now (approvals on any of its conversations).
    pub(super) async fn sight_on_contact(&self, r: &Resolved, contact: ContactId) -> Result<Sight> {
        let approved = self.store.approved_classes_for_contact(r.user.id, contact, self.clock.now()).await?;
        self.sight(r, approved).await
    }

    async fn sight(
        &self,
        r: &Resolved,
        (approved, approved_until): (ClassSet, Option<Timestamp>),
    ) -> Result<Sight> {
        let needs_approval = self.reveal_approval().await?;
        let shown = reveal::revealable(&r.grants, needs_approval, approved);
        Ok(Sight { shown, approved, approved_until, needs_approval })
    }

    /// Refuses (and records) a reveal by someone who may reveal nothing in `target`.
    pub(super) async fn refuse_blind(
        &self,
        r: &Resolved,
        action: Action,
        target: String,
        sight: Sight,
    ) -> Result<()> {
        if !sight.shown.is_empty() {
            return Ok(());
        }
        let denied = Denied { action, reason: DenyReason::NeedsApproval };
        Err(self.refused(&r.actor, denied, Some(target), Error::NotAllowed(ASK_A_MANAGER.to_owned())).await)
    }

    /// Records a reveal: `event` with the classes shown, those a manager's approval allowed,
    /// and the reason, itself masked, so the trail never holds what it protects. Returns until
    /// when the data may be shown.
    pub(super) async fn record_reveal(
        &self,
        event: AuditEvent,
        classes: &[&str],
        sight: Sight,
        reason: &str,
        detectors: mask::Detectors,
    ) -> Result<i64> {
        let mut event = event
            .detail("classes", if classes.is_empty() { "none".to_owned() } else { classes.join("+") })
            .detail("reason", masked_words(&detectors, reason));
        if !sight.approved.is_empty() {
            event = event.detail("approved", sight.approved.to_text());
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.audit(&event, now).await?;
        tx.commit().await?;
        Ok(shown_until(now, sight).as_millis())
    }
}

/// Until when a reveal is shown: a minute, but never past the end of the approval it relied on
/// (an agent revealing in an approval's last seconds does not see the data for a minute more).
fn shown_until(now: Timestamp, sight: Sight) -> Timestamp {
    let minute = now.plus_millis(REVEAL_MS);
    match sight.approved_until {
        Some(end) if !sight.approved.is_empty() => minute.min(end),
        _ => minute,
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::mask::DataClass;

    const NOW: i64 = 1_000_000;

    #[rstest]
    #[case::own_permission_a_minute(false, None, NOW + REVEAL_MS)]
    #[case::approval_ending_later_a_minute(true, Some(NOW + 10 * REVEAL_MS), NOW + REVEAL_MS)]
    #[case::approval_ending_sooner_until_its_end(true, Some(NOW + 15_000), NOW + 15_000)]
    #[case::an_end_without_approved_classes_is_not_a_limit(false, Some(NOW + 15_000), NOW + REVEAL_MS)]
    fn a_reveal_is_shown_a_minute_but_never_past_its_approval(
        #[case] approved: bool,
        #[case] approved_until: Option<i64>,
        #[case] expected: i64,
    ) {
        let sight = Sight {
            shown: ClassSet::of(|c| c == DataClass::Financial),
            approved: ClassSet::of(|c| approved && c == DataClass::Financial),
            approved_until: approved_until.map(Timestamp::from_millis),
            needs_approval: ClassSet::of(|c| c == DataClass::Financial),
        };
        assert_eq!(shown_until(Timestamp::from_millis(NOW), sight).as_millis(), expected);
    }
}
