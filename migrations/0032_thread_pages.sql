-- A conversation's thread is read a page at a time (the latest messages first). A reaction, an
-- edit or a deletion may come pages after the message it concerns: this index finds, for the
-- messages of one page, those that concern them, without reading the rest of the thread.
-- The expression is the one `store::inbox` asks for, to the letter.
CREATE INDEX messages_annotations_by_target ON messages (
    conversation_id,
    coalesce(json_extract(raw_json, '$.reaction.message_id'),
             json_extract(raw_json, '$.edit.original_message_id'),
             json_extract(raw_json, '$.revoke.original_message_id'))
) WHERE kind IN ('reaction', 'edit', 'revoke');
