//! Appending to the hash-chained audit trail, inside the caller's transaction.

use sqlx::Row;

use super::WriteTx;
use crate::audit::alerts::{Rule, WINDOW_MINUTES};
use crate::audit::{
    AuditEvent, AuditRecord, Break, Checkpoint, StoredRecord, Verifier, CHECKPOINT_EVERY, CHECKPOINT_MINUTES,
    GENESIS,
};
use crate::audit::{Kind, Risk};
use crate::authz::{act, AuditActor, Authorized};
use crate::clock::Timestamp;
use crate::error::{Error, Result};

/// The end of the audit chain as a write transaction has left it.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChainHead {
    seq: i64,
    hash: [u8; 32],
    /// When the last checkpoint was signed.
    checkpoint_at: Option<i64>,
}

impl WriteTx {
    /// Appends `event`, chained to the last record. Runs in this transaction, so the record
    /// commits or rolls back with the change it describes. The single writer connection makes
    /// read-last-then-insert race-free. Then, when the event is one a burst rule counts
    /// ([`Rule::counting`]), raises that rule's alert once its threshold is reached.
    pub async fn audit(&mut self, event: &AuditEvent, now: Timestamp) -> Result<()> {
        let record = self.append(event, now).await?;
        if let Some(rule) = Rule::counting(event.action) {
            self.watch_burst(rule, &record, now).await?;
        }
        Ok(())
    }

