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
    let ids: Vec<_> = page["users"]
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
    assert_eq!(next["users"][0]["userId"], "user-2");
    let (_, found) = app.get_json("/v1/users?q=ER-3").await;
    assert_eq!(found["users"].as_array().expect("users").len(), 1);
    let u = &found["users"][0];
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
    assert_eq!(body, json!({"events": [], "nextCursor": null}));
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
    assert_eq!(first["events"].as_array().expect("events").len(), 20);
    let cursor = first["nextCursor"].as_str().expect("cursor");
    let (_, second) = app
        .get_json(&format!("/v1/users/u1/journey?limit=20&cursor={cursor}"))
        .await;
    assert_eq!(second["events"].as_array().expect("events").len(), 10);
    assert_eq!(second["events"][9]["eventId"], "e00");
    let (_, buys) = app.get_json("/v1/users/u1/journey?types=purchase").await;
    assert_eq!(buys["events"].as_array().expect("events").len(), 10);
    let (_, window) = app
        .get_json("/v1/users/u1/journey?from=2026-01-01T00:00:10Z&to=2026-01-01T00:00:20Z")
        .await;
    assert_eq!(window["events"].as_array().expect("events").len(), 10);
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
