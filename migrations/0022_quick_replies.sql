-- Issue 8 point 6: saved answers, for one team or (team_id NULL) everyone, with placeholders
-- ({{customer_name}}, {{agent_name}}, {{team_name}}) the core fills in for a conversation.
CREATE TABLE quick_replies (
    id         INTEGER PRIMARY KEY,
    team_id    INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    shortcut   TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    updated_at INTEGER NOT NULL
);
-- One shortcut per team, and one among those for everyone.
CREATE UNIQUE INDEX quick_replies_shortcut ON quick_replies (COALESCE(team_id, 0), shortcut);
