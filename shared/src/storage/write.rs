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
use super::moves::PendingMove;
use super::retention::{self, DayMark, FirstMark};
use crate::commerce::{Commerce, Money, Order, REFUND_TYPES, unnamed_currency};
use crate::event::Event;
use crate::identity::{IdentityLink, LinkOutcome, LinkRight, Links, NewLink};
use crate::profile::{Profile, ProfileDelta};
use crate::session::{self, IDLE, Session};

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

    /// Ids of up to `limit` events stored under profile `profile` (any order).
    async fn event_ids(&mut self, profile: &str, limit: usize) -> Result<Vec<String>, Self::Error>;

    /// Moves the events among `ids` that are still stored under profile `from` to profile
    /// `to`; returns how many moved. Repeating it moves nothing more.
    async fn repoint_events(
        &mut self,
        ids: &[String],
        from: &str,
        to: &str,
    ) -> Result<u64, Self::Error>;

    /// Records that the events left under `from` are to move to `to` (replacing any
    /// earlier record for `from`).
    async fn add_pending_move(
        &mut self,
        from: &str,
        to: &str,
        at: DateTime<Utc>,
    ) -> Result<(), Self::Error>;

    /// Points every pending move whose target is `from` at `to` instead.
    async fn retarget_pending_moves(&mut self, from: &str, to: &str) -> Result<(), Self::Error>;

    /// The oldest pending move, if any.
    async fn next_pending_move(&mut self) -> Result<Option<PendingMove>, Self::Error>;

    /// Counts one more committed chunk on the pending move of `from`.
    async fn note_move_chunk(&mut self, from: &str) -> Result<(), Self::Error>;

    /// Forgets the pending move of `from` (whether or not there is one).
    async fn delete_pending_move(&mut self, from: &str) -> Result<(), Self::Error>;

    /// Stores each event under the given profile unless its id is stored already; true for
    /// each one stored now.
    async fn insert_events(&mut self, events: &[(&Event, &str)]) -> Result<Vec<bool>, Self::Error>;

    /// Adds to the per (day, type) event counts.
    async fn add_type_counts(
        &mut self,
        counts: &BTreeMap<(NaiveDate, String), u64>,
    ) -> Result<(), Self::Error>;

    /// The sessions of `profile` that overlap `window` (end at or after its start, start at
    /// or before its end), and those whose key is among `keys`.
    async fn sessions(
        &mut self,
        profile: &str,
        window: Option<(DateTime<Utc>, DateTime<Utc>)>,
        keys: &[&str],
    ) -> Result<Vec<Session>, Self::Error>;

    /// Writes each session whole, keyed by (profile, key), creating it when absent.
    async fn put_sessions(&mut self, sessions: &[Session]) -> Result<(), Self::Error>;

    /// Removes every session of `profile`.
    async fn delete_sessions(&mut self, profile: &str) -> Result<(), Self::Error>;

    /// The stored orders among `ids`.
    async fn orders(&mut self, ids: &[&str]) -> Result<HashMap<String, Order>, Self::Error>;

    /// Writes each order whole, creating it when absent.
    async fn put_orders(&mut self, orders: &[Order]) -> Result<(), Self::Error>;

    /// Repoints every order of profile `from` at profile `to`.
    async fn move_orders(&mut self, from: &str, to: &str) -> Result<(), Self::Error>;

    /// Adds each retention day mark: creates it, or keeps the earlier first and the later
    /// last instant of the stored one and this.
    async fn mark_days(&mut self, marks: &[DayMark]) -> Result<(), Self::Error>;

    /// Adds each first mark: creates it, or keeps the earlier of the stored one and this.
    async fn mark_firsts(&mut self, firsts: &[FirstMark]) -> Result<(), Self::Error>;

    /// Adds a batch's retention day marks ([`WriteTx::mark_days`]) and the first marks
    /// they imply ([`retention::firsts_of`]). An engine may leave out the first mark of a
    /// day mark whose stored row already began at or before the offered first instant:
    /// every day mark is written with its first mark, so the stored first mark is no
    /// later than that row's first instant and would not move.
    async fn add_marks(&mut self, days: &[DayMark]) -> Result<(), Self::Error> {
        self.mark_days(days).await?;
        self.mark_firsts(&retention::firsts_of(days)).await
    }

    /// Every retention day mark of `profile`.
    async fn day_marks(&mut self, profile: &str) -> Result<Vec<DayMark>, Self::Error>;

    /// Every first mark of `profile`.
    async fn first_marks(&mut self, profile: &str) -> Result<Vec<FirstMark>, Self::Error>;

    /// Removes every retention mark (day and first) of `profile`.
    async fn delete_marks(&mut self, profile: &str) -> Result<(), Self::Error>;
}

