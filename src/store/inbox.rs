//! Contacts, conversations and messages.

use sqlx::{QueryBuilder, Row, Sqlite};

use super::{Store, WriteTx};
use crate::authz::{act, Authorized, OnContact, OnConversation};
use crate::clock::Timestamp;
use crate::domain::{
    ContactFieldId, ContactId, ConversationId, ConversationStatus, CustomerRef, Direction, LabelId,
    MessageId, MessageKind, Priority, TeamId, UserId,
};
use crate::error::{Error, Result};

/// A conversation with its customer and latest message.
#[derive(Debug, Clone)]
pub struct ConversationRecord {
    /// Its id.
    pub id: ConversationId,
    /// The customer's contact.
    pub contact: ContactId,
    /// The customer.
    pub customer: CustomerRef,
    /// The business number it is on.
    pub business_phone_number_id: String,
    /// Time of the latest message.
    pub last_message_at: Timestamp,
    /// Time of the customer's latest message (opens the 24-hour reply window).
    pub last_inbound_at: Option<Timestamp>,
    /// The latest message's text, if it was text.
    pub last_text: Option<String>,
    /// The latest message's kind.
    pub last_kind: Option<String>,
    /// The team it belongs to, and the team's name.
    pub team: (TeamId, String),
    /// The agent it is assigned to, and their name.
    pub assignee: Option<(UserId, String)>,
    /// Where it stands in the team's work.
    pub status: ConversationStatus,
    /// Its place in the team's queue.
    pub priority: Priority,
    /// Hidden from the working list until then (or until the customer writes).
    pub snoozed_until: Option<Timestamp>,
    /// The customer's messages the reader has not seen (0 where no reader is known).
    pub unread: i64,
}

/// A private note.
#[derive(Debug, Clone)]
pub struct NoteRecord {
    /// Its id.
    pub id: i64,
    /// Who wrote it.
    pub author: String,
    /// What it says.
    pub body: String,
    /// When.
    pub created_at: Timestamp,
    /// Whom it mentioned (and so notified).
    pub mentions: Vec<String>,
}

/// A mention of the reader in a note they have not seen yet.
#[derive(Debug, Clone)]
pub struct MentionRecord {
    /// The note.
    pub note: i64,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Who wrote it.
    pub author: String,
    /// What it says.
    pub body: String,
    /// When.
    pub created_at: Timestamp,
}

/// A stored message.
#[derive(Debug, Clone)]
pub struct MessageRecord {
    /// Its id.
    pub id: MessageId,
    /// Who wrote it.
    pub direction: Direction,
    /// The WhatsApp type.
    pub kind: MessageKind,
    /// The message in words (text, or a summary of other types).
    pub body: Option<String>,
    /// WhatsApp's id (none for a reply still in the outbox).
    pub wa_message_id: Option<String>,
    /// The message object as WhatsApp sent it (empty for replies written here).
    pub raw_json: String,
    /// Furthest delivery status, for outbound messages.
    pub status: Option<String>,
    /// The staff member who sent it, for replies sent from Countersign.
    pub author: Option<String>,
    /// Why it is not (yet) delivered: a Graph or webhook error code.
    pub failure_code: Option<i64>,
    /// Its media file's state (`pending`, `fetching`, `stored`, `refused`, `failed`), reason
    /// code and size, for media messages.
    pub media: Option<(String, Option<String>, Option<i64>)>,
    /// When it was sent.
    pub sent_at: Timestamp,
    /// When its content was removed under the retention policy.
    pub content_removed_at: Option<Timestamp>,
}

/// A message to store from a delivery.
#[derive(Debug)]
pub struct NewMessage<'a> {
    /// The conversation.
    pub conversation: ConversationId,
    /// WhatsApp's id (none yet for a reply still in the outbox).
    pub wa_message_id: Option<&'a str>,
    /// Who wrote it.
    pub direction: Direction,
    /// Its type.
    pub kind: &'a MessageKind,
    /// Its text.
    pub body: Option<&'a str>,
    /// The message object as received.
    pub raw_json: &'a str,
    /// When it was sent.
    pub sent_at: Timestamp,
    /// The delivery that carried it.
    pub delivery_id: Option<i64>,
}

