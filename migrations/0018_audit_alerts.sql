-- Issue 7, point 6: unusual activity raises an `audit.alert` event (in the trail, chained like
-- any other) and an entry here that administrators see until one of them acknowledges it.
-- `subject` is who or where the alert is about (`user:12`, or an address for failed sign-ins
-- of unknown names); `raised_at` lets a rule raise one alert per subject per window.
CREATE TABLE audit_alerts (
    seq             INTEGER PRIMARY KEY,
    rule            TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    raised_at       INTEGER NOT NULL,
    acknowledged_by INTEGER REFERENCES users (id),
    acknowledged_at INTEGER
);
CREATE INDEX audit_alerts_open   ON audit_alerts (acknowledged_at, seq);
CREATE INDEX audit_alerts_recent ON audit_alerts (rule, subject, raised_at);

-- The rules count one person's events of a few kinds in the last minutes, and the viewer
-- searches one person's events of one kind: both are a range of this index.
CREATE INDEX audit_by_actor_action ON audit_events (actor, action, seq);
