//! Scheduled import sources: an S3 object or URL imported again on a cron expression (UTC,
//! with seconds, like `export.schedule`). The worker looks every minute
//! ([`TICK`]) and enqueues one import job per due run, keyed by the schedule and the run's
//! time, so any number of workers enqueue it once.
//!
//! A run is due when its scheduled time lies in the last [`DUE_WINDOW`] and not before the
//! schedule was created: a worker that was down for longer skips that run (the next one
//! comes), and a new schedule never fires for times before it existed.

use std::str::FromStr as _;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::import::{ImportParams, ImportSource};
use crate::storage::{JobKind, NewJob};

/// When the worker looks for due runs: every minute, on the minute.
pub const TICK: &str = "0 * * * * *";
/// How far back a tick looks for a scheduled time it has not enqueued yet (two ticks).
pub const DUE_WINDOW: Duration = Duration::minutes(2);

/// A stored schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSchedule {
    pub id: String,
    /// Cron expression with seconds, UTC (`0 0 6 * * *`: daily at 06:00).
    pub cron: String,
    /// What each run imports (never a dry run).
    pub params: ImportParams,
    pub created_at: DateTime<Utc>,
    /// The account that created it.
    pub created_by: String,
}

/// Reads a cron expression (six or seven fields, seconds first).
pub fn parse_cron(expr: &str) -> Result<cron::Schedule, String> {
    cron::Schedule::from_str(expr.trim())
        .map_err(|e| format!("cron {expr:?} is not a cron expression with seconds: {e}"))
}

impl ImportSchedule {
    /// A new schedule, checked: a valid cron, valid parameters, and a source that can be
    /// read again later (an S3 object or a URL; an upload is deleted after its import).
    pub fn new(
        cron: &str,
        mut params: ImportParams,
        created_at: DateTime<Utc>,
        created_by: &str,
    ) -> Result<Self, String> {
        parse_cron(cron)?;
        if matches!(params.source, ImportSource::Upload { .. }) {
            return Err("a schedule needs an s3 or url source (uploads are read once)".into());
        }
        params.dry_run = false;
        params.validate()?;
        Ok(Self {
            id: uuid::Uuid::now_v7().to_string(),
            cron: cron.trim().to_owned(),
            params,
            created_at,
            created_by: created_by.to_owned(),
        })
    }

    /// The scheduled time to enqueue at `now`, if one is due ([`DUE_WINDOW`]).
    pub fn due_run(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let schedule = parse_cron(&self.cron).ok()?;
        let since = (now - DUE_WINDOW).max(self.created_at);
        schedule
            .after(&(since - Duration::seconds(1)))
            .take_while(|t| *t <= now)
            .last()
    }

    /// The import job of the run scheduled at `run_at`: its key names the schedule and the
    /// time, so the run is enqueued once whoever sees it due.
    pub fn run_job(
        &self,
        run_at: DateTime<Utc>,
        max_attempts: u32,
    ) -> Result<NewJob, serde_json::Error> {
        Ok(NewJob {
            id: uuid::Uuid::now_v7().to_string(),
            kind: JobKind::Import,
            key: run_key(&self.id, run_at),
            params: serde_json::to_value(&self.params)?,
            max_attempts,
        })
    }
}

/// The idempotency key of one scheduled run.
pub fn run_key(schedule_id: &str, run_at: DateTime<Utc>) -> String {
    format!(
        "import-schedule:{schedule_id}:{}",
        run_at.format("%Y-%m-%dT%H:%M:%SZ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{ImportFormat, ImportKind};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").to_utc()
    }

    fn params(source: ImportSource) -> ImportParams {
        ImportParams {
            kind: ImportKind::Catalog,
            source,
            format: ImportFormat::Ndjson,
            mapping: None,
            dry_run: true,
        }
    }

    fn s3() -> ImportSource {
        ImportSource::S3 {
            bucket: "b".into(),
            key: "catalog.ndjson".into(),
        }
    }

    #[test]
    fn a_run_is_due_in_the_window_after_its_time_and_never_before_the_schedule_existed() {
        let s = ImportSchedule::new("0 0 6 * * *", params(s3()), t("2026-06-01T12:00:00Z"), "a")
            .expect("valid");
        assert!(!s.params.dry_run, "a schedule never dry-runs");
        assert_eq!(
            s.due_run(t("2026-06-01T12:30:00Z")),
            None,
            "06:00 was before it"
        );
        assert_eq!(s.due_run(t("2026-06-02T05:59:00Z")), None);
        let due = t("2026-06-02T06:00:00Z");
        assert_eq!(s.due_run(due), Some(due));
        assert_eq!(
            s.due_run(t("2026-06-02T06:01:00Z")),
            Some(due),
            "the next tick too"
        );
        assert_eq!(
            s.due_run(t("2026-06-02T06:03:00Z")),
            None,
            "past the window"
        );
        assert_eq!(
            run_key(&s.id, due),
            format!("import-schedule:{}:2026-06-02T06:00:00Z", s.id)
        );
    }

    #[test]
    fn bad_crons_and_upload_sources_are_refused() {
        let now = t("2026-06-01T12:00:00Z");
        assert!(ImportSchedule::new("every day", params(s3()), now, "a").is_err());
        let upload = ImportSource::Upload {
            upload_id: "a".repeat(64),
        };
        assert!(ImportSchedule::new("0 0 6 * * *", params(upload), now, "a").is_err());
    }
}
