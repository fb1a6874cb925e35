//! Importing contacts from a CSV file (issue 8 point 5), with a dry run that reports exactly
//! what the real import would do. Rows are checked first ([`crate::domain::import`]); each
//! is placed only in a team where the importer could edit it afterwards (and with labels they
//! could see it under), so an import cannot reach further than the importer's own hands.
//! Numbers that are contacts already are left as they are and listed by line.

use serde::Deserialize;

use super::masking::MASKING_REGION;
use super::views::{ImportProblemView, ImportReportView};
use super::Core;
use crate::audit::{AuditEvent, Kind};
use crate::auth::session::SessionToken;
use crate::authz::{act, decide, Action, Actor, Decision, Placement};
use crate::domain::import::{self, Known, MAX_PROBLEMS};
use crate::domain::{LabelId, TeamId};
use crate::error::{Error, Result};
use crate::store::access::DEFAULT_TEAM;
use crate::store::import::Imported;

/// How a file's consent answers are recorded as given.
const CONSENT_SOURCE: &str = "imported from a contacts file";

/// A contacts file to import.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ImportContactsRequest {
    /// The file's text: a header row, then one contact per line.
    pub csv: String,
    /// Check and count only; nothing is kept.
    #[serde(default)]
    pub dry_run: bool,
    /// The team for rows that name none; the default team when left out.
    #[serde(default)]
    pub team: Option<i64>,
}

impl Core {
    /// Imports (or, with `dry_run`, tries) a contacts file.
    pub async fn import_contacts(
        &self,
        token: &SessionToken,
        request: ImportContactsRequest,
    ) -> Result<ImportReportView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ImportContacts>(&r.actor, ()).await?;
        let teams = self.store.list_teams().await?;
        let fallback = request.team.map_or(DEFAULT_TEAM, TeamId::new);
        if !teams.iter().any(|t| t.id == fallback) {
            return Err(Error::Invalid("there is no such team".to_owned()));
        }
        let labels = self.store.list_labels().await?;
        let now = self.clock.now();
        let known = Known {
            fields: self
                .store
                .list_contact_fields()
                .await?
                .into_iter()
                .map(|f| (f.id, f.name, f.kind))
                .collect(),
            labels: labels.iter().map(|l| (l.id.get(), l.name.clone())).collect(),
            teams: teams.iter().map(|t| (t.id.get(), t.name.clone())).collect(),
            region: self.store.find_setting(MASKING_REGION).await?.and_then(|r| r.parse().ok()),
            today: chrono::DateTime::from_timestamp_millis(now.as_millis()).map(|t| t.date_naive()),
        };
        let sheet = import::read(&request.csv, &known);
        let mut report = ImportReportView {
            dry_run: request.dry_run,
            created: 0,
            existing: 0,
            rejected: sheet.bad_lines,
            problems: sheet
                .problems
                .iter()
                .map(|p| ImportProblemView { line: p.line, message: p.message.clone() })
                .collect(),
        };
        if sheet.refused() {
            return Ok(report);
        }
        let team_name = |id: TeamId| teams.iter().find(|t| t.id == id).map_or("?", |t| t.name.as_str());
        let note = |report: &mut ImportReportView, line: usize, message: String| {
            if report.problems.len() < MAX_PROBLEMS {
                report.problems.push(ImportProblemView { line: Some(line), message });
            }
        };
        let mut tx = self.store.write().await?;
        for row in &sheet.rows {
            let team = row.team.map_or(fallback, TeamId::new);
            let restricted: Vec<LabelId> = row
                .labels
                .iter()
                .map(|l| LabelId::new(*l))
                .filter(|l| labels.iter().any(|k| k.id == *l && k.restricted))
                .collect();
            let placement = Placement { team, assignee: None, restricted_labels: restricted };
            if let Some(refusal) = refusal(&r.actor, &placement, !row.labels.is_empty(), team_name(team)) {
                report.rejected += 1;
                note(&mut report, row.line, refusal);
                continue;
            }
            let by = match &r.actor {
                Actor::User { id, .. } => Some(*id),
                _ => None,
            };
            match tx.import_contact(&proof, row, team, by, CONSENT_SOURCE, now).await? {
                Imported::Created(_) => report.created += 1,
                Imported::Exists => {
                    report.existing += 1;
                    note(
                        &mut report,
                        row.line,
                        "this number is a contact already; it was left as it is".to_owned(),
                    );
                }
            }
        }
        report.problems.sort_by_key(|p| p.line);
        let event = AuditEvent::new(proof.actor().clone(), Kind::ContactsImport)
            .detail("dry_run", request.dry_run)
            .detail("created", report.created)
            .detail("existing", report.existing)
            .detail("rejected", report.rejected);
        if request.dry_run {
            // Everything above is rolled back; the try itself is recorded, since it tells
            // which numbers are contacts already.
            drop(tx);
            let mut tx = self.store.write().await?;
            tx.audit(&event, now).await?;
            return tx.commit().await.map(|()| report);
        }
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(created = report.created, rejected = report.rejected, "contacts imported");
        Ok(report)
    }
}

/// Why `actor` may not place a contact so (`None`: they may): they must be able to edit it
/// there afterwards, and to label it when the row has labels.
fn refusal(actor: &Actor, placement: &Placement, labelled: bool, team: &str) -> Option<String> {
    if decide(actor, Action::EditContact, Some(placement)) != Decision::Allow {
        return Some(if placement.restricted_labels.is_empty() {
            format!("you may not add contacts to {team}")
        } else {
            format!("you may not add contacts to {team} with a restricted label you cannot see")
        });
    }
    (labelled && decide(actor, Action::LabelContact, Some(placement)) != Decision::Allow)
        .then(|| "you may not label contacts".to_owned())
}
