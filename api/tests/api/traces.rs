//! Traces reach a collector: the real binary exports over OTLP/HTTP to a receiver in this
//! test (a real HTTP server decoding the protobuf requests), continuing the caller's W3C
//! `traceparent`, and its JSON log lines carry the trace ids. Also: refused preflights are
//! logged once per origin and reason, and a graceful stop logs no panic.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, login, with_cookie};
use crate::process::{cli, free_port, start, wait_ready};

type Received = Arc<Mutex<Vec<Span>>>;

/// An OTLP/HTTP receiver on a free port: `POST /v1/traces` with protobuf bodies.
async fn receiver() -> (String, Received) {
    let spans: Received = Arc::default();
    let sink = spans.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                let request = ExportTraceServiceRequest::decode(body).expect("OTLP protobuf");
                let mut all = sink.lock().expect("lock");
                for resource in request.resource_spans {
                    for scope in resource.scope_spans {
                        all.extend(scope.spans);
                    }
                }
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, spans)
}

fn attribute(span: &Span, key: &str) -> Option<Value> {
    let kv = span.attributes.iter().find(|kv| kv.key == key)?;
    Some(match kv.value.as_ref()?.value.as_ref()? {
        AnyValue::StringValue(s) => json!(s),
        AnyValue::IntValue(i) => json!(i),
        AnyValue::BoolValue(b) => json!(b),
        AnyValue::DoubleValue(d) => json!(d),
        _ => Value::Null,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Waits until a span satisfying `pred` has arrived.
async fn wait_for(spans: &Received, what: &str, pred: impl Fn(&Span) -> bool) -> Span {
    for _ in 0..300 {
        if let Some(s) = spans.lock().expect("lock").iter().find(|s| pred(s)) {
            return s.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let names: Vec<String> = spans
        .lock()
        .expect("lock")
        .iter()
        .map(|s| s.name.clone())
        .collect();
    panic!("no {what} span arrived; got {names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_of_a_request_its_batch_commit_and_a_job_reach_an_otlp_receiver() {
    let (collector, spans) = receiver().await;
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("APP__TELEMETRY__OTLP_ENDPOINT", collector.as_str()),
        ("APP__TELEMETRY__LOG_LEVEL", "info"),
        (
            "APP__STORAGE__DATA_DIR",
            dir.path().to_str().expect("utf-8"),
        ),
        // Export every 100 ms rather than the SDK's default 5 s.
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    let (key, _) = cli(
        dir.path(),
        &["write-key", "create", "--source", "traced-shop"],
        "",
        &env,
    );
    let key = key.trim().to_owned();
    cli(
        dir.path(),
        &[
            "admin",
            "create",
            "--email",
            "ops@traces.test",
            "--role",
            "admin",
        ],
        &format!("{PASSWORD}\n"),
        &env,
    );
    let child = start(dir.path(), port, &env, true);
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await;

    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let traceparent = format!("00-{trace_id}-{caller_span}-01");
    let r = client
        .post(format!("{base}/v1/events"))
        .header("x-write-key", &key)
        .header("traceparent", &traceparent)
        .json(&json!([{"messageId": "traced-1", "userId": "u1", "type": "page_view"}]))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 202);
    // An X-Ray caller's header (with a parent segment) is continued too.
    let r = client
        .post(format!("{base}/v1/batch"))
        .header("x-write-key", &key)
        .header(
            "x-amzn-trace-id",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )
        .json(&json!({"batch": [{"type": "track", "event": "X", "userId": "u2", "messageId": "traced-2"}]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    // Refused preflights: one WARN line per origin and reason, inside its request span.
    for origin in [
        "https://shop.example",
        "https://shop.example",
        "https://other.example",
        "https://shop.example",
    ] {
        let r = client
            .request(reqwest::Method::OPTIONS, format!("{base}/v1/events"))
            .header("origin", origin)
            .header("access-control-request-method", "DELETE")
            .header("traceparent", &traceparent)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), 403);
    }
    let cookie = login(&base, "ops@traces.test", PASSWORD).await;
    let r = with_cookie(&cookie)
        .post(format!("{base}/v1/exports"))
        .json(&json!({"date": "2026-11-20"}))
        .send()
        .await
        .expect("sent");
    assert!(r.status().is_success(), "{}", r.status());

    let request = wait_for(&spans, "ingest request", |s| s.name == "POST /v1/events").await;
    assert_eq!(hex(&request.trace_id), trace_id);
    assert_eq!(hex(&request.parent_span_id), caller_span);
    assert_eq!(
        attribute(&request, "http.response.status_code"),
        Some(json!(202))
    );
    assert_eq!(
        attribute(&request, "shoptrail.events_accepted"),
        Some(json!(1))
    );
    assert_eq!(
        attribute(&request, "shoptrail.source"),
        Some(json!("traced-shop"))
    );
    assert_eq!(attribute(&request, "http.route"), Some(json!("/v1/events")));

    let xray = wait_for(&spans, "X-Ray continued", |s| s.name == "POST /v1/batch").await;
    assert_eq!(hex(&xray.trace_id), "5759e988bd862e3fe1be46a994272793");
    assert_eq!(hex(&xray.parent_span_id), "53995c3f42cd8ad8");

    let commit = wait_for(&spans, "batch commit", |s| {
        s.name == "batch commit" && s.parent_span_id == request.span_id
    })
    .await;
    assert_eq!(commit.trace_id, request.trace_id);
    assert_eq!(attribute(&commit, "events"), Some(json!(1)));

    let job = wait_for(&spans, "export job", |s| s.name == "job export").await;
    assert_eq!(attribute(&job, "job.kind"), Some(json!("export")));

    // The write key appears in no span.
    for span in spans.lock().expect("lock").iter() {
        for kv in &span.attributes {
            let text = format!("{:?}", kv.value);
            assert!(!text.contains(&key), "{} carries the key", span.name);
        }
    }

    // A graceful stop (SIGTERM): no panic in the logs, and the JSON lines carry trace ids.
    let pid = child.id().to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(signalled.success());
    let out = child.wait_with_output().expect("server output");
    assert!(out.status.success(), "exit status {:?}", out.status);
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!logs.contains("panicked"), "a panic was logged:\n{logs}");
    assert!(logs.contains("Stopped."), "{logs}");
    let lines: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let refused: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"] == "CORS preflight refused (logged once per origin and reason).")
        .collect();
    let origins: Vec<&str> = refused
        .iter()
        .filter_map(|l| l["origin"].as_str())
        .collect();
    assert_eq!(
        origins,
        ["https://shop.example", "https://other.example"],
        "{logs}"
    );
    let refused = refused[0];
    assert_eq!(refused["level"], "WARN");
    assert_eq!(refused["reason"], "method_not_allowed");
    assert_eq!(refused["trace_id"], trace_id);
    assert!(refused["span_id"].as_str().is_some_and(|s| s.len() == 16));
    let job_line = lines
        .iter()
        .find(|l| l["message"] == "Job started.")
        .unwrap_or_else(|| panic!("no job line in:\n{logs}"));
    assert_eq!(job_line["trace_id"], hex(&job.trace_id));
}
