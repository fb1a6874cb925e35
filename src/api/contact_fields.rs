//! Contact fields with a sensitivity class (issue 6, point 2): the administrator defines what
//! the business keeps about its customers (a loyalty tier, a date of birth, an allergy note)
//! and who may reveal each; staff who may edit a contact fill the values in; everyone sees
//! classed values masked, and someone whose role may reveal a class asks to see a contact's
//! fields with a reason, for a minute, audited like a message's reveal.
//!
//! Decisions, and why:
//! - Defining or reclassifying a field is a security setting (a field moved from `health` to
//!   `none` shows every value of it): security permission and a fresh second factor.
//! - A value is write-only for someone who may not reveal its class: they may type a date of
//!   birth the customer gave, and then see it masked like everyone else.
//! - The audit trail names the field, never the value; deleting a field records how many
//!   values went with it.
//! - A value's errors never repeat the value.

use crate::audit::Kind;
use serde::Deserialize;

use super::reveal::{checked_reason, RevealRequest};
use super::session::Resolved;
use super::views::{ContactFieldView, ContactRevealView, ContactView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::{act, Action, OnContact};
use crate::domain::contact_field::{checked_name, checked_value, class_name, parse_class};
use crate::domain::{ContactField, ContactFieldId, ContactId, FieldKind};
use crate::error::{Error, Result};

/// A field to define, or a change to one (its kind cannot change: values of the old kind
/// would not fit).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ContactFieldRequest {
    /// Its name, as staff read it (1 to 40 characters, unique).
    pub name: String,
    /// `text` or `date_of_birth` (creating only; default `text`).
    pub kind: Option<String>,
    /// Who may reveal its values: `none`, `contact`, `financial`, `identity` or `health`.
    pub class: String,
}

/// A contact's value of one field.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FieldValueRequest {
    /// The value (a date of birth as `1990-03-12`); empty clears it.
    pub value: String,
}

impl Core {
    /// The fields the organisation keeps about contacts (anyone signed in: the names only).
    pub async fn contact_fields(&self, token: &SessionToken) -> Result<Vec<ContactFieldView>> {
        let r = self.resolve(token).await?;
        self.allow::<act::ViewDirectory>(&r.actor, ()).await?;
        Ok(self.store.list_contact_fields().await?.iter().map(ContactFieldView::build).collect())
    }

    /// Defines a field (security administrators, step-up).
    pub async fn create_contact_field(
        &self,
        token: &SessionToken,
        request: ContactFieldRequest,
    ) -> Result<ContactFieldView> {
        let r = self.resolve(token).await?;
        let kind = match request.kind.as_deref().map(str::trim) {
            None | Some("") => FieldKind::Text,
            Some(kind) => FieldKind::parse(kind)
                .ok_or_else(|| Error::Invalid("a field's kind is text or date_of_birth".to_owned()))?,
        };
        self.save_field(&r, None, kind, request).await
    }

    /// Renames or reclassifies a field (security administrators, step-up).
    pub async fn update_contact_field(
        &self,
        token: &SessionToken,
        id: i64,
        request: ContactFieldRequest,
    ) -> Result<ContactFieldView> {
        let r = self.resolve(token).await?;
        let current = self.store.find_contact_field(ContactFieldId::new(id)).await?.ok_or(Error::NotFound)?;
        if request.kind.as_deref().is_some_and(|k| k.trim() != current.kind.as_str()) {
            return Err(Error::Invalid("a field's kind cannot change: add a new field instead".to_owned()));
        }
        let kind = current.kind;
        self.save_field(&r, Some(current), kind, request).await
    }

    async fn save_field(
        &self,
        r: &Resolved,
        current: Option<ContactField>,
        kind: FieldKind,
        request: ContactFieldRequest,
    ) -> Result<ContactFieldView> {
        let proof = self.allow::<act::ManageContactFields>(&r.actor, ()).await?;
        self.require_step_up(r).await?;
        let name = checked_name(&request.name).map_err(Error::Invalid)?;
        let class = parse_class(request.class.trim()).map_err(Error::Invalid)?;
        let mut field = ContactField { id: ContactFieldId::new(0), name, kind, class };
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        field.id = tx.save_contact_field(&proof, current.as_ref().map(|c| c.id), &field, now).await?;
        let mut event = AuditEvent::new(proof.actor().clone(), Kind::ContactFieldSave)
            .target(format!("contact_field:{}", field.id.get()))
            .detail("name", &field.name)
            .detail("kind", field.kind.as_str())
            .detail("class", class_name(field.class));
        if let Some(before) = &current {
            event = event.detail("before", format!("{}/{}", before.name, class_name(before.class)));
        }
        tx.audit(&event, now).await?;
        tx.commit().await?;
        Ok(ContactFieldView::build(&field))
    }

