//! The visits the event writer wrote last, decoded, so that the next batch of the same
//! people takes them from memory instead of decoding their stored bodies again (a visit's
//! body is 1-2 KB of JSON with its trail: decoding it was the largest single cost of a
//! durable batch after the inserts themselves).
//!
//! The stored row stays the truth. An entry is used only when the row the writer's query
//! found has the same `rowid` and `updated_ms` as when the entry was written: every write
//! of a visit moves its `updated_ms` on (`MAX(now, previous + 1)`), so any write since,
//! by this process or another, makes the entry stale and the body is decoded as before.
//! Entries go in only after their transaction commits, and every delete of visits on the
//! writer empties the cache, so a row deleted and written again in the same millisecond
//! (with a reused `rowid`) cannot match an entry of the row before it.
//!
//! Bounded by visit count with two generations: writes go into the young one; when it
//! holds half of [`CAPACITY`], it becomes the old one and the previous old one is dropped.
//! A hit in the old generation moves the entry to the young one.

use std::collections::HashMap;

use crate::session::Session;

/// Most visits held (both generations). About 3 KB each in memory for a visit of a dozen
/// events with its trail; a shop's visits in progress rarely number more.
pub(super) const CAPACITY: usize = 8_192;

/// One visit as written, with the row version it was written at.
struct Cached {
    rowid: i64,
    updated: i64,
    session: Session,
}

/// Per person, their cached visits (a person has one or two visits in the writer's window).
type Generation = HashMap<String, Vec<Cached>>;

#[derive(Default)]
pub(super) struct VisitCache {
    young: Generation,
    young_len: usize,
    old: Generation,
}

/// A visit written in the open transaction, for the cache once it commits.
pub(super) struct Written {
    pub rowid: i64,
    pub updated: i64,
    pub session: Session,
}

impl VisitCache {
    /// Takes out the cached visit `(profile, key)` if the stored row is still the one it
    /// was written as (`rowid` and `updated_ms` equal); a stale entry is dropped. Taken,
    /// not copied: the writer changes the visit and gives it back with its new version
    /// ([`Self::committed`]); one it reads and leaves alone is decoded next time.
    pub fn take(&mut self, profile: &str, key: &str, rowid: i64, updated: i64) -> Option<Session> {
        let c = match take(&mut self.young, profile, key) {
            Some(c) => {
                self.young_len -= 1;
                c
            }
            None => take(&mut self.old, profile, key)?,
        };
        (c.rowid == rowid && c.updated == updated).then_some(c.session)
    }

    /// Takes in the visits a transaction wrote, after it committed.
    pub fn committed(&mut self, written: Vec<Written>) {
        for w in written {
            let (profile, key) = (&w.session.profile_id, &w.session.key);
            if take(&mut self.young, profile, key).is_some() {
                self.young_len -= 1;
            }
            take(&mut self.old, profile, key);
            self.insert(Cached {
                rowid: w.rowid,
                updated: w.updated,
                session: w.session,
            });
        }
    }

    /// Forgets everything (visits were deleted).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// How many visits are held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.young_len + self.old.values().map(Vec::len).sum::<usize>()
    }

    /// Puts an entry not held in either generation into the young one.
    fn insert(&mut self, c: Cached) {
        if self.young_len >= CAPACITY / 2 {
            self.old = std::mem::take(&mut self.young);
            self.young_len = 0;
        }
        self.young
            .entry(c.session.profile_id.clone())
            .or_default()
            .push(c);
        self.young_len += 1;
    }
}

/// Removes and returns the entry of `(profile, key)` from `generation`.
fn take(generation: &mut Generation, profile: &str, key: &str) -> Option<Cached> {
    let visits = generation.get_mut(profile)?;
    let at = visits.iter().position(|c| c.session.key == key)?;
    let found = visits.swap_remove(at);
    if visits.is_empty() {
        generation.remove(profile);
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(profile: &str, key: &str) -> Session {
        let at = chrono::DateTime::from_timestamp_millis(1_000).expect("time");
        let e = crate::event::Event {
            event_id: format!("{profile}-{key}"),
            user_id: Some(profile.to_owned()),
            anonymous_id: None,
            session_id: Some(key.to_owned()),
            event_type: crate::event::EventType::parse("page_view").expect("type"),
            properties: serde_json::Map::new(),
            context: serde_json::Map::new(),
            traits: None,
            occurred_at: at,
            sent_at: None,
            received_at: at,
            timestamp_clamped: false,
            derived: None,
            source: None,
        };
        Session::begin(profile, key.to_owned(), &e)
    }

    fn written(profile: &str, key: &str, rowid: i64, updated: i64) -> Written {
        Written {
            rowid,
            updated,
            session: visit(profile, key),
        }
    }

    #[test]
    fn an_entry_is_used_only_at_the_row_version_it_was_written_at() {
        let mut cache = VisitCache::default();
        cache.committed(vec![written("u-1", "s-1", 7, 100)]);
        assert_eq!(cache.take("u-1", "s-1", 7, 101), None, "written since");
        assert_eq!(
            cache.take("u-1", "s-1", 7, 100),
            None,
            "a stale entry is dropped"
        );
        cache.committed(vec![written("u-1", "s-1", 7, 102)]);
        assert_eq!(cache.take("u-1", "s-1", 8, 102), None, "another row");
        cache.committed(vec![written("u-1", "s-1", 7, 103)]);
        assert_eq!(cache.take("u-1", "s-2", 7, 103), None, "another key");
        let hit = cache.take("u-1", "s-1", 7, 103).expect("current");
        assert_eq!((hit.profile_id.as_str(), hit.key.as_str()), ("u-1", "s-1"));
        assert_eq!(cache.take("u-1", "s-1", 7, 103), None, "taken out");
        cache.committed(vec![written("u-1", "s-1", 7, 104)]);
        cache.clear();
        assert_eq!(cache.take("u-1", "s-1", 7, 104), None, "cleared");
    }

    #[test]
    fn a_write_replaces_the_entry_and_the_cache_stays_bounded() {
        let mut cache = VisitCache::default();
        for round in 0..3 {
            cache.committed(
                (0..CAPACITY as i64)
                    .map(|i| written(&format!("u-{i}"), "s", i, round))
                    .collect(),
            );
            assert!(cache.len() <= CAPACITY, "{} held", cache.len());
        }
        // The latest writes are held at their latest version only.
        let last = CAPACITY as i64 - 1;
        assert_eq!(cache.take(&format!("u-{last}"), "s", last, 1), None);
        cache.committed(vec![written(&format!("u-{last}"), "s", last, 2)]);
        assert!(cache.take(&format!("u-{last}"), "s", last, 2).is_some());
        // An entry of the old generation written again goes to the young one and outlives
        // the next turnover; the rest of the old generation does not.
        let early = CAPACITY as i64 / 2 - 1;
        assert!(cache.take(&format!("u-{early}"), "s", early, 2).is_some());
        cache.committed(vec![written(&format!("u-{early}"), "s", early, 3)]);
        cache.committed(
            (0..CAPACITY as i64 / 2)
                .map(|i| written(&format!("v-{i}"), "s", i, 0))
                .collect(),
        );
        assert!(cache.take(&format!("u-{early}"), "s", early, 3).is_some());
        assert_eq!(
            cache.take("u-0", "s", 0, 2),
            None,
            "dropped with its generation"
        );
        assert!(cache.len() <= CAPACITY);
    }
}
