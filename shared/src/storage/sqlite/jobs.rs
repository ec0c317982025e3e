//! The embedded engine's job queue and the export's read of one day's events. Every change
//! of a job runs in an IMMEDIATE transaction, so claims and enqueues are atomic across
//! processes sharing the file.

use crate::storage::jobs::*;

use super::*;

const JOB_COLUMNS: &str = "id, kind, key, status, attempts, max_attempts, created_at, started_at, \
    finished_at, run_after, lease_owner, lease_until, cancel_requested, progress, error, params, result";

fn conversion(i: usize, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
}

fn json_value(i: usize, s: Option<String>) -> rusqlite::Result<Option<Value>> {
    s.map(|s| serde_json::from_str(&s))
        .transpose()
        .map_err(|e| conversion(i, e))
}

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<Job> {
    let kind: String = r.get(1)?;
    let status: String = r.get(3)?;
    let progress: String = r.get(13)?;
    Ok(Job {
        id: r.get(0)?,
        kind: JobKind::parse(&kind).map_err(|e| conversion(1, e))?,
        key: r.get(2)?,
        status: JobStatus::parse(&status).map_err(|e| conversion(3, e))?,
        attempts: r.get(4)?,
        max_attempts: r.get(5)?,
        created_at: from_ms(r.get(6)?)?,
        started_at: r.get::<_, Option<i64>>(7)?.map(from_ms).transpose()?,
        finished_at: r.get::<_, Option<i64>>(8)?.map(from_ms).transpose()?,
        run_after: from_ms(r.get(9)?)?,
        lease_owner: r.get(10)?,
        lease_until: r.get::<_, Option<i64>>(11)?.map(from_ms).transpose()?,
        cancel_requested: r.get(12)?,
        progress: serde_json::from_str(&progress).map_err(|e| conversion(13, e))?,
        error: r.get(14)?,
        params: json_value(15, r.get(15)?)?.unwrap_or(Value::Null),
        result: json_value(16, r.get(16)?)?,
    })
}

fn progress_text(p: &JobProgress) -> String {
    serde_json::to_string(p).unwrap_or_else(|_| "{}".to_owned())
}

fn load(c: &Connection, id: &str) -> rusqlite::Result<Option<Job>> {
    c.prepare_cached(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"))?
        .query_row([id], job_from_row)
        .optional()
}

fn enqueue_tx(
    c: &mut Connection,
    job: &NewJob,
    mode: EnqueueMode,
    now: i64,
) -> rusqlite::Result<Enqueued> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let active = tx
        .prepare_cached(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE active_key = ?1"
        ))?
        .query_row([&job.key], job_from_row)
        .optional()?;
    if let Some(existing) = active {
        return Ok(Enqueued::Existing(existing));
    }
    if mode == EnqueueMode::UnlessActiveOrSucceeded {
        let done = tx
            .prepare_cached(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE key = ?1 AND status = 'succeeded'
                 ORDER BY finished_at DESC LIMIT 1"
            ))?
            .query_row([&job.key], job_from_row)
            .optional()?;
        if let Some(existing) = done {
            return Ok(Enqueued::Existing(existing));
        }
    }
    tx.prepare_cached(
        "INSERT INTO jobs (id, kind, key, active_key, status, attempts, max_attempts, created_at,
            run_after, progress, params)
         VALUES (?1, ?2, ?3, ?3, 'queued', 0, ?4, ?5, ?5, ?6, ?7)",
    )?
    .execute(params![
        job.id,
        job.kind.as_str(),
        job.key,
        job.max_attempts,
        now,
        progress_text(&JobProgress::default()),
        job.params.to_string(),
    ])?;
    let created = load(&tx, &job.id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    tx.commit()?;
    Ok(Enqueued::Created(created))
}

fn claim_tx(
    c: &mut Connection,
    owner: &str,
    lease_until: i64,
    now: i64,
) -> rusqlite::Result<Option<Job>> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // A worker that died on the last attempt leaves nothing to retry.
    tx.prepare_cached(
        "UPDATE jobs SET status = 'failed', active_key = NULL, finished_at = ?1, lease_owner = NULL,
            error = coalesce(error, 'the worker stopped (lease expired) on the last attempt')
         WHERE status = 'running' AND lease_until < ?1 AND attempts >= max_attempts",
    )?
    .execute([now])?;
    let id: Option<String> = tx
        .prepare_cached(
            "SELECT id FROM jobs
             WHERE (status = 'queued' AND run_after <= ?1)
                OR (status = 'running' AND lease_until < ?1 AND attempts < max_attempts)
             ORDER BY run_after, created_at, id LIMIT 1",
        )?
        .query_row([now], |r| r.get(0))
        .optional()?;
    let Some(id) = id else {
        tx.commit()?;
        return Ok(None);
    };
    tx.prepare_cached(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = ?2,
            lease_owner = ?3, lease_until = ?4
         WHERE id = ?1",
    )?
    .execute(params![id, now, owner, lease_until])?;
    let job = load(&tx, &id)?;
    tx.commit()?;
    Ok(job)
}

