-- Contact fields with a sensitivity class (issue 6, point 2).
--
-- An administrator defines the fields the business keeps about its customers (a loyalty tier,
-- a date of birth, an allergy note); each field carries a class that decides who may reveal
-- its values: 'none' (shown, with the detectors still masking what they find in it),
-- 'contact', 'financial', 'identity' or 'health'. A date of birth is its own kind, checked as
-- a date. Values are kept per contact; a field's values go with it when it is deleted.
CREATE TABLE contact_fields (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind       TEXT NOT NULL CHECK (kind IN ('text', 'date_of_birth')),
    class      TEXT NOT NULL CHECK (class IN ('none', 'contact', 'financial', 'identity', 'health')),
    created_at INTEGER NOT NULL
);

CREATE TABLE contact_field_values (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    field_id   INTEGER NOT NULL REFERENCES contact_fields (id) ON DELETE CASCADE,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (contact_id, field_id)
);
CREATE INDEX contact_field_values_by_field ON contact_field_values (field_id);
