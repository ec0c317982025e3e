//! The reports' in-memory visit index answers exactly as the store path: every metric, for
//! every dimension, with filters, for every interval, after the index caught up with visits
//! written, changed and deleted (identity merges) since it loaded. Runs on every engine.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use shared::commerce::{Currency, Rates};
use shared::event::Event;
use shared::identity::IdentityLink;
use shared::reports::compute::{self, Ask};
use shared::reports::index::VisitIndex;
use shared::reports::{Dimension, Filter, Interval, Metric, Range};
use shared::storage::visit_feed::{KnownVisits, TOMBSTONE_KEEP_MS, marker_now};
use shared::storage::{RowKind, Store};

use crate::helpers::*;

const PAGES: [&str; 6] = ["/", "/shoes", "/bags", "/cart", "/sale", "/about"];
const REFERRERS: [&str; 5] = [
    "https://www.google.com/",
    "https://www.facebook.com/",
    "",
    "https://blog.example/post",
    "https://duckduckgo.com/",
];
const CAMPAIGNS: [&str; 3] = [
    "",
    "?utm_source=news&utm_medium=email&utm_campaign=spring",
    "?utm_source=google&utm_medium=cpc&utm_campaign=Brand&utm_term=shoes&utm_content=ad1",
];
const AGENTS: [&str; 3] = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Gecko/20100101 Firefox/125.0",
];
const PRODUCTS: [(&str, &str, Option<&str>); 4] = [
    ("SKU-1", "Runner", Some("shoes")),
    ("SKU-2", "Tote", Some("bags")),
    ("SKU-3", "Runner", Some("shoes")),
    ("SKU-4", "Gift card", None),
];

/// A small deterministic generator (no dependency, the same on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

#[allow(clippy::too_many_arguments)]
fn shop_event(
    id: String,
    person: &str,
    kind: &str,
    ms: i64,
    session: Option<String>,
    path: &str,
    referrer: &str,
    agent: &str,
    properties: Value,
) -> Event {
    let mut e = event(&id, person, kind, ms);
    e.session_id = session;
    e.properties = obj(properties);
    e.context = obj(json!({
        "page": {"url": format!("https://shop.example{path}"), "referrer": referrer},
        "userAgent": agent,
        "locale": if ms % 2 == 0 { "es-ES" } else { "en-GB" },
    }));
    e.derived = Some(shared::enrich::shared().derive(&e, &Default::default()));
    e
}

/// Visits of `people` people over ten days from `first_day` on: page views, product
/// views, cart adds, orders in EUR, USD and GBP (up to two in a visit), some with a client
/// session id and some inferred.
pub fn traffic(seed: u64, tag: &str, people: usize, first_day: i64) -> Vec<Event> {
    let mut r = Lcg(seed);
    let mut out = Vec::new();
    for p in 0..people {
        let person = format!("{tag}-p{p}");
        for v in 0..3 {
            let day = first_day + r.next(10) as i64;
            let mut t = DAY0 + day * DAY + r.next(24) as i64 * HOUR + r.next(60) as i64 * 60_000;
            let session = (r.next(3) > 0).then(|| format!("{tag}-s{p}-{v}"));
            let referrer = REFERRERS[r.next(REFERRERS.len())];
            let campaign = CAMPAIGNS[r.next(CAMPAIGNS.len())];
            let agent = AGENTS[r.next(AGENTS.len())];
            let steps = 1 + r.next(6);
            for s in 0..steps {
                let id = format!("{tag}-{p}-{v}-{s}");
                let page = PAGES[r.next(PAGES.len())];
                let path = if s == 0 {
                    format!("{page}{campaign}")
                } else {
                    page.to_owned()
                };
                let (sku, name, category) = PRODUCTS[r.next(PRODUCTS.len())];
                let mut product = json!({"sku": sku, "name": name});
                if let Some(c) = category {
                    product["category"] = json!(c);
                }
                let (kind, props) = match r.next(8) {
                    0 => ("product_view", product),
                    1 => ("add_to_cart", product),
                    2 if s > 0 => {
                        let currency = ["EUR", "EUR", "USD", "GBP"][r.next(4)];
                        let price = 5 + r.next(50);
                        let qty = 1 + r.next(3);
                        product["price"] = json!(price);
                        product["quantity"] = json!(qty);
                        (
                            "purchase",
                            // Up to two orders a visit, by the step's parity: a
                            // visit's (and a product's) revenue can be in two currencies.
                            json!({"orderId": format!("{tag}-o{p}-{v}-{}", s % 2),
                                   "revenue": format!("{}.50", price * qty),
                                   "currency": currency, "products": [product]}),
                        )
                    }
                    3 => ("search", json!({"query": "shoes"})),
                    _ => ("page_view", json!({})),
                };
                out.push(shop_event(
                    id,
                    &person,
                    kind,
                    t,
                    session.clone(),
                    &path,
                    if s == 0 {
                        referrer
                    } else {
                        "https://shop.example/"
                    },
                    agent,
                    props,
                ));
                t += (1 + r.next(5)) as i64 * 60_000;
            }
        }
    }
    out
}

