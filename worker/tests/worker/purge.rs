//! The retention purge as the worker runs it: with `retention.events_days = 30` the job of
//! a day deletes the events of day 31 before it and keeps the stats of that day; a re-run
//! deletes nothing; the schedule catches up the day's purge when a worker starts.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use serde_json::Value;
use shared::jobs::purge::{purge_job, purge_key};
use shared::storage::{EnqueueMode, Enqueued, Job, JobKind, JobQuery, Stats, Store};

use crate::helpers::*;

const RETENTION: [(&str, &str); 1] = [("APP__RETENTION__EVENTS_DAYS", "30")];

fn overrides(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    RETENTION
        .iter()
        .chain(extra)
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect()
}

async fn stats_of(store: &Arc<dyn Store>, day: NaiveDate) -> Stats {
    Stats::from_rollups(day, day, store.rollups(day, day).await.expect("rollups"))
}

async fn events_of(store: &Arc<dyn Store>, day: NaiveDate) -> usize {
    store
        .events_of_day(day, None, 10_000)
        .await
        .expect("events of day")
        .items
        .len()
}

async fn run_purge(store: &Arc<dyn Store>, day: NaiveDate, mode: EnqueueMode) -> Option<Job> {
    let job = purge_job(day, 3).expect("job");
    match store
        .enqueue(&job, mode, Utc::now())
        .await
        .expect("enqueue")
    {
        Enqueued::Created(j) => {
            let done = wait_final(store, &j.id).await;
            assert_succeeded(&done);
            Some(done)
        }
        Enqueued::Existing(_) => None,
    }
}

fn deleted(job: &Job, what: &str) -> u64 {
    job.result
        .as_ref()
        .and_then(|r| r.get(what))
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("result has {what}: {:?}", job.result))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_30_day_purge_deletes_the_events_of_day_31_and_keeps_its_stats() {
    shared::telemetry::metrics_handle();
    let dir = tempfile::tempdir().expect("dir");
    // A small step, so the job deletes in many steps; no schedule, whose catch-up would
    // enqueue a purge of its own.
    let s = settings(
        dir.path(),
        &overrides(&[
            ("APP__RETENTION__BATCH_ROWS", "40"),
            ("APP__RETENTION__SCHEDULE_ENABLED", "false"),
        ]),
    );
    let store = open(&s).await;
    let run_day = Utc::now().date_naive();
    let day31 = run_day - chrono::Days::new(31);
    let day30 = run_day - chrono::Days::new(30);
    // 300 events on day 31, one just before it (day 32) and one at the start of day 30.
    seed_day(&store, day31, 300).await;
    let before = stats_of(&store, day31).await;
    assert_eq!(before.total_events, 300);
    assert_eq!(events_of(&store, day30).await, 1);

    let (_runner, handle) = start_runner(&store, &s).await;
    let job = run_purge(&store, run_day, EnqueueMode::UnlessActive)
        .await
        .expect("a new job");
    assert_eq!(job.kind, JobKind::Purge);
    assert_eq!(job.key, purge_key(run_day));
    assert_eq!(
        deleted(&job, "events"),
        301,
        "day 31 and the event before it"
    );
    assert_eq!(job.progress.events_processed, 301);
    assert_eq!(events_of(&store, day31).await, 0);
    assert_eq!(events_of(&store, day30).await, 1);
    assert_eq!(stats_of(&store, day31).await, before);
    let metrics = shared::telemetry::metrics_handle().render();
    let events_deleted: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("shoptrail_retention_deleted_rows_total{kind=\"events\"} "))
        .and_then(|v| v.parse().ok())
        .expect("the deleted-rows counter is on /metrics");
    assert!(events_deleted >= 301.0, "{events_deleted}");

    // The day's key is done: the schedule would not run it again; an explicit re-run
    // deletes nothing and changes no stat.
    assert!(
        run_purge(&store, run_day, EnqueueMode::UnlessActiveOrSucceeded)
            .await
            .is_none()
    );
    let again = run_purge(&store, run_day, EnqueueMode::UnlessActive)
        .await
        .expect("a re-run");
    for what in ["events", "visits", "orders", "activeDays", "profiles"] {
        assert_eq!(deleted(&again, what), 0, "{what}");
    }
    assert_eq!(stats_of(&store, day31).await, before);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_starting_worker_catches_up_the_days_purge_once() {
    let dir = tempfile::tempdir().expect("dir");
    let s = settings(dir.path(), &overrides(&[]));
    let store = open(&s).await;
    let (_runner, handle) = start_runner(&store, &s).await;
    let (_second, second) = start_runner(&store, &s).await;
    let query = JobQuery {
        kind: Some(JobKind::Purge),
        limit: 10,
        ..Default::default()
    };
    let mut jobs = Vec::new();
    for _ in 0..100 {
        jobs = store.list_jobs(&query).await.expect("jobs").items;
        if !jobs.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(jobs.len(), 1, "two workers, one purge: {jobs:?}");
    let done = wait_final(&store, &jobs[0].id).await;
    assert_succeeded(&done);
    let date = done.params["date"].as_str().expect("a date");
    assert_eq!(done.key, format!("purge:{date}"));
    handle.shutdown().await;
    second.shutdown().await;
}