pub(super) const CONVERSATION_COLUMNS: &str = "c.id, c.contact_id, c.business_phone_number_id, c.last_message_at, c.last_inbound_at,
    k.wa_id, k.user_id, k.profile_name, k.username, c.team_id, t.name AS team_name, c.assignee_id, a.username AS assignee,
    c.status, c.priority, c.snoozed_until, lm.body AS last_text, lm.kind AS last_kind";

/// With the conversation's last message (`lm`), found in the index of migration 0031 in the
/// thread's order and read once for both its text and its type.
pub(super) const CONVERSATION_FROM: &str = "FROM conversations c JOIN contacts k ON k.id = c.contact_id
    JOIN teams t ON t.id = c.team_id LEFT JOIN users a ON a.id = c.assignee_id
    LEFT JOIN messages lm ON lm.id = (SELECT m.id FROM messages m WHERE m.conversation_id = c.id
                                      ORDER BY m.sent_at / 1000 DESC, m.id DESC LIMIT 1)";

/// `SELECT` of conversations as lists show them, with what `reader` has not read yet, up to an
/// open `WHERE`: the caller adds its scope and filters.
pub(super) fn select_conversations(reader: UserId) -> QueryBuilder<'static, Sqlite> {
    let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT {CONVERSATION_COLUMNS}, "));
    q.push(
        "(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'inbound'
           AND m.stored_at > COALESCE((SELECT r.read_at FROM conversation_reads r
                                     WHERE r.conversation_id = c.id AND r.user_id = ",
    );
    q.push_bind(reader.get());
    q.push(format!("), 0)) AS unread {CONVERSATION_FROM} WHERE 1 = 1"));
    q
}

pub(super) fn conversation_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<ConversationRecord> {
    Ok(ConversationRecord {
        id: ConversationId::new(r.try_get("id")?),
        contact: ContactId::new(r.try_get("contact_id")?),
        customer: CustomerRef {
            wa_id: r.try_get("wa_id")?,
            user_id: r.try_get("user_id")?,
            profile_name: r.try_get("profile_name")?,
            username: r.try_get("username")?,
        },
        business_phone_number_id: r.try_get("business_phone_number_id")?,
        last_message_at: Timestamp::from_millis(r.try_get("last_message_at")?),
        last_inbound_at: r.try_get::<Option<i64>, _>("last_inbound_at")?.map(Timestamp::from_millis),
        last_text: r.try_get("last_text")?,
        last_kind: r.try_get("last_kind")?,
        team: (TeamId::new(r.try_get("team_id")?), r.try_get("team_name")?),
        assignee: match r.try_get::<Option<i64>, _>("assignee_id")? {
            Some(id) => Some((UserId::new(id), r.try_get("assignee")?)),
            None => None,
        },
        status: ConversationStatus::parse(r.try_get("status")?)
            .ok_or_else(|| Error::Internal("bad conversation status".to_owned()))?,
        priority: Priority::parse(r.try_get("priority")?)
            .ok_or_else(|| Error::Internal("bad conversation priority".to_owned()))?,
        snoozed_until: r.try_get::<Option<i64>, _>("snoozed_until")?.map(Timestamp::from_millis),
        unread: r.try_get::<Option<i64>, _>("unread").ok().flatten().unwrap_or(0),
    })
}

/// A message with its author and its file's state, as the thread shows it.
const MESSAGE_SELECT: &str =
    "SELECT m.id, m.direction, m.kind, m.body, m.wa_message_id, m.raw_json, m.status, m.failure_code, m.sent_at,
            m.content_removed_at, u.username AS author, md.state AS media_state, md.reason AS media_reason, md.size AS media_size
     FROM messages m LEFT JOIN users u ON u.id = m.author_user_id LEFT JOIN media md ON md.message_id = m.id";

/// The message a reaction, an edit or a deletion concerns (as `messages_annotations_by_target`
/// indexes it: the two must stay the same to the letter).
const ANNOTATION_TARGET: &str = "coalesce(json_extract(raw_json, '$.reaction.message_id'),
             json_extract(raw_json, '$.edit.original_message_id'),
             json_extract(raw_json, '$.revoke.original_message_id'))";

/// A page of a conversation's thread.
#[derive(Debug, Clone)]
pub struct ThreadPage {
    /// Oldest first.
    pub messages: Vec<MessageRecord>,
    /// The first of them, when the thread goes further back (where the page before ends).
    pub earlier: Option<MessageId>,
}

