-- Contact labels gate what may be sent (issue 4, point 5).
--
-- A label may limit the files staff send to the contacts carrying it: 'any' (the default),
-- 'no_documents' (photos, videos and audio only) or 'none'.
ALTER TABLE labels ADD COLUMN files TEXT NOT NULL DEFAULT 'any'
    CHECK (files IN ('any', 'no_documents', 'none'));

-- A template may be limited to contacts carrying one of these labels (a dealer price list for
-- dealers only). A label named here cannot be deleted: dropping it would open the template to
-- everyone, so the template must be changed first.
CREATE TABLE template_audience (
    template_id INTEGER NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    label_id    INTEGER NOT NULL REFERENCES labels (id) ON DELETE RESTRICT,
    PRIMARY KEY (template_id, label_id)
);
CREATE INDEX template_audience_by_label ON template_audience (label_id);
