//! The group-commit batcher against the real embedded engine.

use std::time::Duration;

use shared::batcher::{Batcher, SubmitError};
use shared::settings::BatcherSettings;
use shared::storage::{InsertOutcome, JourneyQuery};

use crate::helpers::*;

fn batcher_settings() -> BatcherSettings {
    settings(&[]).batcher
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submissions_share_batches_and_get_their_own_outcomes() {
    let s = sqlite().await;
    let batcher = Batcher::spawn(
        s.store.clone(),
        BatcherSettings {
            linger_ms: 20,
            ..batcher_settings()
        },
    );
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let b = batcher.clone();
            tokio::spawn(async move {
                // Every submission repeats event 0, so exactly one submission stores it.
                b.submit(vec![
                    event(&format!("own-{i}"), "u1", "page_view", DAY0 + i),
                    event("shared", "u1", "page_view", DAY0),
                ])
                .await
            })
        })
        .collect();
    let mut shared_accepted = 0;
    for t in tasks {
        let out = t.await.expect("join").expect("stored");
        assert_eq!(out.events[0], InsertOutcome::Accepted);
        shared_accepted += usize::from(out.events[1] == InsertOutcome::Accepted);
    }
    assert_eq!(shared_accepted, 1);
    let page = s
        .store
        .journey(
            "u1",
            &JourneyQuery {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .expect("read");
    assert_eq!(page.items.len(), 51);
    assert_eq!(batcher.queued_events(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_refuses_instead_of_growing() {
    let s = sqlite().await;
    // Room for exactly one event: the second concurrent submission cannot fit.
    let one = event("a", "u1", "page_view", DAY0).approx_bytes();
    let batcher = Batcher::spawn(
        s.store.clone(),
        BatcherSettings {
            queue_max_bytes: one + one / 2,
            linger_ms: 200,
            ..batcher_settings()
        },
    );
    let first = {
        let b = batcher.clone();
        tokio::spawn(async move { b.submit(vec![event("a", "u1", "page_view", DAY0)]).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second = batcher
        .submit(vec![event("b", "u1", "page_view", DAY0)])
        .await;
    assert!(matches!(second, Err(SubmitError::QueueFull)), "{second:?}");
    first.await.expect("join").expect("first one is stored");
    // Once flushed, the room is free again.
    batcher
        .submit(vec![event("c", "u1", "page_view", DAY0)])
        .await
        .expect("fits now");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_store_fails_the_batch_and_recovers_afterwards() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = settings(&[("APP__STORAGE__DATA_DIR", dir.path().display().to_string())]);
    let store = shared::storage::open(&cfg).await.expect("open");
    let batcher = Batcher::spawn(store.clone(), batcher_settings());
    // Another process holds the write lock longer than the busy timeout (5 s).
    let locker = rusqlite::Connection::open(cfg.sqlite_path()).expect("open");
    locker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let failed = batcher
        .submit(vec![event("a", "u1", "page_view", DAY0)])
        .await;
    assert!(matches!(failed, Err(SubmitError::Store(_))), "{failed:?}");
    assert!(!batcher.is_healthy());
    locker.execute_batch("ROLLBACK").expect("unlock");
    let out = batcher
        .submit(vec![event("a", "u1", "page_view", DAY0)])
        .await
        .expect("stored");
    assert_eq!(
        out.events,
        [InsertOutcome::Accepted],
        "the failed write left nothing behind"
    );
    assert!(batcher.is_healthy());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_writes_everything_already_queued() {
    let s = sqlite().await;
    let batcher = Batcher::spawn(
        s.store.clone(),
        BatcherSettings {
            linger_ms: 500,
            max_events: 1_000_000,
            ..batcher_settings()
        },
    );
    let pending: Vec<_> = (0..20)
        .map(|i| {
            let b = batcher.clone();
            tokio::spawn(async move {
                b.submit(vec![event(&format!("e{i}"), "u1", "scroll", DAY0 + i)])
                    .await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    batcher.shutdown().await;
    for p in pending {
        p.await
            .expect("join")
            .expect("acknowledged after shutdown began");
    }
    let page = s
        .store
        .journey(
            "u1",
            &JourneyQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("read");
    assert_eq!(page.items.len(), 20);
    assert!(matches!(
        batcher
            .submit(vec![event("late", "u1", "scroll", DAY0)])
            .await,
        Err(SubmitError::Closed)
    ));
}
