//! Media customers sent: a row per media message, fetched in the background and kept in the
//! encrypted store. States: `pending` (due at `next_attempt_at`) → `fetching` (claimed, committed
//! before the download starts) → `stored`, `refused` (size, type or checksum; never fetched
//! again) or `failed` (WhatsApp no longer has it). A stop during `fetching` returns it to
//! `pending`: downloading is safe to repeat.

use sqlx::Row;

use super::{Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::{Media, MediaKind, MessageId};
use crate::error::{Error, Result};

/// A media file due for fetching.
#[derive(Debug, Clone)]
pub struct MediaJob {
    /// The row.
    pub id: i64,
    /// The Cloud API media id.
    pub media_id: String,
    /// Its kind.
    pub kind: MediaKind,
    /// The MIME type the webhook declared.
    pub declared_mime: Option<String>,
    /// The SHA-256 the webhook declared.
    pub declared_sha256: Option<String>,
    /// Attempts before this one.
    pub attempts: i64,
}

/// A kept media file.
#[derive(Debug, Clone)]
pub struct MediaFile {
    /// Its MIME type (one of the allowlist).
    pub mime_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

fn kind_from(name: &str) -> MediaKind {
    match name {
        "image" => MediaKind::Image,
        "video" => MediaKind::Video,
        "audio" => MediaKind::Audio,
        "voice" => MediaKind::Voice,
        "sticker" => MediaKind::Sticker,
        _ => MediaKind::Document,
    }
}

impl WriteTx {
    /// Records that `message` carries `media`, to be fetched. Media without an id (nothing to
    /// fetch) is not recorded.
    pub async fn enqueue_media(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        message: MessageId,
        media: &Media,
        now: Timestamp,
    ) -> Result<()> {
        let Some(media_id) = media.media_id.as_deref() else { return Ok(()) };
        sqlx::query(
            "INSERT INTO media (message_id, media_id, kind, declared_mime, declared_sha256, state,
                                next_attempt_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(message.get())
        .bind(media_id)
        .bind(media.kind.as_str())
        .bind(media.mime_type.as_deref())
        .bind(media.sha256.as_deref())
        .bind(now.as_millis())
        .bind(now.as_millis())
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Keeps a file an agent sent with `message`, as uploaded (`media` names its id and type).
    pub async fn attach_sent_media(
        &mut self,
        _proof: &Authorized<act::SendMessage>,
        message: MessageId,
        media: &Media,
        bytes: &[u8],
        now: Timestamp,
    ) -> Result<()> {
        let (media_id, mime_type) =
            (media.media_id.as_deref().unwrap_or_default(), media.mime_type.as_deref());
        sqlx::query(
            "INSERT INTO media (message_id, media_id, kind, declared_mime, state, next_attempt_at, mime_type, size,
                                bytes, created_at, updated_at)
             VALUES (?, ?, ?, ?, 'stored', ?, ?, ?, ?, ?, ?)",
        )
        .bind(message.get())
        .bind(media_id)
        .bind(media.kind.as_str())
        .bind(mime_type)
        .bind(now.as_millis())
        .bind(mime_type)
        .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
        .bind(bytes)
        .bind(now.as_millis())
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Claims up to `limit` files due at `now`.
    pub async fn claim_media(
        &mut self,
        _proof: &Authorized<act::FetchMedia>,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<MediaJob>> {
        let rows = sqlx::query(
            "UPDATE media SET state = 'fetching', updated_at = ?1
             WHERE id IN (SELECT id FROM media WHERE state = 'pending' AND next_attempt_at <= ?1
                          ORDER BY next_attempt_at, id LIMIT ?2)
             RETURNING id, media_id, kind, declared_mime, declared_sha256, attempts",
        )
        .bind(now.as_millis())
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MediaJob {
                    id: r.try_get("id")?,
                    media_id: r.try_get("media_id")?,
                    kind: kind_from(&r.try_get::<String, _>("kind")?),
                    declared_mime: r.try_get("declared_mime")?,
                    declared_sha256: r.try_get("declared_sha256")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Keeps the fetched file.
    pub async fn media_stored(
        &mut self,
        _proof: &Authorized<act::FetchMedia>,
        job: &MediaJob,
        mime_type: &str,
        bytes: &[u8],
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE media SET state = 'stored', mime_type = ?, size = ?, bytes = ?, reason = NULL,
                              attempts = attempts + 1, updated_at = ? WHERE id = ?",
        )
        .bind(mime_type)
        .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
        .bind(bytes)
        .bind(now.as_millis())
        .bind(job.id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Settles a file that will not be kept: `state` is `refused` or `failed`, `reason` a code.
    pub async fn media_settled(
        &mut self,
        _proof: &Authorized<act::FetchMedia>,
        job: &MediaJob,
        state: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<()> {
        if !matches!(state, "refused" | "failed") {
            return Err(Error::Internal(format!("not a final media state: {state}")));
        }
        sqlx::query(
            "UPDATE media SET state = ?, reason = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
        )
        .bind(state)
        .bind(reason)
        .bind(now.as_millis())
        .bind(job.id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Tries again at `at`; `reason` says why it waits.
    pub async fn media_later(
        &mut self,
        _proof: &Authorized<act::FetchMedia>,
        job: &MediaJob,
        at: Timestamp,
        reason: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE media SET state = 'pending', reason = ?, attempts = attempts + 1, next_attempt_at = ?,
                              updated_at = ? WHERE id = ?",
        )
        .bind(reason)
        .bind(at.as_millis())
        .bind(now.as_millis())
        .bind(job.id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// At start: downloads a stop interrupted are due again. Returns how many.
    pub async fn media_recover(
        &mut self,
        _proof: &Authorized<act::FetchMedia>,
        now: Timestamp,
    ) -> Result<u64> {
        Ok(sqlx::query("UPDATE media SET state = 'pending', next_attempt_at = ?1, updated_at = ?1 WHERE state = 'fetching'")
            .bind(now.as_millis())
            .execute(self.conn())
            .await?
            .rows_affected())
    }
}

impl Store {
    /// When the next pending file is due.
    pub async fn media_next_due(&self) -> Result<Option<Timestamp>> {
        let at: Option<i64> =
            sqlx::query_scalar("SELECT min(next_attempt_at) FROM media WHERE state = 'pending'")
                .fetch_one(self.read())
                .await?;
        Ok(at.map(Timestamp::from_millis))
    }

    /// The conversation a message belongs to (to authorize reading its media).
    pub async fn message_conversation(
        &self,
        message: MessageId,
    ) -> Result<Option<crate::domain::ConversationId>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT conversation_id FROM messages WHERE id = ?")
            .bind(message.get())
            .fetch_optional(self.read())
            .await?;
        Ok(id.map(crate::domain::ConversationId::new))
    }

    /// The kept file of `message`, which must be in the proof's conversation.
    pub async fn media_file(
        &self,
        proof: &Authorized<act::ReadConversation>,
        message: MessageId,
    ) -> Result<Option<MediaFile>> {
        let row = sqlx::query(
            "SELECT md.mime_type, md.bytes FROM media md JOIN messages m ON m.id = md.message_id
             WHERE md.message_id = ? AND m.conversation_id = ? AND md.state = 'stored'",
        )
        .bind(message.get())
        .bind(proof.resource().get())
        .fetch_optional(self.read())
        .await?;
        row.map(|r| Ok(MediaFile { mime_type: r.try_get("mime_type")?, bytes: r.try_get("bytes")? }))
            .transpose()
    }
}
