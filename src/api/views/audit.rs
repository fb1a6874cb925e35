//! Views of the audit trail (issue 7, points 4 and 5).

use std::collections::HashMap;

use serde::Serialize;

use crate::audit::{AuditRecord, Kind};

/// One audit event as the viewer shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditEventView {
    /// Its position in the chain, from 1.
    pub seq: i64,
    /// When (ms since the epoch).
    pub at: i64,
    /// Who, for people: a user name, `IT (command line)`, `WhatsApp webhook` or `not signed in`.
    pub actor: String,
    /// Who, as stored (`user:12`): what the actor filter takes.
    pub actor_id: String,
    /// What, as stored (`session.login`): what the action filter takes.
    pub action: String,
    /// What it means ("Signed in").
    pub summary: String,
    /// On what (`conversation:4`): what the target filter takes.
    pub target: Option<String>,
    /// `success`, `failure` or `denied` (none for events from before outcomes were recorded).
    pub outcome: Option<String>,
    /// `low`, `medium` or `high` (likewise).
    pub risk: Option<String>,
    /// The IP address, or `this PC`, it came from.
    pub origin: Option<String>,
    /// The device it came from.
    pub device: Option<String>,
    /// Its further facts, in order (ids, counts, reasons with personal data masked).
    pub detail: Vec<AuditDetailView>,
}

/// One fact of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditDetailView {
    /// Its name.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// A page of the trail, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditPageView {
    /// The events.
    pub events: Vec<AuditEventView>,
    /// Pass as `before` for the next (older) page; none at the end of the trail.
    pub next_before: Option<i64>,
}

/// Where an export from the desktop app went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditExportedView {
    /// The file written.
    pub file: String,
    /// How many events it holds.
    pub events: u64,
}

/// One kind of event the trail records, for the viewer's action filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditKindView {
    /// As stored (`session.login`).
    pub action: String,
    /// What it means.
    pub summary: String,
    /// `low`, `medium` or `high`.
    pub risk: String,
}

impl AuditKindView {
    /// Every kind, in the catalog's order.
    pub fn all() -> Vec<Self> {
        Kind::ALL
            .iter()
            .map(|k| Self {
                action: k.name().to_owned(),
                summary: k.label().to_owned(),
                risk: k.risk().as_str().to_owned(),
            })
            .collect()
    }
}

/// An alert about unusual activity that nobody has acknowledged yet.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    /// The rule that raised it (`many_reveals`, `repeated_denials`, `permission_escalation`,
    /// `privileged_login_new_network`, `many_exports`).
    pub rule: String,
    /// What it means.
    pub label: String,
    /// Its event in the trail (who, when, from where, the counts).
    pub event: AuditEventView,
}

/// The open alerts, for administrators and auditors.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertsView {
    /// How many are open in all.
    pub open: i64,
    /// The newest of them.
    pub alerts: Vec<AlertView>,
}

/// How long the trail is kept.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRetentionView {
    /// Events older than this many days are purged (a signed checkpoint covers them).
    pub days: i64,
    /// When the oldest event left happened (ms since the epoch).
    pub oldest_at: Option<i64>,
    /// Whether the caller may change `days`.
    pub may_change: bool,
}

/// What a purge did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditPurgeView {
    /// Events purged.
    pub purged: u64,
    /// The last position purged (none when nothing was old enough).
    pub through: Option<i64>,
}

impl AlertView {
    /// The view of alert `record`, naming users from `names`.
    pub fn of(record: AuditRecord, names: &HashMap<i64, String>) -> Self {
        let rule = crate::audit::detail_value(&record.detail, "rule").unwrap_or_default().to_owned();
        let label =
            crate::audit::alerts::Rule::parse(&rule).map_or("Unusual activity", |r| r.label()).to_owned();
        Self { rule, label, event: AuditEventView::of(record, names) }
    }
}

impl AuditEventView {
    /// The view of `record`, naming users from `names` (id → user name).
    pub fn of(record: AuditRecord, names: &HashMap<i64, String>) -> Self {
        let actor = actor_name(&record.actor, names);
        let summary =
            Kind::from_name(&record.action).map_or_else(|| record.action.clone(), |k| k.label().to_owned());
        let detail = split_detail(&record.detail);
        Self {
            seq: record.seq,
            at: record.occurred_at.as_millis(),
            actor,
            actor_id: record.actor,
            action: record.action,
            summary,
            target: record.target,
            outcome: record.outcome,
            risk: record.risk,
            origin: record.origin,
            device: record.device,
            detail,
        }
    }
}

fn actor_name(stored: &str, names: &HashMap<i64, String>) -> String {
    match stored {
        "operator:cli" => "IT (command line)".to_owned(),
        "system:webhook" => "WhatsApp webhook".to_owned(),
        "system:retention" => "Countersign (retention)".to_owned(),
        "system:sso" => "Single sign-on".to_owned(),
        "anonymous" => "not signed in".to_owned(),
        other => other
            .strip_prefix("user:")
            .and_then(|id| id.parse().ok())
            .and_then(|id: i64| names.get(&id).cloned())
            .unwrap_or_else(|| other.to_owned()),
    }
}

/// `k=v;k=v` as stored, into its pairs (a value may hold `=`; a part without one is kept).
fn split_detail(text: &str) -> Vec<AuditDetailView> {
    text.split(';')
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((key, value)) => AuditDetailView { key: key.to_owned(), value: value.to_owned() },
            None => AuditDetailView { key: String::new(), value: part.to_owned() },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case::empty("", &[])]
    #[case::pairs("role=agent;count=2", &[("role", "agent"), ("count", "2")])]
    #[case::equals_in_value("reason=a=b", &[("reason", "a=b")])]
    #[case::bare("oops", &[("", "oops")])]
    fn details_split_into_their_facts(#[case] text: &str, #[case] expected: &[(&str, &str)]) {
        let got: Vec<(String, String)> = split_detail(text).into_iter().map(|d| (d.key, d.value)).collect();
        let expected: Vec<(String, String)> =
            expected.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(got, expected);
    }

    #[rstest::rstest]
    #[case::a_user("user:3", "mia")]
    #[case::a_user_since_removed("user:99", "user:99")]
    #[case::it("operator:cli", "IT (command line)")]
    #[case::nobody("anonymous", "not signed in")]
    fn actors_are_named_for_people(#[case] stored: &str, #[case] shown: &str) {
        let names = HashMap::from([(3, "mia".to_owned())]);
        assert_eq!(actor_name(stored, &names), shown);
    }
}
