//! The durable outbox: replies committed before they are sent, and what became of each send.
//!
//! States: `queued` (waiting, perhaps until `next_attempt_at`) → `sending` (an attempt is under
//! way, committed before the request leaves) → `sent` or `failed`, or back to `queued` for a
//! retry. An attempt interrupted by a stop leaves `sending`; at the next start it becomes
//! `uncertain`: WhatsApp may or may not have taken it. A status webhook naming the item (in
//! `biz_opaque_callback_data`) settles it as sent; without one within the confirmation grace,
//! it is queued again.

use serde_json::Value;
use sqlx::Row;

use super::inbox::NewMessage;
use super::{Store, WriteTx};
use crate::authz::{act, Act, Authorized, MaySend, OnConversation};
use crate::clock::Timestamp;
use crate::domain::{Direction, MessageId, MessageKind};
use crate::error::{Error, Result};

/// What `biz_opaque_callback_data` carries for an outbox item: this prefix and the message id.
pub const CALLBACK_PREFIX: &str = "countersign:m";

/// An item taken for sending.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    /// The item.
    pub id: i64,
    /// Its message.
    pub message_id: MessageId,
    /// Who it goes to.
    pub recipient: String,
    /// The Graph request body.
    pub request: Value,
    /// Attempts made before this one.
    pub attempts: i64,
    /// When it was committed.
    pub created_at: Timestamp,
}

