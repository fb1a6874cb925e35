//! Webhook intake: Meta's subscription handshake and signed deliveries (DESIGN §3.10).
//!
//! A delivery is acknowledged only after everything it carried is committed, in one
//! transaction with its audit records; a failure answers an error, so Meta delivers again.
//! The raw bytes are kept verbatim, keyed by their SHA-256, which makes a repeated delivery a
//! no-op. A signed body that is not a delivery at all is still kept (marked unparsed) and
//! acknowledged: refusing it would only make Meta retry the same bytes for days.

use std::sync::Arc;

use crate::audit::Kind;
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

use super::views::IntakeReceipt;
use super::Core;
use crate::audit::AuditEvent;
use crate::authz::{act, Actor, Authorized};
use crate::channel::whatsapp::signature;
use crate::channel::whatsapp::webhook::{self, ChatMessage, Item};
use crate::domain::Direction;
use crate::error::{Error, Result};
use crate::routing::Rule;
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

/// Group commit of webhook deliveries.
///
/// Each delivery is verified and parsed by its own request, then queued. Whichever request
/// finds the committer free takes everything queued and writes it in one transaction, so one
/// fsync makes a whole group durable: while a commit is on disk, the next group gathers. A
/// delivery is answered only after the transaction holding it commits (durability before
/// acknowledgement, DESIGN §3.10), and the groups are as large as the load makes them, so a lone
/// delivery is not kept waiting for company.
#[derive(Debug, Default)]
pub(super) struct GroupCommit {
    queue: std::sync::Mutex<Vec<Pending>>,
    committer: Arc<tokio::sync::Mutex<()>>,
}