    /// Raises `rule`'s alert about `subject` (`user:12`, an address): `alert` (an `audit.alert`
    /// event with its actor, origin and facts) and an open alert for administrators, unless the
    /// same rule alerted about the same subject within the last [`WINDOW_MINUTES`].
    pub async fn raise_alert(
        &mut self,
        rule: Rule,
        alert: AuditEvent,
        subject: &str,
        now: Timestamp,
    ) -> Result<()> {
        let recent: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM audit_alerts WHERE rule = ? AND subject = ? AND raised_at > ? LIMIT 1",
        )
        .bind(rule.as_str())
        .bind(subject)
        .bind(now.as_millis() - WINDOW_MINUTES * 60_000)
        .fetch_optional(self.conn())
        .await?;
        if recent.is_some() {
            return Ok(());
        }
        debug_assert_eq!(alert.action, Kind::AuditAlert);
        let mut event = alert.target(subject);
        event.detail.insert(0, ("rule", rule.as_str().to_owned()));
        let record = self.append(&event, now).await?;
        sqlx::query("INSERT INTO audit_alerts (seq, rule, subject, raised_at) VALUES (?, ?, ?, ?)")
            .bind(record.seq)
            .bind(rule.as_str())
            .bind(subject)
            .bind(now.as_millis())
            .execute(self.conn())
            .await?;
        tracing::warn!(rule = rule.as_str(), seq = record.seq, "unusual activity: alert raised");
        Ok(())
    }

    /// Counts the events `rule` counts by the actor of `record` (for sign-ins under unknown
    /// names: from its address) in the last [`WINDOW_MINUTES`], and alerts at the threshold.
    async fn watch_burst(&mut self, rule: Rule, record: &AuditRecord, now: Timestamp) -> Result<()> {
        let Some(threshold) = rule.threshold() else { return Ok(()) };
        let by_address = record.actor == AuditActor::Anonymous.label();
        let subject = match (by_address, &record.origin) {
            (false, _) => record.actor.clone(),
            (true, Some(origin)) => origin.clone(),
            (true, None) => return Ok(()),
        };
        let since = now.as_millis() - WINDOW_MINUTES * 60_000;
        // The window as positions, so the count is a range of (actor, action, seq).
        let first: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM audit_events WHERE occurred_at >= ? ORDER BY occurred_at, seq LIMIT 1",
        )
        .bind(since)
        .fetch_optional(self.conn())
        .await?;
        let mut q =
            sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT COUNT(*) FROM audit_events WHERE actor = ");
        q.push_bind(record.actor.clone()).push(" AND seq >= ").push_bind(first.unwrap_or(record.seq));
        q.push(" AND occurred_at >= ").push_bind(since).push(" AND action IN (");
        let mut kinds = q.separated(", ");
        for kind in rule.counted_kinds() {
            kinds.push_bind(kind);
        }
        q.push(")");
        if by_address {
            q.push(" AND origin = ").push_bind(subject.clone());
        }
        let count: i64 = q.build_query_scalar().fetch_one(self.conn()).await?;
        if count < threshold {
            return Ok(());
        }
        let actor = if by_address { AuditActor::Anonymous } else { actor_of(&record.actor) };
        let mut alert = AuditEvent::new(actor, Kind::AuditAlert)
            .detail("count", count)
            .detail("within_minutes", WINDOW_MINUTES);
        alert.origin.clone_from(&record.origin);
        alert.device.clone_from(&record.device);
        self.raise_alert(rule, alert, &subject, now).await
    }

    /// Marks open alert `seq` as looked at by `by`; false when there is no such open alert.
    pub async fn acknowledge_alert(
        &mut self,
        _proof: &Authorized<act::AcknowledgeAlert>,
        seq: i64,
        by: Option<i64>,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE audit_alerts SET acknowledged_by = ?, acknowledged_at = ? WHERE seq = ? AND acknowledged_at IS NULL",
        )
        .bind(by)
        .bind(now.as_millis())
        .bind(seq)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the events up to `through` (a signed checkpoint's position), the checkpoints
    /// before it and their alerts, keeping the checkpoint at `through` so the trail left still
    /// joins on to something signed. The caller records the purge in this transaction; its
    /// record, naming `through`, is what tells a purge from deleted events
    /// ([`Verifier::start_at`]). Returns how many events went.
    pub async fn purge_audit(&mut self, _proof: &Authorized<act::PurgeAudit>, through: i64) -> Result<u64> {
        let signed: Option<i64> = sqlx::query_scalar("SELECT seq FROM audit_checkpoints WHERE seq = ?")
            .bind(through)
            .fetch_optional(self.conn())
            .await?;
        if signed.is_none() {
            return Err(Error::Internal("an audit purge must end at a signed checkpoint".to_owned()));
        }
        let purged =
            sqlx::query("DELETE FROM audit_events WHERE seq <= ?").bind(through).execute(self.conn()).await?;
        sqlx::query("DELETE FROM audit_checkpoints WHERE seq < ?").bind(through).execute(self.conn()).await?;
        sqlx::query("DELETE FROM audit_alerts WHERE seq <= ?").bind(through).execute(self.conn()).await?;
        Ok(purged.rows_affected())
    }

    /// Appends `event` and returns the record as written.
    async fn append(&mut self, event: &AuditEvent, now: Timestamp) -> Result<AuditRecord> {
        let head = match self.head {
            Some(head) => head,
            None => self.read_chain_head().await?,
        };
        let (seq, prev) = (head.seq + 1, head.hash);
        let (origin, device) = self.origin_of(event).await?;
        let record = AuditRecord::of(event, seq, now, origin, device);
        let hash = record.hash_after(&prev);
        sqlx::query(
            "INSERT INTO audit_events
                 (seq, occurred_at, actor, action, target, detail, outcome, risk, origin, device, format,
                  prev_hash, hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(seq)
        .bind(now.as_millis())
        .bind(&record.actor)
        .bind(&record.action)
        .bind(record.target.as_deref())
        .bind(&record.detail)
        .bind(record.outcome.as_deref())
        .bind(record.risk.as_deref())
        .bind(record.origin.as_deref())
        .bind(record.device.as_deref())
        .bind(record.format)
        .bind(prev.as_slice())
        .bind(hash.as_slice())
        .execute(self.conn())
        .await?;
        // Signed every CHECKPOINT_EVERY events, and when the last checkpoint is older than
        // CHECKPOINT_MINUTES (or there is none yet), so a quiet trail is not left unsigned.
        let overdue = head.checkpoint_at.is_none_or(|at| now.as_millis() - at >= CHECKPOINT_MINUTES * 60_000);
        let mut checkpoint_at = head.checkpoint_at;
        if seq % CHECKPOINT_EVERY == 0 || overdue {
            checkpoint_at = Some(now.as_millis());
            let checkpoint = self.signer.checkpoint(seq, hash, now);
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
        self.head = Some(ChainHead { seq, hash, checkpoint_at });
        Ok(record)
    }

    /// The chain's last record and checkpoint, read once a transaction: this transaction holds
    /// the store's write lock from its first write on, so what it appends is all that changes
    /// them until it commits (a transaction dropped uncommitted takes its cache with it).
    async fn read_chain_head(&mut self) -> Result<ChainHead> {
        let last = sqlx::query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(self.conn())
            .await?;
        let (seq, hash) = match last {
            Some(row) => {
                let hash: Vec<u8> = row.try_get("hash")?;
                let hash: [u8; 32] =
                    hash.try_into().map_err(|_| Error::Internal("corrupt audit hash".to_owned()))?;
                (row.try_get::<i64, _>("seq")?, hash)
            }
            None => (0, GENESIS),
        };
        // The newest by position, through the primary key (not a scan of every checkpoint).
        let checkpoint_at: Option<i64> =
            sqlx::query_scalar("SELECT signed_at FROM audit_checkpoints ORDER BY seq DESC LIMIT 1")
                .fetch_optional(self.conn())
                .await?;
        Ok(ChainHead { seq, hash, checkpoint_at })
    }

    /// Where `event` came from: its own origin when it has one (a sign-in attempt), else its
    /// session's as the session recorded it when it opened; the CLI runs on this PC.
    async fn origin_of(&mut self, event: &AuditEvent) -> Result<(Option<String>, Option<String>)> {
        if event.origin.is_some() || event.device.is_some() {
            return Ok((event.origin.clone(), event.device.clone()));
        }
        match &event.actor {
            AuditActor::User { session: Some(session), .. } => {
                let row = sqlx::query("SELECT origin, device FROM sessions WHERE id = ?")
                    .bind(session)
                    .fetch_optional(self.conn())
                    .await?;
                Ok(match row {
                    Some(row) => (Some(row.try_get("origin")?), Some(row.try_get("device")?)),
                    None => (None, None),
                })
            }
            AuditActor::Operator => Ok((Some("this PC".to_owned()), Some("countersign CLI".to_owned()))),
            AuditActor::System => Ok((Some("this PC".to_owned()), Some("Countersign retention".to_owned()))),
            AuditActor::User { session: None, .. }
            | AuditActor::Webhook
            | AuditActor::Anonymous
            | AuditActor::IdentityProvider => Ok((None, None)),
        }
    }
}

/// The actor whose stored label is `label`, for an alert about them (sessions are not kept:
/// the alert's origin is the triggering event's own, recorded with it).
fn actor_of(label: &str) -> AuditActor {
    match label.strip_prefix("user:").and_then(|id| id.parse().ok()) {
        Some(id) => AuditActor::User { id: crate::domain::UserId::new(id), session: None },
        None => match label {
            "operator:cli" => AuditActor::Operator,
            "system:webhook" => AuditActor::Webhook,
            "system:retention" => AuditActor::System,
            "system:sso" => AuditActor::IdentityProvider,
            _ => AuditActor::Anonymous,
        },
    }
}

pub(super) fn record_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: r.try_get("seq")?,
        occurred_at: Timestamp::from_millis(r.try_get("occurred_at")?),
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        detail: r.try_get("detail")?,
        outcome: r.try_get("outcome")?,
        risk: r.try_get("risk")?,
        origin: r.try_get("origin")?,
        device: r.try_get("device")?,
        format: r.try_get("format")?,
        erased: r.try_get("erased")?,
    })
}

