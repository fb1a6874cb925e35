//! Routing rules, their versions, the default team, and what routing does to a conversation.

use sqlx::Row;

use super::{Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::{ContactId, ConversationId, LabelId, Priority, TeamId, UserId};
use crate::error::{Error, Result};
use crate::routing::AgentPick;

/// The setting that names the team unrouted chats go to.
pub const DEFAULT_TEAM_SETTING: &str = "routing.default_team";

/// A stored rule as the admin screen lists it.
#[derive(Debug, Clone)]
pub struct RuleRecord {
    /// Its id.
    pub id: i64,
    /// Its place in the order (lower first).
    pub position: i64,
    /// Its version.
    pub version: i64,
    /// The rule as saved (JSON).
    pub spec: String,
    /// Who saved this version.
    pub updated_by: Option<String>,
    /// When.
    pub updated_at: Timestamp,
}

/// What routing needs to know of a conversation.
#[derive(Debug, Clone)]
pub struct RoutingFacts {
    /// Routed before (by a rule, the default team or a person).
    pub placed: bool,
    /// Its contact.
    pub contact: ContactId,
    /// The labels on its contact.
    pub labels: Vec<LabelId>,
    /// Its contact's values of fields without a sensitivity class (when asked for).
    pub fields: Vec<(i64, String)>,
}

const RULE_SELECT: &str = "SELECT r.id, r.position, r.version, r.spec, u.username AS updated_by, r.updated_at
     FROM routing_rules r LEFT JOIN users u ON u.id = r.updated_by";

fn rule_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<RuleRecord> {
    Ok(RuleRecord {
        id: r.try_get("id")?,
        position: r.try_get("position")?,
        version: r.try_get("version")?,
        spec: r.try_get("spec")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: Timestamp::from_millis(r.try_get("updated_at")?),
    })
}

impl Store {
    /// The rules, in order.
    pub async fn routing_rules(&self) -> Result<Vec<RuleRecord>> {
        let rows =
            sqlx::query(&format!("{RULE_SELECT} ORDER BY r.position, r.id")).fetch_all(self.read()).await?;
        rows.iter().map(rule_from_row).collect()
    }

    /// The team unrouted chats go to, if one was chosen.
    pub async fn default_team(&self) -> Result<Option<TeamId>> {
        Ok(self.find_setting(DEFAULT_TEAM_SETTING).await?.and_then(|v| v.parse().ok()).map(TeamId::new))
    }
}

impl WriteTx {
    /// Saves rule `id` (or a new one) at `position` as a new version; returns its id, version
    /// and the rule it replaced.
    pub async fn save_rule(
        &mut self,
        _proof: &Authorized<act::EditRouting>,
        id: Option<i64>,
        position: i64,
        spec: &str,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<(i64, i64, Option<String>)> {
        let (id, version, before) = match id {
            Some(id) => {
                let row = sqlx::query("SELECT version, spec FROM routing_rules WHERE id = ?")
                    .bind(id)
                    .fetch_optional(self.conn())
                    .await?
                    .ok_or(Error::NotFound)?;
                let version: i64 = row.try_get("version")?;
                sqlx::query(
                    "UPDATE routing_rules SET position = ?, enabled = ?, spec = ?, version = ?, updated_by = ?, updated_at = ?
                     WHERE id = ?",
                )
                .bind(position)
                .bind(enabled(spec))
                .bind(spec)
                .bind(version + 1)
                .bind(by.map(UserId::get))
                .bind(now.as_millis())
                .bind(id)
                .execute(self.conn())
                .await?;
                (id, version + 1, Some(row.try_get("spec")?))
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO routing_rules (position, enabled, spec, version, updated_by, updated_at)
                     VALUES (?, ?, ?, 1, ?, ?) RETURNING id",
                )
                .bind(position)
                .bind(enabled(spec))
                .bind(spec)
                .bind(by.map(UserId::get))
                .bind(now.as_millis())
                .fetch_one(self.conn())
                .await?;
                (id, 1, None)
            }
        };
        self.keep_version(id, version, Some(spec), by, now).await?;
        Ok((id, version, before))
    }

    /// Deletes rule `id`; returns what it said.
    pub async fn delete_rule(
        &mut self,
        _proof: &Authorized<act::EditRouting>,
        id: i64,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<(i64, String)> {
        let row = sqlx::query("DELETE FROM routing_rules WHERE id = ? RETURNING version, spec")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(Error::NotFound)?;
        let version: i64 = row.try_get("version")?;
        self.keep_version(id, version + 1, None, by, now).await?;
        Ok((version + 1, row.try_get("spec")?))
    }

    async fn keep_version(
        &mut self,
        rule: i64,
        version: i64,
        spec: Option<&str>,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO routing_rule_versions (rule_id, version, spec, saved_by, saved_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(rule)
        .bind(version)
        .bind(spec)
        .bind(by.map(UserId::get))
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Chooses the team unrouted chats go to (`None`: each stays with its contact's team).
    pub async fn set_default_team(
        &mut self,
        _proof: &Authorized<act::EditRouting>,
        team: Option<TeamId>,
    ) -> Result<()> {
        let value = team.map(|t| t.get().to_string());
        self.put_setting(DEFAULT_TEAM_SETTING, value.as_deref()).await
    }

    /// Whether `team` exists, as this transaction sees it.
    pub async fn team_exists(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        team: TeamId,
    ) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE id = ?")
            .bind(team.get())
            .fetch_optional(self.conn())
            .await?;
        Ok(found.is_some())
    }

    /// What routing needs to know of `conversation`, as this transaction sees it; with
    /// `fields`, the contact's custom fields a rule may look at, too.
    pub async fn routing_facts(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        conversation: ConversationId,
        fields: bool,
    ) -> Result<RoutingFacts> {
        let row = sqlx::query("SELECT routed_at, contact_id FROM conversations WHERE id = ?")
            .bind(conversation.get())
            .fetch_one(self.conn())
            .await?;
        let contact: i64 = row.try_get("contact_id")?;
        let labels: Vec<i64> = sqlx::query_scalar("SELECT label_id FROM contact_labels WHERE contact_id = ?")
            .bind(contact)
            .fetch_all(self.conn())
            .await?;
        let fields = if fields {
            sqlx::query_as(
                "SELECT v.field_id, v.value FROM contact_field_values v
                 JOIN contact_fields f ON f.id = v.field_id AND f.class = 'none' WHERE v.contact_id = ?",
            )
            .bind(contact)
            .fetch_all(self.conn())
            .await?
        } else {
            Vec::new()
        };
        Ok(RoutingFacts {
            placed: row.try_get::<Option<i64>, _>("routed_at")?.is_some(),
            contact: ContactId::new(contact),
            labels: labels.into_iter().map(LabelId::new).collect(),
            fields,
        })
    }

    /// Routes `conversation` (and its contact, with a team): to `team`, to `agent`, at
    /// `priority`; marks it routed.
    pub async fn route_conversation(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        conversation: ConversationId,
        team: Option<TeamId>,
        agent: Option<UserId>,
        priority: Option<Priority>,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE conversations SET routed_at = COALESCE(routed_at, ?1),
                team_id = COALESCE(?2, team_id),
                assignee_id = CASE WHEN ?3 IS NOT NULL THEN ?3
                                   WHEN ?2 IS NOT NULL AND ?2 <> team_id THEN NULL
                                   ELSE assignee_id END,
                priority = COALESCE(?4, priority)
             WHERE id = ?5",
        )
        .bind(now.as_millis())
        .bind(team.map(TeamId::get))
        .bind(agent.map(UserId::get))
        .bind(priority.map(Priority::as_str))
        .bind(conversation.get())
        .execute(self.conn())
        .await?;
        if let Some(team) = team {
            sqlx::query(
                "UPDATE contacts SET team_id = ? WHERE id = (SELECT contact_id FROM conversations WHERE id = ?)",
            )
            .bind(team.get())
            .bind(conversation.get())
            .execute(self.conn())
            .await?;
        }
        if let (Some(team), Some(agent)) = (team, agent) {
            sqlx::query(
                "INSERT INTO routing_turns (team_id, user_id, last_at) VALUES (?, ?, ?)
                 ON CONFLICT (team_id, user_id) DO UPDATE SET last_at = excluded.last_at",
            )
            .bind(team.get())
            .bind(agent.get())
            .bind(now.as_millis())
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Puts `label` on `contact`, as a rule says (a label that no longer exists is skipped).
    pub async fn label_by_rule(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        contact: ContactId,
        label: LabelId,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT OR IGNORE INTO contact_labels (contact_id, label_id) SELECT ?, id FROM labels WHERE id = ?",
        )
        .bind(contact.get())
        .bind(label.get())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The active member of `team` a rule gives the next conversation to.
    pub async fn pick_agent(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        team: TeamId,
        pick: AgentPick,
    ) -> Result<Option<UserId>> {
        let order = match pick {
            // Never given one first, then the one given one longest ago.
            AgentPick::RoundRobin => "COALESCE(t.last_at, 0), u.id",
            AgentPick::LeastBusy => {
                "(SELECT count(*) FROM conversations c WHERE c.team_id = m.team_id AND c.assignee_id = u.id
                   AND c.status = 'open'), COALESCE(t.last_at, 0), u.id"
            }
        };
        let id: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT u.id FROM team_members m JOIN users u ON u.id = m.user_id
             LEFT JOIN routing_turns t ON t.team_id = m.team_id AND t.user_id = u.id
             WHERE m.team_id = ? AND u.disabled = 0 ORDER BY {order} LIMIT 1"
        ))
        .bind(team.get())
        .fetch_optional(self.conn())
        .await?;
        Ok(id.map(UserId::new))
    }
}

/// Whether a saved rule is on (the spec says; a spec that cannot be read is off).
fn enabled(spec: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(spec)
        .ok()
        .and_then(|v| v.get("enabled").map(|e| e.as_bool() != Some(false)))
        .unwrap_or(true)
}
