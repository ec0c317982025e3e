//! The queue over any engine: what an engine must offer ([`JobRows`]: read rows, insert one,
//! replace one if its version is unchanged) and the one [`JobStore`] built on it. Each change
//! reads the job, asks [`transitions`] for the next row and compare-and-sets it; a row that
//! changed in between is read and judged again.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::transitions::{self, Claim};
use super::{
    EnqueueMode, Enqueued, Finish, Heartbeat, Job, JobChangeError, JobKind, JobProgress, JobQuery,
    JobStore, NewJob,
};
use crate::storage::{Page, StoreError};

/// What a row write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Done,
    /// The row's version was not the one expected (someone wrote it since): nothing written.
    Stale,
    /// Another active job holds the key (or the id exists): nothing written.
    KeyTaken,
}

/// An engine's storage of job rows. Reads that decide a change must see the latest write
/// (MongoDB: primary, local read concern).
#[async_trait]
pub trait JobRows: Send + Sync {
    async fn read_job(&self, id: &str) -> Result<Option<Job>, StoreError>;

    /// The queued or running job holding `key`.
    async fn read_active(&self, key: &str) -> Result<Option<Job>, StoreError>;

    /// The succeeded job (of `kind`, with `key`, where given) that finished last.
    async fn read_last_succeeded(
        &self,
        kind: Option<JobKind>,
        key: Option<&str>,
    ) -> Result<Option<Job>, StoreError>;

    /// Inserts `job` as it is (version included). `KeyTaken` when an active job holds its
    /// key, so at most one active job per key exists whatever runs concurrently.
    async fn insert_job_row(&self, job: &Job) -> Result<Written, StoreError>;

    /// Replaces the row of `job.id` with `job` if its stored version is `expected`.
    async fn replace_job_row(&self, expected: u64, job: &Job) -> Result<Written, StoreError>;

    /// Up to `limit` jobs (of `kind`, where given) a claim may take at `now`: queued and
    /// due, or running with an expired lease; oldest due first.
    async fn claim_candidates(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        kind: Option<JobKind>,
    ) -> Result<Vec<Job>, StoreError>;

    /// Jobs newest first (by id), filtered and paged.
    async fn page_jobs(&self, query: &JobQuery) -> Result<Page<Job, String>, StoreError>;

    /// Queued jobs per kind.
    async fn count_queued(&self) -> Result<Vec<(JobKind, u64)>, StoreError>;
}

/// Rounds of read-decide-write before a change that keeps losing gives up.
const CAS_ROUNDS: usize = 20;
/// Candidates read per claim round.
const CLAIM_BATCH: usize = 16;
/// An enqueue that lost the key to a concurrent one reads again after this (times the round),
/// so the winner's row is visible.
const ENQUEUE_PAUSE: Duration = Duration::from_millis(5);

/// How a read-decide-write ended.
enum Updated<R> {
    Missing,
    Refused(R),
    Written(Job),
    KeyTaken(Job),
}

async fn update<T, R>(
    rows: &T,
    id: &str,
    decide: impl Fn(&Job) -> Result<Job, R> + Send + Sync,
) -> Result<Updated<R>, StoreError>
where
    T: JobRows + ?Sized,
    R: Send,
{
    for _ in 0..CAS_ROUNDS {
        let Some(job) = rows.read_job(id).await? else {
            return Ok(Updated::Missing);
        };
        let mut next = match decide(&job) {
            Ok(next) => next,
            Err(refusal) => return Ok(Updated::Refused(refusal)),
        };
        next.version = job.version + 1;
        match rows.replace_job_row(job.version, &next).await? {
            Written::Done => return Ok(Updated::Written(next)),
            Written::KeyTaken => return Ok(Updated::KeyTaken(job)),
            Written::Stale => continue,
        }
    }
    Err(StoreError::Unavailable(
        "the job keeps changing; retry".to_owned(),
    ))
}

/// The row as stored after a write of ours (engines may round times).
async fn stored<T: JobRows + ?Sized>(rows: &T, written: Job) -> Result<Job, StoreError> {
    Ok(rows.read_job(&written.id).await?.unwrap_or(written))
}

