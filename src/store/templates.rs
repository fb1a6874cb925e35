//! The message-template catalog.

use sqlx::Row;

use super::{Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::Template;
use crate::error::Result;

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<(Template, String)> {
    Ok((
        Template {
            name: r.try_get("name")?,
            language: r.try_get("language")?,
            status: r.try_get("status")?,
            category: r.try_get("category")?,
            header: r.try_get("header")?,
            body: r.try_get("body")?,
            footer: r.try_get("footer")?,
        },
        r.try_get("source")?,
    ))
}

const COLUMNS: &str = "name, language, status, category, header, body, footer, source";

impl Store {
    /// Every template with its source (`graph` or `admin`), by name and language.
    pub async fn list_templates(&self) -> Result<Vec<(Template, String)>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM templates ORDER BY name, language"))
            .fetch_all(self.read())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// One template.
    pub async fn find_template(&self, name: &str, language: &str) -> Result<Option<Template>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM templates WHERE name = ? AND language = ?"))
            .bind(name)
            .bind(language)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(from_row).transpose().map(|t| t.map(|(t, _)| t))
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
            "INSERT INTO templates (name, language, status, category, header, body, footer, source, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (name, language) DO UPDATE SET status = excluded.status, category = excluded.category,
               header = excluded.header, body = excluded.body, footer = excluded.footer,
               source = excluded.source, updated_at = excluded.updated_at",
        )
        .bind(&template.name)
        .bind(&template.language)
        .bind(&template.status)
        .bind(&template.category)
        .bind(template.header.as_deref())
        .bind(&template.body)
        .bind(template.footer.as_deref())
        .bind(source)
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
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
