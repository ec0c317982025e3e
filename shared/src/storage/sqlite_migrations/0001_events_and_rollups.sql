-- Events: one row per stored event; event_id is the idempotency key.
CREATE TABLE events (
    seq               INTEGER PRIMARY KEY,
    event_id          TEXT    NOT NULL UNIQUE,
    profile_id        TEXT    NOT NULL,
    user_id           TEXT,
    anonymous_id      TEXT,
    session_id        TEXT,
    type              TEXT    NOT NULL,
    occurred_at       INTEGER NOT NULL, -- ms since the epoch
    sent_at           INTEGER,
    received_at       INTEGER NOT NULL,
    timestamp_clamped INTEGER NOT NULL DEFAULT 0,
    properties        TEXT    NOT NULL, -- JSON object
    context           TEXT    NOT NULL, -- JSON object
    traits            TEXT              -- JSON object or NULL
);
-- Journeys: newest first per profile.
CREATE INDEX events_profile_time ON events (profile_id, occurred_at, event_id);

-- Rollups, maintained in the same transaction as the events they count.
CREATE TABLE daily_type_counts (
    day   TEXT    NOT NULL, -- YYYY-MM-DD (UTC)
    type  TEXT    NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, type)
) WITHOUT ROWID;

CREATE TABLE daily_active_users (
    day        TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    PRIMARY KEY (day, profile_id)
) WITHOUT ROWID;

CREATE TABLE daily_user_counts (
    day   TEXT PRIMARY KEY,
    count INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    profile_id      TEXT    PRIMARY KEY,
    user_id         TEXT,
    anonymous_id    TEXT,
    first_seen      INTEGER NOT NULL,
    last_seen       INTEGER NOT NULL,
    event_count     INTEGER NOT NULL,
    last_event_type TEXT    NOT NULL,
    traits          TEXT -- JSON object or NULL
) WITHOUT ROWID;
CREATE INDEX users_last_seen ON users (last_seen, profile_id);
