//! A claim that apalis drops mid-flight (at shutdown) is given back, not left leased.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::ClaimInFlight;
use crate::jobs::export_job;
use crate::settings::Settings;
use crate::storage::{self, EnqueueMode, Job, JobStatus, Store};

async fn store_with_a_job() -> (tempfile::TempDir, Arc<dyn Store>, Job) {
    let dir = tempfile::tempdir().expect("dir");
    let settings = Settings::load_from(
        None,
        [(
            "APP__STORAGE__DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        )],
    )
    .expect("settings");
    let store = storage::open(&settings).await.expect("store");
    let day = Utc::now().date_naive();
    let job = store
        .enqueue(
            &export_job(day, 3).expect("job"),
            EnqueueMode::UnlessActive,
            Utc::now(),
        )
        .await
        .expect("enqueue")
        .job()
        .clone();
    (dir, store, job)
}

fn lease() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let now = Utc::now();
    (now + chrono::Duration::seconds(60), now)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_dropped_before_it_is_seen_is_released() {
    let (_dir, store, job) = store_with_a_job().await;
    let (until, now) = lease();
    drop(ClaimInFlight::start(
        store.clone(),
        None,
        "p:1".into(),
        until,
        now,
    ));
    // Claimed (version 1), then given back (version 2), off the dropped future's task.
    let mut seen = None;
    for _ in 0..500 {
        let j = store.get_job(&job.id).await.expect("get").expect("job");
        if j.version == 2 {
            seen = Some(j);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let j = seen.expect("the claim was made and given back");
    assert_eq!((j.status, j.attempts), (JobStatus::Queued, 0));
    assert!(j.lease_owner.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_that_was_seen_keeps_its_lease() {
    let (_dir, store, job) = store_with_a_job().await;
    let (until, now) = lease();
    let claimed = ClaimInFlight::start(store.clone(), None, "p:2".into(), until, now)
        .await
        .expect("claim")
        .expect("the job");
    assert_eq!(claimed.id, job.id);
    // Give a stray release every chance to run.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let j = store.get_job(&job.id).await.expect("get").expect("job");
    assert_eq!(j.status, JobStatus::Running);
    assert_eq!(j.lease_owner.as_deref(), Some("p:2"));
    assert_eq!(j.version, 1);
}
