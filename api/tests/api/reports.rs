//! The reports family against a scenario with known answers, sent through `/v1/batch` and
//! `/v1/events` of the real server: channels, devices, countries, campaigns, bounce rate,
//! orders, revenue and conversion; an order sent twice counts once and a refund subtracts;
//! a bot appears nowhere; days are cut in the shop's time zone.

use serde_json::{Value, json};

use crate::helpers::*;

const WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const RANGE: &str = "from=2026-06-01&to=2026-06-01";

/// A page view of `anon` in session `session` at minute `min` past 10:00 UTC on 1 June.
fn view(
    id: &str,
    anon: &str,
    session: &str,
    min: u32,
    url: &str,
    referrer: &str,
    ua: &str,
) -> Value {
    json!({"type": "page", "messageId": id, "anonymousId": anon, "sessionId": session,
           "timestamp": format!("2026-06-01T10:{min:02}:00Z"),
           "properties": {"url": url, "referrer": referrer},
           "context": {"userAgent": ua}})
}

async fn batch(app: &TestApp, messages: Vec<Value>, country: Option<&str>) {
    let mut r = app
        .anon
        .post(app.url("/v1/batch"))
        .header("content-type", "text/plain");
    if let Some(c) = country {
        r = r.header("CloudFront-Viewer-Country", c);
    }
    let r = r
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

const METRICS: &str =
    "metrics=sessions,visitors,pageviews,bounceRate,orders,revenue,aov,conversionRate";

#[tokio::test]
async fn a_scenario_with_known_answers_by_channel_device_country_and_campaign() {
    let app = spawn_app_with(&[
        ("APP__INGEST__COUNTRY_HEADER", "CloudFront-Viewer-Country"),
        ("APP__SERVER__TRUSTED_PROXIES", "127.0.0.1/32"),
    ])
    .await;
    let google = "https://www.google.com/";
    let shop = "https://shop.example";
    // Three visits from Google without tags, two page views each; the third on an iPhone
    // from Spain, as CloudFront reports it.
    batch(
        &app,
        vec![
            view("g1a", "g1", "s-g1", 0, &format!("{shop}/"), google, WINDOWS),
            view(
                "g1b",
                "g1",
                "s-g1",
                2,
                &format!("{shop}/shoes"),
                &format!("{shop}/"),
                WINDOWS,
            ),
            view("g2a", "g2", "s-g2", 0, &format!("{shop}/"), google, WINDOWS),
            view(
                "g2b",
                "g2",
                "s-g2",
                3,
                &format!("{shop}/bags"),
                &format!("{shop}/"),
                WINDOWS,
            ),
        ],
        None,
    )
    .await;
    batch(
        &app,
        vec![
            view("g3a", "g3", "s-g3", 1, &format!("{shop}/"), google, IPHONE),
            view(
                "g3b",
                "g3",
                "s-g3",
                4,
                &format!("{shop}/shoes"),
                &format!("{shop}/"),
                IPHONE,
            ),
        ],
        Some("ES"),
    )
    .await;
    // Two visits of a cpc campaign; one buys for 50.00 EUR.
    let landing = format!("{shop}/sale?utm_source=google&utm_medium=cpc&utm_campaign=spring");
    batch(
        &app,
        vec![
            view("c1a", "c1", "s-c1", 5, &landing, google, WINDOWS),
            view("c1b", "c1", "s-c1", 6, &format!("{shop}/cart"), &landing, WINDOWS),
            view("c2a", "c2", "s-c2", 5, &landing, google, WINDOWS),
            json!({"type": "track", "event": "Order Completed", "messageId": "c2-buy", "anonymousId": "c2",
                   "sessionId": "s-c2", "timestamp": "2026-06-01T10:09:00Z",
                   "properties": {"orderId": "o-1", "revenue": 50.00, "currency": "EUR"},
                   "context": {"userAgent": WINDOWS}}),
            // A direct visit of one page: a bounce.
            view("d1a", "d1", "s-d1", 7, &format!("{shop}/"), "", WINDOWS),
            // A crawler.
            view("b1a", "bot-1", "s-b1", 8, &format!("{shop}/"), "", GOOGLEBOT),
            view("b1b", "bot-1", "s-b1", 9, &format!("{shop}/shoes"), "", GOOGLEBOT),
        ],
        None,
    )
    .await;

    let (status, ch) = app
        .get_json(&format!(
            "/v1/reports/breakdown?dimension=channel&{METRICS}&{RANGE}"
        ))
        .await;
    assert_eq!(status, 200, "{ch}");
    assert_eq!(
        (ch["timeZone"].clone(), ch["currency"].clone()),
        (json!("UTC"), json!("EUR"))
    );
    let organic = row(&ch, "Organic Search");
    assert_eq!(
        (organic["sessions"].clone(), organic["bounceRate"].clone()),
        (json!(3), json!(0.0))
    );
    let paid = row(&ch, "Paid Search");
    assert_eq!(paid["sessions"], 2);
    assert_eq!(paid["orders"], 1);
    assert_eq!(paid["revenue"], 50.0);
    assert_eq!(paid["aov"], 50.0);
    assert_eq!(paid["conversionRate"], 0.5);
    let direct = row(&ch, "Direct");
    assert_eq!(
        (direct["sessions"].clone(), direct["bounceRate"].clone()),
        (json!(1), json!(1.0))
    );
    assert_eq!(
        ch["rows"].as_array().expect("rows").len(),
        3,
        "the bot appears nowhere: {ch}"
    );
    assert_eq!(ch["total"]["sessions"], 6);
    assert_eq!(ch["total"]["visitors"], 6);
    assert_eq!(ch["total"]["pageviews"], 10);
    assert_eq!(ch["total"]["conversionRate"], json!(1.0 / 6.0));

    let (_, dev) = app
        .get_json(&format!(
            "/v1/reports/breakdown?dimension=device&{METRICS}&{RANGE}"
        ))
        .await;
    assert_eq!(row(&dev, "mobile")["sessions"], 1);
    assert_eq!(row(&dev, "desktop")["sessions"], 5);
    let (_, country) = app
        .get_json(&format!(
            "/v1/reports/breakdown?dimension=country&{METRICS}&{RANGE}"
        ))
        .await;
    assert_eq!(row(&country, "ES")["sessions"], 1);
    assert_eq!(row(&country, "(none)")["sessions"], 5);
    let (_, camp) = app
        .get_json(&format!(
            "/v1/reports/breakdown?dimension=utmCampaign&{METRICS}&{RANGE}"
        ))
        .await;
    assert_eq!(
        (
            row(&camp, "spring")["sessions"].clone(),
            row(&camp, "spring")["revenue"].clone()
        ),
        (json!(2), json!(50.0))
    );

    // Filters: clicking the Paid Search row filters every report.
    let (_, filtered) = app
        .get_json(&format!(
            "/v1/reports/breakdown?dimension=landingPage&{METRICS}&{RANGE}&filter=channel:Paid%20Search"
        ))
        .await;
    assert_eq!(row(&filtered, "/sale")["sessions"], 2);
    assert_eq!(filtered["total"]["sessions"], 2);
    let (_, not_paid) = app
        .get_json(&format!("/v1/reports/breakdown?dimension=channel&{METRICS}&{RANGE}&filter=channel!=Paid%20Search&filter=device~desk"))
        .await;
    assert_eq!(not_paid["total"]["sessions"], 3);

    let (_, ts) = app
        .get_json(&format!("/v1/reports/timeseries?interval=day&{METRICS}&from=2026-05-31&to=2026-06-01&compare=previous"))
        .await;
    assert_eq!(ts["points"][0]["t"], "2026-05-31");
    assert_eq!(ts["points"][0]["sessions"], 0);
    assert_eq!(ts["points"][1]["sessions"], 6);
    assert_eq!(ts["points"][1]["revenue"], 50.0);
    assert_eq!(ts["previous"].as_array().expect("previous").len(), 2);

    // The same order again under another message id counts once; a refund subtracts.
    let r = app
        .post_events(&json!([
            {"messageId": "c2-buy-again", "anonymousId": "c2", "sessionId": "s-c2", "type": "Order Completed",
             "timestamp": "2026-06-01T10:10:00Z", "properties": {"orderId": "o-1", "revenue": 50.00, "currency": "EUR"}},
            {"messageId": "c2-refund", "anonymousId": "c2", "type": "Order Refunded",
             "timestamp": "2026-06-01T12:00:00Z", "properties": {"orderId": "o-1", "revenue": 20.00}}
        ]))
        .await;
    assert_eq!(r.status().as_u16(), 202);
    let (_, ch) = app
        .get_json(&format!(
            "/v1/reports/breakdown?dimension=channel&{METRICS}&{RANGE}"
        ))
        .await;
    let paid = row(&ch, "Paid Search");
    assert_eq!(
        (paid["orders"].clone(), paid["revenue"].clone()),
        (json!(1), json!(30.0))
    );
    assert_eq!(ch["total"]["sessions"], 6, "a refund is no visit");
}

#[tokio::test]
async fn days_are_cut_at_the_shops_midnight() {
    let late = json!({"messageId": "late", "anonymousId": "n1", "type": "page_view",
                      "timestamp": "2026-06-01T23:30:00Z", "context": {"page": {"path": "/"}}});
    for (zone, day) in [("Europe/Madrid", "2026-06-02"), ("UTC", "2026-06-01")] {
        let app = spawn_app_with(&[("APP__SHOP__TIME_ZONE", zone)]).await;
        assert_eq!(app.post_events(&late).await.status().as_u16(), 202);
        let (status, ts) = app
            .get_json("/v1/reports/timeseries?metrics=sessions&from=2026-06-01&to=2026-06-02")
            .await;
        assert_eq!(status, 200, "{ts}");
        assert_eq!(ts["timeZone"], zone);
        let busy: Vec<&Value> = ts["points"]
            .as_array()
            .expect("points")
            .iter()
            .filter(|p| p["sessions"] == 1)
            .collect();
        assert_eq!(busy.len(), 1, "{zone}: {ts}");
        assert_eq!(busy[0]["t"], day, "{zone}");
    }
}

#[tokio::test]
async fn bad_report_parameters_are_clear_400s() {
    let app = spawn_app().await;
    for (query, code) in [
        ("/v1/reports/breakdown?dimension=nope", "invalid_dimension"),
        ("/v1/reports/breakdown", "invalid_dimension"),
        (
            "/v1/reports/breakdown?dimension=channel&metrics=sessions,nope",
            "invalid_metric",
        ),
        (
            "/v1/reports/breakdown?dimension=channel&filter=channel=x",
            "invalid_filter",
        ),
        (
            "/v1/reports/breakdown?dimension=channel&limit=0",
            "invalid_limit",
        ),
        ("/v1/reports/timeseries?interval=year", "invalid_interval"),
        ("/v1/reports/timeseries?compare=next", "invalid_compare"),
        (
            "/v1/reports/timeseries?from=2026-06-02&to=2026-06-01",
            "invalid_range",
        ),
        ("/v1/reports/timeseries?from=junk", "invalid_range"),
        (
            "/v1/reports/timeseries?interval=day&interval=hour",
            "invalid_query",
        ),
    ] {
        let (status, body) = app.get_json(query).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some(code)),
            "{query}: {body}"
        );
    }
    let (status, _) = app
        .anon
        .get(app.url("/v1/reports/timeseries"))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .expect("sent");
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_demo_traffic_fills_every_panel_and_is_written_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = test_settings(dir.path(), &[]);
    let shape = api::demo::Shape {
        days: 30,
        visitors: 80,
        visits: 2,
    };
    let stored = api::demo::seed(&settings, shape).await.expect("seeded");
    assert!(stored > 500, "{stored} events");
    assert_eq!(
        api::demo::seed(&settings, shape)
            .await
            .expect("seeded again"),
        0,
        "written once"
    );
    let app = spawn_app_in(dir, &[]).await;
    let metrics = "metrics=sessions,orders,revenue";
    for (dimension, at_least) in [
        ("channel", 5),
        ("device", 3),
        ("country", 5),
        ("utmCampaign", 3),
        ("browser", 3),
        ("landingPage", 2),
    ] {
        let (status, r) = app
            .get_json(&format!(
                "/v1/reports/breakdown?dimension={dimension}&{metrics}&limit=50"
            ))
            .await;
        assert_eq!(status, 200, "{r}");
        let rows = r["rows"].as_array().expect("rows");
        assert!(rows.len() >= at_least, "{dimension}: {r}");
    }
    let (_, total) = app
        .get_json(&format!(
            "/v1/reports/breakdown?dimension=channel&{metrics}"
        ))
        .await;
    assert!(
        total["total"]["orders"].as_u64().expect("orders") > 0,
        "{total}"
    );
    assert!(total["total"]["revenue"].as_f64().expect("revenue") > 0.0);
    let (_, journey) = app.get_json("/v1/users/demo-crawler/journey").await;
    assert!(
        !journey["items"].as_array().expect("events").is_empty(),
        "the crawler's events are kept"
    );
    let (_, os) = app
        .get_json("/v1/reports/breakdown?dimension=os&metrics=sessions&limit=50")
        .await;
    assert!(
        os["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["value"] != "(none)"),
        "no crawler session: {os}"
    );
}
