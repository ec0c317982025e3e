//! The worker process: runs queued jobs (the daily export, imports) from the shared store
//! on the apalis-based [`JobWorker`] and serves `/healthz`, `/readyz` and `/metrics` on
//! `worker.listen_addr`. Any number of workers may run against one store; leases decide who
//! runs what.
#![forbid(unsafe_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde_json::json;
use tokio::net::TcpListener;
use tracing::info;

use shared::batcher::Batcher;
use shared::clock::SystemClock;
use shared::jobs::worker::JobWorker;
use shared::ops::{self, OpsState};
use shared::settings::Settings;
use shared::storage::{self, EnqueueMode, Job, Store};

pub use shared::ops::shutdown_signal;

/// A bound, not yet running worker.
pub struct Worker {
    listener: TcpListener,
    store: Arc<dyn Store>,
    batcher: Batcher,
    jobs: JobWorker,
    /// Finishes identity merges whose event moves an import batch left pending.
    mover: shared::storage::Mover,
}

impl Worker {
    /// Opens the store and the export destination, starts the batcher (imports write
    /// through it) and binds the health listener (port 0 picks a free one).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let store = storage::open(&settings)
            .await
            .context("Failed to open the store")?;
        let batcher = Batcher::spawn(store.clone(), settings.batcher.clone());
        let mover = shared::storage::Mover::spawn(store.clone());
        let jobs = JobWorker::new(
            store.clone(),
            batcher.clone(),
            settings.clone(),
            Arc::new(SystemClock),
        )
        .await
        .context("Failed to start the job worker")?;
        let addr = &settings.worker.listen_addr;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("Failed to bind {addr}"))?;
        shared::telemetry::metrics_handle();
        Ok(Self {
            listener,
            store,
            batcher,
            jobs,
            mover,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// Runs jobs and serves health until `shutdown` completes; then stops claiming, lets
    /// running jobs finish within `server.shutdown_grace_ms` and writes queued events.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            store,
            batcher,
            jobs,
            mover,
        } = self;
        info!(address = %listener.local_addr()?, engine = store.engine(), "Worker listening.");
        let jobs = jobs.spawn();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let app = ops::router(OpsState {
            store: store.clone(),
            batcher: batcher.clone(),
        });
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await
        });
        shutdown.await;
        info!("Shutting down: no new jobs; finishing running ones.");
        jobs.shutdown().await;
        batcher.shutdown().await;
        mover.shutdown().await;
        let _ = stop_tx.send(());
        server
            .await
            .context("Health server task failed")?
            .context("Health server failed")?;
        store.close().await;
        info!("Stopped.");
        Ok(())
    }
}

/// Runs the export of `date` in this process, through the queue (enqueue, claim, heartbeat,
/// finish) like any other job, and returns the ended job. For operators and `scripts/bench`.
pub async fn export_once(settings: Settings, date: chrono::NaiveDate) -> anyhow::Result<Job> {
    let settings = Arc::new(settings);
    let store = storage::open(&settings)
        .await
        .context("Failed to open the store")?;
    let batcher = Batcher::spawn(store.clone(), settings.batcher.clone());
    let clock = Arc::new(SystemClock);
    let job = store
        .enqueue(
            &shared::jobs::export_job(date, settings.worker.max_attempts)
                .context("Failed to encode the export's parameters")?,
            EnqueueMode::UnlessActive,
            chrono::Utc::now(),
        )
        .await
        .context("Failed to enqueue the export")?
        .job()
        .clone();
    let mut no_schedule = (*settings).clone();
    no_schedule.export.schedule_enabled = false;
    let jobs = JobWorker::new(store.clone(), batcher.clone(), Arc::new(no_schedule), clock)
        .await?
        .spawn();
    let done = loop {
        let j = store
            .get_job(&job.id)
            .await?
            .context("The export job vanished")?;
        if !j.status.is_active() {
            break j;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    jobs.shutdown().await;
    batcher.shutdown().await;
    store.close().await;
    Ok(done)
}

/// Stores `n` synthetic events spread over `date` (for `scripts/bench`), in batches through
/// the store's batch insert.
pub async fn seed(settings: Settings, date: chrono::NaiveDate, n: usize) -> anyhow::Result<()> {
    use shared::event::{Event, EventType};
    let store = storage::open(&settings)
        .await
        .context("Failed to open the store")?;
    let start = date.and_hms_opt(0, 0, 0).context("midnight")?.and_utc();
    let types = [
        "page_view",
        "product_view",
        "add_to_cart",
        "search",
        "purchase",
    ];
    let step = 86_400_000 / i64::try_from(n.max(1))?;
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        let at = start + chrono::Duration::milliseconds(step * i64::try_from(i)?);
        let props = json!({"path": format!("/p/{}", i % 500), "sku": format!("sku-{}", i % 2000), "price": 19.99});
        let ctx = json!({"locale": "en-GB", "userAgent": "Mozilla/5.0 (X11; Linux x86_64) bench",
            "page": {"url": format!("https://shop.example/p/{}", i % 500), "title": "Product"}});
        batch.push(Event {
            event_id: format!("bench-{date}-{i:08}"),
            user_id: Some(format!("user-{}", i % 10_000)),
            anonymous_id: None,
            session_id: Some(format!("s-{}", i / 20)),
            event_type: EventType::parse(types[i % types.len()]).map_err(anyhow::Error::msg)?,
            properties: props.as_object().cloned().unwrap_or_default(),
            context: ctx.as_object().cloned().unwrap_or_default(),
            traits: None,
            occurred_at: at,
            sent_at: None,
            received_at: at,
            timestamp_clamped: false,
            derived: None,
            source: Some("bench".into()),
        });
        if batch.len() == 10_000 {
            store.insert_batch(std::mem::take(&mut batch)).await?;
        }
    }
    store.insert_batch(batch).await?;
    store.close().await;
    Ok(())
}

/// Peak resident memory of this process (Linux), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
