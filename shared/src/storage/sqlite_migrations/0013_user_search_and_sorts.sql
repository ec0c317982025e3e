-- The users list: search by id or trait prefix (shared/src/people.rs decides the terms; the
-- write path keeps them beside the profile, the migration's Rust step fills them for
-- profiles stored before it), and sorts by first seen and event count served by indexes
-- (last seen has users_last_seen, the id the primary key).
CREATE TABLE user_search_terms (
    term       TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    PRIMARY KEY (term, profile_id)
) WITHOUT ROWID;
CREATE INDEX user_search_terms_profile ON user_search_terms (profile_id);
CREATE INDEX users_first_seen ON users (first_seen, profile_id);
CREATE INDEX users_event_count ON users (event_count, profile_id);
-- The live view reads events in arrival order: received_at only grows, so this index is
-- appended at its right edge and costs a write little.
CREATE INDEX events_received ON events (received_at, event_id);
