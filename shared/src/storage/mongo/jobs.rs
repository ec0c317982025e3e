//! The MongoDB engine's job queue and the export's read of one day's events. Every change of
//! a job is one single-document atomic operation (`findOneAndUpdate` / `updateOne` with the
//! expected state in the filter), so two workers can never both claim or finish a job.
//! `active_key` is present only while a job is queued or running; a unique partial index on
//! it allows one active job per idempotency key.

use mongodb::options::{IndexOptions, ReturnDocument};

use super::*;
use crate::storage::jobs::*;

pub(super) const JOBS: &str = "jobs";

pub(super) fn indexes() -> Vec<(&'static str, IndexModel)> {
    vec![
        (
            JOBS,
            IndexModel::builder()
                .keys(doc! { "active_key": 1 })
                .options(
                    IndexOptions::builder()
                        .unique(true)
                        .partial_filter_expression(doc! { "active_key": { "$exists": true } })
                        .build(),
                )
                .build(),
        ),
        (
            JOBS,
            IndexModel::builder()
                .keys(doc! { "status": 1, "run_after": 1 })
                .build(),
        ),
        (
            JOBS,
            IndexModel::builder()
                .keys(doc! { "key": 1, "status": 1, "finished_at": -1 })
                .build(),
        ),
        (
            JOBS,
            IndexModel::builder()
                .keys(doc! { "kind": 1, "status": 1, "_id": -1 })
                .build(),
        ),
        // The export reads one day in (occurred_at, _id) order.
        (
            EVENTS,
            IndexModel::builder()
                .keys(doc! { "occurred_at": 1, "_id": 1 })
                .build(),
        ),
    ]
}

fn duplicate_key(e: &DriverError) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == DUPLICATE_KEY,
        ErrorKind::Command(c) => c.code == DUPLICATE_KEY,
        _ => false,
    }
}

fn progress_doc(p: &JobProgress) -> Document {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    doc! {
        "bytes_processed": n(p.bytes_processed),
        "bytes_total": p.bytes_total.map_or(Bson::Null, |v| Bson::Int64(n(v))),
        "events_processed": n(p.events_processed),
        "events_invalid": n(p.events_invalid),
        "events_duplicate": n(p.events_duplicate),
    }
}

fn progress_from(d: &Document) -> Result<JobProgress, String> {
    let p = d
        .get_document("progress")
        .map_err(|_| "field progress is missing".to_owned())?;
    let n = |k: &str| -> Result<u64, String> { Ok(req_count(p, k).unwrap_or(0)) };
    Ok(JobProgress {
        bytes_processed: n("bytes_processed")?,
        bytes_total: match p.get("bytes_total") {
            None | Some(Bson::Null) => None,
            Some(v) => count_of(v).and_then(|v| u64::try_from(v).ok()),
        },
        events_processed: n("events_processed")?,
        events_invalid: n("events_invalid")?,
        events_duplicate: n("events_duplicate")?,
    })
}

fn job_to_doc(j: &NewJob, now: DateTime<Utc>) -> Document {
    doc! {
        "_id": &j.id,
        "kind": j.kind.as_str(),
        "key": &j.key,
        "active_key": &j.key,
        "status": "queued",
        "attempts": 0_i32,
        "max_attempts": i32::try_from(j.max_attempts).unwrap_or(i32::MAX),
        "created_at": bson_time(now),
        "started_at": Bson::Null,
        "finished_at": Bson::Null,
        "run_after": bson_time(now),
        "lease_owner": Bson::Null,
        "lease_until": Bson::Null,
        "cancel_requested": false,
        "progress": progress_doc(&JobProgress::default()),
        "error": Bson::Null,
        // JSON text, like event properties: keys may contain `.` or start with `$`.
        "params": j.params.to_string(),
        "result": Bson::Null,
    }
}

