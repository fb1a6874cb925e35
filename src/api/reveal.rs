//! Revealing masked personal data (issue 6, point 4). Everyone sees card numbers, bank
//! details, identity numbers, phone numbers and e-mail addresses in messages masked. Someone
//! whose role may reveal a class of data asks to see one message, saying why; the core answers
//! with that message unmasked in the classes they may reveal, and until when to show it, and
//! records who saw which classes of which message and why — the reason itself masked, so the
//! trail never holds what it protects.

use serde::Deserialize;

use super::views::{MessageView, RevealView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::act;
use crate::domain::MessageId;
use crate::error::{Error, Result};
use crate::mask;

/// How long a revealed message is shown before it is masked again.
pub const REVEAL_MS: i64 = 60_000;

/// Why the data is needed.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RevealRequest {
    /// The reason, in words (5 to 300 characters): "customer asked to confirm the card used".
    pub reason: String,
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
    /// One message with the data the actor may reveal unmasked, for [`REVEAL_MS`].
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
        let detectors = self.detectors().await?;
        let (view, classes) = MessageView::revealed(&record, &r.grants, &detectors);
        let event = AuditEvent::new(proof.actor().clone(), "data.reveal")
            .target(format!("message:{}", message.get()))
            .detail("conversation", conversation.get());
        let until = self.record_reveal(event, &classes, reason, detectors).await?;
        tracing::info!(message = message.get(), classes = classes.len(), "message revealed");
        Ok(RevealView { message: view, until })
    }

    /// Records a reveal: `event` with the classes shown and the reason, itself masked, so the
    /// trail never holds what it protects. Returns until when the data may be shown.
    pub(super) async fn record_reveal(
        &self,
        event: AuditEvent,
        classes: &[&str],
        reason: &str,
        detectors: mask::Detectors,
    ) -> Result<i64> {
        let event = event
            .detail("classes", if classes.is_empty() { "none".to_owned() } else { classes.join("+") })
            .detail("reason", mask::Policy::new(detectors, |_| false).text(reason));
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.audit(&event, now).await?;
        tx.commit().await?;
        Ok(now.plus_millis(REVEAL_MS).as_millis())
    }
}
