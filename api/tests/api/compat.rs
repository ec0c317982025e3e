//! Real browser clients at the edge: CORS preflights as Segment's analytics-next and
//! RudderStack's JavaScript SDK send them, the documents those SDKs load before sending
//! anything, and `/metrics` as a Prometheus parser reads it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

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
        "/v1/m",
        "/beacon/v1/batch",
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
    for path in ["/v1/projects/some-key/settings", "/sourceConfig/"] {
        let r = preflight(&app, path, "GET", "authorization").await;
        assert!(r.status().is_success(), "{path}: {}", r.status());
        assert_eq!(r.headers()["access-control-allow-origin"], "*", "{path}");
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

#[tokio::test]
async fn analytics_next_settings_point_the_library_at_this_host() {
    let app = spawn_app().await;
    let url = app.url(&format!("/v1/projects/{}/settings", app.write_key));
    let r = app
        .anon
        .get(&url)
        .header("origin", "https://shop.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.headers()["cache-control"], "public, max-age=300");
    let host = app.address.trim_start_matches("http://").to_owned();
    let body: Value = r.json().await.expect("JSON");
    let segment = &body["integrations"]["Segment.io"];
    assert_eq!(segment["apiKey"], app.write_key.as_str());
    assert_eq!(segment["apiHost"], format!("{host}/v1"));
    assert_eq!(segment["protocol"], "http");
    assert_eq!(body["remotePlugins"], json!([]));

    // Behind a load balancer that terminates TLS.
    let body: Value = app
        .anon
        .get(&url)
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["integrations"]["Segment.io"]["protocol"], "https");

    let r = app
        .anon
        .get(app.url("/v1/projects/stwk_no-such-key/settings"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 404);

    let (key, secret) = api::auth::write_keys::create(
        app.store.as_ref(),
        "revoked",
        shared::storage::WriteKeyKind::Browser,
        chrono::Utc::now(),
    )
    .await
    .expect("key");
    app.store
        .revoke_write_key(&key.id, chrono::Utc::now())
        .await
        .expect("revoked");
    let r = app
        .anon
        .get(app.url(&format!(
            "/v1/projects/{}/settings",
            secrecy::ExposeSecret::expose_secret(&secret)
        )))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 404);

    let r = app
        .anon
        .post(app.url("/v1/m"))
        .header("content-type", "text/plain")
        .body(r#"{"series":[]}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn a_configured_public_url_wins_over_the_request_host() {
    let app = spawn_app_with(&[("APP__SERVER__PUBLIC_URL", "https://t.shop.example/")]).await;
    let (status, body) = app
        .get_json(&format!("/v1/projects/{}/settings", app.write_key))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["integrations"]["Segment.io"]["apiHost"],
        "t.shop.example/v1"
    );
    assert_eq!(body["integrations"]["Segment.io"]["protocol"], "https");
}

#[tokio::test]
async fn rudderstack_source_config_answers_the_write_key_by_basic_auth() {
    let app = spawn_app().await;
    let basic = format!("Basic {}", STANDARD.encode(format!("{}:", app.write_key)));
    let r = app
        .anon
        .get(app.url("/sourceConfig/?p=npm&v=3.34.1&build=modern&writeKey=ignored"))
        .header("authorization", &basic)
        .header("origin", "https://shop.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let body: Value = r.json().await.expect("JSON");
    let source = &body["source"];
    // What the SDK checks before it sends anything.
    assert!(source["id"].is_string());
    assert!(source["config"].is_object());
    assert_eq!(source["destinations"], json!([]));
    assert_eq!(source["enabled"], true);

    let r = app
        .anon
        .get(app.url("/sourceConfig/"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn a_rudderstack_beacon_with_the_key_in_the_query_is_stored() {
    let app = spawn_app().await;
    let body = json!({
        "batch": [{
            "type": "track", "event": "Checkout Left", "messageId": "rs-beacon-1",
            "userId": "rs-u1", "anonymousId": "rs-a1",
            "properties": {"cart": 3},
            "context": {"sessionId": 1_764_990_000_123_i64, "traits": {"plan": "free"}},
            "originalTimestamp": "2026-11-21T10:00:00.000Z"
        }],
        "sentAt": "2026-11-21T10:00:00.100Z"
    });
    let r = app
        .anon
        .post(app.url(&format!("/beacon/v1/batch?writeKey={}", app.write_key)))
        .header("content-type", "text/plain;charset=UTF-8")
        .header("origin", "https://shop.example")
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let (_, page) = app.get_json("/v1/users/rs-u1/journey?limit=10").await;
    let event = &page["items"][0];
    assert_eq!(event["type"], "Checkout Left");
    assert_eq!(event["sessionId"], "1764990000123");
    assert_eq!(event["properties"]["cart"], 3);

    let r = app
        .anon
        .post(app.url("/beacon/v1/batch?writeKey=stwk_wrong"))
        .header("content-type", "text/plain")
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn rudderstack_identify_traits_reach_the_profile() {
    let app = spawn_app().await;
    let basic = format!("Basic {}", STANDARD.encode(format!("{}:", app.write_key)));
    let r = app
        .anon
        .post(app.url("/v1/identify"))
        .header("authorization", &basic)
        .header("anonymousid", STANDARD.encode("rs-a2"))
        .header("content-type", "application/json")
        .body(
            json!({
                "type": "identify", "messageId": "rs-id-1", "userId": "rs-u2",
                "anonymousId": "rs-a2",
                "context": {"traits": {"email": "rs@example.com"}, "sessionId": 1_764_990_000_555_i64},
                "originalTimestamp": "2026-11-21T10:00:00.000Z",
                "sentAt": "2026-11-21T10:00:00.100Z"
            })
            .to_string(),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let (status, user) = app.get_json("/v1/users/rs-u2").await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["traits"]["email"], "rs@example.com");
}

#[tokio::test]
async fn the_analytics_next_bundle_and_its_chunks_are_served_from_the_configured_directory() {
    let sdk = tempfile::tempdir().expect("dir");
    let dir = sdk.path().join("analytics-next");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("standalone.js"), "/* standalone */").expect("file");
    std::fs::write(dir.join("407.bundle.abc.js"), "/* chunk */").expect("file");
    let app = spawn_app_with(&[(
        "APP__SERVER__BROWSER_SDK_DIR",
        sdk.path().to_str().expect("utf-8"),
    )])
    .await;
    let r = app
        .anon
        .get(app.url(&format!(
            "/analytics.js/v1/{}/analytics.min.js",
            app.write_key
        )))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .contains("javascript")
    );
    assert_eq!(r.text().await.expect("body"), "/* standalone */");
    let r = app
        .anon
        .get(app.url("/analytics-next/bundles/407.bundle.abc.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let r = app
        .anon
        .get(app.url("/analytics-next/bundles/missing.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 404);

    let without = spawn_app_with(&[("APP__SERVER__BROWSER_SDK_DIR", "")]).await;
    let r = without
        .anon
        .get(without.url("/analytics.js/v1/k/analytics.min.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 404);
}
