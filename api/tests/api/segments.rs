//! Segments over real HTTP: create, read, change and delete (viewers read, analysts
//! write, changes audited), clear 400s and 404s, and a segment's members narrowing the
//! users list, its CSV, a timeseries, a breakdown and retention.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use shared::storage::Role;

use crate::helpers::*;

fn ts(days_ago: i64, minutes: i64) -> String {
    (Utc::now() - Duration::days(days_ago) + Duration::minutes(minutes))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn page(id: &str, user: &str, at: String, url: &str) -> Value {
    json!({"type": "page", "messageId": id, "userId": user, "timestamp": at,
           "context": {"page": {"url": url}}})
}

fn purchase(id: &str, user: &str, at: String) -> Value {
    json!({"type": "track", "event": "purchase", "messageId": id, "userId": user,
           "timestamp": at,
           "properties": {"orderId": format!("o-{id}"), "revenue": "10.00", "currency": "EUR"}})
}

async fn seed(app: &TestApp) {
    let batch = vec![
        json!({"type": "identify", "messageId": "u1-i", "userId": "u1", "timestamp": ts(3, 0),
               "traits": {"email": "ana@shop.test", "name": "Ana Ruiz"}}),
        page("u1-a", "u1", ts(3, 1), "https://shop.example/"),
        purchase("u1-b", "u1", ts(3, 2)),
        page("u1-c", "u1", ts(2, 0), "https://shop.example/"),
        purchase("u1-d", "u1", ts(2, 1)),
        page(
            "u2-a",
            "u2",
            ts(2, 0),
            "https://shop.example/?utm_campaign=spring",
        ),
        purchase("u2-b", "u2", ts(2, 1)),
        page(
            "u3-a",
            "u3",
            ts(1, 0),
            "https://shop.example/?utm_campaign=spring",
        ),
    ];
    let r = app
        .anon
        .post(app.url("/v1/batch"))
        .header("content-type", "text/plain")
        .body(json!({"writeKey": app.write_key, "batch": batch}).to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200);
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("sent");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["userId"].as_str().or(u.as_str()).expect("an id"))
        .collect()
}

