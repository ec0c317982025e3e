//! The job worker: an apalis [`Monitor`] running the export, import, erasure and purge jobs from the
//! store's queue (through [`super::backend`]) on their own tasks, one apalis worker per kind
//! (imports up to `worker.concurrency` at once, exports one at a time, so imports that stall
//! can never keep the daily export waiting for a slot), and apalis-cron workers that enqueue
//! the export of the previous UTC day on `export.schedule` and, when retention is set, the
//! day's purge on `retention.schedule`. Each attempt renews its lease with a heartbeat
//! that also records progress and notices cancellation, and ends as succeeded, retried with
//! backoff, failed or cancelled (the store's transitions decide; apalis's own retry is not
//! used). A gauge refresher keeps the queue and last-export gauges in line with the store.
//!
//! The `worker` binary and the API in embedded mode start the same [`JobWorker`]. A worker
//! that dies mid-job simply stops heartbeating: once the lease expires, any worker claims
//! the job again and starts a new attempt.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr as _;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::Context as _;
use apalis::prelude::{
    BoxDynError, Data, Monitor, ParallelizeExt as _, WorkerBuilder, WorkerBuilderExt as _,
    WorkerContext,
};
use apalis_cron::{CronScheduler, Tick};
use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinError, JoinHandle};
use tracing::{Instrument as _, error, info, info_span, warn};

use super::backend::{self, ClaimSource, Claimed};
use super::export::{self, ExportResult};
use super::import;
use super::object_store::{self, ObjectStore};
use super::purge::{self, PurgeParams, purge_job};
use super::{ExportParams, ImportParams, ImportSource, JobContext, JobError, export_job, metric};
use crate::batcher::Batcher;
use crate::clock::Clock;
use crate::settings::Settings;
use crate::storage::jobs::transitions;
use crate::storage::{
    EnqueueMode, Enqueued, Finish, Heartbeat, Job, JobKind, JobQuery, JobStatus, Store,
};

/// The apalis worker that runs exports (its name shows in every export's log lines).
pub const EXPORT_WORKER: &str = "shoptrail-exports";
/// The apalis worker that runs imports.
pub const IMPORT_WORKER: &str = "shoptrail-imports";
/// The apalis worker that runs erasures (their own lane: never behind a slow import).
pub const ERASE_WORKER: &str = "shoptrail-erasures";
/// The apalis worker that fires the export schedule.
pub const SCHEDULE_WORKER: &str = "shoptrail-export-schedule";
/// The apalis worker that runs retention purges.
pub const PURGE_WORKER: &str = "shoptrail-purges";
/// The apalis worker that looks for due scheduled imports every minute.
pub const IMPORT_SCHEDULE_WORKER: &str = "shoptrail-import-schedule";
/// The apalis worker that fires the retention schedule.
pub const PURGE_SCHEDULE_WORKER: &str = "shoptrail-purge-schedule";

/// Everything a job needs; cheap to clone.
#[derive(Clone)]
pub struct JobWorker {
    store: Arc<dyn Store>,
    batcher: Batcher,
    objects: Arc<dyn ObjectStore>,
    settings: Arc<Settings>,
    clock: Arc<dyn Clock>,
    /// This process's name (unique per process); each claim's lease owner extends it.
    owner: String,
}

/// Stops a spawned worker and waits for it.
pub struct JobWorkerHandle {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl JobWorkerHandle {
    /// Stops claiming, gives running jobs `server.shutdown_grace_ms` to finish (the rest are
    /// aborted and left to their lease, so another worker resumes them), and returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

impl JobWorker {
    /// Opens the export destination; `batcher` is where imports send events.
    pub async fn new(
        store: Arc<dyn Store>,
        batcher: Batcher,
        settings: Arc<Settings>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let objects = open_destination(&settings).await?;
        Ok(Self {
            store,
            batcher,
            objects,
            owner: format!("{}-{}", std::process::id(), uuid::Uuid::now_v7().simple()),
            settings,
            clock,
        })
    }

    pub fn objects(&self) -> Arc<dyn ObjectStore> {
        self.objects.clone()
    }

    /// Starts the apalis monitor (job worker and schedule) and the gauge refresher.
    pub fn spawn(self) -> JobWorkerHandle {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(self.run(stopped));
        JobWorkerHandle { stop, task }
    }

