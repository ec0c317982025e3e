//! The MongoDB engine's job rows and the export's read of one day's events. A job is
//! replaced whole, filtered on `_id` and the `version` that was read, so of two writers
//! that read the same row only one writes. `active_key` is present only while a job is
//! queued or running; a unique partial index on it allows one active job per idempotency
//! key. The queue's decisions live in `storage::jobs`.
//!
//! Every job read goes to the primary with read concern `local`: the queue decides on what
//! it reads, and a majority snapshot may not yet hold a write the primary already refused
//! another writer for (a duplicate key).

use mongodb::options::{CollectionOptions, IndexOptions, ReadPreference, SelectionCriteria};

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

fn job_to_doc(j: &Job) -> Result<Document, StoreError> {
    let small = |v: u32| i32::try_from(v).map_err(|e| StoreError::Invalid(e.to_string()));
    let time = |t: Option<DateTime<Utc>>| t.map_or(Bson::Null, |t| Bson::DateTime(bson_time(t)));
    let text = |s: Option<&str>| s.map_or(Bson::Null, |s| Bson::String(s.to_owned()));
    let mut d = doc! {
        "_id": &j.id,
        "kind": j.kind.as_str(),
        "key": &j.key,
        "status": j.status.as_str(),
        "attempts": small(j.attempts)?,
        "max_attempts": small(j.max_attempts)?,
        "created_at": bson_time(j.created_at),
        "started_at": time(j.started_at),
        "finished_at": time(j.finished_at),
        "run_after": bson_time(j.run_after),
        "lease_owner": text(j.lease_owner.as_deref()),
        "lease_until": time(j.lease_until),
        "cancel_requested": j.cancel_requested,
        "progress": progress_doc(&j.progress),
        "error": text(j.error.as_deref()),
        // JSON text, like event properties: keys may contain `.` or start with `$`.
        "params": j.params.to_string(),
        "result": text(j.result.as_ref().map(Value::to_string).as_deref()),
        "version": i64::try_from(j.version).map_err(|e| StoreError::Invalid(e.to_string()))?,
    };
    if j.status.is_active() {
        d.insert("active_key", &j.key);
    }
    Ok(d)
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
            // Jobs written before versions existed have none: version 0.
            version: match d.get("version") {
                None | Some(Bson::Null) => 0,
                Some(_) => req_count(d, "version")?,
            },
        })
    };
    decode().map_err(|why| malformed("job", d, &why))
}

/// The filter matching a job's row only while it still has the version read.
fn at_version(id: &str, version: u64) -> Result<Document, StoreError> {
    let v = i64::try_from(version).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(if v == 0 {
        // `null` also matches a row written before versions existed.
        doc! { "_id": id, "version": { "$in": [0_i64, Bson::Null] } }
    } else {
        doc! { "_id": id, "version": v }
    })
}

fn write_outcome<T>(
    r: Result<T, DriverError>,
    matched: impl Fn(&T) -> bool,
) -> Result<Written, StoreError> {
    match r {
        Ok(r) if matched(&r) => Ok(Written::Done),
        Ok(_) => Ok(Written::Stale),
        Err(e) if duplicate_key(&e) => Ok(Written::KeyTaken),
        Err(e) => Err(driver_error(&e)),
    }
}

impl MongoStore {
    /// The jobs collection, read from the primary at read concern `local` (see above).
    fn jobs(&self) -> Collection<Document> {
        self.db.collection_with_options(
            JOBS,
            CollectionOptions::builder()
                .selection_criteria(SelectionCriteria::ReadPreference(ReadPreference::Primary))
                .read_concern(ReadConcern::local())
                .build(),
        )
    }

    async fn jobs_where(
        &self,
        filter: Document,
        sort: Document,
        limit: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let docs: Vec<Document> = self
            .jobs()
            .find(filter)
            .sort(sort)
            .limit(limit)
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        docs.iter().map(job_from_doc).collect()
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
}

#[async_trait]
impl JobRows for MongoStore {
    async fn read_job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        self.job_where(doc! { "_id": id }).await
    }

    async fn read_active(&self, key: &str) -> Result<Option<Job>, StoreError> {
        self.job_where(doc! { "active_key": key }).await
    }

    async fn read_last_succeeded(
        &self,
        kind: Option<JobKind>,
        key: Option<&str>,
    ) -> Result<Option<Job>, StoreError> {
        let mut filter = doc! { "status": "succeeded" };
        if let Some(k) = kind {
            filter.insert("kind", k.as_str());
        }
        if let Some(k) = key {
            filter.insert("key", k);
        }
        let sort = doc! { "finished_at": -1, "_id": -1 };
        Ok(self.jobs_where(filter, sort, 1).await?.pop())
    }

    async fn insert_job_row(&self, job: &Job) -> Result<Written, StoreError> {
        let r = self.jobs().insert_one(job_to_doc(job)?).await;
        write_outcome(r, |_| true)
    }

    async fn replace_job_row(&self, expected: u64, job: &Job) -> Result<Written, StoreError> {
        let r = self
            .jobs()
            .replace_one(at_version(&job.id, expected)?, job_to_doc(job)?)
            .await;
        write_outcome(r, |r| r.matched_count == 1)
    }

    async fn claim_candidates(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        kind: Option<JobKind>,
    ) -> Result<Vec<Job>, StoreError> {
        let now = bson_time(now);
        let mut filter = doc! { "$or": [
            { "status": "queued", "run_after": { "$lte": now } },
            { "status": "running", "lease_until": { "$lt": now } },
        ] };
        if let Some(k) = kind {
            filter.insert("kind", k.as_str());
        }
        let sort = doc! { "run_after": 1, "created_at": 1, "_id": 1 };
        self.jobs_where(filter, sort, i64::try_from(limit).unwrap_or(i64::MAX))
            .await
    }

    async fn page_jobs(&self, q: &JobQuery) -> Result<Page<Job, String>, StoreError> {
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
        let items = self
            .jobs_where(filter, doc! { "_id": -1 }, fetch_limit(q.limit))
            .await?;
        Ok(paginate(items, q.limit, |j| j.id.clone()))
    }

    async fn count_queued(&self) -> Result<Vec<(JobKind, u64)>, StoreError> {
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
