//! Conformance cases for identity merge (run per engine by the macro in `conformance.rs`):
//! linking an anonymous id (or an aliased user id) to a user puts the earlier events in the
//! user's timeline and keeps every count exact.

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::json;
use shared::event::Event;
use shared::identity::LinkRight;
use shared::profile::MAX_TRAIT_KEYS;
use shared::storage::{
    IdentityLink, InsertOutcome, JourneyQuery, LinkOutcome, Store, TimedLink, UserQuery, WriteBatch,
};

use crate::helpers::*;

fn day(ms: i64) -> NaiveDate {
    at(ms).date_naive()
}

pub(crate) fn anon(id: &str, anonymous_id: &str, kind: &str, ms: i64) -> Event {
    let mut e = event(id, "x", kind, ms);
    e.user_id = None;
    e.anonymous_id = Some(anonymous_id.to_owned());
    e
}

fn link(from: &str, to: &str) -> IdentityLink {
    IdentityLink {
        from: from.to_owned(),
        to: to.to_owned(),
    }
}

/// A journey's event ids, newest first.
pub(crate) async fn timeline(store: &Arc<dyn Store>, profile: &str) -> Vec<String> {
    let q = JourneyQuery {
        limit: 1000,
        ..Default::default()
    };
    store
        .journey(profile, &q)
        .await
        .expect("journey")
        .items
        .into_iter()
        .map(|e| e.event_id)
        .collect()
}

/// Every listed profile id, sorted.
pub(crate) async fn listed(store: &Arc<dyn Store>) -> Vec<String> {
    let q = UserQuery {
        limit: 100,
        ..Default::default()
    };
    let mut ids: Vec<String> = store
        .list_users(&q)
        .await
        .expect("users")
        .items
        .into_iter()
        .map(|u| u.user_id)
        .collect();
    ids.sort();
    ids
}

pub async fn identify_puts_earlier_anonymous_events_in_the_users_timeline(store: Arc<dyn Store>) {
    let mut first = anon("a-1", "anon-1", "page_view", DAY0);
    first.traits = Some(obj(json!({"plan": "free", "ref": "ad"})));
    store
        .insert_batch(vec![
            first,
            anon("a-2", "anon-1", "product_view", DAY0 + HOUR),
        ])
        .await
        .expect("write");
    let mut identify = event("i-1", "u1", "identify", DAY0 + 2 * HOUR);
    identify.anonymous_id = Some("anon-1".into());
    identify.traits = Some(obj(json!({"plan": "pro", "email": "u1@example.com"})));
    let out = store
        .link_identities(&[link("anon-1", "u1")], at(DAY0 + 2 * HOUR))
        .await
        .expect("link");
    assert_eq!(out, [LinkOutcome::Linked]);
    store.insert_batch(vec![identify]).await.expect("write");

    assert_eq!(timeline(&store, "u1").await, ["i-1", "a-2", "a-1"]);
    assert_eq!(
        timeline(&store, "anon-1").await,
        ["i-1", "a-2", "a-1"],
        "the linked id reads the user's timeline"
    );
    let user = store.get_user("u1").await.expect("user").expect("exists");
    assert_eq!(user.event_count, 3);
    assert_eq!(user.first_seen, at(DAY0));
    assert_eq!(user.last_seen, at(DAY0 + 2 * HOUR));
    assert_eq!(user.last_event_type, "identify");
    assert!(!user.anonymous);
    assert_eq!(
        serde_json::Value::Object(user.traits),
        json!({"plan": "pro", "ref": "ad", "email": "u1@example.com"})
    );
    assert_eq!(listed(&store).await, ["u1"]);

    // Later events under the anonymous id alone are the user's too.
    store
        .insert_batch(vec![anon("a-3", "anon-1", "add_to_cart", DAY0 + 3 * HOUR)])
        .await
        .expect("write");
    assert_eq!(timeline(&store, "u1").await, ["a-3", "i-1", "a-2", "a-1"]);
    let user = store.get_user("u1").await.expect("user").expect("exists");
    assert_eq!(user.event_count, 4);
    assert_eq!(user.last_event_type, "add_to_cart");
    assert_eq!(listed(&store).await, ["u1"]);
    let rows = store.rollups(day(DAY0), day(DAY0)).await.expect("rollups");
    assert_eq!(rows.active_users, 1);
    assert_eq!(rows.daily_active, [(day(DAY0), 1)]);
    let total: u64 = rows.day_type_counts.iter().map(|(_, _, n)| n).sum();
    assert_eq!(total, 4);
}