#[async_trait]
impl<T: JobRows + ?Sized> JobStore for T {
    async fn enqueue(
        &self,
        job: &NewJob,
        mode: EnqueueMode,
        now: DateTime<Utc>,
    ) -> Result<Enqueued, StoreError> {
        let row = transitions::enqueued(job, now);
        for round in 1..=CAS_ROUNDS {
            if let Some(active) = self.read_active(&job.key).await? {
                return Ok(Enqueued::Existing(active));
            }
            if mode == EnqueueMode::UnlessActiveOrSucceeded
                && let Some(done) = self.read_last_succeeded(None, Some(&job.key)).await?
            {
                return Ok(Enqueued::Existing(done));
            }
            match self.insert_job_row(&row).await? {
                Written::Done => return Ok(Enqueued::Created(stored(self, row).await?)),
                // A concurrent enqueue won the key; its job is read next round.
                Written::KeyTaken | Written::Stale => {
                    tokio::time::sleep(ENQUEUE_PAUSE * u32::try_from(round).unwrap_or(1)).await;
                }
            }
        }
        Err(StoreError::Unavailable(
            "the job key is changing hands; retry".to_owned(),
        ))
    }

    async fn claim_kind(
        &self,
        kind: Option<JobKind>,
        owner: &str,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<Job>, StoreError> {
        for _ in 0..CAS_ROUNDS {
            let candidates = self.claim_candidates(now, CLAIM_BATCH, kind).await?;
            if candidates.is_empty() {
                return Ok(None);
            }
            for job in candidates {
                let (mut next, starts) = match transitions::claim(&job, owner, lease_until, now) {
                    Claim::Start(next) => (next, true),
                    Claim::GiveUp(next) => (next, false),
                    Claim::Skip => continue,
                };
                next.version = job.version + 1;
                let written = self.replace_job_row(job.version, &next).await?;
                if starts && written == Written::Done {
                    return Ok(Some(stored(self, next).await?));
                }
                // Given up, or another worker got there first: the next candidate.
            }
        }
        Ok(None)
    }

    async fn heartbeat(
        &self,
        id: &str,
        owner: &str,
        lease_until: DateTime<Utc>,
        progress: &JobProgress,
    ) -> Result<Heartbeat, StoreError> {
        let r = update(self, id, |job| {
            transitions::heartbeat(job, owner, lease_until, progress).map(|(next, _)| next)
        })
        .await?;
        Ok(match r {
            Updated::Written(job) if job.cancel_requested => Heartbeat::CancelRequested,
            Updated::Written(_) => Heartbeat::Held,
            Updated::Missing | Updated::Refused(_) | Updated::KeyTaken(_) => Heartbeat::Lost,
        })
    }

    async fn finish(
        &self,
        id: &str,
        owner: &str,
        outcome: &Finish,
        progress: &JobProgress,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let r = update(self, id, |job| {
            transitions::finish(job, owner, outcome, progress, now).ok_or(())
        })
        .await?;
        Ok(matches!(r, Updated::Written(_)))
    }

    async fn release(&self, id: &str, owner: &str) -> Result<bool, StoreError> {
        let r = update(self, id, |job| transitions::release(job, owner).ok_or(())).await?;
        Ok(matches!(r, Updated::Written(_)))
    }

    async fn get_job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        self.read_job(id).await
    }

    async fn list_jobs(&self, query: &JobQuery) -> Result<Page<Job, String>, StoreError> {
        self.page_jobs(query).await
    }

    async fn cancel_job(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Job, JobChangeError>, StoreError> {
        changed(
            self,
            update(self, id, |job| transitions::cancel(job, now)).await?,
        )
        .await
    }

    async fn retry_job(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Job, JobChangeError>, StoreError> {
        changed(
            self,
            update(self, id, |job| transitions::retry(job, now)).await?,
        )
        .await
    }

    async fn queued_counts(&self) -> Result<Vec<(JobKind, u64)>, StoreError> {
        self.count_queued().await
    }

    async fn last_succeeded(
        &self,
        kind: JobKind,
        key: Option<&str>,
    ) -> Result<Option<Job>, StoreError> {
        self.read_last_succeeded(Some(kind), key).await
    }
}

/// The answer of a change asked for through the API (cancel, retry).
async fn changed<T: JobRows + ?Sized>(
    rows: &T,
    r: Updated<JobChangeError>,
) -> Result<Result<Job, JobChangeError>, StoreError> {
    Ok(match r {
        Updated::Missing => Err(JobChangeError::NotFound),
        Updated::Refused(e) => Err(e),
        Updated::KeyTaken(job) => Err(JobChangeError::KeyTaken(job.key)),
        Updated::Written(job) => Ok(stored(rows, job).await?),
    })
}
