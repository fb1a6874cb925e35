//! Reading the audit trail: the viewer's search and the export (issue 7, points 4 and 5).
//!
//! Decisions, and why:
//! - Pages are cut by position (keyset), newest first, each filter an index range, so the
//!   millionth event costs what the first does; offsets are never used.
//! - Searching the trail is itself an event (`audit.viewed`), once per search rather than per
//!   page, with the filter used; exporting is `audit.exported`, with its filter and format,
//!   committed *before* any event leaves, so no export is ever unrecorded.
//! - An export needs a recent second factor (step-up), as other data leaving in bulk does; IT
//!   at the machine (the CLI) holds the data key and needs none.
//! - CSV cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) get a
//!   leading `'` (OWASP's advice for CSV injection): details can hold words staff typed.

use std::collections::HashMap;
use std::io::Write;

use serde::Deserialize;

use super::views::{
    AlertView, AlertsView, AuditEventView, AuditKindView, AuditPageView, AuditPurgeView, AuditRetentionView,
};
use super::Core;
use crate::audit::{AuditEvent, AuditRecord, Kind, Risk, PURGED_THROUGH};
use crate::auth::session::SessionToken;
use crate::authz::{act, Actor, AuditActor};
use crate::clock::Timestamp;
use crate::domain::Username;
use crate::error::{Error, Result};
use crate::store::audit::{AuditCursor, AuditFilter};

/// How many events a page holds unless asked otherwise, and at most.
pub const PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;
/// How many events an export reads at a time.
const EXPORT_PAGE: i64 = 5_000;

/// Setting: days the audit trail is kept.
const AUDIT_RETENTION_DAYS: &str = "audit.retention_days";
/// Default: a year, whatever messages are kept for.
pub const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 365;
/// The shortest and longest retention an organisation may set: a month (so a review cycle
/// always has its evidence) to ten years.
const AUDIT_RETENTION_RANGE: (i64, i64) = (30, 3650);
/// How many open alerts the list shows.
const ALERTS_SHOWN: i64 = 50;
/// How often the app looks for events past retention.
pub const RETENTION_EVERY: std::time::Duration = std::time::Duration::from_secs(6 * 3600);
const DAY_MS: i64 = 24 * 3600 * 1000;

/// A change of how long the trail is kept.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AuditRetentionRequest {
    /// Days to keep events for (30 to 3650).
    pub days: i64,
}

/// A search of the trail. Every part is optional; all given must hold.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditSearch {
    /// Who: a user name, or `user:12`, `operator:cli`, `system:webhook`, `anonymous`.
    #[serde(default)]
    pub actor: Option<String>,
    /// What, as stored: `session.login` (the kinds are listed by `GET /api/v1/audit/kinds`).
    #[serde(default)]
    pub action: Option<String>,
    /// On what, exactly: `conversation:4`, `user:12`.
    #[serde(default)]
    pub target: Option<String>,
    /// At least this risk: `low`, `medium` or `high`.
    #[serde(default)]
    pub risk: Option<String>,
    /// From this time (ms since the epoch, inclusive).
    #[serde(default)]
    pub from: Option<i64>,
    /// Until this time (ms since the epoch, exclusive).
    #[serde(default)]
    pub until: Option<i64>,
}

/// A page of a search.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditPageRequest {
    /// The search.
    #[serde(flatten)]
    pub search: AuditSearch,
    /// Which page.
    #[serde(flatten)]
    pub page: AuditPageAt,
}

/// Which page of a search.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditPageAt {
    /// The page after this one: the `next_before` of the page before (none for the newest).
    #[serde(default)]
    pub before: Option<i64>,
    /// How many events (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Comma-separated values with a header row (for spreadsheets).
    Csv,
    /// One JSON object per line (for log tools).
    Jsonl,
}

impl ExportFormat {
    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Jsonl => "application/x-ndjson",
        }
    }
    /// Its file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
        }
    }
}

