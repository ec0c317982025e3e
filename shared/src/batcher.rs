//! Group commit. Requests hand their validated events (and the identity links they carry)
//! to one writer task through a queue bounded in bytes; the writer flushes when
//! `max_events`, `max_bytes` or `linger_ms` is reached, writing every queued submission in
//! one transaction, and each request waits for the result of the batch that carried it.
//! Nothing is acknowledged before the store has made it durable.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{Instrument as _, info, warn};

use crate::event::Event;
use crate::settings::BatcherSettings;
use crate::storage::{EventStore, StoreError, WriteBatch, WriteOutcome};

/// Why a submission was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The queue holds `queue_max_bytes` already: the store is not keeping up.
    #[error("ingestion queue is full")]
    QueueFull,
    /// The batcher is shutting down.
    #[error("ingestion is shutting down")]
    Closed,
    /// The batch carrying these events failed to write; nothing of it was acknowledged.
    #[error("store write failed: {0}")]
    Store(String),
}

struct Submission {
    batch: WriteBatch,
    bytes: usize,
    reply: oneshot::Sender<Result<WriteOutcome, SubmitError>>,
    // Released once the batch carrying this submission has been written.
    _permit: OwnedSemaphorePermit,
    /// The submitter's span (its request or job): the commit span links to it.
    span: tracing::Span,
}

/// Cloneable handle used by request handlers and import jobs.
#[derive(Clone)]
pub struct Batcher {
    tx: mpsc::UnboundedSender<Submission>,
    queue: Arc<Semaphore>,
    queue_max_bytes: usize,
    queued_events: Arc<AtomicUsize>,
    healthy: Arc<AtomicBool>,
    writer: Arc<Mutex<Option<WriterControl>>>,
    /// `shoptrail_batcher_queue_depth_events`, registered once.
    depth: metrics::Gauge,
}

/// What an identity link counts for against the queue's byte bound.
const LINK_BYTES: usize = 128;

/// Stops the writer task (the sender) and waits for it (the handle).
type WriterControl = (oneshot::Sender<()>, JoinHandle<()>);

impl Batcher {
    /// Starts the writer task on the current Tokio runtime.
    pub fn spawn(store: Arc<dyn EventStore>, settings: BatcherSettings) -> Self {
        // Handles taken before the recorder is installed would record nothing.
        crate::telemetry::metrics_handle();
        let depth = metrics::gauge!("shoptrail_batcher_queue_depth_events");
        let (tx, rx) = mpsc::unbounded_channel();
        let queued_events = Arc::new(AtomicUsize::new(0));
        let healthy = Arc::new(AtomicBool::new(true));
        let (stop_tx, stop_rx) = oneshot::channel();
        let writer = Writer {
            store,
            settings: settings.clone(),
            queued_events: queued_events.clone(),
            healthy: healthy.clone(),
            depth: depth.clone(),
            flush_seconds: metrics::histogram!("shoptrail_batch_flush_duration_seconds"),
            batch_events: metrics::histogram!("shoptrail_batch_size_events"),
        };
        let handle = tokio::spawn(writer.run(rx, stop_rx));
        Self {
            tx,
            queue: Arc::new(Semaphore::new(settings.queue_max_bytes)),
            queue_max_bytes: settings.queue_max_bytes,
            queued_events,
            healthy,
            writer: Arc::new(Mutex::new(Some((stop_tx, handle)))),
            depth,
        }
    }

    /// Queues `batch` and waits until the transaction carrying it is durable. Outcomes match
    /// the batch's events and links index for index. A full queue is refused at once
    /// ([`SubmitError::QueueFull`]): request handlers answer 503 and the client retries.
    pub async fn submit(&self, batch: impl Into<WriteBatch>) -> Result<WriteOutcome, SubmitError> {
        self.enqueue(batch.into(), false).await
    }

    /// Like [`Batcher::submit`], but waits for room in a full queue: for background work
    /// (imports) that must yield to live traffic rather than fail.
    pub async fn submit_waiting(&self, batch: WriteBatch) -> Result<WriteOutcome, SubmitError> {
        self.enqueue(batch, true).await
    }

    async fn enqueue(&self, batch: WriteBatch, wait: bool) -> Result<WriteOutcome, SubmitError> {
        if batch.events.is_empty() && batch.links.is_empty() {
            return Ok(WriteOutcome::default());
        }
        let bytes: usize = batch.events.iter().map(Event::approx_bytes).sum::<usize>()
            + batch.links.len() * LINK_BYTES;
        let permits = u32::try_from(bytes.clamp(1, self.queue_max_bytes)).unwrap_or(u32::MAX);
        let permit = if wait {
            self.queue
                .clone()
                .acquire_many_owned(permits)
                .await
                .map_err(|_| SubmitError::Closed)?
        } else {
            self.queue
                .clone()
                .try_acquire_many_owned(permits)
                .map_err(|_| SubmitError::QueueFull)?
        };
        let (reply, rx) = oneshot::channel();
        let n = batch.events.len();
        self.queued_events.fetch_add(n, Ordering::Relaxed);
        self.depth.increment(n as f64);
        let sent = self.tx.send(Submission {
            batch,
            bytes,
            reply,
            _permit: permit,
            span: tracing::Span::current(),
        });
        if sent.is_err() {
            self.queued_events.fetch_sub(n, Ordering::Relaxed);
            self.depth.decrement(n as f64);
            return Err(SubmitError::Closed);
        }
        rx.await.map_err(|_| SubmitError::Closed)?
    }

    /// Events waiting to be written.
    pub fn queued_events(&self) -> usize {
        self.queued_events.load(Ordering::Relaxed)
    }

