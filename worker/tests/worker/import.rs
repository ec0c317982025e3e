//! Imports through the runner: dry runs, bad lines, re-imports storing nothing twice, CSV
//! mappings, URL safety and cancelling a running import.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use shared::jobs::object_store::{FileStore, ObjectStore as _};
use shared::jobs::{
    CsvMapping, ImportFormat, ImportKind, ImportParams, ImportSource, import, import_job,
};
use shared::settings::Settings;
use shared::storage::{EnqueueMode, Job, JobStatus, JourneyQuery, Store};

use crate::helpers::*;

/// Places `content` where `POST /v1/imports/uploads` would, returning its upload id.
async fn upload(dir: &std::path::Path, content: &[u8]) -> String {
    let id = sha256(content);
    FileStore::new(dir.join("exports"))
        .put_bytes(&import::upload_key(&id), content.to_vec())
        .await
        .expect("upload stored");
    id
}

/// A finished import deletes its upload, just after it records its end: waits until it is
/// gone (uploading before would race the delete), then uploads `content` again.
async fn upload_again(dir: &std::path::Path, content: &[u8]) {
    let path = dir
        .join("exports")
        .join(import::upload_key(&sha256(content)));
    for _ in 0..200 {
        if !path.exists() {
            upload(dir, content).await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the finished import did not delete its upload");
}

async fn run_import(store: &Arc<dyn Store>, params: ImportParams) -> Job {
    let j = store
        .enqueue(
            &import_job(&params, 3).expect("job"),
            EnqueueMode::UnlessActive,
            chrono::Utc::now(),
        )
        .await
        .expect("enqueue");
    wait_final(store, &j.job().id).await
}

fn ndjson(params_source: ImportSource, dry_run: bool) -> ImportParams {
    ImportParams {
        kind: ImportKind::Events,
        source: params_source,
        format: ImportFormat::Ndjson,
        mapping: None,
        dry_run,
    }
}

async fn stored_events(store: &Arc<dyn Store>, day: chrono::NaiveDate) -> u64 {
    store
        .rollups(day, day)
        .await
        .expect("rollups")
        .day_type_counts
        .iter()
        .map(|(_, _, n)| n)
        .sum()
}

async fn setup(overrides: &[(&str, String)]) -> (tempfile::TempDir, Settings, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("dir");
    let s = settings(dir.path(), overrides);
    let store = open(&s).await;
    (dir, s, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_reports_bad_lines_and_a_real_run_stores_the_rest() {
    let (dir, s, store) = setup(&[]).await;
    let day = yesterday();
    let mut text = String::new();
    for i in 1..=50 {
        let line = match i {
            7 => "{not json".to_owned(),
            20 => json!({"messageId": "m20", "type": "page_view"}).to_string(),
            33 => json!({"messageId": "m33", "userId": "u", "type": "9 bad"}).to_string(),
            _ => json!({
                "messageId": format!("m{i}"), "userId": format!("u{}", i % 5),
                "type": "product_view", "timestamp": format!("{day}T10:00:{:02}Z", i % 60),
                "properties": {"sku": i}
            })
            .to_string(),
        };
        text.push_str(&line);
        text.push('\n');
        if i == 10 {
            text.push('\n');
        }
    }
    let id = upload(dir.path(), text.as_bytes()).await;
    let (_runner, handle) = start_runner(&store, &s).await;

    let dry = run_import(
        &store,
        ndjson(
            ImportSource::Upload {
                upload_id: id.clone(),
            },
            true,
        ),
    )
    .await;
    assert_succeeded(&dry);
    let r = dry.result.expect("report");
    assert_eq!(
        (r["lines"].clone(), r["valid"].clone(), r["invalid"].clone()),
        (json!(50), json!(47), json!(3))
    );
    assert_eq!(r["stored"], 0);
    let lines: Vec<u64> = r["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["line"].as_u64().expect("line"))
        .collect();
    // Line numbers count the blank line after line 10.
    assert_eq!(lines, [7, 21, 34]);
    assert_eq!(r["errors"][1]["code"], "missing_identity");
    assert_eq!(
        stored_events(&store, day).await,
        0,
        "a dry run stores nothing"
    );

    let real = run_import(
        &store,
        ndjson(ImportSource::Upload { upload_id: id }, false),
    )
    .await;
    assert_succeeded(&real);
    let r = real.result.expect("report");
    assert_eq!(
        (r["stored"].clone(), r["duplicates"].clone()),
        (json!(47), json!(0))
    );
    assert_eq!(real.progress.events_processed, 50);
    assert_eq!(real.progress.events_invalid, 3);
    assert_eq!(real.progress.bytes_processed, text.len() as u64);
    assert_eq!(real.progress.bytes_total, Some(text.len() as u64));
    assert_eq!(stored_events(&store, day).await, 47);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segment_lines_import_with_identity_links_and_a_reimport_stores_nothing() {
    let (dir, s, store) = setup(&[]).await;
    let day = yesterday();
    let at = |sec: u32| format!("{day}T09:00:{sec:02}Z");
    let lines = [
        json!({"type": "page", "messageId": "s1", "anonymousId": "anon-1", "name": "Home",
               "timestamp": at(1)}),
        json!({"type": "track", "messageId": "s2", "anonymousId": "anon-1",
               "event": "Product Viewed", "properties": {"sku": "A-1"}, "timestamp": at(2)}),
        json!({"type": "identify", "messageId": "s3", "anonymousId": "anon-1", "userId": "ada",
               "traits": {"plan": "pro"}, "timestamp": at(3)}),
        // No messageId: the id is derived from the source and line.
        json!({"type": "track", "userId": "ada", "event": "Order Completed",
               "timestamp": at(4)}),
        json!({"type": "launch", "messageId": "s5", "userId": "ada"}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let id = upload(dir.path(), text.as_bytes()).await;
    let (_runner, handle) = start_runner(&store, &s).await;
    let params = |dry_run| ImportParams {
        kind: ImportKind::Events,
        source: ImportSource::Upload {
            upload_id: id.clone(),
        },
        format: ImportFormat::Segment,
        mapping: None,
        dry_run,
    };

    let first = run_import(&store, params(false)).await;
    assert_succeeded(&first);
    let r = first.result.expect("report");
    assert_eq!(
        (
            r["valid"].clone(),
            r["invalid"].clone(),
            r["stored"].clone()
        ),
        (json!(4), json!(1), json!(4))
    );
    assert_eq!(r["errors"][0]["line"], 5, "the unknown type is reported");

    // identify linked the anonymous id: one person, one timeline, counted once.
    let journey = store
        .journey(
            "ada",
            &JourneyQuery {
                limit: 50,
                ..JourneyQuery::default()
            },
        )
        .await
        .expect("journey");
    let types: Vec<&str> = journey
        .items
        .iter()
        .map(|e| e.event_type.as_str())
        .collect();
    assert_eq!(types.len(), 4, "{types:?}");
    assert!(types.contains(&"page_view"), "{types:?}");
    let profile = store.get_user("ada").await.expect("read").expect("profile");
    assert_eq!(profile.traits["plan"], "pro");
    assert_eq!(
        store.rollups(day, day).await.expect("rollups").active_users,
        1
    );

    upload_again(dir.path(), text.as_bytes()).await;
    let again = run_import(&store, params(false)).await;
    assert_succeeded(&again);
    let r = again.result.expect("report");
    assert_eq!(
        (r["stored"].clone(), r["duplicates"].clone()),
        (json!(0), json!(4))
    );
    assert_eq!(stored_events(&store, day).await, 4);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_the_same_100000_line_file_twice_stores_each_event_once() {
    // A lease long enough that no attempt is taken over on a loaded machine (the helpers'
    // 2 s lease can lapse while a heartbeat waits behind a large batch): the reports below
    // count one attempt. Taking over a lapsed job is tested on its own.
    let (dir, s, store) = setup(&[
        ("APP__IMPORT__BATCH_EVENTS", "2500".into()),
        ("APP__WORKER__LEASE_MS", "30000".into()),
        ("APP__WORKER__HEARTBEAT_MS", "1000".into()),
    ])
    .await;
    let day = yesterday();
    let n = 100_000;
    let mut text = String::with_capacity(n * 120);
    for i in 0..n {
        if i % 10_000 == 9_999 {
            text.push_str("{\"userId\": \"u1\"}\n"); // no type: invalid
            continue;
        }
        // No messageId: the id is derived from the source, line number and text.
        text.push_str(&format!(
            "{{\"userId\":\"u{}\",\"type\":\"page_view\",\"timestamp\":\"{day}T{:02}:{:02}:{:02}Z\"}}\n",
            i % 1000,
            (i / 3600) % 24,
            (i / 60) % 60,
            i % 60
        ));
    }
    let id = upload(dir.path(), text.as_bytes()).await;
    let (_runner, handle) = start_runner(&store, &s).await;
    let first = run_import(
        &store,
        ndjson(
            ImportSource::Upload {
                upload_id: id.clone(),
            },
            false,
        ),
    )
    .await;
    assert_succeeded(&first);
    let r = first.result.expect("report");
    assert_eq!(
        (
            r["valid"].clone(),
            r["invalid"].clone(),
            r["stored"].clone()
        ),
        (json!(99_990), json!(10), json!(99_990))
    );
    assert_eq!(r["errors"].as_array().expect("errors").len(), 10);
    upload_again(dir.path(), text.as_bytes()).await;
    let second = run_import(
        &store,
        ndjson(ImportSource::Upload { upload_id: id }, false),
    )
    .await;
    assert_succeeded(&second);
    let r = second.result.expect("report");
    assert_eq!(
        (r["stored"].clone(), r["duplicates"].clone()),
        (json!(0), json!(99_990))
    );
    assert_eq!(second.progress.events_duplicate, 99_990);
    assert_eq!(stored_events(&store, day).await, 99_990);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_rows_become_events_through_the_column_mapping() {
    let (dir, s, store) = setup(&[]).await;
    let day = yesterday();
    let csv = format!(
        "order_id;customer;placed_at;total;coupon\n\
         o-1;c-1;{day}T09:00:00Z;19.99;SPRING\n\
         o-2;;{day}T09:05:00Z;5;\n\
         ;c-3;{day}T09:10:00Z;7;\"a;b\"\n"
    );
    let id = upload(dir.path(), csv.as_bytes()).await;
    let mapping = CsvMapping {
        columns: [
            ("messageId", "order_id"),
            ("userId", "customer"),
            ("timestamp", "placed_at"),
            ("properties.total", "total"),
            ("properties.coupon", "coupon"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect(),
        event_type: Some("purchase".into()),
        delimiter: Some(';'),
    };
    let params = ImportParams {
        kind: ImportKind::Events,
        source: ImportSource::Upload { upload_id: id },
        format: ImportFormat::Csv,
        mapping: Some(mapping),
        dry_run: false,
    };
    let (_runner, handle) = start_runner(&store, &s).await;
    let done = run_import(&store, params.clone()).await;
    assert_succeeded(&done);
    let r = done.result.expect("report");
    assert_eq!(
        (r["stored"].clone(), r["invalid"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(r["errors"][0]["line"], 3);
    let journey = store
        .journey(
            "c-1",
            &shared::storage::JourneyQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("journey");
    let e = &journey.items[0];
    assert_eq!(e.event_id, "o-1");
    assert_eq!(e.event_type.as_str(), "purchase");
    assert_eq!(
        Value::Object(e.properties.clone()),
        json!({"total": 19.99, "coupon": "SPRING"})
    );
    let derived = store
        .journey(
            "c-3",
            &shared::storage::JourneyQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("journey");
    assert!(derived.items[0].event_id.starts_with("imp-"));
    assert_eq!(derived.items[0].properties["coupon"], "a;b");
    // Again: the derived id is the same, so nothing new.
    upload_again(dir.path(), csv.as_bytes()).await;
    let again = run_import(&store, params).await;
    assert_eq!(again.result.expect("report")["duplicates"], 2);
    handle.shutdown().await;
}

/// Serves `body` over plain HTTP on 127.0.0.1; with `hang`, sends it and then keeps the
/// response open forever.
async fn serve(body: String, hang: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = if hang {
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n".to_owned()
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    )
                };
                let _ = sock.write_all(head.as_bytes()).await;
                if hang {
                    let _ = sock
                        .write_all(format!("{:x}\r\n{body}\r\n", body.len()).as_bytes())
                        .await;
                    let _ = sock.flush().await;
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                } else {
                    let _ = sock.write_all(body.as_bytes()).await;
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}/events.ndjson")
}

fn lines(n: usize, prefix: &str) -> String {
    (0..n)
        .map(|i| {
            json!({"messageId": format!("{prefix}{i}"), "userId": "u-url", "type": "search"})
                .to_string()
                + "\n"
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_imports_refuse_loopback_addresses_unless_allowlisted() {
    let url = serve(lines(5, "url-"), false).await;
    let (_d1, s, store) = setup(&[]).await;
    let (_runner, handle) = start_runner(&store, &s).await;
    let refused = run_import(
        &store,
        ndjson(ImportSource::Url { url: url.clone() }, false),
    )
    .await;
    assert_eq!(refused.status, JobStatus::Failed);
    assert_eq!(refused.attempts, 1, "a refused address is not retried");
    assert!(
        refused
            .error
            .as_deref()
            .is_some_and(|e| e.contains("refusing")),
        "{:?}",
        refused.error
    );
    handle.shutdown().await;

    let (_d2, s, store) = setup(&[("APP__IMPORT__URL_ALLOWLIST", "127.0.0.1".into())]).await;
    let (_runner, handle) = start_runner(&store, &s).await;
    let ok = run_import(&store, ndjson(ImportSource::Url { url }, false)).await;
    assert_succeeded(&ok);
    assert_eq!(ok.result.expect("report")["stored"], 5);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_import_can_be_cancelled_and_shows_progress_until_then() {
    let url = serve(lines(10, "slow-"), true).await;
    let (_d, s, store) = setup(&[
        ("APP__IMPORT__URL_ALLOWLIST", "127.0.0.0/8".into()),
        ("APP__IMPORT__BATCH_EVENTS", "4".into()),
    ])
    .await;
    let (_runner, handle) = start_runner(&store, &s).await;
    let params = ndjson(ImportSource::Url { url }, false);
    let j = store
        .enqueue(
            &import_job(&params, 3).expect("job"),
            EnqueueMode::UnlessActive,
            chrono::Utc::now(),
        )
        .await
        .expect("enqueue");
    let id = j.job().id.clone();
    let mut seen = None;
    for _ in 0..300 {
        let j = store.get_job(&id).await.expect("get").expect("job");
        if j.status == JobStatus::Running && j.progress.events_processed >= 8 {
            seen = Some(j.progress);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let progress = seen.expect("progress became visible while running");
    assert!(progress.bytes_processed > 0);
    store
        .cancel_job(&id, chrono::Utc::now())
        .await
        .expect("cancel")
        .expect("flagged");
    let done = wait_final(&store, &id).await;
    assert_eq!(done.status, JobStatus::Cancelled);
    handle.shutdown().await;
}
