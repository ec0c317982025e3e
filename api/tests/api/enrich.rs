//! What the server derives from each event, through the real server: channel and campaign
//! from the page and referrer, device from the user agent, the country from a trusted
//! proxy's header only.

use serde_json::{Value, json};

use crate::helpers::*;

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const COUNTRY: (&str, &str) = ("APP__INGEST__COUNTRY_HEADER", "CloudFront-Viewer-Country");

async fn derived_of(app: &TestApp, person: &str) -> Vec<Value> {
    let (status, page) = app
        .get_json(&format!("/v1/users/{person}/journey?limit=100"))
        .await;
    assert_eq!(status, 200, "{page}");
    let mut items = page["items"].as_array().expect("events").clone();
    items.sort_by_key(|e| e["eventId"].as_str().unwrap_or_default().to_owned());
    items.into_iter().map(|e| e["derived"].clone()).collect()
}

async fn post_with_country(app: &TestApp, body: &Value, country: &str) {
    let r = app
        .client
        .post(app.url("/v1/events"))
        .header("CloudFront-Viewer-Country", country)
        .json(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202);
}

#[tokio::test]
async fn events_api_and_segment_events_carry_what_the_server_derived() {
    let app = spawn_app_with(&[COUNTRY, ("APP__SERVER__TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    let events = json!([
        {"messageId": "e1", "anonymousId": "a1", "type": "page_view",
         "context": {"userAgent": IPHONE,
                     "page": {"url": "https://shop.example/boots?utm_source=google&utm_medium=cpc&utm_campaign=Spring",
                              "referrer": "https://www.google.com/"}}},
        {"messageId": "e2", "anonymousId": "a1", "type": "page_view",
         "context": {"userAgent": IPHONE,
                     "page": {"url": "https://shop.example/cart", "referrer": "https://shop.example/boots"}}},
        {"messageId": "e3", "anonymousId": "a1", "type": "page_view",
         "context": {"userAgent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}}
    ]);
    post_with_country(&app, &events, "es").await;
    let d = derived_of(&app, "a1").await;
    assert_eq!(d[0]["channel"], "Paid Search");
    assert_eq!(d[0]["source"], "google");
    assert_eq!(d[0]["medium"], "cpc");
    assert_eq!(d[0]["campaign"], "Spring");
    assert_eq!(d[0]["page"], "/boots");
    assert_eq!(d[0]["device"], "mobile");
    assert_eq!(d[0]["browser"], "Safari");
    assert_eq!(d[0]["os"], "iOS");
    assert_eq!(d[0]["country"], "ES");
    assert_eq!(d[0]["rules"], 1);
    assert_eq!(d[0].get("bot"), None);
    // A click inside the shop is not a referral.
    assert_eq!(d[1]["channel"], "Direct");
    assert_eq!(d[1].get("referrerDomain"), None);
    assert_eq!(d[2]["bot"], true);
    assert_eq!(d[2].get("device"), None);

    // A Segment page call: url and referrer in the properties.
    let r = app
        .anon
        .post(app.url("/v1/page"))
        .header("content-type", "text/plain")
        .body(
            json!({"writeKey": app.write_key, "anonymousId": "a2", "messageId": "s1",
                   "properties": {"url": "https://shop.example/", "referrer": "https://news.ycombinator.com/item?id=1"}})
            .to_string(),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 200);
    let d = derived_of(&app, "a2").await;
    assert_eq!(d[0]["channel"], "Referral");
    assert_eq!(d[0]["referrerDomain"], "news.ycombinator.com");
    assert_eq!(d[0].get("country"), None, "no header, no country");
}

#[tokio::test]
async fn the_country_header_is_believed_only_from_a_trusted_proxy() {
    let app = spawn_app_with(&[COUNTRY]).await;
    post_with_country(
        &app,
        &json!({"messageId": "e1", "anonymousId": "a1", "type": "page_view"}),
        "ES",
    )
    .await;
    let d = derived_of(&app, "a1").await;
    assert_eq!(d[0]["channel"], "Direct");
    assert_eq!(d[0].get("country"), None, "{}", d[0]);
}

/// A country database in the GeoLite2-Country layout, written to the app's directory.
fn geoip_file(dir: &std::path::Path) -> String {
    use std::collections::BTreeMap;
    let mut w = mmdb_writer::Writer::new("GeoLite2-Country");
    let record = |code: &str| {
        BTreeMap::from([(
            "country".to_owned(),
            BTreeMap::from([("iso_code".to_owned(), code.to_owned())]),
        )])
    };
    let net = |s: &str| s.parse::<mmdb_writer::ipnet::IpNet>().expect("net");
    w.insert(net("90.160.0.0/16"), &record("ES"))
        .expect("insert");
    w.insert(net("81.2.69.0/24"), &record("GB"))
        .expect("insert");
    let path = dir.join("country.mmdb");
    std::fs::write(&path, w.to_bytes().expect("bytes")).expect("written");
    path.display().to_string()
}

#[tokio::test]
async fn the_geoip_database_gives_the_country_of_the_client_address_for_browser_keys() {
    let dir = tempfile::tempdir().expect("dir");
    let db = geoip_file(dir.path());
    let app = spawn_app_in(
        dir,
        &[
            COUNTRY,
            ("APP__SERVER__TRUSTED_PROXIES", "127.0.0.1/32"),
            ("APP__INGEST__GEOIP_DATABASE", db.as_str()),
        ],
    )
    .await;
    let (_, browser) = api::auth::write_keys::create(
        app.store.as_ref(),
        "web",
        shared::storage::WriteKeyKind::Browser,
        chrono::Utc::now(),
    )
    .await
    .expect("key");
    let browser = secrecy::ExposeSecret::expose_secret(&browser).to_owned();
    let send = |id: &str, person: &str, forwarded: &str, key: &str, header: Option<&str>| {
        let mut r = app
            .anon
            .post(app.url("/v1/events"))
            .header("x-write-key", key)
            .header("x-forwarded-for", forwarded)
            .json(&json!({"messageId": id, "anonymousId": person, "type": "page_view"}));
        if let Some(c) = header {
            r = r.header("CloudFront-Viewer-Country", c);
        }
        r.send()
    };
    // Through the trusted proxy: the address it forwarded, looked up.
    let r = send("g1", "geo-es", "90.160.7.8", &browser, None)
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202);
    // The proxy's header wins over the address.
    let r = send("g2", "geo-hdr", "90.160.7.8", &browser, Some("FR"))
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202);
    // An address the database does not know: no country.
    let r = send("g3", "geo-none", "8.8.8.8", &browser, None)
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202);
    // A server key speaks from the shop's back end: its address says nothing of the visitor.
    let r = send("g4", "geo-srv", "81.2.69.160", &app.write_key, None)
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 202);

    assert_eq!(derived_of(&app, "geo-es").await[0]["country"], "ES");
    assert_eq!(derived_of(&app, "geo-hdr").await[0]["country"], "FR");
    assert_eq!(derived_of(&app, "geo-none").await[0].get("country"), None);
    assert_eq!(derived_of(&app, "geo-srv").await[0].get("country"), None);
}

#[tokio::test]
async fn an_unreadable_geoip_database_stops_the_start_with_its_name() {
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("broken.mmdb");
    std::fs::write(&bad, b"not a database").expect("written");
    let settings = test_settings(
        dir.path(),
        &[("APP__INGEST__GEOIP_DATABASE", bad.to_str().expect("utf-8"))],
    );
    let err = api::App::build(settings).await.err().expect("refused");
    assert!(format!("{err:#}").contains("broken.mmdb"), "{err:#}");
}
