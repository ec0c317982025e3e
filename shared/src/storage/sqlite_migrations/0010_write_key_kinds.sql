-- A write key has a kind: `browser` keys (public) may not merge identified ids, `server`
-- keys may. Keys made before kinds existed become `server` keys, so they keep doing what
-- they did (an admin re-issues public keys as `browser` keys).
ALTER TABLE write_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'server'
    CHECK (kind IN ('browser', 'server'));
