//! Profiles: the per-person row every engine keeps (first and last seen, event count, last
//! event type, traits) and the two rules that change it, written once here: folding a
//! batch's events into it ([`Profile::absorb`]) and folding an earlier id's profile into the
//! person it was linked to ([`Profile::merge`]). Engines read a profile, call these, and
//! write the result back.
//!
//! Traits are bounded ([`MAX_TRAIT_KEYS`], [`MAX_TRAIT_BYTES`]): a trait that would take a
//! profile past either bound is dropped and counted, never the write that carried it.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::event::Event;

/// Most trait keys one profile keeps.
pub const MAX_TRAIT_KEYS: usize = 256;
/// Most bytes of trait JSON one profile keeps (keys and values as serialised, plus four
/// bytes of punctuation per entry).
pub const MAX_TRAIT_BYTES: usize = 64 * 1024;

/// One person or device, as stored: keyed by the user id, else the anonymous id.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The profile id: the user id, or the anonymous id of a profile never identified.
    pub id: String,
    /// Set when the profile is keyed by a user id.
    pub user_id: Option<String>,
    /// The first anonymous id seen for this person.
    pub anonymous_id: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub event_count: u64,
    pub last_event_type: String,
    pub traits: Map<String, Value>,
}

/// What one batch adds to one profile (see [`ProfileDelta::add`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileDelta {
    pub user_id: Option<String>,
    pub anonymous_id: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub last_event_type: String,
    pub event_count: u64,
    /// Traits of the batch's events merged in time order (later values win), if any carried
    /// traits.
    pub traits: Option<Map<String, Value>>,
}

impl ProfileDelta {
    /// The delta of one event, counted for `user_id` (the person it was resolved to, when
    /// that differs from the event's own user id).
    pub fn of(e: &Event, user_id: Option<String>) -> Self {
        Self {
            user_id: user_id.or_else(|| e.user_id.clone()),
            anonymous_id: e.anonymous_id.clone(),
            first_seen: e.occurred_at,
            last_seen: e.occurred_at,
            last_event_type: e.event_type.as_str().to_owned(),
            event_count: 1,
            traits: e.traits.clone(),
        }
    }

    /// Adds a later event (callers visit events in time order).
    pub fn add(&mut self, e: &Event) {
        self.event_count += 1;
        self.last_seen = e.occurred_at;
        self.last_event_type = e.event_type.as_str().to_owned();
        if self.anonymous_id.is_none() {
            self.anonymous_id.clone_from(&e.anonymous_id);
        }
        if let Some(t) = &e.traits {
            let merged = self.traits.get_or_insert_with(Map::new);
            for (k, v) in t {
                merged.insert(k.clone(), v.clone());
            }
        }
    }
}

impl Profile {
    /// A new profile made of one batch's delta.
    pub fn create(id: &str, d: &ProfileDelta) -> (Self, usize) {
        let mut p = Self {
            id: id.to_owned(),
            user_id: d.user_id.clone(),
            anonymous_id: d.anonymous_id.clone(),
            first_seen: d.first_seen,
            last_seen: d.last_seen,
            event_count: d.event_count,
            last_event_type: d.last_event_type.clone(),
            traits: Map::new(),
        };
        let dropped = d
            .traits
            .as_ref()
            .map_or(0, |t| merge_traits(&mut p.traits, t));
        (p, dropped)
    }

    /// Folds a batch's delta into the stored profile: counts add up, first and last seen
    /// widen, the last event type follows the latest time (an equal time takes the batch's),
    /// the first anonymous id is kept, the user id never changes, and traits merge shallowly
    /// with the batch's values winning. Returns how many traits the bounds dropped.
    pub fn absorb(&mut self, d: &ProfileDelta) -> usize {
        if d.last_seen >= self.last_seen {
            self.last_event_type.clone_from(&d.last_event_type);
        }
        self.first_seen = self.first_seen.min(d.first_seen);
        self.last_seen = self.last_seen.max(d.last_seen);
        self.event_count += d.event_count;
        if self.anonymous_id.is_none() {
            self.anonymous_id.clone_from(&d.anonymous_id);
        }
        d.traits
            .as_ref()
            .map_or(0, |t| merge_traits(&mut self.traits, t))
    }

    /// The person's profile after an identity link folded `earlier` (the profile of the id
    /// that was linked) into `person` (the profile of the user id it was linked to, absent
    /// when the user has no events yet). Counts add up, first and last seen widen, the last
    /// event type is the later one's, the person keeps its own anonymous id (else the earlier
    /// id's, or the earlier id itself when it was anonymous), and traits merge with the
    /// person's own winning. Returns the profile keyed `person_id` and the traits dropped.
    pub fn merge(earlier: Profile, person: Option<Profile>, person_id: &str) -> (Self, usize) {
        let earlier_anonymous = earlier
            .anonymous_id
            .clone()
            .or_else(|| Some(earlier.id.clone()));
        let Some(person) = person else {
            return (
                Self {
                    id: person_id.to_owned(),
                    user_id: Some(person_id.to_owned()),
                    anonymous_id: earlier_anonymous,
                    ..earlier
                },
                0,
            );
        };
        let later_is_earlier = earlier.last_seen > person.last_seen;
        // The person's traits win and were within the bounds already; the earlier id adds
        // the keys the person lacks while there is room.
        let mut traits = person.traits;
        let earlier_only: Map<String, Value> = earlier
            .traits
            .into_iter()
            .filter(|(k, _)| !traits.contains_key(k))
            .collect();
        let dropped = merge_traits(&mut traits, &earlier_only);
        (
            Self {
                id: person_id.to_owned(),
                user_id: Some(person_id.to_owned()),
                anonymous_id: person.anonymous_id.or(earlier_anonymous),
                first_seen: earlier.first_seen.min(person.first_seen),
                last_seen: earlier.last_seen.max(person.last_seen),
                event_count: earlier.event_count + person.event_count,
                last_event_type: if later_is_earlier {
                    earlier.last_event_type
                } else {
                    person.last_event_type
                },
                traits,
            },
            dropped,
        )
    }
}

/// Bytes one trait entry counts for against [`MAX_TRAIT_BYTES`].
fn entry_size(key: &str, value: &Value) -> usize {
    key.len() + value.to_string().len() + 4
}

/// Bytes a trait map counts for against [`MAX_TRAIT_BYTES`].
pub fn json_size(traits: &Map<String, Value>) -> usize {
    traits.iter().map(|(k, v)| entry_size(k, v)).sum()
}

/// Merges `incoming` into `base` (incoming values win) within the bounds, in `incoming`'s
/// order: a new key is kept while there is room for it, a changed value while its new size
/// fits. Returns how many entries were dropped.
pub fn merge_traits(base: &mut Map<String, Value>, incoming: &Map<String, Value>) -> usize {
    let mut size = json_size(base);
    let mut dropped = 0;
    for (k, v) in incoming {
        let new = entry_size(k, v);
        match base.get(k) {
            Some(old) => {
                let old = entry_size(k, old);
                if size - old + new <= MAX_TRAIT_BYTES {
                    size = size - old + new;
                    base.insert(k.clone(), v.clone());
                } else {
                    dropped += 1;
                }
            }
            None if base.len() < MAX_TRAIT_KEYS && size + new <= MAX_TRAIT_BYTES => {
                size += new;
                base.insert(k.clone(), v.clone());
            }
            None => dropped += 1,
        }
    }
    dropped
}

#[cfg(test)]
#[path = "profile_tests.rs"]
mod tests;
