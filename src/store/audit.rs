//! Appending to the hash-chained audit trail, inside the caller's transaction.

use sqlx::Row;

use super::WriteTx;
use crate::audit::{
    chain_hash, AuditEvent, Break, Checkpoint, StoredRecord, Verifier, CHECKPOINT_EVERY, GENESIS,
};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::error::{Error, Result};

impl WriteTx {
    /// Appends `event`, chained to the last record. Runs in this transaction, so the record
    /// commits or rolls back with the change it describes. The single writer connection makes
    /// read-last-then-insert race-free.
    pub async fn audit(&mut self, event: &AuditEvent, now: Timestamp) -> Result<()> {
        let last = sqlx::query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(self.conn())
            .await?;
        let (seq, prev) = match last {
            Some(row) => {
                let hash: Vec<u8> = row.try_get("hash")?;
                let prev: [u8; 32] =
                    hash.try_into().map_err(|_| Error::Internal("corrupt audit hash".to_owned()))?;
                (row.try_get::<i64, _>("seq")? + 1, prev)
            }
            None => (1, GENESIS),
        };
        let hash = chain_hash(&prev, seq, now, event);
        sqlx::query(
            "INSERT INTO audit_events (seq, occurred_at, actor, action, target, detail, prev_hash, hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(seq)
        .bind(now.as_millis())
        .bind(event.actor.label())
        .bind(event.action)
        .bind(event.target.as_deref())
        .bind(event.detail_text())
        .bind(prev.as_slice())
        .bind(hash.as_slice())
        .execute(self.conn())
        .await?;
        if seq % CHECKPOINT_EVERY == 0 {
            let checkpoint = self.1.checkpoint(seq, hash, now);
            sqlx::query(
                "INSERT INTO audit_checkpoints (seq, hash, signed_at, signature) VALUES (?, ?, ?, ?)",
            )
            .bind(seq)
            .bind(checkpoint.hash.as_slice())
            .bind(now.as_millis())
            .bind(checkpoint.signature.as_slice())
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }
}

pub use crate::audit::AuditRecord;

fn record_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: r.try_get("seq")?,
        occurred_at: Timestamp::from_millis(r.try_get("occurred_at")?),
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        detail: r.try_get("detail")?,
    })
}

impl super::Store {
    /// The whole trail, oldest first.
    pub async fn audit_records(&self) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT seq, occurred_at, actor, action, target, detail FROM audit_events ORDER BY seq",
        )
        .fetch_all(self.read())
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Checks the whole chain from the first event, a page at a time (a trail of millions is
    /// never held in memory), against the stored checkpoints and those `kept_elsewhere`:
    /// `Ok(n)` when all `n` events follow from one another and agree with every checkpoint, or
    /// the first break. Events cut off after the last checkpoint cannot be seen.
    pub async fn verify_audit(
        &self,
        proof: &Authorized<act::VerifyAudit>,
        kept_elsewhere: &[Checkpoint],
    ) -> Result<std::result::Result<i64, Break>> {
        const PAGE: i64 = 10_000;
        let mut checkpoints = self.audit_checkpoints(proof).await?;
        checkpoints.extend_from_slice(kept_elsewhere);
        let mut verifier = match Verifier::with_checkpoints(&checkpoints, &self.signer.verifying_key()) {
            Ok(verifier) => verifier,
            Err(broken) => return Ok(Err(broken)),
        };
        let mut after = 0;
        loop {
            let rows = sqlx::query(
                "SELECT seq, occurred_at, actor, action, target, detail, prev_hash, hash
                   FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?",
            )
            .bind(after)
            .bind(PAGE)
            .fetch_all(self.read())
            .await?;
            for r in &rows {
                let stored = StoredRecord {
                    record: record_from_row(r)?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                };
                if let Err(found) = verifier.check(&stored) {
                    return Ok(Err(found));
                }
                after = stored.record.seq;
            }
            if (rows.len() as i64) < PAGE {
                return Ok(verifier.finish());
            }
        }
    }

    /// The signed checkpoints, oldest first (to keep a copy outside the machine).
    pub async fn audit_checkpoints(&self, _proof: &Authorized<act::VerifyAudit>) -> Result<Vec<Checkpoint>> {
        let rows = sqlx::query("SELECT seq, hash, signed_at, signature FROM audit_checkpoints ORDER BY seq")
            .fetch_all(self.read())
            .await?;
        let corrupt = || Error::Internal("corrupt audit checkpoint".to_owned());
        rows.iter()
            .map(|r| {
                Ok(Checkpoint {
                    seq: r.try_get("seq")?,
                    hash: r.try_get::<Vec<u8>, _>("hash")?.try_into().map_err(|_| corrupt())?,
                    signed_at: Timestamp::from_millis(r.try_get("signed_at")?),
                    signature: r.try_get::<Vec<u8>, _>("signature")?.try_into().map_err(|_| corrupt())?,
                })
            })
            .collect()
    }

    /// The public key that checks this installation's checkpoints.
    pub fn audit_verifying_key(&self) -> [u8; 32] {
        self.signer.verifying_key().to_bytes()
    }
}
