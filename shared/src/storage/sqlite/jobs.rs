//! The embedded engine's job rows and the export's read of one day's events. Each write
//! is one statement: an insert kept to one active job per key by the unique `active_key`,
//! or an update guarded by the version it read, so writers in any process never overwrite
//! each other. The queue's decisions live in `storage::jobs`.

use crate::storage::jobs::*;

use super::*;

const JOB_COLUMNS: &str = "id, kind, key, status, attempts, max_attempts, created_at, started_at, \
    finished_at, run_after, lease_owner, lease_until, cancel_requested, progress, error, params, \
    result, version";

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
        params: json_value(15, r.get(15)?)?.ok_or_else(|| conversion(15, "params is NULL"))?,
        result: json_value(16, r.get(16)?)?,
        version: r.get(17)?,
    })
}

/// The values of every column but `id`, in `JOB_COLUMNS` order, then `active_key` (the
/// key while the job is active, else NULL).
fn job_values(j: &Job) -> rusqlite::Result<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value as V;
    let time = |t: Option<DateTime<Utc>>| t.map_or(V::Null, |t| V::Integer(ms(t)));
    let text = |s: Option<String>| s.map_or(V::Null, V::Text);
    let progress = serde_json::to_string(&j.progress)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let version =
        i64::try_from(j.version).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    Ok(vec![
        V::Text(j.kind.as_str().to_owned()),
        V::Text(j.key.clone()),
        V::Text(j.status.as_str().to_owned()),
        V::Integer(j.attempts.into()),
        V::Integer(j.max_attempts.into()),
        V::Integer(ms(j.created_at)),
        time(j.started_at),
        time(j.finished_at),
        V::Integer(ms(j.run_after)),
        text(j.lease_owner.clone()),
        time(j.lease_until),
        V::Integer(j.cancel_requested.into()),
        V::Text(progress),
        text(j.error.clone()),
        V::Text(j.params.to_string()),
        text(j.result.as_ref().map(Value::to_string)),
        V::Integer(version),
        text(j.status.is_active().then(|| j.key.clone())),
    ])
}

/// A write that broke a unique constraint (the active key, or the id).
fn key_taken(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ConstraintViolation)
    )
}

fn written(r: rusqlite::Result<usize>) -> rusqlite::Result<Written> {
    match r {
        Ok(1) => Ok(Written::Done),
        Ok(_) => Ok(Written::Stale),
        Err(e) if key_taken(&e) => Ok(Written::KeyTaken),
        Err(e) => Err(e),
    }
}

impl SqliteStore {
    async fn job_query(
        &self,
        sql: String,
        args: Vec<rusqlite::types::Value>,
    ) -> Result<Vec<Job>, StoreError> {
        self.with_conn(move |c| {
            c.prepare_cached(&sql)?
                .query_map(params_from_iter(args), job_from_row)?
                .collect()
        })
        .await
    }

    async fn one_job(
        &self,
        sql: String,
        args: Vec<rusqlite::types::Value>,
    ) -> Result<Option<Job>, StoreError> {
        Ok(self.job_query(sql, args).await?.into_iter().next())
    }
}

#[async_trait]
impl JobRows for SqliteStore {
    async fn read_job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1");
        self.one_job(sql, vec![id.to_owned().into()]).await
    }

    async fn read_active(&self, key: &str) -> Result<Option<Job>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE active_key = ?1");
        self.one_job(sql, vec![key.to_owned().into()]).await
    }

    async fn read_last_succeeded(
        &self,
        kind: Option<JobKind>,
        key: Option<&str>,
    ) -> Result<Option<Job>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs
             WHERE status = 'succeeded' AND (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR key = ?2)
             ORDER BY finished_at DESC, id DESC LIMIT 1"
        );
        let text = |s: Option<String>| s.map_or(rusqlite::types::Value::Null, Into::into);
        let args = vec![
            text(kind.map(|k| k.as_str().to_owned())),
            text(key.map(str::to_owned)),
        ];
        self.one_job(sql, args).await
    }

    async fn insert_job_row(&self, job: &Job) -> Result<Written, StoreError> {
        let mut args = vec![rusqlite::types::Value::Text(job.id.clone())];
        let values = job_values(job).map_err(|e| StoreError::Invalid(e.to_string()))?;
        args.extend(values);
        self.with_conn(move |c| {
            let sql = format!(
                "INSERT INTO jobs ({JOB_COLUMNS}, active_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                    ?17, ?18, ?19)"
            );
            written(c.prepare_cached(&sql)?.execute(params_from_iter(args)))
        })
        .await
    }

    async fn replace_job_row(&self, expected: u64, job: &Job) -> Result<Written, StoreError> {
        let mut args = job_values(job).map_err(|e| StoreError::Invalid(e.to_string()))?;
        args.push(job.id.clone().into());
        args.push(
            i64::try_from(expected)
                .map_err(|e| StoreError::Invalid(e.to_string()))?
                .into(),
        );
        self.with_conn(move |c| {
            written(
                c.prepare_cached(
                    "UPDATE jobs SET kind = ?1, key = ?2, status = ?3, attempts = ?4,
                        max_attempts = ?5, created_at = ?6, started_at = ?7, finished_at = ?8,
                        run_after = ?9, lease_owner = ?10, lease_until = ?11,
                        cancel_requested = ?12, progress = ?13, error = ?14, params = ?15,
                        result = ?16, version = ?17, active_key = ?18
                     WHERE id = ?19 AND version = ?20",
                )?
                .execute(params_from_iter(args)),
            )
        })
        .await
    }

    async fn claim_candidates(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        kind: Option<JobKind>,
    ) -> Result<Vec<Job>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs
             WHERE ((status = 'queued' AND run_after <= ?1)
                OR (status = 'running' AND lease_until < ?1))
               AND (?3 IS NULL OR kind = ?3)
             ORDER BY run_after, created_at, id LIMIT ?2"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let kind: rusqlite::types::Value = match kind {
            Some(k) => k.as_str().to_owned().into(),
            None => rusqlite::types::Value::Null,
        };
        self.job_query(sql, vec![ms(now).into(), limit.into(), kind])
            .await
    }

    async fn page_jobs(&self, q: &JobQuery) -> Result<Page<Job, String>, StoreError> {
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
        let mut items = self.job_query(sql, args).await?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|j| j.id.clone())
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn count_queued(&self) -> Result<Vec<(JobKind, u64)>, StoreError> {
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
                    Ok((event_from_row(r)?, r.get::<_, i64>(EVENT_COLUMN_COUNT)?))
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
