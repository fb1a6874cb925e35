//! Media customers send: fetched in the background by the channel worker (see
//! [`Core::run_outbox`]) — media id → Graph's short-lived URL → a download with the access
//! token, only from Meta's hosts — checked against WhatsApp's size limits, the MIME allowlist
//! and the SHA-256 WhatsApp declared, and kept in the encrypted store. Staff get a file only
//! through [`Core::message_media`], authorized like reading its conversation.

use std::sync::Arc;
use std::time::Duration;

use super::Core;
use crate::auth::session::SessionToken;
use crate::authz::{act, Actor, Authorized};
use crate::channel::whatsapp::client::{ChannelConfig, FetchFailure};
use crate::channel::whatsapp::media::{allowed, check, essence, max_bytes};
use crate::domain::MessageId;
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
            let next = self.store.media_next_due().await?;
            let wait = next.map_or(60_000, |at| (at.as_millis() - now.as_millis()).clamp(0, 60_000));
            return Ok(Duration::from_millis(u64::try_from(wait).unwrap_or(0)));
        }
        let channel = self.store.find_channel().await?.map(Arc::new);
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

/// A media state and reason in words for staff.
pub fn explain(state: &str, reason: Option<&str>) -> Option<&'static str> {
    Some(match (state, reason) {
        ("stored", _) => return None,
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
