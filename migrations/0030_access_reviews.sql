-- Issue 11 point 2: access reviews. A campaign asks, for every enabled person, whether they
-- still need their role, each of their teams and each permission their role grants; each
-- person's items go to a manager of one of their teams (someone there who approves), or to
-- the reviewer chosen when the campaign started. Permissions the trail shows no use of in the
-- 90 days before the start are flagged.
CREATE TABLE access_reviews (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL,
    -- NULL: IT at the machine.
    started_by       INTEGER REFERENCES users (id),
    started_at       INTEGER NOT NULL,
    due_at           INTEGER NOT NULL,
    default_reviewer INTEGER NOT NULL REFERENCES users (id),
    closed_at        INTEGER,
    closed_by        INTEGER REFERENCES users (id)
);

CREATE TABLE access_review_items (
    id           INTEGER PRIMARY KEY,
    review_id    INTEGER NOT NULL REFERENCES access_reviews (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    reviewer_id  INTEGER NOT NULL REFERENCES users (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('role', 'team', 'permission')),
    -- The role's slug, the team's id or the permission's name; `label` says it in words as
    -- it was when the campaign started.
    subject      TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    -- Permissions: 1 when the trail shows no use in the 90 days before the start, 0 when it
    -- does, NULL when using it leaves no trace to look for (viewing).
    unused       INTEGER,
    last_used_at INTEGER,
    decision     TEXT CHECK (decision IN ('confirmed', 'revoked')),
    note         TEXT,
    decided_by   INTEGER REFERENCES users (id),
    decided_at   INTEGER,
    -- What a revocation did: `removed_from_team`, `disabled`, or `role_change_needed` (a
    -- permission comes with a role: an administrator changes the role or moves the person).
    outcome      TEXT
);
CREATE INDEX access_review_items_by_review ON access_review_items (review_id, user_id);
CREATE INDEX access_review_items_to_decide ON access_review_items (reviewer_id) WHERE decision IS NULL;

-- The last reminder each reviewer got about an overdue campaign (one a day).
CREATE TABLE access_review_reminders (
    review_id   INTEGER NOT NULL REFERENCES access_reviews (id),
    reviewer_id INTEGER NOT NULL REFERENCES users (id),
    reminded_at INTEGER NOT NULL,
    PRIMARY KEY (review_id, reviewer_id)
);
