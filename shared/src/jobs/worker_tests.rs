//! The job worker end to end on SQLite: each job kind has its own slots (imports stalled
//! on a silent host never keep the daily export waiting), and an uploaded file is deleted
//! once its import is done with it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::JobWorker;
use crate::batcher::Batcher;
use crate::clock::SystemClock;
use crate::jobs::import::upload_key;
use crate::jobs::{ImportFormat, ImportKind, ImportParams, ImportSource, export_job, import_job};
use crate::settings::Settings;
use crate::storage::{self, EnqueueMode, Job, JobStatus, Store};

async fn wait_for(store: &Arc<dyn Store>, id: &str, done: impl Fn(&Job) -> bool) -> Job {
    for _ in 0..1200 {
        let j = store.get_job(id).await.expect("get").expect("job exists");
        if done(&j) {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} never reached the expected state");
}

async fn enqueue(store: &Arc<dyn Store>, job: &storage::NewJob) -> String {
    store
        .enqueue(job, EnqueueMode::UnlessActive, Utc::now())
        .await
        .expect("enqueue")
        .job()
        .id
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stalled_imports_do_not_keep_the_export_waiting() {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = Settings::load_from(
        None,
        [(
            "APP__STORAGE__DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        )],
    )
    .expect("settings");
    settings.export.schedule_enabled = false;
    settings.worker.poll_interval_ms = 20;
    settings.worker.concurrency = 2;
    settings.server.shutdown_grace_ms = 100;
    settings.import.url_allowlist = vec!["127.0.0.1".into()];
    // Longer than the test: the imports stay stalled while the export runs.
    settings.import.url_read_timeout_ms = 600_000;
    settings.import.url_total_timeout_s = 600;

    // A host that accepts connections and never writes a byte.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn);
        }
    });

    let store = storage::open(&settings).await.expect("store");
    let batcher = Batcher::spawn(store.clone(), settings.batcher.clone());
    let worker = JobWorker::new(
        store.clone(),
        batcher,
        Arc::new(settings.clone()),
        Arc::new(SystemClock),
    )
    .await
    .expect("worker")
    .spawn();

    let mut imports = Vec::new();
    for n in 0..2 {
        let params = ImportParams {
            kind: ImportKind::Events,
            source: ImportSource::Url {
                url: format!("http://127.0.0.1:{port}/stalled-{n}.ndjson"),
            },
            format: ImportFormat::Ndjson,
            mapping: None,
            dry_run: false,
        };
        imports.push(enqueue(&store, &import_job(&params, 1).expect("job")).await);
    }
    for id in &imports {
        wait_for(&store, id, |j| j.status == JobStatus::Running).await;
    }

    let day = Utc::now().date_naive().pred_opt().expect("a day");
    let export = enqueue(&store, &export_job(day, 1).expect("job")).await;
    let done = wait_for(&store, &export, |j| !j.status.is_active()).await;
    assert_eq!(done.status, JobStatus::Succeeded, "{:?}", done.error);
    for id in &imports {
        let j = store.get_job(id).await.expect("get").expect("job");
        assert_eq!(
            j.status,
            JobStatus::Running,
            "the imports are still stalled"
        );
    }

    silent.abort();
    worker.shutdown().await;
}

fn settings_in(dir: &std::path::Path) -> Settings {
    let mut settings = Settings::load_from(
        None,
        [(
            "APP__STORAGE__DATA_DIR".to_owned(),
            dir.display().to_string(),
        )],
    )
    .expect("settings");
    settings.export.schedule_enabled = false;
    settings.worker.poll_interval_ms = 20;
    settings.server.shutdown_grace_ms = 100;
    settings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_deleted_when_its_import_ends_and_kept_after_a_dry_run() {
    let dir = tempfile::tempdir().expect("dir");
    let settings = settings_in(dir.path());
    let store = storage::open(&settings).await.expect("store");
    let batcher = Batcher::spawn(store.clone(), settings.batcher.clone());
    let worker = JobWorker::new(
        store.clone(),
        batcher,
        Arc::new(settings.clone()),
        Arc::new(SystemClock),
    )
    .await
    .expect("worker");
    let objects = worker.objects();
    let running = worker.spawn();

    let upload_id = "ab".repeat(32);
    let line = r#"{"messageId":"up-1","userId":"u1","type":"page_view","timestamp":"2026-11-20T10:00:00Z"}"#;
    objects
        .put_bytes(&upload_key(&upload_id), format!("{line}\n").into_bytes())
        .await
        .expect("uploaded");
    let import = |dry_run| ImportParams {
        kind: ImportKind::Events,
        source: ImportSource::Upload {
            upload_id: upload_id.clone(),
        },
        format: ImportFormat::Ndjson,
        mapping: None,
        dry_run,
    };
    let stored = |objects: Arc<dyn crate::jobs::object_store::ObjectStore>| {
        let key = upload_key(&upload_id);
        async move { objects.list(&key).await.expect("list") }
    };

    let dry = enqueue(&store, &import_job(&import(true), 1).expect("job")).await;
    let done = wait_for(&store, &dry, |j| !j.status.is_active()).await;
    assert_eq!(done.status, JobStatus::Succeeded, "{:?}", done.error);
    assert_eq!(
        stored(objects.clone()).await.len(),
        1,
        "kept after a dry run"
    );

    let real = enqueue(&store, &import_job(&import(false), 1).expect("job")).await;
    let done = wait_for(&store, &real, |j| !j.status.is_active()).await;
    assert_eq!(done.status, JobStatus::Succeeded, "{:?}", done.error);
    // Deleted right after the job's end is recorded.
    let mut left = stored(objects.clone()).await;
    for _ in 0..200 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        left = stored(objects.clone()).await;
    }
    assert!(
        left.is_empty(),
        "the upload is deleted once its import succeeded"
    );
    running.shutdown().await;
}
