-- Analytics sessions ("visits", so as not to be confused with sign-in sessions) kept at
-- write time (shared/src/session.rs), and orders counted once by id
-- (shared/src/commerce.rs). Each row's whole value is `body` (JSON); the other columns are
-- what the engine looks rows up by.
CREATE TABLE visits (
    profile_id TEXT NOT NULL,
    key TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (profile_id, key)
) WITHOUT ROWID;
CREATE INDEX visits_profile_end ON visits (profile_id, end_ms);
CREATE INDEX visits_start ON visits (start_ms);

CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    body TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX orders_profile ON orders (profile_id, at_ms);
CREATE INDEX orders_at ON orders (at_ms);
