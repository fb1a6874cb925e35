//! People: the administrators' list of users, adding users, giving them a role, disabling
//! them. Each change is a privilege change: it needs step-up, obeys `authz::guard` (nobody
//! gives or takes away a role holding more than they do; only owners make owners; the last
//! owner stays) and is audited with before and after.

use crate::audit::alerts::Rule;
use crate::audit::Kind;
use serde::Deserialize;

use super::views::{TeamRefView, UserView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::guard::{self, RoleSide};
use crate::authz::{act, Actor};
use crate::domain::{TeamId, Username};
use crate::error::{Error, Result};
use crate::keys::SecretString;
use crate::store::users::{UserListing, UserRecord};

/// A user to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateUserRequest {
    /// User name.
    pub username: String,
    /// Role slug.
    pub role: String,
    /// A temporary password; they choose their own at first sign-in.
    pub password: SecretString,
    /// Teams to put them in (ids).
    #[serde(default)]
    pub teams: Vec<i64>,
}

/// A new role for a user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetRoleRequest {
    /// Role slug.
    pub role: String,
}

/// Disable or enable a user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetDisabledRequest {
    /// `true` disables (and signs them out everywhere).
    pub disabled: bool,
}

impl Core {
    /// Every user with their role and teams (for those who may see users).
    pub async fn users(&self, token: &SessionToken) -> Result<Vec<UserView>> {
        let r = self.resolve(token).await?;
        self.allow::<act::ViewUsers>(&r.actor, ()).await?;
        let users = self.store.list_users().await?;
        let teams = self.store.list_teams().await?;
        Ok(users.iter().map(|u| user_view(u, &teams)).collect())
    }

