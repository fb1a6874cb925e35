-- Single sign-on with OpenID Connect (issue 10).
-- One provider per organisation (id = 1). The client secret, where a provider requires one,
-- is stored like the channel's secrets: inside the encrypted file, never shown again.
CREATE TABLE sso_config (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    mode            TEXT    NOT NULL CHECK (mode IN ('off', 'sso_and_passwords', 'sso_only')),
    label           TEXT    NOT NULL,
    issuer          TEXT    NOT NULL,
    client_id       TEXT    NOT NULL,
    client_secret   TEXT,
    scopes          TEXT    NOT NULL,
    username_claim  TEXT    NOT NULL,
    groups_claim    TEXT    NOT NULL,
    provision       INTEGER NOT NULL,
    -- The owner who may still sign in with a password when passwords are off.
    break_glass_id  INTEGER REFERENCES users (id),
    updated_at      INTEGER NOT NULL
);

-- A provider group (or role) value and what it gives: a role, a team, or both. The first
-- mapping (by position) that gives a role decides the role; teams add up.
CREATE TABLE sso_mappings (
    id        INTEGER PRIMARY KEY,
    position  INTEGER NOT NULL,
    grp       TEXT    NOT NULL,
    role      TEXT    REFERENCES roles (slug) ON DELETE CASCADE,
    team_id   INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    CHECK (role IS NOT NULL OR team_id IS NOT NULL)
);

-- Users are bound to the provider by issuer and subject (`sub`), never by a name the provider
-- lets people choose.
CREATE TABLE sso_identities (
    user_id      INTEGER NOT NULL UNIQUE REFERENCES users (id),
    issuer       TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
);

-- A session whose second factor the provider vouched for (`amr`): policy's second factor is
-- met for it without a local one.
ALTER TABLE sessions ADD COLUMN provider_second_factor INTEGER NOT NULL DEFAULT 0;