impl super::Store {
    /// The whole trail, oldest first.
    pub async fn audit_records(&self) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT seq, occurred_at, actor, action, target, detail, outcome, risk, origin, device, format, erased
               FROM audit_events ORDER BY seq",
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
        // After a retention purge the trail starts later, joined on to a kept checkpoint.
        let first: Option<i64> =
            sqlx::query_scalar("SELECT MIN(seq) FROM audit_events").fetch_one(self.read()).await?;
        if let Err(broken) = verifier.start_at(first.unwrap_or(1)) {
            return Ok(Err(broken));
        }
        let mut after = 0;
        loop {
            let rows = sqlx::query(
                "SELECT seq, occurred_at, actor, action, target, detail, outcome, risk, origin, device, format, erased,
                        prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?",
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

    /// The newest signed checkpoint up to which every event happened before `before`: how far
    /// a purge of what is older may go, so that a checkpoint covers everything purged and no
    /// event still within retention goes (even one written while the clock was wrong).
    pub async fn audit_purge_boundary(
        &self,
        _proof: &Authorized<act::PurgeAudit>,
        before: Timestamp,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT seq FROM audit_checkpoints
              WHERE seq < COALESCE((SELECT MIN(seq) FROM audit_events WHERE occurred_at >= ?),
                                   9223372036854775807)
              ORDER BY seq DESC LIMIT 1",
        )
        .bind(before.as_millis())
        .fetch_optional(self.read())
        .await?)
    }