impl Store {
    /// Conversations the proof's scope reaches, most recent first.
    pub async fn list_conversations(
        &self,
        proof: &Authorized<act::ListConversations>,
    ) -> Result<Vec<ConversationRecord>> {
        let mut q = select_conversations(proof.resource().user);
        super::access::push_scope(&mut q, proof.resource(), "c.team_id", "c.assignee_id", "c.contact_id");
        q.push(" ORDER BY c.last_message_at DESC, c.id DESC");
        let rows = q.build().fetch_all(self.read()).await?;
        rows.iter().map(conversation_from_row).collect()
    }

    /// The conversation a proof was issued for.
    pub async fn get_conversation(&self, proof: &impl OnConversation) -> Result<ConversationRecord> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} {CONVERSATION_FROM} WHERE c.id = ?");
        let row = sqlx::query(&sql).bind(proof.conversation().get()).fetch_optional(self.read()).await?;
        row.as_ref().map(conversation_from_row).transpose()?.ok_or(Error::NotFound)
    }

    /// Up to `limit` messages of the proof's conversation before `before` (the latest without
    /// it), oldest first, and the first of them if the thread goes further back.
    ///
    /// The thread's order: WhatsApp stamps messages to the second and replies are stamped to
    /// the millisecond, so within one second the order of arrival decides (a customer's answer
    /// is not shown before the question it answers).
    pub async fn thread_page(
        &self,
        proof: &Authorized<act::ReadConversation>,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<ThreadPage> {
        let conversation = proof.resource().get();
        let mut q = QueryBuilder::<Sqlite>::new(MESSAGE_SELECT);
        q.push(" WHERE m.conversation_id = ").push_bind(conversation);
        if let Some(before) = before {
            // A message of this conversation, or no place in it.
            let found: Option<i64> =
                sqlx::query_scalar("SELECT sent_at FROM messages WHERE id = ? AND conversation_id = ?")
                    .bind(before.get())
                    .bind(conversation)
                    .fetch_optional(self.read())
                    .await?;
            let sent_at = found
                .ok_or_else(|| Error::Invalid("the page asked for is not in this conversation".to_owned()))?;
            // The first bound is the index's range; the pair is the exact place.
            q.push(" AND m.sent_at / 1000 <= ").push_bind(sent_at / 1000);
            q.push(" AND (m.sent_at / 1000, m.id) < (").push_bind(sent_at / 1000);
            q.push(", ").push_bind(before.get()).push(")");
        }
        q.push(" ORDER BY m.sent_at / 1000 DESC, m.id DESC LIMIT ").push_bind(i64::from(limit) + 1);
        let rows = q.build().fetch_all(self.read()).await?;
        let mut messages = rows.iter().map(message_from_row).collect::<Result<Vec<_>>>()?;
        let further = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        messages.reverse();
        let earlier = if further { messages.first().map(|m| m.id) } else { None };
        Ok(ThreadPage { messages, earlier })
    }

    /// The messages of the proof's conversation a page needs to be shown whole: those named
    /// in `named` (what the page quotes or annotates), and the reactions, edits and deletions
    /// of the messages in `annotated`, wherever they are in the thread. In the thread's order.
    pub async fn thread_context(
        &self,
        proof: &Authorized<act::ReadConversation>,
        named: &[String],
        annotated: &[String],
    ) -> Result<Vec<MessageRecord>> {
        if named.is_empty() && annotated.is_empty() {
            return Ok(Vec::new());
        }
        let list = |ids: &[String]| serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned());
        let rows = sqlx::query(&format!(
            "{MESSAGE_SELECT} WHERE m.id IN (
                 -- By WhatsApp's id (unique), not by walking the thread (`+`).
                 SELECT id FROM messages WHERE +conversation_id = ?1
                     AND wa_message_id IN (SELECT value FROM json_each(?2))
                 UNION
                 SELECT id FROM messages WHERE conversation_id = ?1 AND kind IN ('reaction', 'edit', 'revoke')
                     AND {ANNOTATION_TARGET} IN (SELECT value FROM json_each(?3)))
             ORDER BY m.sent_at / 1000, m.id"
        ))
        .bind(proof.resource().get())
        .bind(list(named))
        .bind(list(annotated))
        .fetch_all(self.read())
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// One message of the proof's conversation; `None` if it is not in it.
    pub async fn find_message(
        &self,
        proof: &Authorized<act::ReadConversation>,
        id: MessageId,
    ) -> Result<Option<MessageRecord>> {
        let row = sqlx::query(&format!("{MESSAGE_SELECT} WHERE m.conversation_id = ? AND m.id = ?"))
            .bind(proof.resource().get())
            .bind(id.get())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    /// WhatsApp's id of the customer's latest message in the proof's conversation.
    pub async fn latest_inbound_wamid(&self, proof: &Authorized<act::SendMessage>) -> Result<Option<String>> {
        let wamid: Option<Option<String>> = sqlx::query_scalar(
            "SELECT wa_message_id FROM messages WHERE conversation_id = ? AND direction = 'inbound'
             ORDER BY sent_at DESC, id DESC LIMIT 1",
        )
        .bind(proof.resource().get())
        .fetch_optional(self.read())
        .await?;
        Ok(wamid.flatten())
    }

    /// WhatsApp's id of `message`, which must be in the proof's conversation.
    pub async fn message_wamid(
        &self,
        proof: &Authorized<act::SendMessage>,
        message: MessageId,
    ) -> Result<Option<String>> {
        let wamid: Option<Option<String>> =
            sqlx::query_scalar("SELECT wa_message_id FROM messages WHERE id = ? AND conversation_id = ?")
                .bind(message.get())
                .bind(proof.resource().get())
                .fetch_optional(self.read())
                .await?;
        Ok(wamid.flatten())
    }
}

