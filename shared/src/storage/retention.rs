//! Retention state kept at write time, per person: for each kind of activity (an event type,
//! or [`ANY`] event) the first and last instant of it on each UTC day, and the first instant
//! ever. Compact (a row per person, kind and day, not per event), so cohorts read these
//! rows and never the stored events. The matrix is computed by [`crate::retention`].
//!
//! First and last instant rather than a local day: a UTC day overlaps at most two local days
//! of any time zone, and the first instant lies in the earlier, the last in the later, so
//! the local days a person was active on are exact in whatever `shop.time_zone` says at read
//! time (a change of time zone needs no rebuild).

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::event::Event;

/// The kind that stands for any event (an event type is never empty).
pub const ANY: &str = "";

const DAY_MS: i64 = 86_400_000;

/// The UTC day number (days since 1970-01-01) of an instant.
pub fn utc_day(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis().div_euclid(DAY_MS)
}

/// One person's activity of one kind on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayMark {
    pub profile: String,
    /// An event type, or [`ANY`].
    pub kind: String,
    /// UTC day number ([`utc_day`]).
    pub day: i64,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// When a person first did something of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstMark {
    pub profile: String,
    pub kind: String,
    pub first: DateTime<Utc>,
}

/// The day marks a batch's newly stored events add, each with the person it was stored
/// under, merged per (person, kind, day); the first marks they imply are [`firsts_of`]
/// them. Bots' events count in no cohort.
pub fn day_marks_of(accepted: &[(&Event, &str)]) -> Vec<DayMark> {
    type Span = (DateTime<Utc>, DateTime<Utc>);
    let mut days: BTreeMap<(&str, &str, i64), Span> = BTreeMap::new();
    for (e, person) in accepted {
        if e.derived.as_ref().is_some_and(|d| d.bot) {
            continue;
        }
        let t = e.occurred_at;
        for kind in [e.event_type.as_str(), ANY] {
            days.entry((person, kind, utc_day(t)))
                .and_modify(|(lo, hi)| {
                    *lo = (*lo).min(t);
                    *hi = (*hi).max(t);
                })
                .or_insert((t, t));
        }
    }
    days.into_iter()
        .map(|((profile, kind, day), (first, last))| DayMark {
            profile: profile.to_owned(),
            kind: kind.to_owned(),
            day,
            first,
            last,
        })
        .collect()
}

/// The earliest instant per (person, kind) among `marks`.
pub fn firsts_of<'a>(marks: impl IntoIterator<Item = &'a DayMark>) -> Vec<FirstMark> {
    let mut firsts: BTreeMap<(&str, &str), DateTime<Utc>> = BTreeMap::new();
    for m in marks {
        firsts
            .entry((&m.profile, &m.kind))
            .and_modify(|t| *t = (*t).min(m.first))
            .or_insert(m.first);
    }
    firsts
        .into_iter()
        .map(|((profile, kind), first)| FirstMark {
            profile: profile.to_owned(),
            kind: kind.to_owned(),
            first,
        })
        .collect()
}

/// What a retention report reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionQuery {
    /// Cohorts by the first event of this kind ([`ANY`]: first seen).
    pub cohort_kind: String,
    /// People whose first event of `cohort_kind` is in `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Their activity of this kind ([`ANY`]: any event) ...
    pub returning_kind: String,
    /// ... on the UTC days `from_day..=to_day`.
    pub from_day: i64,
    pub to_day: i64,
}

/// A cohort member: a person and the first instant of the cohort kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub profile: String,
    pub first: DateTime<Utc>,
}

/// One member's returning activity on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub profile: String,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// The rows of [`RetentionQuery`]: the members (any order) and their activity (any order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionRows {
    pub members: Vec<Member>,
    pub activity: Vec<Activity>,
}

/// The read side of the retention state.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// The members of `query`'s cohorts and their returning activity in its days.
    async fn retention_rows(&self, query: &RetentionQuery) -> Result<RetentionRows, StoreError>;

    /// The members of `query`'s cohorts only (the in-memory visit index gives their
    /// activity).
    async fn retention_members(&self, query: &RetentionQuery) -> Result<Vec<Member>, StoreError>;
}
