-- Issue 8: the state of a conversation in the team's work, and private notes.
-- status: open (needs us), pending (waiting on the customer or someone else), resolved
-- (done; a new customer message reopens it). snoozed_until hides it from the working list
-- until then, or until the customer writes. priority orders the team's queue.
ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'pending', 'resolved'));
ALTER TABLE conversations ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high', 'urgent'));
ALTER TABLE conversations ADD COLUMN snoozed_until INTEGER;
CREATE INDEX conversations_by_status ON conversations (team_id, status, last_message_at DESC);

-- Private notes: written by staff, shown to staff who may read notes, never sent. They live
-- apart from `messages` so no path that sends messages can ever pick one up.
CREATE TABLE notes (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    author_user_id  INTEGER NOT NULL REFERENCES users (id),
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX notes_by_conversation ON notes (conversation_id, id);

-- Who a note mentioned (only people who may read it are recorded), and when they saw it.
CREATE TABLE note_mentions (
    note_id INTEGER NOT NULL REFERENCES notes (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    seen_at INTEGER,
    PRIMARY KEY (note_id, user_id)
);
CREATE INDEX note_mentions_unseen ON note_mentions (user_id, seen_at);

-- When each person last read each conversation: messages from the customer after it are unread.
CREATE TABLE conversation_reads (
    user_id         INTEGER NOT NULL REFERENCES users (id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    read_at         INTEGER NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);
