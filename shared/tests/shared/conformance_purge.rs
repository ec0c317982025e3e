//! Conformance cases for retention, per engine: the purge (`shared::jobs::purge::run`, as the
//! worker runs it) with `retention.events_days = 30` deletes the events, visits, orders,
//! active-day rows and idle profiles (with their links) of day 31 and before, keeps day 30,
//! leaves the stats of every day as they were, and deletes nothing more when run again.

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::json;
use shared::jobs::JobContext;
use shared::jobs::purge::{self, PurgeResult};
use shared::settings::RetentionSettings;
use shared::storage::{IdentityLink, JourneyQuery, RetentionQuery, Stats, Store, UserQuery};

use crate::helpers::*;

/// Midnight of day 30 before the run day: DAY0 is day 31, the first purged day.
const RUN_DAY_OFFSET: i64 = 31;

fn day(ms: i64) -> NaiveDate {
    at(ms).date_naive()
}

fn retention(batch_rows: usize) -> RetentionSettings {
    RetentionSettings {
        events_days: 30,
        schedule: "0 30 3 * * *".into(),
        schedule_enabled: false,
        batch_rows,
    }
}

fn shop_event(
    id: &str,
    person: &str,
    kind: &str,
    ms: i64,
    properties: serde_json::Value,
) -> shared::event::Event {
    let mut e = event(id, person, kind, ms);
    e.session_id = Some(format!("s-{person}-{}", day(ms)));
    e.properties = obj(properties);
    e.context = obj(json!({"page": {"url": "https://shop.example/", "referrer": ""}}));
    e.derived = Some(shared::enrich::shared().derive(&e, &Default::default()));
    e
}

async fn stats(store: &Arc<dyn Store>, from: NaiveDate, to: NaiveDate) -> Stats {
    Stats::from_rollups(from, to, store.rollups(from, to).await.expect("rollups"))
}

async fn journey_ids(store: &Arc<dyn Store>, user: &str) -> Vec<String> {
    let q = JourneyQuery {
        limit: 100,
        ..Default::default()
    };
    let mut ids: Vec<String> = store
        .journey(user, &q)
        .await
        .expect("journey")
        .items
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    ids.sort();
    ids
}

async fn purge(store: &Arc<dyn Store>, batch_rows: usize) -> PurgeResult {
    let run_day = day(DAY0 + RUN_DAY_OFFSET * DAY);
    purge::run(
        store.as_ref(),
        &retention(batch_rows),
        run_day,
        &JobContext::new("test"),
    )
    .await
    .expect("purge runs")
}

/// Day 31 (DAY0): `u-old` (only then, with an order and a linked anonymous id) and
/// `u-both`; day 30 (DAY0 + 1 day): `u-both` and `u-new`.
async fn seed(store: &Arc<dyn Store>) {
    let order = json!({"orderId": "o-old", "revenue": 20.0, "currency": "EUR"});
    let t = DAY0 + 10 * HOUR;
    store
        .insert_batch(vec![
            shop_event("old-1", "u-old", "page_view", t, json!({})),
            shop_event("old-2", "u-old", "purchase", t + 60_000, order),
            shop_event("both-1", "u-both", "page_view", t + 2 * HOUR, json!({})),
            shop_event("both-2", "u-both", "page_view", t + DAY, json!({})),
            shop_event("new-1", "u-new", "search", t + DAY + HOUR, json!({})),
            shop_event("new-2", "u-new", "page_view", t + DAY + 2 * HOUR, json!({})),
        ])
        .await
        .expect("seed");
    store
        .link_identities(
            &[IdentityLink {
                from: "anon-old".into(),
                to: "u-old".into(),
            }],
            at(t + 2 * 60_000),
        )
        .await
        .expect("link");
}

