//! Retention's returning activity from the visit index: per cohort member, the periods
//! followed in which they had an event (of the returning type), from the trails of the
//! visits held, so a report reads none of the store's day marks.
//!
//! The same people and events as the day marks: bots have neither visits nor marks, every
//! other stored event is in exactly one visit of the person it was stored under, and
//! identity merges move both. A trail event's time is its visit's start plus its offset,
//! to the millisecond, so the local period of every event is exact (the marks keep a UTC
//! day's first and last instants, which find the same periods).

use chrono::{DateTime, Utc};

use super::{Data, Seen, UNTRAILED, VisitIndex};
use crate::funnels::ENTRY_MARGIN;
use crate::reports::Filter;
use crate::retention::{Active, Periods};

impl VisitIndex {
    /// Per person of `people` (by position), the periods of `periods` in which they had an
    /// event of type `kind` (`None`: any), from the trails of the visits that start in the
    /// periods or up to [`ENTRY_MARGIN`] before them (an event of a visit that began
    /// earlier still is not seen). `None` when the index does not hold those visits, or
    /// one of the people's visits there lacks part of its trail (written before trails were
    /// kept, longer than [`crate::trail::TRAIL_CAP`] events, or than the index's offsets
    /// reach): the store's day marks answer then.
    pub fn active_periods(
        &self,
        people: &[&str],
        periods: &Periods,
        kind: Option<&str>,
    ) -> Option<Active> {
        let (from, to) = periods.bounds();
        let start = from - ENTRY_MARGIN.num_milliseconds();
        self.read(|d| {
            if start < d.from_ms {
                return None;
            }
            let mut active = Active::new(people.len(), periods.len());
            let kind = match kind {
                // A type the index has never seen: nobody came back.
                Some(k) => match d.values.get(k) {
                    Some(code) => Some(code),
                    None => return Some(active),
                },
                None => None,
            };
            let member = d.members_by_code(people);
            for v in d.scan((start, to)) {
                let Some(m) = member.get(v.hot.who as usize).copied().flatten() else {
                    continue;
                };
                if !whole_trail(&v) {
                    return None;
                }
                let trail = v.trail();
                let at = |offset: u32| periods.at(v.hot.start_ms + i64::from(offset));
                match kind {
                    None => {
                        let first = trail.first().and_then(|e| at(e.offset_ms));
                        let last = trail.last().and_then(|e| at(e.offset_ms));
                        match (first, last) {
                            // Most visits: all in one period.
                            (Some(a), Some(b)) if a == b => active.set(m, a),
                            _ => {
                                for j in trail.iter().filter_map(|e| at(e.offset_ms)) {
                                    active.set(m, j);
                                }
                            }
                        }
                    }
                    Some(code) => {
                        for e in trail.iter().filter(|e| e.kind == code) {
                            if let Some(j) = at(e.offset_ms) {
                                active.set(m, j);
                            }
                        }
                    }
                }
            }
            Some(active)
        })
        .flatten()
    }
}

impl VisitIndex {
    /// Per person of `people` (by position), the periods of `periods` in which one of their
    /// visits that start in `[start, end)` and pass every filter starts: who entered a
    /// cohort through such a visit. `None` when the index does not cover `start`.
    pub fn visited_periods(
        &self,
        people: &[&str],
        periods: &Periods,
        (start, end): (DateTime<Utc>, DateTime<Utc>),
        filters: &[Filter],
    ) -> Option<Active> {
        let bounds = (start.timestamp_millis(), end.timestamp_millis());
        self.read(|d| {
            if bounds.0 < d.from_ms {
                return None;
            }
            let filters = d.resolve(filters);
            let member = d.members_by_code(people);
            let mut visited = Active::new(people.len(), periods.len());
            for v in d.select(bounds, &filters, None) {
                let Some(m) = member.get(v.hot.who as usize).copied().flatten() else {
                    continue;
                };
                if let Some(j) = periods.at(v.hot.start_ms) {
                    visited.set(m, j);
                }
            }
            Some(visited)
        })
        .flatten()
    }
}

/// Whether a visit's trail holds every event of it at its true offset.
fn whole_trail(v: &Seen<'_>) -> bool {
    let trail = v.trail();
    v.hot.flags & UNTRAILED == 0
        && u32::try_from(trail.len()).is_ok_and(|n| n == v.hot.events)
        && trail.last().is_none_or(|e| e.offset_ms < u32::MAX)
}

impl Data {
    /// Per person code, the position of that person in `people` (`None`: not there).
    fn members_by_code(&self, people: &[&str]) -> Vec<Option<usize>> {
        let mut by = vec![None; self.people.names.len()];
        for (i, p) in people.iter().enumerate() {
            if let Some(slot) = self.people.get(p).and_then(|c| by.get_mut(c as usize)) {
                *slot = Some(i);
            }
        }
        by
    }
}
