//! Pending moves: the events an identity merge left under the earlier id, moved to the
//! person in bounded chunks, each its own short transaction.
//!
//! The batch carrying a link moves at most `storage.merge_move_chunk` events (see
//! [`super::write`]) and records a pending move for the rest in the same transaction. The
//! [`Mover`] drains pending moves after such a batch (the store wakes it) and at start-up
//! (what a crashed process left). A chunk is idempotent and safe to run twice at once:
//! it repoints only events still under the earlier id, and deletes the pending move only in
//! the transaction that found fewer than a chunk left (so none remain once it commits).
//! Journeys read the pending earlier ids along with the person's, so nothing goes missing
//! meanwhile.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::{Notify, oneshot, watch};
use tokio::task::JoinHandle;

use super::StoreError;
use super::write::WriteTx;

/// Gauge: pending moves left after the mover's last pass.
pub const PENDING_MOVES: &str = "shoptrail_identity_pending_moves";
/// Counter: events the mover moved from an earlier id to its person.
pub const MOVED_EVENTS: &str = "shoptrail_identity_moved_events_total";

/// How often the mover looks for pending moves nobody woke it for (another instance
/// recorded them and crashed, or a chunk failed).
const RESUME_INTERVAL: Duration = Duration::from_secs(30);

/// Events of `from` still to move to the person `to` (as of the link; the mover follows
/// later links).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMove {
    pub from: String,
    pub to: String,
    pub created: DateTime<Utc>,
}

/// What one chunk did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveStep {
    /// No pending move.
    Idle,
    /// Moved `events` events of `from` to `to`; `finished` once none are left and the
    /// pending move is gone.
    Moved {
        from: String,
        to: String,
        events: u64,
        finished: bool,
    },
}

/// The store side of pending moves.
#[async_trait]
pub trait MoveStore: Send + Sync {
    /// Runs one chunk of the oldest pending move in its own transaction.
    async fn move_chunk(&self) -> Result<MoveStep, StoreError>;

    /// Pending moves not finished yet.
    async fn pending_moves(&self) -> Result<u64, StoreError>;

    /// Notified after a batch that recorded a pending move commits.
    fn moves_recorded(&self) -> Arc<Notify>;
}

/// One chunk, decided here for every engine: the oldest pending move, its target resolved
/// through the links now (the person may have been merged again since), at most `chunk`
/// events repointed, and the pending move deleted once fewer than `chunk` were left.
pub(crate) async fn move_chunk<T: WriteTx>(tx: &mut T, chunk: usize) -> Result<MoveStep, T::Error> {
    let Some(pending) = tx.next_pending_move().await? else {
        return Ok(MoveStep::Idle);
    };
    let ids: BTreeSet<&str> = [pending.from.as_str(), pending.to.as_str()]
        .into_iter()
        .collect();
    let links = tx.links(&ids).await?;
    // `identities` keeps every earlier id pointed at its canonical person.
    let to = links
        .get(&pending.from)
        .or_else(|| links.get(&pending.to))
        .cloned()
        .unwrap_or(pending.to);
    let events = tx.event_ids(&pending.from, chunk).await?;
    let moved = if events.is_empty() {
        0
    } else {
        tx.repoint_events(&events, &pending.from, &to).await?
    };
    let finished = events.len() < chunk;
    if finished {
        tx.delete_pending_move(&pending.from).await?;
    } else {
        // Every chunk writes the pending move, and so does a merge of its target
        // (`retarget_pending_moves`). On MongoDB's snapshot isolation that turns a merge
        // committing while this chunk runs into a write conflict (one retries), instead of
        // this chunk moving events to a person who has just stopped being one.
        tx.note_move_chunk(&pending.from).await?;
    }
    Ok(MoveStep::Moved {
        from: pending.from,
        to,
        events: moved,
        finished,
    })
}

/// What [`drain`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    pub chunks: u64,
    pub events: u64,
    pub finished: u64,
}

/// Runs chunks until no pending move is left.
pub async fn drain(store: &dyn MoveStore) -> Result<Drained, StoreError> {
    let mut done = Drained::default();
    while let Some((events, finished)) = step(store).await? {
        done.chunks += 1;
        done.events += events;
        done.finished += u64::from(finished);
    }
    Ok(done)
}

/// One chunk with its metrics; `None` when idle.
async fn step(store: &dyn MoveStore) -> Result<Option<(u64, bool)>, StoreError> {
    match store.move_chunk().await? {
        MoveStep::Idle => Ok(None),
        MoveStep::Moved {
            from,
            to,
            events,
            finished,
        } => {
            metrics::counter!(MOVED_EVENTS).increment(events);
            if finished {
                tracing::info!(from = %from, to = %to, "Identity merge finished moving events.");
            }
            Ok(Some((events, finished)))
        }
    }
}

/// The background mover: drains at start, whenever the store says a batch recorded a
/// pending move, and every [`RESUME_INTERVAL`]. It runs on its own task, so the batcher
/// never waits for it; each chunk is a short transaction of its own.
pub struct Mover {
    stop: oneshot::Sender<()>,
    handle: JoinHandle<()>,
    passes: watch::Receiver<u64>,
}

impl Mover {
    /// Starts the mover on the current Tokio runtime.
    pub fn spawn(store: Arc<dyn MoveStore>) -> Self {
        let (stop, stopped) = oneshot::channel();
        let (passed, passes) = watch::channel(0);
        let handle = tokio::spawn(run(store, stopped, passed));
        Self {
            stop,
            handle,
            passes,
        }
    }

    /// How many passes (a drain until idle or a failed chunk) the mover has finished.
    pub fn passes(&self) -> watch::Receiver<u64> {
        self.passes.clone()
    }

    /// Stops after the chunk in progress; the pending moves left are resumed by the next
    /// mover to start (a process killed mid-chunk loses nothing either: an uncommitted
    /// chunk is rolled back).
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.handle.await;
    }
}

async fn run(
    store: Arc<dyn MoveStore>,
    mut stop: oneshot::Receiver<()>,
    passed: watch::Sender<u64>,
) {
    let recorded = store.moves_recorded();
    // The first tick fires at once: resume what a crashed process left.
    let mut tick = tokio::time::interval(RESUME_INTERVAL);
    // A long drain must not be followed by a burst of catch-up ticks.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            () = recorded.notified() => {}
            _ = tick.tick() => {}
        }
        loop {
            if !matches!(stop.try_recv(), Err(oneshot::error::TryRecvError::Empty)) {
                return;
            }
            match step(&*store).await {
                Ok(Some(_)) => {
                    // Let the batcher's writer in between chunks.
                    tokio::task::yield_now().await;
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "Moving a merged identity's events failed; will retry.");
                    break;
                }
            }
        }
        match store.pending_moves().await {
            #[allow(clippy::cast_precision_loss)]
            Ok(n) => metrics::gauge!(PENDING_MOVES).set(n as f64),
            Err(e) => tracing::warn!(error = %e, "Counting pending moves failed."),
        }
        passed.send_modify(|n| *n += 1);
    }
}