#[tokio::test]
async fn a_saved_segment_narrows_the_users_list_and_the_reports_to_its_members() {
    let app = spawn_app().await;
    seed(&app).await;
    let repeat = json!({"name": "Repeat buyers", "conditions": [
        {"kind": "behaviour", "event": "purchase", "min": 2, "lastDays": 30}
    ]});
    let (status, created) = send(&app, reqwest::Method::POST, "/v1/segments", Some(repeat)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["conditions"][0]["kind"], "behaviour");

    let (status, members) = app.get_json(&format!("/v1/segments/{id}/members")).await;
    assert_eq!(status, 200, "{members}");
    assert_eq!((ids(&members), &members["total"]), (vec!["u1"], &json!(1)));

    let (status, users) = app.get_json(&format!("/v1/users?segment={id}")).await;
    assert_eq!(status, 200, "{users}");
    assert_eq!((ids(&users), &users["total"]), (vec!["u1"], &json!(1)));
    let (_, everyone) = app.get_json("/v1/users").await;
    assert_eq!(everyone["total"], 3);
    // The search by trait works inside a segment too.
    let (_, found) = app
        .get_json(&format!("/v1/users?segment={id}&q=ruiz"))
        .await;
    assert_eq!(ids(&found), ["u1"]);
    let (_, none) = app.get_json(&format!("/v1/users?segment={id}&q=zzz")).await;
    assert_eq!(none["total"], 0);
    let csv = app
        .client
        .get(app.url(&format!("/v1/users.csv?segment={id}")))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("csv");
    assert_eq!(csv.lines().count(), 2, "header and u1: {csv}");
    assert!(
        csv.lines().nth(1).is_some_and(|l| l.starts_with("u1,")),
        "{csv}"
    );

    let metrics = "metrics=visitors,orders";
    let (status, all) = app
        .get_json(&format!(
            "/v1/reports/breakdown?dimension=channel&{metrics}"
        ))
        .await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        (&all["total"]["visitors"], &all["total"]["orders"]),
        (&json!(3), &json!(3))
    );
    let (status, narrowed) = app
        .get_json(&format!(
            "/v1/reports/breakdown?dimension=channel&{metrics}&segment={id}"
        ))
        .await;
    assert_eq!(status, 200, "{narrowed}");
    assert_eq!(
        (&narrowed["total"]["visitors"], &narrowed["total"]["orders"]),
        (&json!(1), &json!(2))
    );
    let (status, series) = app
        .get_json(&format!("/v1/reports/timeseries?{metrics}&segment={id}"))
        .await;
    assert_eq!(status, 200, "{series}");
    let orders: u64 = series["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p["orders"].as_u64().expect("orders"))
        .sum();
    assert_eq!(orders, 2);
    let (status, retention) = app
        .get_json(&format!(
            "/v1/reports/retention?interval=day&periods=1&segment={id}"
        ))
        .await;
    assert_eq!(status, 200, "{retention}");
    let sizes: u64 = retention["cohorts"]
        .as_array()
        .expect("cohorts")
        .iter()
        .map(|c| c["size"].as_u64().expect("size"))
        .sum();
    assert_eq!(sizes, 1);

    // "Came from campaign spring" and its negation.
    let (_, spring) = send(&app, reqwest::Method::POST, "/v1/segments", Some(json!({
        "name": "Spring", "conditions": [{"kind": "dimension", "dimension": "utmCampaign", "value": "spring"}]
    }))).await;
    let spring_id = spring["id"].as_str().expect("id");
    let (_, members) = app
        .get_json(&format!("/v1/segments/{spring_id}/members?limit=1"))
        .await;
    assert_eq!((ids(&members), &members["total"]), (vec!["u2"], &json!(2)));
    let cursor = members["nextCursor"].as_str().expect("a next page");
    let (_, rest) = app
        .get_json(&format!(
            "/v1/segments/{spring_id}/members?limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(
        (ids(&rest), &rest["nextCursor"]),
        (vec!["u3"], &Value::Null)
    );
}

#[tokio::test]
async fn segments_are_listed_changed_and_deleted_with_clear_errors_and_an_audit_trail() {
    let app = spawn_app().await;
    let body = |name: &str| {
        json!({"name": name, "conditions": [
            {"kind": "trait", "key": "plan", "op": "equals", "value": "pro"}
        ]})
    };
    let (_, a) = send(&app, reqwest::Method::POST, "/v1/segments", Some(body("A"))).await;
    let (_, b) = send(&app, reqwest::Method::POST, "/v1/segments", Some(body("B"))).await;
    let (status, list) = app.get_json("/v1/segments").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["B", "A"], "newest first");
    let a_id = a["id"].as_str().expect("id");

    let (status, changed) = send(
        &app,
        reqwest::Method::PUT,
        &format!("/v1/segments/{a_id}"),
        Some(body("Pro plan")),
    )
    .await;
    assert_eq!((status, changed["name"].as_str()), (200, Some("Pro plan")));
    let (_, got) = app.get_json(&format!("/v1/segments/{a_id}")).await;
    assert_eq!(got["name"], "Pro plan");

    let (status, bad) = send(
        &app,
        reqwest::Method::POST,
        "/v1/segments",
        Some(json!({"name": "x", "conditions": []})),
    )
    .await;
    assert_eq!(
        (status, bad["code"].as_str()),
        (400, Some("invalid_segment"))
    );
    let (status, bad) = send(
        &app,
        reqwest::Method::POST,
        "/v1/segments",
        Some(json!({"name": "x", "conditions": [
            {"kind": "behaviour", "event": "purchase"}
        ]})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        bad["message"]
            .as_str()
            .expect("message")
            .contains("min, max"),
        "{bad}"
    );

    for path in [
        "/v1/segments/nope",
        "/v1/users?segment=nope",
        "/v1/reports/timeseries?segment=nope",
        "/v1/reports/breakdown?dimension=channel&segment=nope",
        "/v1/reports/retention?segment=nope",
        "/v1/reports/attribution?segment=nope",
        "/v1/segments/nope/members",
    ] {
        let (status, e) = app.get_json(path).await;
        assert_eq!(
            (status, e["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }

    // Viewers read and cannot write.
    add_member(&app.store, "viewer@shoptrail.test", Role::Viewer).await;
    let viewer = with_cookie(&login(&app.address, "viewer@shoptrail.test", PASSWORD).await);
    let r = viewer
        .get(app.url("/v1/segments"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200);
    let r = viewer
        .post(app.url("/v1/segments"))
        .json(&body("C"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 403);

    let (status, _) = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/v1/segments/{a_id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/v1/segments/{a_id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (_, list) = app.get_json("/v1/segments").await;
    assert_eq!(list["items"][0]["id"], b["id"]);

    let (_, audit) = app.get_json("/v1/admin/audit?limit=50").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("segment."))
        .collect();
    assert_eq!(
        actions,
        [
            "segment.delete",
            "segment.update",
            "segment.create",
            "segment.create"
        ]
    );
}

#[tokio::test]
async fn a_segment_narrows_funnels_and_attribution_to_its_members() {
    let app = spawn_app().await;
    seed(&app).await;
    // u1 (two visits, two purchases) and u2 (campaign spring, one purchase) buy; u3 only looks.
    let (_, spring) = send(&app, reqwest::Method::POST, "/v1/segments", Some(json!({
        "name": "Spring", "conditions": [{"kind": "dimension", "dimension": "utmCampaign", "value": "spring"}]
    }))).await;
    let id = spring["id"].as_str().expect("id").to_owned();

    let funnel = |segment: Option<&str>| {
        let mut body = json!({"steps": ["page_view", "purchase"]});
        if let Some(s) = segment {
            body["segment"] = json!(s);
        }
        body
    };
    let (status, all) = send(
        &app,
        reqwest::Method::POST,
        "/v1/funnels",
        Some(funnel(None)),
    )
    .await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        (&all["steps"][0]["entered"], &all["steps"][1]["entered"]),
        (&json!(3), &json!(2)),
        "{all}"
    );
    let (status, narrowed) = send(
        &app,
        reqwest::Method::POST,
        "/v1/funnels",
        Some(funnel(Some(&id))),
    )
    .await;
    assert_eq!(status, 200, "{narrowed}");
    assert_eq!(
        (
            &narrowed["steps"][0]["entered"],
            &narrowed["steps"][1]["entered"]
        ),
        (&json!(2), &json!(1)),
        "u2 and u3 enter, u2 buys: {narrowed}"
    );
    let (status, e) = send(
        &app,
        reqwest::Method::POST,
        "/v1/funnels",
        Some(funnel(Some("nope"))),
    )
    .await;
    assert_eq!((status, e["code"].as_str()), (404, Some("not_found")));

    let (status, all) = app
        .get_json("/v1/reports/attribution?model=first&dimension=utmCampaign")
        .await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["total"]["orders"], json!(3.0), "{all}");
    let (status, narrowed) = app
        .get_json(&format!(
            "/v1/reports/attribution?model=first&dimension=utmCampaign&segment={id}"
        ))
        .await;
    assert_eq!(status, 200, "{narrowed}");
    assert_eq!(
        narrowed["total"]["orders"],
        json!(1.0),
        "only u2's order: {narrowed}"
    );
    let rows = narrowed["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{narrowed}");
    assert_eq!(
        (&rows[0]["value"], &rows[0]["orders"]),
        (&json!("spring"), &json!(1.0))
    );
}