    /// Whether `actor` (`user:12`) signed in before at all, and from `origin` in particular
    /// (as far back as the trail is kept).
    pub async fn signed_in_before(&self, actor: &str, origin: &str) -> Result<(bool, bool)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS logins, COALESCE(SUM(origin = ?), 0) AS here
               FROM audit_events WHERE actor = ? AND action = ?",
        )
        .bind(origin)
        .bind(actor)
        .bind(Kind::SessionLogin.name())
        .fetch_one(self.read())
        .await?;
        Ok((row.try_get::<i64, _>("logins")? > 0, row.try_get::<i64, _>("here")? > 0))
    }

    /// When the oldest event left happened (none in an empty trail).
    pub async fn oldest_audit_event(&self, _proof: &impl AuditReader) -> Result<Option<Timestamp>> {
        let at: Option<i64> = sqlx::query_scalar("SELECT occurred_at FROM audit_events ORDER BY seq LIMIT 1")
            .fetch_optional(self.read())
            .await?;
        Ok(at.map(Timestamp::from_millis))
    }

    /// The alerts nobody has acknowledged yet, newest first (at most `limit`), and how many
    /// there are in all.
    pub async fn open_alerts(
        &self,
        _proof: &Authorized<act::ViewAudit>,
        limit: i64,
    ) -> Result<(Vec<AuditRecord>, i64)> {
        let rows = sqlx::query(
            "SELECT e.seq, e.occurred_at, e.actor, e.action, e.target, e.detail, e.outcome, e.risk, e.origin, e.device,
                    e.format, e.erased
               FROM audit_alerts a JOIN audit_events e ON e.seq = a.seq
              WHERE a.acknowledged_at IS NULL ORDER BY a.seq DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.read())
        .await?;
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_alerts WHERE acknowledged_at IS NULL")
            .fetch_one(self.read())
            .await?;
        Ok((rows.iter().map(record_from_row).collect::<Result<_>>()?, open))
    }

    /// The public key that checks this installation's checkpoints.
    pub fn audit_verifying_key(&self) -> [u8; 32] {
        self.signer.verifying_key().to_bytes()
    }
}

/// Which events a search of the trail wants (every part optional; all given must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Who, as stored (`user:12`, `operator:cli`).
    pub actor: Option<String>,
    /// What (`session.login`).
    pub action: Option<String>,
    /// On what, exactly as stored (`conversation:4`).
    pub target: Option<String>,
    /// At least this risk.
    pub min_risk: Option<Risk>,
    /// From this time (inclusive).
    pub from: Option<Timestamp>,
    /// Before this time (exclusive).
    pub until: Option<Timestamp>,
}

/// Where a page of the trail starts: keyset pagination by position, so page 5,000 costs what
/// page 1 does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditCursor {
    /// Newest first, from before this position (`i64::MAX` for the newest).
    Before(i64),
    /// Oldest first, from after this position (0 for the oldest).
    After(i64),
}

impl super::Store {
    /// Up to `limit` events matching `filter` from `cursor`. Each condition is added only when
    /// given, so SQLite can use the index for it (`0017_audit_context.sql`).
    pub async fn audit_page(
        &self,
        _proof: &impl AuditReader,
        filter: &AuditFilter,
        cursor: AuditCursor,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT seq, occurred_at, actor, action, target, detail, outcome, risk, origin, device, format, erased
               FROM audit_events WHERE ",
        );
        match cursor {
            AuditCursor::Before(seq) => q.push("seq < ").push_bind(seq),
            AuditCursor::After(seq) => q.push("seq > ").push_bind(seq),
        };
        if let Some(actor) = &filter.actor {
            q.push(" AND actor = ").push_bind(actor.clone());
        }
        if let Some(action) = &filter.action {
            q.push(" AND action = ").push_bind(action.clone());
        }
        if let Some(target) = &filter.target {
            q.push(" AND target = ").push_bind(target.clone());
        }
        if let Some(min) = filter.min_risk {
            let mut levels = q.push(" AND risk IN (").separated(", ");
            for level in Risk::ALL.into_iter().filter(|r| *r >= min) {
                levels.push_bind(level.as_str());
            }
            q.push(")");
        }
        if let Some(from) = filter.from {
            q.push(" AND occurred_at >= ").push_bind(from.as_millis());
        }
        if let Some(until) = filter.until {
            q.push(" AND occurred_at < ").push_bind(until.as_millis());
        }
        q.push(match cursor {
            AuditCursor::Before(_) => " ORDER BY seq DESC LIMIT ",
            AuditCursor::After(_) => " ORDER BY seq ASC LIMIT ",
        })
        .push_bind(limit);
        let rows = q.build().fetch_all(self.read()).await?;
        rows.iter().map(record_from_row).collect()
    }
}

/// A proof that lets its holder read the trail: to search it, or to export it.
pub trait AuditReader {}
impl AuditReader for Authorized<act::ViewAudit> {}
impl AuditReader for Authorized<act::ExportAudit> {}
