//! `POST /v1/events`: acceptance, idempotency, per-event results and every kind of bad input.

use std::io::Write;

use serde_json::{Value, json};

use crate::helpers::*;

async fn assert_json_error(r: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("application/json"),
        "error bodies are JSON"
    );
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

async fn still_serving(app: &TestApp) {
    let r = app
        .post_events(&ev("alive", "u-alive", "page_view", "2026-01-01T00:00:00Z"))
        .await;
    assert!(
        r.status().is_success(),
        "the server still ingests after bad input"
    );
}

#[tokio::test]
async fn a_batch_shows_up_newest_first_and_reposting_it_changes_no_count() {
    let app = spawn_app().await;
    let batch = json!([
        ev("m1", "u1", "page_view", "2026-01-01T10:00:00Z"),
        ev("m2", "u1", "add_to_cart", "2026-01-01T10:01:00Z"),
        ev("m3", "u1", "purchase", "2026-01-01T10:02:00Z"),
    ]);
    let r = app.post_events(&batch).await;
    assert_eq!(r.status().as_u16(), 202);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(body["accepted"], 3);
    assert_eq!(
        body["results"][0],
        json!({"eventId": "m1", "status": "accepted"})
    );

    let (_, journey) = app.get_json("/v1/users/u1/journey").await;
    let ids: Vec<_> = journey["items"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["eventId"].clone())
        .collect();
    assert_eq!(ids, [json!("m3"), json!("m2"), json!("m1")]);
    assert_eq!(journey["nextCursor"], Value::Null);

    let stats_path = "/v1/stats?from=2026-01-01&to=2026-01-01";
    let (_, before) = app.get_json(stats_path).await;
    assert_eq!(before["totalEvents"], 3);
    let again: Value = app.post_events(&batch).await.json().await.expect("JSON");
    assert_eq!(again["accepted"], 0);
    assert_eq!(again["duplicates"], 3);
    let (_, after) = app.get_json(stats_path).await;
    assert_eq!(before, after, "a re-posted batch changes no count");
    let (_, user) = app.get_json("/v1/users/u1").await;
    assert_eq!(user["eventCount"], 3);
}

#[tokio::test]
async fn a_single_event_object_is_accepted_with_a_server_id_when_none_is_given() {
    let app = spawn_app().await;
    let r = app
        .post_events(&json!({"anonymousId": "a-1", "event": "Order Completed"}))
        .await;
    assert_eq!(r.status().as_u16(), 202);
    let body: Value = r.json().await.expect("JSON");
    let id = body["results"][0]["eventId"].as_str().expect("id");
    assert_eq!(
        uuid::Uuid::parse_str(id).expect("uuid").get_version_num(),
        7
    );
    let (_, j) = app.get_json("/v1/users/a-1/journey").await;
    assert_eq!(j["items"][0]["type"], "Order Completed");
    assert!(j["items"][0]["receivedAt"].is_string());
}

