-- The job queue. `active_key` equals `key` while the job is queued or running and is NULL
-- once it is final, so the unique index allows one active job per idempotency key.
CREATE TABLE jobs (
    id               TEXT    PRIMARY KEY,
    kind             TEXT    NOT NULL,
    key              TEXT    NOT NULL,
    active_key       TEXT    UNIQUE,
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    created_at       INTEGER NOT NULL, -- ms since the epoch
    started_at       INTEGER,
    finished_at      INTEGER,
    run_after        INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_until      INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    progress         TEXT    NOT NULL, -- JSON
    error            TEXT,
    params           TEXT    NOT NULL, -- JSON
    result           TEXT              -- JSON
);
CREATE INDEX jobs_claim ON jobs (status, run_after);
CREATE INDEX jobs_key ON jobs (key, status, finished_at);
CREATE INDEX jobs_kind_status ON jobs (kind, status, id);
