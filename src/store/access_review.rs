//! Access review campaigns (issue 11 point 2): their items, decisions, revocations and
//! reminders. Who reviews whom and what counts as use are decided in `api::access_reviews`.

use sqlx::Row;

use super::{Store, WriteTx};
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::domain::UserId;
use crate::error::{Error, Result};

/// An item to put in a new campaign.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// Whose access.
    pub user: UserId,
    /// Who decides.
    pub reviewer: UserId,
    /// `role`, `team` or `permission`.
    pub kind: &'static str,
    /// The role's slug, team's id or permission's name.
    pub subject: String,
    /// In words.
    pub label: String,
    /// Permissions: unused in the window (`None`: cannot tell).
    pub unused: Option<bool>,
    /// Permissions: the last event showing use.
    pub last_used_at: Option<Timestamp>,
}

/// A new campaign.
#[derive(Debug, Clone)]
pub struct NewReview<'a> {
    /// Its name.
    pub name: &'a str,
    /// Who starts it (`None`: IT).
    pub started_by: Option<UserId>,
    /// Who reviews people no manager of theirs reviews.
    pub default_reviewer: UserId,
    /// When decisions are due.
    pub due_at: Timestamp,
}

/// A reviewer's decision about one item.
#[derive(Debug, Clone, Copy)]
pub struct ItemDecision<'a> {
    /// `confirmed` or `revoked`.
    pub decision: &'a str,
    /// Why.
    pub note: Option<&'a str>,
    /// What a revocation did.
    pub outcome: Option<&'a str>,
    /// Who decided.
    pub by: UserId,
}

/// A campaign with its progress.
#[derive(Debug, Clone)]
pub struct ReviewRecord {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Who started it (`None`: IT).
    pub started_by: Option<String>,
    /// When.
    pub started_at: Timestamp,
    /// When decisions are due.
    pub due_at: Timestamp,
    /// Who reviews people no manager of theirs reviews.
    pub default_reviewer: String,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
    /// Items, decided, confirmed, revoked, flagged unused.
    pub counts: [u64; 5],
    /// Per reviewer: name, items, decided.
    pub reviewers: Vec<(String, u64, u64)>,
}

/// One item as a reviewer or the report sees it.
#[derive(Debug, Clone)]
pub struct ItemRecord {
    /// Its id.
    pub id: i64,
    /// Its campaign.
    pub review_id: i64,
    /// The campaign's name.
    pub review_name: String,
    /// When the campaign is due.
    pub due_at: Timestamp,
    /// Whether the campaign is closed.
    pub closed: bool,
    /// Whose access.
    pub user: String,
    /// Their id.
    pub user_id: UserId,
    /// Who decides.
    pub reviewer: String,
    /// Their id.
    pub reviewer_id: UserId,
    /// `role`, `team` or `permission`.
    pub kind: String,
    /// Slug, team id or permission name.
    pub subject: String,
    /// In words.
    pub label: String,
    /// Flagged unused (`None`: cannot tell).
    pub unused: Option<bool>,
    /// Last use seen.
    pub last_used_at: Option<Timestamp>,
    /// `confirmed` or `revoked`.
    pub decision: Option<String>,
    /// The reviewer's note.
    pub note: Option<String>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<Timestamp>,
    /// What a revocation did.
    pub outcome: Option<String>,
}

const ITEM_SELECT: &str = "SELECT i.id, i.review_id, r.name AS review_name, r.due_at, r.closed_at, u.username AS user,
        i.user_id, v.username AS reviewer, i.reviewer_id, i.kind, i.subject, i.label, i.unused, i.last_used_at,
        i.decision, i.note, d.username AS decided_by, i.decided_at, i.outcome
    FROM access_review_items i JOIN access_reviews r ON r.id = i.review_id JOIN users u ON u.id = i.user_id
    JOIN users v ON v.id = i.reviewer_id LEFT JOIN users d ON d.id = i.decided_by";

fn item_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<ItemRecord> {
    let ts = |c: &str| -> Result<Option<Timestamp>> {
        Ok(r.try_get::<Option<i64>, _>(c)?.map(Timestamp::from_millis))
    };
    Ok(ItemRecord {
        id: r.try_get("id")?,
        review_id: r.try_get("review_id")?,
        review_name: r.try_get("review_name")?,
        due_at: Timestamp::from_millis(r.try_get("due_at")?),
        closed: r.try_get::<Option<i64>, _>("closed_at")?.is_some(),
        user: r.try_get("user")?,
        user_id: UserId::new(r.try_get("user_id")?),
        reviewer: r.try_get("reviewer")?,
        reviewer_id: UserId::new(r.try_get("reviewer_id")?),
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        label: r.try_get("label")?,
        unused: r.try_get::<Option<bool>, _>("unused")?,
        last_used_at: ts("last_used_at")?,
        decision: r.try_get("decision")?,
        note: r.try_get("note")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: ts("decided_at")?,
        outcome: r.try_get("outcome")?,
    })
}