pub async fn linking_again_changes_nothing_and_the_first_link_wins(store: Arc<dyn Store>) {
    store
        .insert_batch(vec![
            anon("a-1", "anon-1", "page_view", DAY0),
            event("u-1", "u1", "search", DAY0 + HOUR),
            event("v-1", "u2", "search", DAY0 + HOUR),
        ])
        .await
        .expect("write");
    let t = at(DAY0 + 2 * HOUR);
    let out = store
        .link_identities(&[link("anon-1", "u1"), link("anon-1", "u1")], t)
        .await
        .expect("link");
    assert_eq!(out, [LinkOutcome::Linked, LinkOutcome::AlreadyLinked]);
    let rows = store.rollups(day(DAY0), day(DAY0)).await.expect("rollups");
    let user = store.get_user("u1").await.expect("user");
    let out = store
        .link_identities(
            &[link("anon-1", "u1"), link("anon-1", "u2"), link("u1", "u1")],
            t,
        )
        .await
        .expect("link");
    assert_eq!(
        out,
        [
            LinkOutcome::AlreadyLinked,
            LinkOutcome::Conflict,
            LinkOutcome::Ignored
        ]
    );
    assert_eq!(
        rows,
        store.rollups(day(DAY0), day(DAY0)).await.expect("rollups")
    );
    assert_eq!(user, store.get_user("u1").await.expect("user"));
    assert_eq!(rows.active_users, 2);
    assert_eq!(timeline(&store, "u2").await, ["v-1"]);
    assert_eq!(timeline(&store, "u1").await, ["u-1", "a-1"]);
}

pub async fn daily_active_users_count_a_merged_person_once_per_day(store: Arc<dyn Store>) {
    store
        .insert_batch(vec![
            anon("a-1", "anon-1", "page_view", DAY0),
            anon("a-2", "anon-1", "page_view", DAY0 + DAY),
            event("u-1", "u1", "purchase", DAY0 + DAY + HOUR),
            event("u-2", "u1", "purchase", DAY0 + 2 * DAY),
            event("o-1", "other", "page_view", DAY0 + DAY),
        ])
        .await
        .expect("write");
    let range = (day(DAY0), day(DAY0 + 2 * DAY));
    let before = store.rollups(range.0, range.1).await.expect("rollups");
    assert_eq!(before.active_users, 3);
    store
        .link_identities(&[link("anon-1", "u1")], at(DAY0 + 3 * DAY))
        .await
        .expect("link");
    let after = store.rollups(range.0, range.1).await.expect("rollups");
    assert_eq!(after.active_users, 2);
    assert_eq!(
        after.daily_active,
        [
            (day(DAY0), 1),
            (day(DAY0 + DAY), 2),
            (day(DAY0 + 2 * DAY), 1)
        ]
    );
    assert_eq!(
        after.day_type_counts, before.day_type_counts,
        "events count once"
    );
    let user = store.get_user("u1").await.expect("user").expect("exists");
    assert_eq!(user.event_count, 4);
    assert_eq!(user.first_seen, at(DAY0));
    assert_eq!(
        store
            .get_user("anon-1")
            .await
            .expect("user")
            .map(|u| u.user_id),
        Some("u1".into())
    );
}

pub async fn alias_chains_resolve_to_one_user(store: Arc<dyn Store>) {
    store
        .insert_batch(vec![
            anon("a-1", "anon-1", "page_view", DAY0),
            event("o-1", "old-id", "search", DAY0 + HOUR),
        ])
        .await
        .expect("write");
    let t = at(DAY0 + 2 * HOUR);
    store
        .link_identities(&[link("anon-1", "old-id")], t)
        .await
        .expect("link");
    let out = store
        .link_identities(&[link("old-id", "new-id")], t)
        .await
        .expect("link");
    assert_eq!(out, [LinkOutcome::Linked]);
    assert_eq!(
        store.linked_to("anon-1").await.expect("linked"),
        Some("new-id".into())
    );
    store
        .insert_batch(vec![
            event("n-1", "old-id", "purchase", DAY0 + 3 * HOUR),
            anon("a-2", "anon-1", "scroll", DAY0 + 4 * HOUR),
        ])
        .await
        .expect("write");
    assert_eq!(
        timeline(&store, "new-id").await,
        ["a-2", "n-1", "o-1", "a-1"]
    );
    assert_eq!(listed(&store).await, ["new-id"]);
    let rows = store.rollups(day(DAY0), day(DAY0)).await.expect("rollups");
    assert_eq!(rows.active_users, 1);
    assert_eq!(rows.daily_active, [(day(DAY0), 1)]);
    // A link back to an id already merged into this user would be a cycle.
    let out = store
        .link_identities(&[link("new-id", "anon-1")], t)
        .await
        .expect("link");
    assert_eq!(out, [LinkOutcome::Ignored]);
}

