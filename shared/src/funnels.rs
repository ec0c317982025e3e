//! Funnels: how many people went through an ordered list of steps (an event type, with
//! optional filters on the event and on its visit) within a conversion window, computed
//! from the visits' trails ([`crate::trail`]) kept at write time — from the in-memory
//! visit index when it covers the range, else from the visits the store holds, by the same
//! counting ([`outcomes`], [`Tally`]). No stored event is read.
//!
//! Per person the events of the steps are taken in time order. `unique` counting keeps,
//! for each step, the latest start (first-step event in the range) of a chain that reached
//! it: a later start leaves the most room in the window, so it dominates earlier ones (the
//! approach of ClickHouse's `windowFunnel`); each person counts once per step. `total`
//! counting follows every attempt: each first-step event in the range that does not
//! advance an open attempt starts one, and each later event advances the earliest open
//! attempt (within the window) that waits for its step; an event serves one attempt.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::reports::index::VisitIndex;
use crate::reports::{Dimension, Filter, NONE};
use crate::session::Session;
use crate::storage::{Store, StoreError};
use crate::trail::TrailEvent;

/// Fewest and most steps a funnel may have.
pub const MIN_STEPS: usize = 2;
pub const MAX_STEPS: usize = 5;
/// Most people a drop-off list names.
pub const DROP_OFF_LIMIT: usize = 100;
/// Visits that began this long before the range are read too: their later events may
/// enter the funnel.
pub const ENTRY_MARGIN: Duration = Duration::days(1);

/// Which dimensions a step may filter on: these are the event's own values (from the
/// trail); the visit-level dimensions are the step's visit's values.
pub const EVENT_DIMS: [Dimension; 3] = [
    Dimension::Page,
    Dimension::Product,
    Dimension::ProductCategory,
];

/// One step: an event type and filters that its event (and its visit) must pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub event: String,
    pub filters: Vec<Filter>,
}

impl Step {
    /// Checks the filters: event-level ones must be one of [`EVENT_DIMS`]; `eventType`
    /// is the step's own.
    pub fn new(event: String, filters: Vec<Filter>) -> Result<Step, String> {
        for f in &filters {
            if f.dimension.is_event_level() && !EVENT_DIMS.contains(&f.dimension) {
                return Err(format!(
                    "a step cannot filter on {}: its event type is the step's",
                    f.dimension.name()
                ));
            }
        }
        Ok(Step { event, filters })
    }

    /// A readable name: the type, then its filters.
    pub fn label(&self) -> String {
        self.event.clone()
    }
}

/// Unique people, or every attempt (repeat conversions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Count {
    #[default]
    Unique,
    Total,
}

/// An ordered funnel over a time range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelQuery {
    /// The steps, in the order a person must reach them (2 to 5).
    pub steps: Vec<Step>,
    /// A person enters with a first-step event at or after `from`...
    pub from: DateTime<Utc>,
    /// ...and before `to` (exclusive). Later steps may fall after `to`, within the window.
    pub to: DateTime<Utc>,
    /// Every later step must happen at most this long after the first-step event.
    pub window_ms: i64,
    /// Split the funnel by this visit-level dimension's value on the visit of entry.
    pub breakdown: Option<Dimension>,
    /// The people who reached this step (index) but not the next.
    pub drop_off: Option<usize>,
    pub count: Count,
    /// Only these people (a segment's members), when set.
    pub people: Option<Arc<crate::segments::Members>>,
}

impl FunnelQuery {
    /// A funnel of plain event types, counted per person, with no extras.
    pub fn plain(types: &[&str], from: DateTime<Utc>, to: DateTime<Utc>, window_ms: i64) -> Self {
        FunnelQuery {
            steps: types
                .iter()
                .map(|t| Step {
                    event: (*t).to_owned(),
                    filters: Vec::new(),
                })
                .collect(),
            from,
            to,
            window_ms,
            breakdown: None,
            drop_off: None,
            count: Count::Unique,
            people: None,
        }
    }

    /// The visits read: those that start in `[from - ENTRY_MARGIN, to + window)`.
    pub fn visit_bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.from - ENTRY_MARGIN,
            self.to + Duration::milliseconds(self.window_ms),
        )
    }

    fn wants(&self, person: &str) -> bool {
        self.people.as_ref().is_none_or(|p| p.contains(person))
    }
}

/// One step of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct StepAnswer {
    pub event_type: String,
    /// People (or attempts, counting `total`) that reached this step.
    pub entered: u64,
    /// Of those, how many went on to the next step (equals `entered` on the last step).
    pub converted: u64,
    /// `entered - converted` (0 on the last step).
    pub dropped_off: u64,
    /// `entered` over the previous step's (1 on the first step, 0 when nobody reached the
    /// previous step).
    pub conversion_from_previous: f64,
    /// `entered` over the first step's.
    pub conversion_from_start: f64,
    /// Median time from the previous step to this one, over those that reached it
    /// (`None` on the first step and when nobody reached it).
    pub median_seconds_to_convert: Option<f64>,
}

