//! The job queue every engine keeps (exports, imports, erasures, retention purges): jobs with an idempotency key, claimed
//! under a lease, retried with backoff, cancellable; and the paged read of one UTC day's
//! events that the export streams from.
//!
//! Time always comes from the caller (`now`), so tests control it and every engine judges
//! leases by the same clock as the worker holding them.
//!
//! What each change does to a job is decided once, in [`transitions`]; engines only read
//! rows and compare-and-set them ([`JobRows`]), and [`queue`] drives one through the other.

pub mod queue;
#[cfg(test)]
mod tests;
pub mod transitions;

pub use queue::{JobRows, Written};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{Page, StoreError};
use crate::event::Event;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// Writes one UTC day's events, users and stats to the export destination.
    Export,
    /// Reads events from a file (S3, URL or upload) into the store.
    Import,
    /// Erases a person: every row of every id linked to them (see `crate::privacy`).
    Erase,
    /// Deletes raw events and per-person rows past `retention.events_days`.
    Purge,
}

impl JobKind {
    pub const ALL: [JobKind; 4] = [
        JobKind::Export,
        JobKind::Import,
        JobKind::Erase,
        JobKind::Purge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Export => "export",
            JobKind::Import => "import",
            JobKind::Erase => "erase",
            JobKind::Purge => "purge",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "export" => Ok(JobKind::Export),
            "import" => Ok(JobKind::Import),
            "erase" => Ok(JobKind::Erase),
            "purge" => Ok(JobKind::Purge),
            other => Err(format!(
                "job kind {other:?} is not one of export, import, erase, purge"
            )),
        }
    }
}

/// Where a job is in its life. `queued` and `running` are active; the others are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting for a worker (first attempt, or the next one after a failure).
    Queued,
    /// Claimed by a worker whose lease has not expired.
    Running,
    Succeeded,
    /// Gave up after `max_attempts`, or failed in a way retrying cannot fix.
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "queued" => Ok(JobStatus::Queued),
            "running" => Ok(JobStatus::Running),
            "succeeded" => Ok(JobStatus::Succeeded),
            "failed" => Ok(JobStatus::Failed),
            "cancelled" => Ok(JobStatus::Cancelled),
            other => Err(format!(
                "job status {other:?} is not one of queued, running, succeeded, failed, cancelled"
            )),
        }
    }

    pub fn is_active(self) -> bool {
        matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

/// How far a job got; updated by the worker with each heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    /// Bytes read (imports) or written (exports) so far.
    pub bytes_processed: u64,
    /// Size of the input, when known (imports).
    pub bytes_total: Option<u64>,
    /// Events read (imports) or exported (exports) so far.
    pub events_processed: u64,
    /// Lines that were not valid events (imports).
    pub events_invalid: u64,
    /// Events already stored before this job (imports).
    pub events_duplicate: u64,
}

/// One job, as stored and as the job API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    /// Idempotency key: at most one active job per key (`export:YYYY-MM-DD` for exports).
    pub key: String,
    pub status: JobStatus,
    /// Attempts started so far (a claim starts one).
    pub attempts: u32,
    pub max_attempts: u32,
    pub created_at: DateTime<Utc>,
    /// When the latest attempt started.
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// A queued job is not claimed before this time (backoff after a failed attempt).
    pub run_after: DateTime<Utc>,
    pub progress: JobProgress,
    /// The latest attempt's error, if it failed.
    pub error: Option<String>,
    /// What the job was asked to do (kind-specific JSON).
    pub params: Value,
    /// What it produced (kind-specific JSON), once succeeded; dry-run reports too.
    pub result: Option<Value>,
    /// Cancellation was asked for while running; the worker stops at its next heartbeat.
    pub cancel_requested: bool,
    /// The worker holding the lease (internal).
    #[serde(skip)]
    pub lease_owner: Option<String>,
    #[serde(skip)]
    pub lease_until: Option<DateTime<Utc>>,
    /// Bumped by every write; an engine replaces a row only if it still has the version
    /// that was read (compare-and-set).
    #[serde(skip)]
    pub version: u64,
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: String,
    pub kind: JobKind,
    pub key: String,
    pub params: Value,
    pub max_attempts: u32,
}

/// What to do when the key is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnqueueMode {
    /// Create unless an active job holds the key (explicit requests: backfill, re-export).
    UnlessActive,
    /// Create unless an active job holds the key or one with the key has succeeded
    /// (the scheduler: a day exported once is not exported again by the cron).
    UnlessActiveOrSucceeded,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Enqueued {
    Created(Job),
    /// The active (or, per the mode, succeeded) job that holds the key; nothing was created.
    Existing(Job),
}

