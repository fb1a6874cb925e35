//! Media customers send: fetched in the background by the channel worker (see
//! [`Core::run_outbox`]) — media id → Graph's short-lived URL → a download with the access
//! token, only from Meta's hosts — checked against WhatsApp's size limits, the MIME allowlist
//! and the SHA-256 WhatsApp declared, and kept in the encrypted store. Staff get a file only
//! through [`Core::message_media`], authorized like reading its conversation.

use crate::audit::Kind;
use std::sync::Arc;
use std::time::Duration;

use super::views::MessageView;
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::{act, sending, Action, Actor, Authorized};
use crate::channel::whatsapp::client::media_request;
use crate::channel::whatsapp::client::{ChannelConfig, FetchFailure};
use crate::channel::whatsapp::media::{allowed, check, essence, kind_for, max_bytes};
use crate::domain::MessageId;
use crate::domain::{Content, ConversationId, Media, MessageKind};
use crate::error::{Error, Result};
use crate::store::media::{MediaFile, MediaJob};

/// Files fetched at once (downloads can be large; replies must not wait behind them).
const PARALLEL_FETCHES: i64 = 4;
/// After this many failed attempts a file is given up.
const MAX_ATTEMPTS: i64 = 12;

enum Outcome {
    Stored { mime: String, bytes: Vec<u8> },
    Later(&'static str),
    Refused(&'static str),
    Failed(&'static str),
}

impl Core {
    /// Claims due files and fetches them in the background; returns how long until the next
    /// is due.
    pub(super) async fn fetch_due_media(&self, proof: &Authorized<act::FetchMedia>) -> Result<Duration> {
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let jobs = tx.claim_media(proof, now, PARALLEL_FETCHES).await?;
        tx.commit().await?;
        if jobs.is_empty() {
            return Ok(super::outbox::until(self.store.media_next_due().await?, now));
        }
        let channel = self.channel_in_force().await?.map(Arc::new);
        for job in jobs {
            let core = self.clone();
            let channel = channel.clone();
            tokio::spawn(async move {
                let outcome = match channel.as_deref() {
                    Some(channel) => core.fetch(channel, &job).await,
                    None => Outcome::Later("no_channel"),
                };
                if let Err(e) = core.settle(&job, outcome).await {
                    tracing::warn!(media = job.id, error = %e, "a fetched file could not be recorded");
                }
            });
        }
        Ok(Duration::ZERO)
    }

    async fn fetch(&self, channel: &ChannelConfig, job: &MediaJob) -> Outcome {
        let limit = max_bytes(job.kind);
        let info = match self.cloud.media_info(channel, &job.media_id).await {
            Ok(info) => info,
            Err(failure) => return failed(&failure),
        };
        if info.file_size.is_some_and(|size| size > limit) {
            return Outcome::Refused("too_large");
        }
        let declared =
            job.declared_mime.as_deref().or(info.mime_type.as_deref()).map(essence).unwrap_or_default();
        if !allowed(job.kind, &declared) {
            return Outcome::Refused("type_not_allowed");
        }
        let (bytes, served) = match self.cloud.download(channel, &info.url, limit).await {
            Ok(file) => file,
            Err(failure) => return failed(&failure),
        };
        // What the server says it is must be allowed too (a page or a script is refused).
        if served
            .as_deref()
            .map(essence)
            .is_some_and(|m| m != "application/octet-stream" && !allowed(job.kind, &m))
        {
            return Outcome::Refused("type_not_allowed");
        }
        let sha256 = job.declared_sha256.as_deref().or(info.sha256.as_deref());
        match check(job.kind, &declared, &bytes, sha256) {
            Ok(()) => Outcome::Stored { mime: declared, bytes },
            Err(refusal) => Outcome::Refused(refusal.as_str()),
        }
    }

    async fn settle(&self, job: &MediaJob, outcome: Outcome) -> Result<()> {
        let proof = &self.allow::<act::FetchMedia>(&Actor::Operator, ()).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        match outcome {
            Outcome::Stored { mime, bytes } => {
                tx.media_stored(proof, job, &mime, &bytes, now).await?;
                tracing::info!(media = job.id, kind = job.kind.as_str(), bytes = bytes.len(), "media stored");
            }
            Outcome::Refused(reason) => {
                tx.media_settled(proof, job, "refused", reason, now).await?;
                tracing::warn!(media = job.id, kind = job.kind.as_str(), reason, "media refused");
            }
            Outcome::Later(reason) if job.attempts + 1 < MAX_ATTEMPTS => {
                let at = now
                    .plus_millis(i64::try_from(self.backoff(job.attempts).as_millis()).unwrap_or(i64::MAX));
                tx.media_later(proof, job, at, reason, now).await?;
            }
            Outcome::Later(reason) | Outcome::Failed(reason) => {
                tx.media_settled(proof, job, "failed", reason, now).await?;
                tracing::warn!(media = job.id, reason, "media could not be fetched");
            }
        }
        tx.commit().await
    }

    /// The file a message carries, for someone who may read its conversation.
    pub async fn message_media(&self, token: &SessionToken, message: MessageId) -> Result<MediaFile> {
        let r = self.resolve(token).await?;
        let conversation = self.store.message_conversation(message).await?.ok_or(Error::NotFound)?;
        let proof = self.allow_on_conversation::<act::ReadConversation>(&r.actor, conversation).await?;
        self.store.media_file(&proof, message).await?.ok_or(Error::NotFound)
    }
}

fn failed(failure: &FetchFailure) -> Outcome {
    match failure {
        FetchFailure::Transient => Outcome::Later("unreachable"),
        FetchFailure::TokenRejected => Outcome::Later("token_rejected"),
        FetchFailure::Gone => Outcome::Failed("gone"),
        FetchFailure::TooLarge => Outcome::Refused("too_large"),
        FetchFailure::UntrustedUrl => Outcome::Failed("untrusted_url"),
    }
}

/// A file an agent sends.
#[derive(Debug)]
pub struct SendMediaRequest {
    /// The file's name (documents show it).
    pub filename: String,
    /// Its MIME type.
    pub mime_type: String,
    /// A caption.
    pub caption: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Core {
    /// Sends a file in a conversation (within the 24-hour window): checked against the same
    /// allowlist and size limits as files customers send, uploaded to WhatsApp, kept in the
    /// store for the thread, and committed to the outbox like a text reply. If the upload
    /// fails the agent is told at once, and nothing is stored.
    pub async fn send_media(
        &self,
        token: &SessionToken,
        id: ConversationId,
        request: SendMediaRequest,
    ) -> Result<MessageView> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_conversation::<act::SendMessage>(&r.actor, id).await?;
        let mime = essence(&request.mime_type);
        let kind = kind_for(&mime);
        if !allowed(kind, &mime) {
            return Err(Error::Invalid("this kind of file cannot be sent (photos, videos, audio, PDF, office documents and text only)".to_owned()));
        }
        if request.bytes.is_empty()
            || u64::try_from(request.bytes.len()).unwrap_or(u64::MAX) > max_bytes(kind)
        {
            return Err(Error::Invalid(format!(
                "WhatsApp takes files of this kind up to {} MB",
                max_bytes(kind) / (1024 * 1024)
            )));
        }
        let labels = self.store.conversation_label_rules(id).await?;
        if let Err(refusal) = sending::may_send_file(&labels, kind) {
            return Err(self.refused_by_label(&r.actor, Action::SendMessage, id, &refusal).await);
        }
        let caption = request.caption.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        if caption.as_ref().is_some_and(|c| c.chars().count() > 1024) {
            return Err(Error::Invalid("a caption holds at most 1024 characters".to_owned()));
        }
        let filename = sanitized_filename(&request.filename);
        let recipient = self.recipient(&proof, true).await?;
        let channel = self.channel_in_force().await?.ok_or(Error::ChannelNotConfigured)?;
        let media_id = self
            .cloud
            .upload_media(&channel, request.bytes.clone(), &mime, &filename)
            .await
            .map_err(|f| Error::Channel(f.reason))?;
        let wire = kind.as_str();
        let media = Media {
            kind,
            media_id: Some(media_id.clone()),
            mime_type: Some(mime.clone()),
            sha256: None,
            caption: caption.clone(),
            filename: Some(filename.clone()),
        };
        let summary = Content::Media(media.clone()).summary();
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let graph_request = media_request(&recipient, wire, &media_id, caption.as_deref(), Some(&filename));
        let message_kind = MessageKind::from_wire(Some(wire));
        let message_id =
            tx.enqueue_reply(&proof, &recipient, &message_kind, &summary, graph_request, now).await?;
        tx.attach_sent_media(&proof, message_id, &media, &request.bytes, now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::MessageSent)
            .target(format!("conversation:{}", id.get()))
            .detail("message", message_id.get())
            .detail("media", wire);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(conversation = id.get(), message = message_id.get(), kind = wire, "file queued");
        self.queued_view(&r, id, message_id).await
    }
}

/// A file name safe to hand to WhatsApp and back to staff: no path, no control characters,
/// at most 200 characters.
fn sanitized_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() {
        "file".to_owned()
    } else {
        clean
    }
}

/// A media state and reason in words for staff.
pub fn explain(state: &str, reason: Option<&str>) -> Option<&'static str> {
    Some(match (state, reason) {
        ("stored", _) => return None,
        ("removed", _) => "removed under the retention policy",
        ("pending" | "fetching", Some("token_rejected")) => {
            "waiting: WhatsApp refused the access token; ask an administrator to renew it"
        }
        ("pending" | "fetching", _) => "downloading from WhatsApp…",
        (_, Some("too_large")) => "not kept: larger than WhatsApp allows for this kind of file",
        (_, Some("type_not_allowed")) => "not kept: this kind of file is not allowed",
        (_, Some("checksum_mismatch")) => "not kept: the file did not match what WhatsApp announced",
        (_, Some("gone")) => "WhatsApp no longer has this file",
        _ => "the file could not be downloaded",
    })
}
