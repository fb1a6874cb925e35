//! Offboarding in one action: when someone leaves, one call disables them, ends every session,
//! removes their security keys and authenticator, takes them out of their teams, hands their
//! open conversations and their contacts to a chosen colleague (or back to the team's queue
//! where that colleague is not a member, so nothing is stuck with nobody able to see it), and
//! reports their high-risk actions of the last 90 days for whoever reviews the departure.
//!
//! Everything happens in one transaction with one audit event, so a failure leaves the person
//! as they were, never half offboarded. The same guardrails as disabling apply (nobody
//! offboards themselves, someone holding more than they do, or the last owner), and it needs
//! step-up.

use serde::Deserialize;

use super::views::{AuditEventView, OffboardReportView, TeamRefView};
use super::Core;
use crate::audit::{AuditEvent, Kind, Risk};
use crate::auth::session::SessionToken;
use crate::authz::guard::{self, RoleSide};
use crate::authz::{act, Actor};
use crate::error::{Error, Result};
use crate::store::audit::{AuditCursor, AuditFilter};
use crate::store::users::UserRecord;

/// How far back the report looks.
pub const REPORT_DAYS: i64 = 90;
/// At most this many events in the report (the trail has the rest).
const REPORT_MAX: i64 = 500;

/// Who takes over.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct OffboardRequest {
    /// The colleague who takes over their open conversations and contacts (where they are a
    /// member of its team); absent: everything goes back to the team's queue.
    #[serde(default)]
    pub reassign_to: Option<String>,
}

impl Core {
    /// Offboards `username` (administrators, with step-up).
    pub async fn offboard_user(
        &self,
        token: &SessionToken,
        username: &str,
        request: OffboardRequest,
    ) -> Result<OffboardReportView> {
        let r = self.resolve(token).await?;
        let user = self.user_named(username).await?;
        if user.id == r.user.id {
            return Err(Error::Invalid("you cannot offboard yourself".to_owned()));
        }
        self.allow::<act::OffboardUser>(&r.actor, user.id).await?;
        self.require_step_up(&r).await?;
        self.offboard_as(&r.actor, user, request).await
    }

    /// The same, for IT at the machine (`countersign user offboard`).
    pub async fn operator_offboard_user(
        &self,
        username: &str,
        request: OffboardRequest,
    ) -> Result<OffboardReportView> {
        let user = self.user_named(username).await?;
        self.offboard_as(&Actor::Operator, user, request).await
    }

    async fn offboard_as(
        &self,
        actor: &Actor,
        user: UserRecord,
        request: OffboardRequest,
    ) -> Result<OffboardReportView> {
        let proof = self.allow::<act::OffboardUser>(actor, user.id).await?;
        let grants = self.store.role_grants(&user.role).await?.ok_or(Error::NotFound)?;
        let owners = self.store.enabled_owners().await? + usize::from(user.disabled);
        guard::may_reassign(actor, RoleSide { slug: &user.role, grants: &grants }, None, owners)
            .map_err(|e| Error::NotAllowed(e.message()))?;
        let to = match request.reassign_to.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => {
                let colleague = self.user_named(name).await.map_err(|_| {
                    Error::Invalid(format!(
                        "there is no user called {:?} to take over",
                        name.chars().take(64).collect::<String>()
                    ))
                })?;
                if colleague.id == user.id || colleague.disabled {
                    return Err(Error::Invalid(
                        "choose an active colleague other than the one leaving".to_owned(),
                    ));
                }
                Some(colleague)
            }
            None => None,
        };
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let done = tx.offboard(&proof, to.as_ref().map(|c| c.id), now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::UserOffboarded)
            .target(format!("user:{}", user.id.get()))
            .detail("sessions_ended", done.sessions_ended)
            .detail("keys_removed", done.keys_removed)
            .detail("authenticator_removed", done.authenticator_removed)
            .detail("teams_left", super::people::team_list(&done.teams_left))
            .detail("conversations_reassigned", done.conversations_reassigned)
            .detail("conversations_to_queue", done.conversations_to_queue)
            .detail("contacts_reassigned", done.contacts_reassigned)
            .detail(
                "reassigned_to",
                to.as_ref().map_or_else(|| "team queue".to_owned(), |c| format!("user:{}", c.id.get())),
            );
        tx.audit(&event, now).await?;
        tx.commit().await?;

        let filter = AuditFilter {
            actor: Some(format!("user:{}", user.id.get())),
            min_risk: Some(Risk::High),
            from: Some(now.plus_millis(-REPORT_DAYS * 24 * 3_600_000)),
            ..AuditFilter::default()
        };
        let records =
            self.store.audit_page(&proof, &filter, AuditCursor::Before(i64::MAX), REPORT_MAX).await?;
        let names = self.user_names().await?;
        let teams = self.store.list_teams().await?;
        Ok(OffboardReportView {
            username: user.username,
            sessions_ended: done.sessions_ended,
            keys_removed: done.keys_removed,
            authenticator_removed: done.authenticator_removed,
            teams_left: teams
                .iter()
                .filter(|t| done.teams_left.contains(&t.id))
                .map(|t| TeamRefView { id: t.id.get(), name: t.name.clone() })
                .collect(),
            conversations_reassigned: done.conversations_reassigned,
            conversations_to_queue: done.conversations_to_queue,
            contacts_reassigned: done.contacts_reassigned,
            reassigned_to: to.map(|c| c.username),
            report_days: REPORT_DAYS,
            high_risk: records.into_iter().map(|r| AuditEventView::of(r, &names)).collect(),
        })
    }
}
