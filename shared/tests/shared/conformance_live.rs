//! Conformance cases for the live view's reads, per engine: arrivals newest first from a
//! time, filtered by type and person, and the visitors of a recent window; and a follower
//! over a real store shows each event once, in arrival order.

use std::sync::Arc;

use shared::live::{Follower, LiveFilter};
use shared::storage::{LiveQuery, Store};

use crate::helpers::*;

fn ids(events: &[shared::event::Event]) -> Vec<&str> {
    events.iter().map(|e| e.event_id.as_str()).collect()
}

pub async fn arrivals_are_newest_first_from_a_time_with_filters(store: Arc<dyn Store>) {
    store
        .insert_batch(vec![
            event("a", "u1", "page_view", DAY0),
            event("b", "u2", "add_to_cart", DAY0 + 1_000),
            event("c", "u1", "purchase", DAY0 + 2_000),
            event("d", "u2", "page_view", DAY0 + 3_000),
        ])
        .await
        .expect("write");
    // `event` receives each event 5 ms after it happened.
    let q = |since: i64, types: &[&str], person: Option<&str>, limit| LiveQuery {
        since_ms: since,
        types: types.iter().map(|t| (*t).to_owned()).collect(),
        profile_id: person.map(str::to_owned),
        limit,
    };
    let all = store
        .recent_arrivals(&q(DAY0, &[], None, 10))
        .await
        .expect("read");
    assert_eq!(ids(&all), ["d", "c", "b", "a"]);
    let later = store
        .recent_arrivals(&q(DAY0 + 1_005, &[], None, 10))
        .await
        .expect("read");
    assert_eq!(ids(&later), ["d", "c", "b"], "the bound is inclusive");
    let newest = store
        .recent_arrivals(&q(DAY0, &[], None, 2))
        .await
        .expect("read");
    assert_eq!(ids(&newest), ["d", "c"]);
    let views = store
        .recent_arrivals(&q(DAY0, &["page_view", "purchase"], None, 10))
        .await
        .expect("read");
    assert_eq!(ids(&views), ["d", "c", "a"]);
    let u2 = store
        .recent_arrivals(&q(DAY0, &[], Some("u2"), 10))
        .await
        .expect("read");
    assert_eq!(ids(&u2), ["d", "b"]);
}

pub async fn a_follower_shows_each_arrival_once_in_order(store: Arc<dyn Store>) {
    let now = at(DAY0 + 10_000);
    let mut f = Follower::new(LiveFilter::default(), now);
    store
        .insert_batch(vec![event("a", "u1", "page_view", DAY0)])
        .await
        .expect("write");
    let first = f.absorb(store.recent_arrivals(&f.query()).await.expect("read"));
    assert_eq!(ids(&first), ["a"], "the backlog of the last minute");
    store
        .insert_batch(vec![
            event("c", "u1", "page_view", DAY0 + 12_000),
            event("b", "u1", "page_view", DAY0 + 11_000),
        ])
        .await
        .expect("write");
    let second = f.absorb(store.recent_arrivals(&f.query()).await.expect("read"));
    assert_eq!(ids(&second), ["b", "c"]);
    let third = f.absorb(store.recent_arrivals(&f.query()).await.expect("read"));
    assert!(third.is_empty(), "nothing twice: {:?}", ids(&third));
}

pub async fn visitors_are_people_last_seen_in_the_window(store: Arc<dyn Store>) {
    store
        .insert_batch(vec![
            event("a", "u1", "page_view", DAY0),
            event("b", "u2", "page_view", DAY0 + 4 * 60_000),
            event("c", "u3", "page_view", DAY0 + 6 * 60_000),
            event("d", "u2", "page_view", DAY0 + 7 * 60_000),
        ])
        .await
        .expect("write");
    let since = at(DAY0 + 2 * 60_000);
    assert_eq!(store.visitors_since(since).await.expect("count"), 2);
    assert_eq!(store.visitors_since(at(DAY0)).await.expect("count"), 3);
    assert_eq!(
        store.visitors_since(at(DAY0 + DAY)).await.expect("count"),
        0
    );
}

conformance_suite!(
    arrivals_are_newest_first_from_a_time_with_filters,
    a_follower_shows_each_arrival_once_in_order,
    visitors_are_people_last_seen_in_the_window,
);
