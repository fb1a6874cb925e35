-- Issue 8 point 5: where a contact stands with the business, and whether they agreed to
-- marketing messages: when, how (the source staff recorded) and who recorded it. An opt-out
-- stops marketing templates to them.
ALTER TABLE contacts ADD COLUMN lifecycle TEXT NOT NULL DEFAULT 'new'
    CHECK (lifecycle IN ('new', 'lead', 'customer', 'inactive'));
ALTER TABLE contacts ADD COLUMN marketing_consent TEXT NOT NULL DEFAULT 'unknown'
    CHECK (marketing_consent IN ('unknown', 'opted_in', 'opted_out'));
ALTER TABLE contacts ADD COLUMN consent_at INTEGER;
ALTER TABLE contacts ADD COLUMN consent_source TEXT;
ALTER TABLE contacts ADD COLUMN consent_by INTEGER REFERENCES users (id);
