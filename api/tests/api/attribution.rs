//! `GET /v1/reports/attribution` over real HTTP: an anonymous newsletter visit that signs
//! in later, a direct return and a search visit before one order, and a paid-search buyer,
//! with every model's known figures; clear 400s. And `GET /v1/live`, the name for
//! the live stream.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

fn view(id: &str, who: (&str, &str), session: &str, ts: &str, url: &str, referrer: &str) -> Value {
    json!({"type": "page", "messageId": id, who.0: who.1, "sessionId": session,
           "timestamp": ts, "properties": {"url": url, "referrer": referrer}})
}

fn buy(id: &str, user: &str, session: &str, ts: &str, revenue: &str) -> Value {
    json!({"type": "track", "event": "purchase", "messageId": id, "userId": user,
           "sessionId": session, "timestamp": ts,
           "properties": {"orderId": format!("o-{id}"), "revenue": revenue, "currency": "EUR"}})
}

async fn batch(app: &TestApp, messages: Vec<Value>) {
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

fn row<'a>(report: &'a Value, value: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["value"] == value)
        .unwrap_or_else(|| panic!("no row {value}: {report}"))
}

const SHOP: &str = "https://shop.example";

async fn seeded() -> TestApp {
    let app = spawn_app().await;
    batch(
        &app,
        vec![
            view(
                "a1",
                ("anonymousId", "anon-ana"),
                "s-a1",
                "2026-06-01T10:00:00Z",
                &format!("{SHOP}/?utm_source=news&utm_medium=email&utm_campaign=spring"),
                "",
            ),
            json!({"type": "identify", "messageId": "a-id", "anonymousId": "anon-ana",
                   "userId": "ana", "sessionId": "s-a1", "timestamp": "2026-06-01T10:05:00Z"}),
            view(
                "a2",
                ("userId", "ana"),
                "s-a2",
                "2026-06-03T10:00:00Z",
                &format!("{SHOP}/"),
                "",
            ),
            view(
                "a3",
                ("userId", "ana"),
                "s-a3",
                "2026-06-05T10:00:00Z",
                &format!("{SHOP}/shoes"),
                "https://www.google.com/",
            ),
            buy("a4", "ana", "s-a3", "2026-06-05T10:10:00Z", "90.00"),
            view(
                "b1",
                ("userId", "ben"),
                "s-b1",
                "2026-06-04T10:00:00Z",
                &format!("{SHOP}/?utm_source=google&utm_medium=cpc&utm_campaign=Brand"),
                "https://www.google.com/",
            ),
            buy("b2", "ben", "s-b1", "2026-06-04T11:00:00Z", "40.00"),
        ],
    )
    .await;
    app
}

#[tokio::test]
async fn every_model_credits_a_merged_persons_visits_before_the_order() {
    let app = seeded().await;
    // The range starts after Ana's newsletter visit: the 30-day lookback reaches it.
    let (status, r) = app
        .get_json("/v1/reports/attribution?from=2026-06-02&to=2026-06-10")
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["models"],
        json!(["first", "lastNonDirect", "linear", "position", "timeDecay"])
    );
    assert_eq!(
        (r["dimension"].as_str(), r["lookbackDays"].as_u64()),
        (Some("channel"), Some(30))
    );
    assert_eq!(r["currency"], "EUR");
    let revenue = |value: &str| -> Vec<f64> {
        ["first", "lastNonDirect", "linear", "position", "timeDecay"]
            .iter()
            .map(|m| {
                row(&r, value)["models"][m]["revenue"]
                    .as_f64()
                    .expect("revenue")
            })
            .collect()
    };
    // Ages 4 d 10 min, 2 d 10 min and 10 min: time decay weights 2^(-age/7 d).
    assert_eq!(revenue("Email"), [90.0, 0.0, 30.0, 36.0, 24.29]);
    assert_eq!(revenue("Direct"), [0.0, 0.0, 30.0, 18.0, 29.61]);
    assert_eq!(revenue("Organic Search"), [0.0, 90.0, 30.0, 36.0, 36.1]);
    assert_eq!(revenue("Paid Search"), [40.0; 5]);
    assert_eq!(
        row(&r, "Direct")["models"]["linear"]["orders"],
        json!(0.3333)
    );
    assert_eq!(
        row(&r, "Direct")["models"]["position"]["conversions"],
        json!(0.2)
    );
    assert_eq!(
        r["total"],
        json!({"revenue": 130.0, "orders": 2.0, "conversions": 2.0})
    );
    assert_eq!(r["unattributed"]["orders"], json!(0.0));

    // One model: the figures on the row itself.
    let (status, r) = app
        .get_json(
            "/v1/reports/attribution?model=lastNonDirect&dimension=utmCampaign&from=2026-06-02&to=2026-06-10",
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["rows"],
        json!([
            {"value": "(none)", "revenue": 90.0, "orders": 1.0, "conversions": 1.0},
            {"value": "Brand", "revenue": 40.0, "orders": 1.0, "conversions": 1.0},
        ])
    );

    // A 3-day window no longer reaches the newsletter visit (4 days before the order).
    let (_, r) = app
        .get_json(
            "/v1/reports/attribution?model=first&lookbackDays=3&from=2026-06-02&to=2026-06-10",
        )
        .await;
    assert_eq!(row(&r, "Direct")["revenue"], json!(90.0));
    assert!(
        r["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|x| x["value"] != "Email")
    );
}

#[tokio::test]
async fn bad_attribution_parameters_answer_400() {
    let app = spawn_app().await;
    for (query, code) in [
        ("model=last", "invalid_model"),
        ("dimension=page", "invalid_dimension"),
        ("dimension=nope", "invalid_dimension"),
        ("lookbackDays=0", "invalid_lookback"),
        ("lookbackDays=91", "invalid_lookback"),
        ("lookbackDays=x", "invalid_lookback"),
        ("from=2026-06-10&to=2026-06-01", "invalid_range"),
        ("filter=nope", "invalid_filter"),
    ] {
        let (status, body) = app
            .get_json(&format!("/v1/reports/attribution?{query}"))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some(code)),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn the_live_stream_is_also_served_at_v1_live() {
    let app = spawn_app_with(&[("APP__LIVE__POLL_INTERVAL_MS", "100")]).await;
    let mut r = app
        .client
        .get(app.url("/v1/live?type=add_to_cart"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let now = chrono::Utc::now().to_rfc3339();
    let posted = app
        .post_events(&json!([ev("alias-cart", "u-alias", "add_to_cart", &now)]))
        .await;
    assert!(posted.status().is_success());
    let mut text = String::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while !text.contains("alias-cart") {
            match r.chunk().await {
                Ok(Some(c)) => text.push_str(&String::from_utf8_lossy(&c)),
                _ => break,
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no event within 10 s: {text}");
    assert!(text.contains("event: event\nid: alias-cart\n"), "{text}");
}
