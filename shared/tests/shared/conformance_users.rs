//! Conformance cases for the users list, per engine: every sort column both ways with
//! stable `(value, id)` cursors, prefix search by id and traits kept at write time (a trait
//! that changes stops matching), and the total that match.

use std::sync::Arc;

use serde_json::json;
use shared::storage::{SortOrder, Store, StoreError, UserQuery, UserSort};

use crate::helpers::*;

/// (id, events, first seen offset in hours); each event an hour after the previous one.
const PEOPLE: [(&str, i64, i64); 6] = [
    ("ana", 3, 0),
    ("bob", 1, 5),
    ("cy", 3, 1),
    ("dee", 2, 2),
    ("eve", 5, 3),
    ("fay", 1, 9),
];

async fn seed(store: &Arc<dyn Store>) {
    let mut batch = Vec::new();
    for (id, n, start) in PEOPLE {
        for i in 0..n {
            batch.push(event(
                &format!("{id}-{i}"),
                id,
                "page_view",
                DAY0 + (start + i) * HOUR,
            ));
        }
    }
    store.insert_batch(batch).await.expect("write");
}

/// Every page of a query, two at a time, by following the cursors.
async fn walk(store: &Arc<dyn Store>, sort: UserSort, order: SortOrder) -> Vec<String> {
    let mut q = UserQuery {
        sort,
        order,
        limit: 2,
        ..UserQuery::default()
    };
    let mut ids = Vec::new();
    loop {
        let page = store.list_users(&q).await.expect("list");
        assert!(page.items.len() <= 2);
        ids.extend(page.items.into_iter().map(|u| u.user_id));
        match page.next {
            Some(c) => q.after = Some(c),
            None => return ids,
        }
    }
}

pub async fn users_sort_by_every_column_both_ways_across_pages(store: Arc<dyn Store>) {
    seed(&store).await;
    use SortOrder::{Asc, Desc};
    use UserSort::{EventCount, FirstSeen, LastSeen, UserId};
    // Last seen = first seen + events - 1 hours: ana 2, bob 5, cy 3, dee 3, eve 7, fay 9.
    let cases: [(UserSort, SortOrder, [&str; 6]); 8] = [
        (EventCount, Desc, ["eve", "cy", "ana", "dee", "fay", "bob"]),
        (EventCount, Asc, ["bob", "fay", "dee", "ana", "cy", "eve"]),
        (FirstSeen, Asc, ["ana", "cy", "dee", "eve", "bob", "fay"]),
        (FirstSeen, Desc, ["fay", "bob", "eve", "dee", "cy", "ana"]),
        (LastSeen, Desc, ["fay", "eve", "bob", "dee", "cy", "ana"]),
        (LastSeen, Asc, ["ana", "cy", "dee", "bob", "eve", "fay"]),
        (UserId, Asc, ["ana", "bob", "cy", "dee", "eve", "fay"]),
        (UserId, Desc, ["fay", "eve", "dee", "cy", "bob", "ana"]),
    ];
    for (sort, order, expected) in cases {
        assert_eq!(
            walk(&store, sort, order).await,
            expected,
            "{sort:?} {order:?}"
        );
    }
}

pub async fn a_cursor_of_another_ordering_is_refused(store: Arc<dyn Store>) {
    seed(&store).await;
    let page = store
        .list_users(&UserQuery {
            sort: UserSort::EventCount,
            limit: 2,
            ..UserQuery::default()
        })
        .await
        .expect("list");
    let err = store
        .list_users(&UserQuery {
            sort: UserSort::FirstSeen,
            limit: 2,
            after: page.next,
            ..UserQuery::default()
        })
        .await
        .expect_err("another column's cursor");
    assert!(matches!(err, StoreError::InvalidCursor), "{err:?}");
}

fn with_traits(id: &str, user: &str, ms: i64, traits: serde_json::Value) -> shared::event::Event {
    let mut e = event(id, user, "identify", ms);
    e.traits = Some(obj(traits));
    e
}

async fn found(store: &Arc<dyn Store>, search: &str) -> (Vec<String>, u64) {
    let q = UserQuery {
        search: Some(search.into()),
        sort: UserSort::UserId,
        order: SortOrder::Asc,
        limit: 100,
        ..UserQuery::default()
    };
    let page = store.list_users(&q).await.expect("search");
    let total = store.count_users(&q).await.expect("count");
    (page.items.into_iter().map(|u| u.user_id).collect(), total)
}

pub async fn users_are_found_by_id_email_or_name_prefix_and_counted(store: Arc<dyn Store>) {
    store
        .insert_batch(vec![
            with_traits(
                "t1",
                "u-100",
                DAY0,
                json!({ "email": "Ana.Lopez@shop.test", "name": "Ana López" }),
            ),
            with_traits(
                "t2",
                "u-200",
                DAY0 + 1,
                json!({ "email": "bob@shop.test", "name": "Bob Anderson" }),
            ),
            event("t3", "anders", "page_view", DAY0 + 2),
            event("t4", "a.b*c", "page_view", DAY0 + 3),
        ])
        .await
        .expect("write");
    let cases: [(&str, &[&str]); 8] = [
        ("ana", &["u-100"]),
        ("ANDER", &["anders", "u-200"]),
        ("lóp", &["u-100"]),
        ("bob@", &["u-200"]),
        ("u-", &["u-100", "u-200"]),
        ("a.b*", &["a.b*c"]),
        ("shop.test", &[]),
        ("%", &[]),
    ];
    for (search, expected) in cases {
        let (ids, total) = found(&store, search).await;
        assert_eq!(ids, expected, "search {search:?}");
        assert_eq!(total, expected.len() as u64, "total of {search:?}");
    }
    let all = store
        .count_users(&UserQuery::default())
        .await
        .expect("count");
    assert_eq!(all, 4);
}

pub async fn a_changed_trait_stops_matching_its_old_value(store: Arc<dyn Store>) {
    store
        .insert_batch(vec![with_traits(
            "t1",
            "u-1",
            DAY0,
            json!({ "email": "old@shop.test" }),
        )])
        .await
        .expect("write");
    assert_eq!(found(&store, "old@").await, (vec!["u-1".to_owned()], 1));
    store
        .insert_batch(vec![with_traits(
            "t2",
            "u-1",
            DAY0 + HOUR,
            json!({ "email": "new@shop.test" }),
        )])
        .await
        .expect("write");
    assert_eq!(found(&store, "old@").await, (vec![], 0));
    assert_eq!(found(&store, "new@").await, (vec!["u-1".to_owned()], 1));
    // A later batch that leaves the traits as they are keeps them found.
    store
        .insert_batch(vec![event("t3", "u-1", "page_view", DAY0 + 2 * HOUR)])
        .await
        .expect("write");
    assert_eq!(found(&store, "new@").await, (vec!["u-1".to_owned()], 1));
    assert_eq!(found(&store, "u-1").await, (vec!["u-1".to_owned()], 1));
}

conformance_suite!(
    users_sort_by_every_column_both_ways_across_pages,
    a_cursor_of_another_ordering_is_refused,
    users_are_found_by_id_email_or_name_prefix_and_counted,
    a_changed_trait_stops_matching_its_old_value,
);
