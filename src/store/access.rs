//! Roles, teams and labels: what grants are loaded from, and the placement of records.
//!
//! Policy is not here: this module loads what `authz` decides on and writes what it allowed.
//! A stored permission name this version does not know (written by a newer version) is
//! skipped, never widened into something else.

use sqlx::{QueryBuilder, Row, Sqlite};

use super::{is_unique_violation, Store, WriteTx};
use crate::authz::sending::{Files, LabelRule};
use crate::authz::{act, template, Authorized, Grants, LabelAccess, ListScope, Placement, RoleGrants, Scope};
use crate::clock::Timestamp;
use crate::domain::hours::BusinessHours;
use crate::domain::{ContactId, ConversationId, LabelId, RoleId, RoleSlug, TeamId, UserId};
use crate::error::{Error, Result};

/// The team that receives what nothing else claims; it cannot be deleted.
pub const DEFAULT_TEAM: TeamId = TeamId::new(1);

/// A role with what it grants.
#[derive(Debug, Clone)]
pub struct RoleRecord {
    /// Row id.
    pub id: RoleId,
    /// Stable name.
    pub slug: RoleSlug,
    /// Display name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// A built-in template.
    pub builtin: bool,
    /// What it grants.
    pub grants: RoleGrants,
    /// How many users have it.
    pub users: i64,
}

/// A role to create or the new state of one.
#[derive(Debug)]
pub struct RoleSpec<'a> {
    /// Display name.
    pub name: &'a str,
    /// What it is for.
    pub description: &'a str,
    /// What it grants (labels must be [`LabelAccess::Only`] for a custom role).
    pub grants: &'a RoleGrants,
}

/// A team with its members.
#[derive(Debug, Clone)]
pub struct TeamRecord {
    /// Row id.
    pub id: TeamId,
    /// Name.
    pub name: String,
    /// Members' user ids and names.
    pub members: Vec<(UserId, String)>,
    /// Business hours, as stored (`domain::hours`), if kept.
    pub hours: Option<String>,
}

/// A label and the roles that may see its contacts when it is restricted.
#[derive(Debug, Clone)]
pub struct LabelRecord {
    /// Row id.
    pub id: LabelId,
    /// Name.
    pub name: String,
    /// Colour token for the UI.
    pub colour: String,
    /// Hides its contacts from roles not listed.
    pub restricted: bool,
    /// Roles that may see its contacts (slugs).
    pub roles: Vec<RoleSlug>,
    /// Which files may be sent to its contacts.
    pub files: Files,
}

fn role_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<(RoleId, RoleSlug, String, String, bool, i64)> {
    Ok((
        RoleId::new(r.try_get("id")?),
        RoleSlug::parse(&r.try_get::<String, _>("slug")?)?,
        r.try_get("name")?,
        r.try_get("description")?,
        r.try_get::<i64, _>("builtin")? != 0,
        r.try_get("users")?,
    ))
}

impl Store {
    /// The grants of a user with `role` (their role's grants and their teams), as loaded on
    /// every call: a changed role takes effect on the next call.
    pub async fn load_grants(&self, user: UserId, role: &RoleSlug) -> Result<Grants> {
        let conferred =
            self.role_grants(role).await?.unwrap_or_else(|| RoleGrants::new([], LabelAccess::none()));
        let teams: Vec<i64> = sqlx::query_scalar("SELECT team_id FROM team_members WHERE user_id = ?")
            .bind(user.get())
            .fetch_all(self.read())
            .await?;
        Ok(Grants::new(role.clone(), conferred, teams.into_iter().map(TeamId::new)))
    }

    /// What `role` grants; `None` if there is no such role.
    pub async fn role_grants(&self, role: &RoleSlug) -> Result<Option<RoleGrants>> {
        let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM roles WHERE slug = ?")
            .bind(role.as_str())
            .fetch_optional(self.read())
            .await?
        else {
            return Ok(None);
        };
        self.grants_of(RoleId::new(id), role).await.map(Some)
    }

