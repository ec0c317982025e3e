//! Conformance cases for retention cohorts (run per engine): the per-person state written
//! with each batch, read back as rows, gives a known matrix; an identity merge moves the
//! earlier id's activity to the person, whose cohort is then the earlier first event.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use serde_json::json;
use shared::commerce::{Currency, Rates};
use shared::reports::{Interval, Range};
use shared::retention::{Matrix, Returned, Spec, compute};
use shared::storage::{IdentityLink, Store, TimedLink, WriteBatch};

use crate::helpers::*;
use crate::identity_cases::anon;

fn day(ms: i64) -> NaiveDate {
    at(ms).date_naive()
}

fn spec(periods: u32, cohort_event: Option<&str>, returning: Option<&str>) -> Spec {
    Spec::new(
        Range {
            from: day(DAY0),
            to: day(DAY0 + DAY),
            tz: Tz::UTC,
        },
        Interval::Day,
        periods,
        cohort_event.map(str::to_owned),
        returning.map(str::to_owned),
    )
    .expect("spec")
}

async fn matrix(
    store: &Arc<dyn Store>,
    periods: u32,
    cohort_event: Option<&str>,
    returning: Option<&str>,
) -> Matrix {
    let spec = spec(periods, cohort_event, returning);
    let rows = store.retention_rows(&spec.query()).await.expect("rows");
    let (from, to) = spec.followed_bounds();
    let orders = store.order_amounts(from, to).await.expect("orders");
    let rates = Rates {
        reporting: Currency::parse("EUR").expect("EUR"),
        to_reporting: Default::default(),
    };
    compute(
        &spec,
        &rows.members,
        Returned::Marks(&rows.activity),
        &orders,
        &rates,
        at(DAY0) + Duration::days(365),
        None,
    )
}

/// The cohorts by first `kind` (`""`: any event) begun in `[from, to)`, with all their
/// activity of any kind.
fn cohorts_of(kind: &str, from: i64, to: i64) -> shared::storage::RetentionQuery {
    shared::storage::RetentionQuery {
        cohort_kind: kind.to_owned(),
        from: at(from),
        to: at(to),
        returning_kind: String::new(),
        from_day: 0,
        to_day: i64::MAX,
    }
}

fn table(m: &Matrix) -> Vec<(String, u64, Vec<u64>)> {
    m.cohorts
        .iter()
        .map(|c| (c.cohort.clone(), c.size, c.returning.clone()))
        .collect()
}

