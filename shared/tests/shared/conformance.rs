//! One behavioural suite for every storage engine. Each case is a function over
//! `Arc<dyn Store>`; the macro at the bottom instantiates it per engine. SQLite always runs;
//! MongoDB runs wherever `MONGODB_URI` is set and prints SKIP otherwise.

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::json;
use shared::funnels::FunnelQuery;
use shared::storage::{
    Account, AccountUpdate, AuditCursor, AuditEntry, Email,
    InsertOutcome::{Accepted, Duplicate},
    JourneyQuery, Role, SessionRecord, Store, StoreError, UserQuery, WriteKey, WriteKeyKind,
};

use crate::helpers::*;
pub use crate::identity_cases::*;

fn day(ms: i64) -> NaiveDate {
    at(ms).date_naive()
}

async fn journey_ids(store: &Arc<dyn Store>, user: &str) -> Vec<String> {
    let q = JourneyQuery {
        limit: 1000,
        ..Default::default()
    };
    store
        .journey(user, &q)
        .await
        .expect("journey")
        .items
        .into_iter()
        .map(|e| e.event_id)
        .collect()
}

pub async fn duplicate_event_ids_are_stored_once(store: Arc<dyn Store>) {
    let a = event("a", "u1", "page_view", DAY0);
    let b = event("b", "u1", "search", DAY0 + 1);
    let c = event("c", "u1", "purchase", DAY0 + 2);
    let first = store.insert_batch(vec![a.clone(), b]).await.expect("write");
    assert_eq!(first, [Accepted, Accepted]);
    let second = store.insert_batch(vec![a, c]).await.expect("write");
    assert_eq!(second, [Duplicate, Accepted]);
    assert_eq!(journey_ids(&store, "u1").await, ["c", "b", "a"]);
}