fn change_tx(
    c: &mut Connection,
    id: &str,
    now: i64,
    retry: bool,
) -> rusqlite::Result<Result<Job, JobChangeError>> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(job) = load(&tx, id)? else {
        return Ok(Err(JobChangeError::NotFound));
    };
    if retry {
        if !matches!(job.status, JobStatus::Failed | JobStatus::Cancelled) {
            return Ok(Err(JobChangeError::WrongStatus(job.status.as_str())));
        }
        let taken: bool = tx
            .prepare_cached("SELECT count(*) > 0 FROM jobs WHERE active_key = ?1")?
            .query_row([&job.key], |r| r.get(0))?;
        if taken {
            return Ok(Err(JobChangeError::KeyTaken(job.key)));
        }
        tx.prepare_cached(
            "UPDATE jobs SET status = 'queued', active_key = key, attempts = 0, run_after = ?2,
                started_at = NULL, finished_at = NULL, lease_owner = NULL, lease_until = NULL,
                cancel_requested = 0, error = NULL, result = NULL, progress = ?3
             WHERE id = ?1",
        )?
        .execute(params![id, now, progress_text(&JobProgress::default())])?;
    } else {
        match job.status {
            JobStatus::Queued => {
                tx.prepare_cached(
                    "UPDATE jobs SET status = 'cancelled', active_key = NULL, finished_at = ?2
                     WHERE id = ?1",
                )?
                .execute(params![id, now])?;
            }
            JobStatus::Running => {
                tx.prepare_cached("UPDATE jobs SET cancel_requested = 1 WHERE id = ?1")?
                    .execute([id])?;
            }
            other => return Ok(Err(JobChangeError::WrongStatus(other.as_str()))),
        }
    }
    let job = load(&tx, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    tx.commit()?;
    Ok(Ok(job))
}

#[async_trait]
impl JobStore for SqliteStore {
    async fn enqueue(
        &self,
        job: &NewJob,
        mode: EnqueueMode,
        now: DateTime<Utc>,
    ) -> Result<Enqueued, StoreError> {
        let job = job.clone();
        self.with_conn(move |c| enqueue_tx(c, &job, mode, ms(now)))
            .await
    }