fn rates() -> Rates {
    Rates {
        reporting: Currency::parse("EUR").expect("eur"),
        to_reporting: [(Currency::parse("USD").expect("usd"), Decimal::new(92, 2))]
            .into_iter()
            .collect(),
    }
}

fn filter_sets() -> Vec<Vec<Filter>> {
    let parse = |texts: &[&str]| -> Vec<Filter> {
        texts
            .iter()
            .map(|t| Filter::parse(t).expect("filter"))
            .collect()
    };
    vec![
        vec![],
        parse(&["channel:Organic Search"]),
        parse(&["device!=mobile"]),
        parse(&["utmCampaign~SPR"]),
        parse(&["page:/cart"]),
        parse(&["page!=/cart", "browser~chrome"]),
        parse(&["product:Runner"]),
        parse(&["productCategory:(none)"]),
        parse(&["eventType:purchase"]),
        parse(&["country:(none)", "locale:es-ES"]),
        parse(&["referrer:no-such-site.example"]),
    ]
}

/// Compares every report both ways on one store and index, over the whole traffic and
/// over a range that starts after some people first bought (so some buyers return).
async fn assert_same_answers(store: &Arc<dyn Store>, index: &VisitIndex, tz: Tz) {
    assert_same_answers_from(store, index, tz, &[10, 14]).await;
}

