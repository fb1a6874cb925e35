//! Retention of message content and files (issue 11 point 3).
//!
//! Decisions, and why:
//! - The organisation sets how many days message content is kept, and optionally files for
//!   fewer days (photos of IDs and cards are the riskiest thing a store PC holds). Unset means
//!   kept; the audit trail has its own limit ([`super::audit`]).
//! - A legal hold on a contact or one conversation keeps it whole, whatever the limits, until
//!   it is released. Placing one needs a reason; releasing one lets the content go, so it
//!   needs step-up, as shortening the limits does.
//! - The purge runs in the background (every few hours, or now when asked) in batches of
//!   [`BATCH`] rows, each its own transaction with its own audit event and the run's counts,
//!   so the writer is never held for long, the screen shows progress, and a stop mid-run
//!   leaves a true record. One run at a time per process.
//! - The trail records counts, limits and positions, never what was removed.
//! - After a run that removed anything, the search index is compacted, so removed words leave
//!   its pages too; SQLite's `secure_delete` (set on every connection) overwrites freed pages.

use std::sync::Arc;

use serde::Deserialize;

use super::views::{LegalHoldView, RetentionCountsView, RetentionRunView, RetentionView};
use super::Core;
use crate::audit::{AuditEvent, Kind};
use crate::auth::session::SessionToken;
use crate::authz::{act, audit_actor, Actor, AuditActor, Authorized};
use crate::clock::Timestamp;
use crate::domain::{ContactId, ConversationId};
use crate::error::{Error, Result};
use crate::store::retention::{Counts, Cutoffs, HoldTarget, Position, RunRecord, RunTrigger};

/// Setting: days message content is kept (absent: kept).
const MESSAGE_DAYS: &str = "retention.message_days";
/// Setting: days files are kept (absent: as long as the messages).
const MEDIA_DAYS: &str = "retention.media_days";
/// The limits an organisation may set: a day to ten years.
pub const DAYS_RANGE: (i64, i64) = (1, 3650);
/// Rows per batch: small enough that a batch holds the writer for milliseconds.
pub const BATCH: i64 = 500;
/// How many past runs the screen lists.
const RUNS_SHOWN: i64 = 5;
const DAY_MS: i64 = 24 * 3600 * 1000;
/// A hold's reason: enough to find the case again, not a document.
const REASON_MAX: usize = 500;

/// How long message content and files are kept.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
pub struct RetentionRequest {
    /// Days message content is kept (1 to 3650); absent: kept.
    #[serde(default)]
    pub message_days: Option<i64>,
    /// Days files are kept (1 to 3650, at most the messages' days); absent: as long as the
    /// messages.
    #[serde(default)]
    pub media_days: Option<i64>,
}

/// A legal hold to place: on a contact (all their conversations) or on one conversation.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct HoldRequest {
    /// The contact.
    #[serde(default)]
    pub contact_id: Option<i64>,
    /// Or the conversation.
    #[serde(default)]
    pub conversation_id: Option<i64>,
    /// Why (a case or request number, who asked).
    pub reason: String,
}

