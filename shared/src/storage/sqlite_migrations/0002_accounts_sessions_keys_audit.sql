-- The write key's source, recorded on each event it sends.
ALTER TABLE events ADD COLUMN source TEXT;

-- Console members; email is stored lower-cased, so UNIQUE is case-insensitive.
CREATE TABLE accounts (
    id            TEXT    PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    password_hash TEXT    NOT NULL, -- argon2id PHC string
    created_at    INTEGER NOT NULL, -- ms since the epoch
    last_login_at INTEGER,
    disabled      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- tower-sessions records (opaque data), shared by every API process.
CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    data       BLOB    NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Ingestion write keys: only the SHA-256 of the secret is kept.
CREATE TABLE write_keys (
    id           TEXT    PRIMARY KEY,
    source       TEXT    NOT NULL,
    key_hash     TEXT    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) WITHOUT ROWID;

-- Append-only: nothing updates or deletes these rows.
CREATE TABLE audit_log (
    id      TEXT    PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    details TEXT    NOT NULL -- JSON
) WITHOUT ROWID;
CREATE INDEX audit_log_at ON audit_log (at, id);
