-- Networks sign-in is allowed from. No rows: no restriction. A row with a role applies to that
-- role only; rows without a role apply to everyone.
CREATE TABLE ip_allowlist (
    id   INTEGER PRIMARY KEY,
    cidr TEXT NOT NULL,
    role TEXT CHECK (role IN ('admin', 'manager', 'agent')),
    UNIQUE (cidr, role)
);
