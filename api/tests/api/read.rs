//! Read APIs: users, profiles, journeys and stats.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn users_are_listed_most_recent_first_and_paged_with_a_cursor() {
    let app = spawn_app().await;
    let batch: Vec<_> = (0..5)
        .map(|i| {
            ev(
                &format!("e{i}"),
                &format!("user-{i}"),
                "page_view",
                &format!("2026-01-0{}T00:00:00Z", i + 1),
            )
        })
        .collect();
    app.post_events(&Value::Array(batch)).await;
    let (status, page) = app.get_json("/v1/users?limit=2").await;
    assert_eq!(status, 200);
    let ids: Vec<_> = page["items"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["userId"].clone())
        .collect();
    assert_eq!(ids, [json!("user-4"), json!("user-3")]);
    let cursor = page["nextCursor"].as_str().expect("more pages");
    let (_, next) = app
        .get_json(&format!("/v1/users?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(next["items"][0]["userId"], "user-2");
    let (_, found) = app.get_json("/v1/users?q=USER-3").await;
    assert_eq!(found["items"].as_array().expect("users").len(), 1);
    let u = &found["items"][0];
    assert_eq!(u["eventCount"], 1);
    assert_eq!(u["lastEventType"], "page_view");
    assert_eq!(u["firstSeen"], "2026-01-04T00:00:00Z");
}

#[tokio::test]
async fn an_unknown_user_is_a_404_json_error() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/v1/users/nobody").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");
    let (status, body) = app.get_json("/v1/users/nobody/journey").await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"items": [], "nextCursor": null}));
}

