-- Escalations: an agent asks a manager to approve something about a conversation (issue 6,
-- point 4; the general workflow is issue 8). A request to reveal names the data classes it
-- wants shown; approving it lets the one who asked reveal those classes in that conversation
-- (and its contact's fields) until `grant_until`. A request without classes is a plain
-- escalation ("the customer asks for a refund above my limit"), answered with a note.
CREATE TABLE escalations (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    requested_by    INTEGER NOT NULL REFERENCES users (id),
    reason          TEXT    NOT NULL,
    -- Comma-separated data classes (contact, financial, identity, health); '' for none.
    classes         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at      INTEGER NOT NULL,
    decided_by      INTEGER REFERENCES users (id),
    decision_note   TEXT,
    decided_at      INTEGER,
    grant_until     INTEGER,
    CHECK ((status = 'pending') = (decided_by IS NULL))
);
CREATE INDEX escalations_pending ON escalations (status, created_at);
CREATE INDEX escalations_by_requester ON escalations (requested_by, conversation_id, status);
-- One open request per person and conversation: asking twice is answered "already asked".
CREATE UNIQUE INDEX escalations_one_pending ON escalations (requested_by, conversation_id)
    WHERE status = 'pending';
