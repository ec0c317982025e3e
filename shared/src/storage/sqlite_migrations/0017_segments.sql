-- Saved people segments (shared/src/segments.rs): a name and the JSON of its conditions.
CREATE TABLE segments (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    conditions TEXT    NOT NULL, -- JSON array, read by shared code only
    created_at INTEGER NOT NULL, -- ms since the epoch
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
