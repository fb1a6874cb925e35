//! The message-template catalog.

use sqlx::Row;

use super::{Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::{LabelId, Template, TemplateButton};
use crate::error::{Error, Result};

/// A catalog entry as stored.
#[derive(Debug, Clone)]
pub struct TemplateRecord {
    /// The template.
    pub template: Template,
    /// `graph` (synchronised) or `admin` (entered by hand).
    pub source: String,
    /// The labels it is meant for; empty for every contact.
    pub audience: Vec<LabelId>,
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<TemplateRecord> {
    let audience: String = r.try_get("audience")?;
    Ok(TemplateRecord {
        template: Template {
            name: r.try_get("name")?,
            language: r.try_get("language")?,
            status: r.try_get("status")?,
            category: r.try_get("category")?,
            header: r.try_get("header")?,
            body: r.try_get("body")?,
            footer: r.try_get("footer")?,
            buttons: buttons_from(&r.try_get::<String, _>("buttons")?),
            media_header: r.try_get("media_header")?,
        },
        source: r.try_get("source")?,
        audience: audience.split(',').filter_map(|id| id.parse().ok()).map(LabelId::new).collect(),
    })
}

/// Buttons as stored (JSON); anything unreadable is left out.
fn buttons_from(json: &str) -> Vec<TemplateButton> {
    let stored: Vec<serde_json::Value> = serde_json::from_str(json).unwrap_or_default();
    stored
        .iter()
        .filter_map(|b| {
            let text = |k: &str| b.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
            Some(TemplateButton { kind: text("kind")?, text: text("text")?, target: text("target") })
        })
        .collect()
}

fn buttons_json(buttons: &[TemplateButton]) -> String {
    let list: Vec<serde_json::Value> = buttons
        .iter()
        .map(|b| serde_json::json!({ "kind": b.kind, "text": b.text, "target": b.target }))
        .collect();
    serde_json::Value::Array(list).to_string()
}

const COLUMNS: &str = "name, language, status, category, header, media_header, body, footer, source, buttons,
    (SELECT coalesce(group_concat(label_id), '') FROM template_audience a WHERE a.template_id = t.id) AS audience";

impl Store {
    /// Every template with its source and audience, by name and language.
    pub async fn list_templates(&self) -> Result<Vec<TemplateRecord>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM templates t ORDER BY name, language"))
            .fetch_all(self.read())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// One template.
    pub async fn find_template(&self, name: &str, language: &str) -> Result<Option<TemplateRecord>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM templates t WHERE name = ? AND language = ?"))
            .bind(name)
            .bind(language)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The templates meant for `label`, as `name (language)`.
    pub async fn label_templates(&self, label: LabelId) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT t.name || ' (' || t.language || ')' FROM template_audience a
             JOIN templates t ON t.id = a.template_id WHERE a.label_id = ? ORDER BY t.name, t.language",
        )
        .bind(label.get())
        .fetch_all(self.read())
        .await?)
    }
}

impl WriteTx {
    /// Adds or replaces a template.
    pub async fn put_template(
        &mut self,
        _proof: &Authorized<act::ManageTemplates>,
        template: &Template,
        source: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO templates (name, language, status, category, header, media_header, body, footer, buttons, source, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (name, language) DO UPDATE SET status = excluded.status, category = excluded.category,
               header = excluded.header, media_header = excluded.media_header, body = excluded.body, footer = excluded.footer,
               buttons = excluded.buttons, source = excluded.source, updated_at = excluded.updated_at",
        )
        .bind(&template.name)
        .bind(&template.language)
        .bind(&template.status)
        .bind(&template.category)
        .bind(template.header.as_deref())
        .bind(template.media_header.as_deref())
        .bind(&template.body)
        .bind(template.footer.as_deref())
        .bind(buttons_json(&template.buttons))
        .bind(source)
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Sets the labels a template is meant for (none: every contact). `NotFound` if there is
    /// no such template or one of the labels is gone.
    pub async fn set_template_audience(
        &mut self,
        _proof: &Authorized<act::ManageTemplates>,
        name: &str,
        language: &str,
        audience: &[LabelId],
    ) -> Result<()> {
        let id: i64 = sqlx::query_scalar("SELECT id FROM templates WHERE name = ? AND language = ?")
            .bind(name)
            .bind(language)
            .fetch_optional(self.conn())
            .await?
            .ok_or(Error::NotFound)?;
        sqlx::query("DELETE FROM template_audience WHERE template_id = ?")
            .bind(id)
            .execute(self.conn())
            .await?;
        for label in audience {
            let added = sqlx::query(
                "INSERT INTO template_audience (template_id, label_id) SELECT ?, id FROM labels WHERE id = ?",
            )
            .bind(id)
            .bind(label.get())
            .execute(self.conn())
            .await?
            .rows_affected();
            if added == 0 {
                return Err(Error::NotFound);
            }
        }
        Ok(())
    }

    /// Removes synchronised templates the Graph API no longer lists (not `keep`).
    pub async fn drop_graph_templates_except(
        &mut self,
        _proof: &Authorized<act::ManageTemplates>,
        keep: &[(String, String)],
    ) -> Result<u64> {
        let existing: Vec<(String, String)> =
            sqlx::query_as("SELECT name, language FROM templates WHERE source = 'graph'")
                .fetch_all(self.conn())
                .await?;
        let mut dropped = 0;
        for (name, language) in existing.into_iter().filter(|e| !keep.contains(e)) {
            dropped += sqlx::query("DELETE FROM templates WHERE name = ? AND language = ?")
                .bind(name)
                .bind(language)
                .execute(self.conn())
                .await?
                .rows_affected();
        }
        Ok(dropped)
    }

    /// Meta reviewed a template (a `message_template_status_update` webhook).
    pub async fn set_template_status(
        &mut self,
        _proof: &Authorized<act::IngestDelivery>,
        name: &str,
        language: &str,
        status: &str,
    ) -> Result<bool> {
        let changed = sqlx::query("UPDATE templates SET status = ? WHERE name = ? AND language = ?")
            .bind(status)
            .bind(name)
            .bind(language)
            .execute(self.conn())
            .await?
            .rows_affected();
        Ok(changed > 0)
    }
}
