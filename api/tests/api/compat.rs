//! Real browser clients at the edge: CORS preflights as Segment's analytics-next and
//! RudderStack's JavaScript SDK send them, the documents those SDKs load before sending
//! anything, and `/metrics` as a Prometheus parser reads it.

use reqwest::Method;

use crate::helpers::{TestApp, spawn_app};

/// Every header the two browser SDKs put on their requests (analytics-next on retries,
/// @rudderstack/analytics-js v3 on every request and its retries), plus ours.
const SDK_HEADERS: &str = "content-type,authorization,x-retry-count,anonymousid,sentat,\
    rsa-retry-attempt,rsa-retry-reason,rsa-since-first-attempt,rsa-since-last-attempt,\
    rsa-recovered,x-write-key,content-encoding";

async fn preflight(app: &TestApp, path: &str, method: &str, headers: &str) -> reqwest::Response {
    app.anon
        .request(Method::OPTIONS, app.url(path))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
        .send()
        .await
        .expect("sent")
}

async fn metrics_text(app: &TestApp) -> String {
    app.anon
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body")
}

#[tokio::test]
async fn preflights_with_every_browser_sdk_header_are_allowed_on_every_ingestion_route() {
    let app = spawn_app().await;
    for path in [
        "/v1/events",
        "/v1/batch",
        "/v1/track",
        "/v1/t",
        "/v1/identify",
        "/v1/page",
        "/v1/group",
        "/v1/alias",
    ] {
        let r = preflight(&app, path, "POST", SDK_HEADERS).await;
        assert!(r.status().is_success(), "{path}: {}", r.status());
        assert_eq!(r.headers()["access-control-allow-origin"], "*", "{path}");
        assert!(
            r.headers()
                .get("access-control-allow-credentials")
                .is_none(),
            "{path}"
        );
        let allowed = r.headers()["access-control-allow-headers"]
            .to_str()
            .expect("ascii")
            .to_ascii_lowercase();
        for h in SDK_HEADERS.split(',') {
            assert!(allowed.contains(h), "{path}: {h} not in {allowed}");
        }
        let methods = r.headers()["access-control-allow-methods"]
            .to_str()
            .expect("ascii");
        assert!(methods.contains("POST"), "{path}: {methods}");
    }
}

#[tokio::test]
async fn a_refused_preflight_is_answered_403_and_counted_as_refused() {
    let app = spawn_app().await;
    let r = preflight(&app, "/v1/batch", "DELETE", "content-type").await;
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = preflight(&app, "/v1/batch", "POST", "x-retry-count").await;
    assert_eq!(r.status(), 200);

    let text = metrics_text(&app).await;
    let scrape =
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    let count = |outcome: &str| -> f64 {
        scrape
            .samples
            .iter()
            .filter(|s| {
                s.metric == "shoptrail_cors_preflights_total"
                    && s.labels.get("outcome") == Some(outcome)
            })
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
                _ => 0.0,
            })
            .sum()
    };
    // The counter is process-wide and other tests send preflights too.
    assert!(count("refused") >= 1.0, "{text}");
    assert!(count("allowed") >= 1.0, "{text}");
    let refused_options = scrape.samples.iter().any(|s| {
        s.metric == "shoptrail_http_requests_total"
            && s.labels.get("method") == Some("OPTIONS")
            && s.labels.get("status") == Some("403")
    });
    assert!(refused_options, "a refused preflight shows as OPTIONS 403");
}

#[tokio::test]
async fn every_metric_family_has_help_and_type() {
    let app = spawn_app().await;
    // Touch the request families and a refused preflight so they exist.
    let _ = app.post_events(&serde_json::json!({"events": []})).await;
    let _ = preflight(&app, "/v1/batch", "PUT", "content-type").await;
    let text = metrics_text(&app).await;

    let scrape =
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    assert!(!scrape.samples.is_empty());
    let mut families = std::collections::BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split_whitespace().next().expect("family name");
            families.insert(name.to_owned());
        }
    }
    for sample in &scrape.samples {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                sample
                    .metric
                    .strip_suffix(suffix)
                    .filter(|base| families.contains(*base))
            })
            .unwrap_or(&sample.metric);
        assert!(
            families.contains(family),
            "{} has no # TYPE line",
            sample.metric
        );
        // The parser reads a histogram's `_sum` and `_count` lines as separate untyped
        // samples; their family's `# TYPE` is checked above.
        assert!(
            family != sample.metric || !matches!(sample.value, prometheus_parse::Value::Untyped(_)),
            "{} is untyped",
            sample.metric
        );
        assert!(
            scrape.docs.contains_key(family),
            "{family} has no # HELP line"
        );
    }
    for name in [
        "shoptrail_jobs_total",
        "shoptrail_export_failures_total",
        "shoptrail_cors_preflights_total",
    ] {
        assert!(scrape.docs.contains_key(name), "{name} has no # HELP line");
    }
}
