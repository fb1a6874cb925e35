//! Contacts created from a file (issue 8 point 5). Each row is one contact, written whole
//! (labels, fields, stage and consent with it) in the import's one transaction, so a dry run
//! (rolled back) reports exactly what the real one does.

use super::WriteTx;
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::import::ContactRow;
use crate::domain::{ContactId, TeamId, UserId};
use crate::error::Result;

/// Where a row went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// A new contact.
    Created(ContactId),
    /// The number is a contact already; it was left as it is.
    Exists,
}

impl WriteTx {
    /// Creates the contact of `row` in `team`; consent given in the file is recorded as
    /// given `by` the importer with `source`.
    pub async fn import_contact(
        &mut self,
        _proof: &Authorized<act::ImportContacts>,
        row: &ContactRow,
        team: TeamId,
        by: Option<UserId>,
        source: &str,
        now: Timestamp,
    ) -> Result<Imported> {
        let consent = row.consent.as_deref().filter(|c| *c != "unknown");
        let done = sqlx::query(
            "INSERT INTO contacts (wa_id, profile_name, team_id, lifecycle, marketing_consent, consent_at,
                                   consent_source, consent_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, COALESCE(?4, 'new'), COALESCE(?5, 'unknown'), ?6, ?7, ?8, ?9, ?9)
             ON CONFLICT (wa_id) DO NOTHING",
        )
        .bind(&row.wa_id)
        .bind(row.name.as_deref())
        .bind(team.get())
        .bind(row.lifecycle.as_deref())
        .bind(consent)
        .bind(consent.map(|_| now.as_millis()))
        .bind(consent.map(|_| source))
        .bind(consent.and(by.map(UserId::get)))
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Ok(Imported::Exists);
        }
        let id = done.last_insert_rowid();
        for label in &row.labels {
            sqlx::query("INSERT OR IGNORE INTO contact_labels (contact_id, label_id) VALUES (?, ?)")
                .bind(id)
                .bind(label)
                .execute(self.conn())
                .await?;
        }
        for (field, value) in &row.fields {
            sqlx::query("INSERT INTO contact_field_values (contact_id, field_id, value, updated_at) VALUES (?, ?, ?, ?)")
                .bind(id)
                .bind(field.get())
                .bind(value)
                .bind(now.as_millis())
                .execute(self.conn())
                .await?;
        }
        Ok(Imported::Created(ContactId::new(id)))
    }
}
