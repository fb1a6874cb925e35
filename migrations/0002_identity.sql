-- Identity hardening: forced password changes and sign-in throttling.

ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at INTEGER;

-- Failed sign-ins, per user name (known or not) and per source (IP address or desktop).
-- Keyed by a SHA-256 of the name or source, so a password typed into the user-name field is
-- never stored readable.
CREATE TABLE login_throttle (
    key_sha256      BLOB    PRIMARY KEY,
    failures        INTEGER NOT NULL,
    lock_count      INTEGER NOT NULL,
    locked_until    INTEGER,
    last_failure_at INTEGER NOT NULL
);
