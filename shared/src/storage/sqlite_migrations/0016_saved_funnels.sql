-- Saved funnels (storage::funnels): the whole record as JSON text in body.
CREATE TABLE saved_funnels (
    id TEXT PRIMARY KEY NOT NULL,
    updated_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX saved_funnels_by_update ON saved_funnels (updated_at DESC, id);
