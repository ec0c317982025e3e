//! The job queue and the export's day read, on every engine (instantiated by the
//! conformance macro, like the rest of the suite).

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use serde_json::json;
use shared::storage::{
    EnqueueMode, Enqueued, Finish, Heartbeat, JobChangeError, JobKind, JobProgress, JobQuery,
    JobStatus, NewJob, Store,
};

use crate::helpers::*;

fn job(key: &str, max_attempts: u32) -> NewJob {
    NewJob {
        id: uuid::Uuid::now_v7().to_string(),
        kind: JobKind::Export,
        key: key.to_owned(),
        params: json!({ "date": "2026-03-10", "odd.$key": 1 }),
        max_attempts,
    }
}

fn created(e: Enqueued) -> shared::storage::Job {
    match e {
        Enqueued::Created(j) => j,
        Enqueued::Existing(j) => panic!("expected a new job, got existing {}", j.id),
    }
}

fn lease(ms: i64) -> chrono::DateTime<chrono::Utc> {
    at(DAY0 + ms)
}

pub async fn one_active_job_per_key_and_a_succeeded_export_is_not_rescheduled(
    store: Arc<dyn Store>,
) {
    let now = at(DAY0);
    let first = created(
        store
            .enqueue(&job("export:2026-03-10", 3), EnqueueMode::UnlessActive, now)
            .await
            .expect("enqueue"),
    );
    assert_eq!(first.status, JobStatus::Queued);
    assert_eq!(first.params, json!({ "date": "2026-03-10", "odd.$key": 1 }));
    let again = store
        .enqueue(&job("export:2026-03-10", 3), EnqueueMode::UnlessActive, now)
        .await
        .expect("enqueue");
    assert_eq!(again, Enqueued::Existing(first.clone()));
    // Run it to success.
    let claimed = store
        .claim("w1", lease(60_000), now)
        .await
        .expect("claim")
        .expect("a job");
    assert_eq!(claimed.id, first.id);
    assert!(
        store
            .finish(
                &first.id,
                "w1",
                &Finish::Succeeded {
                    result: json!({ "events": 3 })
                },
                &JobProgress::default(),
                lease(1000),
            )
            .await
            .expect("finish")
    );
    // The scheduler does not export a succeeded day again; an explicit request does.
    let sched = store
        .enqueue(
            &job("export:2026-03-10", 3),
            EnqueueMode::UnlessActiveOrSucceeded,
            lease(2000),
        )
        .await
        .expect("enqueue");
    assert!(matches!(sched, Enqueued::Existing(j) if j.id == first.id));
    let explicit = created(
        store
            .enqueue(
                &job("export:2026-03-10", 3),
                EnqueueMode::UnlessActive,
                lease(3000),
            )
            .await
            .expect("enqueue"),
    );
    assert_ne!(explicit.id, first.id);
    let last = store
        .last_succeeded(JobKind::Export, Some("export:2026-03-10"))
        .await
        .expect("last")
        .expect("one succeeded");
    assert_eq!(last.id, first.id);
    assert_eq!(last.result, Some(json!({ "events": 3 })));
}

pub async fn concurrent_enqueues_of_one_key_create_one_job(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .enqueue(&job("export:race", 3), EnqueueMode::UnlessActive, at(DAY0))
                    .await
                    .expect("enqueue")
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    let mut created_n = 0;
    for t in tasks {
        let r = t.await.expect("task");
        if matches!(r, Enqueued::Created(_)) {
            created_n += 1;
        }
        ids.insert(r.job().id.clone());
    }
    assert_eq!(created_n, 1);
    assert_eq!(ids.len(), 1);
}

pub async fn a_claim_is_exclusive_until_its_lease_expires(store: Arc<dyn Store>) {
    let j = created(
        store
            .enqueue(&job("k1", 3), EnqueueMode::UnlessActive, at(DAY0))
            .await
            .expect("enqueue"),
    );
    // Eight workers claim at once: one wins.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .claim(&format!("w{i}"), lease(60_000), at(DAY0))
                    .await
                    .expect("claim")
            })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        if let Some(c) = t.await.expect("task") {
            winners.push(c);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one claim wins");
    let owner = winners[0].lease_owner.clone().expect("owner");
    assert_eq!(winners[0].status, JobStatus::Running);
    assert_eq!(winners[0].attempts, 1);
    // The heartbeat extends the lease and records progress.
    let progress = JobProgress {
        events_processed: 7,
        bytes_processed: 100,
        ..Default::default()
    };
    assert_eq!(
        store
            .heartbeat(&j.id, &owner, lease(120_000), &progress)
            .await
            .expect("beat"),
        Heartbeat::Held
    );
    assert_eq!(
        store
            .get_job(&j.id)
            .await
            .expect("get")
            .expect("job")
            .progress,
        progress
    );
    assert!(
        store
            .claim("other", lease(200_000), lease(100_000))
            .await
            .expect("claim")
            .is_none(),
        "the extended lease still holds"
    );
    // Past the lease, another worker takes over with a new attempt.
    let taken = store
        .claim("other", lease(300_000), lease(120_001))
        .await
        .expect("claim")
        .expect("expired lease is claimable");
    assert_eq!(taken.id, j.id);
    assert_eq!(taken.attempts, 2);
    assert_eq!(
        store
            .heartbeat(&j.id, &owner, lease(400_000), &progress)
            .await
            .expect("beat"),
        Heartbeat::Lost
    );
    let done = Finish::Succeeded { result: json!({}) };
    assert!(
        !store
            .finish(&j.id, &owner, &done, &progress, lease(130_000))
            .await
            .expect("finish"),
        "the old owner cannot finish"
    );
    assert!(
        store
            .finish(&j.id, "other", &done, &progress, lease(130_000))
            .await
            .expect("finish")
    );
    let j = store.get_job(&j.id).await.expect("get").expect("job");
    assert_eq!(j.status, JobStatus::Succeeded);
    assert_eq!(j.finished_at, Some(lease(130_000)));
}

