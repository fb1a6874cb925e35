//! Where a contact stands with the business, and their marketing consent (issue 8 point 5).
//! Consent is recorded with when, how and by whom; an opt-out stops marketing templates.

use serde::Deserialize;

use super::views::ContactView;
use super::Core;
use crate::audit::{AuditEvent, Kind};
use crate::auth::session::SessionToken;
use crate::authz::act;
use crate::domain::ContactId;
use crate::error::{Error, Result};

/// The lifecycle stages, in order.
pub const STAGES: [&str; 4] = ["new", "lead", "customer", "inactive"];

/// A contact's stage.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LifecycleRequest {
    /// `new`, `lead`, `customer` or `inactive`.
    pub stage: String,
}

/// A contact's answer about marketing messages.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ConsentRequest {
    /// `opted_in`, `opted_out` or `unknown`.
    pub state: String,
    /// How they gave it ("said yes in chat", "signed up in store"); required unless `unknown`.
    #[serde(default)]
    pub source: Option<String>,
}

impl Core {
    /// Moves a contact to another lifecycle stage (audited with before and after).
    pub async fn set_contact_lifecycle(
        &self,
        token: &SessionToken,
        contact: i64,
        request: LifecycleRequest,
    ) -> Result<ContactView> {
        let r = self.resolve(token).await?;
        let stage = request.stage.trim();
        if !STAGES.contains(&stage) {
            return Err(Error::Invalid("the stage is new, lead, customer or inactive".to_owned()));
        }
        let proof = self.allow_on_contact::<act::EditContact>(&r.actor, ContactId::new(contact)).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let before = tx.set_lifecycle(&proof, stage).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::ContactLifecycle)
            .target(format!("contact:{contact}"))
            .detail("before", before)
            .detail("after", stage);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.contact_view(&r, &proof).await
    }

    /// Records a contact's marketing consent, when and how it was given (audited).
    pub async fn set_marketing_consent(
        &self,
        token: &SessionToken,
        contact: i64,
        request: ConsentRequest,
    ) -> Result<ContactView> {
        let r = self.resolve(token).await?;
        let state = request.state.trim();
        if !["opted_in", "opted_out", "unknown"].contains(&state) {
            return Err(Error::Invalid("consent is opted_in, opted_out or unknown".to_owned()));
        }
        let source = request.source.as_deref().map(str::trim).filter(|s| !s.is_empty());
        match source {
            None if state != "unknown" => {
                return Err(Error::Invalid(
                    "say how they gave their answer (for example: said yes in chat)".to_owned(),
                ))
            }
            Some(s) if s.chars().count() > 120 => {
                return Err(Error::Invalid("how they answered fits in 120 characters".to_owned()))
            }
            _ => {}
        }
        let proof = self.allow_on_contact::<act::EditContact>(&r.actor, ContactId::new(contact)).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let before = tx.set_consent(&proof, state, source, r.user.id, now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::ContactConsent)
            .target(format!("contact:{contact}"))
            .detail("before", before)
            .detail("after", state);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.contact_view(&r, &proof).await
    }
}