/// As [`assert_same_answers`] for ranges from these days of March to the 29th.
async fn assert_same_answers_from(
    store: &Arc<dyn Store>,
    index: &VisitIndex,
    tz: Tz,
    first_days: &[u32],
) {
    let rates = rates();
    let metrics = Metric::ALL;
    // The index answers new and returning buyers from the first orders it keeps; the store
    // path reads them from the orders.
    index.first_orders(&**store).await.expect("first orders");
    for &first_day in first_days {
        let range = Range {
            from: NaiveDate::from_ymd_opt(2026, 3, first_day).expect("day"),
            to: NaiveDate::from_ymd_opt(2026, 3, 29).expect("day"),
            tz,
        };
        let (start, end) = range.bounds();
        assert!(index.covers(start), "the index covers the range");
        let visits = store.visits(start, end).await.expect("visits");
        let first = compute::first_orders(&**store, end).await.expect("orders");
        let mut decoded: HashMap<String, i64> = HashMap::new();
        for o in store
            .orders(DateTime::<Utc>::MIN_UTC, end)
            .await
            .expect("orders")
        {
            let t = o.at.timestamp_millis();
            decoded
                .entry(o.profile_id)
                .and_modify(|f| *f = (*f).min(t))
                .or_insert(t);
        }
        let aggregated: HashMap<String, i64> = first
            .iter()
            .map(|(who, t)| (who.clone(), t.timestamp_millis()))
            .collect();
        assert_eq!(aggregated, decoded, "first orders as the orders give them");
        for filters in filter_sets() {
            let ask = Ask {
                range,
                metrics: &metrics,
                filters: &filters,
                rates: &rates,
                people: None,
            };
            for d in Dimension::ALL {
                let from_store = compute::breakdown_of_visits(&visits, &first, ask, d, 1000);
                let from_index = index.breakdown(ask, d, 1000).expect("covered");
                assert_eq!(
                    from_index,
                    from_store,
                    "breakdown by {} with {filters:?}",
                    d.name()
                );
            }
            for interval in [
                Interval::Hour,
                Interval::Day,
                Interval::Week,
                Interval::Month,
            ] {
                let from_store = compute::series_of_visits(&visits, &first, ask, interval);
                let from_index = index.series(ask, interval).expect("covered");
                assert_eq!(
                    from_index, from_store,
                    "{interval:?} series with {filters:?}"
                );
            }
        }
        // Narrowed to some people (a segment's members), both ways.
        let mut people: Vec<String> = visits.iter().map(|v| v.profile_id.clone()).collect();
        people.sort();
        people.dedup();
        let members: shared::segments::Members = people.iter().step_by(2).cloned().collect();
        assert!(!members.is_empty());
        let ask = Ask {
            range,
            metrics: &metrics,
            filters: &[],
            rates: &rates,
            people: Some(&members),
        };
        for d in Dimension::ALL {
            let from_store = compute::breakdown_of_visits(&visits, &first, ask, d, 1000);
            let from_index = index.breakdown(ask, d, 1000).expect("covered");
            assert_eq!(
                from_index,
                from_store,
                "breakdown by {} of members",
                d.name()
            );
        }
        let from_store = compute::series_of_visits(&visits, &first, ask, Interval::Day);
        let from_index = index.series(ask, Interval::Day).expect("covered");
        assert_eq!(from_index, from_store, "daily series of members");
        // What segments count per person, both ways.
        use shared::reports::compute::{Probe, ProductAction, Tap};
        let probes: Vec<Probe> = [
            Tap::Events("purchase".into()),
            Tap::Events("page_view".into()),
            Tap::Product("Runner".into(), ProductAction::Viewed),
            Tap::Product("Runner".into(), ProductAction::Carted),
            Tap::Product("Runner".into(), ProductAction::Ordered),
            Tap::Visits(Filter::parse("channel:Organic Search").expect("filter")),
            Tap::Visits(Filter::parse("page:/cart").expect("filter")),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, what)| Probe {
            // Some probes look back less far than the range.
            since: start + chrono::Duration::days(i as i64 % 3),
            what,
        })
        .collect();
        let from_store = compute::person_counts_of_visits(&visits, &probes);
        let from_index = index.person_counts((start, end), &probes).expect("covered");
        assert_eq!(from_index, from_store, "per-person counts");
        assert!(
            from_store.values().any(|c| c[0] > 0) && from_store.values().any(|c| c[2] > 0),
            "the data has purchases and product views"
        );
        // The comparison is worth something: the data has every kind of figure.
        let ask = Ask {
            range,
            metrics: &metrics,
            filters: &[],
            rates: &rates,
            people: None,
        };
        let answer = compute::breakdown_of_visits(&visits, &first, ask, Dimension::Channel, 10);
        let total = &answer.total;
        assert_eq!(total["sessions"], json!(visits.len()));
        let wanted: &[&str] = match first_day {
            10 => &["orders", "revenue", "newBuyers", "productViews"],
            14 => &["orders", "revenue", "returningBuyers", "quantity"],
            _ => &["orders", "revenue", "productViews"],
        };
        for m in wanted {
            assert!(total[m].as_f64().unwrap_or(0.0) > 0.0, "{m}: {total:?}");
        }
        assert!(!answer.unconverted.is_empty(), "GBP has no rate");
    }
}

