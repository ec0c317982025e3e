//! The runner: claims jobs from the store under a lease, runs them (up to
//! `worker.concurrency` at once), renews the lease with a heartbeat that also records
//! progress and notices cancellation, and ends each attempt as succeeded, retried with
//! exponential backoff, failed or cancelled. Alongside, an apalis-cron worker enqueues the
//! export of the previous UTC day on `export.schedule`, and a refresher keeps the queue and
//! last-export gauges in line with the store (so every process reports the same values).
//!
//! A runner that dies mid-job simply stops heartbeating: once the lease expires, any
//! runner claims the job again and starts a new attempt.

use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use apalis::prelude::{BoxDynError, Data, WorkerBuilder};
use apalis_cron::{CronScheduler, Tick};
use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::{Semaphore, watch};
use tracing::{error, info, warn};

use super::export::{self, ExportResult};
use super::import;
use super::object_store::{self, ObjectStore};
use super::{ExportParams, ImportParams, JobContext, JobError, export_job, metric};
use crate::batcher::Batcher;
use crate::clock::Clock;
use crate::settings::Settings;
use crate::storage::{EnqueueMode, Enqueued, Finish, Heartbeat, Job, JobKind, Store};

/// Everything a job needs; cheap to clone.
#[derive(Clone)]
pub struct Runner {
    store: Arc<dyn Store>,
    batcher: Batcher,
    objects: Arc<dyn ObjectStore>,
    settings: Arc<Settings>,
    clock: Arc<dyn Clock>,
    /// This runner's name (unique per process); each claim's lease owner extends it.
    owner: String,
}

/// Stops a spawned runner and waits for it.
pub struct RunnerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunnerHandle {
    /// Stops claiming, gives running jobs `grace` to finish (the rest are left to their
    /// lease, so another runner resumes them), and returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl Runner {
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

