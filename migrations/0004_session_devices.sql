-- What a session was opened from, for "my sessions and devices".
ALTER TABLE sessions ADD COLUMN origin TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT 'unknown';
