//! Privacy requests about one contact (issue 11 point 4): everything held about them, read for
//! an export, and their erasure.
//!
//! What is held about a contact: the contact row (WhatsApp ids, names, stage, consent), its
//! labels and field values, its conversations with their messages (text, WhatsApp's JSON,
//! files) and the staff's private notes on them, the requests to reveal their data, the raw
//! webhook deliveries and delivery reports that carried their messages, and the outbox's
//! copies of replies to them.
//!
//! Erasure deletes all of it in one transaction. Deliveries are shared by every message they
//! carried, so theirs lose their bodies (the hash they are deduplicated by stays). Released
//! legal holds on them go too; an active hold stops the erasure before this is reached.

use sqlx::Row;

use super::WriteTx;
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::ContactId;
use crate::error::{Error, Result};

/// The contact as stored.
#[derive(Debug, Clone)]
pub struct ContactDossier {
    /// WhatsApp id (their number).
    pub wa_id: Option<String>,
    /// Business-scoped user id.
    pub user_id: Option<String>,
    /// Profile name.
    pub profile_name: Option<String>,
    /// WhatsApp username.
    pub username: Option<String>,
    /// Stage.
    pub lifecycle: String,
    /// Marketing consent, when and how.
    pub consent: (String, Option<Timestamp>, Option<String>),
    /// First seen.
    pub created_at: Timestamp,
    /// Label names.
    pub labels: Vec<String>,
    /// Field name and value.
    pub fields: Vec<(String, String)>,
    /// Conversations.
    pub conversations: Vec<ConversationDossier>,
}

/// One conversation as stored.
#[derive(Debug, Clone)]
pub struct ConversationDossier {
    /// Its id.
    pub id: i64,
    /// The business number it is with.
    pub business_number: String,
    /// Open, pending or resolved.
    pub status: String,
    /// Started.
    pub created_at: Timestamp,
    /// Its messages, oldest first.
    pub messages: Vec<MessageDossier>,
    /// Staff notes: when and what.
    pub notes: Vec<(Timestamp, String)>,
    /// Requests to reveal their data: when, why, and the answer.
    pub reveal_requests: Vec<(Timestamp, String, String)>,
}

/// One message as stored.
#[derive(Debug, Clone)]
pub struct MessageDossier {
    /// Its id.
    pub id: i64,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// WhatsApp's type.
    pub kind: String,
    /// Its text.
    pub body: Option<String>,
    /// WhatsApp's JSON.
    pub raw_json: Option<String>,
    /// Delivery status.
    pub status: Option<String>,
    /// When.
    pub sent_at: Timestamp,
    /// When retention removed its content.
    pub content_removed_at: Option<Timestamp>,
    /// Its file's MIME type, when one is kept.
    pub file: Option<String>,
}

/// What an erasure deleted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Erased {
    /// Conversations.
    pub conversations: u64,
    /// Messages.
    pub messages: u64,
    /// Files.
    pub files: u64,
    /// Notes.
    pub notes: u64,
    /// Raw deliveries that lost their bodies.
    pub deliveries: u64,
}

