//! Privacy requests about a contact (issue 11 point 4, GDPR articles 15, 17 and 20).
//!
//! Decisions, and why:
//! - **Export**: everything held about the contact in one zip — `contact.json` (who they
//!   are to WhatsApp, their stage and consent, labels, field values unmasked, every
//!   conversation with its messages, WhatsApp's JSON of each, the staff's notes and the
//!   requests to reveal their data) and `media/` (each file kept, named by its message). Staff
//!   are not named (their names are the staff's data, not the customer's). The export is
//!   recorded before anything is written, so no export goes unrecorded, and needs step-up.
//! - **Erasure**: everything of theirs is deleted in one transaction ([`crate::store::privacy`])
//!   and every audit record about them — as target, or named in a search of the trail — is
//!   blanked under a random pseudonym, keeping the digests its hash commits to, so the chain
//!   and its signed checkpoints still verify and the record of *what was done, by whom and
//!   when* stays. One `privacy.erased` event names the pseudonym (and explains the blanks to
//!   the verifier). It needs step-up, the contact's name typed as a confirmation, and no legal
//!   hold on them (a hold is the exception GDPR makes for legal claims).
//! - Records written before the erasable format cannot be blanked without breaking the chain:
//!   the erasure says how many remain (they hold internal ids and whatever staff typed).

use std::io::{Seek, Write};

use serde::Deserialize;
use serde_json::{json, Value};

use super::views::{ErasureView, PrivacyExportView};
use super::Core;
use crate::audit::{AuditEvent, Kind, ERASED_AS};
use crate::auth::session::SessionToken;
use crate::authz::{act, Actor, Authorized};
use crate::clock::Timestamp;
use crate::domain::ContactId;
use crate::error::{Error, Result};
use crate::store::privacy::ContactDossier;

/// The name of the export's format, in the file.
const FORMAT: &str = "countersign-contact-export/1";

/// The confirmation of an erasure.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EraseRequest {
    /// The contact's name as the app shows it, typed by whoever erases them.
    pub confirm_name: String,
}

impl Core {
    /// Writes everything held about contact `id` to `out` as a zip (privacy permission and
    /// step-up).
    pub async fn export_contact_data(
        &self,
        token: &SessionToken,
        id: i64,
        out: &mut (dyn WriteSeek + Send),
    ) -> Result<PrivacyExportView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::HandlePrivacyRequest>(&r.actor, ContactId::new(id)).await?;
        self.require_step_up(&r).await?;
        self.export_as(&proof, out).await
    }

    /// The same, for IT at the machine (`countersign privacy export`).
    pub async fn operator_export_contact_data(
        &self,
        id: i64,
        out: &mut (dyn WriteSeek + Send),
    ) -> Result<PrivacyExportView> {
        let proof = self.allow::<act::HandlePrivacyRequest>(&Actor::Operator, ContactId::new(id)).await?;
        self.export_as(&proof, out).await
    }

    async fn export_as(
        &self,
        proof: &Authorized<act::HandlePrivacyRequest>,
        out: &mut (dyn WriteSeek + Send),
    ) -> Result<PrivacyExportView> {
        let dossier = self.store.contact_dossier(proof).await?;
        let now = self.clock.now();
        let view = PrivacyExportView {
            conversations: dossier.conversations.len() as u64,
            messages: dossier.conversations.iter().map(|c| c.messages.len() as u64).sum(),
            notes: dossier.conversations.iter().map(|c| c.notes.len() as u64).sum(),
            files: dossier.conversations.iter().flat_map(|c| &c.messages).filter(|m| m.file.is_some()).count()
                as u64,
            file: None,
        };
        // Recorded before anything leaves.
        let mut tx = self.store.write().await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::PrivacyExported)
            .target(format!("contact:{}", proof.resource().get()))
            .detail("conversations", view.conversations)
            .detail("messages", view.messages)
            .detail("files", view.files)
            .detail("notes", view.notes);
        tx.audit(&event, now).await?;
        tx.commit().await?;

        let mut zip = zip::ZipWriter::new(out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o600);
        let written =
            |e: zip::result::ZipError| Error::Internal(format!("the export could not be written: {e}"));
        zip.start_file("contact.json", options).map_err(written)?;
        let document = serde_json::to_vec_pretty(&document(&dossier, now))
            .map_err(|e| Error::Internal(e.to_string()))?;
        zip.write_all(&document)
            .map_err(|e| Error::Internal(format!("the export could not be written: {e}")))?;
        for m in dossier.conversations.iter().flat_map(|c| &c.messages) {
            let Some(mime) = &m.file else { continue };
            let bytes = self.store.dossier_file(proof, m.id).await?;
            zip.start_file(file_name(m.id, mime), options).map_err(written)?;
            zip.write_all(&bytes)
                .map_err(|e| Error::Internal(format!("the export could not be written: {e}")))?;
        }
        zip.finish().map_err(written)?;
        Ok(view)
    }

    /// Erases contact `id` (privacy permission, step-up, the name typed, no legal hold).
    pub async fn erase_contact(
        &self,
        token: &SessionToken,
        id: i64,
        request: EraseRequest,
    ) -> Result<ErasureView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::HandlePrivacyRequest>(&r.actor, ContactId::new(id)).await?;
        self.require_step_up(&r).await?;
        self.erase_as(&proof, &request).await
    }

    /// The same, for IT at the machine (`countersign privacy erase`).
    pub async fn operator_erase_contact(&self, id: i64, request: EraseRequest) -> Result<ErasureView> {
        let proof = self.allow::<act::HandlePrivacyRequest>(&Actor::Operator, ContactId::new(id)).await?;
        self.erase_as(&proof, &request).await
    }

    async fn erase_as(
        &self,
        proof: &Authorized<act::HandlePrivacyRequest>,
        request: &EraseRequest,
    ) -> Result<ErasureView> {
        let contact = *proof.resource();
        let dossier = self.store.contact_dossier(proof).await?;
        let shown = shown_name(&dossier);
        if !request.confirm_name.trim().eq_ignore_ascii_case(shown.trim()) {
            return Err(Error::Invalid(format!("type the customer's name, {shown}, to confirm the erasure")));
        }
        let holds = self.store.holds_on_contact(contact).await?;
        if !holds.is_empty() {
            return Err(Error::Conflict(
                "this customer is under a legal hold: an owner must release it (Data retention) before they can be erased"
                    .to_owned(),
            ));
        }
        let targets = self.store.subject_targets(contact).await?;
        let mut bytes = [0u8; 8];
        self.rng.fill(&mut bytes);
        let pseudonym = hex::encode(bytes);
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let erased = tx.erase_contact(proof, now).await?;
        let (blanked, kept) = tx.erase_audit_mentions(proof, &targets, &pseudonym).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::PrivacyErased)
            .target(format!("erased:{pseudonym}"))
            .detail(ERASED_AS, &pseudonym)
            .detail("conversations", erased.conversations)
            .detail("messages", erased.messages)
            .detail("files", erased.files)
            .detail("notes", erased.notes)
            .detail("raw_deliveries", erased.deliveries)
            .detail("audit_records_pseudonymised", blanked)
            .detail("audit_records_kept", kept);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(%pseudonym, messages = erased.messages, "a contact was erased");
        Ok(ErasureView {
            pseudonym,
            conversations: erased.conversations,
            messages: erased.messages,
            files: erased.files,
            notes: erased.notes,
            raw_deliveries: erased.deliveries,
            audit_records_pseudonymised: blanked,
            audit_records_kept: kept,
        })
    }
}

