-- Retention state per person (shared/src/storage/retention.rs): the first and last instant
-- of each kind of activity (an event type, or '' for any event) on each UTC day, and the
-- first instant of each kind ever. Written with each batch; moved whole by identity merges.
CREATE TABLE retention_days (
    profile_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    day        INTEGER NOT NULL, -- days since 1970-01-01 (UTC)
    first_at   INTEGER NOT NULL, -- ms since the epoch
    last_at    INTEGER NOT NULL,
    PRIMARY KEY (profile_id, kind, day)
) WITHOUT ROWID;

CREATE TABLE retention_firsts (
    profile_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    first_at   INTEGER NOT NULL,
    PRIMARY KEY (profile_id, kind)
) WITHOUT ROWID;
-- Cohorts: the people whose first event of a kind is in a range.
CREATE INDEX retention_firsts_kind ON retention_firsts (kind, first_at);

-- Backfill from the stored events (bots left out), each under its person: events a pending
-- move has not reached yet are resolved through the identity links.
INSERT INTO retention_days (profile_id, kind, day, first_at, last_at)
SELECT COALESCE(i.to_id, e.profile_id), e.type,
       (e.occurred_at - (((e.occurred_at % 86400000) + 86400000) % 86400000)) / 86400000,
       MIN(e.occurred_at), MAX(e.occurred_at)
FROM events e LEFT JOIN identities i ON i.from_id = e.profile_id
WHERE COALESCE(json_extract(e.derived, '$.bot'), 0) = 0
GROUP BY 1, 2, 3;

INSERT INTO retention_days (profile_id, kind, day, first_at, last_at)
SELECT profile_id, '', day, MIN(first_at), MAX(last_at)
FROM retention_days GROUP BY profile_id, day;

INSERT INTO retention_firsts (profile_id, kind, first_at)
SELECT profile_id, kind, MIN(first_at) FROM retention_days GROUP BY profile_id, kind;