impl Store {
    /// The campaigns, newest first, with their progress.
    pub async fn access_reviews(
        &self,
        _proof: &Authorized<act::ManageAccessReviews>,
    ) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query(
            "SELECT r.id, r.name, s.username AS started_by, r.started_at, r.due_at, d.username AS default_reviewer,
                    r.closed_at,
                    (SELECT count(*) FROM access_review_items i WHERE i.review_id = r.id) AS items,
                    (SELECT count(*) FROM access_review_items i WHERE i.review_id = r.id AND i.decision IS NOT NULL) AS decided,
                    (SELECT count(*) FROM access_review_items i WHERE i.review_id = r.id AND i.decision = 'confirmed') AS confirmed,
                    (SELECT count(*) FROM access_review_items i WHERE i.review_id = r.id AND i.decision = 'revoked') AS revoked,
                    (SELECT count(*) FROM access_review_items i WHERE i.review_id = r.id AND i.unused = 1) AS unused
             FROM access_reviews r LEFT JOIN users s ON s.id = r.started_by JOIN users d ON d.id = r.default_reviewer
             ORDER BY r.id DESC",
        )
        .fetch_all(self.read())
        .await?;
        let mut reviews = Vec::with_capacity(rows.len());
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let n = |c: &str| -> Result<u64> { Ok(u64::try_from(r.try_get::<i64, _>(c)?).unwrap_or(0)) };
            let reviewers = sqlx::query(
                "SELECT v.username, count(*) AS items, count(i.decision) AS decided
                 FROM access_review_items i JOIN users v ON v.id = i.reviewer_id
                 WHERE i.review_id = ? GROUP BY i.reviewer_id ORDER BY v.username",
            )
            .bind(id)
            .fetch_all(self.read())
            .await?
            .iter()
            .map(|row| {
                let n =
                    |c: &str| -> Result<u64> { Ok(u64::try_from(row.try_get::<i64, _>(c)?).unwrap_or(0)) };
                Ok((row.try_get("username")?, n("items")?, n("decided")?))
            })
            .collect::<Result<_>>()?;
            reviews.push(ReviewRecord {
                id,
                name: r.try_get("name")?,
                started_by: r.try_get("started_by")?,
                started_at: Timestamp::from_millis(r.try_get("started_at")?),
                due_at: Timestamp::from_millis(r.try_get("due_at")?),
                default_reviewer: r.try_get("default_reviewer")?,
                closed_at: r.try_get::<Option<i64>, _>("closed_at")?.map(Timestamp::from_millis),
                counts: [n("items")?, n("decided")?, n("confirmed")?, n("revoked")?, n("unused")?],
                reviewers,
            });
        }
        Ok(reviews)
    }

    /// Every item of campaign `review`, by person, for the report.
    pub async fn access_review_items(
        &self,
        _proof: &Authorized<act::ManageAccessReviews>,
        review: i64,
    ) -> Result<Vec<ItemRecord>> {
        let rows = sqlx::query(&format!("{ITEM_SELECT} WHERE i.review_id = ? ORDER BY u.username, i.id"))
            .bind(review)
            .fetch_all(self.read())
            .await?;
        rows.iter().map(item_from_row).collect()
    }

    /// The items of open campaigns the proof's reviewer is to decide, and those they decided,
    /// undecided first.
    pub async fn reviewer_items(&self, proof: &Authorized<act::ReviewAccess>) -> Result<Vec<ItemRecord>> {
        let rows = sqlx::query(&format!(
            "{ITEM_SELECT} WHERE i.reviewer_id = ? AND r.closed_at IS NULL
             ORDER BY i.decision IS NOT NULL, r.due_at, u.username, i.id"
        ))
        .bind(proof.resource().get())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(item_from_row).collect()
    }

    /// One item.
    pub async fn access_review_item(&self, id: i64) -> Result<ItemRecord> {
        let row = sqlx::query(&format!("{ITEM_SELECT} WHERE i.id = ?"))
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(item_from_row).transpose()?.ok_or(Error::NotFound)
    }

    /// Each person's events in `[from, until)` that may show use of a permission: per kind of
    /// event (and, for reveals, per detail), the last time.
    pub async fn usage_since(
        &self,
        user: UserId,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<(String, String, Timestamp)>> {
        let rows = sqlx::query(
            "SELECT action, CASE WHEN action = 'data.reveal' THEN detail ELSE '' END AS detail, max(occurred_at) AS at
             FROM audit_events WHERE actor = ? AND occurred_at >= ? AND occurred_at <= ?
               AND (outcome IS NULL OR outcome = 'success')
             GROUP BY 1, 2",
        )
        .bind(format!("user:{}", user.get()))
        .bind(from.as_millis())
        .bind(until.as_millis())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((r.try_get("action")?, r.try_get("detail")?, Timestamp::from_millis(r.try_get("at")?)))
            })
            .collect()
    }

    /// Reviewers of open campaigns past due with items left, not reminded since `since`:
    /// (campaign, reviewer, items left).
    pub async fn reviewers_to_remind(
        &self,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<Vec<(i64, UserId, u64)>> {
        let rows = sqlx::query(
            "SELECT i.review_id, i.reviewer_id, count(*) AS left
             FROM access_review_items i JOIN access_reviews r ON r.id = i.review_id
             LEFT JOIN access_review_reminders m ON m.review_id = i.review_id AND m.reviewer_id = i.reviewer_id
             WHERE i.decision IS NULL AND r.closed_at IS NULL AND r.due_at < ?
               AND (m.reminded_at IS NULL OR m.reminded_at < ?)
             GROUP BY i.review_id, i.reviewer_id",
        )
        .bind(now.as_millis())
        .bind(since.as_millis())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("review_id")?,
                    UserId::new(r.try_get("reviewer_id")?),
                    u64::try_from(r.try_get::<i64, _>("left")?).unwrap_or(0),
                ))
            })
            .collect()
    }
}