    /// True while the writer task is alive and taking submissions.
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }

    /// False after a failed flush, until a flush succeeds again.
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Stops taking new events, writes everything already queued, and waits for the writer.
    pub async fn shutdown(&self) {
        if let Some((stop, handle)) = self.writer.lock().await.take() {
            let _ = stop.send(());
            if let Err(e) = handle.await {
                warn!(error = %e, "Batcher writer ended abnormally.");
            }
        }
    }
}

struct Writer {
    store: Arc<dyn EventStore>,
    settings: BatcherSettings,
    queued_events: Arc<AtomicUsize>,
    healthy: Arc<AtomicBool>,
    depth: metrics::Gauge,
    flush_seconds: metrics::Histogram,
    batch_events: metrics::Histogram,
}

impl Writer {
    async fn run(
        self,
        mut rx: mpsc::UnboundedReceiver<Submission>,
        mut stop: oneshot::Receiver<()>,
    ) {
        let linger = Duration::from_millis(self.settings.linger_ms);
        loop {
            let first = tokio::select! {
                biased;
                s = rx.recv() => match s {
                    Some(s) => s,
                    None => break,
                },
                _ = &mut stop => {
                    // No new submissions; drain what is queued, then leave.
                    rx.close();
                    while let Some(s) = rx.recv().await {
                        let mut batch = vec![s];
                        self.fill(&mut batch, &mut rx, Duration::ZERO).await;
                        self.flush(batch).await;
                    }
                    break;
                }
            };
            let mut batch = vec![first];
            self.fill(&mut batch, &mut rx, linger).await;
            self.flush(batch).await;
        }
        info!("Batcher writer stopped.");
    }

    /// Adds queued submissions to `batch` until a size limit is reached, the queue is
    /// empty and `linger` has passed since the first one.
    async fn fill(
        &self,
        batch: &mut Vec<Submission>,
        rx: &mut mpsc::UnboundedReceiver<Submission>,
        linger: Duration,
    ) {
        let deadline = tokio::time::Instant::now() + linger;
        let mut events: usize = batch.iter().map(|s| s.batch.events.len()).sum();
        let mut bytes: usize = batch.iter().map(|s| s.bytes).sum();
        while events < self.settings.max_events && bytes < self.settings.max_bytes {
            let next = match rx.try_recv() {
                Ok(s) => s,
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => {
                    if linger.is_zero() {
                        break;
                    }
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(s)) => s,
                        _ => break,
                    }
                }
            };
            events += next.batch.events.len();
            bytes += next.bytes;
            batch.push(next);
        }
    }

    async fn flush(&self, batch: Vec<Submission>) {
        let total: usize = batch.iter().map(|s| s.batch.events.len()).sum();
        let total_links: usize = batch.iter().map(|s| s.batch.links.len()).sum();
        let mut all = WriteBatch {
            events: Vec::with_capacity(total),
            links: Vec::with_capacity(total_links),
        };
        // The commit continues the trace of its first submitter and links the others.
        // (Counts as i64: OpenTelemetry has no unsigned integers.)
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let span = tracing::info_span!(
            parent: batch.first().map(|s| &s.span).and_then(tracing::Span::id),
            "batch_commit",
            otel.name = "batch commit",
            events = count(total),
            links = count(total_links),
            submissions = count(batch.len()),
        );
        for s in batch.iter().skip(1) {
            span.follows_from(&s.span);
        }
        let mut replies = Vec::with_capacity(batch.len());
        let mut permits = Vec::with_capacity(batch.len());
        for s in batch {
            replies.push((s.batch.events.len(), s.batch.links.len(), s.reply));
            all.events.extend(s.batch.events);
            all.links.extend(s.batch.links);
            permits.push(s._permit);
        }
        let started = Instant::now();
        let result = self.store.write(all).instrument(span).await;
        let elapsed = started.elapsed().as_secs_f64();
        self.queued_events.fetch_sub(total, Ordering::Relaxed);
        self.depth.decrement(total as f64);
        self.flush_seconds.record(elapsed);
        self.batch_events.record(total as f64);
        drop(permits);
        match result {
            Ok(outcome) if outcome.events.len() == total && outcome.links.len() == total_links => {
                self.healthy.store(true, Ordering::Relaxed);
                metrics::gauge!("shoptrail_store_up").set(1.0);
                if outcome.traits_dropped > 0 {
                    metrics::counter!("shoptrail_profile_traits_dropped_total")
                        .increment(outcome.traits_dropped);
                    warn!(
                        traits = outcome.traits_dropped,
                        "Profile traits left out: the profiles reached their bounds."
                    );
                }
                let mut events = outcome.events.into_iter();
                let mut links = outcome.links.into_iter();
                for (n_events, n_links, reply) in replies {
                    // A requester that gave up (timeout, disconnect) no longer listens.
                    let _ = reply.send(Ok(WriteOutcome {
                        events: events.by_ref().take(n_events).collect(),
                        links: links.by_ref().take(n_links).collect(),
                        traits_dropped: 0,
                    }));
                }
            }
            other => {
                let error = match other {
                    Err(e) => e,
                    Ok(o) => StoreError::Internal(format!(
                        "store returned {} event and {} link outcomes for {total} events and \
                         {total_links} links",
                        o.events.len(),
                        o.links.len()
                    )),
                };
                self.healthy.store(false, Ordering::Relaxed);
                metrics::gauge!("shoptrail_store_up").set(0.0);
                metrics::counter!("shoptrail_batch_flush_failures_total").increment(1);
                warn!(error = %error, events = total, "Batch flush failed.");
                for (_, _, reply) in replies {
                    let _ = reply.send(Err(SubmitError::Store(error.to_string())));
                }
            }
        }
    }
}
