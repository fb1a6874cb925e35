//! Merging two contacts that are one customer (issue 8 point 5): WhatsApp may first show a
//! customer by their user id and later by their number, or a contact imported by hand meets
//! the one WhatsApp created. Everything moves to the contact kept, in one transaction: ids,
//! labels, field values (the kept contact's own win), stage, the latest consent answer, and
//! conversations; two conversations on the same business number become one, their messages,
//! notes and requests together, and the search index follows.

use sqlx::Row;

use super::WriteTx;
use crate::authz::{act, Authorized};
use crate::domain::{ContactId, ConversationId};
use crate::error::{Error, Result};

/// What a merge moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merged {
    /// Conversations that moved to the kept contact as they were.
    pub moved: Vec<ConversationId>,
    /// Conversations folded into the kept contact's on the same number: (gone, into).
    pub folded: Vec<(ConversationId, ConversationId)>,
}

struct Ids {
    wa_id: Option<String>,
    user_id: Option<String>,
    profile_name: Option<String>,
    username: Option<String>,
    lifecycle: String,
    consent: String,
    consent_at: Option<i64>,
    consent_source: Option<String>,
    consent_by: Option<i64>,
}

impl WriteTx {
    async fn contact_ids(&mut self, id: ContactId) -> Result<Ids> {
        let row = sqlx::query(
            "SELECT wa_id, user_id, profile_name, username, lifecycle, marketing_consent, consent_at,
                    consent_source, consent_by FROM contacts WHERE id = ?",
        )
        .bind(id.get())
        .fetch_optional(self.conn())
        .await?
        .ok_or(Error::NotFound)?;
        Ok(Ids {
            wa_id: row.try_get("wa_id")?,
            user_id: row.try_get("user_id")?,
            profile_name: row.try_get("profile_name")?,
            username: row.try_get("username")?,
            lifecycle: row.try_get("lifecycle")?,
            consent: row.try_get("marketing_consent")?,
            consent_at: row.try_get("consent_at")?,
            consent_source: row.try_get("consent_source")?,
            consent_by: row.try_get("consent_by")?,
        })
    }