    async fn run(self, stopped: oneshot::Receiver<()>) {
        info!(owner = %self.owner, destination = %self.objects.url(""), "Job worker started.");
        let refresher = tokio::spawn(self.clone().refresh_gauges());
        let grace = Duration::from_millis(self.settings.server.shutdown_grace_ms);
        let mut monitor = Monitor::new();
        for kind in JobKind::ALL {
            let (name, slots) = self.lane(kind);
            let jobs = self.clone();
            // The backend is built inside the factory: it is made anew for each (re)start.
            monitor = monitor.register(move |_restarts| {
                let backend = backend::store_backend(jobs.claim_source(kind))
                    .expect("the backend has every part");
                WorkerBuilder::new(name)
                    .backend(backend)
                    .concurrency(slots)
                    .parallelize(spawn_abortable)
                    .data(jobs.clone())
                    .build(run_claimed)
            });
        }
        if self.settings.export.schedule_enabled {
            match cron::Schedule::from_str(&self.settings.export.schedule) {
                Ok(schedule) => {
                    self.catch_up(&schedule).await;
                    let this = self.clone();
                    monitor = monitor.register(move |_restarts| {
                        WorkerBuilder::new(SCHEDULE_WORKER)
                            .backend(CronScheduler::new(schedule.clone()))
                            .data(this.clone())
                            .build(on_tick)
                    });
                }
                Err(e) => {
                    error!(error = %e, "export.schedule is not a cron expression; no daily export.")
                }
            }
        }
        if self.settings.retention.enabled() && self.settings.retention.schedule_enabled {
            match cron::Schedule::from_str(&self.settings.retention.schedule) {
                Ok(schedule) => {
                    if let Some(last) = last_tick(&schedule, self.clock.now())
                        && let Err(e) = self.enqueue_daily_purge(last).await
                    {
                        warn!(error = %format!("{e:#}"), "Catching up the retention purge failed.");
                    }
                    let this = self.clone();
                    monitor = monitor.register(move |_restarts| {
                        WorkerBuilder::new(PURGE_SCHEDULE_WORKER)
                            .backend(CronScheduler::new(schedule.clone()))
                            .data(this.clone())
                            .build(on_purge_tick)
                    });
                }
                Err(e) => {
                    error!(error = %e, "retention.schedule is not a cron expression; no purge.")
                }
            }
        }
        if let Ok(tick) = super::schedules::parse_cron(super::schedules::TICK) {
            let this = self.clone();
            monitor = monitor.register(move |_restarts| {
                WorkerBuilder::new(IMPORT_SCHEDULE_WORKER)
                    .backend(CronScheduler::new(tick.clone()))
                    .data(this.clone())
                    .build(on_import_tick)
            });
        }
        let result = monitor
            .should_restart(|worker, e| {
                warn!(apalis_worker = worker.name(), error = %e, "An apalis worker stopped; restarting it.");
                !worker.is_shutting_down()
            })
            .shutdown_timeout(grace)
            .run_with_signal(async move {
                let _ = stopped.await;
                info!("Job worker stopping: no new claims; running jobs get the grace period.");
                Ok(())
            })
            .await;
        if let Err(e) = result {
            warn!(error = %e, "The job worker stopped with an error.");
        }
        refresher.abort();
        info!(owner = %self.owner, "Job worker stopped.");
    }

    /// The apalis worker that runs jobs of `kind`, and how many at once. Each kind has its
    /// own slots: two imports of a host that never answers hold the import slots for up to
    /// `import.url_total_timeout_s`, and the day's export must still run meanwhile.
    fn lane(&self, kind: JobKind) -> (&'static str, usize) {
        match kind {
            // One day per job, idempotent per day: running them one by one is enough.
            JobKind::Export => (EXPORT_WORKER, 1),
            JobKind::Import => (IMPORT_WORKER, self.settings.worker.concurrency.max(1)),
            // Each step is a short write transaction; one at a time keeps them from
            // crowding out ingestion's batches.
            JobKind::Erase => (ERASE_WORKER, 1),
            // One purge a day; two at once would only race for the same rows.
            JobKind::Purge => (PURGE_WORKER, 1),
        }
    }

    fn claim_source(&self, kind: JobKind) -> ClaimSource {
        ClaimSource {
            store: self.store.clone(),
            clock: self.clock.clone(),
            settings: self.settings.worker.clone(),
            process: self.owner.clone(),
            kind: Some(kind),
        }
    }

