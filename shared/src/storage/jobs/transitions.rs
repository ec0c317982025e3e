//! The job queue's decisions, as pure functions: given a job as read and what someone asks
//! of it (with `now`), the job as it should be written next, or why the change is refused.
//! Every engine applies exactly these, so the state machine exists once.

use chrono::{DateTime, Utc};

use super::{Finish, Heartbeat, Job, JobChangeError, JobProgress, JobStatus, NewJob};

/// The error a job is left with when its worker vanished on the last attempt.
pub const LEASE_EXPIRED_ON_LAST_ATTEMPT: &str =
    "the worker stopped (lease expired) on the last attempt";

/// A freshly enqueued job: queued, due now, no attempts.
pub fn enqueued(new: &NewJob, now: DateTime<Utc>) -> Job {
    Job {
        id: new.id.clone(),
        kind: new.kind,
        key: new.key.clone(),
        status: JobStatus::Queued,
        attempts: 0,
        max_attempts: new.max_attempts,
        created_at: now,
        started_at: None,
        finished_at: None,
        run_after: now,
        progress: JobProgress::default(),
        error: None,
        params: new.params.clone(),
        result: None,
        cancel_requested: false,
        lease_owner: None,
        lease_until: None,
        version: 0,
    }
}

/// What a claim does to one candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// Start an attempt under the new lease.
    Start(Job),
    /// Its worker died on the last attempt: it fails instead.
    GiveUp(Job),
    /// Not claimable (not due, or its lease still holds).
    Skip,
}

fn lease_expired(job: &Job, now: DateTime<Utc>) -> bool {
    job.lease_until.is_some_and(|until| until < now)
}

/// Queued and due, or running with an expired lease: a new attempt held by `owner`.
pub fn claim(job: &Job, owner: &str, lease_until: DateTime<Utc>, now: DateTime<Utc>) -> Claim {
    let claimable = match job.status {
        JobStatus::Queued => job.run_after <= now,
        JobStatus::Running => lease_expired(job, now),
        _ => false,
    };
    if !claimable {
        return Claim::Skip;
    }
    if job.status == JobStatus::Running && job.attempts >= job.max_attempts {
        // The error an earlier attempt reported says more than the lost lease.
        return Claim::GiveUp(Job {
            status: JobStatus::Failed,
            finished_at: Some(now),
            lease_owner: None,
            lease_until: None,
            error: job
                .error
                .clone()
                .or_else(|| Some(LEASE_EXPIRED_ON_LAST_ATTEMPT.to_owned())),
            ..job.clone()
        });
    }
    Claim::Start(Job {
        status: JobStatus::Running,
        attempts: job.attempts.saturating_add(1),
        started_at: Some(now),
        lease_owner: Some(owner.to_owned()),
        lease_until: Some(lease_until),
        ..job.clone()
    })
}

/// Whether `owner` holds the job's current attempt.
pub fn holds(job: &Job, owner: &str) -> bool {
    job.status == JobStatus::Running && job.lease_owner.as_deref() == Some(owner)
}

/// Extends `owner`'s lease and records progress; tells the holder whether to go on.
/// `Err(Heartbeat::Lost)` when the attempt is no longer `owner`'s.
pub fn heartbeat(
    job: &Job,
    owner: &str,
    lease_until: DateTime<Utc>,
    progress: &JobProgress,
) -> Result<(Job, Heartbeat), Heartbeat> {
    if !holds(job, owner) {
        return Err(Heartbeat::Lost);
    }
    let answer = if job.cancel_requested {
        Heartbeat::CancelRequested
    } else {
        Heartbeat::Held
    };
    let next = Job {
        lease_until: Some(lease_until),
        progress: progress.clone(),
        ..job.clone()
    };
    Ok((next, answer))
}

/// Ends `owner`'s attempt; `None` when the attempt is no longer `owner`'s.
pub fn finish(
    job: &Job,
    owner: &str,
    outcome: &Finish,
    progress: &JobProgress,
    now: DateTime<Utc>,
) -> Option<Job> {
    if !holds(job, owner) {
        return None;
    }
    let ended = Job {
        lease_owner: None,
        lease_until: None,
        progress: progress.clone(),
        ..job.clone()
    };
    Some(match outcome {
        Finish::Succeeded { result } => Job {
            status: JobStatus::Succeeded,
            finished_at: Some(now),
            result: Some(result.clone()),
            error: None,
            ..ended
        },
        Finish::Failed {
            error,
            retry_at: Some(at),
        } => Job {
            status: JobStatus::Queued,
            run_after: *at,
            error: Some(error.clone()),
            ..ended
        },
        Finish::Failed {
            error,
            retry_at: None,
        } => Job {
            status: JobStatus::Failed,
            finished_at: Some(now),
            error: Some(error.clone()),
            ..ended
        },
        Finish::Cancelled => Job {
            status: JobStatus::Cancelled,
            finished_at: Some(now),
            ..ended
        },
    })
}

/// Gives `owner`'s claim back unstarted: queued again, the attempt not counted.
pub fn release(job: &Job, owner: &str) -> Option<Job> {
    holds(job, owner).then(|| Job {
        status: JobStatus::Queued,
        attempts: job.attempts.saturating_sub(1),
        lease_owner: None,
        lease_until: None,
        ..job.clone()
    })
}

/// A queued job is cancelled at once; a running one is flagged for its worker.
pub fn cancel(job: &Job, now: DateTime<Utc>) -> Result<Job, JobChangeError> {
    match job.status {
        JobStatus::Queued => Ok(Job {
            status: JobStatus::Cancelled,
            finished_at: Some(now),
            ..job.clone()
        }),
        JobStatus::Running => Ok(Job {
            cancel_requested: true,
            ..job.clone()
        }),
        other => Err(JobChangeError::WrongStatus(other.as_str())),
    }
}

/// A failed or cancelled job queued again with fresh attempts. Whether its key is free is
/// the engine's to check (a unique active key).
pub fn retry(job: &Job, now: DateTime<Utc>) -> Result<Job, JobChangeError> {
    if !matches!(job.status, JobStatus::Failed | JobStatus::Cancelled) {
        return Err(JobChangeError::WrongStatus(job.status.as_str()));
    }
    Ok(Job {
        status: JobStatus::Queued,
        attempts: 0,
        run_after: now,
        started_at: None,
        finished_at: None,
        lease_owner: None,
        lease_until: None,
        cancel_requested: false,
        error: None,
        result: None,
        progress: JobProgress::default(),
        ..job.clone()
    })
}

/// Delay before the next attempt: `base_ms × 2^(attempt − 1)`, capped at `max_ms`.
pub fn backoff(attempt: u32, base_ms: u64, max_ms: u64) -> chrono::Duration {
    let factor = 1u64 << attempt.saturating_sub(1).min(20);
    let ms = base_ms.saturating_mul(factor).min(max_ms);
    chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// How an attempt that returned an error ends: retried after its backoff while attempts
/// are left and the error is worth retrying, failed for good otherwise.
pub fn after_error(
    job: &Job,
    error: String,
    retryable: bool,
    backoff_ms: (u64, u64),
    now: DateTime<Utc>,
) -> Finish {
    let retry_at = (retryable && job.attempts < job.max_attempts)
        .then(|| now + backoff(job.attempts, backoff_ms.0, backoff_ms.1));
    Finish::Failed { error, retry_at }
}
