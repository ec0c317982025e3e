//! The users list (server-side sort, search by trait prefix, total, CSV export) and the
//! live view (a server-sent event stream, its per-instance cap, recent visitors) over real
//! HTTP.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

/// Four people: events per person 3, 1, 2, 2; ana and bob carry traits.
async fn seed(app: &TestApp) {
    let mut batch = Vec::new();
    for (user, n) in [("u-ana", 3), ("u-bob", 1), ("u-cy", 2), ("u-dee", 2)] {
        for i in 0..n {
            batch.push(ev(
                &format!("{user}-{i}"),
                user,
                "page_view",
                &format!("2026-01-0{}T10:00:00Z", i + 1),
            ));
        }
    }
    batch.push(
        json!({"messageId": "t-ana", "userId": "u-ana", "type": "identify",
        "timestamp": "2026-01-01T09:00:00Z",
        "traits": {"email": "ana@shop.test", "name": "Ana Pérez"}}),
    );
    batch.push(
        json!({"messageId": "t-bob", "userId": "u-bob", "type": "identify",
        "timestamp": "2026-01-01T09:00:00Z",
        "traits": {"email": "=bob@shop.test", "name": "Bob, Jr."}}),
    );
    assert!(
        app.post_events(&Value::Array(batch))
            .await
            .status()
            .is_success()
    );
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["userId"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn the_users_list_sorts_by_event_count_across_pages_with_its_total() {
    let app = spawn_app().await;
    seed(&app).await;
    let mut seen = Vec::new();
    let mut path = "/v1/users?sort=eventCount&order=desc&limit=3".to_owned();
    loop {
        let (status, page) = app.get_json(&path).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], 4);
        seen.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(c) => path = format!("/v1/users?sort=eventCount&order=desc&limit=3&cursor={c}"),
            None => break,
        }
    }
    // ana 4 (three views and the identify), dee and cy 2 (ties by id, descending), bob 2.
    assert_eq!(seen, ["u-ana", "u-dee", "u-cy", "u-bob"]);
    let (_, asc) = app.get_json("/v1/users?sort=userId&order=asc").await;
    assert_eq!(ids(&asc), ["u-ana", "u-bob", "u-cy", "u-dee"]);
    let (status, err) = app.get_json("/v1/users?sort=email").await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_query")));
    let (status, err) = app.get_json("/v1/users?order=sideways").await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_query")));
}

#[tokio::test]
async fn the_users_list_finds_people_by_email_or_name_and_counts_them() {
    let app = spawn_app().await;
    seed(&app).await;
    let (_, by_email) = app.get_json("/v1/users?q=ANA@").await;
    assert_eq!(
        (ids(&by_email), &by_email["total"]),
        (vec!["u-ana".to_owned()], &json!(1))
    );
    let (_, by_surname) = app.get_json("/v1/users?q=p%C3%A9r").await;
    assert_eq!(ids(&by_surname), ["u-ana"]);
    let (_, by_id) = app
        .get_json("/v1/users?q=u-&sort=userId&order=asc&limit=2")
        .await;
    assert_eq!(
        (ids(&by_id), &by_id["total"]),
        (vec!["u-ana".to_owned(), "u-bob".to_owned()], &json!(4))
    );
    let (_, none) = app.get_json("/v1/users?q=nobody").await;
    assert_eq!(
        (none["items"].as_array().map(Vec::len), &none["total"]),
        (Some(0), &json!(0))
    );
}

