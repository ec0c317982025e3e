//! Funnels: how many profiles went through an ordered list of event types within a
//! conversion window. Engines only stream `(profile, type, time)` rows in profile-then-time
//! order; the counting lives here so both engines answer the same way.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreError;

/// Fewest and most steps a funnel may have.
pub const MIN_STEPS: usize = 2;
pub const MAX_STEPS: usize = 5;

/// An ordered funnel over a time range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelQuery {
    /// Event types, in the order a profile must reach them (2 to 5).
    pub steps: Vec<String>,
    /// A profile enters the funnel with a first-step event at or after `from`...
    pub from: DateTime<Utc>,
    /// ...and before `to` (exclusive). Later steps may fall after `to`, within the window.
    pub to: DateTime<Utc>,
    /// Every later step must happen at most this long after the first-step event.
    pub window_ms: i64,
}

impl FunnelQuery {
    /// Distinct step types (what engines fetch).
    pub fn distinct_types(&self) -> Vec<String> {
        let mut types = self.steps.clone();
        types.sort();
        types.dedup();
        types
    }

    /// Exclusive upper bound of the rows an engine must read.
    pub fn read_until(&self) -> DateTime<Utc> {
        self.to + chrono::Duration::milliseconds(self.window_ms)
    }
}

/// One step of a funnel's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunnelStepReport {
    #[serde(rename = "type")]
    pub event_type: String,
    /// Profiles that reached this step (each counted once).
    pub entered: u64,
    /// Of those, profiles that went on to the next step (equals `entered` on the last step).
    pub converted: u64,
    /// `entered - converted`: profiles lost before the next step (0 on the last step).
    pub dropped_off: u64,
    /// `entered` over the previous step's `entered` (1 for the first step, 0 when nobody
    /// reached the previous step).
    pub conversion_from_previous: f64,
    /// `entered` over the first step's `entered`.
    pub conversion_from_start: f64,
}

/// Counts per step, first step first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunnelReport {
    pub steps: Vec<FunnelStepReport>,
}

/// Storage support for funnels.
#[async_trait]
pub trait FunnelStore: Send + Sync {
    async fn funnel(&self, query: &FunnelQuery) -> Result<FunnelReport, StoreError>;
}

/// Streaming counter. Feed it every event of the step types within
/// `[query.from, query.read_until())`, grouped by profile and in time order within a profile.
///
/// Per profile it keeps, for each step, the latest start time (first-step event) of a chain
/// that has reached that step: a later start leaves the most room in the window, so it
/// dominates earlier ones (the approach of ClickHouse's `windowFunnel`).
pub struct FunnelCounter<'q> {
    query: &'q FunnelQuery,
    from_ms: i64,
    to_ms: i64,
    profile: Option<String>,
    /// Latest chain start that reached step `i`.
    reached: Vec<Option<i64>>,
    /// Profiles that reached step `i`.
    counts: Vec<u64>,
}

impl<'q> FunnelCounter<'q> {
    pub fn new(query: &'q FunnelQuery) -> Self {
        Self {
            query,
            from_ms: query.from.timestamp_millis(),
            to_ms: query.to.timestamp_millis(),
            profile: None,
            reached: vec![None; query.steps.len()],
            counts: vec![0; query.steps.len()],
        }
    }

    /// One event: its profile, type and `occurredAt` in ms since the epoch.
    pub fn push(&mut self, profile: &str, event_type: &str, t: i64) {
        if self.profile.as_deref() != Some(profile) {
            self.finish_profile();
            self.profile = Some(profile.to_owned());
        }
        // Highest step first, so one event never advances a chain by two steps.
        for i in (0..self.query.steps.len()).rev() {
            if self.query.steps[i] != event_type {
                continue;
            }
            if i == 0 {
                if t >= self.from_ms && t < self.to_ms {
                    self.reached[0] = Some(t);
                }
            } else if let Some(start) = self.reached[i - 1]
                && t - start <= self.query.window_ms
                && self.reached[i].is_none_or(|s| s < start)
            {
                self.reached[i] = Some(start);
            }
        }
    }