/// Every time, for reading a profile's sessions whole.
fn all_time() -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    Some((DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC))
}

/// What [`apply`] did, for the engine that commits it.
#[derive(Debug)]
pub(crate) struct Applied {
    pub outcome: WriteOutcome,
    /// Pending moves this batch recorded: once it commits, the mover has work.
    pub moves_recorded: usize,
}

/// Applies one batch inside `tx`; an identity merge moves at most `move_chunk` events here
/// and leaves the rest to the mover ([`super::moves`]). The caller commits.
pub(crate) async fn apply<T: WriteTx>(
    tx: &mut T,
    batch: &WriteBatch,
    move_chunk: usize,
) -> Result<Applied, T::Error> {
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
    let mut moves_recorded = 0;
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
            let merged = merge_into_person(tx, &new, l.at, move_chunk).await?;
            traits_dropped += merged.traits_dropped;
            moves_recorded += usize::from(merged.move_pending);
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
        apply_sessions(tx, &accepted).await?;
        let days = retention::day_marks_of(&accepted);
        if !days.is_empty() {
            tx.add_marks(&days).await?;
        }
    }
    Ok(Applied {
        outcome: WriteOutcome {
            events: outcomes,
            links: link_outcomes,
            traits_dropped: traits_dropped as u64,
        },
        moves_recorded,
    })
}

