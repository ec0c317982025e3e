//! Funnels on every engine: known answers for filtered steps, a breakdown by channel, the
//! drop-off list, medians and total counting, read from the visits' trails (never the
//! stored events); the visit index answers every funnel as the store path does; saved
//! funnels are kept, listed, replaced and deleted.

use std::sync::Arc;

use serde_json::{Value, json};
use shared::event::Event;
use shared::funnels::{self, Count, FunnelAnswer, FunnelQuery, Step};
use shared::reports::index::VisitIndex;
use shared::reports::{Dimension, Filter};
use shared::storage::{SavedFunnel, Store, StoreError};

use crate::helpers::*;

const MIN: i64 = 60_000;

/// An event with its page, referrer and properties, enriched as ingestion does.
fn shop(
    id: &str,
    person: &str,
    session: &str,
    kind: &str,
    ms: i64,
    referrer: &str,
    props: Value,
) -> Event {
    let mut e = event(id, person, kind, ms);
    e.session_id = Some(session.to_owned());
    e.properties = obj(props);
    e.context = obj(json!({
        "page": {"url": "https://shop.example/shoes", "referrer": referrer},
    }));
    e.derived = Some(shared::enrich::shared().derive(&e, &Default::default()));
    e
}

const GOOGLE: &str = "https://www.google.com/";

/// p1 buys SKU-1 twice (two visits from search); p2 carts SKU-1 directly and leaves; p3
/// buys SKU-2 from search; p4 only views SKU-1.
fn dataset() -> Vec<Event> {
    let sku1 = json!({"sku": "SKU-1", "category": "shoes"});
    let sku2 = json!({"sku": "SKU-2", "category": "bags"});
    let order = |id: &str, sku: &str| json!({"orderId": id, "revenue": 10, "currency": "EUR", "products": [{"sku": sku, "price": 10}]});
    let t = DAY0 + HOUR;
    vec![
        shop("1", "p1", "p1-a", "page_view", t, GOOGLE, json!({})),
        shop(
            "2",
            "p1",
            "p1-a",
            "product_view",
            t + MIN,
            GOOGLE,
            sku1.clone(),
        ),
        shop(
            "3",
            "p1",
            "p1-a",
            "add_to_cart",
            t + 3 * MIN,
            GOOGLE,
            sku1.clone(),
        ),
        shop(
            "4",
            "p1",
            "p1-a",
            "purchase",
            t + 5 * MIN,
            GOOGLE,
            order("o1", "SKU-1"),
        ),
        shop(
            "5",
            "p1",
            "p1-b",
            "product_view",
            t + HOUR,
            GOOGLE,
            sku1.clone(),
        ),
        shop(
            "6",
            "p1",
            "p1-b",
            "add_to_cart",
            t + HOUR + 2 * MIN,
            GOOGLE,
            sku1.clone(),
        ),
        shop(
            "7",
            "p1",
            "p1-b",
            "purchase",
            t + HOUR + 4 * MIN,
            GOOGLE,
            order("o2", "SKU-1"),
        ),
        shop("8", "p2", "p2-a", "product_view", t, "", sku1.clone()),
        shop(
            "9",
            "p2",
            "p2-a",
            "add_to_cart",
            t + 10 * MIN,
            "",
            sku1.clone(),
        ),
        shop("10", "p3", "p3-a", "product_view", t, GOOGLE, sku2.clone()),
        shop("11", "p3", "p3-a", "add_to_cart", t + MIN, GOOGLE, sku2),
        shop(
            "12",
            "p3",
            "p3-a",
            "purchase",
            t + 2 * MIN,
            GOOGLE,
            order("o3", "SKU-2"),
        ),
        shop("13", "p4", "p4-a", "product_view", t + 2 * HOUR, "", sku1),
    ]
}

fn step(event: &str, filters: &[&str]) -> Step {
    Step::new(
        event.to_owned(),
        filters
            .iter()
            .map(|f| Filter::parse(f).expect("filter"))
            .collect(),
    )
    .expect("step")
}

fn sku1_funnel() -> FunnelQuery {
    let mut q = FunnelQuery::plain(
        &["product_view", "add_to_cart", "purchase"],
        at(DAY0),
        at(DAY0 + DAY),
        HOUR,
    );
    q.steps[0] = step("product_view", &["product:SKU-1"]);
    q
}

fn entered(a: &FunnelAnswer) -> Vec<u64> {
    a.steps.iter().map(|s| s.entered).collect()
}

