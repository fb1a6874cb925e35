//! The shared inbox: conversations, their messages, and replies.

use crate::audit::Kind;
use serde::Deserialize;

use super::views::{
    ConversationPageView, ConversationSummaryView, HandoverView, MessageView, QueueCountsView, ThreadPageView,
};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::{act, decide, Action, Decision};
use crate::channel::whatsapp::client::text_request;
use crate::domain::queue::{self, Assigned, QueueCursor, QueueView};
use crate::domain::{reply_window_open, ConversationId, MessageId, MessageKind, TeamId};
use crate::error::{Error, Result};
use crate::store::queue::QueueFilter;

/// WhatsApp's limit for a text message body.
pub const MAX_TEXT_CHARS: usize = 4096;

/// How long a send waits for the sender's first attempt before answering "queued".
const FIRST_ATTEMPT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// How many messages a page of a thread holds unless asked otherwise, and at most.
pub const THREAD_PAGE: u32 = 50;
/// See [`THREAD_PAGE`].
pub const MAX_THREAD_PAGE: u32 = 1000;

/// Which stretch of a conversation's thread to read.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThreadRequest {
    /// The `earlier` of the page read before; the latest messages without it.
    #[serde(default)]
    pub before: Option<String>,
    /// How many messages (1 to 1000; 50 by default).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Who to assign a conversation to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AssignRequest {
    /// A member of the conversation's team, or nobody (back to the team's queue).
    pub agent: Option<String>,
}

/// Which page of the inbox's queue to read.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueRequest {
    /// `active` (open and not snoozed), `waiting`, `resolved` or `all` (the default).
    #[serde(default)]
    pub view: Option<String>,
    /// Only this team's.
    #[serde(default)]
    pub team: Option<i64>,
    /// `mine`, `unassigned` or `anyone` (the default).
    #[serde(default)]
    pub assigned: Option<String>,
    /// The `next` of the page before; the first page without it.
    #[serde(default)]
    pub after: Option<String>,
    /// How many (1 to 200; 50 by default).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Where to transfer a conversation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TransferRequest {
    /// Team id.
    pub team: i64,
    /// A private note for the team that takes it over (why, what was done so far).
    #[serde(default)]
    pub note: Option<String>,
}

/// A text reply.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SendTextRequest {
    /// The text to send.
    pub text: String,
    /// Ask WhatsApp to show a preview of the first link in it.
    #[serde(default)]
    pub preview_url: bool,
    /// The message (in this conversation) it answers; the customer sees it quoted.
    #[serde(default)]
    pub reply_to: Option<i64>,
}

/// What to tell the customer on opening a conversation or starting to type.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct MarkReadRequest {
    /// Also show the customer that a reply is being typed.
    #[serde(default)]
    pub typing: bool,
}

impl Core {
    /// The conversations the actor may see, most recent first.
    pub async fn list_conversations(&self, token: &SessionToken) -> Result<Vec<ConversationSummaryView>> {
        let r = self.resolve(token).await?;
        let proof = self.allow_list::<act::ListConversations>(&r.actor).await?;
        let list = self.store.list_conversations(&proof).await?;
        let detectors = self.detectors().await?;
        let sight = self.standing_sight(&r.grants).await?;
        Ok(list.iter().map(|c| ConversationSummaryView::build(c, sight, &detectors)).collect())
    }

