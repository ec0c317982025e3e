-- Erasures in progress (shared/src/privacy.rs): the ids an erasure job covers, resolved when
-- it starts and kept here so an attempt that resumes after the identity links are gone
-- still knows them, and the rows it removed so far per kind (JSON object). The job deletes
-- its row when it ends; the audit log keeps the summary.
CREATE TABLE erasures (
    job_id     TEXT    PRIMARY KEY,
    person     TEXT    NOT NULL,
    ids        TEXT    NOT NULL, -- JSON array
    rows       TEXT    NOT NULL, -- JSON object: kind -> rows
    created_at INTEGER NOT NULL  -- ms since the epoch
) WITHOUT ROWID;

-- Ids erased with suppression: ingestion drops their later events.
CREATE TABLE suppressed_ids (
    id         TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL -- ms since the epoch
) WITHOUT ROWID;