/// The funnel of the people whose visit of entry had one breakdown value.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakdownRow {
    pub value: String,
    pub steps: Vec<StepAnswer>,
}

/// Entries and full conversions on one UTC day of entry.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    /// `2026-06-01`.
    pub day: String,
    pub entered: u64,
    /// Reached the last step.
    pub converted: u64,
    pub conversion: f64,
}

/// Someone who reached the drop-off step but not the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub profile_id: String,
    /// When they reached the step.
    pub reached_at: DateTime<Utc>,
}

/// A funnel's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelAnswer {
    pub steps: Vec<StepAnswer>,
    /// Per value of the breakdown, most entries first (empty without one).
    pub breakdown: Vec<BreakdownRow>,
    /// Per UTC day of entry in the range, every day listed.
    pub trend: Vec<TrendPoint>,
    /// At most [`DROP_OFF_LIMIT`] people, by id (empty unless asked).
    pub dropped: Vec<Dropped>,
    /// How many reached the drop-off step but not the next (all of them).
    pub dropped_total: u64,
    /// Steps naming a type no visit read had, visits without a trail.
    pub warnings: Vec<String>,
}

/// One event of a person that matches some step: its time (ms since the epoch), the steps
/// it matches (bit `i` for step `i`) and its visit (a number the caller gives meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub t: i64,
    pub mask: u8,
    pub visit: u32,
}

/// How far one person (or one attempt) went: the deepest step reached, the time each step
/// was reached and the visit of the first step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub deepest: usize,
    pub times: [i64; MAX_STEPS],
    pub visit: u32,
}

