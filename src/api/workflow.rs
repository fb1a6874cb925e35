//! A conversation's place in the team's work: status, snooze and priority; private notes and
//! the mentions in them.

use serde::Deserialize;

use super::views::{MentionView, MentionsView, NoteView};
use super::Core;
use crate::audit::{AuditEvent, Kind};
use crate::auth::session::SessionToken;
use crate::authz::{act, decide, Action, Actor, Decision};
use crate::clock::Timestamp;
use crate::domain::{mentions, ConversationId, ConversationStatus, Priority, UserId, MAX_NOTE_CHARS};
use crate::error::{Error, Result};

/// The longest a conversation may be snoozed.
pub const MAX_SNOOZE_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// How many unseen mentions one call lists.
const MENTIONS_SHOWN: u32 = 50;

/// Where a conversation stands now.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetStatusRequest {
    /// `open`, `pending` or `resolved`.
    pub status: String,
    /// Snooze it until then (ms since the epoch, at most 30 days ahead): it leaves the
    /// working list until then or until the customer writes. Not with `resolved`.
    #[serde(default)]
    pub snooze_until: Option<i64>,
}

/// A conversation's place in the queue.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetPriorityRequest {
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
}

/// A private note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NoteRequest {
    /// What it says. `@name` notifies that person if they may read the conversation's notes.
    pub text: String,
}

impl Core {
    /// Marks a conversation open, pending or resolved, and snoozes or wakes it.
    pub async fn set_conversation_status(
        &self,
        token: &SessionToken,
        id: ConversationId,
        request: SetStatusRequest,
    ) -> Result<()> {
        let r = self.resolve(token).await?;
        let status = ConversationStatus::parse(&request.status)
            .ok_or_else(|| Error::Invalid("the status is open, pending or resolved".to_owned()))?;
        let proof = self.allow_on_conversation::<act::SetConversationStatus>(&r.actor, id).await?;
        let now = self.clock.now();
        let snooze = match request.snooze_until {
            None => None,
            Some(_) if status == ConversationStatus::Resolved => {
                return Err(Error::Invalid("a resolved conversation is not snoozed".to_owned()))
            }
            Some(until) if until <= now.as_millis() => {
                return Err(Error::Invalid("snooze until a time still to come".to_owned()))
            }
            Some(until) if until > now.as_millis() + MAX_SNOOZE_MS => {
                return Err(Error::Invalid("a conversation is snoozed for at most 30 days".to_owned()))
            }
            Some(until) => Some(Timestamp::from_millis(until)),
        };
        let mut tx = self.store.write().await?;
        let before = tx.set_conversation_status(&proof, status, snooze).await?;
        let mut event = AuditEvent::new(proof.actor().clone(), Kind::ConversationStatus)
            .target(format!("conversation:{}", id.get()))
            .detail("before", before.as_str())
            .detail("after", status.as_str());
        if let Some(until) = snooze {
            event = event.detail("snoozed_until", until.as_millis());
        }
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// Moves a conversation up or down the team's queue.
    pub async fn set_conversation_priority(
        &self,
        token: &SessionToken,
        id: ConversationId,
        request: SetPriorityRequest,
    ) -> Result<()> {
        let r = self.resolve(token).await?;
        let priority = Priority::parse(&request.priority)
            .ok_or_else(|| Error::Invalid("the priority is low, normal, high or urgent".to_owned()))?;
        let proof = self.allow_on_conversation::<act::SetConversationPriority>(&r.actor, id).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let before = tx.set_conversation_priority(&proof, priority).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::ConversationPriority)
            .target(format!("conversation:{}", id.get()))
            .detail("before", before.as_str())
            .detail("after", priority.as_str());
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// The private notes of a conversation, oldest first. Reading them marks the reader's
    /// mentions there as seen.
    pub async fn conversation_notes(
        &self,
        token: &SessionToken,
        id: ConversationId,
    ) -> Result<Vec<NoteView>> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_conversation::<act::ReadNotes>(&r.actor, id).await?;
        let notes = self.store.list_notes(&proof).await?;
        let mut tx = self.store.write().await?;
        tx.mark_mentions_seen(&proof, r.user.id, self.clock.now()).await?;
        tx.commit().await?;
        let detectors = self.detectors().await?;
        Ok(notes.iter().map(|n| NoteView::build(n, &detectors)).collect())
    }

