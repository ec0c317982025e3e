//! Attribution over stored visits and orders, with an identity merge, answered the same from
//! the store and from the in-memory visit index, with known figures. Runs on every engine.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::{Value, json};
use shared::commerce::{Currency, Rates};
use shared::event::Event;
use shared::identity::IdentityLink;
use shared::reports::attribution::{Answer, Model, Spec, attribution};
use shared::reports::index::VisitIndex;
use shared::reports::{Dimension, Filter, Range};
use shared::storage::Store;

use crate::helpers::*;

#[allow(clippy::too_many_arguments)]
fn visit_event(
    id: &str,
    person: &str,
    kind: &str,
    ms: i64,
    session: &str,
    url: &str,
    referrer: &str,
    properties: Value,
) -> Event {
    let mut e = event(id, person, kind, ms);
    e.session_id = Some(session.to_owned());
    e.properties = obj(properties);
    e.context = obj(json!({"page": {"url": url, "referrer": referrer}}));
    e.derived = Some(shared::enrich::shared().derive(&e, &Default::default()));
    e
}

fn page(id: &str, person: &str, ms: i64, session: &str, query: &str, referrer: &str) -> Event {
    visit_event(
        id,
        person,
        "page_view",
        ms,
        session,
        &format!("https://shop.example/{query}"),
        referrer,
        json!({}),
    )
}

fn purchase(id: &str, person: &str, ms: i64, session: &str, revenue: &str) -> Event {
    visit_event(
        id,
        person,
        "purchase",
        ms,
        session,
        "https://shop.example/checkout",
        "https://shop.example/cart",
        json!({"orderId": format!("o-{id}"), "revenue": revenue, "currency": "EUR"}),
    )
}

fn spec(dimension: Dimension) -> Spec {
    Spec::new(
        Range {
            from: NaiveDate::from_ymd_opt(2026, 3, 12).expect("day"),
            to: NaiveDate::from_ymd_opt(2026, 3, 20).expect("day"),
            tz: chrono_tz::UTC,
        },
        dimension,
        30,
        Model::ALL.to_vec(),
    )
    .expect("spec")
}

/// Per value, the revenue under each model (in `Model::ALL` order).
fn revenue(a: &Answer) -> BTreeMap<String, Vec<f64>> {
    a.rows
        .iter()
        .map(|r| {
            (
                r.value.clone(),
                r.credits.iter().map(|c| c.revenue).collect(),
            )
        })
        .collect()
}