    async fn grants_of(&self, id: RoleId, slug: &RoleSlug) -> Result<RoleGrants> {
        let labels: Vec<i64> = sqlx::query_scalar("SELECT label_id FROM role_labels WHERE role_id = ?")
            .bind(id.get())
            .fetch_all(self.read())
            .await?;
        let only = LabelAccess::Only(labels.into_iter().map(LabelId::new).collect());
        if let Some(t) = template::template(slug.as_str()) {
            let labels = if *t.labels() == LabelAccess::All { LabelAccess::All } else { only };
            return Ok(RoleGrants::new(t.permissions(), labels));
        }
        let rows = sqlx::query("SELECT permission, scope FROM role_grants WHERE role_id = ?")
            .bind(id.get())
            .fetch_all(self.read())
            .await?;
        let mut permissions = Vec::new();
        for r in rows {
            let name: String = r.try_get("permission")?;
            let scope = r.try_get::<Option<String>, _>("scope")?.map(|s| s.parse::<Scope>()).transpose()?;
            match name.parse() {
                Ok(p) => permissions.push((p, scope.unwrap_or(Scope::All))),
                Err(_) => {
                    tracing::warn!(role = id.get(), "a role grants a permission this version does not know")
                }
            }
        }
        Ok(RoleGrants::new(permissions, only))
    }

    /// Every role, built-ins first.
    pub async fn list_roles(&self) -> Result<Vec<RoleRecord>> {
        let rows = sqlx::query(
            "SELECT r.id, r.slug, r.name, r.description, r.builtin,
                    (SELECT count(*) FROM users u WHERE u.role = r.slug) AS users
             FROM roles r ORDER BY r.builtin DESC, r.id",
        )
        .fetch_all(self.read())
        .await?;
        let mut roles = Vec::with_capacity(rows.len());
        for row in &rows {
            let (id, slug, name, description, builtin, users) = role_from_row(row)?;
            let grants = self.grants_of(id, &slug).await?;
            roles.push(RoleRecord { id, slug, name, description, builtin, grants, users });
        }
        Ok(roles)
    }

