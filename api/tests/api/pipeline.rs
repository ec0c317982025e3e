//! The one ingestion pipeline seen from outside: the events API, the Segment endpoints and
//! imports count their outcomes alike, and an `identify` carries its link inside the batch.
//! Runs the real binary so its `/metrics` counts this test's traffic alone.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, login, with_cookie};
use crate::process::{cli, free_port, start, stop_and_read_logs, wait_ready};

const ENV: [(&str, &str); 3] = [
    ("APP__WORKER__POLL_INTERVAL_MS", "100"),
    ("APP__EXPORT__SCHEDULE_ENABLED", "false"),
    ("APP__TELEMETRY__LOG_LEVEL", "warn"),
];

/// The value of one counter sample on `/metrics` (0 when the series is absent).
async fn counter(client: &reqwest::Client, base: &str, series: &str) -> u64 {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

const REJECTED: &str = "shoptrail_ingest_events_total{outcome=\"rejected\"}";
const ACCEPTED: &str = "shoptrail_ingest_events_total{outcome=\"accepted\"}";
const LINKED: &str = "shoptrail_identity_links_total{outcome=\"linked\"}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_source_counts_alike_and_links_travel_with_their_batch() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let (key, _) = cli(
        dir.path(),
        &["write-key", "create", "--source", "pipeline"],
        "",
        &ENV,
    );
    cli(
        dir.path(),
        &[
            "admin",
            "create",
            "--email",
            "admin@pipeline.test",
            "--role",
            "admin",
        ],
        &format!("{PASSWORD}\n"),
        &ENV,
    );
    let child = start(dir.path(), port, &ENV, true);
    let plain = reqwest::Client::new();
    wait_ready(&plain, &base).await;
    let admin = with_cookie(&login(&base, "admin@pipeline.test", PASSWORD).await);
    let ingest = |path: &str, body: Value| {
        plain
            .post(format!("{base}{path}"))
            .header("x-write-key", key.trim())
            .json(&body)
            .send()
    };

    // The events API: one valid event, two refused.
    let r = ingest(
        "/v1/events",
        json!([
            {"messageId": "p-1", "userId": "u-p", "type": "page_view"},
            {"messageId": "p-2", "type": "page_view"},
            {"messageId": "p-3", "userId": "u-p"},
        ]),
    )
    .await
    .expect("sent");
    assert_eq!(r.status(), 202);
    assert_eq!(counter(&plain, &base, REJECTED).await, 2);
    assert_eq!(counter(&plain, &base, ACCEPTED).await, 1);

    // An import: two valid lines, three bad ones, counted exactly like the API's.
    let file = [
        r#"{"messageId": "i-1", "userId": "u-i", "type": "search"}"#,
        "not json",
        r#"{"messageId": "i-2", "type": "search"}"#,
        r#"{"messageId": "i-3", "userId": "u-i", "type": "search"}"#,
        r#"{"messageId": "i-4", "userId": "u-i"}"#,
    ]
    .join("\n");
    let upload: Value = admin
        .post(format!("{base}/v1/imports/uploads"))
        .body(file)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let job: Value = admin
        .post(format!("{base}/v1/imports"))
        .json(&json!({"source": {"type": "upload", "uploadId": upload["uploadId"]}, "format": "ndjson"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let id = job["id"].as_str().expect("job id").to_owned();
    let mut finished = Value::Null;
    for _ in 0..300 {
        let j: Value = admin
            .get(format!("{base}/v1/jobs/{id}"))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        if !matches!(j["status"].as_str(), Some("queued" | "running")) {
            finished = j;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(finished["status"], "succeeded", "{finished}");
    assert_eq!(finished["result"]["stored"], 2, "{finished}");
    assert_eq!(counter(&plain, &base, REJECTED).await, 2 + 3);
    assert_eq!(counter(&plain, &base, ACCEPTED).await, 1 + 2);

    // One Segment batch: an identify, then a track sent under the anonymous id alone.
    let r = ingest(
        "/v1/batch",
        json!({"batch": [
            {"type": "identify", "messageId": "s-1", "anonymousId": "anon-s", "userId": "u-s"},
            {"type": "track", "messageId": "s-2", "anonymousId": "anon-s", "event": "Product Viewed"},
        ]}),
    )
    .await
    .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(counter(&plain, &base, LINKED).await, 1);
    let journey: Value = admin
        .get(format!("{base}/v1/users/u-s/journey"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = journey["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["eventId"].as_str())
        .collect();
    assert!(ids.contains(&"s-1") && ids.contains(&"s-2"), "{journey}");
    let anon: Value = admin
        .get(format!("{base}/v1/users/anon-s"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(anon["eventCount"], 2, "{anon}");
    let logs = stop_and_read_logs(child);
    assert!(!logs.contains("panicked"), "{logs}");
}
