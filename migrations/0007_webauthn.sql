-- Security keys and passkeys (WebAuthn). `passkey_json` is webauthn-rs's record of the
-- credential: its public key and signature counter (nothing secret; the private key never
-- leaves the authenticator). Each user gets a random WebAuthn user handle on first use.
ALTER TABLE users ADD COLUMN webauthn_handle TEXT;

CREATE TABLE webauthn_credentials (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    name          TEXT    NOT NULL,
    credential_id BLOB    NOT NULL UNIQUE,
    passkey_json  TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);

-- A registration or authentication in progress: the challenge state the finishing call must
-- present, keyed by the SHA-256 of a random ceremony id given to the client. Used once.
CREATE TABLE webauthn_ceremonies (
    id_sha256  BLOB    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    session_id INTEGER REFERENCES sessions (id),
    state_json TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
