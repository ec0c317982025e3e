//! Conformance cases for segments (run per engine): definitions round-trip through the
//! store, and behavioural, dimension, trait and negated conditions resolve to known
//! members, the same from the store's visits and from the in-memory visit index.

use std::sync::Arc;

use serde_json::{Value, json};
use shared::reports::index::VisitIndex;
use shared::segments::{Definition, MembersCache, Segment, resolve};
use shared::storage::Store;

use crate::conformance::visit_event;
use crate::helpers::*;

fn definition(v: Value) -> Definition {
    Definition::parse("test", serde_json::from_value(v).expect("conditions")).expect("valid")
}

fn order(id: &str, sku: &str) -> Value {
    json!({"orderId": id, "revenue": 20.00, "currency": "EUR",
           "products": [{"sku": sku, "price": 20, "quantity": 1}]})
}

/// Now is day 40. u1 (plan pro) bought twice in the last 30 days; u2 came from the spring
/// campaign, viewed HAT-1 and bought something else; u3 viewed and bought HAT-1 and bought
/// once more 35 days ago; u4 (plan free) came from the spring campaign and only looked.
async fn seed(store: &Arc<dyn Store>) -> chrono::DateTime<chrono::Utc> {
    let now = DAY0 + 40 * DAY;
    let spring = Some(("/?utm_campaign=spring&utm_source=news", ""));
    let mut u1 = visit_event(
        "u1-0",
        "u1",
        "page_view",
        now - 20 * DAY,
        None,
        Some(("/", "")),
        json!({}),
    );
    u1.traits = Some(obj(json!({"plan": "pro", "email": "u1@shop.test"})));
    let mut u4 = visit_event(
        "u4-0",
        "u4",
        "page_view",
        now - 3 * DAY,
        None,
        spring,
        json!({}),
    );
    u4.traits = Some(obj(json!({"plan": "free"})));
    store
        .insert_batch(vec![
            u1,
            visit_event(
                "u1-1",
                "u1",
                "purchase",
                now - 20 * DAY + HOUR,
                None,
                None,
                order("o-1", "SOCK"),
            ),
            visit_event(
                "u1-2",
                "u1",
                "purchase",
                now - 2 * DAY,
                None,
                None,
                order("o-2", "SOCK"),
            ),
            visit_event(
                "u2-0",
                "u2",
                "page_view",
                now - 5 * DAY,
                None,
                spring,
                json!({}),
            ),
            visit_event(
                "u2-1",
                "u2",
                "product_view",
                now - 5 * DAY + 60_000,
                None,
                None,
                json!({"sku": "HAT-1"}),
            ),
            visit_event(
                "u2-2",
                "u2",
                "purchase",
                now - 5 * DAY + 120_000,
                None,
                None,
                order("o-3", "SOCK"),
            ),
            visit_event(
                "u3-0",
                "u3",
                "purchase",
                now - 35 * DAY,
                None,
                None,
                order("o-4", "SOCK"),
            ),
            visit_event(
                "u3-1",
                "u3",
                "product_view",
                now - 4 * DAY,
                None,
                None,
                json!({"sku": "HAT-1"}),
            ),
            visit_event(
                "u3-2",
                "u3",
                "purchase",
                now - 4 * DAY + 60_000,
                None,
                None,
                order("o-5", "HAT-1"),
            ),
            u4,
        ])
        .await
        .expect("write");
    at(now)
}