/// Where an export is written: a file, or memory for the HTTP API.
pub trait WriteSeek: Write + Seek {}
impl<T: Write + Seek> WriteSeek for T {}

/// The contact's name as the app shows it.
fn shown_name(d: &ContactDossier) -> String {
    d.profile_name.clone().unwrap_or_else(|| "WhatsApp customer".to_owned())
}

/// `media/<message id>.<extension>`.
fn file_name(message: i64, mime: &str) -> String {
    let extension = match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" => "m4a",
        "audio/aac" => "aac",
        "audio/amr" => "amr",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => "bin",
    };
    format!("media/{message}.{extension}")
}

/// The export's `contact.json`.
fn document(d: &ContactDossier, now: Timestamp) -> Value {
    let at = |t: Timestamp| t.rfc3339();
    json!({
        "format": FORMAT,
        "exported_at": at(now),
        "contact": {
            "whatsapp_id": d.wa_id,
            "whatsapp_user_id": d.user_id,
            "profile_name": d.profile_name,
            "whatsapp_username": d.username,
            "stage": d.lifecycle,
            "marketing_consent": {
                "answer": d.consent.0,
                "recorded_at": d.consent.1.map(at),
                "how": d.consent.2,
            },
            "first_seen": at(d.created_at),
            "labels": d.labels,
            "fields": d.fields.iter().map(|(name, value)| json!({ "name": name, "value": value })).collect::<Vec<_>>(),
        },
        "conversations": d.conversations.iter().map(|c| json!({
            "id": c.id,
            "business_number": c.business_number,
            "status": c.status,
            "started": at(c.created_at),
            "messages": c.messages.iter().map(|m| json!({
                "id": m.id,
                "direction": m.direction,
                "type": m.kind,
                "text": m.body,
                "sent_at": at(m.sent_at),
                "status": m.status,
                "whatsapp": m.raw_json.as_deref().filter(|r| !r.is_empty()).and_then(|r| serde_json::from_str::<Value>(r).ok()),
                "file": m.file.as_deref().map(|mime| file_name(m.id, mime)),
                "content_removed_under_retention_at": m.content_removed_at.map(at),
            })).collect::<Vec<_>>(),
            "staff_notes": c.notes.iter().map(|(t, body)| json!({ "at": at(*t), "text": body })).collect::<Vec<_>>(),
            "requests_to_reveal_their_data": c.reveal_requests.iter()
                .map(|(t, reason, answer)| json!({ "at": at(*t), "reason": reason, "answer": answer }))
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
