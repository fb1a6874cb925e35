//! The sender: sends what the outbox holds, in order per customer, within WhatsApp's limits,
//! and records what became of each reply.
//!
//! A reply is committed (message `queued` plus an outbox item) before anything is sent
//! ([`Core::send_text`]). [`Core::run_outbox`] then takes due items, marks each `sending` in a
//! committed transaction, and sends it once. Transient failures (network, 5xx, rate limits)
//! are retried with exponential backoff and jitter; permanent ones (the window, an unreachable
//! customer, a template mismatch) are not, and the message shows why; a refused access token
//! (190) holds the queue and alerts administrators (audit event `channel.token_rejected`).
//! An attempt cut short by a stop is `uncertain` at the next start: the status webhook that
//! names it settles it; without one within `confirm_grace` it is sent again.

use crate::audit::Kind;
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{watch, Notify};

use super::Core;
use crate::audit::AuditEvent;
use crate::authz::{act, Actor, Authorized};
use crate::channel::whatsapp::client::{ChannelConfig, FailureKind, SendFailure};
use crate::clock::{random_bytes, Timestamp};
use crate::domain::MessageId;
use crate::error::Result;
use crate::store::outbox::OutboxItem;

/// How the sender paces and retries.
#[derive(Debug, Clone)]
pub struct OutboxPolicy {
    /// Messages per second per business number (Meta's default throughput is 80).
    pub throughput_per_second: NonZeroU32,
    /// Messages to one customer in a burst before the pair limit paces them.
    pub pair_burst: NonZeroU32,
    /// Then one message to the same customer per this period (Meta: about 6 s).
    pub pair_period: Duration,
    /// The first retry's delay; each further retry doubles it.
    pub retry_base: Duration,
    /// The longest delay between retries.
    pub retry_cap: Duration,
    /// How long an interrupted attempt waits for WhatsApp's confirmation before it is sent again.
    pub confirm_grace: Duration,
    /// A reply not sent within this time fails (the customer's window has closed by then).
    pub max_age: Duration,
    /// Items taken at once.
    pub batch: i64,
}

impl Default for OutboxPolicy {
    fn default() -> Self {
        Self {
            throughput_per_second: NonZeroU32::new(80).unwrap_or(NonZeroU32::MIN),
            pair_burst: NonZeroU32::new(45).unwrap_or(NonZeroU32::MIN),
            pair_period: Duration::from_secs(6),
            retry_base: Duration::from_secs(2),
            retry_cap: Duration::from_secs(300),
            confirm_grace: Duration::from_secs(120),
            max_age: Duration::from_secs(24 * 3600),
            batch: 64,
        }
    }
}

/// The sender's state, shared by every clone of the core.
#[derive(Debug)]
pub(crate) struct Outbox {
    policy: OutboxPolicy,
    wake: Notify,
    running: AtomicBool,
    changed: watch::Sender<u64>,
    number: DefaultDirectRateLimiter,
    pairs: DefaultKeyedRateLimiter<String>,
    token_alerted: AtomicBool,
}

impl Outbox {
    pub(crate) fn new(policy: OutboxPolicy) -> Self {
        let pair_quota = Quota::with_period(policy.pair_period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(policy.pair_burst);
        Self {
            number: RateLimiter::direct(Quota::per_second(policy.throughput_per_second)),
            pairs: RateLimiter::keyed(pair_quota),
            policy,
            wake: Notify::new(),
            running: AtomicBool::new(false),
            changed: watch::channel(0).0,
            token_alerted: AtomicBool::new(false),
        }
    }
}

/// Marks the sender stopped however `run_outbox` ends.
struct Running<'a>(&'a Outbox);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::SeqCst);
    }
}