    /// Runs one attempt, claimed under the lease owner name `owner`, to its end.
    async fn execute(&self, apalis_worker: &str, job: Job, owner: String) {
        let started = std::time::Instant::now();
        let kind = job.kind.as_str();
        info!(apalis_worker, job_id = %job.id, kind, key = %job.key, attempt = job.attempts, "Job started.");
        let ctx = Arc::new(JobContext::new(&job.id));
        let (lost_tx, lost_rx) = watch::channel(Heartbeat::Held);
        let beat = tokio::spawn(heartbeat(
            self.clone(),
            job.id.clone(),
            owner.clone(),
            ctx.clone(),
            lost_tx,
        ));
        // A cancel or a lost lease stops the job even while it waits on I/O.
        let mut watch_stop = lost_rx.clone();
        let outcome = tokio::select! {
            r = self.dispatch(&job, &ctx) => r,
            _ = watch_stop.wait_for(|h| *h != Heartbeat::Held) => Err(JobError::Stopped),
        };
        beat.abort();
        let hb = *lost_rx.borrow();
        let now = self.clock.now();
        let progress = ctx.progress();
        let (finish, label) = match outcome {
            Ok(result) => (Finish::Succeeded { result }, "succeeded"),
            Err(_) if hb == Heartbeat::Lost => {
                warn!(job_id = %job.id, "Lost the job's lease; another worker has it.");
                return;
            }
            Err(JobError::Stopped) => (Finish::Cancelled, "cancelled"),
            Err(JobError::Permanent(e)) => (
                Finish::Failed {
                    error: e,
                    retry_at: None,
                },
                "failed",
            ),
            Err(JobError::Transient(e)) => {
                let w = &self.settings.worker;
                let backoff = (w.retry_backoff_ms, w.retry_backoff_max_ms);
                let finish = transitions::after_error(&job, format!("{e:#}"), true, backoff, now);
                let label = match finish {
                    Finish::Failed {
                        retry_at: Some(_), ..
                    } => "retried",
                    _ => "failed",
                };
                (finish, label)
            }
        };
        if let (JobKind::Export, Finish::Failed { error: e, .. }) = (job.kind, &finish) {
            metrics::counter!(metric::EXPORT_FAILURES).increment(1);
            let date = job
                .params
                .get("date")
                .and_then(|d| d.as_str())
                .unwrap_or("?");
            error!(date, error = %e, job_id = %job.id, attempt = job.attempts, final_attempt = (label == "failed"), "Export failed.");
        }
        match self
            .store
            .finish(&job.id, &owner, &finish, &progress, now)
            .await
        {
            Ok(true) => {
                metrics::counter!(metric::JOBS_TOTAL, "kind" => kind, "outcome" => label)
                    .increment(1);
                metrics::histogram!(metric::JOB_DURATION, "kind" => kind)
                    .record(started.elapsed().as_secs_f64());
                info!(apalis_worker, job_id = %job.id, kind, outcome = label, events = progress.events_processed, "Job ended.");
                if let (JobKind::Export, Finish::Succeeded { result }) = (job.kind, &finish) {
                    metrics::counter!(metric::EXPORT_EVENTS).increment(progress.events_processed);
                    if let Ok(r) = serde_json::from_value::<ExportResult>(result.clone()) {
                        set_export_gauges(now, r.date);
                    }
                }
                if is_final(&finish) {
                    self.delete_upload_of(&job).await;
                }
            }
            Ok(false) => warn!(job_id = %job.id, "The job's lease was lost before it finished."),
            Err(e) => {
                warn!(job_id = %job.id, error = %e, "Recording the job's end failed; its lease will expire and it runs again.")
            }
        }
    }

    /// Deletes the uploaded file an import has finished with for good, unless another
    /// queued or running import reads it (the same content uploaded twice has one id).
    /// A dry run keeps it, so the real import can follow without a second upload.
    async fn delete_upload_of(&self, job: &Job) {
        let Ok(ImportParams {
            source: ImportSource::Upload { upload_id },
            dry_run: false,
            ..
        }) = serde_json::from_value::<ImportParams>(job.params.clone())
        else {
            return;
        };
        match self.upload_in_use(&upload_id, &job.id).await {
            Ok(false) => {}
            Ok(true) => return,
            Err(e) => {
                warn!(job_id = %job.id, error = %e, "Could not tell whether an upload is still in use; kept.");
                return;
            }
        }
        match self.objects.delete(&import::upload_key(&upload_id)).await {
            Ok(()) => info!(job_id = %job.id, upload_id, "Deleted the import's uploaded file."),
            Err(e) => {
                warn!(job_id = %job.id, upload_id, error = %e, "Deleting the import's uploaded file failed.")
            }
        }
    }