pub async fn a_30_day_purge_deletes_day_31_keeps_day_30_and_the_stats_of_both(
    store: Arc<dyn Store>,
) {
    seed(&store).await;
    let (d31, d30) = (day(DAY0), day(DAY0 + DAY));
    let before_31 = stats(&store, d31, d31).await;
    let before_30 = stats(&store, d30, d30).await;
    let before_both = stats(&store, d31, d30).await;
    assert_eq!(before_31.total_events, 3);
    assert_eq!(before_both.total_users, 3);
    assert_eq!(
        store
            .orders(at(DAY0), at(DAY0 + DAY))
            .await
            .expect("orders")
            .len(),
        1
    );

    // Steps of 2 rows: every kind takes more than one.
    let r = purge(&store, 2).await;
    assert_eq!(
        (r.events, r.visits, r.orders, r.active_days, r.profiles),
        (3, 2, 1, 2, 1),
        "{r:?}"
    );
    assert_eq!(r.cutoff, Some(at(DAY0 + DAY)));

    // Day 31's raw rows are gone; day 30's are all there.
    assert!(journey_ids(&store, "u-old").await.is_empty());
    assert_eq!(journey_ids(&store, "u-both").await, ["both-2"]);
    assert_eq!(journey_ids(&store, "u-new").await, ["new-1", "new-2"]);
    assert!(
        store
            .visits(at(DAY0), at(DAY0 + DAY))
            .await
            .expect("visits")
            .is_empty()
    );
    assert!(
        store
            .orders(at(DAY0), at(DAY0 + DAY))
            .await
            .expect("orders")
            .is_empty()
    );
    assert_eq!(
        store
            .visits(at(DAY0 + DAY), at(DAY0 + 2 * DAY))
            .await
            .expect("visits")
            .len(),
        2
    );
    // The idle profile and the link to it went; the others stay whole.
    assert_eq!(store.get_user("u-old").await.expect("get"), None);
    assert_eq!(store.linked_to("anon-old").await.expect("linked"), None);
    let search = UserQuery {
        search: Some("u-old".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        store.count_users(&search).await.expect("count"),
        0,
        "no search term of the purged profile is left"
    );
    let marks = store
        .retention_rows(&RetentionQuery {
            cohort_kind: String::new(),
            from: at(DAY0 - 40 * DAY),
            to: at(DAY0 + 40 * DAY),
            returning_kind: String::new(),
            from_day: DAY0 / DAY - 40,
            to_day: DAY0 / DAY + 40,
        })
        .await
        .expect("retention rows");
    assert!(
        marks.members.iter().all(|m| m.profile != "u-old")
            && marks.activity.iter().all(|a| a.profile != "u-old"),
        "the purged profile's retention marks went with it: {marks:?}"
    );
    let both = store.get_user("u-both").await.expect("get").expect("kept");
    assert_eq!(both.event_count, 2, "the profile's rollup is not recounted");

    // The stats of each day are what they were; over both days, distinct users are a
    // lower bound that never falls below the busiest day's.
    assert_eq!(stats(&store, d31, d31).await, before_31);
    assert_eq!(stats(&store, d30, d30).await, before_30);
    let after_both = stats(&store, d31, d30).await;
    assert_eq!(after_both.total_events, before_both.total_events);
    assert_eq!(after_both.events_per_day, before_both.events_per_day);
    assert_eq!(
        after_both.daily_active_users,
        before_both.daily_active_users
    );
    assert_eq!(after_both.total_users, 2);

    // Running it again deletes nothing and changes no stat.
    let again = purge(&store, 2).await;
    assert_eq!(
        (
            again.events,
            again.visits,
            again.orders,
            again.active_days,
            again.profiles
        ),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(stats(&store, d31, d31).await, before_31);
    assert_eq!(stats(&store, d31, d30).await, after_both);
}

pub async fn a_purge_with_retention_off_deletes_nothing(store: Arc<dyn Store>) {
    seed(&store).await;
    let off = RetentionSettings {
        events_days: 0,
        ..retention(10)
    };
    let r = purge::run(
        store.as_ref(),
        &off,
        day(DAY0 + 400 * DAY),
        &JobContext::new("test"),
    )
    .await
    .expect("purge runs");
    assert_eq!(r.cutoff, None);
    assert_eq!(r.events + r.profiles, 0);
    assert_eq!(journey_ids(&store, "u-old").await, ["old-1", "old-2"]);
}

macro_rules! retention_suite {
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

retention_suite!(
    a_30_day_purge_deletes_day_31_keeps_day_30_and_the_stats_of_both,
    a_purge_with_retention_off_deletes_nothing,
);
