//! The daily export: files, manifest and checksums on S3 (moto) and on local disk;
//! idempotency under races and re-runs; a worker killed mid-export.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use serde_json::{Value, json};
use shared::jobs::export_job;
use shared::storage::{EnqueueMode, Enqueued, JobKind, JobQuery, JobStatus, Store};

use crate::helpers::*;
use crate::process;

/// Where an export was written, for reading it back.
enum Dest {
    S3 {
        client: aws_sdk_s3::Client,
        bucket: String,
        prefix: String,
    },
    Fs(std::path::PathBuf),
}

impl Dest {
    async fn list(&self, dir: &str) -> Vec<String> {
        match self {
            Dest::S3 {
                client,
                bucket,
                prefix,
            } => list(client, bucket, &format!("{prefix}{dir}"))
                .await
                .into_iter()
                .map(|k| k.strip_prefix(prefix.as_str()).unwrap_or(&k).to_owned())
                .collect(),
            Dest::Fs(root) => {
                let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
                    .map(|d| {
                        d.filter_map(Result::ok)
                            .map(|e| format!("{dir}{}", e.file_name().to_string_lossy()))
                            .collect()
                    })
                    .unwrap_or_default();
                names.sort();
                names
            }
        }
    }

    async fn get(&self, key: &str) -> Vec<u8> {
        match self {
            Dest::S3 {
                client,
                bucket,
                prefix,
            } => get(client, bucket, &format!("{prefix}{key}")).await,
            Dest::Fs(root) => std::fs::read(root.join(key)).expect("file exists"),
        }
    }
}

