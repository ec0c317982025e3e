//! Background jobs: the daily export, imports and the retention purge, queued in the store (so API processes
//! enqueue and any worker runs them) and executed by the apalis-based
//! [`worker::JobWorker`], which runs in the `worker` binary in production and inside the
//! API process in embedded mode.

pub mod backend;
pub mod enrich;
pub mod export;
pub mod import;
pub mod object_store;
pub mod purge;
pub mod schedules;
pub mod worker;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::storage::{JobKind, JobProgress, NewJob};

pub use import::{CsvMapping, ImportFormat, ImportKind, ImportParams, ImportSource};

/// Metric names (dashboards and alarms use these).
pub mod metric {
    pub const JOBS_TOTAL: &str = "shoptrail_jobs_total";
    pub const JOB_DURATION: &str = "shoptrail_job_duration_seconds";
    pub const JOBS_QUEUED: &str = "shoptrail_jobs_queued";
    pub const EXPORT_FAILURES: &str = "shoptrail_export_failures_total";
    pub const EXPORT_LAST_SUCCESS_TS: &str = "shoptrail_export_last_success_timestamp_seconds";
    pub const EXPORT_LAST_SUCCESS_DATE: &str = "shoptrail_export_last_success_date_seconds";
    pub const EXPORT_EVENTS: &str = "shoptrail_export_events_total";
    /// Rows deleted by the retention purge, by `kind` (see [`super::purge::Purged`]).
    pub const RETENTION_DELETED_ROWS: &str = "shoptrail_retention_deleted_rows_total";
}

/// Parameters of an export job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExportParams {
    /// The UTC day exported.
    pub date: NaiveDate,
}

/// The idempotency key of a day's export.
pub fn export_key(date: NaiveDate) -> String {
    format!("export:{}", date.format("%Y-%m-%d"))
}

/// A new export job for `date`.
pub fn export_job(date: NaiveDate, max_attempts: u32) -> Result<NewJob, serde_json::Error> {
    Ok(NewJob {
        id: uuid::Uuid::now_v7().to_string(),
        kind: JobKind::Export,
        key: export_key(date),
        params: serde_json::to_value(ExportParams { date })?,
        max_attempts,
    })
}

/// A new import job. Every import is its own job: its key is its id.
pub fn import_job(params: &ImportParams, max_attempts: u32) -> Result<NewJob, serde_json::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    Ok(NewJob {
        key: format!("import:{id}"),
        id,
        kind: JobKind::Import,
        params: serde_json::to_value(params)?,
        max_attempts,
    })
}

/// Why an attempt stopped.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Retrying cannot help (bad parameters, refused URL): fail now.
    #[error("{0}")]
    Permanent(String),
    /// Cancelled, or the lease was lost: stop without writing more.
    #[error("stopped")]
    Stopped,
    /// Worth another attempt (store or object store failing).
    #[error(transparent)]
    Transient(#[from] anyhow::Error),
}

/// What a running job shares with its heartbeat: progress counters and the stop flag.
#[derive(Debug)]
pub struct JobContext {
    pub job_id: String,
    bytes_processed: AtomicU64,
    bytes_total: AtomicU64,
    events_processed: AtomicU64,
    events_invalid: AtomicU64,
    events_duplicate: AtomicU64,
    stop: AtomicBool,
}

const UNKNOWN: u64 = u64::MAX;

impl JobContext {
    pub fn new(job_id: &str) -> Self {
        Self {
            job_id: job_id.to_owned(),
            bytes_processed: AtomicU64::new(0),
            bytes_total: AtomicU64::new(UNKNOWN),
            events_processed: AtomicU64::new(0),
            events_invalid: AtomicU64::new(0),
            events_duplicate: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        }
    }

    pub fn add_bytes(&self, n: u64) {
        self.bytes_processed.fetch_add(n, Ordering::Relaxed);
    }
    pub fn set_bytes_total(&self, n: Option<u64>) {
        self.bytes_total
            .store(n.unwrap_or(UNKNOWN), Ordering::Relaxed);
    }
    pub fn add_events(&self, processed: u64, invalid: u64, duplicate: u64) {
        self.events_processed
            .fetch_add(processed, Ordering::Relaxed);
        self.events_invalid.fetch_add(invalid, Ordering::Relaxed);
        self.events_duplicate
            .fetch_add(duplicate, Ordering::Relaxed);
    }

    /// Asks the job to stop at its next check.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Err(Stopped) once [`JobContext::stop`] was called; jobs check between pages/batches.
    pub fn check(&self) -> Result<(), JobError> {
        if self.stop.load(Ordering::Relaxed) {
            Err(JobError::Stopped)
        } else {
            Ok(())
        }
    }

    pub fn progress(&self) -> JobProgress {
        let total = self.bytes_total.load(Ordering::Relaxed);
        JobProgress {
            bytes_processed: self.bytes_processed.load(Ordering::Relaxed),
            bytes_total: (total != UNKNOWN).then_some(total),
            events_processed: self.events_processed.load(Ordering::Relaxed),
            events_invalid: self.events_invalid.load(Ordering::Relaxed),
            events_duplicate: self.events_duplicate.load(Ordering::Relaxed),
        }
    }
}
