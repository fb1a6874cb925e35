-- Media customers send (issue 5): a verified webhook names a media id; the fetcher downloads
-- the file from the Graph API, checks its size, type and SHA-256, and keeps it here, inside
-- the encrypted store. Nothing is fetched for a refused file; the reason is kept instead.
CREATE TABLE media (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL UNIQUE REFERENCES messages (id),
    -- The Cloud API media id, and what the webhook declared.
    media_id        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    declared_mime   TEXT,
    declared_sha256 TEXT,
    state           TEXT    NOT NULL
                    CHECK (state IN ('pending', 'fetching', 'stored', 'refused', 'failed')),
    -- Why a file was refused or could not be fetched (a stable code the view explains).
    reason          TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    mime_type       TEXT,
    size            INTEGER,
    bytes           BLOB,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX media_due ON media (state, next_attempt_at);
