//! The Segment-compatible routes, the tracker script and the demo shop, over real HTTP.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::helpers::*;

fn basic(key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    auth: Option<&str>,
    ctype: &str,
    body: String,
) -> (u16, Value) {
    let mut r = app
        .anon
        .post(app.url(path))
        .header("content-type", ctype)
        .body(body);
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    let r = r.send().await.expect("sent");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn journey(app: &TestApp, user: &str) -> Vec<Value> {
    let (status, page) = app
        .get_json(&format!("/v1/users/{user}/journey?limit=1000"))
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().expect("events").clone()
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn every_call_type_is_stored_with_basic_auth_and_answers_success() {
    let app = spawn_app().await;
    let auth = basic(&app.write_key);
    let calls = [
        (
            "/v1/identify",
            json!({"userId": "u1", "messageId": "m-i", "traits": {"email": "u1@example.com"}}),
        ),
        (
            "/v1/track",
            json!({"userId": "u1", "messageId": "m-t", "event": "Order Completed",
            "properties": {"total": 30}, "integrations": {"All": true}}),
        ),
        (
            "/v1/page",
            json!({"userId": "u1", "messageId": "m-p", "name": "Home", "category": "Shop"}),
        ),
        (
            "/v1/screen",
            json!({"userId": "u1", "messageId": "m-s", "name": "Cart"}),
        ),
        (
            "/v1/group",
            json!({"userId": "u1", "messageId": "m-g", "groupId": "acme", "traits": {"plan": "pro"}}),
        ),
    ];
    for (i, (path, body)) in calls.iter().enumerate() {
        let mut body = body.clone();
        body["timestamp"] = json!(format!("2026-11-20T10:0{i}:00Z"));
        let (status, answer) = post_raw(
            &app,
            path,
            Some(&auth),
            "application/json",
            body.to_string(),
        )
        .await;
        assert_eq!(status, 200, "{path}: {answer}");
        assert_eq!(answer["success"], true);
        assert_eq!(answer["accepted"], 1);
    }
    let events = journey(&app, "u1").await;
    assert_eq!(
        types(&events),
        [
            "group",
            "screen_view",
            "page_view",
            "Order Completed",
            "identify"
        ]
    );
    assert_eq!(events[2]["properties"]["name"], "Home");
    assert_eq!(events[2]["properties"]["category"], "Shop");
    assert_eq!(events[3]["context"]["integrations"], json!({"All": true}));
    assert_eq!(events[3]["source"], "test-suite");
    let (_, user) = app.get_json("/v1/users/u1").await;
    assert_eq!(user["traits"]["email"], "u1@example.com");
    assert_eq!(
        user["traits"]["group"],
        json!({"id": "acme", "traits": {"plan": "pro"}})
    );
    assert_eq!(user["eventCount"], 5);
}

#[tokio::test]
async fn a_retried_batch_changes_no_count() {
    let app = spawn_app().await;
    let batch = json!({
        "batch": [
            {"type": "track", "event": "add_to_cart", "userId": "u2", "messageId": "b-1", "timestamp": "2026-11-20T10:00:00Z"},
            {"type": "page", "anonymousId": "a2", "messageId": "b-2", "timestamp": "2026-11-20T10:01:00Z"},
            {"type": "track", "event": "purchase", "userId": "u2", "messageId": "b-3", "timestamp": "2026-11-20T10:02:00Z"}
        ]
    });
    let auth = basic(&app.write_key);
    let (status, first) = post_raw(
        &app,
        "/v1/batch",
        Some(&auth),
        "application/json",
        batch.to_string(),
    )
    .await;
    assert_eq!(
        (status, first["accepted"].clone()),
        (200, json!(3)),
        "{first}"
    );
    let (_, stats_before) = app
        .get_json("/v1/stats?from=2026-11-20&to=2026-11-20")
        .await;
    let (status, again) = post_raw(
        &app,
        "/v1/batch",
        Some(&auth),
        "application/json",
        batch.to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (again["accepted"].clone(), again["duplicates"].clone()),
        (json!(0), json!(3))
    );
    let (_, stats_after) = app
        .get_json("/v1/stats?from=2026-11-20&to=2026-11-20")
        .await;
    assert_eq!(stats_before, stats_after);
    assert_eq!(stats_after["totalEvents"], 3);
    assert_eq!(stats_after["totalUsers"], 2);
    let (_, user) = app.get_json("/v1/users/u2").await;
    assert_eq!(user["eventCount"], 2);
}

#[tokio::test]
async fn anonymous_events_join_the_users_journey_after_identify() {
    let app = spawn_app().await;
    // analytics.js style: short paths, text/plain, the key in the body.
    let key = app.write_key.clone();
    for (i, (path, body)) in [
        (
            "/v1/p",
            json!({"anonymousId": "anon-9", "properties": {"path": "/"}}),
        ),
        (
            "/v1/t",
            json!({"anonymousId": "anon-9", "event": "add_to_cart"}),
        ),
        (
            "/v1/i",
            json!({"anonymousId": "anon-9", "userId": "u9", "traits": {"name": "Nine"}}),
        ),
        (
            "/v1/t",
            json!({"anonymousId": "anon-9", "userId": "u9", "event": "purchase"}),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = body;
        body["writeKey"] = json!(key);
        body["messageId"] = json!(format!("web-{i}"));
        body["timestamp"] = json!(format!("2026-11-20T09:0{i}:00Z"));
        let (status, answer) = post_raw(&app, path, None, "text/plain", body.to_string()).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
    let events = journey(&app, "u9").await;
    assert_eq!(
        types(&events),
        ["purchase", "identify", "add_to_cart", "page_view"]
    );
    let (_, users) = app.get_json("/v1/users").await;
    let ids: Vec<&str> = users["items"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["userId"].as_str())
        .collect();
    assert_eq!(ids, ["u9"], "the anonymous profile was merged");
    let (_, stats) = app
        .get_json("/v1/stats?from=2026-11-20&to=2026-11-20")
        .await;
    assert_eq!(stats["totalUsers"], 1);
    assert_eq!(stats["totalEvents"], 4);
    // Alias: an old user id's events move to the new one.
    let (status, _) = post_raw(
        &app,
        "/v1/alias",
        Some(&basic(&key)),
        "application/json",
        json!({"previousId": "u9", "userId": "u9-new", "messageId": "al-1"}).to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(journey(&app, "u9-new").await.len(), 5);
}

#[tokio::test]
async fn bad_input_answers_as_the_libraries_expect() {
    let app = spawn_app().await;
    let auth = basic(&app.write_key);
    // No key anywhere: 401, whatever the body.
    let (status, _) = post_raw(&app, "/v1/track", None, "application/json", "{}".into()).await;
    assert_eq!(status, 401);
    let (status, _) = post_raw(&app, "/v1/b", None, "text/plain", "not json".into()).await;
    assert_eq!(status, 401);
    let (status, _) = post_raw(
        &app,
        "/v1/track",
        None,
        "text/plain",
        json!({"writeKey": "stwk_wrong", "userId": "u", "event": "x"}).to_string(),
    )
    .await;
    assert_eq!(status, 401);
    // Not JSON, no batch array, invalid message: 400 (not retried by the libraries).
    let (status, body) = post_raw(
        &app,
        "/v1/track",
        Some(&auth),
        "application/json",
        "{".into(),
    )
    .await;
    assert_eq!((status, body["code"].clone()), (400, json!("invalid_json")));
    let (status, _) = post_raw(
        &app,
        "/v1/batch",
        Some(&auth),
        "application/json",
        "{}".into(),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = post_raw(
        &app,
        "/v1/track",
        Some(&auth),
        "application/json",
        json!({"userId": "u"}).to_string(),
    )
    .await;
    assert_eq!(
        (status, body["code"].clone()),
        (400, json!("invalid_events"))
    );
    // One bad message does not block the others.
    let (status, body) = post_raw(
        &app,
        "/v1/batch",
        Some(&auth),
        "application/json",
        json!({"batch": [
            {"type": "track", "event": "ok", "userId": "u", "messageId": "good"},
            {"type": "track", "userId": "u", "messageId": "bad"}
        ]})
        .to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["accepted"].clone(), body["rejected"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(body["errors"][0]["eventId"], "bad");
    assert_eq!(body["errors"][0]["reason"]["code"], "missing_type");
    // A message over 32 KB is refused, the batch over 500 KB too.
    let big = "x".repeat(7000);
    let props: serde_json::Map<String, Value> =
        (0..5).map(|i| (format!("p{i}"), json!(big))).collect();
    let (status, body) = post_raw(
        &app,
        "/v1/track",
        Some(&auth),
        "application/json",
        json!({"userId": "u", "event": "big", "properties": props}).to_string(),
    )
    .await;
    assert_eq!(
        (status, body["results"][0]["reason"]["code"].clone()),
        (400, json!("event_too_large"))
    );
    let (status, _) = post_raw(
        &app,
        "/v1/batch",
        Some(&auth),
        "application/json",
        "x".repeat(600_000),
    )
    .await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn segment_routes_allow_any_origin_without_credentials() {
    let app = spawn_app().await;
    let r = app
        .anon
        .request(reqwest::Method::OPTIONS, app.url("/v1/batch"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("sent");
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(
        r.headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
}

#[tokio::test]
async fn the_tracker_script_and_the_demo_shop_are_served() {
    let app = spawn_app_with(&[("APP__DEMO__WRITE_KEY", "stwk_demo-key")]).await;
    let r = app.anon.get(app.url("/sdk.js")).send().await.expect("sent");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/javascript")
    );
    assert!(r.text().await.expect("body").contains("sendBeacon"));
    let r = app
        .anon
        .get(app.url("/demo/products/SKU-1"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = r.text().await.expect("body");
    assert!(html.contains("data-write-key=\"stwk_demo-key\""));
    assert!(html.contains("id=\"add-to-cart\""));
    let r = app
        .anon
        .get(app.url("/demo/products/nope"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 404);
    let off = spawn_app_with(&[("APP__DEMO__ENABLED", "false")]).await;
    let r = off.anon.get(off.url("/demo/")).send().await.expect("sent");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn gzip_batches_are_read_and_links_apply_to_the_rest_of_the_batch() {
    use std::io::Write as _;
    let app = spawn_app().await;
    let body = json!({"batch": [
        {"type": "identify", "anonymousId": "gz-anon", "userId": "gz-user", "messageId": "gz-1"},
        {"type": "track", "anonymousId": "gz-anon", "event": "search", "messageId": "gz-2"}
    ], "writeKey": app.write_key});
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body.to_string().as_bytes()).expect("gzip");
    let gz = enc.finish().expect("gzip");
    let r = app
        .anon
        .post(app.url("/v1/batch"))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gz)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let events = journey(&app, "gz-user").await;
    assert_eq!(events.len(), 2, "the anonymous-only track joined the user");
    let (_, users) = app.get_json("/v1/users?q=gz-").await;
    assert_eq!(users["items"].as_array().expect("users").len(), 1);
}

#[tokio::test]
async fn a_batch_is_judged_message_by_message() {
    let app = spawn_app().await;
    let auth = basic(&app.write_key);
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let body = format!(
        r#"{{"batch": [
            {{"type": "track", "messageId": "good-1", "userId": "u-judged", "event": "Product Viewed"}},
            {{"type": "track", "messageId": "huge-1", "userId": "u-judged", "event": "x", "properties": {{"n": 1e309}}}},
            {{"type": "track", "messageId": "deep-1", "userId": "u-judged", "event": "x", "properties": {{"d": {deep}}}}}
        ]}}"#
    );
    let (status, answer) = post_raw(&app, "/v1/batch", Some(&auth), "application/json", body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["success"], true);
    assert_eq!(
        (answer["accepted"].clone(), answer["rejected"].clone()),
        (json!(1), json!(2))
    );
    let refused: Vec<&str> = answer["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["eventId"].as_str())
        .collect();
    assert_eq!(refused, ["huge-1", "deep-1"]);
    let stored = journey(&app, "u-judged").await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["eventId"], "good-1");
}