pub async fn the_visit_index_answers_every_report_as_the_store_does(store: Arc<dyn Store>) {
    store
        .insert_batch(traffic(7, "a", 40, 0))
        .await
        .expect("write");
    let index = VisitIndex::new(60, 5_000);
    let now: DateTime<Utc> = at(DAY0 + 20 * DAY);
    index.load(&*store, now).await.expect("load");
    assert_same_answers(&store, &index, chrono_tz::UTC).await;

    // Written after the load: new visits, late events joining stored visits, and identity
    // merges that delete the anonymous ids' visits (tombstones) and rewrite the persons'.
    store
        .insert_batch(traffic(11, "b", 30, 5))
        .await
        .expect("write");
    store
        .insert_batch(
            traffic(7, "a", 10, 0)
                .into_iter()
                .map(|mut e| {
                    e.event_id = format!("late-{}", e.event_id);
                    e.occurred_at += chrono::Duration::minutes(2);
                    e
                })
                .collect(),
        )
        .await
        .expect("write");
    let links: Vec<IdentityLink> = (0..10)
        .map(|i| IdentityLink {
            from: format!("b-p{i}"),
            to: format!("a-p{i}"),
        })
        .collect();
    store.link_identities(&links, now).await.expect("link");
    index.refresh(&*store).await.expect("refresh");
    let (start, end) = Range {
        from: NaiveDate::from_ymd_opt(2026, 3, 10).expect("day"),
        to: NaiveDate::from_ymd_opt(2026, 3, 29).expect("day"),
        tz: chrono_tz::UTC,
    }
    .bounds();
    assert_eq!(
        index.size().expect("loaded").visits,
        store.visits(start, end).await.expect("visits").len(),
        "merged visits were forgotten"
    );
    assert_same_answers(&store, &index, chrono_tz::UTC).await;
    assert_same_answers(&store, &index, "Europe/Madrid".parse().expect("tz")).await;
    assert_same_answers(&store, &index, "Asia/Kathmandu".parse().expect("tz")).await;
}

/// An erasure and a retention purge delete visits through the engines' tombstones, so the
/// index forgets exactly what the store no longer has.
pub async fn erasures_and_retention_purges_reach_the_visit_index(store: Arc<dyn Store>) {
    store
        .insert_batch(traffic(5, "e", 30, 0))
        .await
        .expect("write");
    let index = VisitIndex::new(60, 5_000);
    index
        .load(&*store, at(DAY0 + 20 * DAY))
        .await
        .expect("load");
    let (start, end) = Range {
        from: NaiveDate::from_ymd_opt(2026, 3, 10).expect("day"),
        to: NaiveDate::from_ymd_opt(2026, 3, 29).expect("day"),
        tz: chrono_tz::UTC,
    }
    .bounds();
    let stored = |visits: &[shared::session::Session], p: &str| {
        visits.iter().filter(|v| v.profile_id == p).count()
    };
    let before = store.visits(start, end).await.expect("visits");
    assert!(
        stored(&before, "e-p3") > 0,
        "the person has visits to erase"
    );

    let erased = store
        .erase_rows(
            "no-record",
            RowKind::Visits,
            &["e-p3".to_owned()],
            "x",
            1_000,
        )
        .await
        .expect("erase");
    assert_eq!(erased, stored(&before, "e-p3") as u64);
    let purged = store
        .forget_old_visits(at(DAY0 + 2 * DAY), 1_000)
        .await
        .expect("purge");
    assert!(purged > 0, "the purge reaches some visits");
    index.refresh(&*store).await.expect("refresh");

    let after = store.visits(start, end).await.expect("visits");
    assert_eq!(stored(&after, "e-p3"), 0);
    assert_eq!(
        index.size().expect("loaded").visits,
        after.len(),
        "erased and purged visits were forgotten"
    );
    assert_same_answers(&store, &index, chrono_tz::UTC).await;
}