/// How long the worker may sleep until `next` is due (at most a minute; none if nothing is).
pub(super) fn until(next: Option<Timestamp>, now: Timestamp) -> Duration {
    let wait = next.map_or(60_000, |at| (at.as_millis() - now.as_millis()).clamp(0, 60_000));
    Duration::from_millis(u64::try_from(wait).unwrap_or(0))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Core {
    /// The same core with another sending policy (tests shorten the delays).
    pub fn with_outbox_policy(mut self, policy: OutboxPolicy) -> Self {
        self.outbox = Arc::new(Outbox::new(policy));
        self
    }

    /// Sends the outbox, and fetches the media customers sent (`api::media`), until `shutdown`
    /// completes. Run one per store (the desktop app and `countersign serve` each run it);
    /// dropping the future mid-send is safe.
    pub async fn run_outbox(&self, shutdown: impl Future<Output = ()>) -> Result<()> {
        let proof = self.allow::<act::DeliverOutbox>(&Actor::Operator, ()).await?;
        let fetching = self.allow::<act::FetchMedia>(&Actor::Operator, ()).await?;
        let mut tx = self.store.write().await?;
        let interrupted = tx.outbox_recover(&proof, self.clock.now()).await?;
        tx.media_recover(&fetching, self.clock.now()).await?;
        tx.commit().await?;
        if interrupted > 0 {
            tracing::warn!(
                items = interrupted,
                "sends interrupted by the last stop wait for WhatsApp's confirmation"
            );
        }
        self.outbox.running.store(true, Ordering::SeqCst);
        let _running = Running(&self.outbox);
        tokio::pin!(shutdown);
        loop {
            let pause = match self.deliver_due(&proof).await {
                Ok(pause) => pause,
                Err(e) => {
                    tracing::warn!(error = %e, "the outbox could not be read; trying again shortly");
                    Duration::from_secs(1)
                }
            };
            let pause = pause.min(self.fetch_due_media(&fetching).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "media could not be fetched; trying again shortly");
                Duration::from_secs(1)
            }));
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = self.outbox.wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Sends every item due now; returns how long to wait before the next is due.
    async fn deliver_due(&self, proof: &Authorized<act::DeliverOutbox>) -> Result<Duration> {
        let policy = &self.outbox.policy;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let requeued =
            tx.outbox_requeue_unconfirmed(proof, now.plus_millis(-millis(policy.confirm_grace)), now).await?;
        let items = tx.claim_due(proof, now, policy.batch).await?;
        tx.commit().await?;
        if requeued > 0 {
            tracing::warn!(
                items = requeued,
                "WhatsApp never confirmed interrupted sends; sending them again"
            );
        }
        if items.is_empty() {
            return Ok(until(self.store.outbox_next_due().await?, now));
        }
        let channel = self.channel_in_force().await?.map(Arc::new);
        let mut sends = tokio::task::JoinSet::new();
        for item in items {
            let core = self.clone();
            let channel = channel.clone();
            sends.spawn(async move {
                let outcome = core.attempt(channel.as_deref(), &item).await;
                if let Err(e) = outcome {
                    tracing::warn!(error = %e, item = item.id, "an outbox item could not be updated");
                }
            });
        }
        while sends.join_next().await.is_some() {}
        self.outbox.changed.send_modify(|n| *n += 1);
        Ok(Duration::ZERO)
    }

    /// One attempt at one item.
    async fn attempt(&self, channel: Option<&ChannelConfig>, item: &OutboxItem) -> Result<()> {
        let proof = self.allow::<act::DeliverOutbox>(&Actor::Operator, ()).await?;
        let policy = &self.outbox.policy;
        let now = self.clock.now();
        if now.as_millis() - item.created_at.as_millis() > millis(policy.max_age) {
            return self.give_up(&proof, item, None).await;
        }
        let Some(channel) = channel else {
            return self.later(&proof, item, now.plus_millis(60_000), None, false).await;
        };
        if let Err(not_until) = self.outbox.pairs.check_key(&item.recipient) {
            let wait = not_until
                .wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
            return self.later(&proof, item, now.plus_millis(millis(wait).max(1)), None, false).await;
        }
        self.outbox.number.until_ready().await;
        match self.cloud.send(channel, &item.request).await {
            Ok(wa_message_id) => {
                self.outbox.token_alerted.store(false, Ordering::SeqCst);
                let mut tx = self.store.write().await?;
                tx.outbox_sent(&proof, item, &wa_message_id, self.clock.now()).await?;
                tx.commit().await?;
                tracing::info!(message = item.message_id.get(), attempts = item.attempts + 1, "reply sent");
                Ok(())
            }
            Err(failure) => self.failed_attempt(&proof, item, &failure).await,
        }
    }

    async fn failed_attempt(
        &self,
        proof: &Authorized<act::DeliverOutbox>,
        item: &OutboxItem,
        failure: &SendFailure,
    ) -> Result<()> {
        let retry_at = self.clock.now().plus_millis(millis(self.backoff(item.attempts)));
        match failure.kind {
            FailureKind::Transient => self.later(proof, item, retry_at, failure.code, true).await,
            FailureKind::Permanent => self.give_up(proof, item, failure.code).await,
            FailureKind::TokenRejected => {
                self.later(proof, item, retry_at, failure.code, true).await?;
                if !self.outbox.token_alerted.swap(true, Ordering::SeqCst) {
                    tracing::error!(
                        "WhatsApp refused the access token; replies wait until an administrator renews it"
                    );
                    let now = self.clock.now();
                    let mut tx = self.store.write().await?;
                    let event = AuditEvent::new(proof.actor().clone(), Kind::ChannelTokenRejected)
                        .target("channel")
                        .detail("waiting_message", item.message_id.get());
                    tx.audit(&event, now).await?;
                    tx.commit().await?;
                }
                Ok(())
            }
        }
    }

    async fn later(
        &self,
        proof: &Authorized<act::DeliverOutbox>,
        item: &OutboxItem,
        at: Timestamp,
        code: Option<i64>,
        counts: bool,
    ) -> Result<()> {
        let mut tx = self.store.write().await?;
        tx.outbox_later(proof, item, at, code, counts, self.clock.now()).await?;
        tx.commit().await
    }

    async fn give_up(
        &self,
        proof: &Authorized<act::DeliverOutbox>,
        item: &OutboxItem,
        code: Option<i64>,
    ) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.outbox_failed(proof, item, code, now).await?;
        let mut event = AuditEvent::new(proof.actor().clone(), Kind::MessageSendFailed)
            .target(format!("message:{}", item.message_id.get()));
        if let Some(code) = code {
            event = event.detail("graph_code", code);
        }
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// The delay before retry number `attempts + 1`: doubling from `retry_base` up to
    /// `retry_cap`, half of it fixed and half random (so that many senders do not retry in step).
    pub(super) fn backoff(&self, attempts: i64) -> Duration {
        let policy = &self.outbox.policy;
        let doubled = policy.retry_base.saturating_mul(1 << attempts.clamp(0, 20));
        let delay = doubled.min(policy.retry_cap);
        let random = u64::from_le_bytes(random_bytes::<8>(self.rng.as_ref()));
        let half = delay / 2;
        let jitter = u64::try_from(half.as_millis()).unwrap_or(u64::MAX).max(1);
        half + Duration::from_millis(random % jitter)
    }

    /// Wakes the sender (new work, or new channel settings) and forgets a token alert.
    pub(super) fn wake_outbox(&self) {
        self.outbox.token_alerted.store(false, Ordering::SeqCst);
        self.outbox.wake.notify_one();
    }

    /// Wakes the channel worker (new media to fetch).
    pub(super) fn wake_worker(&self) {
        self.outbox.wake.notify_one();
    }

    /// Wakes the sender and waits (up to `limit`) until it has dealt with `message` once, so
    /// that the caller usually sees it sent or refused. Returns at once if no sender runs.
    pub(super) async fn await_first_attempt(&self, message: MessageId, limit: Duration) -> Result<()> {
        self.outbox.wake.notify_one();
        if !self.outbox.running.load(Ordering::SeqCst) {
            return Ok(());
        }
        let mut changed = self.outbox.changed.subscribe();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let state = self.store.outbox_state(message).await?;
            let failure = self.store.message_failure(message).await?;
            if !matches!(state.as_deref(), Some("queued" | "sending")) || failure.is_some() {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, changed.changed()).await.is_err() {
                return Ok(());
            }
        }
    }
}
