-- Issue 8 point 2: routing rules. An administrator's rules, in order; the first enabled one
-- whose conditions all hold for an inbound message decides where its conversation goes.
-- `spec` is the rule as saved (JSON: name, when, then); every save is a new version, kept in
-- `routing_rule_versions` with who saved it, so the trail can show what a rule said when it
-- fired.
CREATE TABLE routing_rules (
    id         INTEGER PRIMARY KEY,
    position   INTEGER NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1,
    spec       TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    updated_by INTEGER REFERENCES users (id),
    updated_at INTEGER NOT NULL
);
CREATE INDEX routing_rules_in_order ON routing_rules (position, id);

CREATE TABLE routing_rule_versions (
    rule_id  INTEGER NOT NULL,
    version  INTEGER NOT NULL,
    spec     TEXT,              -- NULL: the rule was deleted in this version
    saved_by INTEGER REFERENCES users (id),
    saved_at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, version)
);

-- When a conversation was first routed (by a rule or to the default team); a conversation
-- not yet routed is routed by its next inbound message.
ALTER TABLE conversations ADD COLUMN routed_at INTEGER;
-- Existing conversations are where people put them.
UPDATE conversations SET routed_at = created_at;

-- Round-robin: when each member last had a conversation given to them by a rule.
CREATE TABLE routing_turns (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    last_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