impl super::Store {
    /// Everything held about the proof's contact, files apart.
    pub async fn contact_dossier(
        &self,
        proof: &Authorized<act::HandlePrivacyRequest>,
    ) -> Result<ContactDossier> {
        let contact = proof.resource().get();
        let row = sqlx::query(
            "SELECT wa_id, user_id, profile_name, username, lifecycle, marketing_consent, consent_at, consent_source,
                    created_at FROM contacts WHERE id = ?",
        )
        .bind(contact)
        .fetch_optional(self.read())
        .await?
        .ok_or(Error::NotFound)?;
        let labels = sqlx::query_scalar(
            "SELECT l.name FROM contact_labels cl JOIN labels l ON l.id = cl.label_id WHERE cl.contact_id = ? ORDER BY l.name",
        )
        .bind(contact)
        .fetch_all(self.read())
        .await?;
        let fields = sqlx::query(
            "SELECT f.name, v.value FROM contact_field_values v JOIN contact_fields f ON f.id = v.field_id
             WHERE v.contact_id = ? ORDER BY f.name",
        )
        .bind(contact)
        .fetch_all(self.read())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("value")?)))
        .collect::<std::result::Result<_, sqlx::Error>>()?;
        let mut conversations = Vec::new();
        for c in sqlx::query(
            "SELECT id, business_phone_number_id, status, created_at FROM conversations WHERE contact_id = ? ORDER BY id",
        )
        .bind(contact)
        .fetch_all(self.read())
        .await?
        {
            let id: i64 = c.try_get("id")?;
            conversations.push(ConversationDossier {
                id,
                business_number: c.try_get("business_phone_number_id")?,
                status: c.try_get("status")?,
                created_at: Timestamp::from_millis(c.try_get("created_at")?),
                messages: self.message_dossiers(id).await?,
                notes: sqlx::query("SELECT created_at, body FROM notes WHERE conversation_id = ? ORDER BY id")
                    .bind(id)
                    .fetch_all(self.read())
                    .await?
                    .iter()
                    .map(|r| Ok((Timestamp::from_millis(r.try_get("created_at")?), r.try_get("body")?)))
                    .collect::<std::result::Result<_, sqlx::Error>>()?,
                reveal_requests: sqlx::query(
                    "SELECT created_at, reason, status FROM escalations WHERE conversation_id = ? ORDER BY id",
                )
                .bind(id)
                .fetch_all(self.read())
                .await?
                .iter()
                .map(|r| {
                    Ok((Timestamp::from_millis(r.try_get("created_at")?), r.try_get("reason")?, r.try_get("status")?))
                })
                .collect::<std::result::Result<_, sqlx::Error>>()?,
            });
        }
        Ok(ContactDossier {
            wa_id: row.try_get("wa_id")?,
            user_id: row.try_get("user_id")?,
            profile_name: row.try_get("profile_name")?,
            username: row.try_get("username")?,
            lifecycle: row.try_get("lifecycle")?,
            consent: (
                row.try_get("marketing_consent")?,
                row.try_get::<Option<i64>, _>("consent_at")?.map(Timestamp::from_millis),
                row.try_get("consent_source")?,
            ),
            created_at: Timestamp::from_millis(row.try_get("created_at")?),
            labels,
            fields,
            conversations,
        })
    }

    async fn message_dossiers(&self, conversation: i64) -> Result<Vec<MessageDossier>> {
        let rows = sqlx::query(
            "SELECT m.id, m.direction, m.kind, m.body, m.raw_json, m.status, m.sent_at, m.content_removed_at,
                    CASE WHEN md.bytes IS NOT NULL THEN md.mime_type END AS file
             FROM messages m LEFT JOIN media md ON md.message_id = m.id
             WHERE m.conversation_id = ? ORDER BY m.sent_at, m.id",
        )
        .bind(conversation)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MessageDossier {
                    id: r.try_get("id")?,
                    direction: r.try_get("direction")?,
                    kind: r.try_get("kind")?,
                    body: r.try_get("body")?,
                    raw_json: r.try_get("raw_json")?,
                    status: r.try_get("status")?,
                    sent_at: Timestamp::from_millis(r.try_get("sent_at")?),
                    content_removed_at: r
                        .try_get::<Option<i64>, _>("content_removed_at")?
                        .map(Timestamp::from_millis),
                    file: r.try_get("file")?,
                })
            })
            .collect()
    }

    /// The kept file of message `message` of the proof's contact.
    pub async fn dossier_file(
        &self,
        proof: &Authorized<act::HandlePrivacyRequest>,
        message: i64,
    ) -> Result<Vec<u8>> {
        let bytes: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT md.bytes FROM media md JOIN messages m ON m.id = md.message_id
             JOIN conversations c ON c.id = m.conversation_id WHERE md.message_id = ? AND c.contact_id = ?",
        )
        .bind(message)
        .bind(proof.resource().get())
        .fetch_optional(self.read())
        .await?
        .flatten();
        bytes.ok_or(Error::NotFound)
    }

    /// The audit targets that name the contact or what is theirs: `contact:N`, each
    /// `conversation:M` and each `message:K`.
    pub async fn subject_targets(&self, contact: ContactId) -> Result<Vec<String>> {
        let mut targets = vec![format!("contact:{}", contact.get())];
        let conversations: Vec<i64> = sqlx::query_scalar("SELECT id FROM conversations WHERE contact_id = ?")
            .bind(contact.get())
            .fetch_all(self.read())
            .await?;
        targets.extend(conversations.iter().map(|id| format!("conversation:{id}")));
        let messages: Vec<i64> = sqlx::query_scalar(
            "SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.contact_id = ?",
        )
        .bind(contact.get())
        .fetch_all(self.read())
        .await?;
        targets.extend(messages.iter().map(|id| format!("message:{id}")));
        Ok(targets)
    }
}

