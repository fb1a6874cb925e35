-- The message-template catalog (issue 5): synchronised from the Graph API, or entered by an
-- administrator in standalone mode. Status follows Meta's review (and its status webhooks).
CREATE TABLE templates (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    language   TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    header     TEXT,
    body       TEXT    NOT NULL,
    footer     TEXT,
    -- 'graph' (synchronised) or 'admin' (entered by hand).
    source     TEXT    NOT NULL CHECK (source IN ('graph', 'admin')),
    updated_at INTEGER NOT NULL,
    UNIQUE (name, language)
);
