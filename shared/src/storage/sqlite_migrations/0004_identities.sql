-- Identity links: events of `from_id` (an anonymous id, or a user id given up by an alias)
-- belong to the profile `to_id`. `to_id` is always canonical (never itself linked).
CREATE TABLE identities (
    from_id   TEXT    PRIMARY KEY,
    to_id     TEXT    NOT NULL,
    linked_at INTEGER NOT NULL -- ms since the epoch
) WITHOUT ROWID;
CREATE INDEX identities_to ON identities (to_id);
