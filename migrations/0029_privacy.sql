-- Issue 11 point 4: privacy requests. Audit records from now on commit to each field's
-- SHA-256 (format 3), so erasing a contact can blank the records that mention them — target
-- and detail replaced by a pseudonym, their digests kept in `erased` — without breaking the
-- chain. Records written before stay in their format (NULL) and cannot be blanked.
ALTER TABLE audit_events ADD COLUMN format INTEGER;
ALTER TABLE audit_events ADD COLUMN erased TEXT;
