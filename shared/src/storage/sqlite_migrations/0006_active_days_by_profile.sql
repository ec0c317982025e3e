-- An identity link moves the earlier id's active days to the person: find them by profile.
CREATE INDEX daily_active_users_profile ON daily_active_users (profile_id, day);