    /// Starts the claim loop, the cron schedule and the gauge refresher.
    pub fn spawn(self) -> RunnerHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(self.run(stopped));
        RunnerHandle { stop, task }
    }

    async fn run(self, stopped: watch::Receiver<bool>) {
        info!(owner = %self.owner, destination = %self.objects.url(""), "Job runner started.");
        let cron = self.settings.export.schedule_enabled.then(|| {
            let this = self.clone();
            let stopped = stopped.clone();
            tokio::spawn(async move { this.schedule(stopped).await })
        });
        let refresher = {
            let this = self.clone();
            let stopped = stopped.clone();
            tokio::spawn(async move { this.refresh_gauges(stopped).await })
        };
        self.claim_loop(stopped).await;
        if let Some(c) = cron {
            c.abort();
        }
        refresher.abort();
        info!(owner = %self.owner, "Job runner stopped.");
    }

    async fn claim_loop(&self, mut stopped: watch::Receiver<bool>) {
        let w = &self.settings.worker;
        let slots = Arc::new(Semaphore::new(w.concurrency));
        let poll = Duration::from_millis(w.poll_interval_ms);
        let mut running = tokio::task::JoinSet::new();
        loop {
            if *stopped.borrow() {
                break;
            }
            let permit = tokio::select! {
                p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
                _ = stopped.changed() => break,
            };
            let now = self.clock.now();
            let lease_until = now + chrono::Duration::milliseconds(ms_i64(w.lease_ms));
            // One owner name per claim, not per process: a task that stalled past its lease
            // must not keep writing after this same process claimed the job again.
            let owner = format!("{}:{}", self.owner, uuid::Uuid::now_v7().simple());
            match self.store.claim(&owner, lease_until, now).await {
                Ok(Some(job)) => {
                    let this = self.clone();
                    running.spawn(async move {
                        this.execute(job, owner).await;
                        drop(permit);
                    });
                    continue;
                }
                Ok(None) => {}
                Err(e) => warn!(error = %e, "Claiming a job failed."),
            }
            drop(permit);
            // Reap finished tasks so the set does not grow.
            while running.try_join_next().is_some() {}
            tokio::select! {
                () = tokio::time::sleep(poll) => {}
                _ = stopped.changed() => break,
            }
        }
        let grace = Duration::from_millis(self.settings.server.shutdown_grace_ms);
        if tokio::time::timeout(grace, async {
            while running.join_next().await.is_some() {}
        })
        .await
        .is_err()
        {
            warn!(
                jobs = running.len(),
                "Jobs still running at shutdown; their leases will expire and another worker resumes them."
            );
            running.abort_all();
        }
    }

    /// Runs one attempt, claimed under the lease owner name `owner`, to its end.
    pub async fn execute(&self, job: Job, owner: String) {
        let started = std::time::Instant::now();
        let kind = job.kind.as_str();
        info!(job_id = %job.id, kind, key = %job.key, attempt = job.attempts, "Job started.");
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
                let error = format!("{e:#}");
                if job.attempts < job.max_attempts {
                    let at = now + self.backoff(job.attempts);
                    (
                        Finish::Failed {
                            error,
                            retry_at: Some(at),
                        },
                        "retried",
                    )
                } else {
                    (
                        Finish::Failed {
                            error,
                            retry_at: None,
                        },
                        "failed",
                    )
                }
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
                info!(job_id = %job.id, kind, outcome = label, events = progress.events_processed, "Job ended.");
                if let (JobKind::Export, Finish::Succeeded { result }) = (job.kind, &finish) {
                    metrics::counter!(metric::EXPORT_EVENTS).increment(progress.events_processed);
                    if let Ok(r) = serde_json::from_value::<ExportResult>(result.clone()) {
                        set_export_gauges(now, r.date);
                    }
                }
            }
            Ok(false) => warn!(job_id = %job.id, "The job's lease was lost before it finished."),
            Err(e) => {
                warn!(job_id = %job.id, error = %e, "Recording the job's end failed; its lease will expire and it runs again.")
            }
        }
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
                Ok(serde_json::to_value(r).unwrap_or_default())
            }
            JobKind::Import => {
                let p: ImportParams = serde_json::from_value(job.params.clone())
                    .map_err(|e| JobError::Permanent(format!("bad import params: {e}")))?;
                let r = import::run(
                    &p,
                    &self.settings,
                    self.objects.as_ref(),
                    &crate::ingest::Pipeline::new(self.batcher.clone()),
                    ctx,
                    self.clock.now(),
                )
                .await?;
                Ok(serde_json::to_value(r).unwrap_or_default())
            }
        }
    }

    /// `retry_backoff_ms × 2^(attempt − 1)`, capped.
    fn backoff(&self, attempt: u32) -> chrono::Duration {
        let w = &self.settings.worker;
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        let ms = w
            .retry_backoff_ms
            .saturating_mul(factor)
            .min(w.retry_backoff_max_ms);
        chrono::Duration::milliseconds(ms_i64(ms))
    }

    /// Enqueues the export of the UTC day before `tick` (a scheduled time) unless it is
    /// queued, running or done.
    pub async fn enqueue_daily_export(&self, tick: DateTime<Utc>) -> anyhow::Result<Enqueued> {
        let day = previous_day(tick);
        let job = export_job(day, self.settings.worker.max_attempts);
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

    /// The cron schedule, run by an apalis worker over an apalis-cron stream. On start, the
    /// latest scheduled time of the last two days is caught up (a worker down at 10:00
    /// still exports that day once it runs).
    async fn schedule(self, mut stopped: watch::Receiver<bool>) {
        let schedule = match cron::Schedule::from_str(&self.settings.export.schedule) {
            Ok(s) => s,
            Err(e) => {
                error!(error = %e, "export.schedule is not a cron expression; no daily export.");
                return;
            }
        };
        let now = self.clock.now();
        if let Some(last) = last_tick(&schedule, now)
            && let Err(e) = self.enqueue_daily_export(last).await
        {
            warn!(error = %format!("{e:#}"), "Catching up the daily export failed.");
        }
        async fn tick(tick: Tick, runner: Data<Runner>) -> Result<(), BoxDynError> {
            let at = i64::try_from(tick.get_timestamp())
                .ok()
                .and_then(|s| DateTime::from_timestamp(s, 0))
                .unwrap_or_else(|| runner.clock.now());
            if let Err(e) = runner.enqueue_daily_export(at).await {
                warn!(error = %format!("{e:#}"), "Enqueuing the daily export failed.");
            }
            Ok(())
        }
        let worker = WorkerBuilder::new("shoptrail-export-schedule")
            .backend(CronScheduler::new(schedule))
            .data(self.clone())
            .build(tick);
        tokio::select! {
            r = worker.run() => if let Err(e) = r {
                error!(error = %e, "The export schedule stopped.");
            },
            _ = stopped.changed() => {}
        }
    }

    async fn refresh_gauges(self, mut stopped: watch::Receiver<bool>) {
        let every = Duration::from_millis(self.settings.worker.metrics_refresh_ms);
        loop {
            if let Err(e) = refresh_from_store(self.store.as_ref()).await {
                warn!(error = %e, "Refreshing job gauges failed.");
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stopped.changed() => break,
            }
        }
    }
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
    runner: Runner,
    id: String,
    owner: String,
    ctx: Arc<JobContext>,
    state: watch::Sender<Heartbeat>,
) {
    let w = &runner.settings.worker;
    let every = Duration::from_millis(w.heartbeat_ms);
    loop {
        tokio::time::sleep(every).await;
        let lease_until = runner.clock.now() + chrono::Duration::milliseconds(ms_i64(w.lease_ms));
        match runner
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
