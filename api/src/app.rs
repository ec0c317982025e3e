//! Building and running the server.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::http::{HeaderName, header};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tracing::{info, warn};

use shared::batcher::Batcher;
use shared::clock::{Clock, SystemClock};
use shared::jobs::worker::{self, JobWorker, JobWorkerHandle};
use shared::settings::Settings;
use shared::storage;

use crate::auth::passwords;
use crate::auth::sessions::StoreSessions;
use crate::auth::write_keys::WriteKeyCache;
use crate::middleware;
use crate::routes;
use crate::security;
use crate::state::AppState;

/// How often expired session records are swept from the store.
const SESSION_SWEEP_INTERVAL: Duration = Duration::from_secs(600);

/// A bound, not yet running server.
pub struct App {
    listener: TcpListener,
    router: Router,
    state: AppState,
    sweeper: tokio::task::JoinHandle<()>,
    /// Finishes identity merges' event moves in the background (`storage::moves`).
    mover: shared::storage::Mover,
    /// The in-process job worker (embedded mode, `worker.in_process`): the same apalis
    /// worker the `worker` binary runs.
    jobs: Option<JobWorkerHandle>,
    /// Loads the reports' visit index and keeps it fresh (`reports.index_days > 0`).
    index_keeper: Option<tokio::task::JoinHandle<()>>,
}

/// How often an instance deletes tombstones older than `TOMBSTONE_KEEP_MS`.
const TOMBSTONE_PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Deletes the tombstones every index has had time to read (any instance may; it is the
/// same delete).
async fn prune_tombstones(store: &dyn shared::storage::Store) {
    use shared::storage::visit_feed::{TOMBSTONE_KEEP_MS, marker_now};
    match store
        .prune_visits_gone(marker_now() - TOMBSTONE_KEEP_MS)
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::debug!(tombstones = n, "Old visit tombstones deleted."),
        Err(e) => tracing::warn!(error = %e, "Deleting old visit tombstones failed."),
    }
}

/// Gives the state a visit index and starts the task that loads it in the background
/// (reports read the store until it is ready) and then looks for changes every
/// `reports.index_poll_ms`.
fn spawn_report_index(state: &mut AppState) -> Option<tokio::task::JoinHandle<()>> {
    use shared::reports::index::VisitIndex;
    let r = &state.settings.reports;
    if r.index_days == 0 {
        // No index reads the tombstones; they are still deleted once they are old.
        let store = state.store.clone();
        return Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(TOMBSTONE_PRUNE_EVERY).await;
                prune_tombstones(&*store).await;
            }
        }));
    }
    let index = Arc::new(VisitIndex::new(r.index_days, r.index_overlap_ms));
    state.report_index = Some(index.clone());
    let poll = Duration::from_millis(r.index_poll_ms);
    let store = state.store.clone();
    let clock = state.clock.clone();
    Some(tokio::spawn(async move {
        loop {
            let started = std::time::Instant::now();
            match index.load(&*store, clock.now()).await {
                Ok(()) => {
                    let size = index.size().unwrap_or(shared::reports::index::IndexSize {
                        visits: 0,
                        people: 0,
                        values: 0,
                    });
                    tracing::info!(
                        visits = size.visits,
                        people = size.people,
                        values = size.values,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "Reports index loaded."
                    );
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "Reports index load failed; retrying.");
                    tokio::time::sleep(poll.max(Duration::from_secs(1))).await;
                }
            }
        }
        let mut pruned = std::time::Instant::now();
        loop {
            tokio::time::sleep(poll).await;
            if let Err(e) = index.refresh(&*store).await {
                tracing::warn!(error = %e, "Reports index refresh failed.");
            }
            if pruned.elapsed() >= TOMBSTONE_PRUNE_EVERY {
                pruned = std::time::Instant::now();
                prune_tombstones(&*store).await;
                // The window follows the clock: visits that started before it leave.
                let evicted = index.slide(clock.now());
                if evicted > 0 {
                    tracing::debug!(evicted, "Reports index window moved on.");
                }
            }
        }
    }))
}