    async fn upload_in_use(&self, upload_id: &str, except: &str) -> anyhow::Result<bool> {
        for status in [JobStatus::Queued, JobStatus::Running] {
            let mut query = JobQuery {
                kind: Some(JobKind::Import),
                status: Some(status),
                limit: 100,
                after: None,
            };
            loop {
                let page = self.store.list_jobs(&query).await?;
                let reads_it = page.items.iter().any(|j| {
                    j.id != except
                        && matches!(
                            serde_json::from_value::<ImportParams>(j.params.clone()),
                            Ok(ImportParams { source: ImportSource::Upload { upload_id: u }, .. })
                                if u == upload_id
                        )
                });
                if reads_it {
                    return Ok(true);
                }
                match page.next {
                    Some(next) => query.after = Some(next),
                    None => break,
                }
            }
        }
        Ok(false)
    }

    async fn dispatch(&self, job: &Job, ctx: &JobContext) -> Result<serde_json::Value, JobError> {
        match job.kind {
            JobKind::Export => {
                let p: ExportParams = serde_json::from_value(job.params.clone())
                    .map_err(|e| JobError::Permanent(format!("bad export params: {e}")))?;
                let r = export::run(
                    self.store.as_ref(),
                    self.objects.as_ref(),
                    &self.settings.export,
                    p.date,
                    ctx,
                    self.clock.now(),
                )
                .await?;
                result_value(&r)
            }
            JobKind::Import => {
                let p: ImportParams = serde_json::from_value(job.params.clone())
                    .map_err(|e| JobError::Permanent(format!("bad import params: {e}")))?;
                if p.kind != super::ImportKind::Events {
                    let r = super::enrich::run(
                        &p,
                        &self.settings,
                        self.objects.as_ref(),
                        self.store.as_ref(),
                        ctx,
                    )
                    .await?;
                    return result_value(&r);
                }
                let r = import::run(
                    &p,
                    &self.settings,
                    self.objects.as_ref(),
                    &crate::ingest::Pipeline::new(self.batcher.clone(), self.store.clone()),
                    ctx,
                    self.clock.now(),
                )
                .await?;
                result_value(&r)
            }
            JobKind::Erase => {
                let p: crate::privacy::ErasureParams =
                    serde_json::from_value(job.params.clone())
                        .map_err(|e| JobError::Permanent(format!("bad erasure params: {e}")))?;
                let r = crate::privacy::erase(
                    self.store.as_ref(),
                    &job.id,
                    &p,
                    crate::privacy::ERASE_BATCH_ROWS,
                    ctx,
                    self.clock.now(),
                )
                .await?;
                result_value(&r)
            }
            JobKind::Purge => {
                let p: PurgeParams = serde_json::from_value(job.params.clone())
                    .map_err(|e| JobError::Permanent(format!("bad purge params: {e}")))?;
                let r =
                    purge::run(self.store.as_ref(), &self.settings.retention, p.date, ctx).await?;
                info!(date = %r.date, events = r.events, visits = r.visits, orders = r.orders,
                      active_days = r.active_days, profiles = r.profiles, "Retention purge done.");
                result_value(&r)
            }
        }
    }

    /// Enqueues the purge of the UTC day of `tick` (a scheduled time) unless it is queued,
    /// running or done.
    pub async fn enqueue_daily_purge(&self, tick: DateTime<Utc>) -> anyhow::Result<Enqueued> {
        let day = tick.date_naive();
        let job = purge_job(day, self.settings.worker.max_attempts)
            .context("Failed to encode the purge's parameters")?;
        let r = self
            .store
            .enqueue(&job, EnqueueMode::UnlessActiveOrSucceeded, self.clock.now())
            .await
            .context("Failed to enqueue the retention purge")?;
        if let Enqueued::Created(j) = &r {
            info!(job_id = %j.id, date = %day, "Retention purge enqueued.");
        }
        Ok(r)
    }