pub async fn funnels_follow_a_merged_person_as_one_profile(store: Arc<dyn Store>) {
    store
        .insert_batch(vec![
            anon("f-a1", "anon-1", "page_view", DAY0 + HOUR),
            event("f-u1", "u1", "add_to_cart", DAY0 + 2 * HOUR),
            // Another profile in between, in time and in id order.
            event("f-o1", "other", "page_view", DAY0 + HOUR),
            // Same-millisecond steps are taken in event id order, as by every engine.
            event("t-a", "t1", "page_view", DAY0 + 5 * HOUR),
            event("t-b", "t1", "add_to_cart", DAY0 + 5 * HOUR),
            event("w-1", "t2", "add_to_cart", DAY0 + 5 * HOUR),
            event("w-2", "t2", "page_view", DAY0 + 5 * HOUR),
        ])
        .await
        .expect("write");
    let q = shared::funnels::FunnelQuery::plain(
        &["page_view", "add_to_cart"],
        at(DAY0),
        at(DAY0 + DAY),
        2 * HOUR,
    );
    let entered = |r: shared::funnels::FunnelAnswer| -> Vec<u64> {
        r.steps.iter().map(|s| s.entered).collect()
    };
    assert_eq!(
        entered(
            shared::funnels::compute(&*store, None, &q)
                .await
                .expect("funnel")
        ),
        [4, 1],
        "anon-1 and u1 are two profiles before the link"
    );
    store
        .link_identities(&[link("anon-1", "u1")], at(DAY0 + 3 * HOUR))
        .await
        .expect("link");
    // A later event under the anonymous id alone belongs to the user as well.
    store
        .insert_batch(vec![anon("f-a2", "anon-1", "page_view", DAY0 + 3 * HOUR)])
        .await
        .expect("write");
    assert_eq!(
        entered(
            shared::funnels::compute(&*store, None, &q)
                .await
                .expect("funnel")
        ),
        [4, 2],
        "one person: the anonymous view leads to the user's cart"
    );
}

/// An `identify` and the `track` after it in one batch: one transaction, and the `track`
/// (sent under the anonymous id alone) lands on the identified person.
pub async fn links_and_events_of_one_batch_commit_together_in_order(store: Arc<dyn Store>) {
    let mut identify = event("b-2", "u-batch", "identify", DAY0 + HOUR);
    identify.anonymous_id = Some("anon-b".to_owned());
    let outcome = store
        .write(WriteBatch {
            events: vec![
                anon("b-1", "anon-b", "page_view", DAY0),
                identify,
                anon("b-3", "anon-b", "add_to_cart", DAY0 + 2 * HOUR),
            ],
            links: vec![TimedLink {
                link: link("anon-b", "u-batch"),
                at: at(DAY0 + HOUR),
                right: LinkRight::Any,
            }],
        })
        .await
        .expect("write");
    assert_eq!(outcome.links, [LinkOutcome::Linked]);
    assert_eq!(outcome.events, [InsertOutcome::Accepted; 3]);
    assert_eq!(timeline(&store, "u-batch").await, ["b-3", "b-2", "b-1"]);
    assert_eq!(timeline(&store, "anon-b").await, ["b-3", "b-2", "b-1"]);
    assert_eq!(listed(&store).await, ["u-batch"]);
    let user = store
        .get_user("u-batch")
        .await
        .expect("read")
        .expect("user");
    assert_eq!(user.event_count, 3);
    assert_eq!(user.last_event_type, "add_to_cart");
    let rollups = store.rollups(day(DAY0), day(DAY0)).await.expect("rollups");
    assert_eq!(rollups.active_users, 1);

    // The same batch again (a client retry): nothing changes.
    let again = store
        .write(WriteBatch {
            events: vec![anon("b-3", "anon-b", "add_to_cart", DAY0 + 2 * HOUR)],
            links: vec![TimedLink {
                link: link("anon-b", "u-batch"),
                at: at(DAY0 + 3 * HOUR),
                right: LinkRight::Any,
            }],
        })
        .await
        .expect("write");
    assert_eq!(again.links, [LinkOutcome::AlreadyLinked]);
    assert_eq!(again.events, [InsertOutcome::Duplicate]);
    let user = store
        .get_user("u-batch")
        .await
        .expect("read")
        .expect("user");
    assert_eq!(user.event_count, 3);
}