/// Reads a day's export back and checks it against the store: every file listed once with
/// its size and checksum, rows adding up, `_SUCCESS` naming the manifest. Returns the
/// manifest.
async fn verify(dest: &Dest, day: NaiveDate, expected_events: u64) -> Value {
    let dir = format!("dt={day}/");
    let manifest_bytes = dest.get(&format!("{dir}manifest.json")).await;
    let manifest: Value = serde_json::from_slice(&manifest_bytes).expect("manifest is JSON");
    assert_eq!(manifest["schema_version"], 1);
    assert_eq!(manifest["date"], day.to_string());
    assert_eq!(manifest["events"], expected_events);
    let success = dest.get(&format!("{dir}_SUCCESS")).await;
    assert_eq!(
        String::from_utf8(success).expect("utf8"),
        format!("{}\n", sha256(&manifest_bytes))
    );
    let files = manifest["files"].as_array().expect("files");
    let mut listed: Vec<String> = files
        .iter()
        .map(|f| format!("{dir}{}", f["name"].as_str().expect("name")))
        .collect();
    listed.push(format!("{dir}_SUCCESS"));
    listed.push(format!("{dir}manifest.json"));
    listed.sort();
    assert_eq!(
        dest.list(&dir).await,
        listed,
        "exactly the manifest's files"
    );
    let mut ids = HashSet::new();
    let mut event_rows = 0;
    for f in files {
        let name = f["name"].as_str().expect("name");
        let bytes = dest.get(&format!("{dir}{name}")).await;
        assert_eq!(f["bytes"], bytes.len() as u64, "{name} size");
        assert_eq!(f["sha256"], sha256(&bytes), "{name} checksum");
        if name.starts_with("events-") {
            let text = gunzip(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(f["rows"], lines.len() as u64, "{name} rows");
            for l in lines {
                let e: Value = serde_json::from_str(l).expect("event JSON");
                let at = e["occurredAt"].as_str().expect("occurredAt");
                assert!(at.starts_with(&day.to_string()), "{at} is not on {day}");
                assert!(
                    ids.insert(e["eventId"].as_str().expect("id").to_owned()),
                    "an event appears twice"
                );
                event_rows += 1;
            }
        } else if name == "users.ndjson.gz" {
            assert_eq!(f["rows"], gunzip(&bytes).lines().count() as u64);
        } else {
            assert_eq!(name, "stats.json");
            let stats: Value = serde_json::from_slice(&bytes).expect("stats");
            assert_eq!(stats["totalEvents"], expected_events);
        }
    }
    assert_eq!(event_rows, expected_events);
    manifest
}

async fn enqueue_export(store: &Arc<dyn Store>, day: NaiveDate, mode: EnqueueMode) -> Enqueued {
    store
        .enqueue(&export_job(day, 5).expect("job"), mode, chrono::Utc::now())
        .await
        .expect("enqueue")
}

async fn export_jobs(store: &Arc<dyn Store>) -> Vec<shared::storage::Job> {
    store
        .list_jobs(&JobQuery {
            kind: Some(JobKind::Export),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("list")
        .items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_day_exports_to_s3_with_a_manifest_matching_the_store() {
    let Some(endpoint) = moto() else { return };
    let client = s3(&endpoint).await;
    let bucket = create_bucket(&client).await;
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&settings(dir.path(), &[])).await;
    let day = yesterday();
    seed_day(&store, day, 3000).await;
    let job = enqueue_export(&store, day, EnqueueMode::UnlessActive).await;
    let mut env = aws_env(&endpoint);
    env.push((
        "APP__EXPORT__DESTINATION",
        format!("s3://{bucket}/warehouse/shoptrail"),
    ));
    env.push(("APP__EXPORT__MAX_FILE_BYTES", "16384".into()));
    let worker = process::start(dir.path(), &env);
    process::wait_ready(&worker).await;
    let done = wait_final(&store, &job.job().id).await;
    assert_succeeded(&done);
    let dest = Dest::S3 {
        client,
        bucket: bucket.clone(),
        prefix: "warehouse/shoptrail/".into(),
    };
    let manifest = verify(&dest, day, 3000).await;
    let event_files = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["name"].as_str().is_some_and(|n| n.starts_with("events-")))
        .count();
    assert!(event_files > 1, "the day was split into several files");
    let result = done.result.expect("result");
    assert_eq!(result["events"], 3000);
    assert_eq!(result["stored_events_at_finish"], 3000);
    assert_eq!(done.progress.events_processed, 3000);
    // The worker's metrics report the export.
    let metrics = reqwest::get(worker.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let midnight = day
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp();
    assert!(
        metrics.contains(&format!(
            "shoptrail_export_last_success_date_seconds {midnight}"
        )),
        "{metrics}"
    );
    assert!(metrics.contains("shoptrail_export_last_success_timestamp_seconds "));
    assert!(
        metrics.contains("shoptrail_export_events_total 3000"),
        "{metrics}"
    );
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("shoptrail_jobs_total{")
                && l.contains("kind=\"export\"")
                && l.contains("outcome=\"succeeded\"")),
        "{metrics}"
    );
    assert!(metrics.contains("shoptrail_job_duration_seconds"));
    // Every metric the dashboards and alarms may use (docker/prometheus/metrics.txt) that
    // names the worker as its process is really exposed.
    let contract = include_str!("../../../docker/prometheus/metrics.txt");
    let worker_metrics: Vec<&str> = contract
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
            [name, _, "worker"] => Some(name),
            _ => None,
        })
        .collect();
    assert!(worker_metrics.len() >= 7, "{worker_metrics:?}");
    for name in worker_metrics {
        assert!(
            metrics.lines().any(|l| l.starts_with(name)),
            "{name} missing from the worker's /metrics:\n{metrics}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_racing_one_date_export_it_once_and_a_rerun_replaces_the_files() {
    let Some(endpoint) = moto() else { return };
    let client = s3(&endpoint).await;
    let bucket = create_bucket(&client).await;
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&settings(dir.path(), &[])).await;
    let day = yesterday();
    seed_day(&store, day, 2000).await;
    let mut env = aws_env(&endpoint);
    env.push(("APP__EXPORT__DESTINATION", format!("s3://{bucket}")));
    env.push(("APP__EXPORT__MAX_FILE_BYTES", "8192".into()));
    let w1 = process::start(dir.path(), &env);
    let w2 = process::start(dir.path(), &env);
    process::wait_ready(&w1).await;
    process::wait_ready(&w2).await;
    // Two enqueues race (two API instances, or the schedule on two workers).
    let (a, b) = tokio::join!(
        enqueue_export(&store, day, EnqueueMode::UnlessActiveOrSucceeded),
        enqueue_export(&store, day, EnqueueMode::UnlessActiveOrSucceeded)
    );
    assert_eq!(a.job().id, b.job().id, "one job for the date");
    let done = wait_final(&store, &a.job().id).await;
    assert_succeeded(&done);
    assert_eq!(done.attempts, 1);
    let dest = Dest::S3 {
        client: client.clone(),
        bucket: bucket.clone(),
        prefix: String::new(),
    };
    verify(&dest, day, 2000).await;
    // The schedule firing again for the date does nothing: one successful job.
    let again = enqueue_export(&store, day, EnqueueMode::UnlessActiveOrSucceeded).await;
    assert!(matches!(again, Enqueued::Existing(ref j) if j.id == done.id));
    let jobs = export_jobs(&store).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].status, JobStatus::Succeeded);

    // An explicit re-export (late events arrived) rewrites the day consistently: a file
    // beyond the new count (left by an earlier, larger run) is removed.
    store
        .insert_batch(vec![event(
            "late-1",
            "u1",
            day.and_hms_opt(12, 0, 0).expect("t").and_utc(),
        )])
        .await
        .expect("late event");
    client
        .put_object()
        .bucket(&bucket)
        .key(format!("dt={day}/events-0999.ndjson.gz"))
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"stale"))
        .send()
        .await
        .expect("stale file");
    let rerun = enqueue_export(&store, day, EnqueueMode::UnlessActive).await;
    let rerun = match rerun {
        Enqueued::Created(j) => j,
        Enqueued::Existing(j) => panic!("expected a new job, got {}", j.id),
    };
    let done2 = wait_final(&store, &rerun.id).await;
    assert_succeeded(&done2);
    let manifest = verify(&dest, day, 2001).await;
    assert_eq!(manifest["job_id"], done2.id.as_str());
    drop((w1, w2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_default_exports_to_files_under_the_data_directory() {
    let dir = tempfile::tempdir().expect("dir");
    let s = settings(
        dir.path(),
        &[("APP__EXPORT__MAX_FILE_BYTES", "4096".into())],
    );
    let store = open(&s).await;
    let day = yesterday();
    seed_day(&store, day, 700).await;
    let (runner, handle) = start_runner(&store, &s).await;
    // The schedule's enqueue: yesterday, once.
    let job = runner
        .enqueue_daily_export(chrono::Utc::now())
        .await
        .expect("enqueue");
    let Enqueued::Created(job) = job else {
        panic!("expected a new job")
    };
    let done = wait_final(&store, &job.id).await;
    assert_succeeded(&done);
    verify(&Dest::Fs(dir.path().join("exports")), day, 700).await;
    assert!(matches!(
        runner.enqueue_daily_export(chrono::Utc::now()).await.expect("enqueue"),
        Enqueued::Existing(ref j) if j.id == job.id
    ));
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_export_is_replaced_after_its_lease_expires() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&settings(dir.path(), &[])).await;
    let day = yesterday();
    let n = 60_000;
    seed_day(&store, day, n).await;
    let env = vec![
        ("APP__EXPORT__PAGE_EVENTS", "50".to_owned()),
        ("APP__EXPORT__MAX_FILE_BYTES", "2048".to_owned()),
        ("APP__WORKER__LEASE_MS", "3000".to_owned()),
        ("APP__WORKER__HEARTBEAT_MS", "300".to_owned()),
    ];
    let job = enqueue_export(&store, day, EnqueueMode::UnlessActive).await;
    let id = job.job().id.clone();
    let mut first = process::start(dir.path(), &env);
    // Wait until the first worker has made visible progress, then SIGKILL it.
    let mut owner = None;
    for _ in 0..600 {
        let j = store.get_job(&id).await.expect("get").expect("job");
        assert!(
            j.status.is_active(),
            "the export ended before it could be killed"
        );
        if j.status == JobStatus::Running && j.progress.events_processed > 0 {
            owner = j.lease_owner.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(owner.is_some(), "the first worker never made progress");
    first.kill();
    let j = store.get_job(&id).await.expect("get").expect("job");
    assert_eq!(
        j.status,
        JobStatus::Running,
        "the dead worker's lease still holds"
    );
    assert_eq!(j.attempts, 1);
    let log = dir.path().join("second-worker.log");
    let mut second = process::start_logged(dir.path(), &env, &log);
    let done = wait_final(&store, &id).await;
    assert_succeeded(&done);
    assert_eq!(done.attempts, 2, "a second attempt on the second worker");
    verify(&Dest::Fs(dir.path().join("exports")), day, n as u64).await;
    assert!(second.terminate().success(), "SIGTERM exits 0");
    // The takeover ran as a task of the apalis job worker, its task id the lease owner.
    let logs = std::fs::read_to_string(&log).expect("logs");
    let lines: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let with_message =
        |m: &str| -> Vec<&Value> { lines.iter().filter(|l| l["message"] == m).collect() };
    let started = with_message("Job started.");
    assert_eq!(
        started.len(),
        1,
        "one attempt on the second worker: {logs:.2000}"
    );
    let line = started[0];
    assert_eq!(line["apalis_worker"], "shoptrail-exports", "{line}");
    assert_eq!(
        (&line["job_id"], &line["attempt"]),
        (&json!(id), &json!(2)),
        "{line}"
    );
    let task = |l: &Value| {
        l["spans"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == "apalis_task"))
            .cloned()
            .unwrap_or_else(|| panic!("no apalis_task span: {l}"))
    };
    let span = task(line);
    assert_eq!(span["apalis_worker"], "shoptrail-exports", "{span}");
    assert!(
        span["task_id"].as_str().is_some_and(|t| !t.is_empty()),
        "{span}"
    );
    let ended = with_message("Job ended.");
    assert_eq!(ended.len(), 1, "{logs:.2000}");
    assert_eq!(
        task(ended[0])["task_id"],
        span["task_id"],
        "one task, start to end"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_serves_health_and_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let mut w = process::start(dir.path(), &[]);
    process::wait_ready(&w).await;
    let health = reqwest::get(w.url("/healthz")).await.expect("healthz");
    assert_eq!(health.status(), 200);
    let metrics = reqwest::get(w.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("shoptrail_jobs_queued"), "{metrics}");
    assert!(w.terminate().success(), "SIGTERM exits 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cron_schedule_enqueues_the_previous_days_export_and_catches_up_a_missed_one() {
    use chrono::Timelike as _;
    let dir = tempfile::tempdir().expect("dir");
    // A schedule firing 3 s from now; its previous time (yesterday) was missed.
    let fire = chrono::Utc::now() + chrono::Duration::seconds(3);
    let cron = format!("{} {} {} * * *", fire.second(), fire.minute(), fire.hour());
    let s = settings(
        dir.path(),
        &[
            ("APP__EXPORT__SCHEDULE_ENABLED", "true".into()),
            ("APP__EXPORT__SCHEDULE", cron),
        ],
    );
    let store = open(&s).await;
    let (_runner, handle) = start_runner(&store, &s).await;
    let today = fire.date_naive();
    let missed = today - chrono::Duration::days(2);
    let mut dates = Vec::new();
    for _ in 0..200 {
        dates = export_jobs(&store)
            .await
            .into_iter()
            .map(|j| j.params["date"].as_str().expect("date").to_owned())
            .collect();
        dates.sort();
        if dates.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(dates, [missed.to_string(), yesterday().to_string()]);
    handle.shutdown().await;
}