    /// Enqueues the import of every scheduled source due at `now` (once per run: the job
    /// key names the schedule and the run's time). Returns the jobs created.
    pub async fn enqueue_scheduled_imports(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let mut created = 0;
        for schedule in self
            .store
            .import_schedules()
            .await
            .context("Failed to read the import schedules")?
        {
            let Some(run_at) = schedule.due_run(now) else {
                continue;
            };
            let job = schedule
                .run_job(run_at, self.settings.worker.max_attempts)
                .context("Failed to encode a scheduled import's parameters")?;
            let r = self
                .store
                .enqueue(&job, EnqueueMode::UnlessActiveOrSucceeded, self.clock.now())
                .await
                .context("Failed to enqueue a scheduled import")?;
            if let Enqueued::Created(j) = &r {
                created += 1;
                info!(job_id = %j.id, schedule_id = %schedule.id, run_at = %run_at, "Scheduled import enqueued.");
            }
        }
        Ok(created)
    }

    /// Enqueues the export of the UTC day before `tick` (a scheduled time) unless it is
    /// queued, running or done.
    pub async fn enqueue_daily_export(&self, tick: DateTime<Utc>) -> anyhow::Result<Enqueued> {
        let day = previous_day(tick);
        let job = export_job(day, self.settings.worker.max_attempts)
            .context("Failed to encode the export's parameters")?;
        let r = self
            .store
            .enqueue(&job, EnqueueMode::UnlessActiveOrSucceeded, self.clock.now())
            .await
            .context("Failed to enqueue the daily export")?;
        if let Enqueued::Created(j) = &r {
            info!(job_id = %j.id, date = %day, "Daily export enqueued.");
        }
        Ok(r)
    }

    /// On start, the latest scheduled time of the last two days is caught up (a worker
    /// down at 10:00 still exports that day once it runs).
    async fn catch_up(&self, schedule: &cron::Schedule) {
        if let Some(last) = last_tick(schedule, self.clock.now())
            && let Err(e) = self.enqueue_daily_export(last).await
        {
            warn!(error = %format!("{e:#}"), "Catching up the daily export failed.");
        }
    }

    async fn refresh_gauges(self) {
        let every = Duration::from_millis(self.settings.worker.metrics_refresh_ms);
        loop {
            if let Err(e) = refresh_from_store(self.store.as_ref()).await {
                warn!(error = %e, "Refreshing job gauges failed.");
            }
            tokio::time::sleep(every).await;
        }
    }
}

/// The job worker's handler: one claimed attempt, run to its end. The outcome is written
/// to the store (retries and backoff included), so apalis always sees success.
async fn run_claimed(
    claimed: Claimed,
    jobs: Data<JobWorker>,
    worker: WorkerContext,
) -> Result<(), BoxDynError> {
    let span = info_span!(
        "apalis_task",
        otel.name = %format_args!("job {}", claimed.job.kind.as_str()),
        job.kind = claimed.job.kind.as_str(),
        apalis_worker = worker.name(),
        task_id = %claimed.owner,
        job_id = %claimed.job.id,
    );
    jobs.execute(worker.name(), claimed.job, claimed.owner)
        .instrument(span)
        .await;
    Ok(())
}

/// The schedule worker's handler: enqueue the day before the tick.
async fn on_tick(tick: Tick, jobs: Data<JobWorker>) -> Result<(), BoxDynError> {
    let at = i64::try_from(tick.get_timestamp())
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or_else(|| jobs.clock.now());
    if let Err(e) = jobs.enqueue_daily_export(at).await {
        warn!(apalis_worker = SCHEDULE_WORKER, error = %format!("{e:#}"), "Enqueuing the daily export failed.");
    }
    Ok(())
}

/// The retention schedule's handler: enqueue the purge of the tick's day.
async fn on_purge_tick(tick: Tick, jobs: Data<JobWorker>) -> Result<(), BoxDynError> {
    let at = i64::try_from(tick.get_timestamp())
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or_else(|| jobs.clock.now());
    if let Err(e) = jobs.enqueue_daily_purge(at).await {
        warn!(apalis_worker = PURGE_SCHEDULE_WORKER, error = %format!("{e:#}"), "Enqueuing the retention purge failed.");
    }
    Ok(())
}

/// The import schedules' handler: enqueue the runs due at the tick.
async fn on_import_tick(tick: Tick, jobs: Data<JobWorker>) -> Result<(), BoxDynError> {
    let at = i64::try_from(tick.get_timestamp())
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or_else(|| jobs.clock.now());
    if let Err(e) = jobs.enqueue_scheduled_imports(at).await {
        warn!(apalis_worker = IMPORT_SCHEDULE_WORKER, error = %format!("{e:#}"), "Enqueuing scheduled imports failed.");
    }
    Ok(())
}

/// Runs a job on its own task (so jobs use every core), aborted if apalis drops it: past
/// the shutdown grace a job is stopped and left to its lease.
fn spawn_abortable<F>(future: F) -> AbortOnDrop<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    AbortOnDrop(tokio::spawn(future))
}

struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Whether a job ends here for good (no retry is scheduled).
fn is_final(finish: &Finish) -> bool {
    !matches!(
        finish,
        Finish::Failed {
            retry_at: Some(_),
            ..
        }
    )
}

/// Sets the queue and last-export gauges from the store.
pub async fn refresh_from_store(store: &dyn Store) -> anyhow::Result<()> {
    let counts = store.queued_counts().await?;
    for kind in JobKind::ALL {
        let n = counts
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n);
        metrics::gauge!(metric::JOBS_QUEUED, "kind" => kind.as_str()).set(n as f64);
    }
    if let Some(job) = store.last_succeeded(JobKind::Export, None).await?
        && let (Some(done), Ok(p)) = (
            job.finished_at,
            serde_json::from_value::<ExportParams>(job.params.clone()),
        )
    {
        set_export_gauges(done, p.date);
    }
    Ok(())
}

