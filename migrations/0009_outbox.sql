-- The durable outbox (issue 5): a reply is committed here, with its message, before anything
-- is sent; a sender takes items in order per customer, retries what may succeed later, and
-- records the outcome. See src/api/outbox.rs for the states.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL UNIQUE REFERENCES messages (id),
    -- The customer's WhatsApp id or business-scoped user id; items to one recipient go in order.
    recipient       TEXT    NOT NULL,
    -- The Graph request body, as it will be sent (it names this item in biz_opaque_callback_data).
    request_json    TEXT    NOT NULL,
    state           TEXT    NOT NULL
                    CHECK (state IN ('queued', 'sending', 'uncertain', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- When the current attempt began (sending), for telling an interrupted attempt apart.
    claimed_at      INTEGER,
    last_error_code INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX outbox_pending ON outbox (state, recipient, id);

-- Why an outbound message is not (yet) delivered: the Graph or webhook error code; the view
-- explains it in words.
ALTER TABLE messages ADD COLUMN failure_code INTEGER;