impl App {
    /// Opens the store, starts the batcher and binds the listener (port 0 picks a free one).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = storage::open(&settings)
            .await
            .context("Failed to open the store")?;
        let batcher = Batcher::spawn(store.clone(), settings.batcher.clone());
        let write_keys = Arc::new(WriteKeyCache::new(Duration::from_millis(
            settings.auth.write_key_cache_ttl_ms,
        )));
        let settings = Arc::new(settings);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let (objects, jobs) = if settings.worker.in_process {
            let r = JobWorker::new(
                store.clone(),
                batcher.clone(),
                settings.clone(),
                clock.clone(),
            )
            .await
            .context("Failed to start the job worker")?;
            (r.objects(), Some(r))
        } else {
            (worker::open_destination(&settings).await?, None)
        };
        let live_streams = Arc::new(tokio::sync::Semaphore::new(settings.live.max_streams));
        let geoip = match &settings.ingest.geoip_database {
            Some(path) => {
                let geo = shared::enrich::geoip::GeoIp::open(path).map_err(anyhow::Error::msg)?;
                tracing::info!(path = %path.display(), kind = geo.database_type(), "GeoIP database loaded.");
                Some(Arc::new(geo))
            }
            None => None,
        };
        let pipeline = shared::ingest::Pipeline::new(batcher.clone(), store.clone());
        let state = AppState {
            settings,
            store,
            batcher,
            pipeline,
            clock,
            write_keys,
            objects,
            sign_in: Arc::default(),
            live_streams,
            report_index: None,
            geoip,
            segment_members: Default::default(),
        };
        let mut state = state;
        let index_keeper = spawn_report_index(&mut state);
        passwords::warm_up();
        let sweeper = tokio::spawn(sweep_sessions(StoreSessions::new(state.store.clone())));
        let mover = shared::storage::Mover::spawn(state.store.clone());
        let server = &state.settings.server;
        let addr = format!("{}:{}", server.host, server.port);
        let listener = TcpListener::bind(&addr)
            .await
            .with_context(|| format!("Failed to bind {addr}"))?;
        // Install the recorder before the first request so every metric is registered.
        shared::telemetry::metrics_handle();
        let router = Self::router(state.clone());
        let jobs = jobs.map(JobWorker::spawn);
        Ok(Self {
            listener,
            router,
            state,
            sweeper,
            mover,
            jobs,
            index_keeper,
        })
    }

    /// The routes with the layers every route shares and that need the matched route
    /// (request span and metrics, and load shedding inside them so shed requests are counted
    /// too), then the `Retry-After` of every 503 and the common security headers, applied as
    /// one stack: each `Router::layer` call wraps every route in another boxed service that
    /// is cloned, with everything inside it, on every request.
    fn router(state: AppState) -> Router {
        let server = &state.settings.server;
        let retry_after_s = state.settings.batcher.retry_after_s;
        let per_route = ServiceBuilder::new()
            // One INFO span per request, named by its route template (so per route).
            .layer(crate::request_span::InSpanLayer)
            .layer(middleware::RequestMetricsLayer::default())
            .layer(middleware::OverloadLayer { retry_after_s })
            .load_shed()
            .concurrency_limit(server.max_concurrent_requests)
            .timeout(Duration::from_millis(server.request_timeout_ms))
            .layer(middleware::retry_after(retry_after_s))
            .layer(security::common_headers());
        routes::router(state).layer(per_route)
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests
    /// finish (bounded by `shutdown_grace_ms`) and writes every queued event before returning.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            router,
            state,
            sweeper,
            mover,
            jobs,
            index_keeper,
        } = self;
        info!(
            address = %listener.local_addr()?,
            engine = state.store.engine(),
            "Listening."
        );
        let grace = Duration::from_millis(state.settings.server.shutdown_grace_ms);
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let live_streams = state.live_streams.clone();
        let signal = async move {
            shutdown.await;
            // Open live streams end at their next poll, so they do not hold the grace period.
            live_streams.close();
            info!("Shutting down: no new connections; finishing in-flight requests.");
            let _ = stopping_tx.send(());
        };
        let server = &state.settings.server;
        let header_timeout = Duration::from_millis(server.header_read_timeout_ms);
        let max_header_bytes = server.max_header_bytes;
        let sensitive: Arc<[HeaderName]> = Arc::new([
            header::AUTHORIZATION,
            header::COOKIE,
            header::SET_COOKIE,
            HeaderName::from_static(crate::auth::write_keys::WRITE_KEY_HEADER),
        ]);
        // The layers every request passes, around the whole router once (not per route).
        let service = ServiceBuilder::new()
            .layer(CatchPanicLayer::new())
            // Marks credentials so no log line or debug print shows their values.
            .layer(SetSensitiveHeadersLayer::from_shared(sensitive))
            .layer(security::limit_headers(max_header_bytes))
            .service(router);
        let serve = tokio::spawn(serve(listener, service, header_timeout, signal));
        let mut serve = serve;
        tokio::select! {
            result = &mut serve => result.context("Server task failed")?.context("Server failed")?,
            _ = async {
                let _ = stopping_rx.await;
                tokio::time::sleep(grace).await;
            } => warn!(grace_ms = grace.as_millis() as u64, "In-flight requests outlived the grace period."),
        }
        // Jobs stop before the batcher: imports still hand it their last batch.
        if let Some(j) = jobs {
            j.shutdown().await;
        }
        state.batcher.shutdown().await;
        mover.shutdown().await;
        sweeper.abort();
        if let Some(k) = index_keeper {
            k.abort();
        }
        state.store.close().await;
        info!("Stopped.");
        Ok(())
    }
}

/// Accepts connections until `signal` completes, then lets open ones finish. hyper is driven
/// directly rather than through `axum::serve`, which sets no timer: with one, a client
/// that has not sent its headers within `header_timeout` is disconnected (slowloris).
async fn serve<S, B>(
    listener: TcpListener,
    service: S,
    header_timeout: Duration,
    signal: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: tower::Service<axum::extract::Request, Response = axum::http::Response<B>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::Future: Send + 'static,
    B: axum::body::HttpBody + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;
    use tower::Layer as _;
    use tower::ServiceExt as _;

    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let mut signal = std::pin::pin!(signal);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    warn!(error = %e, "Accepting a connection failed.");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        let _ = stream.set_nodelay(true);
        // What `into_make_service_with_connect_info` did: handlers read the peer address.
        let service = axum::Extension(axum::extract::ConnectInfo(remote)).layer(service.clone());
        let connection = builder
            .serve_connection_with_upgrades(
                TokioIo::new(stream),
                TowerToHyperService::new(service.map_request(into_axum_body)),
            )
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "Connection ended with an error.");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// hyper's request body as axum's (what `Router` does for itself when served directly).
fn into_axum_body<B>(req: axum::http::Request<B>) -> axum::extract::Request
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    req.map(axum::body::Body::new)
}

/// Removes expired session records now and then; a failed sweep is retried next time.
async fn sweep_sessions(sessions: StoreSessions) {
    use tower_sessions::ExpiredDeletion as _;
    let mut tick = tokio::time::interval(SESSION_SWEEP_INTERVAL);
    loop {
        tick.tick().await;
        if let Err(e) = sessions.delete_expired().await {
            warn!(error = %e, "Sweeping expired sessions failed.");
        }
    }
}

/// Completes on SIGINT or SIGTERM (the same signal handling as the worker's).
pub use shared::ops::shutdown_signal;