    /// Merges the proof's contact (the duplicate, which goes) into `keep`.
    pub async fn merge_contact(
        &mut self,
        proof: &Authorized<act::MergeContact>,
        keep: &Authorized<act::EditContact>,
    ) -> Result<Merged> {
        let (gone, kept) = (*proof.resource(), *keep.resource());
        if gone == kept {
            return Err(Error::Invalid("a contact cannot be merged into itself".to_owned()));
        }
        let (g, k) = (self.contact_ids(gone).await?, self.contact_ids(kept).await?);
        let differ = |a: &Option<String>, b: &Option<String>| a.is_some() && b.is_some() && a != b;
        if differ(&g.wa_id, &k.wa_id) || differ(&g.user_id, &k.user_id) {
            return Err(Error::Invalid(
                "these contacts have different WhatsApp numbers or user ids: they are two customers to WhatsApp, so they cannot be merged".to_owned(),
            ));
        }
        let mut merged = Merged::default();
        let conversations =
            sqlx::query("SELECT id, business_phone_number_id FROM conversations WHERE contact_id = ?")
                .bind(gone.get())
                .fetch_all(self.conn())
                .await?;
        for c in &conversations {
            let from: i64 = c.try_get("id")?;
            let number: String = c.try_get("business_phone_number_id")?;
            let into: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM conversations WHERE contact_id = ? AND business_phone_number_id = ?",
            )
            .bind(kept.get())
            .bind(&number)
            .fetch_optional(self.conn())
            .await?;
            match into {
                None => {
                    sqlx::query("UPDATE conversations SET contact_id = ? WHERE id = ?")
                        .bind(kept.get())
                        .bind(from)
                        .execute(self.conn())
                        .await?;
                    sqlx::query("UPDATE search_index SET contact_id = ? WHERE conversation_id = ?")
                        .bind(kept.get())
                        .bind(from)
                        .execute(self.conn())
                        .await?;
                    merged.moved.push(ConversationId::new(from));
                }
                Some(into) => {
                    self.fold_conversation(from, into, kept).await?;
                    merged.folded.push((ConversationId::new(from), ConversationId::new(into)));
                }
            }
        }
        sqlx::query("INSERT OR IGNORE INTO contact_labels (contact_id, label_id) SELECT ?, label_id FROM contact_labels WHERE contact_id = ?")
            .bind(kept.get())
            .bind(gone.get())
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT OR IGNORE INTO contact_field_values (contact_id, field_id, value, updated_at)
             SELECT ?, field_id, value, updated_at FROM contact_field_values WHERE contact_id = ?",
        )
        .bind(kept.get())
        .bind(gone.get())
        .execute(self.conn())
        .await?;
        sqlx::query("DELETE FROM contact_labels WHERE contact_id = ?")
            .bind(gone.get())
            .execute(self.conn())
            .await?;
        // A hold on the duplicate holds the kept contact: it now has the conversations.
        sqlx::query("UPDATE legal_holds SET contact_id = ? WHERE contact_id = ?")
            .bind(kept.get())
            .bind(gone.get())
            .execute(self.conn())
            .await?;
        // The ids are unique: the duplicate goes before the kept contact takes them.
        sqlx::query("DELETE FROM contacts WHERE id = ?").bind(gone.get()).execute(self.conn()).await?;
        // The latest recorded answer about marketing is the customer's current wish.
        let (consent, at, source, by) = if g.consent_at.unwrap_or(i64::MIN) > k.consent_at.unwrap_or(i64::MIN)
        {
            (g.consent, g.consent_at, g.consent_source, g.consent_by)
        } else {
            (k.consent, k.consent_at, k.consent_source, k.consent_by)
        };
        let lifecycle = if k.lifecycle == "new" { g.lifecycle } else { k.lifecycle };
        sqlx::query(
            "UPDATE contacts SET wa_id = COALESCE(wa_id, ?), user_id = COALESCE(user_id, ?),
                 profile_name = COALESCE(profile_name, ?), username = COALESCE(username, ?), lifecycle = ?,
                 marketing_consent = ?, consent_at = ?, consent_source = ?, consent_by = ?
             WHERE id = ?",
        )
        .bind(g.wa_id)
        .bind(g.user_id)
        .bind(g.profile_name)
        .bind(g.username)
        .bind(lifecycle)
        .bind(consent)
        .bind(at)
        .bind(source)
        .bind(by)
        .bind(kept.get())
        .execute(self.conn())
        .await?;
        Ok(merged)
    }

    /// Moves everything of conversation `from` into `into` (both the customer's, on one
    /// business number) and removes `from`.
    async fn fold_conversation(&mut self, from: i64, into: i64, kept: ContactId) -> Result<()> {
        for table in ["messages", "notes", "escalations", "legal_holds"] {
            sqlx::query(&format!("UPDATE {table} SET conversation_id = ? WHERE conversation_id = ?"))
                .bind(into)
                .bind(from)
                .execute(self.conn())
                .await?;
        }
        sqlx::query("UPDATE search_index SET conversation_id = ?, contact_id = ? WHERE conversation_id = ?")
            .bind(into)
            .bind(kept.get())
            .bind(from)
            .execute(self.conn())
            .await?;
        // Each reader keeps the later of their two read marks.
        sqlx::query(
            "INSERT INTO conversation_reads (user_id, conversation_id, read_at)
             SELECT user_id, ?, read_at FROM conversation_reads WHERE conversation_id = ? AND true
             ON CONFLICT (user_id, conversation_id) DO UPDATE SET read_at = max(read_at, excluded.read_at)",
        )
        .bind(into)
        .bind(from)
        .execute(self.conn())
        .await?;
        sqlx::query("DELETE FROM conversation_reads WHERE conversation_id = ?")
            .bind(from)
            .execute(self.conn())
            .await?;
        // The kept conversation keeps its team, assignee and priority; it is open if either was,
        // and its times cover both.
        sqlx::query(
            "UPDATE conversations SET
                 last_message_at = max(last_message_at, (SELECT last_message_at FROM conversations WHERE id = ?1)),
                 last_inbound_at = NULLIF(max(COALESCE(last_inbound_at, 0), COALESCE((SELECT last_inbound_at FROM conversations WHERE id = ?1), 0)), 0),
                 status = CASE WHEN (SELECT status FROM conversations WHERE id = ?1) = 'open' THEN 'open' ELSE status END
             WHERE id = ?2",
        )
        .bind(from)
        .bind(into)
        .execute(self.conn())
        .await?;
        sqlx::query("DELETE FROM conversations WHERE id = ?").bind(from).execute(self.conn()).await?;
        Ok(())
    }
}
