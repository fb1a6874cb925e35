-- Countersign schema v1. Migrations are append-only: never edit a released file.
-- The whole file is encrypted by SQLCipher; the secrets below are additionally never logged
-- or returned to any front end.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'manager', 'agent')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_sha256 BLOB    NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- One WhatsApp business number for now (id = 1).
CREATE TABLE channel_config (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    phone_number_id TEXT    NOT NULL,
    graph_base_url  TEXT    NOT NULL,
    api_version     TEXT    NOT NULL,
    verify_token    TEXT    NOT NULL,
    app_secret      TEXT    NOT NULL,
    access_token    TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A customer is known by wa_id, by business-scoped user id, or both; never by phone alone.
CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    wa_id        TEXT UNIQUE,
    user_id      TEXT UNIQUE,
    profile_name TEXT,
    username     TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CHECK (wa_id IS NOT NULL OR user_id IS NOT NULL)
);

CREATE TABLE conversations (
    id                       INTEGER PRIMARY KEY,
    contact_id               INTEGER NOT NULL REFERENCES contacts (id),
    business_phone_number_id TEXT    NOT NULL,
    last_message_at          INTEGER NOT NULL,
    last_inbound_at          INTEGER,
    created_at               INTEGER NOT NULL,
    UNIQUE (contact_id, business_phone_number_id)
);
CREATE INDEX conversations_by_recency ON conversations (last_message_at DESC);

CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY,
    body_sha256 BLOB    NOT NULL UNIQUE,
    body        BLOB    NOT NULL,
    parsed      INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    wa_message_id   TEXT    UNIQUE,
    direction       TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    kind            TEXT    NOT NULL,
    body            TEXT,
    raw_json        TEXT,
    status          TEXT,
    author_user_id  INTEGER REFERENCES users (id),
    delivery_id     INTEGER REFERENCES webhook_deliveries (id),
    sent_at         INTEGER NOT NULL,
    stored_at       INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, sent_at, id);

-- Every status WhatsApp reported, in arrival order; messages.status holds the furthest one.
CREATE TABLE message_statuses (
    id            INTEGER PRIMARY KEY,
    wa_message_id TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    occurred_at   INTEGER,
    raw_json      TEXT    NOT NULL,
    delivery_id   INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    UNIQUE (wa_message_id, status)
);

-- Everything else a delivery carried, kept whole.
CREATE TABLE channel_events (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    field       TEXT    NOT NULL,
    raw_json    TEXT    NOT NULL
);

CREATE TABLE audit_events (
    seq         INTEGER PRIMARY KEY,
    occurred_at INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT,
    detail      TEXT    NOT NULL,
    prev_hash   BLOB    NOT NULL,
    hash        BLOB    NOT NULL
);
