//! The job queue under concurrent writers, on every engine: each change is a
//! compare-and-set of the row it read, so racing writers never undo one another, and a claim
//! given back at shutdown does not count as an attempt.

use std::sync::Arc;

use chrono::Duration;
use serde_json::json;
use shared::storage::{
    EnqueueMode, Enqueued, Finish, Heartbeat, Job, JobChangeError, JobKind, JobProgress, JobStatus,
    NewJob, Store,
};

use crate::helpers::*;

fn job(key: &str, max_attempts: u32) -> NewJob {
    NewJob {
        id: uuid::Uuid::now_v7().to_string(),
        kind: JobKind::Export,
        key: key.to_owned(),
        params: json!({ "date": "2026-03-09" }),
        max_attempts,
    }
}

fn created(e: Enqueued) -> Job {
    match e {
        Enqueued::Created(j) => j,
        Enqueued::Existing(j) => panic!("expected a new job, got existing {}", j.id),
    }
}

fn after(ms: i64) -> chrono::DateTime<chrono::Utc> {
    at(DAY0) + Duration::milliseconds(ms)
}

async fn enqueue(store: &Arc<dyn Store>, key: &str, max_attempts: u32) -> Job {
    created(
        store
            .enqueue(&job(key, max_attempts), EnqueueMode::UnlessActive, at(DAY0))
            .await
            .expect("enqueue"),
    )
}

pub async fn a_released_claim_is_queued_again_without_counting_the_attempt(store: Arc<dyn Store>) {
    let j = enqueue(&store, "rel", 3).await;
    let c = store
        .claim("w1", after(60_000), after(0))
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(c.attempts, 1);
    assert!(
        !store.release(&j.id, "someone-else").await.expect("release"),
        "only the lease holder releases"
    );
    assert!(store.release(&j.id, "w1").await.expect("release"));
    let q = store.get_job(&j.id).await.expect("get").expect("job");
    assert_eq!((q.status, q.attempts), (JobStatus::Queued, 0));
    assert!(q.status.is_active(), "the key stays held");
    assert!(
        !store.release(&j.id, "w1").await.expect("release"),
        "a released claim is no longer held"
    );
    assert_eq!(
        store
            .heartbeat(&j.id, "w1", after(90_000), &JobProgress::default())
            .await
            .expect("beat"),
        Heartbeat::Lost
    );
    let again = store
        .claim("w2", after(60_000), after(1))
        .await
        .expect("claim")
        .expect("claimable at once");
    assert_eq!((again.id, again.attempts), (j.id, 1));
}

pub async fn a_cancel_racing_heartbeats_is_never_lost(store: Arc<dyn Store>) {
    let j = enqueue(&store, "beat-race", 3).await;
    store
        .claim("w", after(60_000), after(0))
        .await
        .expect("claim")
        .expect("job");
    let beats = {
        let store = store.clone();
        let id = j.id.clone();
        tokio::spawn(async move {
            for i in 1..=30_u64 {
                let p = JobProgress {
                    events_processed: i,
                    ..Default::default()
                };
                let lease = after(60_000 + i64::try_from(i).expect("small"));
                store.heartbeat(&id, "w", lease, &p).await.expect("beat");
            }
        })
    };
    let c = store
        .cancel_job(&j.id, after(10))
        .await
        .expect("cancel")
        .expect("running jobs take a cancel request");
    assert!(c.cancel_requested);
    beats.await.expect("beats");
    assert_eq!(
        store
            .heartbeat(&j.id, "w", after(70_000), &JobProgress::default())
            .await
            .expect("beat"),
        Heartbeat::CancelRequested
    );
    let now = store.get_job(&j.id).await.expect("get").expect("job");
    assert!(now.cancel_requested, "no heartbeat wrote the flag away");
    assert_eq!(now.lease_until, Some(after(70_000)));
}

pub async fn a_late_finish_and_a_takeover_never_both_win(store: Arc<dyn Store>) {
    for round in 0..5 {
        let j = enqueue(&store, &format!("late-{round}"), 3).await;
        store
            .claim("old", after(1_000), after(0))
            .await
            .expect("claim")
            .expect("job");
        // The old holder's lease has expired: its finish and new claims race.
        let finish = {
            let (store, id) = (store.clone(), j.id.clone());
            tokio::spawn(async move {
                let done = Finish::Succeeded { result: json!({}) };
                store
                    .finish(&id, "old", &done, &JobProgress::default(), after(2_000))
                    .await
                    .expect("finish")
            })
        };
        let claims: Vec<_> = (0..4)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .claim(&format!("new{i}"), after(90_000), after(2_000))
                        .await
                        .expect("claim")
                })
            })
            .collect();
        let finished = finish.await.expect("task");
        let mut took = Vec::new();
        for c in claims {
            if let Some(c) = c.await.expect("task") {
                took.push(c);
            }
        }
        let end = store.get_job(&j.id).await.expect("get").expect("job");
        if finished {
            assert!(took.is_empty(), "a finished job is not taken over");
            assert_eq!(end.status, JobStatus::Succeeded);
        } else {
            assert_eq!(took.len(), 1, "one takeover wins");
            assert_eq!((end.status, end.attempts), (JobStatus::Running, 2));
            assert_eq!(end.lease_owner, took[0].lease_owner);
            // Clear the way for the next round's claims.
            let owner = end.lease_owner.clone().expect("owner");
            let done = Finish::Succeeded { result: json!({}) };
            assert!(
                store
                    .finish(&j.id, &owner, &done, &JobProgress::default(), after(3_000))
                    .await
                    .expect("finish")
            );
        }
    }
}

pub async fn retrying_a_job_whose_key_another_job_holds_is_refused(store: Arc<dyn Store>) {
    let first = enqueue(&store, "export:held", 3).await;
    store
        .cancel_job(&first.id, after(1))
        .await
        .expect("cancel")
        .expect("cancelled");
    let second = enqueue(&store, "export:held", 3).await;
    assert_ne!(first.id, second.id, "a final job frees its key");
    assert_eq!(
        store.retry_job(&first.id, after(2)).await.expect("retry"),
        Err(JobChangeError::KeyTaken("export:held".into()))
    );
    let unchanged = store.get_job(&first.id).await.expect("get").expect("job");
    assert_eq!(unchanged.status, JobStatus::Cancelled);
    assert_eq!(
        store
            .cancel_job("no-such-job", after(3))
            .await
            .expect("cancel"),
        Err(JobChangeError::NotFound)
    );
    // Once the key is free again, the retry goes through.
    store
        .cancel_job(&second.id, after(4))
        .await
        .expect("cancel")
        .expect("cancelled");
    let r = store
        .retry_job(&first.id, after(5))
        .await
        .expect("retry")
        .expect("retried");
    assert_eq!((r.status, r.run_after), (JobStatus::Queued, after(5)));
}

conformance_suite!(
    a_released_claim_is_queued_again_without_counting_the_attempt,
    a_cancel_racing_heartbeats_is_never_lost,
    a_late_finish_and_a_takeover_never_both_win,
    retrying_a_job_whose_key_another_job_holds_is_refused,
);