    /// A page of the conversations the actor may see, in the counter's order (most urgent
    /// first, then the most recent), with the counts of each view. Pages follow each other by
    /// the `next` cursor, so a store of 100,000 conversations is read a page at a time.
    pub async fn conversation_page(
        &self,
        token: &SessionToken,
        request: QueueRequest,
    ) -> Result<ConversationPageView> {
        let r = self.resolve(token).await?;
        let proof = self.allow_list::<act::ListConversations>(&r.actor).await?;
        let filter = queue_filter(&request, self.clock.now())?;
        let after = match request.after.as_deref() {
            None | Some("") => None,
            Some(text) => Some(QueueCursor::parse(text).ok_or_else(|| {
                Error::Invalid(
                    "that page marker is not one this inbox gave: start from the first page".to_owned(),
                )
            })?),
        };
        let limit = request.limit.unwrap_or(queue::DEFAULT_PAGE);
        if !(1..=queue::MAX_PAGE).contains(&limit) {
            return Err(Error::Invalid(format!("a page holds 1 to {} conversations", queue::MAX_PAGE)));
        }
        let page = self.store.queue_page(&proof, &filter, after, limit).await?;
        let counts = self.store.queue_counts(&proof, &filter).await?;
        let next = (page.len() == limit as usize)
            .then(|| page.last().map(|c| QueueCursor::after(c.priority, c.last_message_at, c.id).to_text()))
            .flatten();
        let detectors = self.detectors().await?;
        let sight = self.standing_sight(&r.grants).await?;
        Ok(ConversationPageView {
            items: page.iter().map(|c| ConversationSummaryView::build(c, sight, &detectors)).collect(),
            next,
            counts: QueueCountsView::build(counts),
        })
    }