/// What one merge did.
struct Merged {
    /// Traits the profile bounds dropped.
    traits_dropped: usize,
    /// The earlier id holds more events than one chunk: a pending move was recorded.
    move_pending: bool,
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
///
/// Its events move here only up to `move_chunk` of them: a long anonymous history moved in
/// one go would hold this batch's transaction (and every other client's events it carries)
/// past MongoDB's transaction time and size limits. The rest is recorded as a pending move
/// in this same transaction, so it is never lost, and the mover finishes it in chunks.
/// Active days and the profile are one row per day and one document: they move whole.
async fn merge_into_person<T: WriteTx>(
    tx: &mut T,
    link: &NewLink,
    at: DateTime<Utc>,
    move_chunk: usize,
) -> Result<Merged, T::Error> {
    // One more than a chunk tells whether anything would be left behind.
    let mut ids = tx
        .event_ids(&link.from, move_chunk.saturating_add(1))
        .await?;
    let move_pending = ids.len() > move_chunk;
    ids.truncate(move_chunk);
    if !ids.is_empty() {
        tx.repoint_events(&ids, &link.from, &link.to).await?;
    }
    // Moves still draining into `from` now drain into the person.
    tx.retarget_pending_moves(&link.from, &link.to).await?;
    if move_pending {
        tx.add_pending_move(&link.from, &link.to, at).await?;
    }
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
    merge_sessions(tx, link).await?;
    tx.move_orders(&link.from, &link.to).await?;
    merge_retention_marks(tx, link).await?;
    let mut found = tx.profiles(&[&link.from, &link.to]).await?;
    // Always, even when there is no profile: on MongoDB this write is what makes a
    // concurrent batch carrying the earlier id's first events conflict with this link.
    tx.delete_profile(&link.from).await?;
    let Some(earlier) = found.remove(&link.from) else {
        return Ok(Merged {
            traits_dropped: 0,
            move_pending,
        });
    };
    let (merged, traits_dropped) = Profile::merge(earlier, found.remove(&link.to), &link.to);
    tx.put_profiles(&[merged]).await?;
    Ok(Merged {
        traits_dropped,
        move_pending,
    })
}

/// The earlier id's retention marks become the person's (a row per kind and day, moved
/// whole like active days): the earlier first and later last instant of both win, so the
/// person's cohort is the earlier of the two ids' first events.
async fn merge_retention_marks<T: WriteTx>(tx: &mut T, link: &NewLink) -> Result<(), T::Error> {
    let mut days = tx.day_marks(&link.from).await?;
    let mut firsts = tx.first_marks(&link.from).await?;
    if days.is_empty() && firsts.is_empty() {
        return Ok(());
    }
    for m in &mut days {
        m.profile.clone_from(&link.to);
    }
    for f in &mut firsts {
        f.profile.clone_from(&link.to);
    }
    tx.delete_marks(&link.from).await?;
    tx.mark_days(&days).await?;
    tx.mark_firsts(&firsts).await
}

/// The earlier id's sessions become the person's, combined by key with theirs.
async fn merge_sessions<T: WriteTx>(tx: &mut T, link: &NewLink) -> Result<(), T::Error> {
    let earlier = tx.sessions(&link.from, all_time(), &[]).await?;
    if earlier.is_empty() {
        return Ok(());
    }
    let keys: Vec<&str> = earlier.iter().map(|s| s.key.as_str()).collect();
    let mut person: HashMap<String, Session> = tx
        .sessions(&link.to, None, &keys)
        .await?
        .into_iter()
        .map(|s| (s.key.clone(), s))
        .collect();
    let merged: Vec<Session> = earlier
        .into_iter()
        .map(|mut s| match person.remove(&s.key) {
            Some(p) => p.merge(s),
            None => {
                s.profile_id = link.to.clone();
                s
            }
        })
        .collect();
    tx.delete_sessions(&link.from).await?;
    tx.put_sessions(&merged).await
}

/// Folds newly stored events (bots left out) into their persons' sessions, and records
/// their orders and refunds: an order id counts once, whoever sends it again; a refund
/// takes money off its order and that order's session. A purchase that cannot be read as
/// an order (no order id, an amount that is not a number) is stored as an event and kept
/// out of orders and revenue.
async fn apply_sessions<T: WriteTx>(
    tx: &mut T,
    accepted: &[(&Event, &str)],
) -> Result<(), T::Error> {
    let mut by_person: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    let mut refunds: Vec<(&Event, &str, String, Commerce)> = Vec::new();
    for (e, person) in accepted {
        if e.derived.as_ref().is_some_and(|d| d.bot) {
            continue;
        }
        // A refund is the shop's back office acting, not a visit: it joins no session.
        if REFUND_TYPES.contains(&e.event_type.as_str()) {
            if let Ok(Some(c)) = Commerce::of(e, unnamed_currency()) {
                refunds.push((*e, *person, String::new(), c));
            }
            continue;
        }
        by_person.entry(*person).or_default().push(*e);
    }
    let mut sessions: BTreeMap<(String, String), Session> = BTreeMap::new();
    let mut commerce: Vec<(&Event, &str, String, Commerce)> = Vec::new();
    for (person, events) in &by_person {
        let (Some(lo), Some(hi)) = (
            events.iter().map(|e| e.occurred_at).min(),
            events.iter().map(|e| e.occurred_at).max(),
        ) else {
            continue;
        };
        let keys: BTreeSet<&str> = events
            .iter()
            .filter_map(|e| e.session_id.as_deref())
            .collect();
        let keys: Vec<&str> = keys.into_iter().collect();
        let stored = tx
            .sessions(person, Some((lo - IDLE, hi + IDLE)), &keys)
            .await?;
        let (changed, event_keys) = session::fold(person, events, stored);
        for (e, key) in events.iter().zip(event_keys) {
            if let Ok(Some(c)) = Commerce::of(e, unnamed_currency()) {
                commerce.push((*e, *person, key, c));
            }
        }
        sessions.extend(
            changed
                .into_iter()
                .map(|s| ((s.profile_id.clone(), s.key.clone()), s)),
        );
    }
    commerce.extend(refunds);
    if !commerce.is_empty() {
        commerce.sort_by(|a, b| {
            (a.0.occurred_at, &a.0.event_id).cmp(&(b.0.occurred_at, &b.0.event_id))
        });
        let ids: BTreeSet<&str> = commerce
            .iter()
            .map(|(.., c)| match c {
                Commerce::Order { order_id, .. } | Commerce::Refund { order_id, .. } => {
                    order_id.as_str()
                }
            })
            .collect();
        let ids: Vec<&str> = ids.into_iter().collect();
        let mut known = tx.orders(&ids).await?;
        let mut touched = BTreeSet::new();
        for (e, person, key, c) in commerce {
            match c {
                Commerce::Order {
                    order_id,
                    revenue,
                    products,
                } => {
                    if known.contains_key(&order_id) {
                        continue;
                    }
                    let c = Commerce::Order {
                        order_id: order_id.clone(),
                        revenue,
                        products: products.clone(),
                    };
                    if let Some(s) = sessions.get_mut(&(person.to_owned(), key.clone())) {
                        s.add_order(&c, e.occurred_at);
                    }
                    known.insert(
                        order_id.clone(),
                        Order {
                            order_id: order_id.clone(),
                            profile_id: person.to_owned(),
                            session_key: key,
                            at: e.occurred_at,
                            revenue,
                            refunded: 0,
                            products,
                        },
                    );
                    touched.insert(order_id);
                }
                Commerce::Refund {
                    order_id,
                    amount,
                    currency,
                } => {
                    let Some(order) = known.get_mut(&order_id) else {
                        continue;
                    };
                    let of_order = order.revenue.currency;
                    let minor = match amount {
                        None => order.revenue.minor - order.refunded,
                        // An amount naming no currency is in the order's.
                        Some(d) if currency.is_none_or(|c| c == of_order) => {
                            match Money::minor_of(d, of_order) {
                                Some(m) => m,
                                None => continue,
                            }
                        }
                        // A refund in another currency than its order cannot be taken off
                        // without a rate: it is left out (docs/events.md).
                        Some(_) => continue,
                    };
                    if minor <= 0 {
                        continue;
                    }
                    order.refunded += minor;
                    let at = (order.profile_id.clone(), order.session_key.clone());
                    if !sessions.contains_key(&at) {
                        let found = tx.sessions(&at.0, None, &[at.1.as_str()]).await?;
                        sessions.extend(
                            found
                                .into_iter()
                                .map(|s| ((s.profile_id.clone(), s.key.clone()), s)),
                        );
                    }
                    if let Some(s) = sessions.get_mut(&at) {
                        s.refund(order.revenue.currency, minor);
                    }
                    touched.insert(order_id);
                }
            }
        }
        let orders: Vec<Order> = touched.iter().filter_map(|id| known.remove(id)).collect();
        tx.put_orders(&orders).await?;
    }
    if !sessions.is_empty() {
        let all: Vec<Session> = sessions.into_values().collect();
        tx.put_sessions(&all).await?;
    }
    Ok(())
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
    /// Aggregates newly stored events, each with the profile it was stored under. Events a
    /// bot sent are stored but count in no rollup and make no profile.
    pub fn of(accepted: &[(&Event, &str)]) -> Self {
        let mut delta = RollupDelta::default();
        let mut ordered: Vec<&(&Event, &str)> = accepted
            .iter()
            .filter(|(e, _)| !e.derived.as_ref().is_some_and(|d| d.bot))
            .collect();
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
