//! Webhook deliveries, delivery statuses and other channel events.

use sha2::{Digest, Sha256};

use super::{Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::channel::whatsapp::webhook::StatusUpdate;
use crate::clock::Timestamp;
use crate::domain::DeliveryStatus;
use crate::error::Result;

/// How much the store holds (ids and counts only; for health checks and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreStats {
    /// Webhook deliveries kept verbatim.
    pub deliveries: i64,
    /// Customers.
    pub contacts: i64,
    /// Conversations.
    pub conversations: i64,
    /// Messages, both directions.
    pub messages: i64,
    /// Delivery-status reports.
    pub statuses: i64,
    /// Other channel events.
    pub events: i64,
    /// Audit records.
    pub audit_events: i64,
}

impl Store {
    /// Counts of what the store holds.
    pub async fn stats(&self) -> Result<StoreStats> {
        let row: (i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM webhook_deliveries), (SELECT count(*) FROM contacts),
                    (SELECT count(*) FROM conversations), (SELECT count(*) FROM messages),
                    (SELECT count(*) FROM message_statuses), (SELECT count(*) FROM channel_events),
                    (SELECT count(*) FROM audit_events)",
        )
        .fetch_one(self.read())
        .await?;
        Ok(StoreStats {
            deliveries: row.0,
            contacts: row.1,
            conversations: row.2,
            messages: row.3,
            statuses: row.4,
            events: row.5,
            audit_events: row.6,
        })
    }

    /// The raw bytes of every delivery, oldest first (for export and the lossless check).
    pub async fn delivery_bodies(&self) -> Result<Vec<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT body FROM webhook_deliveries ORDER BY id")
            .fetch_all(self.read())
            .await?)
    }
}

impl WriteTx {
    /// Keeps a delivery's bytes verbatim. `None` if these exact bytes were stored before:
    /// Meta retries deliveries, and a repeat must have the effect of one.
    pub async fn insert_delivery(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        body: &[u8],
        parsed: bool,
        now: Timestamp,
    ) -> Result<Option<i64>> {
        let digest: [u8; 32] = Sha256::digest(body).into();
        let id = sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (body_sha256, body, parsed, received_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (body_sha256) DO NOTHING RETURNING id",
        )
        .bind(digest.as_slice())
        .bind(body)
        .bind(parsed)
        .bind(now.as_millis())
        .fetch_optional(self.conn())
        .await?;
        Ok(id)
    }

    /// Records a status report and moves the message's status forward (never back: reports
    /// arrive out of order). Returns whether the report was new.
    pub async fn record_status(
        &mut self,
        proof: &Authorized<act::IngestDelivery>,
        delivery_id: i64,
        update: &StatusUpdate,
        raw_json: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO message_statuses (wa_message_id, status, occurred_at, raw_json, delivery_id)
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (wa_message_id, status) DO NOTHING",
        )
        .bind(&update.wa_message_id)
        .bind(&update.status)
        .bind(update.at.map(Timestamp::as_millis))
        .bind(raw_json)
        .bind(delivery_id)
        .execute(self.conn())
        .await?
        .rows_affected()
            == 1;
        // A reply whose sending was interrupted is recognised by the item it names.
        if let Some(callback) = update.raw.get("biz_opaque_callback_data").and_then(serde_json::Value::as_str)
        {
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE wa_message_id = ?")
                .bind(&update.wa_message_id)
                .fetch_optional(self.conn())
                .await?;
            if known.is_none() {
                self.outbox_confirm(proof, callback, &update.wa_message_id, now).await?;
            }
        }
        let Some(incoming) = DeliveryStatus::parse(&update.status) else {
            return Ok(inserted);
        };
        let current: Option<Option<String>> =
            sqlx::query_scalar("SELECT status FROM messages WHERE wa_message_id = ?")
                .bind(&update.wa_message_id)
                .fetch_optional(self.conn())
                .await?;
        if let Some(current) = current {
            let next = DeliveryStatus::advance(current.as_deref().and_then(DeliveryStatus::parse), incoming);
            let failure = update.raw.pointer("/errors/0/code").and_then(serde_json::Value::as_i64);
            sqlx::query("UPDATE messages SET status = ?, failure_code = coalesce(?, failure_code) WHERE wa_message_id = ?")
                .bind(next.as_str())
                .bind(failure)
                .bind(&update.wa_message_id)
                .execute(self.conn())
                .await?;
        }
        Ok(inserted)
    }

    /// Keeps any other change whole.
    pub async fn insert_event(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        delivery_id: i64,
        field: &str,
        raw_json: &str,
    ) -> Result<()> {
        sqlx::query("INSERT INTO channel_events (delivery_id, field, raw_json) VALUES (?, ?, ?)")
            .bind(delivery_id)
            .bind(field)
            .bind(raw_json)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
