//! Views of requests for a manager's approval, and of what someone may reveal in a
//! conversation. The reason and the note are people's words about a customer: they are
//! masked like a message, for everyone, whatever they may reveal.

use serde::Serialize;

use super::masked;
use crate::clock::Timestamp;
use crate::domain::{EscalationStatus, TeamId};
use crate::mask::{self, ClassSet};
use crate::store::escalations::EscalationRecord;

/// A request for a manager's approval about one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EscalationView {
    /// Its id.
    pub id: i64,
    /// The conversation it concerns.
    pub conversation_id: i64,
    /// The customer's WhatsApp profile name (or "WhatsApp customer").
    pub customer_name: String,
    /// The team the conversation belongs to.
    pub team: String,
    /// Who asked (user name).
    pub requested_by: String,
    /// Why, in their words (personal data in it masked).
    pub reason: String,
    /// The classes of data it asks to reveal (`contact`, `financial`, `identity`, `health`);
    /// empty for a plain escalation.
    pub reveal: Vec<String>,
    /// The team it asks the conversation to move to (approving moves it there).
    pub transfer_to: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// When it was asked (ms since the epoch).
    pub created_at: i64,
    /// Who answered (user name).
    pub decided_by: Option<String>,
    /// Their note (personal data in it masked); always there when refused.
    pub note: Option<String>,
    /// When they answered (ms since the epoch).
    pub decided_at: Option<i64>,
    /// Until when an approved reveal may be used (ms since the epoch).
    pub reveal_until: Option<i64>,
}

impl EscalationView {
    /// Builds the view; `detectors` mask the reason and the note.
    pub fn build(r: &EscalationRecord, detectors: &mask::Detectors) -> Self {
        let e = &r.escalation;
        let policy = masked(detectors);
        Self {
            id: e.id.get(),
            conversation_id: e.conversation.get(),
            customer_name: r.customer_name.clone().unwrap_or_else(|| "WhatsApp customer".to_owned()),
            team: r.team_name.clone(),
            requested_by: e.requested_by.1.clone(),
            reason: policy.text(&e.reason),
            reveal: e.classes.names().into_iter().map(str::to_owned).collect(),
            transfer_to: e.transfer_to.as_ref().map(|(_, name)| name.clone()),
            status: e.status.as_str().to_owned(),
            created_at: e.created_at.as_millis(),
            decided_by: e.decision.as_ref().map(|d| d.by.clone()),
            note: e.decision.as_ref().and_then(|d| d.note.as_deref()).map(|n| policy.text(n)),
            decided_at: e.decision.as_ref().map(|d| d.at.as_millis()),
            reveal_until: e.decision.as_ref().and_then(|d| d.grant_until).map(Timestamp::as_millis),
        }
    }

    /// Whether it still waits for an answer.
    pub fn is_pending(&self) -> bool {
        self.status == EscalationStatus::Pending.as_str()
    }
}

/// One's own requests and the queue one answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EscalationsView {
    /// The requests one made, newest first (empty without the permission to ask).
    pub mine: Vec<EscalationView>,
    /// Requests waiting for an answer that one may see, oldest first (empty without the
    /// permission to approve). Each may still be one whose classes one's role may not reveal:
    /// answering it is then refused with the reason.
    pub to_decide: Vec<EscalationView>,
}

/// What the actor may reveal in one conversation, and whether they may ask for more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RevealAccessView {
    /// The classes a reveal shows now: the role's own, and what a manager approved.
    pub revealable: Vec<String>,
    /// The classes the organisation has a manager approve before anyone without the approve
    /// permission sees them.
    pub needs_approval: Vec<String>,
    /// Until when the latest approval for this conversation lasts (ms since the epoch).
    pub approved_until: Option<i64>,
    /// The actor may ask a manager.
    pub may_ask: bool,
    /// The actor's request about this conversation waits for an answer.
    pub pending: bool,
    /// The teams one may ask to move this conversation to (all but its own; empty unless one
    /// may ask).
    pub transfer_teams: Vec<super::TeamRefView>,
}

impl RevealAccessView {
    /// Builds the view.
    pub fn build(
        revealable: ClassSet,
        needs_approval: ClassSet,
        approved_until: Option<Timestamp>,
        may_ask: bool,
        pending: bool,
        transfer_teams: &[(TeamId, String)],
    ) -> Self {
        let names = |set: ClassSet| set.names().into_iter().map(str::to_owned).collect();
        Self {
            revealable: names(revealable),
            needs_approval: names(needs_approval),
            approved_until: approved_until.map(Timestamp::as_millis),
            may_ask,
            pending,
            transfer_teams: transfer_teams.iter().map(super::TeamRefView::build).collect(),
        }
    }
}

/// Whom the actor may hand one conversation to (issue 8 point 1): the active members of its
/// team, when they may assign it, and the other teams, when they may move it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HandoverView {
    /// User names of the active members of the conversation's team, in order (empty unless
    /// the actor may assign it).
    pub agents: Vec<String>,
    /// The teams it may move to (all but its own; empty unless the actor may move it).
    pub teams: Vec<super::TeamRefView>,
}

impl HandoverView {
    /// Builds the view.
    pub fn build(mut agents: Vec<String>, teams: &[(TeamId, String)]) -> Self {
        agents.sort();
        Self { agents, teams: teams.iter().map(super::TeamRefView::build).collect() }
    }
}