/// An export of the events a search finds, oldest first.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AuditExportRequest {
    /// Which events.
    #[serde(default)]
    pub search: AuditSearch,
    /// `csv` or `jsonl`.
    pub format: ExportFormat,
}

impl Core {
    /// A page of the trail, newest first, for those with audit permission.
    pub async fn audit_events(
        &self,
        token: &SessionToken,
        request: AuditPageRequest,
    ) -> Result<AuditPageView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ViewAudit>(&r.actor, ()).await?;
        let filter = self.audit_filter(&request.search).await?;
        let limit = request.page.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
        if request.page.before.is_none() {
            let event = described(AuditEvent::new(proof.actor().clone(), Kind::AuditViewed), &filter);
            let mut tx = self.store.write().await?;
            tx.audit(&event, self.clock.now()).await?;
            tx.commit().await?;
        }
        let cursor = AuditCursor::Before(request.page.before.unwrap_or(i64::MAX));
        let records = self.store.audit_page(&proof, &filter, cursor, i64::from(limit) + 1).await?;
        let names = self.user_names().await?;
        let more = records.len() > limit as usize;
        let events: Vec<AuditEventView> =
            records.into_iter().take(limit as usize).map(|r| AuditEventView::of(r, &names)).collect();
        let next_before = if more { events.last().map(|e| e.seq) } else { None };
        Ok(AuditPageView { events, next_before })
    }

    /// The kinds of event the trail records, for the viewer's action filter.
    pub async fn audit_kinds(&self, token: &SessionToken) -> Result<Vec<AuditKindView>> {
        let r = self.resolve(token).await?;
        self.allow::<act::ViewAudit>(&r.actor, ()).await?;
        Ok(AuditKindView::all())
    }

    /// Writes the events `request` finds to `out`, oldest first, after recording the export
    /// (step-up required). Returns how many were written.
    pub async fn export_audit(
        &self,
        token: &SessionToken,
        request: &AuditExportRequest,
        out: &mut (dyn Write + Send),
    ) -> Result<u64> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ExportAudit>(&r.actor, ()).await?;
        self.exports_allowed()?;
        self.require_step_up(&r).await?;
        self.export_audit_as(&proof, request, out).await
    }

    /// [`Core::export_audit`] for IT at the machine (`countersign audit export`).
    pub async fn operator_export_audit(
        &self,
        request: &AuditExportRequest,
        out: &mut (dyn Write + Send),
    ) -> Result<u64> {
        let proof = self.allow::<act::ExportAudit>(&Actor::Operator, ()).await?;
        self.exports_allowed()?;
        self.export_audit_as(&proof, request, out).await
    }

    async fn export_audit_as(
        &self,
        proof: &crate::authz::Authorized<act::ExportAudit>,
        request: &AuditExportRequest,
        out: &mut (dyn Write + Send),
    ) -> Result<u64> {
        let filter = self.audit_filter(&request.search).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let mut event = described(AuditEvent::new(proof.actor().clone(), Kind::AuditExported), &filter);
        event = event.detail("format", request.format.extension());
        tx.audit(&event, now).await?;
        tx.commit().await?;
        let names = self.user_names().await?;
        let mut writer = ExportWriter::new(request.format, out);
        writer.header()?;
        let mut after = 0;
        loop {
            let page = self.store.audit_page(proof, &filter, AuditCursor::After(after), EXPORT_PAGE).await?;
            for record in &page {
                writer.row(record, &names)?;
                after = record.seq;
            }
            if (page.len() as i64) < EXPORT_PAGE {
                break;
            }
        }
        writer.finish()
    }

    /// The store's filter for `search`, with a user name turned into its id. An unknown name or
    /// risk level is an error that says which, rather than an empty page that looks like "no
    /// activity".
    async fn audit_filter(&self, search: &AuditSearch) -> Result<AuditFilter> {
        let trimmed =
            |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let actor = match trimmed(&search.actor) {
            None => None,
            Some(a) if is_actor_label(&a) => Some(a),
            Some(name) => {
                let user = match Username::parse(&name) {
                    Ok(parsed) => self.store.find_user_by_name(&parsed).await?,
                    Err(_) => None,
                };
                let user = user.ok_or_else(|| Error::Invalid("no user has that name".to_owned()))?;
                Some(format!("user:{}", user.id.get()))
            }
        };
        let min_risk = match trimmed(&search.risk) {
            None => None,
            Some(text) => Some(
                Risk::parse(&text)
                    .ok_or_else(|| Error::Invalid("risk must be low, medium or high".to_owned()))?,
            ),
        };
        let action = trimmed(&search.action);
        if let Some(action) = &action {
            if Kind::from_name(action).is_none() {
                return Err(Error::Invalid("that is not a kind of audit event".to_owned()));
            }
        }
        if let (Some(from), Some(until)) = (search.from, search.until) {
            if from >= until {
                return Err(Error::Invalid("the start of the time range must be before its end".to_owned()));
            }
        }
        Ok(AuditFilter {
            actor,
            action,
            target: trimmed(&search.target),
            min_risk,
            from: search.from.map(Timestamp::from_millis),
            until: search.until.map(Timestamp::from_millis),
        })
    }

    /// The alerts about unusual activity nobody has acknowledged, newest first (those with
    /// audit permission; reading them is not itself recorded, as the app asks every minute).
    pub async fn security_alerts(&self, token: &SessionToken) -> Result<AlertsView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ViewAudit>(&r.actor, ()).await?;
        let (records, open) = self.store.open_alerts(&proof, ALERTS_SHOWN).await?;
        let names = self.user_names().await?;
        Ok(AlertsView { open, alerts: records.into_iter().map(|r| AlertView::of(r, &names)).collect() })
    }

    /// Marks alert `seq` as looked at; it leaves everyone's list. Unknown or already
    /// acknowledged: not found.
    pub async fn acknowledge_alert(&self, token: &SessionToken, seq: i64) -> Result<()> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::AcknowledgeAlert>(&r.actor, ()).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let by = proof.actor().user_id().map(|id| id.get());
        if !tx.acknowledge_alert(&proof, seq, by, now).await? {
            return Err(Error::NotFound);
        }
        let event = AuditEvent::new(proof.actor().clone(), Kind::AuditAlertAcknowledged)
            .target(format!("audit:{seq}"));
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// How long the trail is kept (those with audit permission).
    pub async fn audit_retention(&self, token: &SessionToken) -> Result<AuditRetentionView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ViewAudit>(&r.actor, ()).await?;
        let may_change = crate::authz::authorize::<act::ManageRetention>(&r.actor, ()).is_ok();
        Ok(AuditRetentionView {
            days: self.audit_retention_days().await?,
            oldest_at: self.store.oldest_audit_event(&proof).await?.map(Timestamp::as_millis),
            may_change,
        })
    }

    /// Changes how long the trail is kept (retention permission, which only owners hold by
    /// default, and step-up: shortening it removes evidence).
    pub async fn set_audit_retention(
        &self,
        token: &SessionToken,
        request: AuditRetentionRequest,
    ) -> Result<AuditRetentionView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageRetention>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        self.set_audit_retention_as(&proof, request.days).await?;
        self.audit_retention(token).await
    }

    /// [`Core::set_audit_retention`] for IT (`countersign audit retention`).
    pub async fn operator_set_audit_retention(&self, days: i64) -> Result<()> {
        let proof = self.allow::<act::ManageRetention>(&Actor::Operator, ()).await?;
        self.set_audit_retention_as(&proof, days).await
    }

    async fn set_audit_retention_as(
        &self,
        proof: &crate::authz::Authorized<act::ManageRetention>,
        days: i64,
    ) -> Result<()> {
        let (low, high) = AUDIT_RETENTION_RANGE;
        if !(low..=high).contains(&days) {
            return Err(Error::Invalid(format!("the audit trail is kept for between {low} and {high} days")));
        }
        let before = self.audit_retention_days().await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.set_retention_setting(proof, AUDIT_RETENTION_DAYS, Some(&days.to_string())).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::SettingsAuditRetention)
            .detail("before_days", before)
            .detail("after_days", days);
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// Days the trail is kept.
    async fn audit_retention_days(&self) -> Result<i64> {
        Ok(self
            .store
            .find_setting(AUDIT_RETENTION_DAYS)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_AUDIT_RETENTION_DAYS))
    }

    /// Purges the events older than the retention period, up to the newest signed checkpoint
    /// among them, so a checkpoint covers what went (`countersign audit purge`; the app does
    /// it by itself every few hours). The whole trail is verified first: a purge never removes
    /// the evidence of tampering. The purge is an event naming the last position purged.
    pub async fn operator_purge_audit(&self) -> Result<AuditPurgeView> {
        self.purge_audit_as(AuditActor::Operator).await
    }

    pub(super) async fn purge_audit_as(&self, actor: AuditActor) -> Result<AuditPurgeView> {
        let proof = self.allow::<act::PurgeAudit>(&Actor::Operator, ()).await?;
        let days = self.audit_retention_days().await?;
        let before = Timestamp::from_millis(self.clock.now().as_millis() - days * DAY_MS);
        let Some(through) = self.store.audit_purge_boundary(&proof, before).await? else {
            return Ok(AuditPurgeView { purged: 0, through: None });
        };
        let verifying = self.allow::<act::VerifyAudit>(&Actor::Operator, ()).await?;
        if let Err(broken) = self.store.verify_audit(&verifying, &[]).await? {
            return Err(Error::Conflict(format!(
                "nothing was purged: the audit trail does not verify ({broken}); keep this database as evidence"
            )));
        }
        let mut tx = self.store.write().await?;
        let purged = tx.purge_audit(&proof, through).await?;
        let event = AuditEvent::new(actor, Kind::AuditPurged)
            .detail(PURGED_THROUGH, through)
            .detail("events", purged)
            .detail("older_than_days", days);
        tx.audit(&event, self.clock.now()).await?;
        tx.commit().await?;
        tracing::info!(purged, through, days, "audit events past retention purged");
        Ok(AuditPurgeView { purged, through: Some(through) })
    }

    pub(super) async fn user_names(&self) -> Result<HashMap<i64, String>> {
        Ok(self.store.list_users().await?.into_iter().map(|u| (u.id.get(), u.username)).collect())
    }
}