    async fn claim(
        &self,
        owner: &str,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<Job>, StoreError> {
        let owner = owner.to_owned();
        self.with_conn(move |c| claim_tx(c, &owner, ms(lease_until), ms(now)))
            .await
    }

    async fn heartbeat(
        &self,
        id: &str,
        owner: &str,
        lease_until: DateTime<Utc>,
        progress: &JobProgress,
    ) -> Result<Heartbeat, StoreError> {
        let (id, owner, progress) = (id.to_owned(), owner.to_owned(), progress_text(progress));
        self.with_conn(move |c| {
            let cancel: Option<bool> = c
                .prepare_cached(
                    "UPDATE jobs SET lease_until = ?3, progress = ?4
                     WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'
                     RETURNING cancel_requested",
                )?
                .query_row(params![id, owner, ms(lease_until), progress], |r| r.get(0))
                .optional()?;
            Ok(match cancel {
                None => Heartbeat::Lost,
                Some(true) => Heartbeat::CancelRequested,
                Some(false) => Heartbeat::Held,
            })
        })
        .await
    }

    async fn finish(
        &self,
        id: &str,
        owner: &str,
        outcome: &Finish,
        progress: &JobProgress,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (id, owner, progress) = (id.to_owned(), owner.to_owned(), progress_text(progress));
        let outcome = outcome.clone();
        let now = ms(now);
        self.with_conn(move |c| {
            let guard = "WHERE id = ?1 AND lease_owner = ?2 AND status = 'running'";
            let n = match outcome {
                Finish::Succeeded { result } => c
                    .prepare_cached(&format!(
                        "UPDATE jobs SET status = 'succeeded', active_key = NULL, finished_at = ?3,
                            lease_owner = NULL, lease_until = NULL, progress = ?4, result = ?5,
                            error = NULL {guard}"
                    ))?
                    .execute(params![id, owner, now, progress, result.to_string()])?,
                Finish::Failed {
                    error,
                    retry_at: Some(at),
                } => c
                    .prepare_cached(&format!(
                        "UPDATE jobs SET status = 'queued', run_after = ?3, lease_owner = NULL,
                            lease_until = NULL, progress = ?4, error = ?5 {guard}"
                    ))?
                    .execute(params![id, owner, ms(at), progress, error])?,
                Finish::Failed {
                    error,
                    retry_at: None,
                } => c
                    .prepare_cached(&format!(
                        "UPDATE jobs SET status = 'failed', active_key = NULL, finished_at = ?3,
                            lease_owner = NULL, lease_until = NULL, progress = ?4, error = ?5 {guard}"
                    ))?
                    .execute(params![id, owner, now, progress, error])?,
                Finish::Cancelled => c
                    .prepare_cached(&format!(
                        "UPDATE jobs SET status = 'cancelled', active_key = NULL, finished_at = ?3,
                            lease_owner = NULL, lease_until = NULL, progress = ?4 {guard}"
                    ))?
                    .execute(params![id, owner, now, progress])?,
            };
            Ok(n == 1)
        })
        .await
    }

    async fn get_job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| load(c, &id)).await
    }

    async fn list_jobs(&self, q: &JobQuery) -> Result<Page<Job, String>, StoreError> {
        let mut sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(k) = q.kind {
            sql.push_str(" AND kind = ?");
            args.push(k.as_str().to_owned().into());
        }
        if let Some(s) = q.status {
            sql.push_str(" AND status = ?");
            args.push(s.as_str().to_owned().into());
        }
        if let Some(after) = &q.after {
            sql.push_str(" AND id < ?");
            args.push(after.clone().into());
        }
        sql.push_str(" ORDER BY id DESC LIMIT ?");
        let limit = q.limit;
        args.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());
        let mut items = self
            .with_conn(move |c| {
                c.prepare_cached(&sql)?
                    .query_map(params_from_iter(args), job_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|j| j.id.clone())
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn cancel_job(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Job, JobChangeError>, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| change_tx(c, &id, ms(now), false))
            .await
    }

    async fn retry_job(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Job, JobChangeError>, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| change_tx(c, &id, ms(now), true))
            .await
    }

    async fn queued_counts(&self) -> Result<Vec<(JobKind, u64)>, StoreError> {
        self.with_conn(|c| {
            c.prepare_cached(
                "SELECT kind, count(*) FROM jobs WHERE status = 'queued' GROUP BY kind",
            )?
            .query_map([], |r| {
                let kind: String = r.get(0)?;
                Ok((
                    JobKind::parse(&kind).map_err(|e| conversion(0, e))?,
                    r.get(1)?,
                ))
            })?
            .collect()
        })
        .await
    }

    async fn last_succeeded(
        &self,
        kind: JobKind,
        key: Option<&str>,
    ) -> Result<Option<Job>, StoreError> {
        let key = key.map(str::to_owned);
        self.with_conn(move |c| {
            c.prepare_cached(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs
                 WHERE kind = ?1 AND status = 'succeeded' AND (?2 IS NULL OR key = ?2)
                 ORDER BY finished_at DESC, id DESC LIMIT 1"
            ))?
            .query_row(params![kind.as_str(), key], job_from_row)
            .optional()
        })
        .await
    }
}

#[async_trait]
impl DayEventStore for SqliteStore {
    /// Pages in storage order (`seq`), which never changes for a stored event. No index on
    /// `occurred_at` is kept (it would slow every ingest), so a whole export reads the table
    /// once, a page at a time.
    async fn events_of_day(
        &self,
        day: NaiveDate,
        after: Option<String>,
        limit: usize,
    ) -> Result<Page<Event, String>, StoreError> {
        let after: i64 = match after {
            None => 0,
            Some(s) => s.parse().map_err(|_| StoreError::InvalidCursor)?,
        };
        let (start, end) = day_bounds(day);
        let (start, end) = (ms(start), ms(end));
        let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let rows = self
            .with_conn(move |c| {
                c.prepare_cached(&format!(
                    "SELECT {EVENT_COLUMNS}, seq FROM events
                     WHERE seq > ?1 AND occurred_at >= ?2 AND occurred_at < ?3
                     ORDER BY seq LIMIT ?4"
                ))?
                .query_map(params![after, start, end, fetch], |r| {
                    Ok((event_from_row(r)?, r.get::<_, i64>(13)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        let more = rows.len() > limit;
        let mut items = Vec::with_capacity(limit.min(rows.len()));
        let mut last = None;
        for (event, seq) in rows.into_iter().take(limit) {
            last = Some(seq);
            items.push(event);
        }
        let next = if more { last } else { None };
        Ok(Page {
            items,
            next: next.map(|s| s.to_string()),
        })
    }
}
