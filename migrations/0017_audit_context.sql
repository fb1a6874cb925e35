-- Issue 7, point 1: every event records its outcome and risk (from the catalog in
-- src/audit/catalog.rs) and where it came from: the IP address or "this PC", and the device.
-- Events written before this have none of them and keep their original hashes.
ALTER TABLE audit_events ADD COLUMN outcome TEXT;
ALTER TABLE audit_events ADD COLUMN risk    TEXT;
ALTER TABLE audit_events ADD COLUMN origin  TEXT;
ALTER TABLE audit_events ADD COLUMN device  TEXT;

-- The viewer (point 4) filters by each of these and pages newest first by seq: one index per
-- filter, each ending in seq, so a page is an index range scan however long the trail.
CREATE INDEX audit_by_actor  ON audit_events (actor, seq);
CREATE INDEX audit_by_action ON audit_events (action, seq);
CREATE INDEX audit_by_target ON audit_events (target, seq);
CREATE INDEX audit_by_risk   ON audit_events (risk, seq);
CREATE INDEX audit_by_time   ON audit_events (occurred_at, seq);
