-- When the session last proved a second factor (sign-in, step-up): high-risk actions need a
-- recent one. And when the session was locked (shared PC left alone, or "Lock" pressed): a
-- locked session does nothing until its user unlocks it.
ALTER TABLE sessions ADD COLUMN second_factor_at INTEGER;
ALTER TABLE sessions ADD COLUMN locked_at INTEGER;
