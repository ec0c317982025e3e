//! The write path of every engine, written once: one batch of events and identity links
//! becomes one transaction. Engines implement [`WriteTx`], a handful of read and write
//! primitives on an open transaction; [`apply`] decides everything else (which links take
//! effect, which events are new, what the rollups and profiles become).
//!
//! Order inside a batch: links first, then events, so an event of a linked id lands on the
//! person, whether it came before or after the `identify` in the batch (either way the
//! person ends up with it). Duplicates change nothing: an event id already stored, or
//! repeated earlier in the batch, is a `Duplicate` and counts nowhere.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::InsertOutcome;
use crate::event::Event;
use crate::identity::{IdentityLink, LinkOutcome, LinkRight, Links, NewLink};
use crate::profile::{Profile, ProfileDelta};

/// An identity link and when it was received (recorded as the link's time).
#[derive(Debug, Clone, PartialEq)]
pub struct TimedLink {
    pub link: IdentityLink,
    pub at: DateTime<Utc>,
    /// What the sender may link (from its write key's kind).
    pub right: LinkRight,
}

/// What one transaction writes: events, and the identity links applied before them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteBatch {
    pub events: Vec<Event>,
    pub links: Vec<TimedLink>,
}

impl From<Vec<Event>> for WriteBatch {
    fn from(events: Vec<Event>) -> Self {
        Self {
            events,
            links: Vec::new(),
        }
    }
}

/// What one batch did: an outcome per event and per link, index for index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteOutcome {
    pub events: Vec<InsertOutcome>,
    pub links: Vec<LinkOutcome>,
    /// Profile traits left out because a profile reached its bounds
    /// ([`crate::profile::MAX_TRAIT_KEYS`], [`crate::profile::MAX_TRAIT_BYTES`]).
    pub traits_dropped: u64,
}

/// The primitives of one open write transaction. Each reads or writes exactly what its
/// name says and decides nothing; [`apply`] calls them.
///
/// Native `async fn`: the SQLite engine drives [`apply`] to completion on its blocking
/// thread (its primitives never suspend), while the MongoDB engine awaits real I/O.
pub(crate) trait WriteTx {
    type Error;

    /// The canonical id of each id in `ids` that is linked (unlinked ids are absent).
    async fn links(&mut self, ids: &BTreeSet<&str>)
    -> Result<HashMap<String, String>, Self::Error>;

    /// Records `from → to` and repoints every id linked to `from` at `to`.
    async fn add_link(&mut self, link: &NewLink, at: DateTime<Utc>) -> Result<(), Self::Error>;

    /// The days `profile` is marked active on.
    async fn active_days(&mut self, profile: &str) -> Result<Vec<NaiveDate>, Self::Error>;

    /// Removes `profile`'s active marks on `days` (no daily count changes).
    async fn unmark_active(&mut self, profile: &str, days: &[NaiveDate])
    -> Result<(), Self::Error>;

    /// Marks each (day, profile) active; true for each pair that was not marked yet.
    async fn mark_active(&mut self, pairs: &[(NaiveDate, &str)]) -> Result<Vec<bool>, Self::Error>;

    /// Adds to the per-day counts of active profiles.
    async fn add_daily_users(
        &mut self,
        deltas: &BTreeMap<NaiveDate, i64>,
    ) -> Result<(), Self::Error>;

    /// The stored profiles among `ids`.
    async fn profiles(&mut self, ids: &[&str]) -> Result<HashMap<String, Profile>, Self::Error>;

    /// Writes each profile whole, creating it when absent.
    async fn put_profiles(&mut self, profiles: &[Profile]) -> Result<(), Self::Error>;

    /// Removes a profile (whether or not it exists).
    async fn delete_profile(&mut self, id: &str) -> Result<(), Self::Error>;

    /// Moves every stored event of profile `from` to profile `to`.
    async fn move_events(&mut self, from: &str, to: &str) -> Result<(), Self::Error>;

    /// Stores each event under the given profile unless its id is stored already; true for
    /// each one stored now.
    async fn insert_events(&mut self, events: &[(&Event, &str)]) -> Result<Vec<bool>, Self::Error>;