/// The feed's pages, whatever their size, hold every changed visit once (a visit written
/// again while they are read may come twice, never not at all), and an index refreshed a
/// page at a time answers as one loaded whole.
pub async fn the_visit_feed_pages_hold_every_changed_visit(store: Arc<dyn Store>) {
    let since = marker_now();
    store
        .insert_batch(traffic(9, "g", 25, 0))
        .await
        .expect("write");
    let mut all: Vec<(String, String)> = store
        .visits_changed(since)
        .await
        .expect("changed")
        .into_iter()
        .map(|m| (m.visit.profile_id, m.visit.key))
        .collect();
    all.sort();
    assert!(
        all.len() > 7,
        "enough visits for several pages: {}",
        all.len()
    );
    for limit in [1, 7, all.len(), all.len() + 1] {
        let mut seen = Vec::new();
        let mut after = None;
        let mut ended = false;
        for _ in 0..=all.len() + 1 {
            let (page, next) = store
                .visits_changed_page(since, after, limit, Default::default())
                .await
                .expect("page");
            // An engine that does not page gives everything as its one page.
            assert!(page.len() <= limit || (after.is_none() && next.is_none()));
            seen.extend(page.into_iter().map(|m| (m.visit.profile_id, m.visit.key)));
            match next {
                Some(c) => after = Some(c),
                None => {
                    ended = true;
                    break;
                }
            }
        }
        assert!(ended, "pages of {limit} come to an end");
        seen.sort();
        assert_eq!(seen, all, "pages of {limit}");
    }

    // An index loaded before the writes and refreshed (pages of 1,000) answers as one
    // loaded after them.
    let refreshed = VisitIndex::new(60, 5_000);
    let now = at(DAY0 + 20 * DAY);
    let fresh = VisitIndex::new(60, 5_000);
    refreshed.load(&*store, now).await.expect("load");
    store
        .insert_batch(traffic(10, "h", 25, 2))
        .await
        .expect("more");
    refreshed.refresh(&*store).await.expect("refresh");
    fresh.load(&*store, now).await.expect("load");
    assert_eq!(refreshed.size(), fresh.size());
    assert_same_answers(&store, &refreshed, chrono_tz::UTC).await;
}

/// One visit written again and again, one event per batch, with a look after each write:
/// writes in the same millisecond as the one before, and as the look, still reach the
/// index in their last form (the feed leaves out only what the index holds as written).
pub async fn a_visit_written_between_looks_reaches_the_index_in_its_last_form(
    store: Arc<dyn Store>,
) {
    store
        .insert_batch(traffic(7, "b", 40, 0))
        .await
        .expect("write");
    let index = VisitIndex::new(60, 5_000);
    let now = at(DAY0 + 20 * DAY);
    index.load(&*store, now).await.expect("load");
    let agent = AGENTS[0];
    for i in 0..40_i64 {
        let product = json!({"sku": "SKU-1", "name": "Runner", "category": "shoes"});
        let (kind, props) = match i % 8 {
            2 => ("product_view", product),
            4 => ("add_to_cart", product),
            7 => (
                "purchase",
                json!({"orderId": format!("w-o{i}"), "revenue": "12.50", "currency": "EUR",
                       "products": [{"sku": "SKU-1", "name": "Runner", "price": 12.5,
                                     "quantity": 1, "category": "shoes"}]}),
            ),
            _ => ("page_view", json!({})),
        };
        let e = shop_event(
            format!("w-{i}"),
            "w-p0",
            kind,
            DAY0 + 3 * DAY + i * 60_000,
            Some("w-s".to_owned()),
            PAGES[(i % 6) as usize],
            "",
            agent,
            props,
        );
        store.insert_batch(vec![e]).await.expect("write");
        index.refresh(&*store).await.expect("refresh");
    }
    let fresh = VisitIndex::new(60, 5_000);
    fresh.load(&*store, now).await.expect("load");
    assert_eq!(index.size(), fresh.size());
    assert_same_answers(&store, &index, chrono_tz::UTC).await;
    let visits = store
        .visits(at(DAY0), at(DAY0 + 20 * DAY))
        .await
        .expect("visits");
    let written: Vec<_> = visits.iter().filter(|v| v.profile_id == "w-p0").collect();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].events, 40, "the store holds every write's event");
}