#[tokio::test]
async fn journey_pages_filter_and_validate_their_parameters() {
    let app = spawn_app().await;
    let batch: Vec<_> = (0..30)
        .map(|i| {
            ev(
                &format!("e{i:02}"),
                "u1",
                if i % 3 == 0 { "purchase" } else { "page_view" },
                &format!("2026-01-01T00:00:{i:02}Z"),
            )
        })
        .collect();
    app.post_events(&Value::Array(batch)).await;
    let (_, first) = app.get_json("/v1/users/u1/journey?limit=20").await;
    assert_eq!(first["items"].as_array().expect("events").len(), 20);
    let cursor = first["nextCursor"].as_str().expect("cursor");
    let (_, second) = app
        .get_json(&format!("/v1/users/u1/journey?limit=20&cursor={cursor}"))
        .await;
    assert_eq!(second["items"].as_array().expect("events").len(), 10);
    assert_eq!(second["items"][9]["eventId"], "e00");
    let (_, buys) = app.get_json("/v1/users/u1/journey?types=purchase").await;
    assert_eq!(buys["items"].as_array().expect("events").len(), 10);
    let (_, window) = app
        .get_json("/v1/users/u1/journey?from=2026-01-01T00:00:10Z&to=2026-01-01T00:00:20Z")
        .await;
    assert_eq!(window["items"].as_array().expect("events").len(), 10);
    for bad in [
        "limit=0",
        "limit=1001",
        "cursor=garbage",
        "from=yesterday",
        "limit=abc",
    ] {
        let (status, body) = app.get_json(&format!("/v1/users/u1/journey?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(body["code"].is_string(), "{bad}: {body}");
    }
}

#[tokio::test]
async fn stats_match_what_was_sent() {
    let app = spawn_app().await;
    app.post_events(&json!([
        ev("1", "a", "page_view", "2026-02-01T08:00:00Z"),
        ev("2", "a", "purchase", "2026-02-01T09:00:00Z"),
        ev("3", "b", "page_view", "2026-02-02T08:00:00Z"),
        ev("4", "c", "page_view", "2026-02-05T08:00:00Z"),
    ]))
    .await;
    let (status, s) = app
        .get_json("/v1/stats?from=2026-02-01&to=2026-02-03")
        .await;
    assert_eq!(status, 200);
    assert_eq!(s["totalEvents"], 3);
    assert_eq!(s["totalUsers"], 2);
    assert_eq!(s["avgEventsPerUser"], 1.5);
    assert_eq!(
        s["eventsPerDay"],
        json!([
            {"day": "2026-02-01", "count": 2}, {"day": "2026-02-02", "count": 1}, {"day": "2026-02-03", "count": 0}
        ])
    );
    assert_eq!(s["topTypes"][0], json!({"type": "page_view", "count": 2}));
    assert_eq!(
        s["dailyActiveUsers"][0],
        json!({"day": "2026-02-01", "count": 1})
    );
    let (status, _) = app
        .get_json("/v1/stats?from=2026-02-03&to=2026-02-01")
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .get_json("/v1/stats?from=2020-01-01&to=2026-01-01")
        .await;
    assert_eq!(status, 400);
    let (status, s) = app.get_json("/v1/stats").await;
    assert_eq!(status, 200);
    assert_eq!(
        s["eventsPerDay"].as_array().expect("days").len(),
        30,
        "default: the last 30 days"
    );
}

/// Sends one Segment message the way analytics.js does (short path, key in the body).
async fn segment(app: &TestApp, path: &str, mut body: Value) {
    body["writeKey"] = json!(app.write_key);
    let r = app
        .anon
        .post(app.url(path))
        .header("content-type", "text/plain")
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200, "{path}");
}

#[tokio::test]
async fn a_merged_anonymous_id_answers_with_its_person_and_says_so() {
    let app = spawn_app().await;
    segment(
        &app,
        "/v1/p",
        json!({"anonymousId": "anon-7", "messageId": "m-1", "timestamp": "2026-11-20T09:00:00Z"}),
    )
    .await;
    segment(
        &app,
        "/v1/i",
        json!({"anonymousId": "anon-7", "userId": "u7", "messageId": "m-2",
               "timestamp": "2026-11-20T09:01:00Z"}),
    )
    .await;
    let (status, merged) = app.get_json("/v1/users/anon-7").await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["userId"], "u7", "the person, not the anonymous id");
    assert_eq!(merged["mergedFrom"], "anon-7");
    assert_eq!(merged["eventCount"], 2);
    let (_, person) = app.get_json("/v1/users/u7").await;
    assert_eq!(person["userId"], "u7");
    assert!(person.get("mergedFrom").is_none(), "{person}");
    let (status, _) = app.get_json("/v1/users/nobody").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_journey_type_filter_offers_the_types_the_person_has() {
    let app = spawn_app().await;
    app.post_events(&json!([
        ev("t1", "u1", "page_view", "2026-01-01T00:00:00Z"),
        ev("t2", "u1", "Order Completed", "2026-01-01T00:01:00Z"),
        ev("t3", "u1", "page_view", "2026-01-01T00:02:00Z"),
        ev("t4", "u2", "search", "2026-01-01T00:03:00Z"),
    ]))
    .await;
    let (status, types) = app.get_json("/v1/users/u1/event-types").await;
    assert_eq!(status, 200);
    assert_eq!(
        types,
        json!({"items": ["Order Completed", "page_view"], "nextCursor": null})
    );
    let (_, none) = app.get_json("/v1/users/nobody/event-types").await;
    assert_eq!(none["items"], json!([]));
    let r = app
        .anon
        .get(app.url("/v1/users/u1/event-types"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 401, "viewers only");
}

#[tokio::test]
async fn every_listing_answers_one_camel_case_envelope_with_opaque_cursors() {
    let app = spawn_app().await;
    app.post_events(&json!([
        ev("p1", "u1", "page_view", "2026-01-01T00:00:00Z"),
        ev("p2", "u2", "page_view", "2026-01-02T00:00:00Z"),
    ]))
    .await;
    for day in ["2026-01-01", "2026-01-02"] {
        let r = app
            .client
            .post(app.url("/v1/exports"))
            .json(&json!({"date": day}))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status().as_u16(), 202);
    }
    for path in [
        "/v1/users?limit=1",
        "/v1/users/u1/journey?limit=1",
        "/v1/jobs?limit=1",
        "/v1/admin/audit?limit=1",
        "/v1/admin/members",
        "/v1/admin/write-keys",
    ] {
        let (status, page) = app.get_json(path).await;
        assert_eq!(status, 200, "{path}: {page}");
        let keys: Vec<&String> = page.as_object().expect("object").keys().collect();
        // The users list adds how many match in all.
        let expected: &[&str] = if path.starts_with("/v1/users?") {
            &["items", "nextCursor", "total"]
        } else {
            &["items", "nextCursor"]
        };
        assert_eq!(keys, expected, "{path}");
        assert!(
            !page["items"].as_array().expect("items").is_empty(),
            "{path}"
        );
        for item in page["items"].as_array().expect("items") {
            let snake = item
                .as_object()
                .expect("item")
                .keys()
                .find(|k| k.contains('_'));
            assert_eq!(snake, None, "{path}: {item}");
        }
    }
    // Job cursors are opaque like the others: a bare job id is not one.
    let (_, jobs) = app.get_json("/v1/jobs?limit=1").await;
    let cursor = jobs["nextCursor"].as_str().expect("a second page");
    let id = jobs["items"][0]["id"].as_str().expect("id");
    assert!(!cursor.contains(id), "the cursor does not show the id");
    let (_, next) = app
        .get_json(&format!("/v1/jobs?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(next["items"].as_array().expect("items").len(), 1);
    assert_ne!(next["items"][0]["id"], jobs["items"][0]["id"]);
    let (status, err) = app.get_json(&format!("/v1/jobs?cursor={id}")).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("invalid_cursor"))
    );
}

#[tokio::test]
async fn limits_and_ranges_are_checked_the_same_way_everywhere() {
    let app = spawn_app().await;
    for path in [
        "/v1/users?limit=0",
        "/v1/users/u1/journey?limit=1001",
        "/v1/jobs?limit=0",
        "/v1/admin/audit?limit=5000",
    ] {
        let (status, err) = app.get_json(path).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (400, Some("invalid_limit")),
            "{path}"
        );
    }
    for path in [
        "/v1/users?cursor=not-a-cursor",
        "/v1/users/u1/journey?cursor=e30",
        "/v1/admin/audit?cursor=%25%25",
    ] {
        let (status, err) = app.get_json(path).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (400, Some("invalid_cursor")),
            "{path}"
        );
    }
    for path in [
        "/v1/stats?from=2026-02-01&to=2026-01-01",
        "/v1/stats?from=2024-01-01&to=2026-01-01",
        "/v1/users/u1/journey?from=2026-02-01&to=2026-01-01",
    ] {
        let (status, err) = app.get_json(path).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (400, Some("invalid_range")),
            "{path}"
        );
    }
    let (status, err) = app.get_json("/v1/users/u1/journey?from=yesterday").await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_query")));
}

#[tokio::test]
async fn a_store_that_cannot_write_answers_503_with_the_configured_retry_after() {
    let app = spawn_app_with(&[("APP__BATCHER__RETRY_AFTER_S", "7")]).await;
    let db = app.dir.path().join("shoptrail.db");
    let locker = rusqlite::Connection::open(&db).expect("open");
    locker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let r = app
        .client
        .post(app.url("/v1/admin/write-keys"))
        .json(&json!({"source": "blocked"}))
        .send()
        .await
        .expect("sent");
    locker.execute_batch("ROLLBACK").expect("unlock");
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["retry-after"], "7");
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["code"], "store_unavailable");
}
