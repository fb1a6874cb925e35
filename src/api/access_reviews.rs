//! Access reviews (issue 11 point 2).
//!
//! Decisions, and why:
//! - A campaign asks, for every enabled person, whether they still need their role, each team
//!   they are in, and each permission their role grants. Each person is reviewed by a manager
//!   of one of their teams (someone there whose role approves requests, other than
//!   themselves); everyone else — administrators, people in no team — by the reviewer chosen
//!   when the campaign starts, and that reviewer by whoever started it.
//! - A permission the trail shows no use of in the 90 days before the start is flagged
//!   (`audit::usage` says what use of each leaves); seeing lists and screens leaves no trace,
//!   so those permissions are asked about but never flagged.
//! - A revocation takes effect at once with the campaign's authority: a team revoked removes
//!   the person from it; a role revoked disables them and ends their sessions (never oneself,
//!   never the last owner, never someone holding more than the reviewer — those are left to an
//!   administrator and say so); a permission revoked is a change of role for an administrator
//!   to make, listed in the report. Each decision is an audit event.
//! - Overdue campaigns remind their reviewers once a day (the trail, and the app's Reviews
//!   tab); closing a campaign freezes it; its report is a CSV.

use std::collections::HashMap;
use std::io::Write;

use serde::Deserialize;

use super::views::{
    AccessReviewView, AccessReviewsView, MyAccessReviewsView, ReviewItemView, ReviewerProgressView,
};
use super::Core;
use crate::audit::usage::{evidence, shows_use, Evidence};
use crate::audit::{AuditEvent, Kind};
use crate::auth::session::SessionToken;
use crate::authz::guard::{self, RoleSide};
use crate::authz::{act, Actor, AuditActor, Authorized, Permission};
use crate::clock::Timestamp;
use crate::domain::UserId;
use crate::error::{Error, Result};
use crate::store::access_review::{ItemDecision, ItemRecord, NewItem, NewReview, ReviewRecord};

/// How far back use of a permission is looked for.
pub const USAGE_DAYS: i64 = 90;
/// Days to decide unless the campaign says otherwise, and the most it may say.
const DUE_DAYS: (i64, i64) = (14, 90);
const DAY_MS: i64 = 24 * 3600 * 1000;

/// A new campaign.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct StartReviewRequest {
    /// Its name (`2026 Q4`).
    pub name: String,
    /// Who reviews people no manager of their teams reviews (administrators, people in no
    /// team).
    pub reviewer: String,
    /// Days reviewers have (1 to 90; 14 unless given).
    #[serde(default)]
    pub due_days: Option<i64>,
}

/// A reviewer's answer about one item.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReviewDecisionRequest {
    /// `confirm` (still needed) or `revoke`.
    pub decision: String,
    /// Why, in a few words (kept in the report).
    #[serde(default)]
    pub note: Option<String>,
}

