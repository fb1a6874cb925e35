-- The inbox at a chain's size (issue 12): what a page of the queue shows read from indexes.
--
-- The counts of the views (Needs us, Waiting, Resolved, All): for a reader's teams a range of
-- this index, for those who see every team all of it. It holds every column the counts and
-- their scope look at (status, snooze, assignee, and the contact for restricted labels), so no
-- conversation row is read. None of them moves when a message arrives.
CREATE INDEX conversations_counts_by_team
    ON conversations (team_id, status, snoozed_until, assignee_id, contact_id);

-- A conversation's messages in the thread's order (by the second they were sent, then as they
-- came): its last message is the first entry from the end, not a sort of all of them.
CREATE INDEX messages_in_thread_order ON messages (conversation_id, sent_at / 1000, id);

-- What a reader has not read: the customer's messages stored after they last looked, counted
-- in this index without reading the messages.
CREATE INDEX messages_inbound_by_conversation ON messages (conversation_id, stored_at)
    WHERE direction = 'inbound';