impl Core {
    /// The retention limits, holds in force, and recent runs (retention permission).
    pub async fn retention(&self, token: &SessionToken) -> Result<RetentionView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageRetention>(&r.actor, ()).await?;
        self.retention_view(&proof).await
    }

    async fn retention_view(&self, proof: &Authorized<act::ManageRetention>) -> Result<RetentionView> {
        let (message_days, media_days) = self.retention_days().await?;
        let runs = self.store.retention_runs(proof, RUNS_SHOWN).await?;
        let running = runs.first().is_some_and(|run| run.state == "running");
        // What a run now would remove; not counted again while one is going (the screen polls).
        let due = if running {
            None
        } else {
            let cutoffs = cutoffs(self.clock.now(), message_days, media_days);
            Some(counts_view(self.store.retention_due(proof, cutoffs).await?))
        };
        Ok(RetentionView {
            message_days,
            media_days,
            days_range: [DAYS_RANGE.0, DAYS_RANGE.1],
            holds: self.store.legal_holds(proof).await?.into_iter().map(LegalHoldView::of).collect(),
            runs: runs.into_iter().map(run_view).collect(),
            due,
            every_hours: super::audit::RETENTION_EVERY.as_secs() / 3600,
        })
    }

    /// Changes the limits (retention permission and step-up: shortening them removes content).
    pub async fn set_retention(
        &self,
        token: &SessionToken,
        request: RetentionRequest,
    ) -> Result<RetentionView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageRetention>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        self.set_retention_as(&proof, request).await?;
        self.retention_view(&proof).await
    }

    /// [`Core::set_retention`] for IT (`countersign retention set`).
    pub async fn operator_set_retention(&self, request: RetentionRequest) -> Result<()> {
        let proof = self.allow::<act::ManageRetention>(&Actor::Operator, ()).await?;
        self.set_retention_as(&proof, request).await
    }

    async fn set_retention_as(
        &self,
        proof: &Authorized<act::ManageRetention>,
        request: RetentionRequest,
    ) -> Result<()> {
        let (low, high) = DAYS_RANGE;
        for days in [request.message_days, request.media_days].into_iter().flatten() {
            if !(low..=high).contains(&days) {
                return Err(Error::Invalid(format!("content is kept for between {low} and {high} days")));
            }
        }
        if let (Some(messages), Some(media)) = (request.message_days, request.media_days) {
            if media > messages {
                return Err(Error::Invalid(format!(
                    "files go with their messages: keep them for at most {messages} days"
                )));
            }
        }
        let before = self.retention_days().await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let text = |days: Option<i64>| days.map(|d| d.to_string());
        tx.set_retention_setting(proof, MESSAGE_DAYS, text(request.message_days).as_deref()).await?;
        tx.set_retention_setting(proof, MEDIA_DAYS, text(request.media_days).as_deref()).await?;
        let shown = |days: Option<i64>| days.map_or_else(|| "kept".to_owned(), |d| d.to_string());
        let event = AuditEvent::new(proof.actor().clone(), Kind::SettingsRetention)
            .detail("message_days_before", shown(before.0))
            .detail("message_days_after", shown(request.message_days))
            .detail("media_days_before", shown(before.1))
            .detail("media_days_after", shown(request.media_days));
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// Places a legal hold (retention permission; a reason is required).
    pub async fn place_legal_hold(
        &self,
        token: &SessionToken,
        request: HoldRequest,
    ) -> Result<RetentionView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageRetention>(&r.actor, ()).await?;
        let target = match (request.contact_id, request.conversation_id) {
            (Some(contact), None) => HoldTarget::Contact(ContactId::new(contact)),
            (None, Some(conversation)) => HoldTarget::Conversation(ConversationId::new(conversation)),
            _ => return Err(Error::Invalid("hold either a contact or one conversation".to_owned())),
        };
        let reason = request.reason.trim();
        if reason.chars().count() < 3 {
            return Err(Error::Invalid("say why the hold is placed (a case or request number)".to_owned()));
        }
        if reason.chars().count() > REASON_MAX {
            return Err(Error::Invalid(format!("the reason is at most {REASON_MAX} characters")));
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let id = tx.place_hold(&proof, target, reason, Some(r.user.id), now).await?.ok_or(Error::NotFound)?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::RetentionHoldPlaced)
            .target(hold_target(target))
            .detail("hold", id)
            .detail("reason", reason);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.retention_view(&proof).await
    }

    /// Releases a legal hold (retention permission and step-up: the content it kept may go at
    /// the next run).
    pub async fn release_legal_hold(&self, token: &SessionToken, id: i64) -> Result<RetentionView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageRetention>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let target = tx.release_hold(&proof, id, Some(r.user.id), now).await?.ok_or(Error::NotFound)?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::RetentionHoldReleased)
            .target(hold_target(target))
            .detail("hold", id);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.retention_view(&proof).await
    }

    /// Starts a purge now, in the background (retention permission); the screen follows its
    /// progress through [`Core::retention`]. Nothing due: nothing starts, and the answer says so.
    pub async fn start_retention_purge(&self, token: &SessionToken) -> Result<RetentionRunView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ManageRetention>(&r.actor, ()).await?;
        let actor = audit_actor(&r.actor);
        let guard = Arc::clone(&self.purging)
            .try_lock_owned()
            .map_err(|_| Error::Conflict("a purge is running already".to_owned()))?;
        let Some((run, cutoffs)) = self.begin_purge(RunTrigger::Manual, actor.clone()).await? else {
            return Err(Error::Invalid(
                "nothing is past the retention limits: there is nothing to remove".to_owned(),
            ));
        };
        let record = self.store.retention_run(run).await?;
        let core = self.clone();
        tokio::spawn(async move {
            let _guard = guard;
            if let Err(e) = core.continue_purge(run, cutoffs, actor, &mut |_| {}).await {
                tracing::error!(error = %e, run, "the retention purge stopped");
            }
        });
        Ok(run_view(record))
    }

    /// Runs a purge to its end at the machine (`countersign retention purge`), telling
    /// `progress` after every batch; `None` when nothing was due.
    pub async fn operator_purge_content(
        &self,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<Option<RunRecord>> {
        self.purge_now(RunTrigger::Operator, AuditActor::Operator, progress).await
    }

    /// Everything past retention, now and every [`super::audit::RETENTION_EVERY`] until
    /// `shutdown`: message content and files, then audit events; and reminders of overdue
    /// access reviews.
    pub async fn run_retention(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.purge_now(RunTrigger::Schedule, AuditActor::System, &mut |_| {}).await {
                tracing::error!(error = %e, "content past retention could not be removed");
            }
            if let Err(e) = self.purge_audit_as(AuditActor::System).await {
                tracing::error!(error = %e, "audit events past retention could not be purged");
            }
            if let Err(e) = self.remind_overdue_reviewers().await {
                tracing::error!(error = %e, "reviewers of overdue access reviews could not be reminded");
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(super::audit::RETENTION_EVERY) => {}
            }
        }
    }

    async fn purge_now(
        &self,
        trigger: RunTrigger,
        actor: AuditActor,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<Option<RunRecord>> {
        let Ok(_guard) = self.purging.try_lock() else {
            return Err(Error::Conflict("a purge is running already".to_owned()));
        };
        let Some((run, cutoffs)) = self.begin_purge(trigger, actor.clone()).await? else {
            return Ok(None);
        };
        self.continue_purge(run, cutoffs, actor, progress).await.map(Some)
    }

    /// Records a run and what it will remove; `None` (and nothing recorded) when nothing is due.
    async fn begin_purge(&self, trigger: RunTrigger, actor: AuditActor) -> Result<Option<(i64, Cutoffs)>> {
        let proof = self.allow::<act::PurgeContent>(&Actor::Operator, ()).await?;
        let (message_days, media_days) = self.retention_days().await?;
        let now = self.clock.now();
        let cutoffs = cutoffs(now, message_days, media_days);
        let due = self.store.retention_due(&proof, cutoffs).await?;
        if due.total() == 0 {
            return Ok(None);
        }
        let mut tx = self.store.write().await?;
        let run = tx.start_retention_run(&proof, trigger, cutoffs, due, now).await?;
        let event = AuditEvent::new(actor, Kind::RetentionRunStarted)
            .detail("run", run)
            .detail("trigger", trigger.as_str())
            .detail("message_days", message_days.map_or_else(|| "kept".to_owned(), |d| d.to_string()))
            .detail("media_days", media_days.map_or_else(|| "kept".to_owned(), |d| d.to_string()))
            .detail("messages_due", due.messages)
            .detail("media_due", due.media)
            .detail("deliveries_due", due.deliveries);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        Ok(Some((run, cutoffs)))
    }

    /// Removes everything due in batches, then closes the run (as `failed` if a batch failed:
    /// what went before stays gone, and the next run takes up the rest).
    async fn continue_purge(
        &self,
        run: i64,
        cutoffs: Cutoffs,
        actor: AuditActor,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<RunRecord> {
        let proof = self.allow::<act::PurgeContent>(&Actor::Operator, ()).await?;
        let outcome = self.purge_batches(&proof, run, cutoffs, &actor, progress).await;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let state = if outcome.is_ok() { "finished" } else { "failed" };
        tx.finish_retention_run(&proof, run, state, now).await?;
        let record = self.store.retention_run(run).await?;
        let mut event = AuditEvent::new(actor, Kind::RetentionRunFinished)
            .detail("run", run)
            .detail("state", state)
            .detail("messages", record.done.messages)
            .detail("media", record.done.media)
            .detail("deliveries", record.done.deliveries);
        if let Err(e) = &outcome {
            let code = serde_json::to_value(e.code()).ok().and_then(|v| v.as_str().map(str::to_owned));
            event = event.detail("error", code.unwrap_or_default());
        }
        tx.audit(&event, now).await?;
        tx.commit().await?;
        let record = self.store.retention_run(run).await?;
        tracing::info!(
            run,
            state,
            messages = record.done.messages,
            media = record.done.media,
            deliveries = record.done.deliveries,
            "retention purge ended"
        );
        progress(&record);
        outcome.map(|()| record)
    }

    async fn purge_batches(
        &self,
        proof: &Authorized<act::PurgeContent>,
        run: i64,
        cutoffs: Cutoffs,
        actor: &AuditActor,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<()> {
        for (what, cutoff) in
            [("messages", cutoffs.messages), ("media", cutoffs.media), ("deliveries", cutoffs.messages)]
        {
            let Some(cutoff) = cutoff else { continue };
            let mut after = Position::START;
            loop {
                let now = self.clock.now();
                let mut tx = self.store.write().await?;
                let (reached, done) = match what {
                    "messages" => tx.purge_message_batch(proof, run, cutoff, after, BATCH, now).await?,
                    "media" => tx.purge_media_batch(proof, run, cutoff, after, BATCH, now).await?,
                    _ => tx.purge_delivery_batch(proof, run, cutoff, after, BATCH, now).await?,
                };
                let Some(reached) = reached else { break };
                let event = AuditEvent::new(actor.clone(), Kind::RetentionPurged)
                    .detail("run", run)
                    .detail("messages", done.messages)
                    .detail("media", done.media)
                    .detail("deliveries", done.deliveries);
                tx.audit(&event, now).await?;
                tx.commit().await?;
                after = reached;
                progress(&self.store.retention_run(run).await?);
                // Let other writers (webhooks, replies) in between batches.
                tokio::task::yield_now().await;
            }
        }
        let mut tx = self.store.write().await?;
        tx.compact_search_index(proof).await?;
        tx.commit().await
    }

    /// The organisation's limits: (message days, file days).
    async fn retention_days(&self) -> Result<(Option<i64>, Option<i64>)> {
        let read = |value: Option<String>| value.and_then(|v| v.parse::<i64>().ok());
        Ok((
            read(self.store.find_setting(MESSAGE_DAYS).await?),
            read(self.store.find_setting(MEDIA_DAYS).await?),
        ))
    }
}

/// The cutoffs at `now`: files go at the sooner of their own limit and their messages'.
fn cutoffs(now: Timestamp, message_days: Option<i64>, media_days: Option<i64>) -> Cutoffs {
    let before = |days: i64| Timestamp::from_millis(now.as_millis() - days * DAY_MS);
    let media = match (message_days, media_days) {
        (Some(m), Some(f)) => Some(m.min(f)),
        (m, f) => m.or(f),
    };
    Cutoffs { messages: message_days.map(before), media: media.map(before) }
}

fn hold_target(target: HoldTarget) -> String {
    match target {
        HoldTarget::Contact(id) => format!("contact:{}", id.get()),
        HoldTarget::Conversation(id) => format!("conversation:{}", id.get()),
    }
}

fn counts_view(c: Counts) -> RetentionCountsView {
    RetentionCountsView { messages: c.messages, media: c.media, deliveries: c.deliveries }
}

fn run_view(run: RunRecord) -> RetentionRunView {
    let (due, done) = (run.due.total(), run.done.total());
    RetentionRunView {
        id: run.id,
        trigger: run.trigger,
        state: run.state,
        started_at: run.started_at.as_millis(),
        finished_at: run.finished_at.map(Timestamp::as_millis),
        due: counts_view(run.due),
        done: counts_view(run.done),
        percent: (done.min(due) * 100).checked_div(due).map_or(100, |p| u8::try_from(p).unwrap_or(100)),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::nothing_set(None, None, None, None)]
    #[case::messages_only(Some(30), None, Some(30), Some(30))]
    #[case::media_sooner(Some(30), Some(7), Some(30), Some(7))]
    #[case::media_only(None, Some(7), None, Some(7))]
    fn files_go_at_the_sooner_limit(
        #[case] messages: Option<i64>,
        #[case] media: Option<i64>,
        #[case] message_cutoff_days: Option<i64>,
        #[case] media_cutoff_days: Option<i64>,
    ) {
        let now = Timestamp::from_millis(1_000 * DAY_MS);
        let at = |days: Option<i64>| days.map(|d| Timestamp::from_millis((1_000 - d) * DAY_MS));
        assert_eq!(
            cutoffs(now, messages, media),
            Cutoffs { messages: at(message_cutoff_days), media: at(media_cutoff_days) }
        );
    }
}