    /// Adds to the per (day, type) event counts.
    async fn add_type_counts(
        &mut self,
        counts: &BTreeMap<(NaiveDate, String), u64>,
    ) -> Result<(), Self::Error>;
}

/// Applies one batch inside `tx`. The caller commits.
pub(crate) async fn apply<T: WriteTx>(
    tx: &mut T,
    batch: &WriteBatch,
) -> Result<WriteOutcome, T::Error> {
    let mut ids: BTreeSet<&str> = batch.events.iter().map(Event::profile_id).collect();
    for l in &batch.links {
        ids.insert(&l.link.from);
        ids.insert(&l.link.to);
    }
    let mut links = Links::new(if ids.is_empty() {
        HashMap::new()
    } else {
        tx.links(&ids).await?
    });

    let mut traits_dropped = 0;
    let mut link_outcomes = Vec::with_capacity(batch.links.len());
    for l in &batch.links {
        let (mut outcome, mut new) = links.decide(&l.link);
        if let Some(n) = &new
            && l.right != LinkRight::Any
            && !l.right.permits(identified(tx, batch, &n.from).await?)
        {
            (outcome, new) = (LinkOutcome::Refused, None);
        }
        if let Some(new) = new {
            tx.add_link(&new, l.at).await?;
            links.record(&new);
            traits_dropped += merge_into_person(tx, &new).await?;
        }
        link_outcomes.push(outcome);
    }

    let repeats = in_batch_repeats(&batch.events);
    let offered: Vec<(&Event, &str)> = batch
        .events
        .iter()
        .zip(&repeats)
        .filter(|(_, repeat)| !**repeat)
        .map(|(e, _)| (e, links.resolve(e.profile_id())))
        .collect();
    let stored = if offered.is_empty() {
        Vec::new()
    } else {
        tx.insert_events(&offered).await?
    };
    let mut stored_iter = stored.iter();
    let outcomes = repeats
        .iter()
        .map(|repeat| {
            if !repeat && stored_iter.next() == Some(&true) {
                InsertOutcome::Accepted
            } else {
                InsertOutcome::Duplicate
            }
        })
        .collect();

    let accepted: Vec<(&Event, &str)> = offered
        .into_iter()
        .zip(stored)
        .filter_map(|(pair, new)| new.then_some(pair))
        .collect();
    if !accepted.is_empty() {
        traits_dropped += apply_rollups(tx, &RollupDelta::of(&accepted)).await?;
    }
    Ok(WriteOutcome {
        events: outcomes,
        links: link_outcomes,
        traits_dropped: traits_dropped as u64,
    })
}

/// Whether `id` is an identified id: a stored profile or an event of this batch carries it
/// as a user id.
async fn identified<T: WriteTx>(
    tx: &mut T,
    batch: &WriteBatch,
    id: &str,
) -> Result<bool, T::Error> {
    if batch
        .events
        .iter()
        .any(|e| e.user_id.as_deref() == Some(id))
    {
        return Ok(true);
    }
    Ok(tx
        .profiles(&[id])
        .await?
        .get(id)
        .is_some_and(|p| p.user_id.is_some()))
}

/// A new link: the earlier id's events, active days and profile become the person's.
/// Returns the traits the profile bounds dropped.
async fn merge_into_person<T: WriteTx>(tx: &mut T, link: &NewLink) -> Result<usize, T::Error> {
    tx.move_events(&link.from, &link.to).await?;
    let days = tx.active_days(&link.from).await?;
    if !days.is_empty() {
        tx.unmark_active(&link.from, &days).await?;
        let pairs: Vec<(NaiveDate, &str)> = days.iter().map(|d| (*d, link.to.as_str())).collect();
        let newly = tx.mark_active(&pairs).await?;
        // A day both were active on now counts one person, not two.
        let deltas: BTreeMap<NaiveDate, i64> = days
            .iter()
            .zip(newly)
            .filter(|(_, new)| !new)
            .map(|(d, _)| (*d, -1))
            .collect();
        if !deltas.is_empty() {
            tx.add_daily_users(&deltas).await?;
        }
    }
    let mut found = tx.profiles(&[&link.from, &link.to]).await?;
    // Always, even when there is no profile: on MongoDB this write is what makes a
    // concurrent batch carrying the earlier id's first events conflict with this link.
    tx.delete_profile(&link.from).await?;
    let Some(earlier) = found.remove(&link.from) else {
        return Ok(0);
    };
    let (merged, dropped) = Profile::merge(earlier, found.remove(&link.to), &link.to);
    tx.put_profiles(&[merged]).await?;
    Ok(dropped)
}