fn job_from_doc(d: &Document) -> Result<Job, StoreError> {
    let decode = || -> Result<Job, String> {
        let small = |k: &str| -> Result<u32, String> {
            u32::try_from(req_count(d, k)?).map_err(|e| e.to_string())
        };
        Ok(Job {
            id: req_str(d, "_id")?.to_owned(),
            kind: JobKind::parse(req_str(d, "kind")?)?,
            key: req_str(d, "key")?.to_owned(),
            status: JobStatus::parse(req_str(d, "status")?)?,
            attempts: small("attempts")?,
            max_attempts: small("max_attempts")?,
            created_at: req_time(d, "created_at")?,
            started_at: opt_time(d, "started_at")?,
            finished_at: opt_time(d, "finished_at")?,
            run_after: req_time(d, "run_after")?,
            lease_owner: opt_str(d, "lease_owner")?,
            lease_until: opt_time(d, "lease_until")?,
            cancel_requested: matches!(d.get("cancel_requested"), Some(Bson::Boolean(true))),
            progress: progress_from(d)?,
            error: opt_str(d, "error")?,
            params: serde_json::from_str(req_str(d, "params")?)
                .map_err(|e| format!("field params is not JSON: {e}"))?,
            result: opt_str(d, "result")?
                .map(|s| serde_json::from_str(&s))
                .transpose()
                .map_err(|e| format!("field result is not JSON: {e}"))?,
        })
    };
    decode().map_err(|why| malformed("job", d, &why))
}

fn fresh_progress() -> Document {
    progress_doc(&JobProgress::default())
}

impl MongoStore {
    fn jobs(&self) -> Collection<Document> {
        self.db.collection(JOBS)
    }

    async fn job_where(&self, filter: Document) -> Result<Option<Job>, StoreError> {
        self.jobs()
            .find_one(filter)
            .await
            .map_err(|e| driver_error(&e))?
            .as_ref()
            .map(job_from_doc)
            .transpose()
    }

    async fn last_with(&self, filter: Document) -> Result<Option<Job>, StoreError> {
        let mut found: Vec<Document> = self
            .jobs()
            .find(filter)
            .sort(doc! { "finished_at": -1, "_id": -1 })
            .limit(1)
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        found.pop().as_ref().map(job_from_doc).transpose()
    }
}

#[async_trait]
impl JobStore for MongoStore {
    async fn enqueue(
        &self,
        job: &NewJob,
        mode: EnqueueMode,
        now: DateTime<Utc>,
    ) -> Result<Enqueued, StoreError> {
        // Two attempts: an insert that loses the race to another enqueue finds its job next.
        for _ in 0..2 {
            if let Some(active) = self.job_where(doc! { "active_key": &job.key }).await? {
                return Ok(Enqueued::Existing(active));
            }
            if mode == EnqueueMode::UnlessActiveOrSucceeded
                && let Some(done) = self
                    .last_with(doc! { "key": &job.key, "status": "succeeded" })
                    .await?
            {
                return Ok(Enqueued::Existing(done));
            }
            match self.jobs().insert_one(job_to_doc(job, now)).await {
                Ok(_) => {
                    return self
                        .job_where(doc! { "_id": &job.id })
                        .await?
                        .map(Enqueued::Created)
                        .ok_or_else(|| StoreError::Internal("enqueued job vanished".to_owned()));
                }
                Err(e) if duplicate_key(&e) => continue,
                Err(e) => return Err(driver_error(&e)),
            }
        }
        Err(StoreError::Unavailable(
            "the job key is changing hands; retry".to_owned(),
        ))
    }

