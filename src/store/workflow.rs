//! A conversation's status and priority, private notes and their mentions, and read marks.

use sqlx::Row;

use super::inbox::{MentionRecord, NoteRecord};
use super::{Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::{ConversationId, ConversationStatus, Priority, UserId};
use crate::error::{Error, Result};

impl WriteTx {
    /// A conversation's `status` or `priority` as it is now in this transaction.
    async fn column_of(&mut self, conversation: i64, column: &'static str) -> Result<String> {
        sqlx::query_scalar(&format!("SELECT {column} FROM conversations WHERE id = ?"))
            .bind(conversation)
            .fetch_optional(self.conn())
            .await?
            .ok_or(Error::NotFound)
    }

    /// Sets the proof's conversation's status and snooze; returns the status it had.
    pub async fn set_conversation_status(
        &mut self,
        proof: &Authorized<act::SetConversationStatus>,
        status: ConversationStatus,
        snoozed_until: Option<Timestamp>,
    ) -> Result<ConversationStatus> {
        let id = proof.resource().get();
        let before = self.column_of(id, "status").await?;
        sqlx::query("UPDATE conversations SET status = ?, snoozed_until = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(snoozed_until.map(Timestamp::as_millis))
            .bind(id)
            .execute(self.conn())
            .await?;
        ConversationStatus::parse(&before)
            .ok_or_else(|| Error::Internal("bad conversation status".to_owned()))
    }

    /// Sets the proof's conversation's priority; returns the one it had.
    pub async fn set_conversation_priority(
        &mut self,
        proof: &Authorized<act::SetConversationPriority>,
        priority: Priority,
    ) -> Result<Priority> {
        let id = proof.resource().get();
        let before = self.column_of(id, "priority").await?;
        sqlx::query("UPDATE conversations SET priority = ? WHERE id = ?")
            .bind(priority.as_str())
            .bind(id)
            .execute(self.conn())
            .await?;
        Priority::parse(&before).ok_or_else(|| Error::Internal("bad conversation priority".to_owned()))
    }

    /// A new message from the customer: the conversation needs someone again (open, not
    /// snoozed). Returns the status it left, if it was not open and awake.
    pub async fn reopen_on_inbound(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        conversation: ConversationId,
    ) -> Result<Option<ConversationStatus>> {
        let before: Option<String> = sqlx::query_scalar(
            "SELECT status FROM conversations WHERE id = ? AND (status <> 'open' OR snoozed_until IS NOT NULL)",
        )
        .bind(conversation.get())
        .fetch_optional(self.conn())
        .await?;
        if before.is_some() {
            sqlx::query("UPDATE conversations SET status = 'open', snoozed_until = NULL WHERE id = ?")
                .bind(conversation.get())
                .execute(self.conn())
                .await?;
        }
        Ok(before.as_deref().and_then(ConversationStatus::parse))
    }

    /// Writes a private note by `author`, mentioning `mentioned` (people already checked to
    /// be able to read it); returns its id.
    pub async fn add_note(
        &mut self,
        proof: &Authorized<act::WriteNote>,
        author: UserId,
        body: &str,
        mentioned: &[UserId],
        now: Timestamp,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notes (conversation_id, author_user_id, body, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(proof.resource().get())
        .bind(author.get())
        .bind(body)
        .bind(now.as_millis())
        .fetch_one(self.conn())
        .await?;
        for user in mentioned {
            sqlx::query("INSERT OR IGNORE INTO note_mentions (note_id, user_id) VALUES (?, ?)")
                .bind(id)
                .bind(user.get())
                .execute(self.conn())
                .await?;
        }
        Ok(id)
    }

    /// `reader` has seen the notes of the proof's conversation: their mentions there are done.
    pub async fn mark_mentions_seen(
        &mut self,
        proof: &Authorized<act::ReadNotes>,
        reader: UserId,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE note_mentions SET seen_at = ? WHERE user_id = ? AND seen_at IS NULL
               AND note_id IN (SELECT id FROM notes WHERE conversation_id = ?)",
        )
        .bind(now.as_millis())
        .bind(reader.get())
        .bind(proof.resource().get())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// `reader` has read the proof's conversation up to `now`.
    pub async fn mark_conversation_read(
        &mut self,
        proof: &Authorized<act::ReadConversation>,
        reader: UserId,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO conversation_reads (user_id, conversation_id, read_at) VALUES (?, ?, ?)
             ON CONFLICT (user_id, conversation_id) DO UPDATE SET read_at = max(read_at, excluded.read_at)",
        )
        .bind(reader.get())
        .bind(proof.resource().get())
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

const NOTE_SELECT: &str = "SELECT n.id, n.conversation_id, n.body, n.created_at, u.username AS author,
        (SELECT group_concat(mu.username, ' ') FROM note_mentions nm JOIN users mu ON mu.id = nm.user_id
         WHERE nm.note_id = n.id) AS mentioned
     FROM notes n JOIN users u ON u.id = n.author_user_id";

impl Store {
    /// The private notes of the proof's conversation, oldest first.
    pub async fn list_notes(&self, proof: &Authorized<act::ReadNotes>) -> Result<Vec<NoteRecord>> {
        let rows = sqlx::query(&format!("{NOTE_SELECT} WHERE n.conversation_id = ? ORDER BY n.id"))
            .bind(proof.resource().get())
            .fetch_all(self.read())
            .await?;
        rows.iter()
            .map(|r| {
                let mentioned: Option<String> = r.try_get("mentioned")?;
                Ok(NoteRecord {
                    id: r.try_get("id")?,
                    author: r.try_get("author")?,
                    body: r.try_get("body")?,
                    created_at: Timestamp::from_millis(r.try_get("created_at")?),
                    mentions: mentioned
                        .map(|m| m.split(' ').map(str::to_owned).collect())
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The mentions of the proof's user they have not seen, newest first (at most `limit`).
    /// The caller checks that each conversation is still theirs to read.
    pub async fn unseen_mentions(
        &self,
        proof: &Authorized<act::ListOwnMentions>,
        limit: u32,
    ) -> Result<Vec<MentionRecord>> {
        let rows = sqlx::query(&format!(
            "{NOTE_SELECT} JOIN note_mentions me ON me.note_id = n.id
             WHERE me.user_id = ? AND me.seen_at IS NULL ORDER BY n.id DESC LIMIT ?"
        ))
        .bind(proof.resource().get())
        .bind(limit)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MentionRecord {
                    note: r.try_get("id")?,
                    conversation: ConversationId::new(r.try_get("conversation_id")?),
                    author: r.try_get("author")?,
                    body: r.try_get("body")?,
                    created_at: Timestamp::from_millis(r.try_get("created_at")?),
                })
            })
            .collect()
    }
}

impl WriteTx {
    /// Sets the proof's contact's lifecycle stage; returns the one it had.
    pub async fn set_lifecycle(
        &mut self,
        proof: &Authorized<act::EditContact>,
        stage: &str,
    ) -> Result<String> {
        let id = proof.resource().get();
        let before: String = sqlx::query_scalar("SELECT lifecycle FROM contacts WHERE id = ?")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(Error::NotFound)?;
        sqlx::query("UPDATE contacts SET lifecycle = ? WHERE id = ?")
            .bind(stage)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(before)
    }

    /// Records the proof's contact's marketing consent; returns the state it had.
    pub async fn set_consent(
        &mut self,
        proof: &Authorized<act::EditContact>,
        state: &str,
        source: Option<&str>,
        by: UserId,
        now: Timestamp,
    ) -> Result<String> {
        let id = proof.resource().get();
        let before: String = sqlx::query_scalar("SELECT marketing_consent FROM contacts WHERE id = ?")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(Error::NotFound)?;
        sqlx::query(
            "UPDATE contacts SET marketing_consent = ?, consent_at = ?, consent_source = ?, consent_by = ? WHERE id = ?",
        )
        .bind(state)
        .bind(now.as_millis())
        .bind(source)
        .bind(by.get())
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(before)
    }
}

impl Store {
    /// The marketing consent of the customer of the proof's conversation.
    pub async fn conversation_consent(&self, proof: &Authorized<act::SendTemplate>) -> Result<String> {
        sqlx::query_scalar(
            "SELECT k.marketing_consent FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.id = ?",
        )
        .bind(proof.resource().get())
        .fetch_optional(self.read())
        .await?
        .ok_or(Error::NotFound)
    }
}
