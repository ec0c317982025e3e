//! The live view's rules, once for both engines: what a stream asks the store for on each
//! poll and which of the answers are new to it.
//!
//! Events are read in arrival order (`receivedAt`, indexed on both engines). A batch may
//! commit a moment after a later-received one (two API instances, a slow transaction), so
//! each poll reads again from [`LIVE_OVERLAP_MS`] before the newest arrival it has shown and
//! drops the ids it already sent: an event committed late by up to that much still appears,
//! once. A poll reads the newest [`LIVE_PAGE`] arrivals, so a flood is shown as its newest
//! events rather than falling ever further behind.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Duration, Utc};

use crate::event::Event;
use crate::storage::LiveQuery;

/// How far back each poll reads again for events committed after later arrivals.
pub const LIVE_OVERLAP_MS: i64 = 10_000;
/// Most events one poll reads.
pub const LIVE_PAGE: usize = 200;
/// A new stream starts with the arrivals of this long before it opened.
pub const LIVE_BACKLOG_MS: i64 = 60_000;
/// Ids a stream remembers to skip repeats (the newest; enough for several full polls).
const SEEN_CAP: usize = 4 * LIVE_PAGE;
/// "Visitors in the last 5 minutes".
pub const VISITORS_WINDOW_MS: i64 = 5 * 60_000;

/// What a stream shows: event types (any when empty) and one person (any when `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveFilter {
    pub types: Vec<String>,
    pub profile_id: Option<String>,
}

/// One stream's position: the newest arrival shown and the ids shown near it.
#[derive(Debug)]
pub struct Follower {
    filter: LiveFilter,
    /// Reads start here (inclusive, ms since the epoch).
    since_ms: i64,
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl Follower {
    /// A stream opened at `now`: it first shows what arrived in the [`LIVE_BACKLOG_MS`] before.
    pub fn new(filter: LiveFilter, now: DateTime<Utc>) -> Self {
        Self {
            filter,
            since_ms: (now - Duration::milliseconds(LIVE_BACKLOG_MS)).timestamp_millis(),
            seen: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    /// The read of the next poll.
    pub fn query(&self) -> LiveQuery {
        LiveQuery {
            since_ms: self.since_ms,
            types: self.filter.types.clone(),
            profile_id: self.filter.profile_id.clone(),
            limit: LIVE_PAGE,
        }
    }

    /// Takes a poll's answer (any order) and returns the events not shown before, oldest
    /// arrival first.
    pub fn absorb(&mut self, mut events: Vec<Event>) -> Vec<Event> {
        events.retain(|e| !self.seen.contains(&e.event_id));
        events.sort_by(|a, b| (a.received_at, &a.event_id).cmp(&(b.received_at, &b.event_id)));
        for e in &events {
            self.seen.insert(e.event_id.clone());
            self.order.push_back(e.event_id.clone());
            let start = e.received_at.timestamp_millis() - LIVE_OVERLAP_MS;
            self.since_ms = self.since_ms.max(start);
        }
        while self.order.len() > SEEN_CAP {
            if let Some(id) = self.order.pop_front() {
                self.seen.remove(&id);
            }
        }
        events
    }
}

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