/// Tombstones are pruned after `TOMBSTONE_KEEP_MS`, so an erased person's id does not stay
/// behind; an index whose last look is older than that reads its window again.
pub async fn pruned_tombstones_make_a_stale_index_reload(store: Arc<dyn Store>) {
    store
        .insert_batch(traffic(5, "e", 30, 0))
        .await
        .expect("write");
    let index = VisitIndex::new(60, 5_000);
    index
        .load(&*store, at(DAY0 + 20 * DAY))
        .await
        .expect("load");
    let (start, end) = Range {
        from: NaiveDate::from_ymd_opt(2026, 3, 10).expect("day"),
        to: NaiveDate::from_ymd_opt(2026, 3, 29).expect("day"),
        tz: chrono_tz::UTC,
    }
    .bounds();
    let erased = store
        .erase_rows(
            "no-record",
            RowKind::Visits,
            &["e-p3".to_owned()],
            "x",
            1_000,
        )
        .await
        .expect("erase");
    assert!(erased > 0);
    let gone = store.visits_gone(0).await.expect("tombstones");
    assert_eq!(gone.len() as u64, erased);
    assert!(gone.iter().all(|g| g.profile_id == "e-p3"));

    let pruned = store
        .prune_visits_gone(marker_now() + 1)
        .await
        .expect("prune");
    assert_eq!(pruned, erased);
    assert!(store.visits_gone(0).await.expect("tombstones").is_empty());

    // A look soon after the last one has no tombstone left to read: it still holds them.
    let left = store.visits(start, end).await.expect("visits").len();
    index
        .refresh_at(&*store, marker_now())
        .await
        .expect("refresh");
    assert_eq!(index.size().expect("loaded").visits, left + erased as usize);
    // A look past the tombstones' lifetime reloads, and forgets them.
    index
        .refresh_at(&*store, marker_now() + TOMBSTONE_KEEP_MS)
        .await
        .expect("refresh");
    assert_eq!(index.size().expect("loaded").visits, left);
    assert_same_answers(&store, &index, chrono_tz::UTC).await;
}

/// A range that starts before the index's window is not the index's to answer.
pub async fn the_visit_index_declines_ranges_before_its_window(store: Arc<dyn Store>) {
    store
        .insert_batch(traffic(3, "c", 5, 0))
        .await
        .expect("write");
    let index = VisitIndex::new(3, 5_000);
    index
        .load(&*store, at(DAY0 + 10 * DAY))
        .await
        .expect("load");
    let range = Range {
        from: NaiveDate::from_ymd_opt(2026, 3, 1).expect("day"),
        to: NaiveDate::from_ymd_opt(2026, 3, 20).expect("day"),
        tz: chrono_tz::UTC,
    };
    assert!(!index.covers(range.bounds().0));
    let rates = rates();
    let ask = Ask {
        range,
        metrics: &Metric::ALL,
        filters: &[],
        rates: &rates,
        people: None,
    };
    assert_eq!(index.breakdown(ask, Dimension::Channel, 10), None);
}

/// As the clock moves on, the window follows it: visits that started before it leave the
/// index, a range before the new start goes to the store, and ranges inside it still
/// answer as the store does.
pub async fn the_visit_index_window_follows_the_clock(store: Arc<dyn Store>) {
    store
        .insert_batch(traffic(5, "w", 30, 0))
        .await
        .expect("write");
    let index = VisitIndex::new(15, 5_000);
    index
        .load(&*store, at(DAY0 + 12 * DAY))
        .await
        .expect("load");
    let before = index.size().expect("loaded").visits;
    assert!(index.covers(at(DAY0)));
    // Fifteen days before day 20 is day 5: the visits of days 0-4 leave.
    let visits = store
        .visits_between(at(DAY0), at(DAY0 + 100 * DAY))
        .await
        .expect("visits");
    let early = visits
        .iter()
        .filter(|m| m.visit.start < at(DAY0 + 5 * DAY))
        .count();
    assert!(early > 0, "the traffic has visits in the first five days");
    assert_eq!(index.slide(at(DAY0 + 20 * DAY)), early);
    assert_eq!(index.size().expect("loaded").visits, before - early);
    assert!(!index.covers(at(DAY0 + 4 * DAY)));
    assert!(index.covers(at(DAY0 + 5 * DAY)));
    // Moving back never brings anything back nor widens the window.
    assert_eq!(index.slide(at(DAY0 + 12 * DAY)), 0);
    assert!(!index.covers(at(DAY0 + 4 * DAY)));
    // New writes after the slide still arrive, and the answers inside the window match.
    store
        .insert_batch(traffic(9, "x", 10, 6))
        .await
        .expect("write");
    index.refresh(&*store).await.expect("refresh");
    assert_same_answers_from(&store, &index, chrono_tz::UTC, &[15, 20]).await;
}

