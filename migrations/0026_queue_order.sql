-- The inbox's queue order (most urgent first, then the most recent message, then the newest
-- conversation) as indexes, so that a page of it is read in order instead of sorting every
-- conversation in scope: a chain's store of 100,000 conversations (issues 9 and 12).
-- The rank is a virtual column computed from the priority: nothing to keep in step.
ALTER TABLE conversations ADD COLUMN priority_rank INTEGER
    GENERATED ALWAYS AS (CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END) VIRTUAL;
CREATE INDEX conversations_queue ON conversations (priority_rank, last_message_at DESC, id DESC);
CREATE INDEX conversations_team_queue ON conversations (team_id, priority_rank, last_message_at DESC, id DESC);
