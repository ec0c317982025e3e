//! `GET /v1/reports/retention` over real HTTP: weekly cohorts in the shop's time zone with
//! known answers, an anonymous visitor who signs in later counted from their first visit,
//! returning on a chosen event, revenue per period, and clear 400s.

use serde_json::{Value, json};

use crate::helpers::*;

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

fn page(id: &str, user: &str, ts: &str) -> Value {
    json!({"type": "page", "messageId": id, "userId": user, "timestamp": ts})
}

async fn segment_batch(app: &TestApp, messages: Vec<Value>) {
    let r = app
        .anon
        .post(app.url("/v1/batch"))
        .header("content-type", "text/plain")
        .body(json!({"writeKey": app.write_key, "batch": messages}).to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200);
}

fn cohorts(report: &Value) -> Vec<(String, u64, Vec<u64>)> {
    report["cohorts"]
        .as_array()
        .expect("cohorts")
        .iter()
        .map(|c| {
            (
                c["cohort"].as_str().expect("cohort").to_owned(),
                c["size"].as_u64().expect("size"),
                c["returning"]
                    .as_array()
                    .expect("returning")
                    .iter()
                    .map(|n| n.as_u64().expect("count"))
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn weekly_cohorts_in_the_shops_time_zone_follow_merged_people_and_revenue() {
    let app = spawn_app_with(&[("APP__SHOP__TIME_ZONE", "Europe/Madrid")]).await;
    segment_batch(
        &app,
        vec![
            page("u1-a", "u1", "2026-06-01T10:00:00Z"),
            json!({"type": "page", "messageId": "u2-a", "userId": "u2",
                   "timestamp": "2026-06-02T10:00:00Z", "context": {"userAgent": IPHONE}}),
            // 00:30 on Monday 8 June in Madrid: the second cohort.
            page("u3-a", "u3", "2026-06-07T22:30:00Z"),
            json!({"type": "page", "messageId": "a9-a", "anonymousId": "a-9",
                   "timestamp": "2026-06-03T10:00:00Z"}),
            page("u1-b", "u1", "2026-06-09T10:00:00Z"),
            json!({"type": "identify", "messageId": "u4-i", "userId": "u4", "anonymousId": "a-9",
                   "timestamp": "2026-06-10T10:00:00Z"}),
            page("u3-b", "u3", "2026-06-15T10:00:00Z"),
            json!({"type": "track", "event": "purchase", "messageId": "u1-c", "userId": "u1",
                   "timestamp": "2026-06-16T10:00:00Z",
                   "properties": {"orderId": "o-1", "revenue": "20.00", "currency": "EUR"}}),
        ],
    )
    .await;

    let (status, r) = app
        .get_json("/v1/reports/retention?interval=week&from=2026-06-01&to=2026-06-08&periods=3")
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["timeZone"], "Europe/Madrid");
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some("2026-06-01"), Some("2026-06-14"))
    );
    assert_eq!(
        (r["cohortEvent"].as_str(), r["returning"].as_str()),
        (Some("any"), Some("any"))
    );
    assert_eq!(
        cohorts(&r),
        [
            // u1, u2 and u4 (first seen as a-9 on 3 June).
            ("2026-06-01".to_owned(), 3, vec![3, 2, 1]),
            ("2026-06-08".to_owned(), 1, vec![1, 1, 0]),
        ]
    );
    assert_eq!(r["cohorts"][0]["revenue"], json!([0.0, 0.0, 20.0]));
    assert_eq!(r["cohorts"][0]["partial"], false);
    assert_eq!(r["curve"], json!([1.0, 0.75, 0.25]));
    assert_eq!(r["currency"], "EUR");

    // A filter keeps the people with a passing visit in their cohort's period: u2 on a phone.
    let (status, r) = app
        .get_json("/v1/reports/retention?interval=week&from=2026-06-01&to=2026-06-08&periods=3&filter=device:mobile")
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        cohorts(&r),
        [
            ("2026-06-01".to_owned(), 1, vec![1, 0, 0]),
            ("2026-06-08".to_owned(), 0, vec![0, 0, 0]),
        ]
    );

    let (status, r) = app
        .get_json("/v1/reports/retention?interval=week&from=2026-06-01&to=2026-06-01&periods=3&returning=purchase")
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(cohorts(&r), [("2026-06-01".to_owned(), 3, vec![0, 0, 1])]);

    let (status, r) = app
        .get_json("/v1/reports/retention?interval=month&from=2026-06-01&to=2026-06-30&periods=2&cohortEvent=purchase")
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(cohorts(&r), [("2026-06".to_owned(), 1, vec![1, 0])]);
}

#[tokio::test]
async fn bad_retention_parameters_are_clear_400s() {
    let app = spawn_app().await;
    for (query, code) in [
        ("interval=hour", "invalid_interval"),
        ("interval=year", "invalid_interval"),
        ("periods=0", "invalid_periods"),
        ("periods=61", "invalid_periods"),
        ("periods=two", "invalid_periods"),
        ("returning=%00", "invalid_event"),
        ("cohortEvent=", "invalid_event"),
        ("from=2026-06-10&to=2026-06-01", "invalid_range"),
        ("filter=nonsense", "invalid_filter"),
    ] {
        let (status, body) = app
            .get_json(&format!("/v1/reports/retention?{query}"))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some(code)),
            "{query}: {body}"
        );
    }
}
