//! Retention of message content and media (issue 11 point 3): legal holds, and the purge that
//! removes what is past the organisation's limits in small batches.
//!
//! A purge removes what was said and keeps that something was: a message keeps its direction,
//! type, time, status and author; its text, WhatsApp's JSON (which holds the text too), its
//! file and the outbox's copy of a reply are removed, and the search index follows through its
//! triggers. A webhook delivery keeps the hash it is deduplicated by and loses its body. A
//! conversation under a legal hold, or whose contact is under one, is left whole, and so is
//! every delivery that carried one of its messages.
//!
//! Batches walk by position (time, id) so rows left in place by a hold are passed once per
//! run, not once per batch. Each batch records its counts on the run's row in its own
//! transaction, with its audit event, so progress is visible while the run goes on and a
//! stop leaves a true record.

use sqlx::Row;

use super::{Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::{ContactId, ConversationId, UserId};
use crate::error::{Error, Result};

/// What a hold covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldTarget {
    /// Every conversation of the contact.
    Contact(ContactId),
    /// One conversation.
    Conversation(ConversationId),
}

/// A legal hold.
#[derive(Debug, Clone)]
pub struct HoldRecord {
    /// Its id.
    pub id: i64,
    /// What it covers.
    pub target: HoldTarget,
    /// The contact it concerns (the conversation's, for a conversation hold).
    pub contact: ContactId,
    /// The contact's WhatsApp profile name, to recognise them by.
    pub contact_name: Option<String>,
    /// Why it was placed.
    pub reason: String,
    /// Who placed it (`None`: IT at the machine).
    pub placed_by: Option<String>,
    /// When.
    pub placed_at: Timestamp,
}

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunTrigger {
    /// The app's own schedule.
    Schedule,
    /// Someone asked for it in the app.
    Manual,
    /// IT at the machine (`countersign retention purge`).
    Operator,
}

impl RunTrigger {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Manual => "manual",
            Self::Operator => "operator",
        }
    }
}

/// The limits a run applies: content sent before these times goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cutoffs {
    /// Message content (and with it the message's file, and raw webhook bodies).
    pub messages: Option<Timestamp>,
    /// Files (at most the messages' limit).
    pub media: Option<Timestamp>,
}

/// How many rows of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Messages whose content goes.
    pub messages: u64,
    /// Media files.
    pub media: u64,
    /// Raw webhook bodies.
    pub deliveries: u64,
}

impl Counts {
    /// All of them.
    pub fn total(&self) -> u64 {
        self.messages + self.media + self.deliveries
    }
}

/// A purge run as recorded.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// Its id.
    pub id: i64,
    /// Why it started: `schedule`, `manual`, `operator`.
    pub trigger: String,
    /// `running`, `finished`, `failed` or `interrupted`.
    pub state: String,
    /// When it started.
    pub started_at: Timestamp,
    /// When it ended.
    pub finished_at: Option<Timestamp>,
    /// What was due when it started.
    pub due: Counts,
    /// What it removed.
    pub done: Counts,
}

/// Where a batch walk has got to: the last (time, id) it passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position(pub i64, pub i64);

impl Position {
    /// Before everything.
    pub const START: Self = Self(i64::MIN, i64::MIN);
}

/// The proofs that may count what a purge would remove: the purge's own, and whoever sets the
/// limits (the retention screen shows it).
pub trait RetentionReader {}
impl RetentionReader for Authorized<act::PurgeContent> {}
impl RetentionReader for Authorized<act::ManageRetention> {}

/// `c` (a conversation) is under no active hold, of its own or its contact's.
const NOT_HELD: &str = "NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.released_at IS NULL
    AND (h.conversation_id = c.id OR h.contact_id = c.contact_id))";

/// A reply still on its way keeps its content until it is sent or given up.
const NOT_SENDING: &str = "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id
    AND o.state IN ('queued', 'sending', 'uncertain'))";

