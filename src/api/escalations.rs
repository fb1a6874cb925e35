//! Asking a manager, and answering (issue 6 point 4; the general workflow is issue 8).
//!
//! An agent asks about one conversation, saying why, and names the classes of masked data they
//! need to see (or none, for a plain escalation). Managers who may approve, and see the
//! conversation, find it in their queue and approve or refuse it with a note; an approval of a
//! reveal lets the one who asked reveal those classes there for as long as the organisation set
//! (`reveal_approval_minutes`), each reveal still audited with its own reason. Every request and answer is an audit event in the transaction
//! that records it; reasons and notes are masked in the views and the trail.
//!
//! Decisions, and why:
//! - Nobody answers their own request, and nobody approves a class their own role may not
//!   reveal (the sight they hand out must be one they have; [`crate::authz::reveal`]).
//! - A manager who may not see the conversation gets "not found" for its request, as for the
//!   conversation itself.
//! - Refusing needs a note: the agent is told why.
//! - Two managers answering at once: the second is told it was already answered.
//! - How long an approval lasts is fixed when it is given (its end is stored with it): changing
//!   the setting later neither shortens nor lengthens approvals already given, so what the
//!   approver saw ("until 11:17") is what holds, and the trail records that end.

use crate::audit::Kind;
use serde::Deserialize;

use super::reveal::masked_words;
use super::views::{EscalationView, EscalationsView, RevealAccessView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::{act, authorize_list, reveal, Action, Denied, DenyReason, Permission};
use crate::domain::escalation::checked_text;
use crate::domain::{ConversationId, EscalationId, EscalationStatus, TeamId};
use crate::error::{Error, Result};
use crate::mask::{self, ClassSet};

/// A request for a manager's approval.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EscalationRequest {
    /// Why, in words (5 to 500 characters): "customer disputes a card payment and asks which card".
    pub reason: String,
    /// The classes of masked data to reveal: any of `contact`, `financial`, `identity`,
    /// `health` (`[]` for a plain escalation).
    #[serde(default)]
    pub reveal: Vec<String>,
    /// The team to move the conversation to, by id (a manager who may transfer it approves).
    #[serde(default)]
    pub transfer_to: Option<i64>,
}

/// A manager's answer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EscalationAnswer {
    /// Approve (`true`) or refuse (`false`).
    pub approve: bool,
    /// A note for the one who asked (5 to 500 characters); required when refusing.
    #[serde(default)]
    pub note: Option<String>,
}

impl Core {
    /// Asks a manager about `conversation`. Asking again before an answer is a conflict.
    pub async fn request_escalation(
        &self,
        token: &SessionToken,
        conversation: i64,
        request: EscalationRequest,
    ) -> Result<EscalationView> {
        let r = self.resolve(token).await?;
        let conversation = ConversationId::new(conversation);
        let proof = self.allow_on_conversation::<act::RequestEscalation>(&r.actor, conversation).await?;
        let reason = checked_text("reason", &request.reason).map_err(Error::Invalid)?;
        let classes = ClassSet::parse(request.reveal.iter().map(String::as_str)).map_err(Error::Invalid)?;
        let sight = self.sight_on(&r, conversation).await?;
        if !classes.is_empty() && classes.without(sight.shown).is_empty() {
            return Err(Error::Invalid(
                "you may already reveal this here: press Reveal and say why".to_owned(),
            ));
        }
        let transfer_to = match request.transfer_to.map(TeamId::new) {
            Some(team) => {
                self.team_exists(team).await?;
                let placement = self.store.conversation_placement(conversation).await?;
                if placement.is_some_and(|p| p.team == team) {
                    return Err(Error::Invalid("this conversation is already with that team".to_owned()));
                }
                Some(team)
            }
            None => None,
        };
        let detectors = self.detectors().await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let id = tx.insert_escalation(&proof, &reason, classes, transfer_to, now).await?;
        let mut event = AuditEvent::new(proof.actor().clone(), Kind::EscalationRequested)
            .target(format!("escalation:{}", id.get()))
            .detail("conversation", conversation.get())
            .detail("reveal", classes_detail(classes))
            .detail("reason", masked_words(&detectors, &reason));
        if let Some(team) = transfer_to {
            event = event.detail("transfer_to", format!("team:{}", team.get()));
        }
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(escalation = id.get(), classes = classes.iter().count(), "escalation requested");
        self.escalation_view(id, &detectors).await
    }

    /// One's own requests and, for managers, the queue of requests waiting for them.
    pub async fn escalations(&self, token: &SessionToken) -> Result<EscalationsView> {
        let r = self.resolve(token).await?;
        // Each list only for those whose role could have it (asking for the other would only
        // log a refusal on every refresh); `authorize_list` still decides.
        let own = r
            .grants
            .has(Permission::EscalationsRequest)
            .then(|| authorize_list::<act::ListOwnEscalations>(&r.actor).ok())
            .flatten();
        let queue = r
            .grants
            .has(Permission::EscalationsApprove)
            .then(|| authorize_list::<act::ReviewEscalations>(&r.actor).ok())
            .flatten();
        if own.is_none() && queue.is_none() {
            // Neither: refused and recorded like any other call.
            self.allow_list::<act::ListOwnEscalations>(&r.actor).await?;
        }
        let detectors = self.detectors().await?;
        let build = |list: Vec<_>| list.iter().map(|e| EscalationView::build(e, &detectors)).collect();
        let mine = match &own {
            Some(proof) => build(self.store.list_own_escalations(proof).await?),
            None => Vec::new(),
        };
        let to_decide = match &queue {
            Some(proof) => build(self.store.list_pending_escalations(proof).await?),
            None => Vec::new(),
        };
        Ok(EscalationsView { mine, to_decide })
    }

