//! Contact labels (dealer, designer, VIP …). A restricted label hides the contacts carrying it,
//! and their conversations, from every role it is not granted to. Which roles see a label is a
//! privilege change on those roles, so it follows `authz::guard`: nobody lets a role see a
//! label they do not see, or changes what a role holding more than they do sees.

use crate::audit::Kind;
use serde::Deserialize;

use super::views::{ContactView, LabelView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::sending::Files;
use crate::authz::{act, decide, guard, Action, Actor, Decision};
use crate::domain::{ContactId, LabelId, RoleSlug};
use crate::error::{Error, Result};
use crate::store::access::{LabelRecord, LabelSpec};

/// The colours a label may have (tokens of the UI's palette).
pub const COLOURS: [&str; 8] = ["grey", "red", "orange", "yellow", "green", "teal", "blue", "purple"];

/// A label to create, or the new state of one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LabelRequest {
    /// Name (1–40 characters).
    pub name: String,
    /// One of [`COLOURS`]; grey if left out.
    pub colour: Option<String>,
    /// Hide its contacts from roles not listed in `roles`.
    #[serde(default)]
    pub restricted: bool,
    /// Roles that may see its contacts when restricted (slugs).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Which files may be sent to its contacts: `any` (when left out), `no_documents` or `none`.
    pub files: Option<String>,
}

/// A label to put on a contact.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApplyLabelRequest {
    /// Label id.
    pub label: i64,
}

/// Whether `actor` sees `label` (a restricted one only when granted).
fn sees(actor: &Actor, label: &LabelRecord) -> bool {
    match actor {
        Actor::User { grants, .. } => grants.sees_label(label.id, label.restricted),
        Actor::Operator | Actor::VerifiedWebhook | Actor::Anonymous | Actor::IdentityProvider => false,
    }
}

impl Core {
    /// The labels the actor may see (restricted ones only when granted).
    pub async fn labels(&self, token: &SessionToken) -> Result<Vec<LabelView>> {
        let r = self.resolve(token).await?;
        self.allow::<act::ViewDirectory>(&r.actor, ()).await?;
        let manages = decide(&r.actor, Action::ManageLabels, None) == Decision::Allow;
        Ok(self.visible_labels(&r.actor).await?.iter().map(|l| LabelView::build(l, manages)).collect())
    }

    /// Creates a label.
    pub async fn create_label(&self, token: &SessionToken, request: LabelRequest) -> Result<LabelView> {
        self.save_label(token, None, request).await
    }

    /// Changes a label: name, colour, restriction, and which roles see it.
    pub async fn update_label(
        &self,
        token: &SessionToken,
        id: i64,
        request: LabelRequest,
    ) -> Result<LabelView> {
        self.save_label(token, Some(LabelId::new(id)), request).await
    }

    /// Deletes a label; it comes off every contact.
    pub async fn delete_label(&self, token: &SessionToken, id: i64) -> Result<()> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageLabels>(&r.actor, ()).await?;
        let label = self.visible_label(&r.actor, LabelId::new(id)).await?;
        // Deleting a label a template is meant for would open the template to every contact.
        let templates = self.store.label_templates(label.id).await?;
        if !templates.is_empty() {
            return Err(Error::Conflict(format!(
                "these templates are only for contacts labelled {}: {}; change them under Templates first",
                label.name,
                templates.join(", ")
            )));
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.delete_label(&proof, label.id).await?;
        tx.audit(
            &AuditEvent::new(proof.actor().clone(), Kind::LabelDelete).target(format!("label:{id}")),
            now,
        )
        .await?;
        tx.commit().await
    }