pub async fn repeats_within_one_batch_count_once(store: Arc<dyn Store>) {
    let a = event("a", "u1", "page_view", DAY0);
    let mut a_again = a.clone();
    a_again.event_type = shared::event::EventType::parse("purchase").expect("type");
    let out = store.insert_batch(vec![a, a_again]).await.expect("write");
    assert_eq!(out, [Accepted, Duplicate]);
    let ev = store
        .journey(
            "u1",
            &JourneyQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("journey");
    assert_eq!(ev.items.len(), 1);
    assert_eq!(
        ev.items[0].event_type.as_str(),
        "page_view",
        "the first occurrence wins"
    );
    let rows = store.rollups(day(DAY0), day(DAY0)).await.expect("rollups");
    assert_eq!(
        rows.day_type_counts,
        [(day(DAY0), "page_view".to_owned(), 1)]
    );
}

pub async fn duplicates_never_inflate_rollups(store: Arc<dyn Store>) {
    let batch: Vec<_> = (0..20)
        .map(|i| {
            event(
                &format!("e{i}"),
                &format!("u{}", i % 4),
                "page_view",
                DAY0 + i * HOUR,
            )
        })
        .collect();
    store.insert_batch(batch.clone()).await.expect("write");
    let before = store
        .rollups(day(DAY0), day(DAY0 + 2 * DAY))
        .await
        .expect("rollups");
    let user_before = store.get_user("u1").await.expect("user");
    let again = store.insert_batch(batch).await.expect("write");
    assert!(again.iter().all(|o| *o == Duplicate));
    let after = store
        .rollups(day(DAY0), day(DAY0 + 2 * DAY))
        .await
        .expect("rollups");
    assert_eq!(before, after);
    assert_eq!(user_before, store.get_user("u1").await.expect("user"));
    let total: u64 = after.day_type_counts.iter().map(|(_, _, n)| n).sum();
    assert_eq!(total, 20);
}

pub async fn events_round_trip_exactly(store: Arc<dyn Store>) {
    let mut e = event("rt-1", "u1", "Order Completed", DAY0 + 123);
    e.anonymous_id = Some("anon-1".into());
    e.sent_at = Some(at(DAY0 + 200));
    e.timestamp_clamped = true;
    e.source = Some("web-shop".into());
    e.properties = obj(json!({
        "price": 12.5, "qty": 3, "big": 9_007_199_254_740_993_i64, "neg": -1,
        "name": "café ☕", "nested": {"a": [1, {"b": null}], "t": true},
        "dotted.key": 1, "$dollar": "x", "empty": {}
    }));
    e.context = obj(
        json!({"page": {"url": "https://shop.example/p?q=1", "title": "P"}, "locale": "es-ES"}),
    );
    e.traits = Some(obj(json!({"email": "a@example.com", "plan": "pro"})));
    store.insert_batch(vec![e.clone()]).await.expect("write");
    let page = store
        .journey(
            "u1",
            &JourneyQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("journey");
    assert_eq!(page.items, [e]);
}

pub async fn journey_is_newest_first_with_stable_cursor_pagination(store: Arc<dyn Store>) {
    // 25 events, several sharing a timestamp, written out of order across batches.
    let mut all: Vec<_> = (0..25)
        .map(|i| {
            event(
                &format!("e{i:02}"),
                "u1",
                "page_view",
                DAY0 + (i / 3) * 1000,
            )
        })
        .collect();
    all.reverse();
    store.insert_batch(all[..12].to_vec()).await.expect("write");
    store.insert_batch(all[12..].to_vec()).await.expect("write");
    store
        .insert_batch(vec![event("other", "u2", "page_view", DAY0)])
        .await
        .expect("write");

    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let q = JourneyQuery {
            limit: 10,
            after: after.clone(),
            ..Default::default()
        };
        let page = store.journey("u1", &q).await.expect("journey");
        pages += 1;
        assert!(page.items.len() <= 10);
        seen.extend(
            page.items
                .iter()
                .map(|e| (e.occurred_at, e.event_id.clone())),
        );
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
        assert!(pages < 10, "pagination must end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25, "no event missing or repeated");
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, ties by id descending");
}

pub async fn journey_filters_by_type_and_time_range(store: Arc<dyn Store>) {
    let batch = vec![
        event("a", "u1", "page_view", DAY0),
        event("b", "u1", "search", DAY0 + HOUR),
        event("c", "u1", "purchase", DAY0 + 2 * HOUR),
        event("d", "u1", "page_view", DAY0 + 3 * HOUR),
    ];
    store.insert_batch(batch).await.expect("write");
    let q = JourneyQuery {
        types: vec!["page_view".into(), "purchase".into()],
        limit: 100,
        ..Default::default()
    };
    let ids: Vec<_> = store
        .journey("u1", &q)
        .await
        .expect("journey")
        .items
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(ids, ["d", "c", "a"]);
    let q = JourneyQuery {
        from: Some(at(DAY0 + HOUR)),
        to: Some(at(DAY0 + 3 * HOUR)),
        limit: 100,
        ..Default::default()
    };
    let ids: Vec<_> = store
        .journey("u1", &q)
        .await
        .expect("journey")
        .items
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(ids, ["c", "b"], "from is inclusive, to exclusive");
    assert!(journey_ids(&store, "nobody").await.is_empty());
}

pub async fn a_journeys_types_are_the_types_that_person_has(store: Arc<dyn Store>) {
    store
        .insert_batch(vec![
            event("a", "u1", "search", DAY0),
            event("b", "u1", "Order Completed", DAY0 + HOUR),
            event("c", "u1", "search", DAY0 + 2 * HOUR),
            event("d", "u2", "purchase", DAY0 + 3 * HOUR),
        ])
        .await
        .expect("write");
    assert_eq!(
        store.journey_types("u1").await.expect("types"),
        ["Order Completed", "search"]
    );
    assert!(
        store
            .journey_types("nobody")
            .await
            .expect("types")
            .is_empty()
    );
}

pub async fn profiles_track_first_and_last_seen_counts_and_merged_traits(store: Arc<dyn Store>) {
    let mut a = event("a", "u1", "page_view", DAY0 + 2 * HOUR);
    a.traits = Some(obj(json!({"plan": "free", "email": "u1@example.com"})));
    let mut b = event("b", "u1", "add_to_cart", DAY0 + 3 * HOUR);
    b.traits = Some(obj(json!({"plan": "pro"})));
    store.insert_batch(vec![b, a]).await.expect("write");
    // A late event, older than everything stored: first_seen moves, last type stays.
    store
        .insert_batch(vec![event("c", "u1", "session_start", DAY0)])
        .await
        .expect("write");
    let u = store
        .get_user("u1")
        .await
        .expect("read")
        .expect("profile exists");
    assert_eq!(u.user_id, "u1");
    assert!(!u.anonymous);
    assert_eq!(u.first_seen, at(DAY0));
    assert_eq!(u.last_seen, at(DAY0 + 3 * HOUR));
    assert_eq!(u.event_count, 3);
    assert_eq!(u.last_event_type, "add_to_cart");
    assert_eq!(
        u.traits,
        obj(json!({"plan": "pro", "email": "u1@example.com"}))
    );
    // Traits sent later override earlier values and keep the rest.
    let mut d = event("d", "u1", "page_view", DAY0 + 4 * HOUR);
    d.traits = Some(obj(json!({"plan": "enterprise", "name": "Ana"})));
    store.insert_batch(vec![d]).await.expect("write");
    let u = store
        .get_user("u1")
        .await
        .expect("read")
        .expect("profile exists");
    assert_eq!(
        u.traits,
        obj(json!({"plan": "enterprise", "email": "u1@example.com", "name": "Ana"}))
    );
    assert_eq!(u.last_event_type, "page_view");
    assert!(store.get_user("nobody").await.expect("read").is_none());
}

pub async fn traits_merge_shallowly_and_an_equal_time_event_sets_the_last_type(
    store: Arc<dyn Store>,
) {
    let mut a = event("a", "u1", "page_view", DAY0);
    a.traits = Some(obj(
        json!({"address": {"city": "Lima", "zip": "15001"}, "vip": true}),
    ));
    store.insert_batch(vec![a]).await.expect("write");
    let mut b = event("b", "u1", "search", DAY0);
    b.traits = Some(obj(json!({"address": {"city": "Cusco"}, "vip": null})));
    store.insert_batch(vec![b]).await.expect("write");
    let u = store.get_user("u1").await.expect("read").expect("profile");
    assert_eq!(
        u.traits,
        obj(json!({"address": {"city": "Cusco"}, "vip": null})),
        "a top-level key is replaced whole; null is stored, not a deletion"
    );
    assert_eq!(
        u.last_event_type, "search",
        "an event at the same time as last_seen counts as last"
    );
    // Repeating a profile on the same day adds no daily active user.
    store
        .insert_batch(vec![event("c", "u1", "scroll", DAY0 + HOUR)])
        .await
        .expect("write");
    let rows = store.rollups(day(DAY0), day(DAY0)).await.expect("rollups");
    assert_eq!(rows.daily_active, [(day(DAY0), 1)]);
}

pub async fn search_is_literal_even_with_pattern_characters(store: Arc<dyn Store>) {
    let ids = ["a.b*c", "a+b(c)", "plain", "[x]^$", "100%_off"];
    let batch: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| event(&format!("e{i}"), id, "page_view", DAY0 + i as i64))
        .collect();
    store.insert_batch(batch).await.expect("write");
    // A search is a prefix of the id (or of a trait), compared literally.
    let none: Vec<&str> = Vec::new();
    for (needle, expect) in [
        ("a.b*", vec!["a.b*c"]),
        ("A+B(", vec!["a+b(c)"]),
        ("[x]^", vec!["[x]^$"]),
        ("100%_", vec!["100%_off"]),
        (".", none.clone()),
        ("%", none),
    ] {
        let page = store
            .list_users(&UserQuery {
                search: Some(needle.into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .expect("search");
        let got: Vec<_> = page.items.iter().map(|u| u.user_id.as_str()).collect();
        assert_eq!(got, expect, "search {needle:?}");
    }
}

pub async fn anonymous_profiles_are_keyed_by_anonymous_id(store: Arc<dyn Store>) {
    let mut e = event("a", "ignored", "page_view", DAY0);
    e.user_id = None;
    e.anonymous_id = Some("anon-9".into());
    store.insert_batch(vec![e]).await.expect("write");
    let u = store
        .get_user("anon-9")
        .await
        .expect("read")
        .expect("profile");
    assert!(u.anonymous);
    assert_eq!(journey_ids(&store, "anon-9").await, ["a"]);
}

pub async fn users_are_listed_most_recent_first_searchable_and_paged(store: Arc<dyn Store>) {
    let batch: Vec<_> = (0..7)
        .map(|i| {
            event(
                &format!("e{i}"),
                &format!("shopper-{i}"),
                "page_view",
                DAY0 + i * HOUR,
            )
        })
        .chain([event("x", "Other-Person", "page_view", DAY0 + 30 * HOUR)])
        .collect();
    store.insert_batch(batch).await.expect("write");
    let page = store
        .list_users(&UserQuery {
            limit: 3,
            ..Default::default()
        })
        .await
        .expect("list");
    let ids: Vec<_> = page.items.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(ids, ["Other-Person", "shopper-6", "shopper-5"]);
    let mut all: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    let mut after = page.next;
    while let Some(c) = after {
        let p = store
            .list_users(&UserQuery {
                limit: 3,
                after: Some(c),
                ..Default::default()
            })
            .await
            .expect("list");
        all.extend(p.items.iter().map(|u| u.user_id.clone()));
        after = p.next;
    }
    assert_eq!(all.len(), 8, "every profile exactly once: {all:?}");
    let found = store
        .list_users(&UserQuery {
            search: Some("OTHER".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("search");
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].user_id, "Other-Person");
    let none = store
        .list_users(&UserQuery {
            search: Some("%".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("search");
    assert!(none.items.is_empty(), "search is literal, not a pattern");
}

pub async fn rollups_count_days_types_and_distinct_active_users(store: Arc<dyn Store>) {
    let batch = vec![
        event("1", "u1", "page_view", DAY0 + HOUR),
        event("2", "u1", "page_view", DAY0 + 2 * HOUR),
        event("3", "u2", "purchase", DAY0 + 3 * HOUR),
        event("4", "u1", "search", DAY0 + DAY + HOUR),
        event("5", "u3", "page_view", DAY0 + 2 * DAY),
    ];
    store.insert_batch(batch).await.expect("write");
    let mut rows = store
        .rollups(day(DAY0), day(DAY0 + DAY))
        .await
        .expect("rollups");
    rows.day_type_counts.sort();
    rows.daily_active.sort();
    assert_eq!(
        rows.day_type_counts,
        [
            (day(DAY0), "page_view".to_owned(), 2),
            (day(DAY0), "purchase".to_owned(), 1),
            (day(DAY0 + DAY), "search".to_owned(), 1),
        ]
    );
    assert_eq!(rows.daily_active, [(day(DAY0), 2), (day(DAY0 + DAY), 1)]);
    assert_eq!(rows.active_users, 2, "u1 on both days counts once");
    let all = store
        .rollups(day(DAY0), day(DAY0 + 2 * DAY))
        .await
        .expect("rollups");
    assert_eq!(all.active_users, 3);
    let empty = store
        .rollups(day(DAY0 + 10 * DAY), day(DAY0 + 11 * DAY))
        .await
        .expect("rollups");
    assert_eq!(empty, Default::default());
}

pub async fn concurrent_writers_store_each_event_once(store: Arc<dyn Store>) {
    let batch: Vec<_> = (0..200)
        .map(|i| {
            event(
                &format!("c{i}"),
                &format!("u{}", i % 10),
                "page_view",
                DAY0 + i,
            )
        })
        .collect();
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let s = store.clone();
            let b = batch.clone();
            tokio::spawn(async move { s.insert_batch(b).await.expect("write") })
        })
        .collect();
    let mut accepted = 0;
    for w in writers {
        accepted += w
            .await
            .expect("join")
            .iter()
            .filter(|o| **o == Accepted)
            .count();
    }
    assert_eq!(accepted, 200, "each id accepted by exactly one writer");
    let rows = store.rollups(day(DAY0), day(DAY0)).await.expect("rollups");
    assert_eq!(
        rows.day_type_counts,
        [(day(DAY0), "page_view".to_owned(), 200)]
    );
    assert_eq!(rows.active_users, 10);
    let total: u64 = store
        .list_users(&UserQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("users")
        .items
        .iter()
        .map(|u| u.event_count)
        .sum();
    assert_eq!(total, 200);
}

pub async fn ping_answers(store: Arc<dyn Store>) {
    store.ping().await.expect("ping");
    assert!(["sqlite", "mongodb"].contains(&store.engine()));
}

fn account(id: &str, email: &str, role: Role) -> Account {
    Account {
        id: id.to_owned(),
        email: Email::parse(email).expect("email"),
        display_name: format!("Member {id}"),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        created_at: at(DAY0),
        last_login_at: None,
        disabled: false,
    }
}

pub async fn accounts_are_unique_by_email_whatever_its_case(store: Arc<dyn Store>) {
    let ada = account("a1", "ada@example.com", Role::Admin);
    store.create_account(&ada).await.expect("create");
    let clash = account("a2", "ADA@Example.com", Role::Viewer);
    assert!(matches!(
        store.create_account(&clash).await,
        Err(StoreError::Conflict(_))
    ));
    let by_email = store
        .account_by_email(&Email::parse(" Ada@EXAMPLE.com").expect("email"))
        .await
        .expect("read");
    assert_eq!(by_email.as_ref(), Some(&ada));
    assert_eq!(
        store.account_by_id("a1").await.expect("read"),
        Some(ada.clone())
    );
    assert_eq!(store.account_by_id("nobody").await.expect("read"), None);

    store
        .create_account(&account("a3", "bob@example.com", Role::Viewer))
        .await
        .expect("create");
    let emails: Vec<_> = store
        .list_accounts()
        .await
        .expect("list")
        .into_iter()
        .map(|a| a.email.as_str().to_owned())
        .collect();
    assert_eq!(emails, ["ada@example.com", "bob@example.com"]);
    assert_eq!(store.count_active_admins().await.expect("count"), 1);
}

pub async fn accounts_change_role_password_and_disabled_flag_and_record_logins(
    store: Arc<dyn Store>,
) {
    let mut a = account("a1", "ada@example.com", Role::Viewer);
    store.create_account(&a).await.expect("create");
    a.role = Role::Admin;
    a.display_name = "Ada L.".into();
    a.password_hash = "$argon2id$new".into();
    assert_eq!(
        store.update_account(&a).await.expect("update"),
        AccountUpdate::Updated
    );
    assert_eq!(store.count_active_admins().await.expect("count"), 1);
    a.disabled = true;
    assert_eq!(
        store.update_account(&a).await.expect("update"),
        AccountUpdate::LastAdmin,
        "the last active admin cannot be disabled"
    );
    assert_eq!(store.count_active_admins().await.expect("count"), 1);
    let b = account("a2", "bea@example.com", Role::Admin);
    store.create_account(&b).await.expect("create");
    assert_eq!(
        store.update_account(&a).await.expect("update"),
        AccountUpdate::Updated
    );
    assert_eq!(store.count_active_admins().await.expect("count"), 1);
    store
        .record_login("a1", at(DAY0 + 77))
        .await
        .expect("login");
    let stored = store
        .account_by_id("a1")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(stored.last_login_at, Some(at(DAY0 + 77)));
    assert_eq!((stored.role, stored.disabled), (Role::Admin, true));
    assert_eq!(stored.password_hash, "$argon2id$new");
    let ghost = account("ghost", "ghost@example.com", Role::Viewer);
    assert_eq!(
        store.update_account(&ghost).await.expect("update"),
        AccountUpdate::NotFound
    );
}

/// Two admins demoting each other at the same moment: one change wins, an admin remains.
pub async fn concurrent_demotions_never_leave_no_admin(store: Arc<dyn Store>) {
    let mut survivor = account("adm-0", "adm-0@example.com", Role::Admin);
    store.create_account(&survivor).await.expect("create");
    for round in 1..=20 {
        let newcomer = account(
            &format!("adm-{round}"),
            &format!("adm-{round}@example.com"),
            Role::Admin,
        );
        store.create_account(&newcomer).await.expect("create");
        let demotions: Vec<_> = [survivor.clone(), newcomer.clone()]
            .into_iter()
            .map(|mut a| {
                let store = store.clone();
                tokio::spawn(async move {
                    a.role = Role::Viewer;
                    store.update_account(&a).await.expect("update")
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for d in demotions {
            outcomes.push(d.await.expect("task"));
        }
        assert_eq!(
            outcomes
                .iter()
                .filter(|o| **o == AccountUpdate::Updated)
                .count(),
            1,
            "round {round}: {outcomes:?}"
        );
        assert_eq!(store.count_active_admins().await.expect("count"), 1);
        survivor = if outcomes[0] == AccountUpdate::Updated {
            newcomer
        } else {
            survivor
        };
    }
}

pub async fn session_records_load_until_they_expire(store: Arc<dyn Store>) {
    let r = SessionRecord {
        id: "s1".into(),
        data: vec![1, 2, 3, 0, 255],
        expires_at: at(DAY0 + HOUR),
    };
    assert!(store.create_session(&r).await.expect("create"));
    assert!(
        !store.create_session(&r).await.expect("create"),
        "a taken id is refused"
    );
    assert_eq!(
        store.load_session("s1", at(DAY0)).await.expect("load"),
        Some(r.clone())
    );
    assert_eq!(
        store
            .load_session("s1", at(DAY0 + HOUR))
            .await
            .expect("load"),
        None
    );
    let renewed = SessionRecord {
        data: vec![9],
        expires_at: at(DAY0 + 2 * HOUR),
        ..r.clone()
    };
    store.save_session(&renewed).await.expect("save");
    assert_eq!(
        store
            .load_session("s1", at(DAY0 + HOUR))
            .await
            .expect("load"),
        Some(renewed)
    );
    let other = SessionRecord {
        id: "s2".into(),
        data: vec![],
        expires_at: at(DAY0),
    };
    store.save_session(&other).await.expect("save (upsert)");
    assert_eq!(
        store
            .delete_expired_sessions(at(DAY0 + 1))
            .await
            .expect("sweep"),
        1
    );
    store.delete_session("s1").await.expect("delete");
    store
        .delete_session("s1")
        .await
        .expect("deleting twice is fine");
    assert_eq!(
        store.load_session("s1", at(DAY0)).await.expect("load"),
        None
    );
}

fn write_key(id: &str, hash: &str, created_ms: i64) -> WriteKey {
    WriteKey {
        id: id.to_owned(),
        kind: if created_ms % 2 == 0 {
            WriteKeyKind::Server
        } else {
            WriteKeyKind::Browser
        },
        source: format!("source-{id}"),
        key_hash: hash.to_owned(),
        prefix: format!("stwk_{id}"),
        created_at: at(created_ms),
        last_used_at: None,
        revoked_at: None,
    }
}

pub async fn write_keys_are_found_by_hash_revoked_once_and_touched(store: Arc<dyn Store>) {
    let k1 = write_key("k1", "aa11", DAY0);
    let k2 = write_key("k2", "bb22", DAY0 + 1);
    store.create_write_key(&k1).await.expect("create");
    store.create_write_key(&k2).await.expect("create");
    assert!(matches!(
        store.create_write_key(&write_key("k3", "aa11", DAY0)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.write_key_by_hash("aa11").await.expect("read"),
        Some(k1.clone())
    );
    assert_eq!(store.write_key_by_hash("nope").await.expect("read"), None);
    assert_eq!(
        store.write_key_by_id("k2").await.expect("read"),
        Some(k2.clone())
    );
    let ids: Vec<_> = store
        .list_write_keys()
        .await
        .expect("list")
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(ids, ["k2", "k1"], "newest first");

    assert!(
        store
            .revoke_write_key("k1", at(DAY0 + 10))
            .await
            .expect("revoke")
    );
    assert!(
        store
            .revoke_write_key("k1", at(DAY0 + 20))
            .await
            .expect("again")
    );
    assert!(
        !store
            .revoke_write_key("zz", at(DAY0))
            .await
            .expect("missing")
    );
    let revoked = store
        .write_key_by_hash("aa11")
        .await
        .expect("read")
        .expect("k1");
    assert_eq!(
        revoked.revoked_at,
        Some(at(DAY0 + 10)),
        "the first revocation stands"
    );

    store
        .touch_write_key("k2", at(DAY0 + 500))
        .await
        .expect("touch");
    store
        .touch_write_key("k2", at(DAY0 + 100))
        .await
        .expect("older touch");
    let used = store
        .write_key_by_id("k2")
        .await
        .expect("read")
        .expect("k2");
    assert_eq!(used.last_used_at, Some(at(DAY0 + 500)), "never goes back");
}

pub async fn audit_entries_page_newest_first(store: Arc<dyn Store>) {
    for i in 0..7 {
        store
            .append_audit(&AuditEntry {
                id: format!("e{i}"),
                // Two entries share each timestamp; the id breaks the tie.
                at: at(DAY0 + (i / 2) * 1000),
                actor: "cli".into(),
                action: "member.create".into(),
                target: format!("a{i}"),
                details: json!({"role": "viewer", "n": i, "$odd.key": true}),
            })
            .await
            .expect("append");
    }
    let mut seen = Vec::new();
    let mut after: Option<AuditCursor> = None;
    loop {
        let page = store.audit_page(3, after.as_ref()).await.expect("page");
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|e| e.id.clone()));
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ["e6", "e5", "e4", "e3", "e2", "e1", "e0"]);
    let first = store.audit_page(1, None).await.expect("page");
    assert_eq!(
        first.items[0].details,
        json!({"role": "viewer", "n": 6, "$odd.key": true})
    );
}

pub async fn funnels_count_each_profile_once_per_step_in_order_within_the_window(
    store: Arc<dyn Store>,
) {
    let e = |id: &str, user: &str, kind: &str, ms: i64| event(id, user, kind, ms);
    let batch = vec![
        // u1: the whole funnel, twice over; counted once per step.
        e("1", "u1", "page_view", DAY0 + HOUR),
        e("2", "u1", "add_to_cart", DAY0 + 2 * HOUR),
        e("3", "u1", "purchase", DAY0 + 3 * HOUR),
        e("4", "u1", "page_view", DAY0 + 4 * HOUR),
        e("5", "u1", "add_to_cart", DAY0 + 5 * HOUR),
        // u2: cart before the view does not count.
        e("6", "u2", "add_to_cart", DAY0 + HOUR),
        e("7", "u2", "page_view", DAY0 + 2 * HOUR),
        // u3: the cart comes after the two-hour window.
        e("8", "u3", "page_view", DAY0 + HOUR),
        e("9", "u3", "add_to_cart", DAY0 + 4 * HOUR),
        // u4: enters on the last day of the range; converts just after it, within the window.
        e("10", "u4", "page_view", DAY0 + DAY - 1),
        e("11", "u4", "add_to_cart", DAY0 + DAY + HOUR),
        // u5: first step before the range; other types are ignored.
        e("12", "u5", "page_view", DAY0 - HOUR),
        e("13", "u5", "add_to_cart", DAY0 + HOUR),
        e("14", "u5", "search", DAY0 + HOUR),
    ];
    store.insert_batch(batch).await.expect("write");
    let q = FunnelQuery::plain(
        &["page_view", "add_to_cart", "purchase"],
        at(DAY0),
        at(DAY0 + DAY),
        2 * HOUR,
    );
    let r = shared::funnels::compute(&*store, None, &q)
        .await
        .expect("funnel");
    let entered: Vec<u64> = r.steps.iter().map(|s| s.entered).collect();
    assert_eq!(entered, [4, 2, 1], "{r:?}");
    assert_eq!(r.steps[0].event_type, "page_view");
    assert_eq!(r.steps[0].dropped_off, 2);
    assert_eq!(r.steps[1].conversion_from_previous, 0.5);
    assert_eq!(r.steps[2].conversion_from_start, 0.25);

    // Repeated step types and an empty range.
    let q = FunnelQuery::plain(
        &["page_view", "page_view"],
        at(DAY0),
        at(DAY0 + DAY),
        3 * HOUR,
    );
    let r = shared::funnels::compute(&*store, None, &q)
        .await
        .expect("funnel");
    assert_eq!(
        r.steps.iter().map(|s| s.entered).collect::<Vec<_>>(),
        [4, 1]
    );
    let empty = FunnelQuery {
        from: at(DAY0 + 10 * DAY),
        to: at(DAY0 + 11 * DAY),
        ..q.clone()
    };
    let r = shared::funnels::compute(&*store, None, &empty)
        .await
        .expect("funnel");
    assert_eq!(
        r.steps.iter().map(|s| s.entered).collect::<Vec<_>>(),
        [0, 0]
    );
}

/// What the server derived travels with the event; a bot's events are kept (its journey
/// shows them) but count in no rollup and make no profile.
pub async fn derived_fields_round_trip_and_bots_count_nowhere(store: Arc<dyn Store>) {
    let enricher = shared::enrich::Enricher::default();
    let origin = shared::enrich::Origin::with_country(Some("ES"));
    let mut human = event("h1", "u1", "page_view", DAY0 + HOUR);
    human.context = obj(json!({
        "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "page": {"url": "https://shop.example/?utm_source=news&utm_medium=email&utm_campaign=May", "referrer": "https://mail.example.org/"}
    }));
    let mut bot = event("b1", "crawler-1", "page_view", DAY0 + 2 * HOUR);
    bot.context = obj(
        json!({"userAgent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}),
    );
    enricher.derive_all([&mut human, &mut bot], &origin);
    assert!(bot.derived.as_ref().is_some_and(|d| d.bot));
    store
        .insert_batch(vec![human.clone(), bot.clone()])
        .await
        .expect("write");

    let page = store
        .journey(
            "u1",
            &JourneyQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("journey");
    assert_eq!(page.items, [human.clone()]);
    let d = page.items[0].derived.as_ref().expect("derived");
    assert_eq!(
        (d.channel.as_str(), d.country.as_deref()),
        ("Email", Some("ES"))
    );
    let page = store
        .journey(
            "crawler-1",
            &JourneyQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("journey");
    assert_eq!(page.items, [bot], "a bot's events are kept");

    let rows = store.rollups(day(DAY0), day(DAY0)).await.expect("rollups");
    assert_eq!(
        rows.day_type_counts,
        [(day(DAY0), "page_view".to_owned(), 1)]
    );
    assert_eq!(rows.daily_active, [(day(DAY0), 1)]);
    assert!(store.get_user("crawler-1").await.expect("read").is_none());
}

/// One enriched event of `person` at `ms`: a page view of `path` arriving from `referrer`,
/// or another type, in client session `session` (none: inferred).
pub fn visit_event(
    id: &str,
    person: &str,
    kind: &str,
    ms: i64,
    session: Option<&str>,
    page: Option<(&str, &str)>,
    properties: serde_json::Value,
) -> shared::event::Event {
    let mut e = event(id, person, kind, ms);
    e.session_id = session.map(str::to_owned);
    e.properties = obj(properties);
    e.context = match page {
        Some((path, referrer)) => obj(
            json!({"page": {"url": format!("https://shop.example{path}"), "referrer": referrer}}),
        ),
        None => obj(json!({})),
    };
    e.derived = Some(shared::enrich::shared().derive(&e, &Default::default()));
    e
}

/// Sessions and orders kept at write time: a client session and an inferred one, an order
/// counted once although sent twice, a refund taken off it and its session, and an
/// anonymous visit of the same client session joined on identify.
pub async fn visits_and_orders_are_kept_at_write_time(store: Arc<dyn Store>) {
    use shared::commerce::Currency;
    let eur = Currency::parse("EUR").expect("a currency");
    let m = 60_000;
    let t0 = DAY0 + 10 * HOUR;
    let order = json!({"orderId": "o-1", "revenue": 50.00, "currency": "EUR",
                       "products": [{"sku": "SKU-1", "price": 25, "quantity": 2}]});
    store
        .insert_batch(vec![
            visit_event(
                "a1",
                "u1",
                "page_view",
                t0,
                Some("s-1"),
                Some(("/", "https://www.google.com/")),
                json!({}),
            ),
            visit_event(
                "a2",
                "u1",
                "page_view",
                t0 + 5 * m,
                Some("s-1"),
                Some(("/shoes", "https://shop.example/")),
                json!({}),
            ),
            visit_event(
                "a3",
                "u1",
                "add_to_cart",
                t0 + 6 * m,
                Some("s-1"),
                None,
                json!({"sku": "SKU-1"}),
            ),
            visit_event(
                "a4",
                "u1",
                "purchase",
                t0 + 7 * m,
                Some("s-1"),
                None,
                order.clone(),
            ),
            visit_event(
                "b1",
                "u1",
                "page_view",
                t0 + 2 * HOUR,
                None,
                Some(("/", "")),
                json!({}),
            ),
        ])
        .await
        .expect("write");
    store
        .insert_batch(vec![
            // The same order again under another message id, and a partial refund.
            visit_event("a5", "u1", "purchase", t0 + 8 * m, Some("s-1"), None, order),
            visit_event(
                "r1",
                "u1",
                "Order Refunded",
                t0 + 3 * HOUR,
                None,
                None,
                json!({"orderId": "o-1", "revenue": "20.00", "currency": "EUR"}),
            ),
        ])
        .await
        .expect("write");

    let visits = store
        .visits(at(DAY0), at(DAY0 + DAY))
        .await
        .expect("visits");
    assert_eq!(visits.len(), 2, "{visits:?}");
    let (a, b) = (&visits[0], &visits[1]);
    assert_eq!((a.key.as_str(), a.profile_id.as_str()), ("s-1", "u1"));
    assert_eq!((a.pageviews, a.add_to_carts, a.orders), (2, 1, 1));
    assert_eq!(
        a.revenue.get(&eur),
        Some(&3000),
        "50.00 less the 20.00 refund"
    );
    assert_eq!(a.duration_seconds(), 8 * 60);
    assert_eq!(a.landing.as_ref().map(|l| l.1.as_str()), Some("/"));
    assert_eq!(a.exit.as_ref().map(|l| l.1.as_str()), Some("/shoes"));
    assert_eq!(a.touch.channel.map(|c| c.as_str()), Some("Organic Search"));
    assert!(!a.bounced() && a.converted());
    assert_eq!(
        b.key,
        format!("~{}", t0 + 2 * HOUR),
        "an inferred session, keyed by its start"
    );
    assert!(b.bounced() && !b.converted());
    assert_eq!(b.touch.channel.map(|c| c.as_str()), Some("Direct"));

    let orders = store
        .orders(at(DAY0), at(DAY0 + DAY))
        .await
        .expect("orders");
    assert_eq!(orders.len(), 1, "one order although sent twice");
    assert_eq!((orders[0].revenue.minor, orders[0].refunded), (5000, 2000));
    assert_eq!(orders[0].session_key, "s-1");
    assert_eq!(orders[0].products.len(), 1);

    // An anonymous visitor browsing in the same client session before signing in.
    store
        .insert_batch(vec![visit_event(
            "n1",
            "anon-9",
            "page_view",
            t0 - 2 * m,
            Some("s-1"),
            Some(("/sale", "https://www.facebook.com/")),
            json!({}),
        )])
        .await
        .expect("write");
    store
        .link_identities(
            &[shared::identity::IdentityLink {
                from: "anon-9".into(),
                to: "u1".into(),
            }],
            at(t0 + 4 * HOUR),
        )
        .await
        .expect("link");
    let visits = store
        .visits(at(DAY0), at(DAY0 + DAY))
        .await
        .expect("visits");
    assert_eq!(
        visits.len(),
        2,
        "the anonymous visit joined the person's session: {visits:?}"
    );
    let a = &visits[0];
    assert_eq!(
        (a.profile_id.as_str(), a.key.as_str(), a.pageviews),
        ("u1", "s-1", 3)
    );
    assert_eq!(a.start, at(t0 - 2 * m));
    assert_eq!(a.landing.as_ref().map(|l| l.1.as_str()), Some("/sale"));
    assert_eq!(a.touch.channel.map(|c| c.as_str()), Some("Organic Social"));
    assert_eq!(a.revenue.get(&eur), Some(&3000));
}

macro_rules! conformance_suite {
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

conformance_suite!(
    duplicate_event_ids_are_stored_once,
    repeats_within_one_batch_count_once,
    duplicates_never_inflate_rollups,
    events_round_trip_exactly,
    journey_is_newest_first_with_stable_cursor_pagination,
    journey_filters_by_type_and_time_range,
    a_journeys_types_are_the_types_that_person_has,
    profiles_track_first_and_last_seen_counts_and_merged_traits,
    traits_merge_shallowly_and_an_equal_time_event_sets_the_last_type,
    search_is_literal_even_with_pattern_characters,
    anonymous_profiles_are_keyed_by_anonymous_id,
    users_are_listed_most_recent_first_searchable_and_paged,
    rollups_count_days_types_and_distinct_active_users,
    concurrent_writers_store_each_event_once,
    ping_answers,
    accounts_are_unique_by_email_whatever_its_case,
    accounts_change_role_password_and_disabled_flag_and_record_logins,
    concurrent_demotions_never_leave_no_admin,
    session_records_load_until_they_expire,
    write_keys_are_found_by_hash_revoked_once_and_touched,
    audit_entries_page_newest_first,
    identify_puts_earlier_anonymous_events_in_the_users_timeline,
    linking_again_changes_nothing_and_the_first_link_wins,
    daily_active_users_count_a_merged_person_once_per_day,
    alias_chains_resolve_to_one_user,
    funnels_follow_a_merged_person_as_one_profile,
    links_and_events_of_one_batch_commit_together_in_order,
    browser_keys_cannot_merge_identified_ids_and_server_keys_can,
    traits_past_the_bounds_are_dropped_not_the_batch,
    funnels_count_each_profile_once_per_step_in_order_within_the_window,
    derived_fields_round_trip_and_bots_count_nowhere,
    visits_and_orders_are_kept_at_write_time,
);
