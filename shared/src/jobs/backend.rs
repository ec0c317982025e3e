//! The apalis backend over the store's job queue: a stream that claims one job at a time
//! (only when the worker has a free slot, since apalis polls the backend only then) and
//! hands it to apalis as a task whose id is the claim's lease owner. Jobs are enqueued
//! through [`JobStore::enqueue`](crate::storage::JobStore::enqueue), never through apalis.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{BackendBuilder, BoxDynError, CustomBackend, Task, TaskBuilder, TaskId};
use futures::stream::BoxStream;
use futures::{Sink, StreamExt as _};
use tokio::task::JoinHandle;
use tracing::warn;

use crate::clock::Clock;
use crate::settings::WorkerSettings;
use crate::storage::{Job, JobKind, Store, StoreError};

/// A job claimed for one attempt, and the lease owner name that attempt holds it under.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub job: Job,
    pub owner: String,
}

/// Where claims come from: the store, its clock, and this process's owner name prefix.
#[derive(Clone)]
pub struct ClaimSource {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub settings: WorkerSettings,
    /// Unique per process; each claim's owner extends it.
    pub process: String,
    /// The only kind of job claimed (every kind when `None`).
    pub kind: Option<JobKind>,
}

pub type ClaimStream = BoxStream<'static, Result<Option<Task<Claimed>>, BoxDynError>>;

/// The backend type the job worker runs on.
pub type StoreBackend = CustomBackend<Claimed, ClaimSource, ClaimStream, NoPush, ()>;

/// The backend over `source`.
pub fn store_backend(source: ClaimSource) -> Result<StoreBackend, BoxDynError> {
    Ok(BackendBuilder::new()
        .database(source)
        .fetcher(|source: &mut ClaimSource, _: &(), _| source.clone().claims())
        .sink(|_: &mut ClaimSource, _: &()| NoPush)
        .build()?)
}

impl ClaimSource {
    /// Claims forever. It never yields `Ok(None)` or an error: either would end the apalis
    /// worker, so a failing store is logged and asked again after the poll interval.
    fn claims(self) -> ClaimStream {
        futures::stream::unfold(self, |source| async move {
            let task = source.next_claim().await;
            Some((Ok(Some(task)), source))
        })
        .boxed()
    }

    async fn next_claim(&self) -> Task<Claimed> {
        let poll = Duration::from_millis(self.settings.poll_interval_ms);
        let lease = chrono::Duration::milliseconds(
            i64::try_from(self.settings.lease_ms).unwrap_or(i64::MAX),
        );
        loop {
            let now = self.clock.now();
            // One owner name per claim, not per process: a task that stalled past its lease
            // must not keep writing after this same process claimed the job again.
            let owner = format!("{}:{}", self.process, uuid::Uuid::now_v7().simple());
            let claim = ClaimInFlight::start(
                self.store.clone(),
                self.kind,
                owner.clone(),
                now + lease,
                now,
            );
            match claim.await {
                Ok(Some(job)) => {
                    return TaskBuilder::new(Claimed {
                        job,
                        owner: owner.clone(),
                    })
                    .task_id(TaskId::from_string(owner))
                    .build();
                }
                Ok(None) => {}
                Err(e) => warn!(error = %e, "Claiming a job failed."),
            }
            tokio::time::sleep(poll).await;
        }
    }
}

/// A claim running on its own task. apalis drops the backend's pending fetch at shutdown;
/// a claim that completes after that is given back ([`JobStore::release`]) rather than left
/// holding a lease nobody runs.
///
/// [`JobStore::release`]: crate::storage::JobStore::release
struct ClaimInFlight {
    handle: Option<JoinHandle<Result<Option<Job>, StoreError>>>,
    store: Arc<dyn Store>,
    owner: String,
}

impl ClaimInFlight {
    fn start(
        store: Arc<dyn Store>,
        kind: Option<JobKind>,
        owner: String,
        lease_until: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let (s, o) = (store.clone(), owner.clone());
        let handle = tokio::spawn(async move { s.claim_kind(kind, &o, lease_until, now).await });
        Self {
            handle: Some(handle),
            store,
            owner,
        }
    }
}

impl Future for ClaimInFlight {
    type Output = Result<Option<Job>, StoreError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(handle) = this.handle.as_mut() else {
            return Poll::Ready(Ok(None));
        };
        let joined = futures::ready!(Pin::new(handle).poll(cx));
        this.handle = None;
        Poll::Ready(
            joined.unwrap_or_else(|e| {
                Err(StoreError::Internal(format!("the claim task failed: {e}")))
            }),
        )
    }
}

impl Drop for ClaimInFlight {
    fn drop(&mut self) {
        let Some(handle) = self.handle.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (store, owner) = (self.store.clone(), self.owner.clone());
        runtime.spawn(async move {
            let Ok(Ok(Some(job))) = handle.await else {
                return;
            };
            match store.release(&job.id, &owner).await {
                Ok(_) => {
                    tracing::info!(job_id = %job.id, "Gave back a job claimed during shutdown.")
                }
                Err(e) => warn!(job_id = %job.id, error = %e,
                    "Giving back a job claimed during shutdown failed; its lease will expire."),
            }
        });
    }
}

/// The backend's sink: jobs enter through the store's enqueue (with its idempotency key),
/// so a push through apalis is refused rather than silently dropped.
pub struct NoPush;

impl Sink<Task<Claimed>> for NoPush {
    type Error = BoxDynError;

    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, _: Task<Claimed>) -> Result<(), Self::Error> {
        Err("jobs are enqueued through the job store, not through apalis".into())
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
#[path = "backend_tests.rs"]
mod tests;
