//! Teams (one per store, for example) and their members. Membership widens what a person sees
//! (team scope), so changing it is audited. Everyone signed in sees the teams' names (to
//! filter and transfer); members are shown to those who may see users or manage teams.

use crate::audit::Kind;
use serde::Deserialize;

use super::views::{TeamHoursView, TeamView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::{act, decide, Action, Decision};
use crate::clock::Timestamp;
use crate::domain::hours::{parse_clock_time, parse_day, BusinessHours, Span};
use crate::domain::TeamId;
use crate::error::{Error, Result};
use crate::store::access::{TeamRecord, DEFAULT_TEAM};

/// A team's name.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TeamRequest {
    /// Name (1–60 characters).
    pub name: String,
}

/// A member to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MemberRequest {
    /// Their user name.
    pub username: String,
}

fn team_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if (1..=60).contains(&name.chars().count()) {
        Ok(name.to_owned())
    } else {
        Err(Error::Invalid("a team's name has 1 to 60 characters".to_owned()))
    }
}

/// A team's business hours, as an administrator sets them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TeamHoursRequest {
    /// The hours, or none to keep no hours (the team then counts as always open).
    pub hours: Option<HoursRequest>,
}

/// When a team is open.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct HoursRequest {
    /// Its time zone, by its name in the time zone database (`Europe/London`).
    pub zone: String,
    /// Its opening times; a day without one is closed.
    #[serde(default)]
    pub open: Vec<OpenSpanRequest>,
}

/// One opening time.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OpenSpanRequest {
    /// `mon` … `sun`.
    pub day: String,
    /// `09:00`.
    pub opens: String,
    /// `17:30` (`24:00` for midnight).
    pub closes: String,
}

impl HoursRequest {
    fn hours(&self) -> Result<BusinessHours> {
        let spans = self
            .open
            .iter()
            .map(|s| {
                Ok(Span {
                    day: parse_day(&s.day)?,
                    opens: parse_clock_time(&s.opens)?,
                    closes: parse_clock_time(&s.closes)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        BusinessHours::new(&self.zone, spans)
    }
}

fn team_view(t: &TeamRecord, members_visible: bool, now: Timestamp) -> TeamView {
    TeamView {
        id: t.id.get(),
        name: t.name.clone(),
        default: t.id == DEFAULT_TEAM,
        members: members_visible.then(|| t.members.iter().map(|(_, name)| name.clone()).collect()),
        hours: t
            .hours
            .as_deref()
            .and_then(|h| BusinessHours::parse(h).ok())
            .map(|h| TeamHoursView::build(&h, now)),
    }
}

impl Core {
    /// Every team, by name.
    pub async fn teams(&self, token: &SessionToken) -> Result<Vec<TeamView>> {
        let r = self.resolve(token).await?;
        self.allow::<act::ViewDirectory>(&r.actor, ()).await?;
        let members_visible = [Action::ViewUsers, Action::ManageTeams]
            .iter()
            .any(|a| decide(&r.actor, *a, None) == Decision::Allow);
        let now = self.clock.now();
        Ok(self.store.list_teams().await?.iter().map(|t| team_view(t, members_visible, now)).collect())
    }

    /// Creates a team.
    pub async fn create_team(&self, token: &SessionToken, request: TeamRequest) -> Result<TeamView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageTeams>(&r.actor, ()).await?;
        self.create_team_as(proof, request).await
    }

    /// Creates a team as IT on this machine (the `countersign` CLI, the demo).
    pub async fn operator_create_team(&self, request: TeamRequest) -> Result<TeamView> {
        let proof = self.allow::<act::ManageTeams>(&crate::authz::Actor::Operator, ()).await?;
        self.create_team_as(proof, request).await
    }

    async fn create_team_as(
        &self,
        proof: crate::authz::Authorized<act::ManageTeams>,
        request: TeamRequest,
    ) -> Result<TeamView> {
        let name = team_name(&request.name)?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let id = tx.insert_team(&proof, &name, now).await?;
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::TeamCreate).target(format!("team:{}", id.get())),
            now,
        )
        .await?;
        tx.commit().await?;
        self.team_view_of(id).await
    }

    /// Renames a team.
    pub async fn rename_team(&self, token: &SessionToken, id: i64, request: TeamRequest) -> Result<TeamView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageTeams>(&r.actor, ()).await?;
        let name = team_name(&request.name)?;
        let id = TeamId::new(id);
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.rename_team(&proof, id, &name).await?;
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::TeamRename).target(format!("team:{}", id.get())),
            now,
        )
        .await?;
        tx.commit().await?;
        self.team_view_of(id).await
    }

    /// Sets (or clears) a team's business hours, which routing rules on opening hours read.
    pub async fn set_team_hours(
        &self,
        token: &SessionToken,
        id: i64,
        request: TeamHoursRequest,
    ) -> Result<TeamView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageTeams>(&r.actor, ()).await?;
        let hours = request.hours.as_ref().map(HoursRequest::hours).transpose()?;
        let id = TeamId::new(id);
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let before = tx.set_team_hours(&proof, id, hours.as_ref()).await?;
        let after = hours.as_ref().map(BusinessHours::to_text);
        if before != after {
            let none = || "none".to_owned();
            let event = AuditEvent::new(proof.actor().clone(), Kind::TeamHours)
                .target(format!("team:{}", id.get()))
                .detail("before", before.unwrap_or_else(none))
                .detail("after", after.unwrap_or_else(none));
            tx.audit(&event, now).await?;
        }
        tx.commit().await?;
        self.team_view_of(id).await
    }

    /// Deletes a team that holds no conversations or contacts (transfer them first). The
    /// default team cannot be deleted.
    pub async fn delete_team(&self, token: &SessionToken, id: i64) -> Result<()> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageTeams>(&r.actor, ()).await?;
        let id = TeamId::new(id);
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.delete_team(&proof, id).await?;
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::TeamDelete).target(format!("team:{}", id.get())),
            now,
        )
        .await?;
        tx.commit().await
    }

    /// Adds a member to a team.
    pub async fn add_team_member(
        &self,
        token: &SessionToken,
        id: i64,
        request: MemberRequest,
    ) -> Result<TeamView> {
        self.change_membership(token, id, &request.username, true).await
    }

    /// Takes a member out of a team.
    pub async fn remove_team_member(
        &self,
        token: &SessionToken,
        id: i64,
        username: &str,
    ) -> Result<TeamView> {
        self.change_membership(token, id, username, false).await
    }

    async fn change_membership(
        &self,
        token: &SessionToken,
        id: i64,
        username: &str,
        member: bool,
    ) -> Result<TeamView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageTeams>(&r.actor, ()).await?;
        let user = self.user_named(username).await?;
        let id = TeamId::new(id);
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if tx.set_team_member(&proof, id, user.id, member).await? {
            let action = if member { Kind::TeamMemberAdd } else { Kind::TeamMemberRemove };
            let event = AuditEvent::new(proof.actor().clone(), action)
                .target(format!("team:{}", id.get()))
                .detail("user", format!("user:{}", user.id.get()));
            tx.audit(&event, now).await?;
            tx.commit().await?;
        }
        self.team_view_of(id).await
    }

    async fn team_view_of(&self, id: TeamId) -> Result<TeamView> {
        let teams = self.store.list_teams().await?;
        let now = self.clock.now();
        teams.iter().find(|t| t.id == id).map(|t| team_view(t, true, now)).ok_or(Error::NotFound)
    }
}