/// Ana's anonymous email visit (03-11, before the range) becomes hers when she signs in;
/// she comes back directly (03-13), then from a search (03-15) and buys 90 EUR. Ben comes
/// from a paid search (03-14) and buys 40 EUR.
pub async fn attribution_credits_merged_visits_alike_from_store_and_index(store: Arc<dyn Store>) {
    let d = |n: i64| DAY0 + n * DAY;
    store
        .insert_batch(vec![
            page(
                "a1",
                "anon-ana",
                d(1) + HOUR,
                "s-a1",
                "?utm_source=news&utm_medium=email&utm_campaign=spring",
                "",
            ),
            page("a2", "ana", d(3) + HOUR, "s-a2", "", ""),
        ])
        .await
        .expect("write");
    let index = VisitIndex::new(90, 5_000);
    index.load(&*store, at(d(10))).await.expect("load");
    store
        .link_identities(
            &[IdentityLink {
                from: "anon-ana".into(),
                to: "ana".into(),
            }],
            at(d(4)),
        )
        .await
        .expect("link");
    store
        .insert_batch(vec![
            page(
                "a3",
                "ana",
                d(5) + HOUR,
                "s-a3",
                "",
                "https://www.google.com/",
            ),
            purchase("a4", "ana", d(5) + HOUR + 600_000, "s-a3", "90.00"),
            page(
                "b1",
                "ben",
                d(4) + HOUR,
                "s-b1",
                "?utm_source=google&utm_medium=cpc&utm_campaign=Brand",
                "https://www.google.com/",
            ),
            purchase("b2", "ben", d(4) + 2 * HOUR, "s-b1", "40.00"),
        ])
        .await
        .expect("write");
    let rates = Rates {
        reporting: Currency::parse("EUR").expect("EUR"),
        to_reporting: BTreeMap::new(),
    };

    for (dimension, expected) in [
        (
            Dimension::Channel,
            // first, lastNonDirect, linear, position, timeDecay
            vec![
                ("Direct", vec![0.0, 0.0, 30.0, 18.0, 29.61]),
                ("Email", vec![90.0, 0.0, 30.0, 36.0, 24.29]),
                ("Organic Search", vec![0.0, 90.0, 30.0, 36.0, 36.1]),
                ("Paid Search", vec![40.0, 40.0, 40.0, 40.0, 40.0]),
            ],
        ),
        (
            Dimension::UtmCampaign,
            vec![
                ("(none)", vec![0.0, 90.0, 60.0, 54.0, 65.71]),
                ("Brand", vec![40.0, 40.0, 40.0, 40.0, 40.0]),
                ("spring", vec![90.0, 0.0, 30.0, 36.0, 24.29]),
            ],
        ),
    ] {
        let spec = spec(dimension);
        let from_store = attribution(&*store, None, &spec, &[], &rates, None)
            .await
            .expect("store");
        let from_index = attribution(&*store, Some(&index), &spec, &[], &rates, None)
            .await
            .expect("index");
        assert_eq!(from_index, from_store, "{}", dimension.name());
        let expected: BTreeMap<String, Vec<f64>> = expected
            .into_iter()
            .map(|(v, r)| (v.to_owned(), r))
            .collect();
        assert_eq!(revenue(&from_store), expected, "{}", dimension.name());
        assert_eq!(from_store.total.revenue, 130.0);
        assert_eq!(from_store.total.orders, 2.0);
        assert_eq!(from_store.unattributed.orders, 0.0);
    }

    // A filter narrows the touches: Ana's direct visit is left out.
    let filters = [Filter::parse("channel!=Direct").expect("filter")];
    let spec = spec(Dimension::Channel);
    let from_store = attribution(&*store, None, &spec, &filters, &rates, None)
        .await
        .expect("store");
    let from_index = attribution(&*store, Some(&index), &spec, &filters, &rates, None)
        .await
        .expect("index");
    assert_eq!(from_index, from_store);
    assert_eq!(
        revenue(&from_store).keys().collect::<Vec<_>>(),
        ["Email", "Organic Search", "Paid Search"]
    );
    assert_eq!(
        revenue(&from_store)["Email"][2],
        45.0,
        "linear over two touches"
    );
}

/// Arrivals: (page query, referrer).
const ARRIVALS: [(&str, &str); 5] = [
    ("", ""),
    ("", "https://www.google.com/"),
    ("?utm_source=news&utm_medium=email&utm_campaign=spring", ""),
    (
        "?utm_source=google&utm_medium=cpc&utm_campaign=Brand",
        "https://www.google.com/",
    ),
    ("", "https://www.facebook.com/"),
];

/// Visits of `people` people over 40 days from DAY0, some ending in an order in EUR, USD
/// or GBP; deterministic.
fn traffic(tag: &str, people: usize, seed: u64) -> Vec<Event> {
    let mut x = seed;
    let mut next = |n: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % n
    };
    let mut out = Vec::new();
    for p in 0..people {
        let person = format!("{tag}-p{p}");
        for v in 0..5 {
            let t = DAY0 + (next(40) as i64) * DAY + (next(24) as i64) * HOUR;
            let session = format!("{tag}-s{p}-{v}");
            let (query, referrer) = ARRIVALS[next(ARRIVALS.len() as u64) as usize];
            out.push(page(
                &format!("{session}-0"),
                &person,
                t,
                &session,
                query,
                referrer,
            ));
            if next(3) == 0 {
                let id = format!("{session}-1");
                let mut e = purchase(
                    &id,
                    &person,
                    t + 600_000,
                    &session,
                    &format!("{}.25", 5 + next(90)),
                );
                e.properties["currency"] = json!(["EUR", "USD", "GBP"][next(3) as usize]);
                e.derived = Some(shared::enrich::shared().derive(&e, &Default::default()));
                out.push(e);
            }
        }
    }
    out
}

