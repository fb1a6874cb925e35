-- Issue 8 point 4: an escalation may ask for the conversation to move to another team (the
-- agent may not transfer it themselves; a manager who may approves, and the move is made in
-- the transaction that records the approval). NULL: it asks for no move. A team deleted
-- since leaves the request as a plain one.
ALTER TABLE escalations ADD COLUMN transfer_team INTEGER REFERENCES teams (id) ON DELETE SET NULL;