/// The alert for a change by `actor` that gives someone or some role more than before.
pub(super) fn escalation_alert(actor: &AuditActor, before: &str, after: &str) -> AuditEvent {
    AuditEvent::new(actor.clone(), Kind::AuditAlert).detail("before", before).detail("after", after)
}

/// Whether `text` is an actor as stored rather than a user name.
fn is_actor_label(text: &str) -> bool {
    matches!(text, "operator:cli" | "system:webhook" | "system:retention" | "system:sso" | "anonymous")
        || text.strip_prefix("user:").is_some_and(|id| id.parse::<i64>().is_ok())
}

/// `event` with the parts of `filter` that were used (ids and names of kinds only).
fn described(mut event: AuditEvent, filter: &AuditFilter) -> AuditEvent {
    let parts = [
        ("actor", filter.actor.clone()),
        ("action", filter.action.clone()),
        ("target", filter.target.clone()),
        ("risk", filter.min_risk.map(|r| r.as_str().to_owned())),
        ("from", filter.from.map(|t| t.as_millis().to_string())),
        ("until", filter.until.map(|t| t.as_millis().to_string())),
    ];
    for (key, value) in parts {
        if let Some(value) = value {
            event = event.detail(key, value);
        }
    }
    event
}

/// The columns of an export, in order.
const COLUMNS: [&str; 12] = [
    "seq", "time", "actor_id", "actor", "action", "summary", "outcome", "risk", "target", "origin", "device",
    "detail",
];