    async fn claim(
        &self,
        owner: &str,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<Job>, StoreError> {
        let now_b = bson_time(now);
        self.jobs()
            .update_many(
                doc! {
                    "status": "running",
                    "lease_until": { "$lt": now_b },
                    "$expr": { "$gte": ["$attempts", "$max_attempts"] },
                },
                // A pipeline update, so an earlier attempt's error is kept (SQLite's
                // `coalesce(error, ...)`): only a job that never reported one gets the note.
                vec![
                    doc! { "$set": {
                        "status": "failed",
                        "finished_at": now_b,
                        "lease_owner": Bson::Null,
                        "error": { "$ifNull": [
                            "$error",
                            { "$literal": "the worker stopped (lease expired) on the last attempt" },
                        ] },
                    } },
                    doc! { "$unset": "active_key" },
                ],
            )
            .await
            .map_err(|e| driver_error(&e))?;
        let claimed = self
            .jobs()
            .find_one_and_update(
                doc! { "$or": [
                    { "status": "queued", "run_after": { "$lte": now_b } },
                    {
                        "status": "running",
                        "lease_until": { "$lt": now_b },
                        "$expr": { "$lt": ["$attempts", "$max_attempts"] },
                    },
                ] },
                doc! {
                    "$set": {
                        "status": "running",
                        "started_at": now_b,
                        "lease_owner": owner,
                        "lease_until": bson_time(lease_until),
                    },
                    "$inc": { "attempts": 1 },
                },
            )
            .sort(doc! { "run_after": 1, "created_at": 1, "_id": 1 })
            .return_document(ReturnDocument::After)
            .await
            .map_err(|e| driver_error(&e))?;
        claimed.as_ref().map(job_from_doc).transpose()
    }

    async fn heartbeat(
        &self,
        id: &str,
        owner: &str,
        lease_until: DateTime<Utc>,
        progress: &JobProgress,
    ) -> Result<Heartbeat, StoreError> {
        let after = self
            .jobs()
            .find_one_and_update(
                doc! { "_id": id, "lease_owner": owner, "status": "running" },
                doc! { "$set": {
                    "lease_until": bson_time(lease_until),
                    "progress": progress_doc(progress),
                } },
            )
            .return_document(ReturnDocument::After)
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(match after {
            None => Heartbeat::Lost,
            Some(d) if matches!(d.get("cancel_requested"), Some(Bson::Boolean(true))) => {
                Heartbeat::CancelRequested
            }
            Some(_) => Heartbeat::Held,
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
        let now = bson_time(now);
        let mut set = doc! {
            "lease_owner": Bson::Null,
            "lease_until": Bson::Null,
            "progress": progress_doc(progress),
        };
        let mut unset_active = true;
        match outcome {
            Finish::Succeeded { result } => {
                set.insert("status", "succeeded");
                set.insert("finished_at", now);
                set.insert("result", result.to_string());
                set.insert("error", Bson::Null);
            }
            Finish::Failed {
                error,
                retry_at: Some(at),
            } => {
                set.insert("status", "queued");
                set.insert("run_after", bson_time(*at));
                set.insert("error", error.as_str());
                unset_active = false;
            }
            Finish::Failed {
                error,
                retry_at: None,
            } => {
                set.insert("status", "failed");
                set.insert("finished_at", now);
                set.insert("error", error.as_str());
            }
            Finish::Cancelled => {
                set.insert("status", "cancelled");
                set.insert("finished_at", now);
            }
        }
        let mut update = doc! { "$set": set };
        if unset_active {
            update.insert("$unset", doc! { "active_key": "" });
        }
        let r = self
            .jobs()
            .update_one(
                doc! { "_id": id, "lease_owner": owner, "status": "running" },
                update,
            )
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(r.matched_count == 1)
    }

    async fn get_job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        self.job_where(doc! { "_id": id }).await
    }

    async fn list_jobs(&self, q: &JobQuery) -> Result<Page<Job, String>, StoreError> {
        let mut filter = Document::new();
        if let Some(k) = q.kind {
            filter.insert("kind", k.as_str());
        }
        if let Some(s) = q.status {
            filter.insert("status", s.as_str());
        }
        if let Some(after) = &q.after {
            filter.insert("_id", doc! { "$lt": after });
        }
        let docs: Vec<Document> = self
            .jobs()
            .find(filter)
            .sort(doc! { "_id": -1 })
            .limit(fetch_limit(q.limit))
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        let items = docs
            .iter()
            .map(job_from_doc)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(items, q.limit, |j| j.id.clone()))
    }

    async fn cancel_job(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Job, JobChangeError>, StoreError> {
        // Queued → cancelled at once; running → flagged. Each update names the status it
        // expects, so a job that moved in between is judged again by its new status.
        for _ in 0..3 {
            let Some(job) = self.get_job(id).await? else {
                return Ok(Err(JobChangeError::NotFound));
            };
            let (filter, update) = match job.status {
                JobStatus::Queued => (
                    doc! { "_id": id, "status": "queued" },
                    doc! {
                        "$set": { "status": "cancelled", "finished_at": bson_time(now) },
                        "$unset": { "active_key": "" },
                    },
                ),
                JobStatus::Running => (
                    doc! { "_id": id, "status": "running" },
                    doc! { "$set": { "cancel_requested": true } },
                ),
                other => return Ok(Err(JobChangeError::WrongStatus(other.as_str()))),
            };
            let r = self
                .jobs()
                .update_one(filter, update)
                .await
                .map_err(|e| driver_error(&e))?;
            if r.matched_count == 1 {
                return self
                    .get_job(id)
                    .await?
                    .map(Ok)
                    .ok_or_else(|| StoreError::Internal("cancelled job vanished".to_owned()));
            }
        }
        Err(StoreError::Unavailable(
            "the job keeps changing; retry".to_owned(),
        ))
    }

    async fn retry_job(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Job, JobChangeError>, StoreError> {
        let Some(job) = self.get_job(id).await? else {
            return Ok(Err(JobChangeError::NotFound));
        };
        if !matches!(job.status, JobStatus::Failed | JobStatus::Cancelled) {
            return Ok(Err(JobChangeError::WrongStatus(job.status.as_str())));
        }
        let r = self
            .jobs()
            .update_one(
                doc! { "_id": id, "status": { "$in": ["failed", "cancelled"] } },
                doc! { "$set": {
                    "status": "queued",
                    "active_key": &job.key,
                    "attempts": 0_i32,
                    "run_after": bson_time(now),
                    "started_at": Bson::Null,
                    "finished_at": Bson::Null,
                    "lease_owner": Bson::Null,
                    "lease_until": Bson::Null,
                    "cancel_requested": false,
                    "error": Bson::Null,
                    "result": Bson::Null,
                    "progress": fresh_progress(),
                } },
            )
            .await;
        match r {
            Ok(r) if r.matched_count == 1 => self
                .get_job(id)
                .await?
                .map(Ok)
                .ok_or_else(|| StoreError::Internal("retried job vanished".to_owned())),
            Ok(_) => {
                let status = self
                    .get_job(id)
                    .await?
                    .map_or("gone", |j| j.status.as_str());
                Ok(Err(JobChangeError::WrongStatus(status)))
            }
            Err(e) if duplicate_key(&e) => Ok(Err(JobChangeError::KeyTaken(job.key))),
            Err(e) => Err(driver_error(&e)),
        }
    }

    async fn queued_counts(&self) -> Result<Vec<(JobKind, u64)>, StoreError> {
        let docs: Vec<Document> = self
            .jobs()
            .aggregate([
                doc! { "$match": { "status": "queued" } },
                doc! { "$group": { "_id": "$kind", "n": { "$sum": 1 } } },
            ])
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        docs.iter()
            .map(|d| {
                let kind = req_str(d, "_id")
                    .and_then(JobKind::parse)
                    .map_err(|why| malformed("job count", d, &why))?;
                let n = req_count(d, "n").map_err(|why| malformed("job count", d, &why))?;
                Ok((kind, n))
            })
            .collect()
    }

    async fn last_succeeded(
        &self,
        kind: JobKind,
        key: Option<&str>,
    ) -> Result<Option<Job>, StoreError> {
        let mut filter = doc! { "kind": kind.as_str(), "status": "succeeded" };
        if let Some(k) = key {
            filter.insert("key", k);
        }
        self.last_with(filter).await
    }
}

#[async_trait]
impl DayEventStore for MongoStore {
    async fn events_of_day(
        &self,
        day: NaiveDate,
        after: Option<String>,
        limit: usize,
    ) -> Result<Page<Event, String>, StoreError> {
        let (start, end) = day_bounds(day);
        let mut filter = doc! {
            "occurred_at": { "$gte": bson_time(start), "$lt": bson_time(end) },
        };
        if let Some(c) = after {
            let c: JourneyCursor = cursor::decode(&c)?;
            let t = bson::DateTime::from_millis(c.t);
            filter.insert(
                "$or",
                vec![
                    Bson::Document(doc! { "occurred_at": { "$gt": t } }),
                    Bson::Document(doc! { "occurred_at": t, "_id": { "$gt": &c.id } }),
                ],
            );
        }
        let docs: Vec<Document> = self
            .events
            .find(filter)
            .sort(doc! { "occurred_at": 1, "_id": 1 })
            .limit(fetch_limit(limit))
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        let items = docs
            .iter()
            .map(event_from_doc)
            .collect::<Result<Vec<_>, _>>()?;
        let page = paginate(items, limit, |e| JourneyCursor {
            t: e.occurred_at.timestamp_millis(),
            id: e.event_id.clone(),
        });
        Ok(Page {
            items: page.items,
            next: page.next.as_ref().map(cursor::encode),
        })
    }
}
