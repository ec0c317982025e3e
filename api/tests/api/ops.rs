//! Operations endpoints, OpenAPI drift, and graceful shutdown.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn health_and_readiness_answer_ok() {
    let app = spawn_app().await;
    assert_eq!(
        app.get_json("/healthz").await,
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        app.get_json("/readyz").await,
        (200, json!({"status": "ok"}))
    );
}

#[tokio::test]
async fn metrics_expose_requests_ingest_outcomes_and_batches() {
    let app = spawn_app().await;
    app.post_events(&json!([ev("m1", "u", "scroll", "2026-01-01T00:00:00Z"), {"type": "x"}]))
        .await;
    app.post_events(&ev("m1", "u", "scroll", "2026-01-01T00:00:00Z"))
        .await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    for name in [
        "shoptrail_ingest_events_total{outcome=\"accepted\"}",
        "shoptrail_ingest_events_total{outcome=\"duplicate\"}",
        "shoptrail_ingest_events_total{outcome=\"rejected\"}",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics:\n{text}");
    }
    // Every metric the dashboards and alarms may use (docker/prometheus/metrics.txt) that
    // names the api as its process is really exposed.
    let contract = include_str!("../../../docker/prometheus/metrics.txt");
    let mut checked = 0;
    for line in contract
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [name, kind, process] = fields[..] else {
            panic!("malformed contract line: {line}");
        };
        if process != "api" {
            continue;
        }
        let sample = if kind == "histogram" {
            format!("{name}_bucket{{")
        } else {
            name.to_string()
        };
        assert!(
            text.contains(&sample),
            "{sample} missing from /metrics:\n{text}"
        );
        checked += 1;
    }
    assert!(checked >= 8, "the contract lists the api's metrics");
    assert!(
        text.contains(r#"route="/v1/events""#),
        "requests are labelled by route"
    );
}

#[tokio::test]
async fn the_openapi_document_matches_the_committed_file() {
    let generated = api::routes::openapi_json().expect("document");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json"))
        .unwrap_or_default();
    assert!(
        generated == committed,
        "api/openapi.json is out of date: run `scripts/openapi` and commit the result"
    );
    let app = spawn_app().await;
    let (status, served) = app.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    let committed: Value = serde_json::from_str(&committed).expect("valid JSON");
    assert_eq!(
        served, committed,
        "the server serves the committed document"
    );
    for path in [
        "/v1/events",
        "/v1/users",
        "/v1/users/{userId}",
        "/v1/users/{userId}/journey",
        "/v1/users/{userId}/event-types",
        "/v1/stats",
    ] {
        assert!(served["paths"][path].is_object(), "{path} is documented");
    }
}

#[tokio::test]
async fn the_docs_ui_is_served_from_the_binary() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/docs/"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.text().await.expect("html").contains("swagger"),
        "Swagger UI page"
    );
    let r = app
        .client
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        r.status().as_u16(),
        200,
        "assets are vendored, not fetched from a CDN"
    );
}

#[tokio::test]
async fn graceful_shutdown_acknowledges_in_flight_events_and_keeps_them() {
    let app = spawn_app_with(&[("APP__BATCHER__LINGER_MS", "300")]).await;
    let sends: Vec<_> = (0..20)
        .map(|i| {
            let client = app.client.clone();
            let url = app.url("/v1/events");
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&ev(
                        &format!("g{i}"),
                        "u1",
                        "scroll",
                        "2026-01-01T00:00:00Z",
                    ))
                    .send()
                    .await
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let dir = app.stop().await;
    let mut acknowledged = 0;
    for s in sends {
        if let Ok(Ok(r)) = s.await.map(|r| r.map(|r| r.status().as_u16())) {
            assert_eq!(r, 202);
            acknowledged += 1;
        }
    }
    assert_eq!(
        acknowledged, 20,
        "requests in flight at shutdown are completed"
    );
    let app = spawn_app_in(dir, &[]).await;
    let (_, u) = app.get_json("/v1/users/u1").await;
    assert_eq!(u["eventCount"], 20);
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let app = spawn_app_with(&[("APP__SERVER__HEADER_READ_TIMEOUT_MS", "300")]).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("first line");
    // One more header line now and then, never the blank line that ends them.
    let mut closed = false;
    for i in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if conn
            .write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
            .await
            .is_err()
        {
            closed = true;
            break;
        }
        let mut buf = [0u8; 512];
        if let Ok(read) = tokio::time::timeout(Duration::from_millis(1), conn.read(&mut buf)).await
        {
            // The server answered (408) or closed: either way it gave up on us.
            if read.map_or(true, |n| n == 0 || buf[..n].starts_with(b"HTTP/1.1 408")) {
                closed = true;
                break;
            }
        }
    }
    assert!(
        closed,
        "the connection was still open after 4 s of trickled headers"
    );
    // A normal client on the same server is unaffected.
    let (status, _) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
}