    /// Adds a user with a temporary password they must change at first sign-in. Needs
    /// step-up; the role must be one the admin may give.
    pub async fn create_user(&self, token: &SessionToken, request: CreateUserRequest) -> Result<UserView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageUsers>(&r.actor, ()).await?;
        let teams_proof = self.allow::<act::ManageTeams>(&r.actor, ()).await;
        self.require_step_up(&r).await?;
        let username = Username::parse(&request.username)?;
        let role = self.known_role(&request.role).await?;
        let grants = self.store.role_grants(&role).await?.ok_or(Error::NotFound)?;
        guard::may_give(&r.actor, RoleSide { slug: &role, grants: &grants })
            .map_err(|e| Error::NotAllowed(e.message()))?;
        self.password_policy().await?.check(username.as_str(), &request.password)?;
        let known_teams = self.store.list_teams().await?;
        let teams: Vec<TeamId> = request.teams.iter().copied().map(TeamId::new).collect();
        if teams.iter().any(|t| !known_teams.iter().any(|k| k.id == *t)) {
            return Err(Error::Invalid("one of the teams does not exist".to_owned()));
        }
        if !teams.is_empty() && teams_proof.is_err() {
            return Err(Error::Forbidden);
        }
        let hash = self.hash_password(&request.password).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let id = tx.insert_user(&proof, &username, &hash, &role, now).await?;
        tx.reset_password(&proof, id, &hash, now).await?;
        if let Ok(teams_proof) = &teams_proof {
            for team in &teams {
                tx.set_team_member(teams_proof, *team, id, true).await?;
            }
        }
        let event = AuditEvent::new(proof.actor().clone(), Kind::UserAdd)
            .target(format!("user:{}", id.get()))
            .detail("role", &role)
            .detail("teams", team_list(&teams));
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.user_view_of(username.as_str()).await
    }

    /// Gives `username` another role. Needs step-up; see the module docs for the guardrails.
    pub async fn set_user_role(
        &self,
        token: &SessionToken,
        username: &str,
        request: SetRoleRequest,
    ) -> Result<UserView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageUsers>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        let user = self.user_named(username).await?;
        let to = self.known_role(&request.role).await?;
        if to == user.role {
            return self.user_view_of(&user.username).await;
        }
        let from_grants = self.store.role_grants(&user.role).await?.ok_or(Error::NotFound)?;
        let to_grants = self.store.role_grants(&to).await?.ok_or(Error::NotFound)?;
        let owners = self.enabled_owners_counting(&user).await?;
        guard::may_reassign(
            &r.actor,
            RoleSide { slug: &user.role, grants: &from_grants },
            Some(RoleSide { slug: &to, grants: &to_grants }),
            owners,
        )
        .map_err(|e| Error::NotAllowed(e.message()))?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.set_user_role(&proof, user.id, &to).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::UserRole)
            .target(format!("user:{}", user.id.get()))
            .detail("before", &user.role)
            .detail("after", &to);
        tx.audit(&event, now).await?;
        if to_grants.exceeds(&from_grants) {
            let alert = super::audit::escalation_alert(proof.actor(), user.role.as_str(), to.as_str());
            tx.raise_alert(Rule::Escalation, alert, &format!("user:{}", user.id.get()), now).await?;
        }
        tx.commit().await?;
        self.user_view_of(&user.username).await
    }

    /// Disables `username` (signing them out everywhere) or enables them again. Needs step-up;
    /// nobody disables themselves, someone holding more than they do, or the last owner.
    pub async fn set_user_disabled(
        &self,
        token: &SessionToken,
        username: &str,
        request: SetDisabledRequest,
    ) -> Result<UserView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageUsers>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        let user = self.user_named(username).await?;
        if user.id == r.user.id {
            return Err(Error::Invalid("you cannot disable or enable your own account".to_owned()));
        }
        if user.disabled == request.disabled {
            return self.user_view_of(&user.username).await;
        }
        let grants = self.store.role_grants(&user.role).await?.ok_or(Error::NotFound)?;
        let side = RoleSide { slug: &user.role, grants: &grants };
        let owners = self.enabled_owners_counting(&user).await?;
        let outcome = if request.disabled {
            guard::may_reassign(&r.actor, side, None, owners)
        } else {
            guard::may_reassign(&r.actor, side, Some(side), owners)
        };
        outcome.map_err(|e| Error::NotAllowed(e.message()))?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.set_user_disabled(&proof, user.id, request.disabled, now).await?;
        let action = if request.disabled { Kind::UserDisable } else { Kind::UserEnable };
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), action).target(format!("user:{}", user.id.get())),
            now,
        )
        .await?;
        tx.commit().await?;
        self.user_view_of(&user.username).await
    }

    /// The enabled owners, as [`guard::may_reassign`] counts them: a disabled owner is not one
    /// of them, so changing them cannot leave the organisation with fewer.
    async fn enabled_owners_counting(&self, user: &UserRecord) -> Result<usize> {
        let owners = self.store.enabled_owners().await?;
        Ok(if user.disabled { owners + 1 } else { owners })
    }

    /// Refuses an administrative action on `user` whose role holds more than `actor` does.
    pub(crate) async fn may_act_on(&self, actor: &Actor, user: &UserRecord) -> Result<()> {
        let grants = self.store.role_grants(&user.role).await?.ok_or(Error::NotFound)?;
        guard::holds(actor, &grants).map_err(|e| Error::NotAllowed(e.message()))
    }

    /// The user called `username`; a malformed or unknown name is `NotFound`.
    pub(crate) async fn user_named(&self, username: &str) -> Result<UserRecord> {
        let name = Username::parse(username).map_err(|_| Error::NotFound)?;
        self.store.find_user_by_name(&name).await?.ok_or(Error::NotFound)
    }

    async fn user_view_of(&self, username: &str) -> Result<UserView> {
        let users = self.store.list_users().await?;
        let teams = self.store.list_teams().await?;
        users.iter().find(|u| u.username == username).map(|u| user_view(u, &teams)).ok_or(Error::NotFound)
    }
}

/// Team ids as the audit trail records them: `2+5`.
pub(crate) fn team_list(teams: &[TeamId]) -> String {
    teams.iter().map(|t| t.get().to_string()).collect::<Vec<_>>().join("+")
}

fn user_view(u: &UserListing, teams: &[crate::store::access::TeamRecord]) -> UserView {
    UserView {
        username: u.username.clone(),
        role: u.role.as_str().to_owned(),
        disabled: u.disabled,
        teams: teams
            .iter()
            .filter(|t| u.teams.contains(&t.id))
            .map(|t| TeamRefView { id: t.id.get(), name: t.name.clone() })
            .collect(),
    }
}