    /// One conversation as the list shows it (one opened from a search or a mention, which the
    /// pages read so far may not hold).
    pub async fn conversation_summary(
        &self,
        token: &SessionToken,
        id: ConversationId,
    ) -> Result<ConversationSummaryView> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_conversation::<act::ReadConversation>(&r.actor, id).await?;
        let record = self.store.conversation_line(&proof, r.user.id).await?;
        let sight = self.standing_sight(&r.grants).await?;
        Ok(ConversationSummaryView::build(&record, sight, &self.detectors().await?))
    }

    /// A page of one conversation's messages, oldest first: the latest, or those before the
    /// `earlier` of a page read before. Reading the latest marks the conversation read.
    pub async fn conversation_messages(
        &self,
        token: &SessionToken,
        id: ConversationId,
        request: ThreadRequest,
    ) -> Result<ThreadPageView> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_conversation::<act::ReadConversation>(&r.actor, id).await?;
        let limit = request.limit.unwrap_or(THREAD_PAGE);
        if !(1..=MAX_THREAD_PAGE).contains(&limit) {
            return Err(Error::Invalid(format!("a page holds 1 to {MAX_THREAD_PAGE} messages")));
        }
        let before = match request.before.as_deref() {
            None | Some("") => None,
            Some(text) => Some(text.parse().map(MessageId::new).map_err(|_| {
                Error::Invalid(
                    "that page marker is not one this conversation gave: start from its latest messages"
                        .to_owned(),
                )
            })?),
        };
        self.store.get_conversation(&proof).await?;
        let page = self.store.thread_page(&proof, before, limit).await?;
        let (named, annotated) = MessageView::references(&page.messages);
        let context = self.store.thread_context(&proof, &named, &annotated).await?;
        if before.is_none() {
            // What the reader has now seen is no longer unread for them.
            let mut tx = self.store.write().await?;
            tx.mark_conversation_read(&proof, r.user.id, self.clock.now()).await?;
            tx.commit().await?;
        }
        Ok(ThreadPageView {
            messages: MessageView::build_page(&page.messages, &context, &self.detectors().await?),
            earlier: page.earlier.map(|m| m.get().to_string()),
        })
    }

    /// Commits a text reply to the outbox and answers once the sender's first attempt is done
    /// (or after a few seconds, with the reply still queued).
    pub async fn send_text(
        &self,
        token: &SessionToken,
        id: ConversationId,
        request: SendTextRequest,
    ) -> Result<MessageView> {
        let r = self.resolve(token).await?;
        let text = request.text.trim_end();
        if text.trim().is_empty() {
            return Err(Error::Invalid("the message is empty".to_owned()));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(Error::Invalid(format!(
                "a WhatsApp message holds at most {MAX_TEXT_CHARS} characters"
            )));
        }
        let proof = self.allow_on_conversation::<act::SendMessage>(&r.actor, id).await?;
        let recipient = self.recipient(&proof, true).await?;
        let recipient = recipient.as_str();
        // Committed first; the outbox's sender sends it (and retries it) from there.
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let quoted = match request.reply_to {
            Some(message) => Some(self.store.message_wamid(&proof, MessageId::new(message)).await?.ok_or_else(|| {
                Error::Invalid("the message you answer is not in this conversation, or WhatsApp has not named it yet".to_owned())
            })?),
            None => None,
        };
        let preview_url = request.preview_url;
        let mut graph_request = text_request(recipient, text, preview_url);
        if let Some(wamid) = &quoted {
            graph_request["context"] = serde_json::json!({ "message_id": wamid });
        }
        let message_id =
            tx.enqueue_reply(&proof, recipient, &MessageKind::text(), text, graph_request, now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::MessageSent)
            .target(format!("conversation:{}", id.get()))
            .detail("message", message_id.get());
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(conversation = id.get(), message = message_id.get(), "reply queued");
        self.queued_view(&r, id, message_id).await
    }

    /// Tells the customer their messages were read (blue ticks), and with `typing` that a
    /// reply is being written. Best effort: WhatsApp's refusal is logged, not shown, since the
    /// agent's work does not depend on it. Only someone who may reply sends these.
    pub async fn mark_read(
        &self,
        token: &SessionToken,
        id: ConversationId,
        request: MarkReadRequest,
    ) -> Result<()> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_conversation::<act::SendMessage>(&r.actor, id).await?;
        let Some(wamid) = self.store.latest_inbound_wamid(&proof).await? else { return Ok(()) };
        let Some(channel) = self.channel_in_force().await? else { return Err(Error::ChannelNotConfigured) };
        let graph = crate::channel::whatsapp::client::read_request(&wamid, request.typing);
        if let Err(failure) = self.cloud.mark_read(&channel, &graph).await {
            tracing::warn!(conversation = id.get(), code = ?failure.code, "read receipt not taken");
        }
        Ok(())
    }

    /// Whom a message in the proof's conversation goes to (their WhatsApp id, or business-scoped
    /// user id), once the channel is set up and, for free-form messages (`in_window`), the
    /// customer's 24-hour window is open.
    pub(super) async fn recipient(
        &self,
        proof: &impl crate::authz::OnConversation,
        in_window: bool,
    ) -> Result<String> {
        let conversation = self.store.get_conversation(proof).await?;
        if in_window && !reply_window_open(conversation.last_inbound_at, self.clock.now()) {
            return Err(Error::Invalid(crate::channel::whatsapp::client::explain(131047).to_owned()));
        }
        let recipient =
            conversation.customer.wa_id.or(conversation.customer.user_id).ok_or(Error::NotFound)?;
        if self.channel_in_force().await?.is_none() {
            return Err(Error::ChannelNotConfigured);
        }
        Ok(recipient)
    }

    /// The view of a message just committed to the outbox, once the sender's first attempt
    /// is done (or after a few seconds, still queued).
    pub(super) async fn queued_view(
        &self,
        r: &super::session::Resolved,
        id: ConversationId,
        message_id: crate::domain::MessageId,
    ) -> Result<MessageView> {
        self.await_first_attempt(message_id, FIRST_ATTEMPT_WAIT).await?;
        let read = self.allow_on_conversation::<act::ReadConversation>(&r.actor, id).await?;
        let message = self.store.find_message(&read, message_id).await?.ok_or(Error::NotFound)?;
        Ok(MessageView::build(&message, &self.detectors().await?))
    }

    /// Assigns a conversation to a member of its team, or back to the team's queue.
    pub async fn assign_conversation(
        &self,
        token: &SessionToken,
        id: ConversationId,
        request: AssignRequest,
    ) -> Result<()> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_conversation::<act::AssignConversation>(&r.actor, id).await?;
        let team = self.store.get_conversation(&proof).await?.team.0;
        let agent = match request.agent.as_deref() {
            Some(name) => Some(self.member_of(team, name).await?),
            None => None,
        };
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.assign_conversation(&proof, agent).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::ConversationAssign)
            .target(format!("conversation:{}", id.get()))
            .detail("agent", agent.map_or_else(|| "none".to_owned(), |a| format!("user:{}", a.get())));
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// Whom the actor may hand conversation `id` to: the active members of its team when they
    /// may assign it, the other teams when they may move it. Asking records and logs nothing
    /// (the pure rule is asked, not the recording gate: being told there is no one to hand it
    /// to is not a refusal).
    pub async fn handover_options(&self, token: &SessionToken, id: ConversationId) -> Result<HandoverView> {
        let r = self.resolve(token).await?;
        self.allow_on_conversation::<act::ReadConversation>(&r.actor, id).await?;
        let placement = self.store.conversation_placement(id).await?.ok_or(Error::NotFound)?;
        let teams = self.store.list_teams().await?;
        let mut agents = Vec::new();
        if decide(&r.actor, Action::AssignConversation, Some(&placement)) == Decision::Allow {
            let members = teams.iter().filter(|t| t.id == placement.team).flat_map(|t| &t.members);
            for (_, name) in members {
                if self.user_named(name).await.is_ok_and(|u| !u.disabled) {
                    agents.push(name.clone());
                }
            }
        }
        let others = if decide(&r.actor, Action::TransferConversation, Some(&placement)) == Decision::Allow {
            teams.iter().filter(|t| t.id != placement.team).map(|t| (t.id, t.name.clone())).collect()
        } else {
            Vec::new()
        };
        Ok(HandoverView::build(agents, &others))
    }

    /// Moves a conversation to another team. Its agent keeps it only if they are a member of
    /// that team. The conversation may leave the actor's sight by this.
    pub async fn transfer_conversation(
        &self,
        token: &SessionToken,
        id: ConversationId,
        request: TransferRequest,
    ) -> Result<()> {
        let r = self.resolve(token).await?;
        let note = match request.note.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(super::workflow::check_note(text)?),
        };
        let proof = self.allow_on_conversation::<act::TransferConversation>(&r.actor, id).await?;
        // Asked before the move, while the conversation is still in the actor's sight.
        let note_proof = match note {
            Some(_) => Some(self.allow_on_conversation::<act::WriteNote>(&r.actor, id).await?),
            None => None,
        };
        let team = TeamId::new(request.team);
        self.team_exists(team).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if let (Some(text), Some(note_proof)) = (note, &note_proof) {
            let written = tx.add_note(note_proof, r.user.id, text, &[], now).await?;
            let event = AuditEvent::new(note_proof.actor().clone(), Kind::NoteAdded)
                .target(format!("conversation:{}", id.get()))
                .detail("note", written)
                .detail("mentions", "");
            tx.audit(&event, now).await?;
        }
        tx.transfer_conversation(&proof, team).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::ConversationTransfer)
            .target(format!("conversation:{}", id.get()))
            .detail("team", format!("team:{}", team.get()));
        tx.audit(&event, now).await?;
        tx.commit().await
    }
}

/// The filter a request asks for; an unknown word is refused, naming the choices.
fn queue_filter(request: &QueueRequest, now: crate::clock::Timestamp) -> Result<QueueFilter> {
    let view = match request.view.as_deref() {
        None | Some("") => QueueView::All,
        Some(name) => QueueView::parse(name)
            .ok_or_else(|| Error::Invalid("view is one of active, waiting, resolved or all".to_owned()))?,
    };
    let assigned = match request.assigned.as_deref() {
        None | Some("") => Assigned::Anyone,
        Some(name) => Assigned::parse(name)
            .ok_or_else(|| Error::Invalid("assigned is one of anyone, mine or unassigned".to_owned()))?,
    };
    Ok(QueueFilter { view, team: request.team.map(TeamId::new), assigned, now })
}