impl Core {
    /// The campaigns and their progress (access review permission).
    pub async fn access_reviews(&self, token: &SessionToken) -> Result<AccessReviewsView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageAccessReviews>(&r.actor, ()).await?;
        let now = self.clock.now();
        let reviews = self.store.access_reviews(&proof).await?;
        Ok(AccessReviewsView { reviews: reviews.into_iter().map(|r| review_view(r, now)).collect() })
    }

    /// Starts a campaign (access review permission).
    pub async fn start_access_review(
        &self,
        token: &SessionToken,
        request: StartReviewRequest,
    ) -> Result<AccessReviewView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageAccessReviews>(&r.actor, ()).await?;
        let id = self.start_review_as(&proof, Some(r.user.id), request).await?;
        self.review_view_of(&proof, id).await
    }

    async fn start_review_as(
        &self,
        proof: &Authorized<act::ManageAccessReviews>,
        started_by: Option<UserId>,
        request: StartReviewRequest,
    ) -> Result<i64> {
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::Invalid("name the review in 1 to 100 characters (\"2026 Q4\")".to_owned()));
        }
        let days = request.due_days.unwrap_or(DUE_DAYS.0);
        if !(1..=DUE_DAYS.1).contains(&days) {
            return Err(Error::Invalid(format!("give reviewers between 1 and {} days", DUE_DAYS.1)));
        }
        let default_reviewer = self
            .user_named(&request.reviewer)
            .await
            .ok()
            .filter(|u| !u.disabled)
            .ok_or_else(|| Error::Invalid("choose an active user as the reviewer".to_owned()))?;
        let now = self.clock.now();
        let items = self.review_items(default_reviewer.id, started_by, now).await?;
        let people = items.iter().map(|i| i.user).collect::<std::collections::BTreeSet<_>>().len();
        let mut tx = self.store.write().await?;
        let due = now.plus_millis(days * DAY_MS);
        let review = NewReview { name, started_by, default_reviewer: default_reviewer.id, due_at: due };
        let id = tx.start_access_review(proof, &review, &items, now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::AccessReviewStarted)
            .target(format!("access_review:{id}"))
            .detail("name", name)
            .detail("people", people)
            .detail("items", items.len())
            .detail("flagged_unused", items.iter().filter(|i| i.unused == Some(true)).count())
            .detail("due_days", days);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// What each enabled person is asked about, and who asks.
    async fn review_items(
        &self,
        default_reviewer: UserId,
        started_by: Option<UserId>,
        now: Timestamp,
    ) -> Result<Vec<NewItem>> {
        let users: Vec<_> = self.store.list_users().await?.into_iter().filter(|u| !u.disabled).collect();
        let roles: HashMap<String, String> = self
            .store
            .list_roles()
            .await?
            .into_iter()
            .map(|r| (r.slug.as_str().to_owned(), r.name))
            .collect();
        let teams = self.store.list_teams().await?;
        let mut grants = HashMap::new();
        for u in &users {
            if !grants.contains_key(u.role.as_str()) {
                let g = self.store.role_grants(&u.role).await?.ok_or(Error::NotFound)?;
                grants.insert(u.role.as_str().to_owned(), g);
            }
        }
        let approves = |u: &crate::store::users::UserListing| {
            grants.get(u.role.as_str()).is_some_and(|g| g.scope(Permission::EscalationsApprove).is_some())
        };
        let from = now.plus_millis(-USAGE_DAYS * DAY_MS);
        let mut items = Vec::new();
        for u in &users {
            let theirs: Vec<_> =
                teams.iter().filter(|t| t.members.iter().any(|(id, _)| *id == u.id)).collect();
            // A manager of one of their teams, else the campaign's reviewer.
            let reviewer = theirs
                .iter()
                .flat_map(|t| t.members.iter())
                .filter_map(|(id, _)| users.iter().find(|m| m.id == *id))
                .find(|m| m.id != u.id && approves(m))
                .map_or(default_reviewer, |m| m.id);
            // Nobody reviews themselves while someone else can: the one who started it does.
            let reviewer = match started_by {
                Some(starter) if reviewer == u.id && starter != u.id => starter,
                _ => reviewer,
            };
            let item = |kind, subject: String, label: String| NewItem {
                user: u.id,
                reviewer,
                kind,
                subject,
                label,
                unused: None,
                last_used_at: None,
            };
            let role_name = roles.get(u.role.as_str()).cloned().unwrap_or_else(|| u.role.as_str().to_owned());
            items.push(item("role", u.role.as_str().to_owned(), role_name));
            for t in &theirs {
                items.push(item("team", t.id.get().to_string(), t.name.clone()));
            }
            let used = self.store.usage_since(u.id, from, now).await?;
            for (p, scope) in
                grants.get(u.role.as_str()).map(|g| g.permissions().collect::<Vec<_>>()).unwrap_or_default()
            {
                let label = if p.scoped() {
                    format!("{} ({})", p.label(), scope.as_str())
                } else {
                    p.label().to_owned()
                };
                let mut it = item("permission", p.as_str().to_owned(), label);
                if evidence(p) != Evidence::None {
                    let last = used.iter().filter(|(a, d, _)| shows_use(p, a, d)).map(|(_, _, t)| *t).max();
                    it.unused = Some(last.is_none());
                    it.last_used_at = last;
                }
                items.push(it);
            }
        }
        Ok(items)
    }

    /// The items the signed-in person is to review, in open campaigns.
    pub async fn my_access_reviews(&self, token: &SessionToken) -> Result<MyAccessReviewsView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ReviewAccess>(&r.actor, r.user.id).await?;
        let now = self.clock.now();
        let items = self.store.reviewer_items(&proof).await?;
        let pending = items.iter().filter(|i| i.decision.is_none()).count() as u64;
        let overdue = items.iter().any(|i| i.decision.is_none() && i.due_at < now);
        Ok(MyAccessReviewsView {
            pending,
            overdue,
            items: items.into_iter().map(|i| item_view(i, now)).collect(),
        })
    }

    /// Confirms or revokes one item: the reviewer it was given to, or someone who runs access
    /// reviews.
    pub async fn decide_access_review(
        &self,
        token: &SessionToken,
        item: i64,
        request: ReviewDecisionRequest,
    ) -> Result<ReviewItemView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ReviewAccess>(&r.actor, r.user.id).await?;
        let record = self.store.access_review_item(item).await?;
        let runs_reviews = crate::authz::authorize::<act::ManageAccessReviews>(&r.actor, ()).is_ok();
        if record.reviewer_id != r.user.id && !runs_reviews {
            return Err(Error::NotFound);
        }
        if record.closed {
            return Err(Error::Conflict("this review is closed".to_owned()));
        }
        if record.decision.is_some() {
            return Err(Error::Conflict("this was decided already".to_owned()));
        }
        let note = request.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 500) {
            return Err(Error::Invalid("the note is at most 500 characters".to_owned()));
        }
        let revoke = match request.decision.as_str() {
            "confirm" => false,
            "revoke" => true,
            _ => return Err(Error::Invalid("decide `confirm` or `revoke`".to_owned())),
        };
        let now = self.clock.now();
        let outcome = if revoke { Some(self.revocation_outcome(&r.actor, &record).await?) } else { None };
        let mut tx = self.store.write().await?;
        let decision = if revoke { "revoked" } else { "confirmed" };
        let decided = ItemDecision { decision, note, outcome, by: r.user.id };
        if !tx.decide_access_item(&proof, item, decided, now).await? {
            return Err(Error::Conflict("this was decided already".to_owned()));
        }
        let mut effects = Vec::new();
        match outcome {
            Some("removed_from_team") => {
                let team: i64 =
                    record.subject.parse().map_err(|_| Error::Internal("bad team item".to_owned()))?;
                if tx.revoke_team_for_review(&proof, record.user_id, team).await? {
                    effects.push(
                        AuditEvent::new(proof.actor().clone(), Kind::TeamMemberRemove)
                            .target(format!("team:{team}"))
                            .detail("user", format!("user:{}", record.user_id.get()))
                            .detail("access_review", record.review_id),
                    );
                }
            }
            Some("disabled") => {
                tx.revoke_role_for_review(&proof, record.user_id, now).await?;
                effects.push(
                    AuditEvent::new(proof.actor().clone(), Kind::UserDisable)
                        .target(format!("user:{}", record.user_id.get()))
                        .detail("access_review", record.review_id),
                );
            }
            _ => {}
        }
        let mut event = AuditEvent::new(proof.actor().clone(), Kind::AccessReviewDecided)
            .target(format!("user:{}", record.user_id.get()))
            .detail("access_review", record.review_id)
            .detail("item", record.kind.as_str())
            .detail("subject", &record.subject)
            .detail("decision", decision);
        if let Some(outcome) = outcome {
            event = event.detail("outcome", outcome);
        }
        tx.audit(&event, now).await?;
        for effect in &effects {
            tx.audit(effect, now).await?;
        }
        tx.commit().await?;
        Ok(item_view(self.store.access_review_item(item).await?, now))
    }

    /// What revoking `item` does, by what it is and what the reviewer may do.
    async fn revocation_outcome(&self, reviewer: &Actor, item: &ItemRecord) -> Result<&'static str> {
        Ok(match item.kind.as_str() {
            "team" => "removed_from_team",
            "role" => {
                let user = self.store.get_user(item.user_id).await?;
                if user.disabled {
                    return Ok("disabled");
                }
                let grants = self.store.role_grants(&user.role).await?.ok_or(Error::NotFound)?;
                let owners = self.store.enabled_owners().await?;
                let side = RoleSide { slug: &user.role, grants: &grants };
                if matches!(reviewer, Actor::User { id, .. } if *id == user.id)
                    || guard::may_reassign(reviewer, side, None, owners).is_err()
                {
                    "role_change_needed"
                } else {
                    "disabled"
                }
            }
            _ => "role_change_needed",
        })
    }

    /// Closes a campaign: no more decisions; what was not decided stays so in the report.
    pub async fn close_access_review(&self, token: &SessionToken, id: i64) -> Result<AccessReviewView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageAccessReviews>(&r.actor, ()).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if !tx.close_access_review(&proof, id, Some(r.user.id), now).await? {
            return Err(Error::Conflict(
                "this review is closed already, or there is no such review".to_owned(),
            ));
        }
        let view = self.review_view_of(&proof, id).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::AccessReviewClosed)
            .target(format!("access_review:{id}"))
            .detail("items", view.items)
            .detail("decided", view.decided)
            .detail("revoked", view.revoked);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.review_view_of(&proof, id).await
    }

    /// Writes campaign `id`'s report as CSV to `out`: one row per item (access review
    /// permission); recorded first. Returns the rows written.
    pub async fn export_access_review(
        &self,
        token: &SessionToken,
        id: i64,
        out: &mut (dyn Write + Send),
    ) -> Result<u64> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageAccessReviews>(&r.actor, ()).await?;
        let items = self.store.access_review_items(&proof, id).await?;
        if items.is_empty() {
            return Err(Error::NotFound);
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::AccessReviewExported)
            .target(format!("access_review:{id}"))
            .detail("rows", items.len());
        tx.audit(&event, now).await?;
        tx.commit().await?;
        let mut csv = csv::Writer::from_writer(out);
        let failed = |e: csv::Error| Error::Internal(format!("the report could not be written: {e}"));
        csv.write_record([
            "review",
            "due",
            "person",
            "kind",
            "access",
            "unused_90_days",
            "last_used",
            "reviewer",
            "decision",
            "decided_by",
            "decided_at",
            "outcome",
            "note",
        ])
        .map_err(failed)?;
        for i in &items {
            let at = |t: Option<Timestamp>| t.map(Timestamp::rfc3339).unwrap_or_default();
            let unused = match i.unused {
                Some(true) => "yes",
                Some(false) => "no",
                None => "cannot tell",
            };
            let cells = [
                i.review_name.clone(),
                i.due_at.rfc3339(),
                i.user.clone(),
                i.kind.clone(),
                i.label.clone(),
                unused.to_owned(),
                at(i.last_used_at),
                i.reviewer.clone(),
                i.decision.clone().unwrap_or_else(|| "not reviewed".to_owned()),
                i.decided_by.clone().unwrap_or_default(),
                at(i.decided_at),
                i.outcome.clone().unwrap_or_default(),
                i.note.clone().unwrap_or_default(),
            ];
            // Names and notes were typed by people: a spreadsheet must not run them.
            csv.write_record(cells.iter().map(|c| super::audit::defused(c).into_owned())).map_err(failed)?;
        }
        csv.flush().map_err(|e| Error::Internal(format!("the report could not be written: {e}")))?;
        Ok(items.len() as u64)
    }

    /// Reminds the reviewers of overdue campaigns, once a day each (the app's own schedule).
    pub(super) async fn remind_overdue_reviewers(&self) -> Result<u64> {
        let proof = self.allow::<act::ManageAccessReviews>(&Actor::Operator, ()).await?;
        let now = self.clock.now();
        let due = self.store.reviewers_to_remind(now, now.plus_millis(-DAY_MS)).await?;
        for (review, reviewer, left) in &due {
            let mut tx = self.store.write().await?;
            tx.record_review_reminder(&proof, *review, *reviewer, now).await?;
            let event = AuditEvent::new(AuditActor::System, Kind::AccessReviewReminded)
                .target(format!("user:{}", reviewer.get()))
                .detail("access_review", review)
                .detail("items_left", left);
            tx.audit(&event, now).await?;
            tx.commit().await?;
        }
        Ok(due.len() as u64)
    }

    async fn review_view_of(
        &self,
        proof: &Authorized<act::ManageAccessReviews>,
        id: i64,
    ) -> Result<AccessReviewView> {
        let now = self.clock.now();
        let review = self
            .store
            .access_reviews(proof)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(Error::NotFound)?;
        Ok(review_view(review, now))
    }
}