fn message_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<MessageRecord> {
    let direction: String = r.try_get("direction")?;
    Ok(MessageRecord {
        id: MessageId::new(r.try_get("id")?),
        direction: Direction::parse(&direction).ok_or_else(|| Error::Internal("bad direction".to_owned()))?,
        kind: MessageKind::from_wire(Some(r.try_get::<String, _>("kind")?.as_str())),
        body: r.try_get("body")?,
        wa_message_id: r.try_get("wa_message_id")?,
        raw_json: r.try_get::<Option<String>, _>("raw_json")?.unwrap_or_default(),
        status: r.try_get("status")?,
        author: r.try_get("author")?,
        failure_code: r.try_get("failure_code")?,
        media: r
            .try_get::<Option<String>, _>("media_state")?
            .map(|state| Ok::<_, sqlx::Error>((state, r.try_get("media_reason")?, r.try_get("media_size")?)))
            .transpose()?,
        sent_at: Timestamp::from_millis(r.try_get("sent_at")?),
        content_removed_at: r.try_get::<Option<i64>, _>("content_removed_at")?.map(Timestamp::from_millis),
    })
}

impl WriteTx {
    /// The contact for `customer`, created or updated with what the delivery told us.
    pub async fn upsert_contact(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        customer: &CustomerRef,
        now: Timestamp,
    ) -> Result<ContactId> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM contacts WHERE wa_id = ? OR user_id = ? ORDER BY id LIMIT 1")
                .bind(customer.wa_id.as_deref())
                .bind(customer.user_id.as_deref())
                .fetch_optional(self.conn())
                .await?;
        let Some(id) = found else {
            let done = sqlx::query(
                "INSERT INTO contacts (wa_id, user_id, profile_name, username, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(customer.wa_id.as_deref())
            .bind(customer.user_id.as_deref())
            .bind(customer.profile_name.as_deref())
            .bind(customer.username.as_deref())
            .bind(now.as_millis())
            .bind(now.as_millis())
            .execute(self.conn())
            .await?;
            return Ok(ContactId::new(done.last_insert_rowid()));
        };
        // Learn the other id and the latest profile. If the other id already belongs to a
        // second contact, the two are left for a person to merge rather than guessed at.
        let learned = sqlx::query(
            "UPDATE contacts SET wa_id = COALESCE(wa_id, ?), user_id = COALESCE(user_id, ?),
               profile_name = COALESCE(?, profile_name), username = COALESCE(?, username), updated_at = ?
             WHERE id = ?",
        )
        .bind(customer.wa_id.as_deref())
        .bind(customer.user_id.as_deref())
        .bind(customer.profile_name.as_deref())
        .bind(customer.username.as_deref())
        .bind(now.as_millis())
        .bind(id)
        .execute(&mut *self.conn())
        .await;
        match learned {
            Ok(_) => {}
            Err(e) if super::is_unique_violation(&e) => {
                sqlx::query("UPDATE contacts SET profile_name = COALESCE(?, profile_name), updated_at = ? WHERE id = ?")
                    .bind(customer.profile_name.as_deref())
                    .bind(now.as_millis())
                    .bind(id)
                    .execute(self.conn())
                    .await?;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(ContactId::new(id))
    }

    /// The conversation of `contact` on `business_number`, created if new, with its times moved on.
    pub async fn upsert_conversation(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        contact: ContactId,
        business_number: &str,
        at: Timestamp,
        direction: Direction,
    ) -> Result<ConversationId> {
        let inbound_at = (direction == Direction::Inbound).then_some(at.as_millis());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO conversations (contact_id, business_phone_number_id, last_message_at, last_inbound_at, created_at, team_id)
             VALUES (?1, ?2, ?3, ?4, ?5, (SELECT team_id FROM contacts WHERE id = ?1))
             ON CONFLICT (contact_id, business_phone_number_id) DO UPDATE SET
               last_message_at = max(last_message_at, excluded.last_message_at),
               last_inbound_at = NULLIF(max(COALESCE(last_inbound_at, 0), COALESCE(excluded.last_inbound_at, 0)), 0)
             RETURNING id",
        )
        .bind(contact.get())
        .bind(business_number)
        .bind(at.as_millis())
        .bind(inbound_at)
        .bind(at.as_millis())
        .fetch_one(self.conn())
        .await?;
        Ok(ConversationId::new(id))
    }

    /// Stores a message from a delivery; `None` if WhatsApp's id was stored before.
    pub async fn insert_message(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        m: &NewMessage<'_>,
        now: Timestamp,
    ) -> Result<Option<MessageId>> {
        self.insert_message_row(m, None, None, now).await
    }

    pub(super) async fn insert_message_row(
        &mut self,
        m: &NewMessage<'_>,
        author: Option<UserId>,
        status: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<MessageId>> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO messages (conversation_id, wa_message_id, direction, kind, body, raw_json, status,
                                   author_user_id, delivery_id, sent_at, stored_at)
             VALUES (?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?)
             ON CONFLICT (wa_message_id) DO NOTHING RETURNING id",
        )
        .bind(m.conversation.get())
        .bind(m.wa_message_id)
        .bind(m.direction.as_str())
        .bind(m.kind.as_str())
        .bind(m.body)
        .bind(m.raw_json)
        .bind(status)
        .bind(author.map(UserId::get))
        .bind(m.delivery_id)
        .bind(m.sent_at.as_millis())
        .bind(now.as_millis())
        .fetch_optional(self.conn())
        .await?;
        Ok(id.map(MessageId::new))
    }
}