/// The outcomes of one person's hits (in time order): at most one counting `unique`.
pub fn outcomes(q: &FunnelQuery, hits: &[Hit]) -> Vec<Outcome> {
    let (from, to) = (q.from.timestamp_millis(), q.to.timestamp_millis());
    let n = q.steps.len();
    match q.count {
        Count::Unique => {
            // Per step: the chain with the latest start that reached it.
            let mut best: [Option<Outcome>; MAX_STEPS] = [None; MAX_STEPS];
            for h in hits {
                // Highest step first, so one event never advances a chain by two steps.
                for i in (0..n).rev() {
                    if h.mask & (1 << i) == 0 {
                        continue;
                    }
                    if i == 0 {
                        if h.t >= from && h.t < to {
                            let mut times = [0; MAX_STEPS];
                            times[0] = h.t;
                            best[0] = Some(Outcome {
                                deepest: 0,
                                times,
                                visit: h.visit,
                            });
                        }
                    } else if let Some(prev) = best[i - 1]
                        && h.t - prev.times[0] <= q.window_ms
                        && best[i].is_none_or(|b| b.times[0] < prev.times[0])
                    {
                        let mut next = prev;
                        next.deepest = i;
                        next.times[i] = h.t;
                        best[i] = Some(next);
                    }
                }
            }
            best[..n]
                .iter()
                .rev()
                .find_map(|b| *b)
                .into_iter()
                .collect()
        }
        Count::Total => {
            let mut done: Vec<Outcome> = Vec::new();
            let mut open: Vec<Outcome> = Vec::new();
            for h in hits {
                // Attempts past their window can go no further.
                let (live, over): (Vec<Outcome>, Vec<Outcome>) = open
                    .into_iter()
                    .partition(|o| h.t - o.times[0] <= q.window_ms);
                done.extend(over);
                open = live;
                let next = open
                    .iter()
                    .position(|o| o.deepest + 1 < n && h.mask & (1 << (o.deepest + 1)) != 0);
                if let Some(k) = next {
                    let o = &mut open[k];
                    o.deepest += 1;
                    o.times[o.deepest] = h.t;
                    if o.deepest + 1 == n {
                        done.push(open.remove(k));
                    }
                } else if h.mask & 1 != 0 && h.t >= from && h.t < to {
                    let mut times = [0; MAX_STEPS];
                    times[0] = h.t;
                    open.push(Outcome {
                        deepest: 0,
                        times,
                        visit: h.visit,
                    });
                }
            }
            done.extend(open);
            done.sort_by_key(|o| o.times[0]);
            done
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Counts {
    entered: Vec<u64>,
    /// Per step: milliseconds from the previous step.
    waits: Vec<Vec<i64>>,
}

impl Counts {
    fn new(n: usize) -> Self {
        Counts {
            entered: vec![0; n],
            waits: vec![Vec::new(); n],
        }
    }

    fn add(&mut self, o: &Outcome) {
        for i in 0..=o.deepest {
            self.entered[i] += 1;
            if i > 0 {
                self.waits[i].push(o.times[i] - o.times[i - 1]);
            }
        }
    }

    fn answer(mut self, steps: &[Step]) -> Vec<StepAnswer> {
        let first = self.entered.first().copied().unwrap_or(0);
        (0..steps.len())
            .map(|i| {
                let entered = self.entered[i];
                let converted = self.entered.get(i + 1).copied().unwrap_or(entered);
                StepAnswer {
                    event_type: steps[i].label(),
                    entered,
                    converted,
                    dropped_off: entered - converted,
                    conversion_from_previous: if i == 0 {
                        1.0
                    } else {
                        ratio(entered, self.entered[i - 1])
                    },
                    conversion_from_start: ratio(entered, first),
                    median_seconds_to_convert: median_seconds(&mut self.waits[i]),
                }
            })
            .collect()
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        return 0.0;
    }
    // Counts stay far below 2^53, so the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    let r = a as f64 / b as f64;
    (r * 10_000.0).round() / 10_000.0
}

/// The median in seconds (the mean of the two middle values of an even count).
fn median_seconds(ms: &mut [i64]) -> Option<f64> {
    if ms.is_empty() {
        return None;
    }
    ms.sort_unstable();
    let mid = ms.len() / 2;
    let m = if ms.len() % 2 == 1 {
        ms[mid] * 2
    } else {
        ms[mid - 1] + ms[mid]
    };
    // Milliseconds over 2 ms to the second: exact far beyond any window.
    #[allow(clippy::cast_precision_loss)]
    Some(m as f64 / 2000.0)
}

/// Adds up people's outcomes into an answer; both sources of visits feed it.
pub struct Tally<'q> {
    q: &'q FunnelQuery,
    all: Counts,
    by_value: HashMap<String, Counts>,
    trend: BTreeMap<i64, (u64, u64)>,
    dropped: Vec<Dropped>,
    dropped_total: u64,
    seen: [bool; MAX_STEPS],
    untrailed: u64,
}

const DAY_MS: i64 = 86_400_000;

impl<'q> Tally<'q> {
    pub fn new(q: &'q FunnelQuery) -> Self {
        let n = q.steps.len();
        Tally {
            q,
            all: Counts::new(n),
            by_value: HashMap::new(),
            trend: BTreeMap::new(),
            dropped: Vec::new(),
            dropped_total: 0,
            seen: [false; MAX_STEPS],
            untrailed: 0,
        }
    }

    /// Step `i`'s event type occurs in a visit read.
    pub fn saw(&mut self, i: usize) {
        self.seen[i] = true;
    }

    /// A visit read has events but no trail (written before trails were kept).
    pub fn untrailed(&mut self) {
        self.untrailed += 1;
    }

    /// One person's outcomes; `value` gives the breakdown value of a visit number.
    pub fn add<'v>(&mut self, person: &str, outs: &[Outcome], value: impl Fn(u32) -> &'v str) {
        let last = self.q.steps.len() - 1;
        let mut listed = false;
        for o in outs {
            self.all.add(o);
            if self.q.breakdown.is_some() {
                let v = value(o.visit);
                match self.by_value.get_mut(v) {
                    Some(c) => c.add(o),
                    None => {
                        let mut c = Counts::new(self.q.steps.len());
                        c.add(o);
                        self.by_value.insert(v.to_owned(), c);
                    }
                }
            }
            let day = self.trend.entry(o.times[0].div_euclid(DAY_MS)).or_default();
            day.0 += 1;
            day.1 += u64::from(o.deepest == last);
            if self.q.drop_off == Some(o.deepest) && o.deepest < last {
                self.dropped_total += 1;
                if !listed {
                    listed = true;
                    self.dropped.push(Dropped {
                        profile_id: person.to_owned(),
                        reached_at: DateTime::from_timestamp_millis(o.times[o.deepest])
                            .unwrap_or_default(),
                    });
                }
            }
        }
    }

    pub fn finish(self) -> FunnelAnswer {
        let q = self.q;
        let mut warnings: Vec<String> = q
            .steps
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.seen[*i])
            .map(|(i, s)| {
                format!(
                    "step {}: no event of type {:?} in the range; check its spelling",
                    i + 1,
                    s.event
                )
            })
            .collect();
        if self.untrailed > 0 {
            warnings.push(format!(
                "{} visits in the range were recorded before visits kept their events for \
                 funnels; their events are not counted",
                self.untrailed
            ));
        }
        let mut rows: Vec<(String, Counts)> = self.by_value.into_iter().collect();
        rows.sort_by(|a, b| {
            b.1.entered[0]
                .cmp(&a.1.entered[0])
                .then_with(|| a.0.cmp(&b.0))
        });
        let breakdown = rows
            .into_iter()
            .map(|(value, c)| BreakdownRow {
                value,
                steps: c.answer(&q.steps),
            })
            .collect();
        let (first_day, last_day) = (
            q.from.timestamp_millis().div_euclid(DAY_MS),
            (q.to.timestamp_millis() - 1).div_euclid(DAY_MS),
        );
        let trend = (first_day..=last_day)
            .map(|d| {
                let (entered, converted) = self.trend.get(&d).copied().unwrap_or((0, 0));
                TrendPoint {
                    day: DateTime::from_timestamp_millis(d * DAY_MS)
                        .unwrap_or_default()
                        .format("%Y-%m-%d")
                        .to_string(),
                    entered,
                    converted,
                    conversion: ratio(converted, entered),
                }
            })
            .collect();
        let mut dropped = self.dropped;
        dropped.sort_by(|a, b| a.profile_id.cmp(&b.profile_id));
        dropped.truncate(DROP_OFF_LIMIT);
        FunnelAnswer {
            steps: self.all.answer(&q.steps),
            breakdown,
            trend,
            dropped,
            dropped_total: self.dropped_total,
            warnings,
        }
    }
}