/// Every model, dimension, lookback and a few filters: the index answers as the store does,
/// after visits written, merged (tombstones) and added since the index loaded.
pub async fn attribution_from_the_index_matches_the_store_on_varied_traffic(store: Arc<dyn Store>) {
    store
        .insert_batch(traffic("a", 40, 3))
        .await
        .expect("write");
    let index = VisitIndex::new(120, 5_000);
    index
        .load(&*store, at(DAY0 + 45 * DAY))
        .await
        .expect("load");
    // One whose window (from 03-30) starts inside the range: older touches come from the
    // store.
    let short = VisitIndex::new(15, 5_000);
    short
        .load(&*store, at(DAY0 + 35 * DAY))
        .await
        .expect("load");
    store
        .insert_batch(traffic("b", 20, 5))
        .await
        .expect("write");
    let links: Vec<IdentityLink> = (0..8)
        .map(|i| IdentityLink {
            from: format!("b-p{i}"),
            to: format!("a-p{i}"),
        })
        .collect();
    store
        .link_identities(&links, at(DAY0 + 45 * DAY))
        .await
        .expect("link");
    let rates = Rates {
        reporting: Currency::parse("EUR").expect("EUR"),
        to_reporting: BTreeMap::from([(
            Currency::parse("USD").expect("USD"),
            rust_decimal::Decimal::new(92, 2),
        )]),
    };
    let filter_sets: Vec<Vec<Filter>> = [vec![], vec!["channel!=Direct"], vec!["utmCampaign~SPR"]]
        .into_iter()
        .map(|fs| {
            fs.into_iter()
                .map(|f| Filter::parse(f).expect("filter"))
                .collect()
        })
        .collect();
    let mut attributed = 0.0;
    for dimension in shared::reports::attribution::DIMENSIONS {
        for lookback in [1, 7, 30] {
            let spec = Spec::new(
                Range {
                    from: NaiveDate::from_ymd_opt(2026, 3, 25).expect("day"),
                    to: NaiveDate::from_ymd_opt(2026, 4, 18).expect("day"),
                    tz: "Europe/Madrid".parse().expect("tz"),
                },
                dimension,
                lookback,
                Model::ALL.to_vec(),
            )
            .expect("spec");
            for filters in &filter_sets {
                let from_store = attribution(&*store, None, &spec, filters, &rates, None)
                    .await
                    .expect("store");
                let from_index = attribution(&*store, Some(&index), &spec, filters, &rates, None)
                    .await
                    .expect("index");
                assert_eq!(
                    from_index,
                    from_store,
                    "{} lookback {lookback} {filters:?}",
                    dimension.name()
                );
                let split = attribution(&*store, Some(&short), &spec, filters, &rates, None)
                    .await
                    .expect("split");
                assert_eq!(split, from_store, "split at the short index's window");
                attributed += from_store.total.orders - from_store.unattributed.orders;
                assert!(!from_store.unconverted.is_empty(), "GBP has no rate");
            }
        }
    }
    assert!(attributed > 0.0, "the comparison saw attributed orders");
}

macro_rules! attribution_suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let s = crate::helpers::sqlite().await;
                    super::$case(s.store.clone()).await;
                }
            )*
        }
        mod mongodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(s) = crate::helpers::mongodb().await else { return };
                    super::$case(s.store.clone()).await;
                }
            )*
        }
    };
}

attribution_suite!(
    attribution_credits_merged_visits_alike_from_store_and_index,
    attribution_from_the_index_matches_the_store_on_varied_traffic,
);
