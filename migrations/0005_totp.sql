-- Second factors: TOTP authenticator apps and one-time recovery codes.
CREATE TABLE totp_credentials (
    user_id        INTEGER PRIMARY KEY REFERENCES users (id),
    secret_hex     TEXT    NOT NULL,
    confirmed_at   INTEGER,
    last_used_step INTEGER
);

-- High-entropy random codes: a SHA-256 is enough to keep them unreadable.
CREATE TABLE recovery_codes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    code_sha256 BLOB    NOT NULL,
    used_at     INTEGER,
    UNIQUE (user_id, code_sha256)
);

-- A session opened with the password only, waiting for the second factor.
ALTER TABLE sessions ADD COLUMN second_factor_pending INTEGER NOT NULL DEFAULT 0;
