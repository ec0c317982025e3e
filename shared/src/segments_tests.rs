use chrono::TimeZone;
use serde_json::json;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 30, 12, 0, 0)
        .single()
        .expect("a time")
}

fn conditions(v: Value) -> Vec<Condition> {
    serde_json::from_value(v).expect("conditions")
}

fn profile(id: &str, traits: Value, events: u64, first_days_ago: i64) -> UserProfile {
    UserProfile {
        user_id: id.into(),
        anonymous: false,
        first_seen: now() - Duration::days(first_days_ago),
        last_seen: now(),
        event_count: events,
        last_event_type: "page_view".into(),
        traits: traits.as_object().cloned().unwrap_or_default(),
    }
}

#[test]
fn definitions_read_the_documented_json_and_bad_ones_say_why() {
    let c = conditions(json!([
        {"kind": "behaviour", "event": "purchase", "min": 2},
        {"kind": "dimension", "dimension": "utmCampaign", "value": "spring", "lastDays": 7},
        {"kind": "trait", "key": "plan", "op": "equals", "value": "pro", "negate": true},
        {"kind": "profile", "field": "eventCount", "min": 10},
    ]));
    let def = Definition::parse("  Buyers  ", c).expect("valid");
    assert_eq!(def.name, "Buyers");
    assert_eq!(def.window_days(), Some(30));
    assert!(def.reads_profiles());

    let bad = |v: Value| Definition::parse("x", conditions(v)).expect_err("invalid");
    assert!(bad(json!([])).contains("1 to 20"));
    assert!(bad(json!([{"kind": "behaviour", "event": "purchase"}])).contains("min, max"));
    assert!(
        bad(json!([{"kind": "behaviour", "event": "a", "product": "b", "min": 1}]))
            .contains("not both")
    );
    assert!(
        bad(json!([{"kind": "dimension", "dimension": "colour", "value": "red"}]))
            .contains("colour")
    );
    assert!(bad(json!([{"kind": "trait", "key": "email", "op": "equals"}])).contains("value"));
    assert!(
        bad(json!([{"kind": "behaviour", "event": "no such\ntype", "min": 1}]))
            .starts_with("condition 1")
    );
    assert!(
        bad(json!([{"kind": "behaviour", "event": "a", "min": 3, "max": 1}])).contains("exceed")
    );
    assert!(
        bad(json!([{"kind": "behaviour", "event": "a", "min": 1, "lastDays": 0}]))
            .contains("lastDays")
    );
    assert!(
        Definition::parse(
            " ",
            conditions(json!([{"kind": "trait", "key": "a", "op": "exists"}]))
        )
        .is_err()
    );
}

#[test]
fn probes_follow_the_visit_conditions_in_order_and_the_window_is_the_longest() {
    let def = Definition::parse(
        "x",
        conditions(json!([
            {"kind": "trait", "key": "a", "op": "exists"},
            {"kind": "behaviour", "product": "Hat", "action": "ordered", "max": 0, "lastDays": 10},
            {"kind": "dimension", "dimension": "channel", "value": "email", "lastDays": 60},
        ])),
    )
    .expect("valid");
    let (probes, window) = probes(&def, now());
    assert_eq!(probes.len(), 2);
    assert_eq!(
        probes[0].what,
        Tap::Product("Hat".into(), ProductAction::Ordered)
    );
    assert_eq!(probes[0].since, now() - Duration::days(10));
    assert_eq!(window, Some((now() - Duration::days(60), now())));
}

#[test]
fn members_need_every_condition_and_a_negation_inverts_one() {
    // Viewed the hat at least once but never ordered it, and not on the pro plan.
    let def = Definition::parse(
        "x",
        conditions(json!([
            {"kind": "behaviour", "product": "Hat", "action": "viewed", "min": 1},
            {"kind": "behaviour", "product": "Hat", "action": "ordered", "max": 0},
            {"kind": "trait", "key": "plan", "op": "equals", "value": "PRO", "negate": true},
        ])),
    )
    .expect("valid");
    let counts: PersonCounts = [
        ("ana".to_owned(), vec![2, 0]),
        ("bo".to_owned(), vec![1, 1]),
        ("cy".to_owned(), vec![3, 0]),
    ]
    .into_iter()
    .collect();
    let profiles = [
        profile("ana", json!({"plan": "free"}), 5, 3),
        profile("bo", json!({}), 5, 3),
        profile("cy", json!({"plan": "pro"}), 5, 3),
        profile("dee", json!({}), 5, 3),
    ];
    let m = members_of(&def, now(), &counts, Some(&profiles));
    assert_eq!(m.sorted(), ["ana"]);
}

#[test]
fn without_a_visit_condition_every_profile_is_a_candidate() {
    let def = Definition::parse(
        "x",
        conditions(json!([
            {"kind": "behaviour", "event": "purchase", "min": 1, "negate": true},
            {"kind": "profile", "field": "firstSeen", "max": 7},
            {"kind": "trait", "key": "email", "op": "contains", "value": "@shop."},
        ])),
    )
    .expect("valid");
    assert!(def.reads_profiles());
    let counts: PersonCounts = [("ana".to_owned(), vec![1])].into_iter().collect();
    let profiles = [
        profile("ana", json!({"email": "ana@shop.test"}), 5, 1),
        profile("bo", json!({"email": "bo@shop.test"}), 5, 2),
        profile("cy", json!({"email": "cy@shop.test"}), 5, 30),
        profile("dee", json!({"email": "dee@elsewhere.test"}), 5, 1),
    ];
    let m = members_of(&def, now(), &counts, Some(&profiles));
    assert_eq!(m.sorted(), ["bo"]);
    assert!(m.contains("bo") && !m.contains("ana"));
}

#[test]
fn a_users_page_of_members_searches_sorts_and_continues_like_the_store_list() {
    let profiles: Vec<UserProfile> = [
        ("ana", "ana@shop.test", 5),
        ("bo", "bo@shop.test", 9),
        ("cy", "cy@shop.test", 9),
        ("dee", "dee@shop.test", 1),
        ("eve", "eve@other.test", 7),
    ]
    .into_iter()
    .map(|(id, email, n)| profile(id, json!({"email": email}), n, 1))
    .collect();
    let members: Members = ["ana", "bo", "cy", "dee"]
        .map(String::from)
        .into_iter()
        .collect();
    let mut q = UserQuery {
        sort: crate::people::UserSort::EventCount,
        order: SortOrder::Desc,
        limit: 2,
        ..UserQuery::default()
    };
    let (first, total) = users_page(profiles.clone(), &members, &q).expect("page");
    assert_eq!(total, 4);
    let ids = |p: &Page<UserProfile, UserCursor>| {
        p.items
            .iter()
            .map(|u| u.user_id.clone())
            .collect::<Vec<_>>()
    };
    // Ties on the count go by id in the same direction.
    assert_eq!(ids(&first), ["cy", "bo"]);
    q.after = first.next.clone();
    let (second, _) = users_page(profiles.clone(), &members, &q).expect("page");
    assert_eq!(ids(&second), ["ana", "dee"]);
    assert!(second.next.is_none());

    let q = UserQuery {
        search: Some("BO@".into()),
        limit: 10,
        ..UserQuery::default()
    };
    let (found, total) = users_page(profiles, &members, &q).expect("page");
    assert_eq!((ids(&found), total), (vec!["bo".to_owned()], 1));
}