/// `d` (a delivery) carried no message of a held conversation. Holds are few: the walk starts
/// from them (`CROSS JOIN` fixes SQLite's join order) rather than from every message.
const DELIVERY_NOT_HELD: &str = "NOT EXISTS (SELECT 1 FROM legal_holds h CROSS JOIN conversations c
    CROSS JOIN messages m WHERE h.released_at IS NULL AND (h.conversation_id = c.id OR h.contact_id = c.contact_id)
    AND m.conversation_id = c.id AND m.delivery_id = d.id)";

/// A file being downloaded right now is left to the next run (the fetcher would store it
/// again).
const MEDIA_DUE: &str = "md.state NOT IN ('removed', 'fetching')";

impl Store {
    /// The holds in force, newest first.
    pub async fn legal_holds(&self, _proof: &Authorized<act::ManageRetention>) -> Result<Vec<HoldRecord>> {
        let rows = sqlx::query(
            "SELECT h.id, h.contact_id, h.conversation_id, h.reason, h.placed_at, u.username AS placed_by,
                    COALESCE(h.contact_id, c.contact_id) AS contact, k.profile_name
             FROM legal_holds h
             LEFT JOIN conversations c ON c.id = h.conversation_id
             LEFT JOIN contacts k ON k.id = COALESCE(h.contact_id, c.contact_id)
             LEFT JOIN users u ON u.id = h.placed_by
             WHERE h.released_at IS NULL ORDER BY h.placed_at DESC, h.id DESC",
        )
        .fetch_all(self.read())
        .await?;
        rows.iter().map(hold_from_row).collect()
    }

