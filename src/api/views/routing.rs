//! Views of the routing rules and of a trial of them. Rules are an administrator's words about
//! where chats go, not customer data: they are shown as saved.

use serde::Serialize;

use super::TeamRefView;
use crate::store::routing::RuleRecord;

/// A routing rule, in order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoutingRuleView {
    /// Rule id.
    pub id: i64,
    /// Its place: lower is checked first.
    pub position: i64,
    /// Each save is a new version.
    pub version: i64,
    /// The rule as saved: `name`, `enabled`, `when` (conditions) and `then` (actions).
    #[schema(value_type = Object)]
    pub rule: serde_json::Value,
    /// Who saved this version.
    pub updated_by: Option<String>,
    /// When (ms since the epoch).
    pub updated_at: i64,
}

impl RoutingRuleView {
    /// The view of a stored rule.
    pub fn build(r: &RuleRecord) -> Self {
        Self {
            id: r.id,
            position: r.position,
            version: r.version,
            rule: serde_json::from_str(&r.spec).unwrap_or(serde_json::Value::Null),
            updated_by: r.updated_by.clone(),
            updated_at: r.updated_at.as_millis(),
        }
    }
}

/// The rules and where unmatched chats go.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoutingView {
    /// In the order they are checked.
    pub rules: Vec<RoutingRuleView>,
    /// Where a new chat no rule takes goes (`null`: it stays with its contact's team).
    pub default_team: Option<TeamRefView>,
}

/// What the rules would do with a message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoutingTrialView {
    /// The rule that would fire (id and name), if any.
    pub rule: Option<RoutingRuleRef>,
    /// What would happen, in words, in order.
    pub outcome: Vec<String>,
}

/// A rule by id and name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoutingRuleRef {
    /// Rule id.
    pub id: i64,
    /// Its name.
    pub name: String,
}
