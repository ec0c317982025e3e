//! The retention purge: once a day (`retention.schedule`), delete the raw events and
//! per-person rows older than `retention.events_days` while every aggregate stays.
//!
//! What goes, decided here for both engines ([`PURGED`]): events, visits (analytics
//! sessions) and orders older than the cutoff, the per-person "active on day" rows of days
//! before it, and profiles last seen before it together with the identity links to them.
//! What stays: the daily counters by type and the daily active-user counts, so `/v1/stats`
//! of a purged day answers as before (see [`crate::storage::Stats`] for distinct users over
//! a range that reaches into purged days).
//!
//! The cutoff is UTC midnight `events_days` days before the day the purge runs for, which
//! is also its idempotency key (`purge:YYYY-MM-DD`): with 30 days, a purge on day D keeps
//! D−30 and later and deletes D−31 and earlier. Every step deletes at most
//! `retention.batch_rows` rows; running the job again deletes nothing more.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::metric::RETENTION_DELETED_ROWS;
use super::{JobContext, JobError};
use crate::settings::RetentionSettings;
use crate::storage::{JobKind, NewJob, PurgeStore, StoreError};

/// Parameters of a purge job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeParams {
    /// The UTC day the purge runs for; the cutoff counts back from it.
    pub date: NaiveDate,
}

/// What a purge deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurgeResult {
    pub date: NaiveDate,
    /// `retention.events_days` when it ran (0: retention off, nothing deleted).
    pub events_days: u32,
    /// Rows older than this were deleted; none when retention is off.
    pub cutoff: Option<DateTime<Utc>>,
    pub events: u64,
    pub visits: u64,
    pub orders: u64,
    pub active_days: u64,
    pub profiles: u64,
}

/// The kinds of rows the purge deletes, in the order it deletes them (profiles last: the
/// rows above may name them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purged {
    Events,
    Visits,
    Orders,
    ActiveDays,
    Profiles,
}

pub const PURGED: [Purged; 5] = [
    Purged::Events,
    Purged::Visits,
    Purged::Orders,
    Purged::ActiveDays,
    Purged::Profiles,
];

impl Purged {
    /// The `kind` label of [`RETENTION_DELETED_ROWS`].
    pub fn as_str(self) -> &'static str {
        match self {
            Purged::Events => "events",
            Purged::Visits => "visits",
            Purged::Orders => "orders",
            Purged::ActiveDays => "active_days",
            Purged::Profiles => "profiles",
        }
    }

    /// Deletes one bounded step of this kind.
    async fn step(
        self,
        store: &dyn PurgeStore,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError> {
        match self {
            Purged::Events => store.forget_old_events(cutoff, limit).await,
            Purged::Visits => store.forget_old_visits(cutoff, limit).await,
            Purged::Orders => store.forget_old_orders(cutoff, limit).await,
            // The cutoff is a UTC midnight: the days before it are wholly older.
            Purged::ActiveDays => {
                store
                    .forget_old_active_days(cutoff.date_naive(), limit)
                    .await
            }
            Purged::Profiles => store.forget_old_profiles(cutoff, limit).await,
        }
    }
}

/// Rows that occurred before this are purged by the run for `date`; `None` keeps
/// everything (`events_days` = 0).
pub fn cutoff(date: NaiveDate, events_days: u32) -> Option<DateTime<Utc>> {
    if events_days == 0 {
        return None;
    }
    let day = date.checked_sub_days(chrono::Days::new(u64::from(events_days)))?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc())
}

/// The idempotency key of the purge for `date`.
pub fn purge_key(date: NaiveDate) -> String {
    format!("purge:{}", date.format("%Y-%m-%d"))
}

/// A new purge job for `date`.
pub fn purge_job(date: NaiveDate, max_attempts: u32) -> Result<NewJob, serde_json::Error> {
    Ok(NewJob {
        id: uuid::Uuid::now_v7().to_string(),
        kind: JobKind::Purge,
        key: purge_key(date),
        params: serde_json::to_value(PurgeParams { date })?,
        max_attempts,
    })
}

/// Runs the purge for `date`: each kind in turn, `batch_rows` at a time, until a step
/// deletes fewer than that. Stops between steps when the job is cancelled.
pub async fn run(
    store: &dyn PurgeStore,
    settings: &RetentionSettings,
    date: NaiveDate,
    ctx: &JobContext,
) -> Result<PurgeResult, JobError> {
    let mut result = PurgeResult {
        date,
        events_days: settings.events_days,
        cutoff: cutoff(date, settings.events_days),
        ..PurgeResult::default()
    };
    let Some(before) = result.cutoff else {
        return Ok(result);
    };
    let limit = settings.batch_rows.max(1);
    for kind in PURGED {
        loop {
            ctx.check()?;
            let n = kind.step(store, before, limit).await.map_err(|e| {
                JobError::Transient(
                    anyhow::Error::new(e)
                        .context(format!("Failed to delete old {} rows", kind.as_str())),
                )
            })?;
            metrics::counter!(RETENTION_DELETED_ROWS, "kind" => kind.as_str()).increment(n);
            let total = match kind {
                Purged::Events => {
                    ctx.add_events(n, 0, 0);
                    &mut result.events
                }
                Purged::Visits => &mut result.visits,
                Purged::Orders => &mut result.orders,
                Purged::ActiveDays => &mut result.active_days,
                Purged::Profiles => &mut result.profiles,
            };
            *total += n;
            if n < limit as u64 {
                break;
            }
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_cutoff_keeps_the_last_events_days_days_and_the_run_day() {
        let c = cutoff(d("2026-12-06"), 30).expect("a cutoff");
        assert_eq!(c.to_rfc3339(), "2026-11-06T00:00:00+00:00");
        // Day 30 before the run is kept, day 31 is not.
        assert!(d("2026-11-06").and_hms_opt(0, 0, 0).expect("t").and_utc() >= c);
        assert!(
            d("2026-11-05")
                .and_hms_opt(23, 59, 59)
                .expect("t")
                .and_utc()
                < c
        );
        assert_eq!(cutoff(d("2026-12-06"), 0), None);
    }

    #[test]
    fn a_days_purge_has_one_key() {
        assert_eq!(purge_key(d("2026-12-06")), "purge:2026-12-06");
        let job = purge_job(d("2026-12-06"), 3).expect("job");
        assert_eq!(job.kind, JobKind::Purge);
        assert_eq!(job.key, "purge:2026-12-06");
        assert_eq!(job.params, serde_json::json!({ "date": "2026-12-06" }));
    }
}