/// Traits past a profile's bounds are dropped and reported; the batch, and the other
/// profiles in it, are stored as usual.
pub async fn traits_past_the_bounds_are_dropped_not_the_batch(store: Arc<dyn Store>) {
    let mut big = event("t-1", "u-traits", "identify", DAY0);
    big.traits = Some(
        (0..MAX_TRAIT_KEYS + 44)
            .map(|i| (format!("k{i:03}"), json!(i)))
            .collect(),
    );
    let outcome = store
        .write(WriteBatch::from(vec![
            big,
            event("t-2", "u-other", "page_view", DAY0),
        ]))
        .await
        .expect("write");
    assert_eq!(outcome.events, [InsertOutcome::Accepted; 2]);
    assert_eq!(outcome.traits_dropped, 44);
    let user = store
        .get_user("u-traits")
        .await
        .expect("read")
        .expect("user");
    assert_eq!(user.traits.len(), MAX_TRAIT_KEYS);
    assert_eq!(user.traits.get("k000"), Some(&json!(0)));
    assert!(store.get_user("u-other").await.expect("read").is_some());
}

fn link_with(from: &str, to: &str, ms: i64, right: LinkRight) -> TimedLink {
    TimedLink {
        link: link(from, to),
        at: at(ms),
        right,
    }
}

/// A browser key (public) may link an anonymous id to a user, but never merge an
/// identified id into another: the victim keeps their profile and events. A server key may.
pub async fn browser_keys_cannot_merge_identified_ids_and_server_keys_can(store: Arc<dyn Store>) {
    let mut victim = event("v-1", "u-victim", "identify", DAY0);
    victim.traits = Some(obj(json!({"email": "victim@example.com"})));
    store
        .insert_batch(vec![
            victim,
            anon("x-1", "anon-x", "page_view", DAY0 + HOUR / 2),
        ])
        .await
        .expect("write");

    let alias = |from: &str, to: &str, ms: i64, right| WriteBatch {
        events: Vec::new(),
        links: vec![link_with(from, to, ms, right)],
    };
    let out = store
        .write(alias(
            "u-victim",
            "u-attacker",
            DAY0 + HOUR,
            LinkRight::AnonymousOnly,
        ))
        .await
        .expect("write");
    assert_eq!(out.links, [LinkOutcome::Refused]);
    assert_eq!(timeline(&store, "u-victim").await, ["v-1"]);
    let victim = store
        .get_user("u-victim")
        .await
        .expect("read")
        .expect("the victim keeps their profile");
    assert_eq!(
        victim.traits.get("email"),
        Some(&json!("victim@example.com"))
    );

    // A user id sent in the same batch counts as identified too.
    let out = store
        .write(WriteBatch {
            events: vec![event("n-1", "u-new", "identify", DAY0 + HOUR)],
            links: vec![link_with(
                "u-new",
                "u-attacker",
                DAY0 + HOUR,
                LinkRight::AnonymousOnly,
            )],
        })
        .await
        .expect("write");
    assert_eq!(out.links, [LinkOutcome::Refused]);
    assert_eq!(timeline(&store, "u-new").await, ["n-1"]);

    // Anonymous ids are still linked from a browser key.
    let out = store
        .write(alias(
            "anon-x",
            "u-victim",
            DAY0 + 2 * HOUR,
            LinkRight::AnonymousOnly,
        ))
        .await
        .expect("write");
    assert_eq!(out.links, [LinkOutcome::Linked]);
    assert_eq!(timeline(&store, "u-victim").await, ["x-1", "v-1"]);

    // A server key merges identified ids.
    let out = store
        .write(alias("u-new", "u-victim", DAY0 + 3 * HOUR, LinkRight::Any))
        .await
        .expect("write");
    assert_eq!(out.links, [LinkOutcome::Linked]);
    assert_eq!(timeline(&store, "u-victim").await, ["n-1", "x-1", "v-1"]);
}