/// A contact with where it sits and its labels.
#[derive(Debug, Clone)]
pub struct ContactRecord {
    /// Its id.
    pub id: ContactId,
    /// Who the customer is.
    pub customer: CustomerRef,
    /// The team it belongs to, and the team's name.
    pub team: (TeamId, String),
    /// The member of staff who owns it, and their name.
    pub owner: Option<(UserId, String)>,
    /// Its labels: id, name, colour, restricted.
    pub labels: Vec<(LabelId, String, String, bool)>,
    /// The values of its fields, by field.
    pub fields: Vec<(ContactFieldId, String)>,
    /// Where they stand with the business: `new`, `lead`, `customer`, `inactive`.
    pub lifecycle: String,
    /// Marketing consent: `unknown`, `opted_in` or `opted_out`, when, how and who recorded it.
    pub consent: Consent,
}

/// A contact's answer about marketing messages.
#[derive(Debug, Clone)]
pub struct Consent {
    /// `unknown`, `opted_in` or `opted_out`.
    pub state: String,
    /// When it was recorded.
    pub at: Option<Timestamp>,
    /// How it was given, in staff's words.
    pub source: Option<String>,
    /// Who recorded it.
    pub by: Option<String>,
}

const CONTACT_SELECT: &str =
    "SELECT k.id, k.wa_id, k.user_id, k.profile_name, k.username, k.team_id, t.name AS team_name,
       k.owner_id, o.username AS owner, k.lifecycle, k.marketing_consent, k.consent_at, k.consent_source,
       cb.username AS consent_by,
       (SELECT json_group_array(json_array(l.id, l.name, l.colour, l.restricted))
          FROM contact_labels cl JOIN labels l ON l.id = cl.label_id WHERE cl.contact_id = k.id) AS labels,
       (SELECT json_group_array(json_array(v.field_id, v.value))
          FROM contact_field_values v WHERE v.contact_id = k.id) AS fields
    FROM contacts k JOIN teams t ON t.id = k.team_id LEFT JOIN users o ON o.id = k.owner_id
    LEFT JOIN users cb ON cb.id = k.consent_by";