/// The members from the store and from a loaded index, which must agree.
async fn members(
    store: &Arc<dyn Store>,
    def: Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<String> {
    let def = definition(def);
    let from_store = resolve(&**store, None, &def, now).await.expect("resolve");
    let index = VisitIndex::new(90, 0);
    index.load(&**store, now).await.expect("index loads");
    let from_index = resolve(&**store, Some(&index), &def, now)
        .await
        .expect("resolve");
    assert_eq!(from_index, from_store, "index and store agree on {def:?}");
    from_store.sorted().into_iter().map(str::to_owned).collect()
}

pub async fn behavioural_segments_resolve_to_known_members(store: Arc<dyn Store>) {
    let now = seed(&store).await;
    assert_eq!(
        members(
            &store,
            json!([{"kind": "behaviour", "event": "purchase", "min": 2, "lastDays": 30}]),
            now
        )
        .await,
        ["u1"],
        "purchased at least twice in the last 30 days"
    );
    assert_eq!(
        members(
            &store,
            json!([{"kind": "behaviour", "event": "purchase", "min": 2, "lastDays": 40}]),
            now
        )
        .await,
        ["u1", "u3"],
        "over 40 days u3's older order counts too"
    );
    assert_eq!(
        members(
            &store,
            json!([
                {"kind": "behaviour", "product": "HAT-1", "action": "viewed", "min": 1},
                {"kind": "behaviour", "product": "HAT-1", "action": "ordered", "max": 0},
            ]),
            now
        )
        .await,
        ["u2"],
        "viewed HAT-1 but did not buy it"
    );
    assert_eq!(
        members(
            &store,
            json!([{"kind": "dimension", "dimension": "utmCampaign", "value": "spring"}]),
            now
        )
        .await,
        ["u2", "u4"],
        "came from campaign spring"
    );
    assert_eq!(
        members(
            &store,
            json!([{"kind": "trait", "key": "plan", "op": "equals", "value": "Pro"}]),
            now
        )
        .await,
        ["u1"],
        "a trait, ignoring case"
    );
    assert_eq!(
        members(&store, json!([{"kind": "dimension", "dimension": "utmCampaign", "value": "spring", "negate": true}]), now).await,
        ["u1", "u3"],
        "did not come from campaign spring"
    );
    assert_eq!(
        members(
            &store,
            json!([
                {"kind": "dimension", "dimension": "utmCampaign", "value": "spring", "lastDays": 4},
                {"kind": "profile", "field": "eventCount", "max": 1},
            ]),
            now
        )
        .await,
        ["u4"],
        "a short window and a profile field"
    );

    let members: shared::segments::Members = ["u1", "u3", "nobody"]
        .map(String::from)
        .into_iter()
        .collect();
    let mut profiles = store
        .member_profiles(Arc::new(members))
        .await
        .expect("profiles");
    profiles.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    let ids: Vec<&str> = profiles.iter().map(|p| p.user_id.as_str()).collect();
    assert_eq!(ids, ["u1", "u3"]);
    assert_eq!(profiles[0].traits["plan"], "pro");
    assert_eq!(store.all_profiles().await.expect("profiles").len(), 4);
}

pub async fn segments_round_trip_newest_first_and_change_or_go(store: Arc<dyn Store>) {
    let def = |name: &str| {
        Definition::parse(
            name,
            serde_json::from_value(json!([{"kind": "behaviour", "event": "purchase", "min": 2}]))
                .expect("conditions"),
        )
        .expect("valid")
    };
    let first = Segment::new(def("Buyers"), at(DAY0));
    let second = Segment::new(def("Others"), at(DAY0 + HOUR));
    store.create_segment(&first).await.expect("create");
    store.create_segment(&second).await.expect("create");
    let listed = store.list_segments().await.expect("list");
    assert_eq!(listed, [second.clone(), first.clone()]);
    assert_eq!(
        store.get_segment(&first.id).await.expect("get"),
        Some(first.clone())
    );

    let mut changed = first.clone();
    changed.name = "Loyal".into();
    changed.conditions =
        definition(json!([{"kind": "trait", "key": "email", "op": "exists", "negate": true}]))
            .conditions;
    changed.updated_at = at(DAY0 + DAY);
    assert!(store.update_segment(&changed).await.expect("update"));
    assert_eq!(
        store.get_segment(&first.id).await.expect("get"),
        Some(changed)
    );

    assert!(store.delete_segment(&first.id).await.expect("delete"));
    assert!(!store.delete_segment(&first.id).await.expect("delete again"));
    assert_eq!(store.get_segment(&first.id).await.expect("get"), None);
    let mut gone = first;
    gone.updated_at = at(DAY0 + 2 * DAY);
    assert!(
        !store
            .update_segment(&gone)
            .await
            .expect("update of a deleted one")
    );
}

/// A resolved segment is reused for a few seconds (the overview's calls share it), but never
/// across a change of its definition.
pub async fn a_resolved_segment_is_reused_until_its_definition_changes(store: Arc<dyn Store>) {
    let now = seed(&store).await;
    let cache = MembersCache::default();
    let mut segment = Segment::new(
        definition(json!([{"kind": "behaviour", "event": "purchase", "min": 2}])),
        now,
    );
    let first = cache
        .members(&*store, None, &segment, now)
        .await
        .expect("members");
    assert_eq!(first.sorted(), ["u1"]);
    // u2 buys again: the cached answer stands for now.
    store
        .insert_batch(vec![visit_event(
            "u2-3",
            "u2",
            "purchase",
            now.timestamp_millis() - HOUR,
            None,
            None,
            order("o-6", "SOCK"),
        )])
        .await
        .expect("write");
    let again = cache
        .members(&*store, None, &segment, now)
        .await
        .expect("members");
    assert!(Arc::ptr_eq(&first, &again));
    // A changed definition is resolved afresh.
    segment.updated_at = now + chrono::Duration::seconds(1);
    let changed = cache
        .members(&*store, None, &segment, now)
        .await
        .expect("members");
    assert_eq!(changed.sorted(), ["u1", "u2"]);
}

conformance_suite!(
    behavioural_segments_resolve_to_known_members,
    segments_round_trip_newest_first_and_change_or_go,
    a_resolved_segment_is_reused_until_its_definition_changes,
);
