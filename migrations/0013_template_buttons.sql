-- A template's buttons (issue 5), as JSON: [{"kind","text","target"}]. A link button ending
-- in a placeholder, or a code to copy, takes a value when the template is sent.
ALTER TABLE templates ADD COLUMN buttons TEXT NOT NULL DEFAULT '[]';

-- A header that is not text (IMAGE, VIDEO, DOCUMENT, LOCATION): Countersign cannot fill it yet,
-- so such a template is listed but not offered for sending.
ALTER TABLE templates ADD COLUMN media_header TEXT;