    /// The display name of the role `slug`.
    pub async fn role_name(&self, slug: &RoleSlug) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT name FROM roles WHERE slug = ?")
            .bind(slug.as_str())
            .fetch_optional(self.read())
            .await?)
    }

    /// The role named `slug`.
    pub async fn find_role(&self, slug: &RoleSlug) -> Result<Option<RoleRecord>> {
        Ok(self.list_roles().await?.into_iter().find(|r| r.slug == *slug))
    }

    /// How many enabled users have the owners' role.
    pub async fn enabled_owners(&self) -> Result<usize> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'owner' AND disabled = 0")
            .fetch_one(self.read())
            .await?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Every team with its members, by name.
    pub async fn list_teams(&self) -> Result<Vec<TeamRecord>> {
        let teams = sqlx::query("SELECT id, name, hours FROM teams ORDER BY name COLLATE NOCASE")
            .fetch_all(self.read())
            .await?;
        let members = sqlx::query(
            "SELECT m.team_id, u.id, u.username FROM team_members m JOIN users u ON u.id = m.user_id ORDER BY u.username",
        )
        .fetch_all(self.read())
        .await?;
        teams
            .iter()
            .map(|t| {
                let id: i64 = t.try_get("id")?;
                let members = members
                    .iter()
                    .filter(|m| m.try_get::<i64, _>("team_id").is_ok_and(|team| team == id))
                    .map(|m| Ok((UserId::new(m.try_get("id")?), m.try_get("username")?)))
                    .collect::<Result<Vec<_>>>()?;
                Ok(TeamRecord {
                    id: TeamId::new(id),
                    name: t.try_get("name")?,
                    members,
                    hours: t.try_get("hours")?,
                })
            })
            .collect()
    }

    /// Every label with the roles that may see it.
    pub async fn list_labels(&self) -> Result<Vec<LabelRecord>> {
        let labels = sqlx::query(
            "SELECT id, name, colour, restricted, files FROM labels ORDER BY name COLLATE NOCASE",
        )
        .fetch_all(self.read())
        .await?;
        let roles = sqlx::query(
            "SELECT rl.label_id, r.slug FROM role_labels rl JOIN roles r ON r.id = rl.role_id ORDER BY r.id",
        )
        .fetch_all(self.read())
        .await?;
        labels
            .iter()
            .map(|l| {
                let id: i64 = l.try_get("id")?;
                let roles = roles
                    .iter()
                    .filter(|r| r.try_get::<i64, _>("label_id").is_ok_and(|label| label == id))
                    .map(|r| RoleSlug::parse(&r.try_get::<String, _>("slug")?))
                    .collect::<Result<Vec<_>>>()?;
                Ok(LabelRecord {
                    id: LabelId::new(id),
                    name: l.try_get("name")?,
                    colour: l.try_get("colour")?,
                    restricted: l.try_get::<i64, _>("restricted")? != 0,
                    roles,
                    files: files_from(l)?,
                })
            })
            .collect()
    }

    /// Where a conversation sits; `None` if there is no such conversation.
    pub async fn conversation_placement(&self, id: ConversationId) -> Result<Option<Placement>> {
        let row = sqlx::query("SELECT contact_id, team_id, assignee_id FROM conversations WHERE id = ?")
            .bind(id.get())
            .fetch_optional(self.read())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let contact = ContactId::new(row.try_get("contact_id")?);
        Ok(Some(Placement {
            team: TeamId::new(row.try_get("team_id")?),
            assignee: row.try_get::<Option<i64>, _>("assignee_id")?.map(UserId::new),
            restricted_labels: self.restricted_labels(contact).await?,
        }))
    }

    /// Where a contact sits; `None` if there is no such contact.
    pub async fn contact_placement(&self, id: ContactId) -> Result<Option<Placement>> {
        let row = sqlx::query("SELECT team_id, owner_id FROM contacts WHERE id = ?")
            .bind(id.get())
            .fetch_optional(self.read())
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Placement {
            team: TeamId::new(row.try_get("team_id")?),
            assignee: row.try_get::<Option<i64>, _>("owner_id")?.map(UserId::new),
            restricted_labels: self.restricted_labels(id).await?,
        }))
    }

    /// The labels on a conversation's contact, as the sending rules see them.
    pub async fn conversation_label_rules(&self, id: ConversationId) -> Result<Vec<LabelRule>> {
        let rows = sqlx::query(
            "SELECT l.id, l.name, l.files FROM conversations c
             JOIN contact_labels cl ON cl.contact_id = c.contact_id JOIN labels l ON l.id = cl.label_id
             WHERE c.id = ? ORDER BY l.id",
        )
        .bind(id.get())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LabelRule {
                    id: LabelId::new(r.try_get("id")?),
                    name: r.try_get("name")?,
                    files: files_from(r)?,
                })
            })
            .collect()
    }

    async fn restricted_labels(&self, contact: ContactId) -> Result<Vec<LabelId>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT cl.label_id FROM contact_labels cl JOIN labels l ON l.id = cl.label_id
             WHERE cl.contact_id = ? AND l.restricted = 1 ORDER BY cl.label_id",
        )
        .bind(contact.get())
        .fetch_all(self.read())
        .await?;
        Ok(ids.into_iter().map(LabelId::new).collect())
    }
}

/// One part of a reader's scope. A scope's parts are disjoint and together the whole scope, so
/// a query may read each from an index range of its own and join them with `UNION ALL`, where
/// one condition with an `OR` would be served by no index (the inbox's queue, issue 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ScopePart {
    /// Every row.
    Everything,
    /// Assigned to the reader.
    Mine,
    /// In the reader's teams.
    MyTeams,
    /// Assigned to the reader in a team not theirs.
    MineInOtherTeams,
}