    fn finish_profile(&mut self) {
        for (count, reached) in self.counts.iter_mut().zip(&mut self.reached) {
            if reached.take().is_some() {
                *count += 1;
            }
        }
    }

    /// Closes the last profile and builds the report.
    pub fn finish(mut self) -> FunnelReport {
        self.finish_profile();
        let counts = self.counts;
        let first = counts.first().copied().unwrap_or(0);
        let ratio = |a: u64, b: u64| {
            if b == 0 {
                0.0
            } else {
                // Counts stay far below 2^53, so the conversion is exact.
                #[allow(clippy::cast_precision_loss)]
                let r = a as f64 / b as f64;
                (r * 10_000.0).round() / 10_000.0
            }
        };
        let steps = self
            .query
            .steps
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let entered = counts[i];
                let converted = counts.get(i + 1).copied().unwrap_or(entered);
                FunnelStepReport {
                    event_type: t.clone(),
                    entered,
                    converted,
                    dropped_off: entered - converted,
                    conversion_from_previous: if i == 0 {
                        1.0
                    } else {
                        ratio(entered, counts[i - 1])
                    },
                    conversion_from_start: ratio(entered, first),
                }
            })
            .collect();
        FunnelReport { steps }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(steps: &[&str], window_ms: i64) -> FunnelQuery {
        FunnelQuery {
            steps: steps.iter().map(|s| (*s).to_owned()).collect(),
            from: DateTime::from_timestamp_millis(0).expect("time"),
            to: DateTime::from_timestamp_millis(1_000).expect("time"),
            window_ms,
        }
    }

    fn entered(q: &FunnelQuery, rows: &[(&str, &str, i64)]) -> Vec<u64> {
        let mut c = FunnelCounter::new(q);
        for (p, t, ms) in rows {
            c.push(p, t, *ms);
        }
        c.finish().steps.iter().map(|s| s.entered).collect()
    }

    #[test]
    fn steps_must_come_in_order_within_the_window() {
        let q = query(&["a", "b", "c"], 100);
        let rows = [
            ("u1", "a", 10),
            ("u1", "b", 20),
            ("u1", "c", 30), // full funnel
            ("u2", "b", 5),
            ("u2", "a", 10), // b before a does not count
            ("u3", "a", 10),
            ("u3", "b", 200), // outside the window
            ("u4", "a", 10),
            ("u4", "a", 150),
            ("u4", "b", 200), // a later start rescues the window
        ];
        assert_eq!(entered(&q, &rows), [4, 2, 1]);
    }

    #[test]
    fn one_event_never_fills_two_steps_and_starts_must_be_in_range() {
        let q = query(&["a", "a"], 100);
        assert_eq!(entered(&q, &[("u1", "a", 10)]), [1, 0]);
        assert_eq!(entered(&q, &[("u1", "a", 10), ("u1", "a", 11)]), [1, 1]);
        // A first step after `to` does not enter; a later step after `to` still counts.
        let q = query(&["a", "b"], 100);
        assert_eq!(
            entered(&q, &[("u1", "a", 1_000), ("u1", "b", 1_001)]),
            [0, 0]
        );
        assert_eq!(entered(&q, &[("u1", "a", 990), ("u1", "b", 1_050)]), [1, 1]);
    }

    #[test]
    fn reports_conversion_and_drop_off() {
        let q = query(&["a", "b"], 100);
        let mut c = FunnelCounter::new(&q);
        for (p, t, ms) in [
            ("u1", "a", 1),
            ("u1", "b", 2),
            ("u2", "a", 1),
            ("u3", "a", 1),
        ] {
            c.push(p, t, ms);
        }
        let r = c.finish();
        assert_eq!(r.steps[0].entered, 3);
        assert_eq!(r.steps[0].converted, 1);
        assert_eq!(r.steps[0].dropped_off, 2);
        assert_eq!(r.steps[1].conversion_from_previous, 0.3333);
        assert_eq!(r.steps[1].dropped_off, 0);
    }
}
