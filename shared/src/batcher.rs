//! Group commit. Requests hand their validated events to one writer task through a queue
//! bounded in bytes; the writer flushes when `max_events`, `max_bytes` or `linger_ms` is
//! reached, and each request waits for the result of the batch that carried its events.
//! Nothing is acknowledged before the store has made it durable.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::event::Event;
use crate::settings::BatcherSettings;
use crate::storage::{InsertOutcome, Store, StoreError};

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
    events: Vec<Event>,
    bytes: usize,
    reply: oneshot::Sender<Result<Vec<InsertOutcome>, SubmitError>>,
    // Released once the batch carrying this submission has been written.
    _permit: OwnedSemaphorePermit,
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
}

/// Stops the writer task (the sender) and waits for it (the handle).
type WriterControl = (oneshot::Sender<()>, JoinHandle<()>);

impl Batcher {
    /// Starts the writer task on the current Tokio runtime.
    pub fn spawn(store: Arc<dyn Store>, settings: BatcherSettings) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let queued_events = Arc::new(AtomicUsize::new(0));
        let healthy = Arc::new(AtomicBool::new(true));
        let (stop_tx, stop_rx) = oneshot::channel();
        let writer = Writer {
            store,
            settings: settings.clone(),
            queued_events: queued_events.clone(),
            healthy: healthy.clone(),
        };
        let handle = tokio::spawn(writer.run(rx, stop_rx));
        Self {
            tx,
            queue: Arc::new(Semaphore::new(settings.queue_max_bytes)),
            queue_max_bytes: settings.queue_max_bytes,
            queued_events,
            healthy,
            writer: Arc::new(Mutex::new(Some((stop_tx, handle)))),
        }
    }

    /// Queues `events` and waits until the batch carrying them is durable. Outcomes match
    /// `events` index for index.
    pub async fn submit(&self, events: Vec<Event>) -> Result<Vec<InsertOutcome>, SubmitError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let bytes: usize = events.iter().map(Event::approx_bytes).sum();
        let permits = u32::try_from(bytes.clamp(1, self.queue_max_bytes)).unwrap_or(u32::MAX);
        let permit = self
            .queue
            .clone()
            .try_acquire_many_owned(permits)
            .map_err(|_| SubmitError::QueueFull)?;
        let (reply, rx) = oneshot::channel();
        let n = events.len();
        self.queued_events.fetch_add(n, Ordering::Relaxed);
        metrics::gauge!("shoptrail_batcher_queue_depth_events").increment(n as f64);
        let sent = self.tx.send(Submission {
            events,
            bytes,
            reply,
            _permit: permit,
        });
        if sent.is_err() {
            self.queued_events.fetch_sub(n, Ordering::Relaxed);
            metrics::gauge!("shoptrail_batcher_queue_depth_events").decrement(n as f64);
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
    store: Arc<dyn Store>,
    settings: BatcherSettings,
    queued_events: Arc<AtomicUsize>,
    healthy: Arc<AtomicBool>,
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
        let mut events: usize = batch.iter().map(|s| s.events.len()).sum();
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
            events += next.events.len();
            bytes += next.bytes;
            batch.push(next);
        }
    }

    async fn flush(&self, batch: Vec<Submission>) {
        let total: usize = batch.iter().map(|s| s.events.len()).sum();
        let mut all = Vec::with_capacity(total);
        let mut replies = Vec::with_capacity(batch.len());
        let mut permits = Vec::with_capacity(batch.len());
        for s in batch {
            replies.push((s.events.len(), s.reply));
            all.extend(s.events);
            permits.push(s._permit);
        }
        let started = Instant::now();
        let result = self.store.insert_batch(all).await;
        let elapsed = started.elapsed().as_secs_f64();
        self.queued_events.fetch_sub(total, Ordering::Relaxed);
        metrics::gauge!("shoptrail_batcher_queue_depth_events").decrement(total as f64);
        metrics::histogram!("shoptrail_batch_flush_duration_seconds").record(elapsed);
        metrics::histogram!("shoptrail_batch_size_events").record(total as f64);
        drop(permits);
        match result {
            Ok(outcomes) if outcomes.len() == total => {
                self.healthy.store(true, Ordering::Relaxed);
                metrics::gauge!("shoptrail_store_up").set(1.0);
                let accepted = outcomes
                    .iter()
                    .filter(|o| **o == InsertOutcome::Accepted)
                    .count();
                metrics::counter!("shoptrail_ingest_events_total", "outcome" => "accepted")
                    .increment(accepted as u64);
                metrics::counter!("shoptrail_ingest_events_total", "outcome" => "duplicate")
                    .increment((total - accepted) as u64);
                let mut rest = outcomes.into_iter();
                for (n, reply) in replies {
                    // A requester that gave up (timeout, disconnect) no longer listens.
                    let _ = reply.send(Ok(rest.by_ref().take(n).collect()));
                }
            }
            other => {
                let error = match other {
                    Err(e) => e,
                    Ok(o) => StoreError::Internal(format!(
                        "store returned {} outcomes for {total} events",
                        o.len()
                    )),
                };
                self.healthy.store(false, Ordering::Relaxed);
                metrics::gauge!("shoptrail_store_up").set(0.0);
                metrics::counter!("shoptrail_batch_flush_failures_total").increment(1);
                warn!(error = %error, events = total, "Batch flush failed.");
                for (_, reply) in replies {
                    let _ = reply.send(Err(SubmitError::Store(error.to_string())));
                }
            }
        }
    }
}