/// The parts of `scope` (its labels aside: [`push_label_scope`]).
pub(super) fn scope_parts(scope: &ListScope) -> &'static [ScopePart] {
    match scope.scope {
        Scope::All => &[ScopePart::Everything],
        Scope::Own => &[ScopePart::Mine],
        Scope::Team => &[ScopePart::MyTeams, ScopePart::MineInOtherTeams],
    }
}

/// Appends ` AND …`, the condition of `part` of `scope`, for rows whose team and assignee are
/// in the given columns.
pub(super) fn push_scope_part(
    q: &mut QueryBuilder<'_, Sqlite>,
    scope: &ListScope,
    part: ScopePart,
    team: &str,
    assignee: &str,
) {
    let teams = || json_ids(scope.teams.iter().map(|t| t.get()));
    match part {
        ScopePart::Everything => {}
        ScopePart::Mine => {
            q.push(format_args!(" AND {assignee} = ")).push_bind(scope.user.get());
        }
        ScopePart::MyTeams => {
            q.push(format_args!(" AND {team} IN (SELECT value FROM json_each("))
                .push_bind(teams())
                .push("))");
        }
        ScopePart::MineInOtherTeams => {
            q.push(format_args!(" AND {assignee} = ")).push_bind(scope.user.get());
            q.push(format_args!(" AND {team} NOT IN (SELECT value FROM json_each("))
                .push_bind(teams())
                .push("))");
        }
    }
}

/// Appends ` AND (…)`: the SQL form of [`ListScope::admits`] for rows whose team, assignee and
/// contact are in the given columns, its parts joined by `OR`.
pub(super) fn push_scope(
    q: &mut QueryBuilder<'_, Sqlite>,
    scope: &ListScope,
    team: &str,
    assignee: &str,
    contact: &str,
) {
    let parts = scope_parts(scope);
    if parts != [ScopePart::Everything] {
        q.push(" AND (0");
        for &part in parts {
            q.push(" OR (1");
            push_scope_part(q, scope, part, team, assignee);
            q.push(")");
        }
        q.push(")");
    }
    push_label_scope(q, scope, contact);
}