fn review_view(r: ReviewRecord, now: Timestamp) -> AccessReviewView {
    let [items, decided, confirmed, revoked, flagged_unused] = r.counts;
    AccessReviewView {
        id: r.id,
        name: r.name,
        started_by: r.started_by,
        started_at: r.started_at.as_millis(),
        due_at: r.due_at.as_millis(),
        overdue: r.closed_at.is_none() && r.due_at < now && decided < items,
        closed_at: r.closed_at.map(Timestamp::as_millis),
        default_reviewer: r.default_reviewer,
        items,
        decided,
        confirmed,
        revoked,
        flagged_unused,
        reviewers: r
            .reviewers
            .into_iter()
            .map(|(reviewer, items, decided)| ReviewerProgressView { reviewer, items, decided })
            .collect(),
    }
}

fn item_view(i: ItemRecord, now: Timestamp) -> ReviewItemView {
    ReviewItemView {
        id: i.id,
        review_id: i.review_id,
        review_name: i.review_name,
        due_at: i.due_at.as_millis(),
        overdue: i.decision.is_none() && i.due_at < now,
        user: i.user,
        kind: i.kind,
        label: i.label,
        unused: i.unused,
        last_used_at: i.last_used_at.map(Timestamp::as_millis),
        decision: i.decision,
        note: i.note,
        outcome: i.outcome,
    }
}