/// Whether a trail event passes an event-level filter (an event without a value of the
/// dimension has [`NONE`]).
fn event_passes(f: &Filter, e: &TrailEvent) -> bool {
    let needle = f.value.to_lowercase();
    let hit = |v: &str| f.hits(v, &needle);
    let any = match f.dimension {
        Dimension::Page => hit(e.page.as_deref().unwrap_or(NONE)),
        Dimension::Product if !e.products.is_empty() => e.products.iter().any(|(s, _)| hit(s)),
        Dimension::ProductCategory if e.products.iter().any(|(_, c)| c.is_some()) => {
            e.products.iter().filter_map(|(_, c)| c.as_deref()).any(hit)
        }
        _ => hit(NONE),
    };
    f.passes(any)
}

/// The funnel of visits read from the store (any order).
pub fn of_visits(q: &FunnelQuery, visits: &[Session]) -> FunnelAnswer {
    let mut by_person: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, v) in visits.iter().enumerate() {
        if q.wants(&v.profile_id) {
            by_person.entry(&v.profile_id).or_default().push(i);
        }
    }
    let mut tally = Tally::new(q);
    let mut hits: Vec<Hit> = Vec::new();
    for (person, mine) in by_person {
        hits.clear();
        for &i in &mine {
            let v = &visits[i];
            if v.trail.is_empty() && v.events > 0 {
                tally.untrailed();
            }
            // Steps whose visit-level filters this visit passes.
            let visit_ok = q.steps.iter().enumerate().fold(0u8, |m, (k, s)| {
                let ok = s
                    .filters
                    .iter()
                    .filter(|f| !f.dimension.is_event_level())
                    .all(|f| f.matches(v));
                m | (u8::from(ok) << k)
            });
            let start = v.start.timestamp_millis();
            for e in &v.trail.0 {
                let mut mask = 0u8;
                for (k, s) in q.steps.iter().enumerate() {
                    if s.event != e.event_type {
                        continue;
                    }
                    tally.saw(k);
                    let ok = visit_ok & (1 << k) != 0
                        && s.filters
                            .iter()
                            .filter(|f| f.dimension.is_event_level())
                            .all(|f| event_passes(f, e));
                    mask |= u8::from(ok) << k;
                }
                if mask != 0 {
                    hits.push(Hit {
                        t: start + e.offset_ms,
                        mask,
                        visit: u32::try_from(i).unwrap_or(u32::MAX),
                    });
                }
            }
        }
        hits.sort_by_key(|h| h.t);
        let outs = outcomes(q, &hits);
        tally.add(person, &outs, |i| {
            q.breakdown
                .map_or(NONE, |d| d.value_of(&visits[i as usize]))
        });
    }
    tally.finish()
}

/// The funnel, from the index when it covers the range, else from the store's visits.
pub async fn compute(
    store: &dyn Store,
    index: Option<&VisitIndex>,
    q: &FunnelQuery,
) -> Result<FunnelAnswer, StoreError> {
    let (start, end) = q.visit_bounds();
    if let Some(ix) = index.filter(|ix| ix.covers(start)) {
        // Read your writes: what the store holds now, from this instance or another.
        ix.refresh(store).await?;
        if let Some(answer) = ix.funnel(q) {
            return Ok(answer);
        }
    }
    let visits = store.visits(start, end).await?;
    Ok(of_visits(q, &visits))
}

#[cfg(test)]
#[path = "funnels_tests.rs"]
mod tests;