async fn both(store: &Arc<dyn Store>, index: &VisitIndex, q: &FunnelQuery) -> FunnelAnswer {
    let (start, end) = q.visit_bounds();
    let from_store = funnels::of_visits(q, &store.visits(start, end).await.expect("visits"));
    let from_index = index.funnel(q).expect("covered");
    assert_eq!(from_index, from_store, "{q:?}");
    let computed = funnels::compute(&**store, None, q).await.expect("funnel");
    assert_eq!(computed, from_store);
    from_store
}

pub async fn funnels_filter_steps_break_down_list_drop_offs_and_count_totals(
    store: Arc<dyn Store>,
) {
    store.insert_batch(dataset()).await.expect("write");
    let index = VisitIndex::new(60, 5_000);
    index.load(&*store, at(DAY0 + 2 * DAY)).await.expect("load");

    // Unique people: p1 (latest chain: 2m and 2m), p2 (10m to the cart), p4; p3 viewed
    // SKU-2. The median wait for the cart is between p1's 120 s and p2's 600 s.
    let mut q = sku1_funnel();
    q.breakdown = Some(Dimension::Channel);
    q.drop_off = Some(1);
    let a = both(&store, &index, &q).await;
    assert_eq!(entered(&a), [3, 2, 1], "{a:?}");
    assert_eq!(a.steps[0].median_seconds_to_convert, None);
    assert_eq!(a.steps[1].median_seconds_to_convert, Some(360.0));
    assert_eq!(a.steps[2].median_seconds_to_convert, Some(120.0));
    assert_eq!(a.steps[1].conversion_from_previous, 0.6667);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    let rows: Vec<(&str, Vec<u64>)> = a
        .breakdown
        .iter()
        .map(|r| {
            (
                r.value.as_str(),
                r.steps.iter().map(|s| s.entered).collect(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("Direct", vec![2, 1, 0]), ("Organic Search", vec![1, 1, 1])]
    );
    let dropped: Vec<&str> = a.dropped.iter().map(|d| d.profile_id.as_str()).collect();
    assert_eq!(dropped, ["p2"]);
    assert_eq!(a.dropped[0].reached_at, at(DAY0 + HOUR + 10 * MIN));
    assert_eq!(a.dropped_total, 1);
    assert_eq!(a.trend[0].day, "2026-03-10");
    assert_eq!((a.trend[0].entered, a.trend[0].converted), (3, 1));

    // Total: p1's two purchases each count.
    q.count = Count::Total;
    q.drop_off = Some(0);
    let a = both(&store, &index, &q).await;
    assert_eq!(entered(&a), [4, 3, 2]);
    assert_eq!(
        a.dropped
            .iter()
            .map(|d| d.profile_id.as_str())
            .collect::<Vec<_>>(),
        ["p4"]
    );

    // A category on the event, a channel on the visit, a sku on an order's lines.
    let mut q = sku1_funnel();
    q.steps[0] = step("product_view", &["productCategory:bags"]);
    assert_eq!(entered(&both(&store, &index, &q).await), [1, 1, 1]);
    q.steps[0] = step("product_view", &["product:SKU-1", "channel:Organic Search"]);
    assert_eq!(entered(&both(&store, &index, &q).await), [1, 1, 1]);
    q.steps[0] = step("product_view", &[]);
    q.steps[2] = step("purchase", &["product:SKU-2"]);
    assert_eq!(entered(&both(&store, &index, &q).await), [4, 3, 1]);
    q.steps[2] = step(
        "purchase",
        &["product!=SKU-2", "device!=mobile", "page:(none)"],
    );
    assert_eq!(entered(&both(&store, &index, &q).await), [4, 3, 1]);

    // A misspelled step is named, not a silent zero; so is a segment's cut.
    let mut q = FunnelQuery::plain(&["product_view", "purchse"], at(DAY0), at(DAY0 + DAY), HOUR);
    let a = both(&store, &index, &q).await;
    assert_eq!(entered(&a), [4, 0]);
    assert_eq!(a.warnings.len(), 1, "{:?}", a.warnings);
    assert!(a.warnings[0].contains("\"purchse\""));
    q.people = Some(Arc::new(
        ["p1".to_owned(), "p3".to_owned()].into_iter().collect(),
    ));
    assert_eq!(entered(&both(&store, &index, &q).await), [2, 0]);
}

pub async fn saved_funnels_are_kept_listed_replaced_and_deleted(store: Arc<dyn Store>) {
    let f = |id: &str, name: &str, ms: i64| SavedFunnel {
        id: id.to_owned(),
        name: name.to_owned(),
        definition: json!({"steps": ["product_view", {"event": "purchase", "filters": ["property.sku:SKU-1"]}]}),
        created_by: "acct-1".to_owned(),
        created_at: at(ms),
        updated_at: at(ms),
    };
    store
        .create_saved_funnel(&f("a", "Checkout", DAY0))
        .await
        .expect("save");
    store
        .create_saved_funnel(&f("b", "Shoes", DAY0 + HOUR))
        .await
        .expect("save");
    assert!(matches!(
        store.create_saved_funnel(&f("a", "again", DAY0)).await,
        Err(StoreError::Conflict(_))
    ));
    let names = |all: Vec<SavedFunnel>| all.into_iter().map(|f| f.name).collect::<Vec<_>>();
    assert_eq!(
        names(store.saved_funnels().await.expect("list")),
        ["Shoes", "Checkout"]
    );
    let mut a = store.saved_funnel("a").await.expect("get").expect("there");
    assert_eq!(a, f("a", "Checkout", DAY0));
    a.name = "Checkout v2".into();
    a.updated_at = at(DAY0 + 2 * HOUR);
    assert!(store.update_saved_funnel(&a).await.expect("update"));
    assert!(
        !store
            .update_saved_funnel(&f("zz", "none", DAY0))
            .await
            .expect("update")
    );
    assert_eq!(
        names(store.saved_funnels().await.expect("list")),
        ["Checkout v2", "Shoes"]
    );
    assert!(store.delete_saved_funnel("b").await.expect("delete"));
    assert!(!store.delete_saved_funnel("b").await.expect("delete"));
    assert_eq!(store.saved_funnel("b").await.expect("get"), None);
    assert_eq!(
        names(store.saved_funnels().await.expect("list")),
        ["Checkout v2"]
    );
}

/// Random shop traffic, then late events and identity merges after the index loaded: every
/// kind of funnel answers the same from the index as from the store.
pub async fn funnels_from_the_visit_index_match_the_store_after_late_events_and_merges(
    store: Arc<dyn Store>,
) {
    use crate::reports_index::traffic;
    store
        .insert_batch(traffic(7, "a", 40, 0))
        .await
        .expect("write");
    let index = VisitIndex::new(60, 5_000);
    index
        .load(&*store, at(DAY0 + 20 * DAY))
        .await
        .expect("load");
    let late: Vec<Event> = traffic(7, "a", 10, 0)
        .into_iter()
        .map(|mut e| {
            e.event_id = format!("late-{}", e.event_id);
            e.occurred_at -= chrono::Duration::minutes(3);
            e
        })
        .collect();
    store
        .insert_batch(traffic(11, "b", 30, 5))
        .await
        .expect("write");
    store.insert_batch(late).await.expect("write");
    let links: Vec<shared::identity::IdentityLink> = (0..10)
        .map(|i| shared::identity::IdentityLink {
            from: format!("b-p{i}"),
            to: format!("a-p{i}"),
        })
        .collect();
    store
        .link_identities(&links, at(DAY0 + 20 * DAY))
        .await
        .expect("link");
    index.refresh(&*store).await.expect("refresh");
    let base = FunnelQuery::plain(
        &["page_view", "product_view", "add_to_cart", "purchase"],
        at(DAY0 + DAY),
        at(DAY0 + 12 * DAY),
        DAY,
    );
    let mut reached = 0;
    for (filters, count, breakdown) in [
        (vec![], Count::Unique, None),
        (vec![], Count::Total, Some(Dimension::Channel)),
        (
            vec!["product:SKU-1"],
            Count::Unique,
            Some(Dimension::Device),
        ),
        (
            vec!["productCategory~SHO", "utmCampaign:spring"],
            Count::Total,
            None,
        ),
        (
            vec!["device!=mobile"],
            Count::Unique,
            Some(Dimension::UtmCampaign),
        ),
    ] {
        for drop_off in [None, Some(0), Some(2)] {
            let mut q = base.clone();
            q.steps[2] = step("add_to_cart", &filters);
            q.count = count;
            q.breakdown = breakdown;
            q.drop_off = drop_off;
            let a = both(&store, &index, &q).await;
            reached += a.steps[3].entered;
        }
    }
    assert!(reached > 0, "the comparison is worth something");
}

conformance_suite!(
    funnels_filter_steps_break_down_list_drop_offs_and_count_totals,
    saved_funnels_are_kept_listed_replaced_and_deleted,
    funnels_from_the_visit_index_match_the_store_after_late_events_and_merges,
);
