-- Signed audit checkpoints (issue 7, point 3): every 100 events, the installation signs the
-- latest event's hash with an Ed25519 key derived from the data key. A checkpoint vouches for
-- the whole chain up to it, so a trail cut short or rebuilt no longer matches; exported to a
-- file kept elsewhere, it holds even if this table is emptied too.
CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY,
    hash      BLOB    NOT NULL,
    signed_at INTEGER NOT NULL,
    signature BLOB    NOT NULL
);
