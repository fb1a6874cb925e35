//! Webhook intake: Meta's subscription handshake and signed deliveries (DESIGN §3.10).
//!
//! A delivery is acknowledged only after everything it carried is committed, in one
//! transaction with its audit records; a failure answers an error, so Meta delivers again.
//! The raw bytes are kept verbatim, keyed by their SHA-256, which makes a repeated delivery a
//! no-op. A signed body that is not a delivery at all is still kept (marked unparsed) and
//! acknowledged: refusing it would only make Meta retry the same bytes for days.

use crate::audit::Kind;
use subtle::ConstantTimeEq;

use super::views::IntakeReceipt;
use super::Core;
use crate::audit::AuditEvent;
use crate::authz::{act, Actor, Authorized};
use crate::channel::whatsapp::signature;
use crate::channel::whatsapp::webhook::{self, ChatMessage, Item};
use crate::domain::Direction;
use crate::error::{Error, Result};
use crate::store::inbox::NewMessage;
use crate::store::WriteTx;

/// Meta's subscription check (`GET /webhook`). Its `Debug` hides the presented token.
pub struct SubscriptionCheck<'a> {
    /// `hub.mode`; must be `subscribe`.
    pub mode: Option<&'a str>,
    /// `hub.verify_token`.
    pub verify_token: Option<&'a str>,
    /// `hub.challenge`, echoed back on success.
    pub challenge: Option<&'a str>,
}

impl std::fmt::Debug for SubscriptionCheck<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionCheck")
            .field("mode", &self.mode)
            .field("verify_token", &self.verify_token.map(|_| "***"))
            .field("challenge", &self.challenge)
            .finish()
    }
}

impl Core {
    /// Answers the handshake: the challenge if the verify token matches, otherwise `Forbidden`.
    pub async fn verify_subscription(&self, check: SubscriptionCheck<'_>) -> Result<String> {
        let channel = self.channel_in_force().await?.ok_or(Error::ChannelNotConfigured)?;
        let expected = channel.verify_token.dangerously_expose().as_bytes();
        let given = check.verify_token.unwrap_or("").as_bytes();
        let token_ok: bool = expected.ct_eq(given).into();
        match (check.mode, check.challenge) {
            (Some("subscribe"), Some(challenge)) if token_ok => Ok(challenge.to_owned()),
            _ => Err(Error::Forbidden),
        }
    }

    /// Verifies and stores one delivery (`POST /webhook`).
    pub async fn receive_webhook(
        &self,
        signature_header: Option<&str>,
        body: &[u8],
    ) -> Result<IntakeReceipt> {
        let channel = self.channel_in_force().await?.ok_or(Error::ChannelNotConfigured)?;
        let verified = signature::verify(&channel.app_secret, signature_header, body)?;
        let proof = self.allow::<act::IngestDelivery>(&Actor::VerifiedWebhook, ()).await?;
        let parsed = webhook::parse(verified.bytes());
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let Some(delivery_id) = tx.insert_delivery(&proof, verified.bytes(), parsed.is_ok(), now).await?
        else {
            return Ok(IntakeReceipt { duplicate: true, messages: 0, statuses: 0, events: 0 });
        };
        let mut receipt = IntakeReceipt { duplicate: false, messages: 0, statuses: 0, events: 0 };
        for item in parsed.map(|d| d.items).unwrap_or_default() {
            self.store_item(&mut tx, &proof, delivery_id, item, &mut receipt).await?;
        }
        let event = AuditEvent::new(proof.actor().clone(), Kind::WebhookDelivery)
            .target(format!("delivery:{delivery_id}"))
            .detail("messages", receipt.messages)
            .detail("statuses", receipt.statuses)
            .detail("events", receipt.events);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        if receipt.messages > 0 {
            self.wake_worker(); // media to fetch
        }
        tracing::info!(
            delivery = delivery_id,
            messages = receipt.messages,
            statuses = receipt.statuses,
            "webhook stored"
        );
        Ok(receipt)
    }

    async fn store_item(
        &self,
        tx: &mut WriteTx,
        proof: &Authorized<act::IngestDelivery>,
        delivery_id: i64,
        item: Item,
        receipt: &mut IntakeReceipt,
    ) -> Result<()> {
        match item {
            Item::Inbound(m) => {
                receipt.messages += self.store_chat(tx, proof, delivery_id, &m, Direction::Inbound).await?
            }
            Item::Echo(m) => {
                receipt.messages += self.store_chat(tx, proof, delivery_id, &m, Direction::Outbound).await?
            }
            Item::Status(s) => {
                receipt.statuses += usize::from(
                    tx.record_status(proof, delivery_id, &s, &s.raw.to_string(), self.clock.now()).await?,
                );
            }
            Item::Event(e) => {
                tx.insert_event(proof, delivery_id, &e.field, &e.raw.to_string()).await?;
                receipt.events += 1;
                if e.field == "message_template_status_update" {
                    // Meta reviewed a template: the catalog follows (its language as en-US or en_US).
                    let text = |key: &str| e.raw.get(key).and_then(serde_json::Value::as_str);
                    if let (Some(name), Some(language), Some(status)) =
                        (text("message_template_name"), text("message_template_language"), text("event"))
                    {
                        let language = language.replace('-', "_");
                        tx.set_template_status(proof, name, &language, &status.to_ascii_uppercase()).await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn store_chat(
        &self,
        tx: &mut WriteTx,
        proof: &Authorized<act::IngestDelivery>,
        delivery_id: i64,
        m: &ChatMessage,
        direction: Direction,
    ) -> Result<usize> {
        let now = self.clock.now();
        let sent_at = m.sent_at.unwrap_or(now);
        let contact = tx.upsert_contact(proof, &m.customer, now).await?;
        let conversation =
            tx.upsert_conversation(proof, contact, &m.business.phone_number_id, sent_at, direction).await?;
        let raw = m.raw.to_string();
        let new = NewMessage {
            conversation,
            wa_message_id: Some(&m.wa_message_id),
            direction,
            kind: &m.kind,
            body: m.text.as_deref(),
            raw_json: &raw,
            sent_at,
            delivery_id: Some(delivery_id),
        };
        let Some(id) = tx.insert_message(proof, &new, now).await? else {
            return Ok(0);
        };
        if let Some(media) = &m.media {
            tx.enqueue_media(proof, id, media, now).await?;
        }
        let action =
            if direction == Direction::Inbound { Kind::MessageReceived } else { Kind::MessageEchoed };
        let mut event = AuditEvent::new(proof.actor().clone(), action)
            .target(format!("conversation:{}", conversation.get()))
            .detail("message", id.get());
        // The customer wrote: a resolved, pending or snoozed conversation needs someone again.
        if direction == Direction::Inbound {
            if let Some(was) = tx.reopen_on_inbound(proof, conversation).await? {
                event = event.detail("reopened_from", was.as_str());
            }
        }
        tx.audit(&event, now).await?;
        if direction == Direction::Inbound {
            self.route(tx, proof, conversation, m, now).await?;
        }
        Ok(1)
    }
}
