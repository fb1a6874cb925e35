//! Quick replies: saved answers per team (or for everyone).

use sqlx::Row;

use super::{Store, WriteTx};
use crate::authz::{act, Authorized, OnConversation};
use crate::clock::Timestamp;
use crate::domain::{TeamId, UserId};
use crate::error::{Error, Result};

/// A saved answer.
#[derive(Debug, Clone)]
pub struct QuickReplyRecord {
    /// Its id.
    pub id: i64,
    /// The team it is for, and its name (`None`: everyone).
    pub team: Option<(TeamId, String)>,
    /// What staff pick it by (`opening-hours`).
    pub shortcut: String,
    /// The text, with placeholders.
    pub body: String,
}

const SELECT: &str = "SELECT q.id, q.team_id, t.name AS team_name, q.shortcut, q.body
     FROM quick_replies q LEFT JOIN teams t ON t.id = q.team_id";

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<QuickReplyRecord> {
    Ok(QuickReplyRecord {
        id: r.try_get("id")?,
        team: match r.try_get::<Option<i64>, _>("team_id")? {
            Some(id) => Some((TeamId::new(id), r.try_get("team_name")?)),
            None => None,
        },
        shortcut: r.try_get("shortcut")?,
        body: r.try_get("body")?,
    })
}

impl Store {
    /// Every quick reply, for those who manage them (the caller cuts the list to their teams).
    pub async fn quick_replies(
        &self,
        _proof: &Authorized<act::ManageQuickReplies>,
    ) -> Result<Vec<QuickReplyRecord>> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY q.team_id IS NOT NULL, t.name, q.shortcut"))
            .fetch_all(self.read())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The quick replies offered in the proof's conversation: its team's and everyone's.
    pub async fn quick_replies_for(
        &self,
        proof: &Authorized<act::SendMessage>,
    ) -> Result<Vec<QuickReplyRecord>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE q.team_id IS NULL OR q.team_id = (SELECT team_id FROM conversations WHERE id = ?)
             ORDER BY q.shortcut"
        ))
        .bind(proof.conversation().get())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// One quick reply.
    pub async fn find_quick_reply(&self, id: i64) -> Result<Option<QuickReplyRecord>> {
        let row =
            sqlx::query(&format!("{SELECT} WHERE q.id = ?")).bind(id).fetch_optional(self.read()).await?;
        row.as_ref().map(from_row).transpose()
    }
}

/// A quick reply to save.
#[derive(Debug, Clone, Copy)]
pub struct SavedReply<'a> {
    /// The one to change, or none for a new one.
    pub id: Option<i64>,
    /// The team it is for (`None`: everyone).
    pub team: Option<TeamId>,
    /// Its shortcut.
    pub shortcut: &'a str,
    /// Its text.
    pub body: &'a str,
}

impl WriteTx {
    /// Saves `reply` (a new one without an id); returns its id.
    pub async fn save_quick_reply(
        &mut self,
        _proof: &Authorized<act::ManageQuickReplies>,
        reply: &SavedReply<'_>,
        by: UserId,
        now: Timestamp,
    ) -> Result<i64> {
        let SavedReply { id, team, shortcut, body } = *reply;
        let done = match id {
            Some(id) => sqlx::query_scalar(
                "UPDATE quick_replies SET team_id = ?, shortcut = ?, body = ?, updated_by = ?, updated_at = ?
                 WHERE id = ? RETURNING id",
            )
            .bind(team.map(TeamId::get))
            .bind(shortcut)
            .bind(body)
            .bind(by.get())
            .bind(now.as_millis())
            .bind(id)
            .fetch_optional(self.conn())
            .await,
            None => sqlx::query_scalar(
                "INSERT INTO quick_replies (team_id, shortcut, body, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
                 RETURNING id",
            )
            .bind(team.map(TeamId::get))
            .bind(shortcut)
            .bind(body)
            .bind(by.get())
            .bind(now.as_millis())
            .fetch_optional(self.conn())
            .await,
        };
        match done {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Err(Error::NotFound),
            Err(e) if super::is_unique_violation(&e) => {
                Err(Error::Conflict(format!("there is already a quick reply /{shortcut} for that team")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes quick reply `id`.
    pub async fn delete_quick_reply(
        &mut self,
        _proof: &Authorized<act::ManageQuickReplies>,
        id: i64,
    ) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM quick_replies WHERE id = ?").bind(id).execute(self.conn()).await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }
}
