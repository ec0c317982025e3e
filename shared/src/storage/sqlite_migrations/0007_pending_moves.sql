-- Identity merges whose earlier id still holds events: the batch carrying the link moved at
-- most `storage.merge_move_chunk` of them, the mover moves the rest in chunks and deletes
-- the row once `from_id` holds none. `to_id` is the target when the link was made; the
-- mover follows `identities` in case that person was merged again since.
CREATE TABLE pending_moves (
    from_id    TEXT    PRIMARY KEY,
    to_id      TEXT    NOT NULL,
    created_at INTEGER NOT NULL, -- ms since the epoch
    chunks     INTEGER NOT NULL DEFAULT 0 -- mover chunks committed so far
) WITHOUT ROWID;
-- A journey reads the person's pending earlier ids; a later merge retargets them.
CREATE INDEX pending_moves_to ON pending_moves (to_id);
