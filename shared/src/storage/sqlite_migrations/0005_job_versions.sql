-- Every write of a job bumps its version; a write names the version it read and changes
-- nothing if the row moved on since (compare-and-set), so the queue's decisions can be
-- made outside the engine.
ALTER TABLE jobs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
