-- Change markers and tombstones of visits, read by the reports' in-memory index on every
-- instance to stay fresh (shared/src/storage/visit_feed.rs). Rows written before this
-- migration keep 0: the index loads them by start.
ALTER TABLE visits ADD COLUMN updated_ms INTEGER NOT NULL DEFAULT 0;
CREATE INDEX visits_updated ON visits (updated_ms);

CREATE TABLE visits_gone (
    profile_id TEXT NOT NULL,
    key TEXT NOT NULL,
    gone_ms INTEGER NOT NULL,
    PRIMARY KEY (profile_id, key)
) WITHOUT ROWID;
CREATE INDEX visits_gone_at ON visits_gone (gone_ms);
