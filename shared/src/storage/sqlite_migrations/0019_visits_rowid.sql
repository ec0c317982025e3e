-- Visits as a rowid table, looked up through a unique (profile_id, key) index, instead of a
-- WITHOUT ROWID table keyed by it. A visit's row is its JSON body (1-2 KB once it carries
-- its trail), and every batch rewrites the visits it touches: in a WITHOUT ROWID table a row
-- over about 1,000 bytes (4 KB pages) spills into an overflow page, freed and allocated
-- again on each rewrite, while a rowid table keeps rows up to about 4,000 bytes on the leaf
-- (docs/performance.md, "The durable write path"). Same columns, same rows, same indexes.
CREATE TABLE visits_by_rowid (
    profile_id TEXT NOT NULL,
    key TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    updated_ms INTEGER NOT NULL DEFAULT 0
);
INSERT INTO visits_by_rowid (profile_id, key, start_ms, end_ms, body, updated_ms)
SELECT profile_id, key, start_ms, end_ms, body, updated_ms FROM visits ORDER BY start_ms;
DROP TABLE visits;
ALTER TABLE visits_by_rowid RENAME TO visits;
CREATE UNIQUE INDEX visits_key ON visits (profile_id, key);
CREATE INDEX visits_profile_end ON visits (profile_id, end_ms);
CREATE INDEX visits_start ON visits (start_ms);
CREATE INDEX visits_updated ON visits (updated_ms);