fn contact_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<ContactRecord> {
    let labels: String = r.try_get("labels")?;
    let mut labels: Vec<(i64, String, String, i64)> =
        serde_json::from_str(&labels).map_err(|e| Error::Internal(e.to_string()))?;
    labels.sort_by_key(|l| l.1.to_lowercase());
    let fields: String = r.try_get("fields")?;
    let mut fields: Vec<(i64, String)> =
        serde_json::from_str(&fields).map_err(|e| Error::Internal(e.to_string()))?;
    fields.sort_by_key(|f| f.0);
    Ok(ContactRecord {
        id: ContactId::new(r.try_get("id")?),
        customer: CustomerRef {
            wa_id: r.try_get("wa_id")?,
            user_id: r.try_get("user_id")?,
            profile_name: r.try_get("profile_name")?,
            username: r.try_get("username")?,
        },
        team: (TeamId::new(r.try_get("team_id")?), r.try_get("team_name")?),
        owner: match r.try_get::<Option<i64>, _>("owner_id")? {
            Some(id) => Some((UserId::new(id), r.try_get("owner")?)),
            None => None,
        },
        labels: labels
            .into_iter()
            .map(|(id, name, colour, restricted)| (LabelId::new(id), name, colour, restricted != 0))
            .collect(),
        fields: fields.into_iter().map(|(id, value)| (ContactFieldId::new(id), value)).collect(),
        lifecycle: r.try_get("lifecycle")?,
        consent: Consent {
            state: r.try_get("marketing_consent")?,
            at: r.try_get::<Option<i64>, _>("consent_at")?.map(Timestamp::from_millis),
            source: r.try_get("consent_source")?,
            by: r.try_get("consent_by")?,
        },
    })
}

impl Store {
    /// Contacts the proof's scope reaches, by name.
    pub async fn list_contacts(&self, proof: &Authorized<act::ListContacts>) -> Result<Vec<ContactRecord>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!("{CONTACT_SELECT} WHERE 1 = 1"));
        super::access::push_scope(&mut q, proof.resource(), "k.team_id", "k.owner_id", "k.id");
        q.push(" ORDER BY k.profile_name COLLATE NOCASE, k.id");
        let rows = q.build().fetch_all(self.read()).await?;
        rows.iter().map(contact_from_row).collect()
    }

    /// The contact a proof was issued for.
    pub async fn get_contact(&self, proof: &impl OnContact) -> Result<ContactRecord> {
        let row = sqlx::query(&format!("{CONTACT_SELECT} WHERE k.id = ?"))
            .bind(proof.contact().get())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(contact_from_row).transpose()?.ok_or(Error::NotFound)
    }
}

impl WriteTx {
    /// Assigns the proof's conversation to `agent`, or back to its team's queue.
    pub async fn assign_conversation(
        &mut self,
        proof: &Authorized<act::AssignConversation>,
        agent: Option<UserId>,
    ) -> Result<()> {
        sqlx::query("UPDATE conversations SET assignee_id = ? WHERE id = ?")
            .bind(agent.map(UserId::get))
            .bind(proof.resource().get())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Moves the proof's conversation to `team`; its agent keeps it only if they are a member
    /// of the new team.
    pub async fn transfer_conversation(
        &mut self,
        proof: &Authorized<act::TransferConversation>,
        team: TeamId,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE conversations SET team_id = ?1,
                assignee_id = CASE WHEN EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = ?1 AND m.user_id = assignee_id)
                              THEN assignee_id END
             WHERE id = ?2",
        )
        .bind(team.get())
        .bind(proof.resource().get())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Moves the proof's contact to `team` and `owner` (or no owner).
    pub async fn assign_contact(
        &mut self,
        proof: &Authorized<act::AssignContact>,
        team: TeamId,
        owner: Option<UserId>,
    ) -> Result<()> {
        sqlx::query("UPDATE contacts SET team_id = ?, owner_id = ? WHERE id = ?")
            .bind(team.get())
            .bind(owner.map(UserId::get))
            .bind(proof.resource().get())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