    /// Deletes a field and every contact's value of it (security administrators, step-up).
    pub async fn delete_contact_field(&self, token: &SessionToken, id: i64) -> Result<()> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageContactFields>(&r.actor, ()).await?;
        self.require_step_up(&r).await?;
        let field = self.store.find_contact_field(ContactFieldId::new(id)).await?.ok_or(Error::NotFound)?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let values = tx.delete_contact_field(&proof, field.id).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::ContactFieldDelete)
            .target(format!("contact_field:{id}"))
            .detail("name", &field.name)
            .detail("values", values);
        tx.audit(&event, now).await?;
        tx.commit().await
    }

    /// Sets (or, with an empty value, clears) a contact's value of a field; returns the
    /// contact as the actor sees it.
    pub async fn set_contact_field(
        &self,
        token: &SessionToken,
        contact: i64,
        field: i64,
        request: FieldValueRequest,
    ) -> Result<ContactView> {
        let r = self.resolve(token).await?;
        let id = ContactId::new(contact);
        let proof = self.allow_on_contact::<act::EditContact>(&r.actor, id).await?;
        let field =
            self.store.find_contact_field(ContactFieldId::new(field)).await?.ok_or(Error::NotFound)?;
        let now = self.clock.now();
        let value = checked_value(field.kind, &request.value, now.utc_date()).map_err(Error::Invalid)?;
        let mut tx = self.store.write().await?;
        if tx.set_contact_field(&proof, field.id, value.as_deref(), now).await? {
            let event = AuditEvent::new(proof.actor().clone(), Kind::ContactFieldSet)
                .target(format!("contact:{contact}"))
                .detail("field", format!("contact_field:{}", field.id.get()))
                .detail("cleared", value.is_none());
            tx.audit(&event, now).await?;
            tx.commit().await?;
        }
        self.contact_view(&r, &proof).await
    }

    /// A contact with its fields unmasked in the classes the actor may reveal, for a minute
    /// ([`super::reveal::REVEAL_MS`]); audited with the classes and the reason (itself masked).
    pub async fn reveal_contact(
        &self,
        token: &SessionToken,
        contact: i64,
        request: RevealRequest,
    ) -> Result<ContactRevealView> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_contact::<act::RevealContact>(&r.actor, ContactId::new(contact)).await?;
        let reason = checked_reason(&request.reason)?;
        let sight = self.sight_on_contact(&r, proof.contact()).await?;
        self.refuse_blind(&r, Action::RevealContact, format!("contact:{contact}"), sight).await?;
        let record = self.store.get_contact(&proof).await?;
        let fields = self.store.list_contact_fields().await?;
        let detectors = self.detectors().await?;
        let (view, classes) = ContactView::revealed(&record, sight.shown, &fields, &detectors);
        let event =
            AuditEvent::new(proof.actor().clone(), Kind::DataReveal).target(format!("contact:{contact}"));
        let until = self.record_reveal(event, &classes, sight, reason, detectors).await?;
        tracing::info!(contact, classes = classes.len(), "contact revealed");
        Ok(ContactRevealView { contact: view, until })
    }

    /// The contact a proof concerns, as the actor sees it (fields masked).
    pub(super) async fn contact_view(&self, r: &Resolved, proof: &impl OnContact) -> Result<ContactView> {
        let read = self.allow_on_contact::<act::ReadContact>(&r.actor, proof.contact()).await?;
        let record = self.store.get_contact(&read).await?;
        let fields = self.store.list_contact_fields().await?;
        let sight = self.standing_sight(&r.grants).await?;
        Ok(ContactView::build(&record, sight, &fields, &self.detectors().await?))
    }
}
