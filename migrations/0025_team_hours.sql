-- Issue 8 point 2: a team's business hours, for routing rules that depend on whether the store
-- is open. The text form of `domain::hours::BusinessHours` ("Europe/London; mon 09:00-17:30;
-- …"), checked before it is written; NULL: no hours kept, the team counts as always open.
ALTER TABLE teams ADD COLUMN hours TEXT;