#[tokio::test]
async fn valid_events_are_stored_even_when_their_neighbours_are_rejected() {
    let app = spawn_app().await;
    let r = app
        .post_events(&json!([
            ev("ok-1", "u1", "search", "2026-01-01T00:00:00Z"),
            {"messageId": "bad-type", "userId": "u1", "type": 42},
            {"messageId": "no-ids", "type": "search"},
            ev("ok-2", "u1", "scroll", "2026-01-01T00:00:01Z"),
        ]))
        .await;
    assert_eq!(r.status().as_u16(), 202);
    let body: Value = r.json().await.expect("JSON");
    assert_eq!(
        (body["accepted"].clone(), body["rejected"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(body["results"][1]["eventId"], "bad-type");
    assert_eq!(body["results"][1]["status"], "rejected");
    assert_eq!(body["results"][1]["reason"]["code"], "invalid_event");
    assert_eq!(body["results"][2]["reason"]["code"], "missing_identity");
    let (_, j) = app.get_json("/v1/users/u1/journey").await;
    assert_eq!(j["items"].as_array().expect("events").len(), 2);
}

#[tokio::test]
async fn invalid_json_gets_a_400_json_error() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/v1/events"))
        .body("{\"userId\": ")
        .send()
        .await
        .expect("sent");
    assert_json_error(r, 400, "invalid_json").await;
    let r = app
        .client
        .post(app.url("/v1/events"))
        .body("\"just a string\"")
        .send()
        .await
        .expect("sent");
    assert_json_error(r, 400, "invalid_json").await;
    still_serving(&app).await;
}

#[tokio::test]
async fn wrong_types_and_missing_ids_get_a_400_with_per_event_reasons() {
    let app = spawn_app().await;
    let r = app
        .post_events(&json!({"userId": ["not", "a", "string"], "type": "search"}))
        .await;
    let body = assert_json_error(r, 400, "invalid_events").await;
    assert_eq!(body["results"][0]["reason"]["code"], "invalid_event");
    let r = app
        .post_events(&json!({"type": "search", "properties": {}}))
        .await;
    let body = assert_json_error(r, 400, "invalid_events").await;
    assert_eq!(body["results"][0]["reason"]["code"], "missing_identity");
    let r = app
        .post_events(&json!({"userId": "u", "type": "search", "timestamp": "yesterday"}))
        .await;
    assert_json_error(r, 400, "invalid_events").await;
    still_serving(&app).await;
}

#[tokio::test]
async fn a_5_mb_body_gets_413() {
    let app = spawn_app().await;
    let huge = format!(
        "[{}]",
        vec![r#"{"userId":"u","type":"scroll"}"#; 170_000].join(",")
    );
    assert!(huge.len() > 5_000_000);
    let r = app
        .client
        .post(app.url("/v1/events"))
        .body(huge)
        .send()
        .await
        .expect("sent");
    assert_json_error(r, 413, "payload_too_large").await;
    still_serving(&app).await;
}

#[tokio::test]
async fn too_many_events_in_one_request_get_413() {
    let app = spawn_app_with(&[("APP__INGEST__MAX_EVENTS_PER_REQUEST", "10")]).await;
    let many: Vec<_> = (0..11)
        .map(|i| json!({"userId": "u", "type": "scroll", "messageId": i.to_string()}))
        .collect();
    let r = app.post_events(&Value::Array(many)).await;
    assert_json_error(r, 413, "payload_too_large").await;
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("compress");
    enc.finish().expect("compress")
}

#[tokio::test]
async fn gzip_bodies_are_accepted() {
    let app = spawn_app().await;
    let body = serde_json::to_vec(&json!([ev("gz-1", "u1", "search", "2026-01-01T00:00:00Z")]))
        .expect("json");
    let r = app
        .client
        .post(app.url("/v1/events"))
        .header("content-encoding", "gzip")
        .body(gzip(&body))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202);
    let (_, j) = app.get_json("/v1/users/u1/journey").await;
    assert_eq!(j["items"][0]["eventId"], "gz-1");
}

#[tokio::test]
async fn a_gzip_bomb_gets_413_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    // 50 MB of spaces compresses to about 50 KB: far under the raw limit, far over once inflated.
    let bomb = gzip(&vec![b' '; 50 * 1024 * 1024]);
    assert!(bomb.len() < 500_000);
    let r = app
        .client
        .post(app.url("/v1/events"))
        .header("content-encoding", "gzip")
        .body(bomb)
        .send()
        .await
        .expect("sent");
    assert_json_error(r, 413, "payload_too_large").await;
    let r = app
        .client
        .post(app.url("/v1/events"))
        .header("content-encoding", "gzip")
        .body(b"not gzip at all".to_vec())
        .send()
        .await
        .expect("sent");
    assert_json_error(r, 400, "invalid_gzip").await;
    let r = app
        .client
        .post(app.url("/v1/events"))
        .header("content-encoding", "br")
        .body(b"{}".to_vec())
        .send()
        .await
        .expect("sent");
    assert_json_error(r, 415, "unsupported_media_type").await;
    still_serving(&app).await;
}

#[tokio::test]
async fn deeply_nested_properties_are_rejected() {
    let app = spawn_app().await;
    let mut deep = json!("leaf");
    for _ in 0..20 {
        deep = json!({ "k": deep });
    }
    let r = app
        .post_events(&json!({"userId": "u", "type": "scroll", "properties": deep}))
        .await;
    let body = assert_json_error(r, 400, "invalid_events").await;
    assert_eq!(body["results"][0]["reason"]["code"], "too_deep");
    // Deeper than the JSON parser's own recursion limit: refused without a stack overflow.
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let raw = format!(r#"{{"userId":"u","type":"scroll","properties":{{"p":{nested}}}}}"#);
    let r = app
        .client
        .post(app.url("/v1/events"))
        .body(raw)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.expect("JSON");
    assert!(
        body["code"] == "invalid_json" || body["code"] == "invalid_events",
        "{body}"
    );
    still_serving(&app).await;
}

#[tokio::test]
async fn a_store_that_cannot_write_gets_503_with_retry_after_and_loses_nothing_good() {
    let app = spawn_app().await;
    let db = app.dir.path().join("shoptrail.db");
    let locker = rusqlite::Connection::open(&db).expect("open");
    locker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let r = app
        .post_events(&ev("x1", "u1", "search", "2026-01-01T00:00:00Z"))
        .await;
    assert_eq!(r.headers()["retry-after"], "1");
    assert_json_error(r, 503, "store_unavailable").await;
    locker.execute_batch("ROLLBACK").expect("unlock");
    // The client retries with the same id: stored once.
    let r = app
        .post_events(&ev("x1", "u1", "search", "2026-01-01T00:00:00Z"))
        .await;
    assert_eq!(r.status().as_u16(), 202);
    let (_, u) = app.get_json("/v1/users/u1").await;
    assert_eq!(u["eventCount"], 1);
}

#[tokio::test]
async fn a_full_queue_answers_503_overloaded_with_retry_after() {
    let app = spawn_app_with(&[
        ("APP__INGEST__MAX_REQUEST_BYTES", "4000"),
        ("APP__INGEST__MAX_EVENT_BYTES", "4000"),
        ("APP__BATCHER__QUEUE_MAX_BYTES", "4000"),
        ("APP__BATCHER__RETRY_AFTER_S", "3"),
    ])
    .await;
    let db = app.dir.path().join("shoptrail.db");
    let locker = rusqlite::Connection::open(&db).expect("open");
    locker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    // Twelve events (~3.6 KB by the batcher's measure) fill the queue while the store is locked.
    let filler: Vec<_> = (0..12)
        .map(|i| ev(&format!("f{i}"), "u1", "scroll", "2026-01-01T00:00:00Z"))
        .collect();
    let first = {
        let client = app.client.clone();
        let url = app.url("/v1/events");
        tokio::spawn(async move {
            client
                .post(url)
                .json(&filler)
                .send()
                .await
                .expect("sent")
                .status()
                .as_u16()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let late: Vec<_> = (0..4)
        .map(|i| ev(&format!("l{i}"), "u1", "scroll", "2026-01-01T00:00:00Z"))
        .collect();
    let r = app.post_events(&Value::Array(late)).await;
    assert_eq!(r.headers()["retry-after"], "3");
    assert_json_error(r, 503, "overloaded").await;
    locker.execute_batch("ROLLBACK").expect("unlock");
    assert_eq!(
        first.await.expect("join"),
        202,
        "released within the busy timeout, the queued batch is written"
    );
    still_serving(&app).await;
}