impl WriteTx {
    /// Commits a reply and its outbox item with `request`, the Graph request, to which the
    /// callback data naming the item is added. The message is `queued` until the sender takes it.
    pub async fn enqueue_reply<A: Act>(
        &mut self,
        proof: &Authorized<A>,
        recipient: &str,
        kind: &MessageKind,
        body: &str,
        mut request: Value,
        now: Timestamp,
    ) -> Result<MessageId>
    where
        Authorized<A>: MaySend,
    {
        let message = NewMessage {
            conversation: proof.conversation(),
            wa_message_id: None,
            direction: Direction::Outbound,
            kind,
            body: Some(body),
            raw_json: "",
            sent_at: now,
            delivery_id: None,
        };
        let author = proof.sender().user_id();
        let id = self
            .insert_message_row(&message, author, Some("queued"), now)
            .await?
            .ok_or_else(|| Error::Internal("a queued reply was not stored".to_owned()))?;
        // The request names its item, so that a status webhook settles an interrupted send.
        request["biz_opaque_callback_data"] = format!("{CALLBACK_PREFIX}{}", id.get()).into();
        // The message keeps what was asked of WhatsApp (its context, its template), like an
        // inbound message keeps what WhatsApp delivered.
        sqlx::query("UPDATE messages SET raw_json = ? WHERE id = ?")
            .bind(request.to_string())
            .bind(id.get())
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO outbox (message_id, recipient, request_json, state, next_attempt_at, created_at, updated_at)
             VALUES (?, ?, ?, 'queued', ?, ?, ?)",
        )
        .bind(id.get())
        .bind(recipient)
        .bind(request.to_string())
        .bind(now.as_millis())
        .bind(now.as_millis())
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
        sqlx::query("UPDATE conversations SET last_message_at = max(last_message_at, ?) WHERE id = ?")
            .bind(now.as_millis())
            .bind(proof.conversation().get())
            .execute(self.conn())
            .await?;
        Ok(id)
    }

    /// Takes up to `limit` items due at `now` for sending: per recipient only the oldest
    /// unsettled item, so that a customer receives replies in the order they were written.
    pub async fn claim_due(
        &mut self,
        _proof: &Authorized<act::DeliverOutbox>,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxItem>> {
        let rows = sqlx::query(
            "UPDATE outbox SET state = 'sending', claimed_at = ?1, updated_at = ?1
             WHERE id IN (
                 SELECT o.id FROM outbox o
                 WHERE o.state = 'queued' AND o.next_attempt_at <= ?1
                   AND o.id = (SELECT min(p.id) FROM outbox p
                               WHERE p.recipient = o.recipient
                                 AND p.state IN ('queued', 'sending', 'uncertain'))
                 ORDER BY o.id LIMIT ?2)
             RETURNING id, message_id, recipient, request_json, attempts, created_at",
        )
        .bind(now.as_millis())
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let request: String = r.try_get("request_json")?;
            items.push(OutboxItem {
                id: r.try_get("id")?,
                message_id: MessageId::new(r.try_get("message_id")?),
                recipient: r.try_get("recipient")?,
                request: serde_json::from_str(&request)
                    .map_err(|_| Error::Internal("an outbox request is not JSON".to_owned()))?,
                attempts: r.try_get("attempts")?,
                created_at: Timestamp::from_millis(r.try_get("created_at")?),
            });
        }
        items.sort_by_key(|i| i.id);
        Ok(items)
    }

    /// WhatsApp took the item and named it `wa_message_id`.
    pub async fn outbox_sent(
        &mut self,
        _proof: &Authorized<act::DeliverOutbox>,
        item: &OutboxItem,
        wa_message_id: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.settle_sent(item.id, wa_message_id, now).await
    }

    /// The item waits until `at`; `code` says why (Graph's code, if any). A retry counts as an
    /// attempt; a wait for the rate limiter does not.
    pub async fn outbox_later(
        &mut self,
        _proof: &Authorized<act::DeliverOutbox>,
        item: &OutboxItem,
        at: Timestamp,
        code: Option<i64>,
        counts: bool,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'queued', next_attempt_at = ?, attempts = attempts + ?,
                    last_error_code = coalesce(?, last_error_code), claimed_at = NULL, updated_at = ?
             WHERE id = ?",
        )
        .bind(at.as_millis())
        .bind(i64::from(counts))
        .bind(code)
        .bind(now.as_millis())
        .bind(item.id)
        .execute(self.conn())
        .await?;
        if counts {
            self.set_failure_code(item.message_id, code).await?;
        }
        Ok(())
    }

    /// The item will not be sent: WhatsApp refused it for good (`code`), or it waited too long.
    pub async fn outbox_failed(
        &mut self,
        _proof: &Authorized<act::DeliverOutbox>,
        item: &OutboxItem,
        code: Option<i64>,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error_code = ?,
                    claimed_at = NULL, updated_at = ? WHERE id = ?",
        )
        .bind(code)
        .bind(now.as_millis())
        .bind(item.id)
        .execute(self.conn())
        .await?;
        sqlx::query("UPDATE messages SET status = 'failed', failure_code = ? WHERE id = ?")
            .bind(code)
            .bind(item.message_id.get())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// At start: attempts a stop interrupted become `uncertain`. Returns how many.
    pub async fn outbox_recover(
        &mut self,
        _proof: &Authorized<act::DeliverOutbox>,
        now: Timestamp,
    ) -> Result<u64> {
        // The confirmation grace counts from now: webhooks queued while we were down arrive now.
        Ok(sqlx::query(
            "UPDATE outbox SET state = 'uncertain', claimed_at = ?1, updated_at = ?1 WHERE state = 'sending'",
        )
        .bind(now.as_millis())
        .execute(self.conn())
        .await?
        .rows_affected())
    }

    /// New channel settings: items held by a refused access token (190) are due at once.
    pub async fn outbox_release_held(
        &mut self,
        _proof: &Authorized<act::ConfigureChannel>,
        now: Timestamp,
    ) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE outbox SET next_attempt_at = ?1, updated_at = ?1 WHERE state = 'queued' AND last_error_code = 190",
        )
        .bind(now.as_millis())
        .execute(self.conn())
        .await?
        .rows_affected())
    }

    /// Uncertain items that no status webhook settled since `before` are queued again.
    pub async fn outbox_requeue_unconfirmed(
        &mut self,
        _proof: &Authorized<act::DeliverOutbox>,
        before: Timestamp,
        now: Timestamp,
    ) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE outbox SET state = 'queued', next_attempt_at = ?1, claimed_at = NULL, updated_at = ?1
             WHERE state = 'uncertain' AND claimed_at <= ?2",
        )
        .bind(now.as_millis())
        .bind(before.as_millis())
        .execute(self.conn())
        .await?
        .rows_affected())
    }

    /// A status webhook named an outbox item (`callback`) and its WhatsApp id: an attempt whose
    /// outcome was unknown is settled as sent. Returns whether an item was settled.
    pub async fn outbox_confirm(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        callback: &str,
        wa_message_id: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let Some(message_id) = callback.strip_prefix(CALLBACK_PREFIX).and_then(|id| id.parse::<i64>().ok())
        else {
            return Ok(false);
        };
        let item: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM outbox WHERE message_id = ? AND state IN ('sending', 'uncertain', 'queued')",
        )
        .bind(message_id)
        .fetch_optional(self.conn())
        .await?;
        match item {
            Some(item) => self.settle_sent(item, wa_message_id, now).await.map(|()| true),
            None => Ok(false),
        }
    }

    async fn settle_sent(&mut self, item: i64, wa_message_id: &str, now: Timestamp) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'sent', attempts = attempts + 1, claimed_at = NULL, updated_at = ? WHERE id = ?",
        )
        .bind(now.as_millis())
        .bind(item)
        .execute(self.conn())
        .await?;
        sqlx::query(
            "UPDATE messages SET wa_message_id = ?, failure_code = NULL,
                    status = CASE WHEN status = 'queued' THEN 'accepted' ELSE status END
             WHERE id = (SELECT message_id FROM outbox WHERE id = ?)",
        )
        .bind(wa_message_id)
        .bind(item)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn set_failure_code(&mut self, message: MessageId, code: Option<i64>) -> Result<()> {
        sqlx::query("UPDATE messages SET failure_code = ? WHERE id = ?")
            .bind(code)
            .bind(message.get())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    /// When the next queued item falls due, if any.
    pub async fn outbox_next_due(&self) -> Result<Option<Timestamp>> {
        let at: Option<i64> =
            sqlx::query_scalar("SELECT min(next_attempt_at) FROM outbox WHERE state = 'queued'")
                .fetch_one(self.read())
                .await?;
        Ok(at.map(Timestamp::from_millis))
    }

    /// The outbox state of a message's item (`None` for messages that never were in it).
    pub async fn outbox_state(&self, message: MessageId) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT state FROM outbox WHERE message_id = ?")
            .bind(message.get())
            .fetch_optional(self.read())
            .await?)
    }

    /// The failure code of a message, if it has one.
    pub async fn message_failure(&self, message: MessageId) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT failure_code FROM messages WHERE id = ?")
            .bind(message.get())
            .fetch_optional(self.read())
            .await?
            .flatten())
    }

    /// Replies waiting because WhatsApp refused the access token (error 190).
    pub async fn outbox_held_by_token(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'queued' AND last_error_code = 190")
            .fetch_one(self.read())
            .await?)
    }

    /// How many items are in each state (for tests and diagnostics; no content).
    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT state, count(*) AS n FROM outbox GROUP BY state ORDER BY state")
            .fetch_all(self.read())
            .await?;
        rows.iter().map(|r| Ok((r.try_get("state")?, r.try_get("n")?))).collect()
    }
}
