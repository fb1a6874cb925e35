-- Authorization: roles (built-in templates and custom roles), teams, contact labels, and the
-- team and agent each conversation and contact belongs to.
--
-- sqlx runs every SQLite migration inside a transaction with foreign keys on, so a table
-- rebuild (which needs foreign keys off) is not possible here. Instead: `users.role` and
-- `ip_allowlist.role` lose their CHECK naming the three first roles by replacing the column
-- (`users`) or the table (`ip_allowlist`, which nothing references), and columns that point at
-- roles and teams are kept honest by triggers where SQLite does not allow a REFERENCES clause
-- on an added NOT NULL column.
-- A role is named by a stable slug (what settings, the allowlist and the CLI refer to). What a
-- built-in role grants is defined in code (`authz::template`), so an upgrade that adds a
-- permission updates the templates; a custom role's grants are the rows of `role_grants`.
CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT    NOT NULL DEFAULT '',
    builtin     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
INSERT INTO roles (slug, name, description, builtin, created_at, updated_at) VALUES
    ('owner', 'Owner', 'Everything, including owners and organisation-wide data rules.', 1, 0, 0),
    ('admin', 'Admin', 'Runs the organisation: people, roles, teams, security, the channel.', 1, 0, 0),
    ('manager', 'Store manager', 'Leads a store''s team: its conversations, contacts and escalations.', 1, 0, 0),
    ('agent', 'Support agent', 'Answers the customers of their teams.', 1, 0, 0),
    ('sales', 'Sales', 'Works their own leads and the team''s contacts.', 1, 0, 0),
    ('marketing', 'Marketing', 'Broadcasts and templates; no conversations.', 1, 0, 0),
    ('auditor', 'Auditor', 'Reads the audit trail; changes nothing.', 1, 0, 0);

-- One row per permission a custom role grants; `scope` for conversation and contact permissions.
CREATE TABLE role_grants (
    role_id    INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission TEXT    NOT NULL,
    scope      TEXT    CHECK (scope IN ('own', 'team', 'all')),
    PRIMARY KEY (role_id, permission)
);

-- The first administrators keep everything they could do: they become owners.
ALTER TABLE users ADD COLUMN role_slug TEXT NOT NULL DEFAULT 'agent';
UPDATE users SET role_slug = CASE role WHEN 'admin' THEN 'owner' ELSE role END;
ALTER TABLE users DROP COLUMN role;
ALTER TABLE users RENAME COLUMN role_slug TO role;
CREATE INDEX users_by_role ON users (role);
CREATE TRIGGER users_role_exists_insert BEFORE INSERT ON users
    WHEN NOT EXISTS (SELECT 1 FROM roles WHERE slug = NEW.role)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: no such role'); END;
CREATE TRIGGER users_role_exists_update BEFORE UPDATE OF role ON users
    WHEN NOT EXISTS (SELECT 1 FROM roles WHERE slug = NEW.role)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: no such role'); END;
CREATE TRIGGER roles_in_use BEFORE DELETE ON roles
    WHEN EXISTS (SELECT 1 FROM users WHERE role = OLD.slug)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: role in use'); END;

CREATE TABLE ip_allowlist_new (
    id   INTEGER PRIMARY KEY,
    cidr TEXT NOT NULL,
    role TEXT REFERENCES roles (slug) ON DELETE CASCADE,
    UNIQUE (cidr, role)
);
INSERT INTO ip_allowlist_new (id, cidr, role)
    SELECT id, cidr, CASE role WHEN 'admin' THEN 'owner' ELSE role END FROM ip_allowlist;
-- An entry for the administrators applied to both kinds now: keep it for admins as well.
INSERT INTO ip_allowlist_new (cidr, role) SELECT cidr, 'admin' FROM ip_allowlist WHERE role = 'admin';
DROP TABLE ip_allowlist;
ALTER TABLE ip_allowlist_new RENAME TO ip_allowlist;

UPDATE settings SET value = replace(',' || value || ',', ',admin,', ',owner,admin,')
    WHERE key = 'mfa.required_roles';
UPDATE settings SET value = trim(value, ',') WHERE key = 'mfa.required_roles';

-- Teams: one per store, for example. Team 1 receives what no routing rule claims.
CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);
INSERT INTO teams (id, name, created_at) VALUES (1, 'General', 0);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id);
-- Everyone there is keeps seeing what they saw: the existing inbox is the default team's.
INSERT INTO team_members (team_id, user_id) SELECT 1, id FROM users;

ALTER TABLE conversations ADD COLUMN team_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE conversations ADD COLUMN assignee_id INTEGER REFERENCES users (id);
CREATE INDEX conversations_by_team ON conversations (team_id, last_message_at DESC);
CREATE INDEX conversations_by_assignee ON conversations (assignee_id, last_message_at DESC);

ALTER TABLE contacts ADD COLUMN team_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE contacts ADD COLUMN owner_id INTEGER REFERENCES users (id);
CREATE INDEX contacts_by_team ON contacts (team_id);

CREATE TRIGGER conversations_team_exists_insert BEFORE INSERT ON conversations
    WHEN NOT EXISTS (SELECT 1 FROM teams WHERE id = NEW.team_id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: no such team'); END;
CREATE TRIGGER conversations_team_exists_update BEFORE UPDATE OF team_id ON conversations
    WHEN NOT EXISTS (SELECT 1 FROM teams WHERE id = NEW.team_id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: no such team'); END;
CREATE TRIGGER contacts_team_exists_insert BEFORE INSERT ON contacts
    WHEN NOT EXISTS (SELECT 1 FROM teams WHERE id = NEW.team_id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: no such team'); END;
CREATE TRIGGER contacts_team_exists_update BEFORE UPDATE OF team_id ON contacts
    WHEN NOT EXISTS (SELECT 1 FROM teams WHERE id = NEW.team_id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: no such team'); END;
CREATE TRIGGER teams_in_use BEFORE DELETE ON teams
    WHEN EXISTS (SELECT 1 FROM conversations WHERE team_id = OLD.id)
      OR EXISTS (SELECT 1 FROM contacts WHERE team_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: team in use'); END;

-- Contact labels. A restricted label hides its contacts (and their conversations) from every
-- role not listed in `role_labels`.
CREATE TABLE labels (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    colour     TEXT    NOT NULL DEFAULT 'grey',
    restricted INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE contact_labels (
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    label_id   INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, label_id)
);
CREATE INDEX contact_labels_by_label ON contact_labels (label_id);
CREATE TABLE role_labels (
    role_id  INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    label_id INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, label_id)
);

