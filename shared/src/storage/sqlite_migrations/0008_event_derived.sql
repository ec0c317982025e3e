-- What the server derives from each event when it arrives (channel, device, country, bot, ...),
-- as JSON; NULL for events stored before derivation existed.
ALTER TABLE events ADD COLUMN derived TEXT;