fn set_export_gauges(finished: DateTime<Utc>, date: NaiveDate) {
    metrics::gauge!(metric::EXPORT_LAST_SUCCESS_TS).set(finished.timestamp() as f64);
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    metrics::gauge!(metric::EXPORT_LAST_SUCCESS_DATE).set(midnight.timestamp() as f64);
}

async fn heartbeat(
    jobs: JobWorker,
    id: String,
    owner: String,
    ctx: Arc<JobContext>,
    state: watch::Sender<Heartbeat>,
) {
    let w = &jobs.settings.worker;
    let every = Duration::from_millis(w.heartbeat_ms);
    loop {
        tokio::time::sleep(every).await;
        let lease_until = jobs.clock.now() + chrono::Duration::milliseconds(ms_i64(w.lease_ms));
        match jobs
            .store
            .heartbeat(&id, &owner, lease_until, &ctx.progress())
            .await
        {
            Ok(Heartbeat::Held) => {}
            Ok(other) => {
                let _ = state.send(other);
                ctx.stop();
                if other == Heartbeat::Lost {
                    return;
                }
            }
            // The lease outlives a few failed beats; keep trying.
            Err(e) => warn!(job_id = %id, error = %e, "Heartbeat failed."),
        }
    }
}

/// The latest time of `schedule` in the two days up to `now`.
pub fn last_tick(schedule: &cron::Schedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    schedule
        .after(&(now - chrono::Duration::days(2)))
        .take_while(|t| *t <= now)
        .last()
}

/// The UTC day before `now`'s.
pub fn previous_day(now: DateTime<Utc>) -> NaiveDate {
    now.date_naive().pred_opt().unwrap_or(NaiveDate::MIN)
}

fn ms_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// Opens `export.destination` (default: `file://<data_dir>/exports`).
pub async fn open_destination(settings: &Settings) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let url = settings.export.destination_url(&settings.storage.data_dir);
    object_store::open(&url, settings.export.s3_endpoint_url.as_deref())
        .await
        .with_context(|| format!("Failed to open the export destination {url}"))
}

/// A job's result as stored; one that cannot be encoded fails the attempt (never `null`).
fn result_value(r: &impl serde::Serialize) -> Result<serde_json::Value, JobError> {
    serde_json::to_value(r)
        .map_err(|e| JobError::Permanent(format!("the job's result cannot be encoded: {e}")))
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod worker_tests;

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    #[test]
    fn the_catch_up_exports_the_day_before_the_last_scheduled_time() {
        let schedule = cron::Schedule::from_str("0 0 10 * * *").expect("cron");
        let t = |s: &str| DateTime::parse_from_rfc3339(s).expect("time").to_utc();
        let last = last_tick(&schedule, t("2026-11-22T00:30:00Z")).expect("a tick");
        assert_eq!(last, t("2026-11-21T10:00:00Z"));
        assert_eq!(previous_day(last).to_string(), "2026-11-20");
        let last = last_tick(&schedule, t("2026-11-22T10:00:00Z")).expect("a tick");
        assert_eq!(previous_day(last).to_string(), "2026-11-21");
    }
}