    /// Approves or refuses request `id`. An approved reveal lasts as long as the organisation set
    /// (`reveal_approval_minutes`) for the one who asked, on that conversation.
    pub async fn decide_escalation(
        &self,
        token: &SessionToken,
        id: i64,
        answer: EscalationAnswer,
    ) -> Result<EscalationView> {
        let r = self.resolve(token).await?;
        let id = EscalationId::new(id);
        let record = self.store.find_escalation(id).await?.ok_or(Error::NotFound)?;
        let e = &record.escalation;
        let proof = self.allow_on_conversation::<act::DecideEscalation>(&r.actor, e.conversation).await?;
        if let Err(why) = reveal::may_decide(r.user.id, &r.grants, e.requested_by.0, e.classes) {
            let denied = Denied { action: Action::DecideEscalation, reason: DenyReason::NotTheirsToDecide };
            let target = Some(format!("escalation:{}", id.get()));
            return Err(self.refused(&r.actor, denied, target, Error::NotAllowed(why.to_string())).await);
        }
        if e.status != EscalationStatus::Pending {
            return Err(Error::Conflict("this request has already been answered".to_owned()));
        }
        let note = match answer.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(note) => Some(checked_text("note", note).map_err(Error::Invalid)?),
            None if answer.approve => None,
            None => {
                return Err(Error::Invalid(
                    "say why you refuse it: the one who asked will read it".to_owned(),
                ))
            }
        };
        let (status, name) = if answer.approve {
            (EscalationStatus::Approved, Kind::EscalationApproved)
        } else {
            (EscalationStatus::Rejected, Kind::EscalationRejected)
        };
        // Approving a move is making it: only someone who may move the conversation approves it.
        let transfer = match (&e.transfer_to, answer.approve) {
            (Some((team, name)), true) => {
                match self.allow_on_conversation::<act::TransferConversation>(&r.actor, e.conversation).await {
                    Ok(proof) => Some((proof, *team)),
                    Err(Error::Forbidden | Error::NotFound) => {
                        return Err(Error::NotAllowed(format!(
                            "approving moves this conversation to {name}, and your role may not move conversations: ask a manager who may, or refuse it"
                        )))
                    }
                    Err(other) => return Err(other),
                }
            }
            _ => None,
        };
        let lasts_ms = self.approval_minutes().await? * 60_000;
        let now = self.clock.now();
        let grant_until = (answer.approve && !e.classes.is_empty()).then(|| now.plus_millis(lasts_ms));
        let detectors = self.detectors().await?;
        let mut tx = self.store.write().await?;
        tx.decide_escalation(&proof, id, status, note.as_deref(), grant_until, now).await?;
        if let Some((transfer_proof, team)) = &transfer {
            tx.transfer_conversation(transfer_proof, *team).await?;
            let moved = AuditEvent::new(transfer_proof.actor().clone(), Kind::ConversationTransfer)
                .target(format!("conversation:{}", e.conversation.get()))
                .detail("team", format!("team:{}", team.get()))
                .detail("escalation", format!("escalation:{}", id.get()));
            tx.audit(&moved, now).await?;
        }
        let mut event = AuditEvent::new(proof.actor().clone(), name)
            .target(format!("escalation:{}", id.get()))
            .detail("conversation", e.conversation.get())
            .detail("requested_by", format!("user:{}", e.requested_by.0.get()))
            .detail("reveal", classes_detail(e.classes));
        if let Some(note) = &note {
            event = event.detail("note", masked_words(&detectors, note));
        }
        if let Some(until) = grant_until {
            event = event.detail("reveal_until", until.as_millis());
        }
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(escalation = id.get(), approved = answer.approve, "escalation answered");
        self.escalation_view(id, &detectors).await
    }

    /// What the actor may reveal in `conversation`, and whether they may ask a manager.
    pub async fn reveal_access(&self, token: &SessionToken, conversation: i64) -> Result<RevealAccessView> {
        let r = self.resolve(token).await?;
        let conversation = ConversationId::new(conversation);
        self.allow_on_conversation::<act::ReadConversation>(&r.actor, conversation).await?;
        let sight = self.sight_on(&r, conversation).await?;
        let may_ask = r.grants.has(Permission::EscalationsRequest);
        let pending = may_ask && self.store.has_pending_escalation(r.user.id, conversation).await?;
        let transfer_teams = if may_ask {
            let here = self.store.conversation_placement(conversation).await?.ok_or(Error::NotFound)?.team;
            self.store
                .list_teams()
                .await?
                .into_iter()
                .filter(|t| t.id != here)
                .map(|t| (t.id, t.name))
                .collect()
        } else {
            Vec::new()
        };
        Ok(RevealAccessView::build(
            sight.shown,
            sight.needs_approval,
            // Only approvals of a reveal have an end (a plain escalation grants nothing).
            sight.approved_until,
            may_ask,
            pending,
            &transfer_teams,
        ))
    }

    async fn escalation_view(&self, id: EscalationId, detectors: &mask::Detectors) -> Result<EscalationView> {
        let record = self.store.find_escalation(id).await?.ok_or(Error::NotFound)?;
        Ok(EscalationView::build(&record, detectors))
    }
}

/// The classes as the audit trail records them.
fn classes_detail(classes: ClassSet) -> String {
    if classes.is_empty() {
        "none".to_owned()
    } else {
        classes.names().join("+")
    }
}