pub async fn failed_attempts_wait_their_backoff_and_give_up_after_max_attempts(
    store: Arc<dyn Store>,
) {
    let j = created(
        store
            .enqueue(&job("k2", 2), EnqueueMode::UnlessActive, at(DAY0))
            .await
            .expect("enqueue"),
    );
    store
        .claim("w", lease(60_000), at(DAY0))
        .await
        .expect("claim")
        .expect("job");
    let retry = Finish::Failed {
        error: "S3 said no".into(),
        retry_at: Some(lease(30_000)),
    };
    assert!(
        store
            .finish(&j.id, "w", &retry, &JobProgress::default(), lease(1000))
            .await
            .expect("finish")
    );
    let q = store.get_job(&j.id).await.expect("get").expect("job");
    assert_eq!(q.status, JobStatus::Queued);
    assert_eq!(q.error.as_deref(), Some("S3 said no"));
    assert!(
        store
            .claim("w", lease(90_000), lease(29_999))
            .await
            .expect("claim")
            .is_none(),
        "not before its backoff"
    );
    let second = store
        .claim("w", lease(90_000), lease(30_000))
        .await
        .expect("claim")
        .expect("due now");
    assert_eq!(second.attempts, 2);
    // The worker dies on the last attempt: once its lease expires, the job fails.
    assert!(
        store
            .claim("w2", lease(200_000), lease(90_001))
            .await
            .expect("claim")
            .is_none()
    );
    let f = store.get_job(&j.id).await.expect("get").expect("job");
    assert_eq!(f.status, JobStatus::Failed);
    assert!(f.finished_at.is_some());
    // The error an earlier attempt reported is kept; the lost lease adds none over it.
    assert_eq!(f.error.as_deref(), Some("S3 said no"));
    // A failed job may be retried by hand, with fresh attempts.
    let r = store
        .retry_job(&j.id, lease(100_000))
        .await
        .expect("retry")
        .expect("retried");
    assert_eq!((r.status, r.attempts), (JobStatus::Queued, 0));
    assert_eq!(
        store.retry_job(&j.id, lease(100_000)).await.expect("retry"),
        Err(JobChangeError::WrongStatus("queued"))
    );
}

pub async fn cancelling_stops_queued_jobs_at_once_and_running_ones_at_their_heartbeat(
    store: Arc<dyn Store>,
) {
    let a = created(
        store
            .enqueue(&job("ka", 3), EnqueueMode::UnlessActive, at(DAY0))
            .await
            .expect("enqueue"),
    );
    let c = store
        .cancel_job(&a.id, lease(1))
        .await
        .expect("cancel")
        .expect("cancelled");
    assert_eq!(c.status, JobStatus::Cancelled);
    assert_eq!(
        store.cancel_job(&a.id, lease(2)).await.expect("cancel"),
        Err(JobChangeError::WrongStatus("cancelled"))
    );
    assert_eq!(
        store.cancel_job("nope", lease(2)).await.expect("cancel"),
        Err(JobChangeError::NotFound)
    );
    let b = created(
        store
            .enqueue(&job("kb", 3), EnqueueMode::UnlessActive, lease(3))
            .await
            .expect("enqueue"),
    );
    store
        .claim("w", lease(60_000), lease(4))
        .await
        .expect("claim")
        .expect("job");
    let flagged = store
        .cancel_job(&b.id, lease(5))
        .await
        .expect("cancel")
        .expect("flagged");
    assert_eq!(flagged.status, JobStatus::Running);
    assert!(flagged.cancel_requested);
    assert_eq!(
        store
            .heartbeat(&b.id, "w", lease(70_000), &JobProgress::default())
            .await
            .expect("beat"),
        Heartbeat::CancelRequested
    );
    assert!(
        store
            .finish(
                &b.id,
                "w",
                &Finish::Cancelled,
                &JobProgress::default(),
                lease(6)
            )
            .await
            .expect("finish")
    );
    assert_eq!(
        store
            .get_job(&b.id)
            .await
            .expect("get")
            .expect("job")
            .status,
        JobStatus::Cancelled
    );
    // The key is free again; retrying the cancelled job while another holds it conflicts.
    let newer = created(
        store
            .enqueue(&job("kb", 3), EnqueueMode::UnlessActive, lease(7))
            .await
            .expect("enqueue"),
    );
    assert_eq!(
        store.retry_job(&b.id, lease(8)).await.expect("retry"),
        Err(JobChangeError::KeyTaken("kb".into()))
    );
    assert_eq!(newer.status, JobStatus::Queued);
}