impl GroupCommit {
    fn lock_queue(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        // The queue is only pushed to and taken whole, so a panic cannot leave it half changed.
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A verified delivery waiting to be written.
struct Pending {
    proof: Authorized<act::IngestDelivery>,
    body: Vec<u8>,
    /// `None` when the signed body is not a delivery (kept, marked unparsed).
    items: Option<Vec<Item>>,
    reply: oneshot::Sender<Result<IntakeReceipt>>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("bytes", &self.body.len()).finish_non_exhaustive()
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
    ///
    /// The signature is checked and the body parsed here, concurrently with other deliveries;
    /// the writing is group-committed (see [`GroupCommit`]): this answers once the transaction
    /// holding the delivery is durable, and with an error if it is not, so Meta delivers again.
    pub async fn receive_webhook(
        &self,
        signature_header: Option<&str>,
        body: &[u8],
    ) -> Result<IntakeReceipt> {
        let channel = self.channel_in_force().await?.ok_or(Error::ChannelNotConfigured)?;
        let verified = signature::verify(&channel.app_secret, signature_header, body)?;
        let proof = self.allow::<act::IngestDelivery>(&Actor::VerifiedWebhook, ()).await?;
        let parsed = webhook::parse(verified.bytes()).map(|d| d.items);
        let (reply, mut answer) = oneshot::channel();
        let pending = Pending { proof, body: verified.bytes().to_vec(), items: parsed.ok(), reply };
        self.intake.lock_queue().push(pending);
        loop {
            tokio::select! {
                biased;
                receipt = &mut answer => {
                    return receipt.unwrap_or_else(|_| Err(Error::Internal("the delivery's commit was abandoned".to_owned())));
                }
                turn = self.intake.committer.clone().lock_owned() => {
                    let batch = std::mem::take(&mut *self.intake.lock_queue());
                    if batch.is_empty() {
                        continue; // a commit that has just finished took this delivery: its answer is ready
                    }
                    // Committed on its own task, so that this request going away (its sender hung
                    // up) cannot abandon the others' deliveries half way; on the writer's lane,
                    // where handing each statement to SQLite's thread is cheap.
                    let core = self.clone();
                    self.store.spawn_on_writer_lane(async move {
                        core.commit_group(batch).await;
                        drop(turn);
                    });
                }
            }
        }
    }

    /// Stores `batch` in one transaction and answers each delivery. Should the group fail (a
    /// delivery the store refuses), it is rolled back and every delivery stored on its own, so
    /// one bad delivery fails alone.
    async fn commit_group(&self, batch: Vec<Pending>) {
        let stored = async {
            let rules = self.parsed_rules().await?;
            let mut tx = self.store.write().await?;
            let mut receipts = Vec::with_capacity(batch.len());
            for pending in &batch {
                receipts.push(self.store_delivery(&mut tx, &rules, pending).await?);
            }
            tx.commit().await?;
            Ok::<_, Error>(receipts)
        }
        .await;
        let receipts: Vec<Result<IntakeReceipt>> = match stored {
            Ok(receipts) => receipts.into_iter().map(Ok).collect(),
            Err(e) if batch.len() > 1 => {
                tracing::warn!(error = %e, deliveries = batch.len(), "a group commit failed: storing its deliveries one by one");
                let mut receipts = Vec::with_capacity(batch.len());
                for pending in &batch {
                    receipts.push(self.commit_one(pending).await);
                }
                receipts
            }
            Err(e) => vec![Err(e)],
        };
        let messages: usize = receipts.iter().flatten().map(|r| r.messages).sum();
        let stored = receipts.iter().filter(|r| r.is_ok()).count();
        for (pending, receipt) in batch.into_iter().zip(receipts) {
            // The sender may have hung up; the delivery is stored all the same.
            let _ = pending.reply.send(receipt);
        }
        if messages > 0 {
            self.wake_worker(); // media to fetch
        }
        tracing::info!(deliveries = stored, messages, "webhooks stored");
    }

    async fn commit_one(&self, pending: &Pending) -> Result<IntakeReceipt> {
        let rules = self.parsed_rules().await?;
        let mut tx = self.store.write().await?;
        let receipt = self.store_delivery(&mut tx, &rules, pending).await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// Writes one delivery and its audit record into `tx`, routing with `rules`.
    async fn store_delivery(
        &self,
        tx: &mut WriteTx,
        rules: &[Rule],
        pending: &Pending,
    ) -> Result<IntakeReceipt> {
        let now = self.clock.now();
        let proof = &pending.proof;
        let Some(delivery_id) =
            tx.insert_delivery(proof, &pending.body, pending.items.is_some(), now).await?
        else {
            return Ok(IntakeReceipt { duplicate: true, messages: 0, statuses: 0, events: 0 });
        };
        let mut receipt = IntakeReceipt { duplicate: false, messages: 0, statuses: 0, events: 0 };
        for item in pending.items.iter().flatten() {
            self.store_item(tx, proof, rules, delivery_id, item, &mut receipt).await?;
        }
        let event = AuditEvent::new(proof.actor().clone(), Kind::WebhookDelivery)
            .target(format!("delivery:{delivery_id}"))
            .detail("messages", receipt.messages)
            .detail("statuses", receipt.statuses)
            .detail("events", receipt.events);
        tx.audit(&event, now).await?;
        Ok(receipt)
    }

    async fn store_item(
        &self,
        tx: &mut WriteTx,
        proof: &Authorized<act::IngestDelivery>,
        rules: &[Rule],
        delivery_id: i64,
        item: &Item,
        receipt: &mut IntakeReceipt,
    ) -> Result<()> {
        match item {
            Item::Inbound(m) => {
                receipt.messages +=
                    self.store_chat(tx, proof, rules, delivery_id, m, Direction::Inbound).await?
            }
            Item::Echo(m) => {
                receipt.messages +=
                    self.store_chat(tx, proof, rules, delivery_id, m, Direction::Outbound).await?
            }
            Item::Status(s) => {
                receipt.statuses += usize::from(
                    tx.record_status(proof, delivery_id, s, &s.raw.to_string(), self.clock.now()).await?,
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
        rules: &[Rule],
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
            self.route(tx, proof, rules, conversation, m, now).await?;
        }
        Ok(1)
    }
}