    /// Writes a private note in a conversation. It is never sent to the customer. Each
    /// `@name` of someone who may read the conversation's notes notifies them; other names
    /// stay plain text (so a note cannot tell anyone about a conversation they may not see).
    pub async fn add_note(
        &self,
        token: &SessionToken,
        id: ConversationId,
        request: NoteRequest,
    ) -> Result<NoteView> {
        let r = self.resolve(token).await?;
        let text = check_note(&request.text)?;
        let proof = self.allow_on_conversation::<act::WriteNote>(&r.actor, id).await?;
        let now = self.clock.now();
        let mut mentioned = self.who_may_read_notes(id, &mentions(text)).await?;
        mentioned.retain(|(user, _)| *user != r.user.id); // nobody is told what they wrote

        let ids: Vec<UserId> = mentioned.iter().map(|(id, _)| *id).collect();
        let mut tx = self.store.write().await?;
        let note = tx.add_note(&proof, r.user.id, text, &ids, now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::NoteAdded)
            .target(format!("conversation:{}", id.get()))
            .detail("note", note)
            .detail(
                "mentions",
                ids.iter().map(|u| format!("user:{}", u.get())).collect::<Vec<_>>().join(" "),
            );
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(conversation = id.get(), note, mentions = ids.len(), "note written");
        let record = crate::store::inbox::NoteRecord {
            id: note,
            author: r.user.username.as_str().to_owned(),
            body: text.to_owned(),
            created_at: now,
            mentions: mentioned.into_iter().map(|(_, name)| name).collect(),
        };
        Ok(NoteView::build(&record, &self.detectors().await?))
    }

    /// The notes that mention the reader and that they have not seen, newest first, in
    /// conversations they may still read.
    pub async fn my_mentions(&self, token: &SessionToken) -> Result<MentionsView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ListOwnMentions>(&r.actor, r.user.id).await?;
        let detectors = self.detectors().await?;
        let mut shown = Vec::new();
        for mention in self.store.unseen_mentions(&proof, MENTIONS_SHOWN).await? {
            if self.may(&r.actor, Action::ReadNotes, mention.conversation).await? {
                shown.push(MentionView::build(&mention, &detectors));
            }
        }
        Ok(MentionsView { mentions: shown })
    }

    /// Of the user `names`, the active ones who may read conversation `id`'s notes.
    async fn who_may_read_notes(
        &self,
        id: ConversationId,
        names: &[String],
    ) -> Result<Vec<(UserId, String)>> {
        let mut found = Vec::new();
        for name in names {
            let Ok(user) = self.user_named(name).await else { continue };
            if user.disabled {
                continue;
            }
            let grants = self.store.load_grants(user.id, &user.role).await?;
            let actor = Actor::User { id: user.id, grants, session: None };
            if self.may(&actor, Action::ReadNotes, id).await? {
                found.push((user.id, user.username.as_str().to_owned()));
            }
        }
        Ok(found)
    }

    /// Whether `actor` may do `action` on conversation `id`: a question, not an attempt
    /// (nothing is refused or recorded).
    async fn may(&self, actor: &Actor, action: Action, id: ConversationId) -> Result<bool> {
        let Some(placement) = self.store.conversation_placement(id).await? else { return Ok(false) };
        Ok(decide(actor, action, Some(&placement)) == Decision::Allow)
    }
}

/// The note's text, trimmed, if it may be kept.
pub(super) fn check_note(text: &str) -> Result<&str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::Invalid("the note is empty".to_owned()));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::Invalid(format!("a note holds at most {MAX_NOTE_CHARS} characters")));
    }
    Ok(text)
}