pub async fn jobs_list_newest_first_filtered_and_paged_with_queue_counts(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut j = job(&format!("l{i}"), 3);
        if i % 2 == 1 {
            j.kind = JobKind::Import;
        }
        ids.push(j.id.clone());
        store
            .enqueue(&j, EnqueueMode::UnlessActive, at(DAY0 + i))
            .await
            .expect("enqueue");
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_jobs(&JobQuery {
                limit: 2,
                after: after.take(),
                ..Default::default()
            })
            .await
            .expect("list");
        seen.extend(page.items.into_iter().map(|j| j.id));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids);
    let imports = store
        .list_jobs(&JobQuery {
            kind: Some(JobKind::Import),
            status: Some(JobStatus::Queued),
            limit: 10,
            after: None,
        })
        .await
        .expect("list");
    assert_eq!(imports.items.len(), 2);
    let mut counts = store.queued_counts().await.expect("counts");
    counts.sort_by_key(|(k, _)| k.as_str());
    assert_eq!(counts, [(JobKind::Export, 3), (JobKind::Import, 2)]);
}

pub async fn a_days_events_page_once_each_in_a_stable_order(store: Arc<dyn Store>) {
    let mut events = Vec::new();
    for i in 0..23 {
        events.push(event(
            &format!("d{i:02}"),
            &format!("u{}", i % 4),
            "page_view",
            DAY0 + i * 1000 * 60 * 37 % DAY,
        ));
    }
    // Neighbouring days stay out; the last millisecond of the day is in.
    events.push(event("before", "u1", "page_view", DAY0 - 1));
    events.push(event("after", "u1", "page_view", DAY0 + DAY));
    events.push(event("last-ms", "u1", "page_view", DAY0 + DAY - 1));
    events.push(event("same-time", "u2", "search", DAY0));
    store.insert_batch(events).await.expect("write");
    let day = NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");
    let read = |limit: usize| {
        let store = store.clone();
        async move {
            let mut ids = Vec::new();
            let mut after = None;
            loop {
                let page = store
                    .events_of_day(day, after.take(), limit)
                    .await
                    .expect("page");
                assert!(page.items.len() <= limit);
                ids.extend(page.items.into_iter().map(|e| e.event_id));
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            ids
        }
    };
    let by_5 = read(5).await;
    let by_1000 = read(1000).await;
    assert_eq!(by_5, by_1000, "the order does not depend on the page size");
    let mut sorted = by_5.clone();
    sorted.sort();
    let mut expected: Vec<String> = (0..23).map(|i| format!("d{i:02}")).collect();
    expected.push("last-ms".into());
    expected.push("same-time".into());
    expected.sort();
    assert_eq!(sorted, expected);
    let empty = store
        .events_of_day(day + Duration::days(5), None, 10)
        .await
        .expect("page");
    assert!(empty.items.is_empty() && empty.next.is_none());
}

/// A worker slot kept for one kind claims only that kind, even when older jobs of another
/// kind are due first.
pub async fn a_claim_of_one_kind_skips_jobs_of_other_kinds(store: Arc<dyn Store>) {
    let now = at(DAY0);
    let mut import = job("import:1", 3);
    import.kind = JobKind::Import;
    let import = created(
        store
            .enqueue(&import, EnqueueMode::UnlessActive, now)
            .await
            .expect("enqueue"),
    );
    let export = created(
        store
            .enqueue(
                &job("export:2026-03-10", 3),
                EnqueueMode::UnlessActive,
                lease(1),
            )
            .await
            .expect("enqueue"),
    );
    let claimed = store
        .claim_kind(Some(JobKind::Export), "w-exports", lease(60_000), lease(2))
        .await
        .expect("claim")
        .expect("the export");
    assert_eq!(claimed.id, export.id);
    assert_eq!(
        store
            .claim_kind(Some(JobKind::Export), "w-exports", lease(60_000), lease(3))
            .await
            .expect("claim"),
        None,
        "no other export is due; the import is not taken"
    );
    let claimed = store
        .claim_kind(None, "w-any", lease(60_000), lease(4))
        .await
        .expect("claim")
        .expect("the import");
    assert_eq!(claimed.id, import.id);
}

conformance_suite!(
    a_claim_of_one_kind_skips_jobs_of_other_kinds,
    one_active_job_per_key_and_a_succeeded_export_is_not_rescheduled,
    concurrent_enqueues_of_one_key_create_one_job,
    a_claim_is_exclusive_until_its_lease_expires,
    failed_attempts_wait_their_backoff_and_give_up_after_max_attempts,
    cancelling_stops_queued_jobs_at_once_and_running_ones_at_their_heartbeat,
    jobs_list_newest_first_filtered_and_paged_with_queue_counts,
    a_days_events_page_once_each_in_a_stable_order,
);