/// Adds a batch's newly stored events to the counters and profiles.
async fn apply_rollups<T: WriteTx>(tx: &mut T, delta: &RollupDelta) -> Result<usize, T::Error> {
    tx.add_type_counts(&delta.day_type).await?;
    let pairs: Vec<(NaiveDate, &str)> = delta
        .day_profiles
        .iter()
        .flat_map(|(d, profiles)| profiles.iter().map(move |p| (*d, p.as_str())))
        .collect();
    let newly = tx.mark_active(&pairs).await?;
    let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for ((d, _), new) in pairs.iter().zip(newly) {
        if new {
            *per_day.entry(*d).or_default() += 1;
        }
    }
    if !per_day.is_empty() {
        tx.add_daily_users(&per_day).await?;
    }

    let ids: Vec<&str> = delta.profiles.keys().map(String::as_str).collect();
    let mut stored = tx.profiles(&ids).await?;
    let mut dropped = 0;
    let profiles: Vec<Profile> = delta
        .profiles
        .iter()
        .map(|(id, d)| match stored.remove(id) {
            Some(mut p) => {
                dropped += p.absorb(d);
                p
            }
            None => {
                let (p, n) = Profile::create(id, d);
                dropped += n;
                p
            }
        })
        .collect();
    tx.put_profiles(&profiles).await?;
    Ok(dropped)
}

/// What a batch's newly stored events add to the rollups.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct RollupDelta {
    /// Events per (day, type).
    pub day_type: BTreeMap<(NaiveDate, String), u64>,
    /// Profiles active per day.
    pub day_profiles: BTreeMap<NaiveDate, BTreeSet<String>>,
    /// Per-profile changes, in profile order (so engines touch keys in one order).
    pub profiles: BTreeMap<String, ProfileDelta>,
}

impl RollupDelta {
    /// Aggregates newly stored events, each with the profile it was stored under.
    pub fn of(accepted: &[(&Event, &str)]) -> Self {
        let mut delta = RollupDelta::default();
        let mut ordered: Vec<&(&Event, &str)> = accepted.iter().collect();
        ordered.sort_by(|a, b| {
            (a.0.occurred_at, &a.0.event_id).cmp(&(b.0.occurred_at, &b.0.event_id))
        });
        for (e, profile) in ordered {
            let day = e.occurred_at.date_naive();
            *delta
                .day_type
                .entry((day, e.event_type.as_str().to_owned()))
                .or_default() += 1;
            delta
                .day_profiles
                .entry(day)
                .or_default()
                .insert((*profile).to_owned());
            // An event resolved to a person through a link counts for that person's id.
            let person = (*profile != e.profile_id()).then(|| (*profile).to_owned());
            match delta.profiles.get_mut(*profile) {
                // Events are visited in time order, so each one is the latest so far.
                Some(p) => p.add(e),
                None => {
                    delta
                        .profiles
                        .insert((*profile).to_owned(), ProfileDelta::of(e, person));
                }
            }
        }
        delta
    }
}

/// Marks in-batch repeats of an id as duplicates up front: only the first occurrence is
/// offered to the store. Returns, per event, whether it is such a repeat.
pub fn in_batch_repeats(events: &[Event]) -> Vec<bool> {
    let mut seen = HashSet::with_capacity(events.len());
    events
        .iter()
        .map(|e| !seen.insert(e.event_id.as_str()))
        .collect()
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;