    /// The active holds on `contact` or any of its conversations.
    pub async fn holds_on_contact(&self, contact: ContactId) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT h.id FROM legal_holds h LEFT JOIN conversations c ON c.id = h.conversation_id
             WHERE h.released_at IS NULL AND (h.contact_id = ?1 OR c.contact_id = ?1) ORDER BY h.id",
        )
        .bind(contact.get())
        .fetch_all(self.read())
        .await?)
    }

    /// What a run with `cutoffs` would remove now.
    pub async fn retention_due(&self, _proof: &impl RetentionReader, cutoffs: Cutoffs) -> Result<Counts> {
        let mut due = Counts::default();
        if let Some(cutoff) = cutoffs.messages {
            due.messages = count(
                self,
                &format!(
                    "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
                     WHERE m.content_removed_at IS NULL AND m.sent_at < ? AND {NOT_HELD} AND {NOT_SENDING}"
                ),
                cutoff,
            )
            .await?;
            due.deliveries = count(
                self,
                &format!(
                    "SELECT count(*) FROM webhook_deliveries d
                     WHERE d.body_removed_at IS NULL AND d.received_at < ? AND {DELIVERY_NOT_HELD}"
                ),
                cutoff,
            )
            .await?;
        }
        if let Some(cutoff) = cutoffs.media {
            due.media = count(
                self,
                &format!(
                    "SELECT count(*) FROM media md JOIN messages m ON m.id = md.message_id
                     JOIN conversations c ON c.id = m.conversation_id
                     WHERE {MEDIA_DUE} AND m.sent_at < ? AND {NOT_HELD}"
                ),
                cutoff,
            )
            .await?;
        }
        Ok(due)
    }

    /// The latest runs, newest first.
    pub async fn retention_runs(
        &self,
        _proof: &Authorized<act::ManageRetention>,
        limit: i64,
    ) -> Result<Vec<RunRecord>> {
        let rows = sqlx::query("SELECT * FROM retention_runs ORDER BY id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(self.read())
            .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// One run.
    pub async fn retention_run(&self, id: i64) -> Result<RunRecord> {
        let row = sqlx::query("SELECT * FROM retention_runs WHERE id = ?")
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(run_from_row).transpose()?.ok_or(Error::NotFound)
    }
}

async fn count(store: &Store, sql: &str, cutoff: Timestamp) -> Result<u64> {
    let n: i64 = sqlx::query_scalar(sql).bind(cutoff.as_millis()).fetch_one(store.read()).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn hold_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<HoldRecord> {
    let target =
        match (r.try_get::<Option<i64>, _>("contact_id")?, r.try_get::<Option<i64>, _>("conversation_id")?) {
            (Some(contact), _) => HoldTarget::Contact(ContactId::new(contact)),
            (None, Some(conversation)) => HoldTarget::Conversation(ConversationId::new(conversation)),
            (None, None) => return Err(Error::Internal("a hold on nothing".to_owned())),
        };
    Ok(HoldRecord {
        id: r.try_get("id")?,
        target,
        contact: ContactId::new(r.try_get("contact")?),
        contact_name: r.try_get("profile_name")?,
        reason: r.try_get("reason")?,
        placed_by: r.try_get("placed_by")?,
        placed_at: Timestamp::from_millis(r.try_get("placed_at")?),
    })
}

fn run_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<RunRecord> {
    let n = |column: &str| -> Result<u64> { Ok(u64::try_from(r.try_get::<i64, _>(column)?).unwrap_or(0)) };
    Ok(RunRecord {
        id: r.try_get("id")?,
        trigger: r.try_get("trigger")?,
        state: r.try_get("state")?,
        started_at: Timestamp::from_millis(r.try_get("started_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(Timestamp::from_millis),
        due: Counts {
            messages: n("messages_due")?,
            media: n("media_due")?,
            deliveries: n("deliveries_due")?,
        },
        done: Counts {
            messages: n("messages_done")?,
            media: n("media_done")?,
            deliveries: n("deliveries_done")?,
        },
    })
}

fn u64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl WriteTx {
    /// Places a hold; `None` if its contact or conversation does not exist.
    pub async fn place_hold(
        &mut self,
        _proof: &Authorized<act::ManageRetention>,
        target: HoldTarget,
        reason: &str,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<Option<i64>> {
        let (contact, conversation) = match target {
            HoldTarget::Contact(id) => (Some(id.get()), None),
            HoldTarget::Conversation(id) => (None, Some(id.get())),
        };
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM contacts WHERE id = ?1) OR EXISTS (SELECT 1 FROM conversations WHERE id = ?2)",
        )
        .bind(contact)
        .bind(conversation)
        .fetch_one(self.conn())
        .await?;
        if !exists {
            return Ok(None);
        }
        let id = sqlx::query_scalar(
            "INSERT INTO legal_holds (contact_id, conversation_id, reason, placed_by, placed_at)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(contact)
        .bind(conversation)
        .bind(reason)
        .bind(by.map(UserId::get))
        .bind(now.as_millis())
        .fetch_one(self.conn())
        .await?;
        Ok(Some(id))
    }

    /// Releases hold `id`: what it covered, or `None` if no such hold is in force.
    pub async fn release_hold(
        &mut self,
        _proof: &Authorized<act::ManageRetention>,
        id: i64,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<Option<HoldTarget>> {
        let row = sqlx::query(
            "UPDATE legal_holds SET released_by = ?, released_at = ? WHERE id = ? AND released_at IS NULL
             RETURNING contact_id, conversation_id",
        )
        .bind(by.map(UserId::get))
        .bind(now.as_millis())
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(
            match (
                row.try_get::<Option<i64>, _>("contact_id")?,
                row.try_get::<Option<i64>, _>("conversation_id")?,
            ) {
                (Some(contact), _) => Some(HoldTarget::Contact(ContactId::new(contact))),
                (None, Some(conversation)) => {
                    Some(HoldTarget::Conversation(ConversationId::new(conversation)))
                }
                (None, None) => None,
            },
        )
    }

    /// Records a new run with what is due; a run left `running` by a stop is marked
    /// `interrupted` first (its counts say how far it got).
    pub async fn start_retention_run(
        &mut self,
        _proof: &Authorized<act::PurgeContent>,
        trigger: RunTrigger,
        cutoffs: Cutoffs,
        due: Counts,
        now: Timestamp,
    ) -> Result<i64> {
        sqlx::query("UPDATE retention_runs SET state = 'interrupted' WHERE state = 'running'")
            .execute(self.conn())
            .await?;
        Ok(sqlx::query_scalar(
            "INSERT INTO retention_runs (trigger, state, started_at, message_cutoff, media_cutoff,
                                         messages_due, media_due, deliveries_due)
             VALUES (?, 'running', ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(trigger.as_str())
        .bind(now.as_millis())
        .bind(cutoffs.messages.map(Timestamp::as_millis))
        .bind(cutoffs.media.map(Timestamp::as_millis))
        .bind(u64_of(due.messages))
        .bind(u64_of(due.media))
        .bind(u64_of(due.deliveries))
        .fetch_one(self.conn())
        .await?)
    }

    /// Removes the content of up to `limit` messages sent before `cutoff`, after `after`, with
    /// their files and the outbox's copies; the position reached and what went.
    pub async fn purge_message_batch(
        &mut self,
        _proof: &Authorized<act::PurgeContent>,
        run: i64,
        cutoff: Timestamp,
        after: Position,
        limit: i64,
        now: Timestamp,
    ) -> Result<(Option<Position>, Counts)> {
        let select = format!(
            "SELECT m.id, m.sent_at AS at FROM messages m INDEXED BY messages_content_by_age
             JOIN conversations c ON c.id = m.conversation_id
             WHERE m.content_removed_at IS NULL AND m.sent_at < ? AND (m.sent_at, m.id) > (?, ?)
               AND {NOT_HELD} AND {NOT_SENDING}
             ORDER BY m.sent_at, m.id LIMIT ?"
        );
        let Some((reached, ids)) = self.next_batch(&select, cutoff, after, limit).await? else {
            return Ok((None, Counts::default()));
        };
        let done = Counts {
            messages: self
                .stamped(&format!(
                    "UPDATE messages SET body = NULL, raw_json = NULL, content_removed_at = ? WHERE id IN ({ids})"
                ), now)
                .await?,
            media: self
                .stamped(&format!(
                    "UPDATE media SET bytes = NULL, state = 'removed', updated_at = ? WHERE message_id IN ({ids})
                       AND state != 'removed'"
                ), now)
                .await?,
            deliveries: 0,
        };
        sqlx::query(&format!("UPDATE outbox SET request_json = '' WHERE message_id IN ({ids})"))
            .execute(self.conn())
            .await?;
        self.count_run(run, done).await?;
        Ok((Some(reached), done))
    }

    /// Removes up to `limit` files of messages sent before `cutoff`, after `after` (by id).
    pub async fn purge_media_batch(
        &mut self,
        _proof: &Authorized<act::PurgeContent>,
        run: i64,
        cutoff: Timestamp,
        after: Position,
        limit: i64,
        now: Timestamp,
    ) -> Result<(Option<Position>, Counts)> {
        let select = format!(
            "SELECT md.id, 0 AS at FROM media md JOIN messages m ON m.id = md.message_id
             JOIN conversations c ON c.id = m.conversation_id
             WHERE {MEDIA_DUE} AND m.sent_at < ? AND (0, md.id) > (?, ?) AND {NOT_HELD}
             ORDER BY md.id LIMIT ?"
        );
        let Some((reached, ids)) = self.next_batch(&select, cutoff, after, limit).await? else {
            return Ok((None, Counts::default()));
        };
        let sql =
            format!("UPDATE media SET bytes = NULL, state = 'removed', updated_at = ? WHERE id IN ({ids})");
        let done = Counts { media: self.stamped(&sql, now).await?, ..Counts::default() };
        self.count_run(run, done).await?;
        Ok((Some(reached), done))
    }

    /// Removes the bodies of up to `limit` webhook deliveries received before `cutoff`, after
    /// `after`.
    pub async fn purge_delivery_batch(
        &mut self,
        _proof: &Authorized<act::PurgeContent>,
        run: i64,
        cutoff: Timestamp,
        after: Position,
        limit: i64,
        now: Timestamp,
    ) -> Result<(Option<Position>, Counts)> {
        let select = format!(
            "SELECT d.id, d.received_at AS at FROM webhook_deliveries d INDEXED BY deliveries_body_by_age
             WHERE d.body_removed_at IS NULL AND d.received_at < ? AND (d.received_at, d.id) > (?, ?)
               AND {DELIVERY_NOT_HELD}
             ORDER BY d.received_at, d.id LIMIT ?"
        );
        let Some((reached, ids)) = self.next_batch(&select, cutoff, after, limit).await? else {
            return Ok((None, Counts::default()));
        };
        let sql =
            format!("UPDATE webhook_deliveries SET body = X'', body_removed_at = ? WHERE id IN ({ids})");
        let done = Counts { deliveries: self.stamped(&sql, now).await?, ..Counts::default() };
        self.count_run(run, done).await?;
        Ok((Some(reached), done))
    }

    /// The next batch of a keyset walk: `select` takes the cutoff, the position after which to
    /// start and the limit, and returns `id` and `at`. The position reached and the ids as an
    /// SQL list; `None` when the walk is done.
    async fn next_batch(
        &mut self,
        select: &str,
        cutoff: Timestamp,
        after: Position,
        limit: i64,
    ) -> Result<Option<(Position, String)>> {
        let rows = sqlx::query(select)
            .bind(cutoff.as_millis())
            .bind(after.0)
            .bind(after.1)
            .bind(limit)
            .fetch_all(self.conn())
            .await?;
        let Some(last) = rows.last() else { return Ok(None) };
        Ok(Some((Position(last.try_get("at")?, last.try_get("id")?), id_list(&rows)?)))
    }

    /// Runs `sql`, whose one parameter is the time now; how many rows it changed.
    async fn stamped(&mut self, sql: &str, now: Timestamp) -> Result<u64> {
        Ok(sqlx::query(sql).bind(now.as_millis()).execute(self.conn()).await?.rows_affected())
    }

    async fn count_run(&mut self, run: i64, done: Counts) -> Result<()> {
        sqlx::query(
            "UPDATE retention_runs SET messages_done = messages_done + ?, media_done = media_done + ?,
                 deliveries_done = deliveries_done + ? WHERE id = ?",
        )
        .bind(u64_of(done.messages))
        .bind(u64_of(done.media))
        .bind(u64_of(done.deliveries))
        .bind(run)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Ends run `run` as `state` (`finished` or `failed`).
    pub async fn finish_retention_run(
        &mut self,
        _proof: &Authorized<act::PurgeContent>,
        run: i64,
        state: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query("UPDATE retention_runs SET state = ?, finished_at = ? WHERE id = ?")
            .bind(state)
            .bind(now.as_millis())
            .bind(run)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Merges the search index's segments, so the words of removed messages leave the index's
    /// pages too (FTS5 otherwise keeps them, marked deleted, until segments happen to merge).
    pub async fn compact_search_index(&mut self, _proof: &Authorized<act::PurgeContent>) -> Result<()> {
        sqlx::query("INSERT INTO search_index (search_index) VALUES ('optimize')")
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

/// The ids of `rows` as an SQL list (integers read from the store, never input).
fn id_list(rows: &[sqlx::sqlite::SqliteRow]) -> Result<String> {
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("id").map(|id| id.to_string()))
        .collect::<std::result::Result<_, _>>()?;
    Ok(ids.join(","))
}