/// Appends ` AND NOT EXISTS (…)` when the scope hides contacts with restricted labels it may
/// not see: the label half of [`push_scope`].
///
/// The first, uncorrelated half (is there a restricted label the reader may not see at all?) is
/// worked out once a query; when there is none, as in most organisations, no row pays for a
/// look into its contact's labels (5 ms of a 5,000-conversation team's counts, issue 12).
pub(super) fn push_label_scope(q: &mut QueryBuilder<'_, Sqlite>, scope: &ListScope, contact: &str) {
    if let LabelAccess::Only(seen) = &scope.labels {
        let seen = json_ids(seen.iter().map(|l| l.get()));
        q.push(
            " AND (NOT EXISTS (SELECT 1 FROM labels l WHERE l.restricted = 1
                                 AND l.id NOT IN (SELECT value FROM json_each(",
        )
        .push_bind(seen.clone())
        .push(format_args!(
            "))) OR NOT EXISTS (SELECT 1 FROM contact_labels cl JOIN labels l ON l.id = cl.label_id
               WHERE cl.contact_id = {contact} AND l.restricted = 1
                 AND cl.label_id NOT IN (SELECT value FROM json_each("
        ))
        .push_bind(seen)
        .push("))))");
    }
}

/// A JSON array of ids, bound as one parameter (however many teams or labels there are).
pub(super) fn json_ids(ids: impl Iterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.map(|i| i.to_string()).collect();
    format!("[{}]", ids.join(","))
}

fn name_taken(what: &str, name: &str) -> Error {
    Error::Conflict(format!("a {what} named {name:?} already exists"))
}

impl WriteTx {
    /// Creates a custom role.
    pub async fn insert_role(
        &mut self,
        _proof: &Authorized<act::ManageRoles>,
        slug: &RoleSlug,
        spec: &RoleSpec<'_>,
        now: Timestamp,
    ) -> Result<RoleId> {
        let done = sqlx::query(
            "INSERT INTO roles (slug, name, description, builtin, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)",
        )
        .bind(slug.as_str())
        .bind(spec.name)
        .bind(spec.description)
        .bind(now.as_millis())
        .bind(now.as_millis())
        .execute(self.conn())
        .await;
        let id = match done {
            Ok(done) => RoleId::new(done.last_insert_rowid()),
            Err(e) if is_unique_violation(&e) => return Err(name_taken("role", spec.name)),
            Err(e) => return Err(e.into()),
        };
        self.write_role_grants(id, spec.grants).await?;
        Ok(id)
    }

    /// Replaces a custom role's name, description and grants.
    pub async fn update_role(
        &mut self,
        _proof: &Authorized<act::ManageRoles>,
        id: RoleId,
        spec: &RoleSpec<'_>,
        now: Timestamp,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE roles SET name = ?, description = ?, updated_at = ? WHERE id = ? AND builtin = 0",
        )
        .bind(spec.name)
        .bind(spec.description)
        .bind(now.as_millis())
        .bind(id.get())
        .execute(self.conn())
        .await;
        match done {
            Ok(done) if done.rows_affected() == 1 => {}
            Ok(_) => return Err(Error::NotFound),
            Err(e) if is_unique_violation(&e) => return Err(name_taken("role", spec.name)),
            Err(e) => return Err(e.into()),
        }
        sqlx::query("DELETE FROM role_grants WHERE role_id = ?").bind(id.get()).execute(self.conn()).await?;
        sqlx::query("DELETE FROM role_labels WHERE role_id = ?").bind(id.get()).execute(self.conn()).await?;
        self.write_role_grants(id, spec.grants).await
    }

    async fn write_role_grants(&mut self, id: RoleId, grants: &RoleGrants) -> Result<()> {
        for (p, scope) in grants.permissions() {
            sqlx::query("INSERT INTO role_grants (role_id, permission, scope) VALUES (?, ?, ?)")
                .bind(id.get())
                .bind(p.as_str())
                .bind(p.scoped().then_some(scope.as_str()))
                .execute(self.conn())
                .await?;
        }
        let LabelAccess::Only(labels) = grants.labels() else {
            return Err(Error::Invalid("a custom role lists the labels it may see".to_owned()));
        };
        for label in labels {
            sqlx::query("INSERT INTO role_labels (role_id, label_id) SELECT ?, id FROM labels WHERE id = ?")
                .bind(id.get())
                .bind(label.get())
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Moves every user of role `from` to role `to`, then deletes `from` (a custom role).
    /// Returns how many users moved.
    pub async fn delete_role(
        &mut self,
        _proof: &Authorized<act::ManageRoles>,
        from: &RoleSlug,
        to: Option<&RoleSlug>,
    ) -> Result<u64> {
        let moved = match to {
            Some(to) => sqlx::query("UPDATE users SET role = ? WHERE role = ?")
                .bind(to.as_str())
                .bind(from.as_str())
                .execute(self.conn())
                .await?
                .rows_affected(),
            None => 0,
        };
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE role = ?")
            .bind(from.as_str())
            .fetch_one(self.conn())
            .await?;
        if left > 0 {
            return Err(Error::Conflict(format!(
                "{left} user(s) still have this role: choose a role to move them to first"
            )));
        }
        let done = sqlx::query("DELETE FROM roles WHERE slug = ? AND builtin = 0")
            .bind(from.as_str())
            .execute(self.conn())
            .await?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
        Ok(moved)
    }

    /// Creates a team.
    pub async fn insert_team(
        &mut self,
        _proof: &Authorized<act::ManageTeams>,
        name: &str,
        now: Timestamp,
    ) -> Result<TeamId> {
        let done = sqlx::query("INSERT INTO teams (name, created_at) VALUES (?, ?)")
            .bind(name)
            .bind(now.as_millis())
            .execute(self.conn())
            .await;
        match done {
            Ok(done) => Ok(TeamId::new(done.last_insert_rowid())),
            Err(e) if is_unique_violation(&e) => Err(name_taken("team", name)),
            Err(e) => Err(e.into()),
        }
    }

    /// Renames a team.
    pub async fn rename_team(
        &mut self,
        _proof: &Authorized<act::ManageTeams>,
        id: TeamId,
        name: &str,
    ) -> Result<()> {
        let done = sqlx::query("UPDATE teams SET name = ? WHERE id = ?")
            .bind(name)
            .bind(id.get())
            .execute(self.conn())
            .await;
        match done {
            Ok(done) if done.rows_affected() == 1 => Ok(()),
            Ok(_) => Err(Error::NotFound),
            Err(e) if is_unique_violation(&e) => Err(name_taken("team", name)),
            Err(e) => Err(e.into()),
        }
    }

    /// Keeps (or, with `None`, forgets) a team's business hours; returns what it had before.
    pub async fn set_team_hours(
        &mut self,
        _proof: &Authorized<act::ManageTeams>,
        id: TeamId,
        hours: Option<&BusinessHours>,
    ) -> Result<Option<String>> {
        let before: Option<Option<String>> = sqlx::query_scalar("SELECT hours FROM teams WHERE id = ?")
            .bind(id.get())
            .fetch_optional(self.conn())
            .await?;
        let before = before.ok_or(Error::NotFound)?;
        sqlx::query("UPDATE teams SET hours = ? WHERE id = ?")
            .bind(hours.map(BusinessHours::to_text))
            .bind(id.get())
            .execute(self.conn())
            .await?;
        Ok(before)
    }

    /// Deletes an empty team (no conversations, no contacts); its memberships go with it.
    pub async fn delete_team(&mut self, _proof: &Authorized<act::ManageTeams>, id: TeamId) -> Result<()> {
        if id == DEFAULT_TEAM {
            return Err(Error::Conflict(
                "the default team receives unrouted chats and cannot be deleted".to_owned(),
            ));
        }
        let held: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM conversations WHERE team_id = ?1) + (SELECT count(*) FROM contacts WHERE team_id = ?1)",
        )
        .bind(id.get())
        .fetch_one(self.conn())
        .await?;
        if held > 0 {
            return Err(Error::Conflict(format!(
                "the team still holds {held} conversation(s) or contact(s): transfer them first"
            )));
        }
        self.delete_row("teams", id.get()).await
    }

    /// Adds (`member = true`) or removes a member. Returns whether anything changed.
    pub async fn set_team_member(
        &mut self,
        _proof: &Authorized<act::ManageTeams>,
        team: TeamId,
        user: UserId,
        member: bool,
    ) -> Result<bool> {
        self.set_link("team_members", ("team_id", team.get()), ("user_id", user.get()), member).await
    }

    /// Inserts (`on`) or deletes the row linking `a` and `b` in `table`; whether anything
    /// changed. A link to something that does not exist is `NotFound`.
    pub(super) async fn set_link(
        &mut self,
        table: &str,
        a: (&str, i64),
        b: (&str, i64),
        on: bool,
    ) -> Result<bool> {
        let sql = if on {
            format!("INSERT OR IGNORE INTO {table} ({}, {}) VALUES (?, ?)", a.0, b.0)
        } else {
            format!("DELETE FROM {table} WHERE {} = ? AND {} = ?", a.0, b.0)
        };
        match sqlx::query(&sql).bind(a.1).bind(b.1).execute(self.conn()).await {
            Ok(done) => Ok(done.rows_affected() == 1),
            Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => Err(Error::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes row `id` of `table`; `NotFound` if there is none.
    async fn delete_row(&mut self, table: &str, id: i64) -> Result<()> {
        let done =
            sqlx::query(&format!("DELETE FROM {table} WHERE id = ?")).bind(id).execute(self.conn()).await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }

    /// Creates a label, or replaces one (`id`): name, colour, restriction and the roles that
    /// may see it.
    pub async fn save_label(
        &mut self,
        _proof: &Authorized<act::ManageLabels>,
        id: Option<LabelId>,
        label: &LabelSpec<'_>,
        now: Timestamp,
    ) -> Result<LabelId> {
        let done = match id {
            None => sqlx::query(
                "INSERT INTO labels (name, colour, restricted, files, created_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(label.name)
            .bind(label.colour)
            .bind(label.restricted)
            .bind(label.files.as_str())
            .bind(now.as_millis())
            .execute(self.conn())
            .await
            .map(|d| LabelId::new(d.last_insert_rowid())),
            Some(id) => {
                sqlx::query("UPDATE labels SET name = ?, colour = ?, restricted = ?, files = ? WHERE id = ?")
                    .bind(label.name)
                    .bind(label.colour)
                    .bind(label.restricted)
                    .bind(label.files.as_str())
                    .bind(id.get())
                    .execute(self.conn())
                    .await
                    .and_then(|d| if d.rows_affected() == 1 { Ok(id) } else { Err(sqlx::Error::RowNotFound) })
            }
        };
        let id = match done {
            Ok(id) => id,
            Err(sqlx::Error::RowNotFound) => return Err(Error::NotFound),
            Err(e) if is_unique_violation(&e) => return Err(name_taken("label", label.name)),
            Err(e) => return Err(e.into()),
        };
        sqlx::query("DELETE FROM role_labels WHERE label_id = ?").bind(id.get()).execute(self.conn()).await?;
        for role in label.roles {
            sqlx::query("INSERT INTO role_labels (role_id, label_id) SELECT id, ? FROM roles WHERE slug = ?")
                .bind(id.get())
                .bind(role.as_str())
                .execute(self.conn())
                .await?;
        }
        Ok(id)
    }

    /// Deletes a label (it comes off every contact).
    /// A label a template is meant for is kept (`Conflict`).
    pub async fn delete_label(&mut self, _proof: &Authorized<act::ManageLabels>, id: LabelId) -> Result<()> {
        match self.delete_row("labels", id.get()).await {
            Err(Error::Store(sqlx::Error::Database(db))) if db.is_foreign_key_violation() => {
                Err(Error::Conflict(
                    "a template is only for contacts with this label; change it first".to_owned(),
                ))
            }
            done => done,
        }
    }

    /// Puts `label` on the proof's contact, or takes it off. Returns whether anything changed.
    pub async fn set_contact_label(
        &mut self,
        proof: &Authorized<act::LabelContact>,
        label: LabelId,
        on: bool,
    ) -> Result<bool> {
        self.set_link("contact_labels", ("contact_id", proof.resource().get()), ("label_id", label.get()), on)
            .await
    }
}

/// A label to save.
#[derive(Debug)]
pub struct LabelSpec<'a> {
    /// Name.
    pub name: &'a str,
    /// Colour token.
    pub colour: &'a str,
    /// Hides its contacts from roles not listed.
    pub restricted: bool,
    /// Roles that may see its contacts.
    pub roles: &'a [RoleSlug],
    /// Which files may be sent to its contacts.
    pub files: Files,
}

/// A label's file policy from its row.
fn files_from(row: &sqlx::sqlite::SqliteRow) -> Result<Files> {
    let name: String = row.try_get("files")?;
    Files::parse(&name).ok_or_else(|| Error::Internal(format!("unknown file policy {name:?} in the store")))
}
