-- Issue 11 point 3: retention of message content and media, legal holds, purge runs.
--
-- A purge removes what was said and leaves that something was: a message keeps its
-- direction, type, time, status and author, and says when its content was removed; a media
-- row keeps its type and size; a webhook delivery keeps the hash it is deduplicated by. Rows
-- under a legal hold (the contact's, or the conversation's) are left whole.

ALTER TABLE messages ADD COLUMN content_removed_at INTEGER;
-- The purge walks messages oldest first among those that still hold content.
CREATE INDEX messages_content_by_age ON messages (sent_at) WHERE content_removed_at IS NULL;

ALTER TABLE webhook_deliveries ADD COLUMN body_removed_at INTEGER;
CREATE INDEX deliveries_body_by_age ON webhook_deliveries (received_at) WHERE body_removed_at IS NULL;

-- Media gains the state `removed` (a CHECK cannot be altered: the table is rebuilt).
CREATE TABLE media_new (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL UNIQUE REFERENCES messages (id),
    media_id        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    declared_mime   TEXT,
    declared_sha256 TEXT,
    state           TEXT    NOT NULL
                    CHECK (state IN ('pending', 'fetching', 'stored', 'refused', 'failed', 'removed')),
    reason          TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    mime_type       TEXT,
    size            INTEGER,
    bytes           BLOB,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
INSERT INTO media_new SELECT id, message_id, media_id, kind, declared_mime, declared_sha256, state, reason,
    attempts, next_attempt_at, mime_type, size, bytes, created_at, updated_at FROM media;
DROP TABLE media;
ALTER TABLE media_new RENAME TO media;
CREATE INDEX media_due ON media (state, next_attempt_at);

-- A legal hold keeps a contact's conversations, or one conversation, whole whatever the
-- retention policy says, until it is released. Released holds stay as the record of it.
CREATE TABLE legal_holds (
    id              INTEGER PRIMARY KEY,
    contact_id      INTEGER REFERENCES contacts (id),
    conversation_id INTEGER REFERENCES conversations (id),
    reason          TEXT    NOT NULL,
    -- NULL: IT at the machine.
    placed_by       INTEGER REFERENCES users (id),
    placed_at       INTEGER NOT NULL,
    released_by     INTEGER REFERENCES users (id),
    released_at     INTEGER,
    CHECK ((contact_id IS NULL) <> (conversation_id IS NULL))
);
CREATE INDEX legal_holds_on_contact ON legal_holds (contact_id) WHERE released_at IS NULL;
CREATE INDEX legal_holds_on_conversation ON legal_holds (conversation_id) WHERE released_at IS NULL;

-- One purge: what was due when it started and how far it got, updated with every batch so a
-- screen can show progress and a stop leaves an honest record.
CREATE TABLE retention_runs (
    id               INTEGER PRIMARY KEY,
    trigger          TEXT    NOT NULL CHECK (trigger IN ('schedule', 'manual', 'operator')),
    state            TEXT    NOT NULL CHECK (state IN ('running', 'finished', 'failed', 'interrupted')),
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    message_cutoff   INTEGER,
    media_cutoff     INTEGER,
    messages_due     INTEGER NOT NULL,
    media_due        INTEGER NOT NULL,
    deliveries_due   INTEGER NOT NULL,
    messages_done    INTEGER NOT NULL DEFAULT 0,
    media_done       INTEGER NOT NULL DEFAULT 0,
    deliveries_done  INTEGER NOT NULL DEFAULT 0
);
