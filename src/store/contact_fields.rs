//! The fields kept about contacts, and their values. A field's class is stored as its name
//! (`none`, `contact`, …) under a CHECK; reading an unknown one is an error, never a field
//! without a class.

use sqlx::Row;

use super::{is_unique_violation, Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::{contact_field, ContactField, ContactFieldId, FieldKind};
use crate::error::{Error, Result};

fn field_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<ContactField> {
    let kind: String = r.try_get("kind")?;
    let class: String = r.try_get("class")?;
    Ok(ContactField {
        id: ContactFieldId::new(r.try_get("id")?),
        name: r.try_get("name")?,
        kind: FieldKind::parse(&kind)
            .ok_or_else(|| Error::Internal(format!("unknown field kind {kind:?}")))?,
        class: contact_field::parse_class(&class).map_err(Error::Internal)?,
    })
}

impl Store {
    /// Every contact field, in the order they were created.
    pub async fn list_contact_fields(&self) -> Result<Vec<ContactField>> {
        let rows = sqlx::query("SELECT id, name, kind, class FROM contact_fields ORDER BY id")
            .fetch_all(self.read())
            .await?;
        rows.iter().map(field_from_row).collect()
    }

    /// The field `id`, if there is one.
    pub async fn find_contact_field(&self, id: ContactFieldId) -> Result<Option<ContactField>> {
        let row = sqlx::query("SELECT id, name, kind, class FROM contact_fields WHERE id = ?")
            .bind(id.get())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(field_from_row).transpose()
    }
}

impl WriteTx {
    /// Creates a field (`id` `None`) or renames and reclassifies one; its kind is kept.
    pub async fn save_contact_field(
        &mut self,
        _proof: &Authorized<act::ManageContactFields>,
        id: Option<ContactFieldId>,
        field: &ContactField,
        now: Timestamp,
    ) -> Result<ContactFieldId> {
        let class = contact_field::class_name(field.class);
        let done = match id {
            None => {
                sqlx::query("INSERT INTO contact_fields (name, kind, class, created_at) VALUES (?, ?, ?, ?)")
                    .bind(&field.name)
                    .bind(field.kind.as_str())
                    .bind(class)
                    .bind(now.as_millis())
                    .execute(self.conn())
                    .await
                    .map(|d| ContactFieldId::new(d.last_insert_rowid()))
            }
            Some(id) => sqlx::query("UPDATE contact_fields SET name = ?, class = ? WHERE id = ?")
                .bind(&field.name)
                .bind(class)
                .bind(id.get())
                .execute(self.conn())
                .await
                .and_then(|d| if d.rows_affected() == 1 { Ok(id) } else { Err(sqlx::Error::RowNotFound) }),
        };
        match done {
            Ok(id) => Ok(id),
            Err(sqlx::Error::RowNotFound) => Err(Error::NotFound),
            Err(e) if is_unique_violation(&e) => {
                Err(Error::Conflict(format!("a field named {:?} already exists", field.name)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a field and every value of it; returns how many values went with it.
    pub async fn delete_contact_field(
        &mut self,
        _proof: &Authorized<act::ManageContactFields>,
        id: ContactFieldId,
    ) -> Result<u64> {
        let values = sqlx::query("DELETE FROM contact_field_values WHERE field_id = ?")
            .bind(id.get())
            .execute(self.conn())
            .await?
            .rows_affected();
        let done = sqlx::query("DELETE FROM contact_fields WHERE id = ?")
            .bind(id.get())
            .execute(self.conn())
            .await?;
        if done.rows_affected() == 1 {
            Ok(values)
        } else {
            Err(Error::NotFound)
        }
    }

    /// Sets the proof's contact's value of `field` (`None` clears it). Returns whether it
    /// changed.
    pub async fn set_contact_field(
        &mut self,
        proof: &Authorized<act::EditContact>,
        field: ContactFieldId,
        value: Option<&str>,
        now: Timestamp,
    ) -> Result<bool> {
        let contact = proof.resource().get();
        let done = match value {
            Some(value) => sqlx::query(
                "INSERT INTO contact_field_values (contact_id, field_id, value, updated_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (contact_id, field_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                 WHERE value <> excluded.value",
            )
            .bind(contact)
            .bind(field.get())
            .bind(value)
            .bind(now.as_millis())
            .execute(self.conn())
            .await?,
            None => sqlx::query("DELETE FROM contact_field_values WHERE contact_id = ? AND field_id = ?")
                .bind(contact)
                .bind(field.get())
                .execute(self.conn())
                .await?,
        };
        Ok(done.rows_affected() > 0)
    }
}