impl WriteTx {
    /// Creates a campaign with its items; its id.
    pub async fn start_access_review(
        &mut self,
        _proof: &Authorized<act::ManageAccessReviews>,
        review: &NewReview<'_>,
        items: &[NewItem],
        now: Timestamp,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO access_reviews (name, started_by, started_at, due_at, default_reviewer)
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(review.name)
        .bind(review.started_by.map(UserId::get))
        .bind(now.as_millis())
        .bind(review.due_at.as_millis())
        .bind(review.default_reviewer.get())
        .fetch_one(self.conn())
        .await?;
        for item in items {
            sqlx::query(
                "INSERT INTO access_review_items (review_id, user_id, reviewer_id, kind, subject, label, unused, last_used_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(item.user.get())
            .bind(item.reviewer.get())
            .bind(item.kind)
            .bind(&item.subject)
            .bind(&item.label)
            .bind(item.unused)
            .bind(item.last_used_at.map(Timestamp::as_millis))
            .execute(self.conn())
            .await?;
        }
        Ok(id)
    }

    /// Records a decision on item `id` (still undecided, its campaign open); `false` if it was
    /// decided or closed meanwhile.
    pub async fn decide_access_item(
        &mut self,
        _proof: &Authorized<act::ReviewAccess>,
        id: i64,
        decided: ItemDecision<'_>,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE access_review_items SET decision = ?, note = ?, outcome = ?, decided_by = ?, decided_at = ?
             WHERE id = ? AND decision IS NULL
               AND (SELECT closed_at FROM access_reviews r WHERE r.id = review_id) IS NULL",
        )
        .bind(decided.decision)
        .bind(decided.note)
        .bind(decided.outcome)
        .bind(decided.by.get())
        .bind(now.as_millis())
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A revoked team: the person leaves it.
    pub async fn revoke_team_for_review(
        &mut self,
        _proof: &Authorized<act::ReviewAccess>,
        user: UserId,
        team: i64,
    ) -> Result<bool> {
        self.set_link("team_members", ("team_id", team), ("user_id", user.get()), false).await
    }

    /// A revoked role: the person is disabled and signed out everywhere.
    pub async fn revoke_role_for_review(
        &mut self,
        _proof: &Authorized<act::ReviewAccess>,
        user: UserId,
        now: Timestamp,
    ) -> Result<()> {
        self.set_disabled(user, true, now).await
    }

    /// Closes campaign `id`; `false` if it was closed already.
    pub async fn close_access_review(
        &mut self,
        _proof: &Authorized<act::ManageAccessReviews>,
        id: i64,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE access_reviews SET closed_at = ?, closed_by = ? WHERE id = ? AND closed_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(by.map(UserId::get))
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Notes that `reviewer` was reminded about campaign `review`.
    pub async fn record_review_reminder(
        &mut self,
        _proof: &Authorized<act::ManageAccessReviews>,
        review: i64,
        reviewer: UserId,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO access_review_reminders (review_id, reviewer_id, reminded_at) VALUES (?, ?, ?)
             ON CONFLICT (review_id, reviewer_id) DO UPDATE SET reminded_at = excluded.reminded_at",
        )
        .bind(review)
        .bind(reviewer.get())
        .bind(now.as_millis())
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
