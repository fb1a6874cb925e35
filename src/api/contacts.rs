//! Contacts: the customers the actor may see (their team's, their own, or all, by role), and
//! moving a contact to another team or owner.

use crate::audit::Kind;
use serde::Deserialize;

use super::views::ContactView;
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::act;
use crate::domain::{ContactId, TeamId};
use crate::error::{Error, Result};

/// Where to move a contact.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AssignContactRequest {
    /// Team id.
    pub team: i64,
    /// The member of staff who owns it (a member of that team), or nobody.
    pub owner: Option<String>,
}

/// The duplicate to merge into a contact.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MergeContactRequest {
    /// The contact that goes: its ids, labels, fields and conversations move to the one kept.
    pub duplicate: i64,
}

impl Core {
    /// Merges contact `request.duplicate` into contact `id`, which keeps its own values where
    /// both have one and gains the rest; two conversations on one business number become one.
    /// Needs editing the kept contact and deleting the duplicate; audited with what moved.
    pub async fn merge_contacts(
        &self,
        token: &SessionToken,
        id: i64,
        request: MergeContactRequest,
    ) -> Result<ContactView> {
        let r = self.resolve(token).await?;
        let keep = self.allow_on_contact::<act::EditContact>(&r.actor, ContactId::new(id)).await?;
        let gone =
            self.allow_on_contact::<act::MergeContact>(&r.actor, ContactId::new(request.duplicate)).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let merged = tx.merge_contact(&gone, &keep).await?;
        let list = |ids: Vec<String>| if ids.is_empty() { "none".to_owned() } else { ids.join(",") };
        let event = AuditEvent::new(keep.actor().clone(), Kind::ContactMerge)
            .target(format!("contact:{id}"))
            .detail("merged", format!("contact:{}", request.duplicate))
            .detail("moved", list(merged.moved.iter().map(|c| format!("conversation:{}", c.get())).collect()))
            .detail(
                "folded",
                list(
                    merged
                        .folded
                        .iter()
                        .map(|(from, into)| {
                            format!("conversation:{}>conversation:{}", from.get(), into.get())
                        })
                        .collect(),
                ),
            );
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(contact = id, merged = request.duplicate, "contacts merged");
        self.contact_view(&r, &keep).await
    }

    /// The contacts the actor may see, by name, with their fields masked.
    pub async fn contacts(&self, token: &SessionToken) -> Result<Vec<ContactView>> {
        let r = self.resolve(token).await?;
        let proof = self.allow_list::<act::ListContacts>(&r.actor).await?;
        let fields = self.store.list_contact_fields().await?;
        let detectors = self.detectors().await?;
        let contacts = self.store.list_contacts(&proof).await?;
        let sight = self.standing_sight(&r.grants).await?;
        Ok(contacts.iter().map(|c| ContactView::build(c, sight, &fields, &detectors)).collect())
    }

    /// One contact, with its fields masked.
    pub async fn contact(&self, token: &SessionToken, id: i64) -> Result<ContactView> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_contact::<act::ReadContact>(&r.actor, ContactId::new(id)).await?;
        self.contact_view(&r, &proof).await
    }

    /// Moves a contact to a team and (optionally) an owner in that team. The contact may leave
    /// the actor's sight by this, so nothing of it is returned.
    pub async fn assign_contact(
        &self,
        token: &SessionToken,
        id: i64,
        request: AssignContactRequest,
    ) -> Result<()> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_contact::<act::AssignContact>(&r.actor, ContactId::new(id)).await?;
        let team = TeamId::new(request.team);
        let owner = match request.owner.as_deref() {
            Some(name) => Some(self.member_of(team, name).await?),
            None => None,
        };
        self.team_exists(team).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.assign_contact(&proof, team, owner).await?;
        let mut event = AuditEvent::new(proof.actor().clone(), Kind::ContactAssign)
            .target(format!("contact:{id}"))
            .detail("team", format!("team:{}", team.get()));
        if let Some(owner) = owner {
            event = event.detail("owner", format!("user:{}", owner.get()));
        }
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// The enabled member of `team` called `name`.
    pub(crate) async fn member_of(&self, team: TeamId, name: &str) -> Result<crate::domain::UserId> {
        let user = self.user_named(name).await.map_err(|_| {
            Error::Invalid(format!("there is no user called {:?}", name.chars().take(64).collect::<String>()))
        })?;
        let teams = self.store.list_teams().await?;
        let member = teams
            .iter()
            .find(|t| t.id == team)
            .is_some_and(|t| t.members.iter().any(|(id, _)| *id == user.id));
        if member && !user.disabled {
            Ok(user.id)
        } else {
            Err(Error::Invalid(format!("{} is not an active member of that team", user.username)))
        }
    }

    pub(crate) async fn team_exists(&self, team: TeamId) -> Result<()> {
        if self.store.list_teams().await?.iter().any(|t| t.id == team) {
            Ok(())
        } else {
            Err(Error::Invalid("there is no such team".to_owned()))
        }
    }
}