/// Day 0 (2026-03-10): u1, u2 and anonymous anon-1 arrive, and a crawler. Day 1: u1 and u4
/// come back or arrive, anon-1 signs in as u3. Day 2: u1 buys, u3 and u4 come back.
pub async fn retention_cohorts_follow_first_events_and_merged_people(store: Arc<dyn Store>) {
    let mut crawler = event("bot-1", "crawler", "page_view", DAY0 + HOUR);
    crawler.context = obj(
        json!({"userAgent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}),
    );
    shared::enrich::Enricher::default().derive_all([&mut crawler], &Default::default());
    assert!(crawler.derived.as_ref().is_some_and(|d| d.bot));
    let mut purchase = event("u1-c", "u1", "purchase", DAY0 + 2 * DAY + 3 * HOUR);
    purchase.properties = obj(json!({"orderId": "o-1", "revenue": "30.00", "currency": "EUR"}));
    store
        .insert_batch(vec![
            event("u1-a", "u1", "page_view", DAY0 + HOUR),
            event("u2-a", "u2", "page_view", DAY0 + 2 * HOUR),
            anon("a1-a", "anon-1", "page_view", DAY0 + 3 * HOUR),
            crawler,
        ])
        .await
        .expect("day 0");
    // The late arrival of an earlier event: the first mark follows it.
    store
        .insert_batch(vec![
            event("u1-b", "u1", "page_view", DAY0 + DAY + HOUR),
            event("u4-a", "u4", "page_view", DAY0 + DAY + 2 * HOUR),
            event("u1-0", "u1", "search", DAY0 + 30 * 60_000),
        ])
        .await
        .expect("day 1");
    let mut identify = event("u3-a", "u3", "identify", DAY0 + DAY + 5 * HOUR);
    identify.anonymous_id = Some("anon-1".into());
    store
        .write(WriteBatch {
            events: vec![identify],
            links: vec![TimedLink {
                link: IdentityLink {
                    from: "anon-1".into(),
                    to: "u3".into(),
                },
                at: at(DAY0 + DAY + 5 * HOUR),
                right: shared::identity::LinkRight::Any,
            }],
        })
        .await
        .expect("identify");
    store
        .insert_batch(vec![
            purchase,
            event("u3-b", "u3", "page_view", DAY0 + 2 * DAY + HOUR),
            event("u4-b", "u4", "search", DAY0 + 2 * DAY + 2 * HOUR),
        ])
        .await
        .expect("day 2");

    let any = matrix(&store, 3, None, None).await;
    assert_eq!(
        table(&any),
        [
            // u1, u2 and u3 (first seen as anon-1): u1 and u3 back on days 1 and 2.
            ("2026-03-10".to_owned(), 3, vec![3, 2, 2]),
            ("2026-03-11".to_owned(), 1, vec![1, 1, 0]),
        ]
    );
    assert_eq!(any.cohorts[0].revenue, [0.0, 0.0, 30.0]);
    assert_eq!(any.cohorts[1].revenue, [0.0, 0.0, 0.0]);
    assert_eq!(any.curve, [Some(1.0), Some(0.75), Some(0.5)]);

    let buying = matrix(&store, 3, None, Some("purchase")).await;
    assert_eq!(
        table(&buying),
        [
            ("2026-03-10".to_owned(), 3, vec![0, 0, 1]),
            ("2026-03-11".to_owned(), 1, vec![0, 0, 0]),
        ]
    );

    // Cohorts by first search: u1 (the late event of day 0) and u4 (day 2, outside).
    let searching = matrix(&store, 2, Some("search"), Some("page_view")).await;
    assert_eq!(
        table(&searching),
        [
            ("2026-03-10".to_owned(), 1, vec![1, 1]),
            ("2026-03-11".to_owned(), 0, vec![0, 0]),
        ]
    );

    let rows = store
        .retention_rows(&cohorts_of("", DAY0, DAY0 + 3 * DAY))
        .await
        .expect("rows");
    let mut people: Vec<&str> = rows.members.iter().map(|m| m.profile.as_str()).collect();
    people.sort_unstable();
    assert_eq!(people, ["u1", "u2", "u3", "u4"], "no anon-1, no crawler");

    // The same matrices from the visit index's trails as from the store's day marks: the
    // merged person's visits moved with their marks, the crawler has neither.
    let index = shared::reports::index::VisitIndex::new(60, 5_000);
    let now = at(DAY0) + Duration::days(365);
    index
        .load(&*store, at(DAY0 + 20 * DAY))
        .await
        .expect("load");
    let rates = Rates {
        reporting: Currency::parse("EUR").expect("EUR"),
        to_reporting: Default::default(),
    };
    for (periods, cohort, returning, expected) in [
        (3, None, None, &any),
        (3, None, Some("purchase"), &buying),
        (2, Some("search"), Some("page_view"), &searching),
    ] {
        let spec = spec(periods, cohort, returning);
        let members = store
            .retention_members(&spec.query())
            .await
            .expect("members");
        let names: Vec<&str> = members.iter().map(|m| m.profile.as_str()).collect();
        let periods = shared::retention::Periods::of(&spec);
        assert!(
            index
                .active_periods(&names, &periods, spec.returning.as_deref())
                .is_some(),
            "the index answers {cohort:?} {returning:?}"
        );
        let from_index =
            shared::retention::report(&*store, Some(&index), &spec, &[], &rates, None, now)
                .await
                .expect("from the index");
        assert_eq!(&from_index, expected, "{cohort:?} {returning:?}");
    }
}

/// Filtered retention reads the visits that pass the filters from the in-memory index when
/// it holds the cohorts' periods and from the store otherwise: both give the same matrix,
/// per filter, interval, cohort and returning kind, and in a segment.
pub async fn filtered_retention_is_the_same_from_the_index_and_the_store(store: Arc<dyn Store>) {
    use shared::reports::Filter;
    use shared::reports::index::VisitIndex;
    use shared::retention::report;

    store
        .insert_batch(crate::reports_index::traffic(7, "a", 40, 0))
        .await
        .expect("write");
    let index = VisitIndex::new(60, 5_000);
    let now = at(DAY0 + 20 * DAY);
    index.load(&*store, now).await.expect("load");
    let rates = Rates {
        reporting: Currency::parse("EUR").expect("EUR"),
        to_reporting: [(
            Currency::parse("USD").expect("USD"),
            "0.9".parse().expect("rate"),
        )]
        .into(),
    };
    let members: shared::segments::Members =
        (0..40).step_by(3).map(|p| format!("a-p{p}")).collect();
    let mut narrowed = 0;
    for filters in [
        vec![],
        vec!["device:mobile"],
        vec!["channel:Organic Search"],
        vec!["page:/cart", "browser!=Firefox"],
        vec!["utmCampaign~spring"],
    ] {
        let filters: Vec<Filter> = filters
            .into_iter()
            .map(|f| Filter::parse(f).expect("filter"))
            .collect();
        for (interval, cohort, returning) in [
            (Interval::Day, None, None),
            (Interval::Week, Some("page_view"), Some("purchase")),
        ] {
            let spec = Spec::new(
                Range {
                    from: day(DAY0),
                    to: day(DAY0 + 9 * DAY),
                    tz: "Europe/Madrid".parse().expect("tz"),
                },
                interval,
                4,
                cohort.map(str::to_owned),
                returning.map(str::to_owned),
            )
            .expect("spec");
            for people in [None, Some(&members)] {
                let from_index =
                    report(&*store, Some(&index), &spec, &filters, &rates, people, now)
                        .await
                        .expect("from the index");
                let from_store = report(&*store, None, &spec, &filters, &rates, people, now)
                    .await
                    .expect("from the store");
                assert_eq!(
                    from_index, from_store,
                    "{filters:?} {interval:?} {people:?}"
                );
                let all = report(&*store, None, &spec, &[], &rates, people, now)
                    .await
                    .expect("unfiltered");
                let size = |m: &Matrix| m.cohorts.iter().map(|c| c.size).sum::<u64>();
                assert!(size(&from_store) <= size(&all));
                if size(&from_store) > 0 && size(&from_store) < size(&all) {
                    narrowed += 1;
                }
            }
        }
    }
    assert!(
        narrowed >= 4,
        "the filters narrow the cohorts ({narrowed} cases)"
    );
}

/// A person's first instant per kind follows every late event that is earlier, within its
/// UTC day too (a shop's local midnight can cut that day), and nothing later moves it back.
pub async fn the_first_instant_follows_earlier_late_events_only(store: Arc<dyn Store>) {
    let firsts = |kind: &str| {
        let store = store.clone();
        let kind = kind.to_owned();
        async move {
            let members = store
                .retention_members(&cohorts_of(&kind, DAY0 - 10 * DAY, DAY0 + 10 * DAY))
                .await
                .expect("members");
            let found: Vec<(String, i64)> = members
                .into_iter()
                .map(|m| (m.profile, m.first.timestamp_millis()))
                .collect();
            found
        }
    };
    let one = |ms: i64| vec![("u1".to_owned(), ms)];
    let steps: [(&str, &str, i64, i64, Option<i64>); 6] = [
        ("e1", "page_view", DAY0 + 10 * HOUR, DAY0 + 10 * HOUR, None),
        // Later on the same day: only the day's last instant moves.
        ("e2", "page_view", DAY0 + 12 * HOUR, DAY0 + 10 * HOUR, None),
        // Earlier on the same day, arriving late.
        ("e3", "page_view", DAY0 + 9 * HOUR, DAY0 + 9 * HOUR, None),
        (
            "e4",
            "page_view",
            DAY0 + 9 * HOUR + 1_800_000,
            DAY0 + 9 * HOUR,
            None,
        ),
        // Another kind, earlier still: its own first and the person's.
        (
            "e5",
            "search",
            DAY0 + 8 * HOUR,
            DAY0 + 8 * HOUR,
            Some(DAY0 + 8 * HOUR),
        ),
        // The day before.
        (
            "e6",
            "page_view",
            DAY0 - HOUR,
            DAY0 - HOUR,
            Some(DAY0 + 8 * HOUR),
        ),
    ];
    for (id, kind, t, first_any, first_search) in steps {
        store
            .insert_batch(vec![event(id, "u1", kind, t)])
            .await
            .expect("batch");
        assert_eq!(firsts("").await, one(first_any), "first seen after {id}");
        let expected = first_search.map(one).unwrap_or_default();
        assert_eq!(firsts("search").await, expected, "first search after {id}");
    }
    assert_eq!(firsts("page_view").await, one(DAY0 - HOUR));
}

conformance_suite!(
    retention_cohorts_follow_first_events_and_merged_people,
    the_first_instant_follows_earlier_late_events_only,
    filtered_retention_is_the_same_from_the_index_and_the_store
);