/// Writes export rows as CSV or JSON Lines.
struct ExportWriter<'a> {
    format: ExportFormat,
    csv: Option<csv::Writer<&'a mut (dyn Write + Send)>>,
    out: Option<&'a mut (dyn Write + Send)>,
    written: u64,
}

impl<'a> ExportWriter<'a> {
    fn new(format: ExportFormat, out: &'a mut (dyn Write + Send)) -> Self {
        match format {
            ExportFormat::Csv => {
                Self { format, csv: Some(csv::Writer::from_writer(out)), out: None, written: 0 }
            }
            ExportFormat::Jsonl => Self { format, csv: None, out: Some(out), written: 0 },
        }
    }

    fn header(&mut self) -> Result<()> {
        if let Some(csv) = &mut self.csv {
            csv.write_record(COLUMNS).map_err(write_failed)?;
        }
        Ok(())
    }

    fn row(&mut self, record: &AuditRecord, names: &HashMap<i64, String>) -> Result<()> {
        let view = AuditEventView::of(record.clone(), names);
        let time = Timestamp::from_millis(view.at).rfc3339();
        let detail = record.detail.clone();
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let cells = [
            view.seq.to_string(),
            time,
            view.actor_id.clone(),
            view.actor.clone(),
            view.action.clone(),
            view.summary.clone(),
            opt(&view.outcome),
            opt(&view.risk),
            opt(&view.target),
            opt(&view.origin),
            opt(&view.device),
            detail,
        ];
        match self.format {
            ExportFormat::Csv => {
                let csv = self.csv.as_mut().ok_or_else(|| Error::Internal("no csv writer".to_owned()))?;
                csv.write_record(cells.iter().map(|c| defused(c).into_owned())).map_err(write_failed)?;
            }
            ExportFormat::Jsonl => {
                let out = self.out.as_mut().ok_or_else(|| Error::Internal("no writer".to_owned()))?;
                let object: serde_json::Map<String, serde_json::Value> = COLUMNS
                    .iter()
                    .zip(cells)
                    .map(|(k, v)| {
                        let value = match *k {
                            "seq" => serde_json::Value::from(view.seq),
                            "detail" => serde_json::to_value(&view.detail).unwrap_or_default(),
                            _ => serde_json::Value::from(v),
                        };
                        ((*k).to_owned(), value)
                    })
                    .collect();
                serde_json::to_writer(&mut *out, &object).map_err(|e| Error::Internal(e.to_string()))?;
                out.write_all(b"\n").map_err(io_failed)?;
            }
        }
        self.written += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<u64> {
        if let Some(csv) = &mut self.csv {
            csv.flush().map_err(io_failed)?;
        }
        if let Some(out) = &mut self.out {
            out.flush().map_err(io_failed)?;
        }
        Ok(self.written)
    }
}

/// A cell a spreadsheet would not run as a formula.
pub(super) fn defused(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

fn write_failed(e: csv::Error) -> Error {
    Error::Internal(format!("could not write the export: {e}"))
}

fn io_failed(e: std::io::Error) -> Error {
    Error::Internal(format!("could not write the export: {}", e.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case::formula("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")")]
    #[case::plus("+1 555", "'+1 555")]
    #[case::minus("-2", "'-2")]
    #[case::at("@SUM(A1)", "'@SUM(A1)")]
    #[case::plain("session.login", "session.login")]
    #[case::empty("", "")]
    fn spreadsheet_formulas_are_defused(#[case] cell: &str, #[case] written: &str) {
        assert_eq!(defused(cell), written);
    }

    #[rstest::rstest]
    #[case("user:12", true)]
    #[case("operator:cli", true)]
    #[case("anonymous", true)]
    #[case("user:mia", false)]
    #[case("mia", false)]
    fn actor_labels_are_told_from_user_names(#[case] text: &str, #[case] label: bool) {
        assert_eq!(is_actor_label(text), label);
    }
}