    async fn save_label(
        &self,
        token: &SessionToken,
        id: Option<LabelId>,
        request: LabelRequest,
    ) -> Result<LabelView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageLabels>(&r.actor, ()).await?;
        let name = request.name.trim();
        if !(1..=40).contains(&name.chars().count()) {
            return Err(Error::Invalid("a label's name has 1 to 40 characters".to_owned()));
        }
        let colour = request.colour.as_deref().unwrap_or("grey");
        let files = match request.files.as_deref() {
            None => Files::Any,
            Some(name) => Files::parse(name).ok_or_else(|| {
                Error::Invalid("a label lets through any file, no_documents or none".to_owned())
            })?,
        };
        if !COLOURS.contains(&colour) {
            return Err(Error::Invalid(format!("a label's colour is one of: {}", COLOURS.join(", "))));
        }
        let mut roles = Vec::with_capacity(request.roles.len());
        for role in &request.roles {
            roles.push(self.known_role(role).await?);
        }
        roles.sort();
        roles.dedup();
        let before: Vec<RoleSlug> = match id {
            Some(id) => self.visible_label(&r.actor, id).await?.roles,
            None => Vec::new(),
        };
        // Every role whose sight changes is a role the actor must hold in full.
        for changed in
            roles.iter().filter(|s| !before.contains(s)).chain(before.iter().filter(|s| !roles.contains(s)))
        {
            let grants = self.store.role_grants(changed).await?.ok_or(Error::NotFound)?;
            guard::holds(&r.actor, &grants).map_err(|e| Error::NotAllowed(e.message()))?;
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let spec = LabelSpec { name, colour, restricted: request.restricted, roles: &roles, files };
        let saved = tx.save_label(&proof, id, &spec, now).await?;
        let event = AuditEvent::new(
            proof.actor().clone(),
            if id.is_some() { Kind::LabelUpdate } else { Kind::LabelCreate },
        )
        .target(format!("label:{}", saved.get()))
        .detail("restricted", request.restricted)
        .detail("roles", roles.iter().map(RoleSlug::as_str).collect::<Vec<_>>().join("+"))
        .detail("files", files.as_str());
        tx.audit(&event, now).await?;
        tx.commit().await?;
        Ok(LabelView::build(&self.any_label(saved).await?, true))
    }

    /// Puts a label on a contact the actor can see.
    pub async fn label_contact(
        &self,
        token: &SessionToken,
        contact: i64,
        request: ApplyLabelRequest,
    ) -> Result<ContactView> {
        self.set_contact_label(token, contact, request.label, true).await
    }

    /// Takes a label off a contact the actor can see.
    pub async fn unlabel_contact(
        &self,
        token: &SessionToken,
        contact: i64,
        label: i64,
    ) -> Result<ContactView> {
        self.set_contact_label(token, contact, label, false).await
    }

    async fn set_contact_label(
        &self,
        token: &SessionToken,
        contact: i64,
        label: i64,
        on: bool,
    ) -> Result<ContactView> {
        let r = self.resolve(token).await?;
        let id = ContactId::new(contact);
        let proof = self.allow_on_contact::<act::LabelContact>(&r.actor, id).await?;
        let label = self.visible_label(&r.actor, LabelId::new(label)).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if tx.set_contact_label(&proof, label.id, on).await? {
            let event = AuditEvent::new(
                proof.actor().clone(),
                if on { Kind::ContactLabelAdd } else { Kind::ContactLabelRemove },
            )
            .target(format!("contact:{contact}"))
            .detail("label", format!("label:{}", label.id.get()));
            tx.audit(&event, now).await?;
            tx.commit().await?;
        }
        // With a restricted label just put on, the contact may be out of the actor's sight now.
        self.contact_view(&r, &proof).await
    }

    /// Every label the actor may see.
    pub(super) async fn visible_labels(&self, actor: &Actor) -> Result<Vec<LabelRecord>> {
        Ok(self.store.list_labels().await?.into_iter().filter(|l| sees(actor, l)).collect())
    }

    /// A label the actor may see; others are `NotFound`.
    async fn visible_label(&self, actor: &Actor, id: LabelId) -> Result<LabelRecord> {
        let label = self.any_label(id).await?;
        if sees(actor, &label) {
            Ok(label)
        } else {
            Err(Error::NotFound)
        }
    }

    async fn any_label(&self, id: LabelId) -> Result<LabelRecord> {
        self.store.list_labels().await?.into_iter().find(|l| l.id == id).ok_or(Error::NotFound)
    }
}