#[tokio::test]
async fn the_users_csv_holds_the_matching_people_in_the_lists_order() {
    let app = spawn_app().await;
    seed(&app).await;
    let r = app
        .client
        .get(app.url("/v1/users.csv?q=u-&sort=userId&order=asc"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let body = r.text().await.expect("body");
    let lines: Vec<&str> = body.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "userId,anonymous,firstSeen,lastSeen,eventCount,lastEventType,email,name,traits"
    );
    assert_eq!(
        lines[1],
        "u-ana,false,2026-01-01T09:00:00.000Z,2026-01-03T10:00:00.000Z,4,page_view,\
         ana@shop.test,Ana Pérez,\"{\"\"email\"\":\"\"ana@shop.test\"\",\"\"name\"\":\"\"Ana Pérez\"\"}\""
    );
    // A cell a spreadsheet would run as a formula is neutralised; commas are quoted.
    assert!(lines[2].starts_with("u-bob,false,"), "{}", lines[2]);
    assert!(
        lines[2].contains(",'=bob@shop.test,\"Bob, Jr.\","),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines.len(),
        6,
        "header, four people, and the final line end"
    );
    assert_eq!(lines[5], "");
    let r = app
        .client
        .get(app.url("/v1/users.csv?q=zzz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        r.text().await.expect("body").lines().count(),
        1,
        "the header alone"
    );
    let r = app
        .anon
        .get(app.url("/v1/users.csv"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 401);
}

/// Reads a server-sent event stream until `want` appears in it, for at most `within`.
async fn read_until(r: &mut reqwest::Response, want: &str, within: Duration) -> String {
    let mut text = String::new();
    let _ = tokio::time::timeout(within, async {
        while let Ok(Some(chunk)) = r.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains(want) {
                break;
            }
        }
    })
    .await;
    text
}

fn now_event(id: &str, user: &str, kind: &str) -> Value {
    ev(id, user, kind, &chrono::Utc::now().to_rfc3339())
}

#[tokio::test]
async fn a_live_stream_receives_an_event_posted_after_it_connected() {
    let app = spawn_app_with(&[("APP__LIVE__POLL_INTERVAL_MS", "100")]).await;
    let mut r = app
        .client
        .get(app.url("/v1/live/events?type=add_to_cart"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let posted = app
        .post_events(&json!([
            now_event("live-view", "u-live", "page_view"),
            now_event("live-cart", "u-live", "add_to_cart"),
        ]))
        .await;
    assert!(posted.status().is_success());
    let text = read_until(&mut r, "live-cart", Duration::from_secs(10)).await;
    assert!(text.contains("event: event\nid: live-cart\n"), "{text}");
    let data = text
        .lines()
        .find(|l| l.starts_with("data: ") && l.contains("live-cart"))
        .expect("a data line");
    let e: Value = serde_json::from_str(&data["data: ".len()..]).expect("JSON");
    assert_eq!(
        (e["type"].as_str(), e["userId"].as_str()),
        (Some("add_to_cart"), Some("u-live"))
    );
    assert!(!text.contains("live-view"), "the type filter holds: {text}");
}

#[tokio::test]
async fn live_streams_past_the_cap_answer_429_with_retry_after() {
    let app = spawn_app_with(&[("APP__LIVE__MAX_STREAMS", "1")]).await;
    let first = app
        .client
        .get(app.url("/v1/live/events"))
        .send()
        .await
        .expect("sent");
    assert_eq!(first.status(), 200);
    let second = app
        .client
        .get(app.url("/v1/live/events"))
        .send()
        .await
        .expect("sent");
    assert_eq!(second.status(), 429);
    assert!(second.headers().contains_key("retry-after"));
    let err: Value = second.json().await.expect("JSON");
    assert_eq!(err["code"], "rate_limited");
}

#[tokio::test]
async fn visitors_are_the_people_seen_in_the_last_five_minutes() {
    let app = spawn_app().await;
    let posted = app
        .post_events(&json!([
            now_event("v1", "u-now-1", "page_view"),
            now_event("v2", "u-now-2", "page_view"),
            ev("old", "u-old", "page_view", "2026-01-01T00:00:00Z"),
        ]))
        .await;
    assert!(posted.status().is_success());
    let (status, body) = app.get_json("/v1/live/visitors").await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"visitors": 2, "windowSeconds": 300}));
}

#[tokio::test]
async fn a_shutdown_ends_open_live_streams() {
    let app = spawn_app_with(&[("APP__LIVE__POLL_INTERVAL_MS", "100")]).await;
    let mut r = app
        .client
        .get(app.url("/v1/live/events"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    let stopping = tokio::spawn(app.stop());
    // The body ends (rather than waiting out the 20 s grace period).
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = r.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended on shutdown");
    stopping.await.expect("stopped");
}