impl Enqueued {
    pub fn job(&self) -> &Job {
        match self {
            Enqueued::Created(j) | Enqueued::Existing(j) => j,
        }
    }
}

/// What a heartbeat found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heartbeat {
    /// The lease is ours and now lasts until the new time.
    Held,
    /// The lease is ours, but someone asked to cancel: stop and finish as cancelled.
    CancelRequested,
    /// Another worker took the job (our lease expired) or it finished: stop, write nothing.
    Lost,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum Finish {
    Succeeded {
        result: Value,
    },
    /// With `retry_at`, the job is queued again for then; without, it has failed for good.
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
    Cancelled,
}

/// Filters and position of a job listing (newest first).
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    pub kind: Option<JobKind>,
    pub status: Option<JobStatus>,
    pub limit: usize,
    /// Id of the last job of the previous page.
    pub after: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JobChangeError {
    #[error("no such job")]
    NotFound,
    /// The job's status does not allow the change (e.g. retrying a running job).
    #[error("job is {0}")]
    WrongStatus(&'static str),
    /// Another active job holds the same key.
    #[error("another active job holds key {0}")]
    KeyTaken(String),
}

/// The queue.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Creates the job unless its key is taken (see [`EnqueueMode`]); atomic against
    /// concurrent enqueues of the same key.
    async fn enqueue(
        &self,
        job: &NewJob,
        mode: EnqueueMode,
        now: DateTime<Utc>,
    ) -> Result<Enqueued, StoreError>;

    /// Atomically takes the oldest claimable job: queued and due, or running with an expired
    /// lease and attempts left. Starts an attempt (`attempts + 1`) held by `owner` until
    /// `lease_until`. Running jobs whose lease expired on their last attempt are failed.
    async fn claim(
        &self,
        owner: &str,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<Job>, StoreError> {
        self.claim_kind(None, owner, lease_until, now).await
    }

    /// [`JobStore::claim`] limited to jobs of `kind` (any kind when `None`), so a worker
    /// slot kept for one kind is never filled by another.
    async fn claim_kind(
        &self,
        kind: Option<JobKind>,
        owner: &str,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<Job>, StoreError>;

    /// Extends `owner`'s lease and records progress.
    async fn heartbeat(
        &self,
        id: &str,
        owner: &str,
        lease_until: DateTime<Utc>,
        progress: &JobProgress,
    ) -> Result<Heartbeat, StoreError>;

    /// Ends `owner`'s attempt. False when the lease was lost (nothing written).
    async fn finish(
        &self,
        id: &str,
        owner: &str,
        outcome: &Finish,
        progress: &JobProgress,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Gives `owner`'s claim back unstarted (its process is stopping): the job is queued
    /// again, the attempt it began is not counted. False when `owner` no longer holds it.
    async fn release(&self, id: &str, owner: &str) -> Result<bool, StoreError>;

    async fn get_job(&self, id: &str) -> Result<Option<Job>, StoreError>;

    /// Jobs newest first.
    async fn list_jobs(&self, query: &JobQuery) -> Result<Page<Job, String>, StoreError>;

    /// A queued job is cancelled at once; a running one gets `cancel_requested` and its
    /// worker stops at the next heartbeat. Final jobs are left alone (`WrongStatus`).
    async fn cancel_job(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Job, JobChangeError>, StoreError>;

    /// Queues a failed or cancelled job again with fresh attempts.
    async fn retry_job(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Job, JobChangeError>, StoreError>;

    /// Queued jobs per kind (kinds with none are left out).
    async fn queued_counts(&self) -> Result<Vec<(JobKind, u64)>, StoreError>;

    /// The succeeded job of this kind (and key, if given) that finished last.
    async fn last_succeeded(
        &self,
        kind: JobKind,
        key: Option<&str>,
    ) -> Result<Option<Job>, StoreError>;
}

/// The export's read of one UTC day's events.
#[async_trait]
pub trait DayEventStore: Send + Sync {
    /// Events whose `occurredAt` falls on `day` (UTC), in an order that is stable across
    /// calls, `limit` at a time; pass the returned cursor back for the next page.
    async fn events_of_day(
        &self,
        day: NaiveDate,
        after: Option<String>,
        limit: usize,
    ) -> Result<Page<Event, String>, StoreError>;
}

/// `[start, end)` of a UTC day.
pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    (start, start + chrono::Duration::days(1))
}
