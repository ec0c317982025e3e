//! Enrichment imports on the worker: a catalog from S3 (moto) run by the worker process,
//! a CRM file of traits from a URL, cancelling a running catalog import, and a scheduled
//! source enqueued once per run.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;
use shared::jobs::schedules::{ImportSchedule, run_key};
use shared::jobs::{ImportFormat, ImportKind, ImportParams, ImportSource, import_job};
use shared::storage::{EnqueueMode, Enqueued, JobKind, JobQuery, Store};

use crate::helpers::*;
use crate::process;

async fn enqueue(store: &Arc<dyn Store>, params: &ImportParams) -> String {
    let r = store
        .enqueue(
            &import_job(params, 3).expect("job"),
            EnqueueMode::UnlessActive,
            Utc::now(),
        )
        .await
        .expect("enqueue");
    r.job().id.clone()
}

/// Serves `body` once per request over plain HTTP on 127.0.0.1; with `hang`, sends it and
/// keeps the response open.
async fn serve(body: String) -> String {
    serve_then(body, false).await
}

async fn serve_then(body: String, hang: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        while let Ok((mut sock, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                // Hanging: announce more than is sent, so the reader keeps waiting.
                let length = if hang { body.len() + 1 } else { body.len() };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {length}\r\nconnection: close\r\n\r\n"
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
                if hang {
                    let _ = sock.flush().await;
                    tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}/crm.ndjson")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_imports_a_catalog_from_s3_and_a_second_run_changes_nothing() {
    let Some(endpoint) = moto() else { return };
    let client = s3(&endpoint).await;
    let bucket = create_bucket(&client).await;
    let feed =
        "sku,title,cat,price,cur\nSKU-1,Red shoe,Shoes,19.90,EUR\nSKU-2,Blue hat,Hats,5,USD\n";
    client
        .put_object()
        .bucket(&bucket)
        .key("feeds/catalog.csv")
        .body(feed.as_bytes().to_vec().into())
        .send()
        .await
        .expect("put");
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&settings(dir.path(), &[])).await;
    let params = ImportParams {
        kind: ImportKind::Catalog,
        source: ImportSource::S3 {
            bucket: bucket.clone(),
            key: "feeds/catalog.csv".into(),
        },
        format: ImportFormat::Csv,
        mapping: Some(shared::jobs::CsvMapping {
            columns: [
                ("sku", "sku"),
                ("name", "title"),
                ("category", "cat"),
                ("price", "price"),
                ("currency", "cur"),
            ]
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect(),
            event_type: None,
            delimiter: None,
        }),
        dry_run: false,
    };
    let first = enqueue(&store, &params).await;
    let worker = process::start(dir.path(), &aws_env(&endpoint));
    process::wait_ready(&worker).await;
    let done = wait_final(&store, &first).await;
    assert_succeeded(&done);
    let r = done.result.expect("report");
    assert_eq!(
        (r["kind"].clone(), r["created"].clone()),
        (json!("catalog"), json!(2)),
        "{r}"
    );
    assert_eq!(done.progress.events_processed, 2);
    let items = store
        .catalog_items(&["SKU-1".into(), "SKU-2".into()])
        .await
        .expect("read");
    assert_eq!(items["SKU-1"].name.as_deref(), Some("Red shoe"));
    assert_eq!(
        items["SKU-2"]
            .price
            .map(|p| (p.minor, p.currency.to_string())),
        Some((500, "USD".into()))
    );

    let again = enqueue(&store, &params).await;
    let done = wait_final(&store, &again).await;
    assert_succeeded(&done);
    let r = done.result.expect("report");
    assert_eq!(
        (r["created"].clone(), r["unchanged"].clone()),
        (json!(0), json!(2)),
        "{r}"
    );
    assert_eq!(store.catalog_count().await.expect("count"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crm_file_from_a_url_merges_traits_and_skips_unknown_people() {
    let dir = tempfile::tempdir().expect("dir");
    let s = settings(
        dir.path(),
        &[("APP__IMPORT__URL_ALLOWLIST", "127.0.0.1".into())],
    );
    let store = open(&s).await;
    let mut e = event("e-1", "ana", Utc::now());
    e.traits = Some(
        json!({"email": "ana@shop.io"})
            .as_object()
            .cloned()
            .expect("obj"),
    );
    store.insert_batch(vec![e]).await.expect("seed");
    let file = [
        json!({"email": "ana@shop.io", "traits": {"plan": "pro"}}),
        json!({"userId": "ghost", "traits": {"plan": "pro"}}),
        json!({"userId": "ana"}),
    ]
    .iter()
    .map(|v| format!("{v}\n"))
    .collect::<String>();
    let url = serve(file).await;
    let (_runner, handle) = start_runner(&store, &s).await;
    let params = ImportParams {
        kind: ImportKind::Traits,
        source: ImportSource::Url { url },
        format: ImportFormat::Ndjson,
        mapping: None,
        dry_run: false,
    };
    let done = wait_final(&store, &enqueue(&store, &params).await).await;
    assert_succeeded(&done);
    let r = done.result.expect("report");
    assert_eq!(
        (
            r["valid"].clone(),
            r["invalid"].clone(),
            r["changed"].clone(),
            r["skipped"].clone()
        ),
        (json!(2), json!(1), json!(1), json!(1)),
        "{r}"
    );
    let ana = store.get_user("ana").await.expect("read").expect("ana");
    assert_eq!(ana.traits["plan"], "pro");
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_catalog_import_can_be_cancelled() {
    let lines: String = (0..10)
        .map(|i| format!("{}\n", json!({"sku": format!("S-{i}"), "name": "x"})))
        .collect();
    let url = serve_then(lines, true).await;
    let dir = tempfile::tempdir().expect("dir");
    let s = settings(
        dir.path(),
        &[("APP__IMPORT__URL_ALLOWLIST", "127.0.0.1".into())],
    );
    let store = open(&s).await;
    let (_runner, handle) = start_runner(&store, &s).await;
    let params = ImportParams {
        kind: ImportKind::Catalog,
        source: ImportSource::Url { url },
        format: ImportFormat::Ndjson,
        mapping: None,
        dry_run: false,
    };
    let id = enqueue(&store, &params).await;
    let mut running = false;
    for _ in 0..300 {
        let j = store.get_job(&id).await.expect("get").expect("job");
        if j.status == shared::storage::JobStatus::Running && j.progress.bytes_processed > 0 {
            running = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(running, "the import was seen running with bytes read");
    store
        .cancel_job(&id, Utc::now())
        .await
        .expect("cancel")
        .expect("flagged");
    let done = wait_final(&store, &id).await;
    assert_eq!(done.status, shared::storage::JobStatus::Cancelled);
    handle.shutdown().await;
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").to_utc()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_source_is_enqueued_once_per_run() {
    let dir = tempfile::tempdir().expect("dir");
    let s = settings(dir.path(), &[]);
    let store = open(&s).await;
    let params = ImportParams {
        kind: ImportKind::Catalog,
        source: ImportSource::Url {
            url: "https://feeds.example.com/catalog.ndjson".into(),
        },
        format: ImportFormat::Ndjson,
        mapping: None,
        dry_run: false,
    };
    let schedule = ImportSchedule::new("0 0 6 * * *", params, t("2026-06-01T00:00:00Z"), "admin")
        .expect("valid");
    store.add_import_schedule(&schedule).await.expect("add");
    // A runner that claims nothing: the jobs stay queued for the test to see.
    let batcher = shared::batcher::Batcher::spawn(store.clone(), s.batcher.clone());
    let runner = shared::jobs::worker::JobWorker::new(
        store.clone(),
        batcher,
        Arc::new(s.clone()),
        Arc::new(shared::clock::SystemClock),
    )
    .await
    .expect("runner");
    assert_eq!(
        runner
            .enqueue_scheduled_imports(t("2026-06-01T05:59:00Z"))
            .await
            .expect("tick"),
        0
    );
    assert_eq!(
        runner
            .enqueue_scheduled_imports(t("2026-06-01T06:00:00Z"))
            .await
            .expect("tick"),
        1
    );
    // The next tick (or another worker) sees the same run: nothing more.
    assert_eq!(
        runner
            .enqueue_scheduled_imports(t("2026-06-01T06:01:00Z"))
            .await
            .expect("tick"),
        0
    );
    let jobs = store
        .list_jobs(&JobQuery {
            kind: Some(JobKind::Import),
            status: None,
            limit: 10,
            after: None,
        })
        .await
        .expect("jobs");
    assert_eq!(jobs.items.len(), 1);
    let job = &jobs.items[0];
    assert_eq!(job.key, run_key(&schedule.id, t("2026-06-01T06:00:00Z")));
    assert_eq!(job.params["kind"], "catalog");
    assert!(matches!(
        store
            .enqueue(
                &schedule.run_job(t("2026-06-01T06:00:00Z"), 3).expect("job"),
                EnqueueMode::UnlessActiveOrSucceeded,
                Utc::now()
            )
            .await
            .expect("enqueue"),
        Enqueued::Existing(_)
    ));
}