macro_rules! index_suite {
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

index_suite!(
    the_visit_index_answers_every_report_as_the_store_does,
    the_visit_index_declines_ranges_before_its_window,
    erasures_and_retention_purges_reach_the_visit_index,
    pruned_tombstones_make_a_stale_index_reload,
    the_visit_index_window_follows_the_clock,
    the_visit_feed_pages_hold_every_changed_visit,
    a_visit_written_between_looks_reaches_the_index_in_its_last_form,
);

/// SQLite moves a visit's marker on at every write, even two in one millisecond, and so
/// leaves out of the feed's pages the visits a reader already holds at their marker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_feed_leaves_out_the_visits_a_reader_holds() {
    let (s, settings) = crate::helpers::sqlite_with(&[]).await;
    let store = s.store.clone();
    let since = marker_now();
    store
        .insert_batch(traffic(13, "k", 10, 0))
        .await
        .expect("write");
    let (all, next) = store
        .visits_changed_page(since, None, 10_000, Default::default())
        .await
        .expect("page");
    assert!(next.is_none());
    assert!(all.len() > 10, "visits: {}", all.len());
    let mut known = KnownVisits::default();
    for m in &all {
        known.insert(&m.visit.profile_id, &m.visit.key, m.updated_ms);
    }
    assert_eq!(known.len(), all.len());
    let known = Arc::new(known);
    let mut after = None;
    let mut pages = 0;
    loop {
        let (page, next) = store
            .visits_changed_page(since, after, 3, known.clone())
            .await
            .expect("page");
        assert!(page.is_empty(), "every visit is held at its marker");
        pages += 1;
        assert!(pages <= all.len(), "the pages come to an end");
        match next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert!(pages > 1, "the known visits still move the cursor on");

    // One more visit, written 30 times in a row; halfway, its marker is moved an hour
    // ahead (as two writes in one millisecond, or a clock stepped back, would leave it).
    let mut held = KnownVisits::default();
    let mut last = None;
    for i in 0..30_i64 {
        let e = shop_event(
            format!("k-solo-{i}"),
            "k-solo",
            "page_view",
            DAY0 + DAY + i * 1_000,
            Some("k-solo-s".to_owned()),
            "/",
            "",
            AGENTS[1],
            json!({}),
        );
        store.insert_batch(vec![e]).await.expect("write");
        if i == 15 {
            let c = rusqlite::Connection::open(settings.sqlite_path()).expect("open");
            c.execute(
                "UPDATE visits SET updated_ms = updated_ms + 3600000 WHERE profile_id = 'k-solo'",
                [],
            )
            .expect("moved");
        }
        let (page, _) = store
            .visits_changed_page(since, None, 10_000, Arc::new(held.clone()))
            .await
            .expect("page");
        let solo: Vec<_> = page
            .iter()
            .filter(|m| m.visit.profile_id == "k-solo")
            .collect();
        assert_eq!(
            solo.len(),
            1,
            "write {i} comes through although the last one is held"
        );
        assert_eq!(solo[0].visit.events, (i + 1) as u64);
        if let Some(before) = last {
            assert!(solo[0].updated_ms > before, "write {i} moved the marker on");
        }
        last = Some(solo[0].updated_ms);
        held.insert("k-solo", &solo[0].visit.key, solo[0].updated_ms);
    }
}
