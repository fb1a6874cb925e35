-- Issue 8 point 7: full-text search inside the encrypted store (SQLite FTS5). One index for
-- messages, private notes and contacts; a row's rowid says what it is (id * 4 + 0 message,
-- + 1 note, + 2 contact) so triggers keep it current in the same transaction as the change.
-- Searches are cut to the actor's scope in SQL and their snippets masked in the core; a hit
-- whose match lies only inside a masked value is dropped, so a search cannot confirm a card
-- or ID number to someone who may not see it.
CREATE VIRTUAL TABLE search_index USING fts5(
    body,
    conversation_id UNINDEXED,
    contact_id UNINDEXED,
    at UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER search_message_insert AFTER INSERT ON messages WHEN NEW.body IS NOT NULL BEGIN
    INSERT INTO search_index (rowid, body, conversation_id, contact_id, at)
    VALUES (NEW.id * 4, NEW.body, NEW.conversation_id,
            (SELECT contact_id FROM conversations WHERE id = NEW.conversation_id), NEW.sent_at);
END;
CREATE TRIGGER search_message_update AFTER UPDATE OF body ON messages BEGIN
    DELETE FROM search_index WHERE rowid = OLD.id * 4;
    INSERT INTO search_index (rowid, body, conversation_id, contact_id, at)
    SELECT NEW.id * 4, NEW.body, NEW.conversation_id,
           (SELECT contact_id FROM conversations WHERE id = NEW.conversation_id), NEW.sent_at
    WHERE NEW.body IS NOT NULL;
END;
CREATE TRIGGER search_message_delete AFTER DELETE ON messages BEGIN
    DELETE FROM search_index WHERE rowid = OLD.id * 4;
END;

CREATE TRIGGER search_note_insert AFTER INSERT ON notes BEGIN
    INSERT INTO search_index (rowid, body, conversation_id, contact_id, at)
    VALUES (NEW.id * 4 + 1, NEW.body, NEW.conversation_id,
            (SELECT contact_id FROM conversations WHERE id = NEW.conversation_id), NEW.created_at);
END;
CREATE TRIGGER search_note_delete AFTER DELETE ON notes BEGIN
    DELETE FROM search_index WHERE rowid = OLD.id * 4 + 1;
END;

CREATE TRIGGER search_contact_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO search_index (rowid, body, conversation_id, contact_id, at)
    VALUES (NEW.id * 4 + 2, trim(COALESCE(NEW.profile_name, '') || ' ' || COALESCE(NEW.username, '')),
            NULL, NEW.id, NEW.created_at);
END;
CREATE TRIGGER search_contact_update AFTER UPDATE OF profile_name, username ON contacts BEGIN
    DELETE FROM search_index WHERE rowid = OLD.id * 4 + 2;
    INSERT INTO search_index (rowid, body, conversation_id, contact_id, at)
    VALUES (NEW.id * 4 + 2, trim(COALESCE(NEW.profile_name, '') || ' ' || COALESCE(NEW.username, '')),
            NULL, NEW.id, NEW.created_at);
END;
CREATE TRIGGER search_contact_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM search_index WHERE rowid = OLD.id * 4 + 2;
END;

-- What was there before the index.
INSERT INTO search_index (rowid, body, conversation_id, contact_id, at)
SELECT m.id * 4, m.body, m.conversation_id, c.contact_id, m.sent_at
FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.body IS NOT NULL;
INSERT INTO search_index (rowid, body, conversation_id, contact_id, at)
SELECT n.id * 4 + 1, n.body, n.conversation_id, c.contact_id, n.created_at
FROM notes n JOIN conversations c ON c.id = n.conversation_id;
INSERT INTO search_index (rowid, body, conversation_id, contact_id, at)
SELECT id * 4 + 2, trim(COALESCE(profile_name, '') || ' ' || COALESCE(username, '')), NULL, id, created_at
FROM contacts;