impl WriteTx {
    /// Deletes everything held about the proof's contact.
    pub async fn erase_contact(
        &mut self,
        proof: &Authorized<act::HandlePrivacyRequest>,
        now: Timestamp,
    ) -> Result<Erased> {
        let contact = proof.resource().get();
        let mut erased = Erased::default();
        // The deliveries that carried their messages or reports on them, before those go.
        let deliveries: Vec<i64> = sqlx::query_scalar(
            "SELECT m.delivery_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE c.contact_id = ?1 AND m.delivery_id IS NOT NULL
             UNION
             SELECT s.delivery_id FROM message_statuses s JOIN messages m ON m.wa_message_id = s.wa_message_id
             JOIN conversations c ON c.id = m.conversation_id WHERE c.contact_id = ?1",
        )
        .bind(contact)
        .fetch_all(self.conn())
        .await?;
        let scoped = "IN (SELECT id FROM conversations WHERE contact_id = ?)";
        let messages = format!("IN (SELECT id FROM messages WHERE conversation_id {scoped})");
        for sql in [
            format!(
                "DELETE FROM message_statuses WHERE wa_message_id IN (SELECT wa_message_id FROM messages
                 WHERE conversation_id {scoped} AND wa_message_id IS NOT NULL)"
            ),
            format!("DELETE FROM outbox WHERE message_id {messages}"),
        ] {
            sqlx::query(&sql).bind(contact).execute(self.conn()).await?;
        }
        erased.files = sqlx::query(&format!("DELETE FROM media WHERE message_id {messages}"))
            .bind(contact)
            .execute(self.conn())
            .await?
            .rows_affected();
        sqlx::query(&format!("DELETE FROM note_mentions WHERE note_id IN (SELECT id FROM notes WHERE conversation_id {scoped})"))
            .bind(contact)
            .execute(self.conn())
            .await?;
        erased.notes = sqlx::query(&format!("DELETE FROM notes WHERE conversation_id {scoped}"))
            .bind(contact)
            .execute(self.conn())
            .await?
            .rows_affected();
        erased.messages = sqlx::query(&format!("DELETE FROM messages WHERE conversation_id {scoped}"))
            .bind(contact)
            .execute(self.conn())
            .await?
            .rows_affected();
        for table in ["escalations", "conversation_reads", "legal_holds"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE conversation_id {scoped}"))
                .bind(contact)
                .execute(self.conn())
                .await?;
        }
        erased.conversations = sqlx::query("DELETE FROM conversations WHERE contact_id = ?")
            .bind(contact)
            .execute(self.conn())
            .await?
            .rows_affected();
        for table in ["contact_labels", "contact_field_values", "legal_holds"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE contact_id = ?"))
                .bind(contact)
                .execute(self.conn())
                .await?;
        }
        sqlx::query("DELETE FROM contacts WHERE id = ?").bind(contact).execute(self.conn()).await?;
        for id in deliveries {
            erased.deliveries += sqlx::query(
                "UPDATE webhook_deliveries SET body = X'', body_removed_at = COALESCE(body_removed_at, ?)
                 WHERE id = ? AND length(body) > 0",
            )
            .bind(now.as_millis())
            .bind(id)
            .execute(self.conn())
            .await?
            .rows_affected();
        }
        sqlx::query("INSERT INTO search_index (search_index) VALUES ('optimize')")
            .execute(self.conn())
            .await?;
        Ok(erased)
    }

    /// Blanks every audit record about `targets` (as target, or named in its detail, as a
    /// search of the trail by target is) under `pseudonym`, keeping each one's digests so the
    /// chain still verifies. Returns how many were blanked, and how many were written before
    /// records could be blanked and so keep their text (internal ids and what staff typed).
    pub async fn erase_audit_mentions(
        &mut self,
        _proof: &Authorized<act::HandlePrivacyRequest>,
        targets: &[String],
        pseudonym: &str,
    ) -> Result<(u64, u64)> {
        let mut seqs = std::collections::BTreeSet::new();
        for chunk in targets.chunks(400) {
            let mut q =
                sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT seq FROM audit_events WHERE target IN (");
            let mut list = q.separated(", ");
            for t in chunk {
                list.push_bind(t.clone());
            }
            q.push(")");
            let found: Vec<i64> = q.build_query_scalar().fetch_all(self.conn()).await?;
            seqs.extend(found);
        }
        // Named in a detail: the contact and their conversations (a search of the trail by
        // target records the target it searched for).
        for t in targets.iter().filter(|t| !t.starts_with("message:")) {
            let rows = sqlx::query("SELECT seq, detail FROM audit_events WHERE instr(detail, ?) > 0")
                .bind(t)
                .fetch_all(self.conn())
                .await?;
            for r in rows {
                let detail: String = r.try_get("detail")?;
                if names(&detail, t) {
                    seqs.insert(r.try_get("seq")?);
                }
            }
        }
        let (mut blanked, mut kept) = (0, 0);
        for seq in seqs {
            let row = sqlx::query(
                "SELECT seq, occurred_at, actor, action, target, detail, outcome, risk, origin, device, format, erased
                 FROM audit_events WHERE seq = ?",
            )
            .bind(seq)
            .fetch_one(self.conn())
            .await?;
            let record = super::audit::record_from_row(&row)?;
            match record.erase(pseudonym) {
                Some(erased) => {
                    sqlx::query("UPDATE audit_events SET target = ?, detail = ?, erased = ? WHERE seq = ?")
                        .bind(erased.target.as_deref())
                        .bind(&erased.detail)
                        .bind(erased.erased.as_deref())
                        .bind(seq)
                        .execute(self.conn())
                        .await?;
                    blanked += 1;
                }
                None if record.erased.is_none() => kept += 1,
                None => {}
            }
        }
        Ok((blanked, kept))
    }
}

/// Whether `detail` names `target` itself (`contact:1` is not named by `contact:12`).
fn names(detail: &str, target: &str) -> bool {
    detail.match_indices(target).any(|(at, _)| {
        !detail[at + target.len()..].starts_with(|c: char| c.is_ascii_digit())
            && !detail[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    #[rstest]
    #[case::as_a_search_filter("target=contact:12;actor=user:3", true)]
    #[case::at_the_end("target=contact:12", true)]
    #[case::a_longer_id("target=contact:123", false)]
    #[case::inside_another_word("target=subcontact:12", false)]
    #[case::absent("target=conversation:12", false)]
    fn a_detail_names_a_target_exactly(#[case] detail: &str, #[case] named: bool) {
        assert_eq!(super::names(detail, "contact:12"), named);
    }
}
