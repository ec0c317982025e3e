use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use super::*;
use crate::commerce::{Currency, Money};
use crate::enrich::{Enricher, Origin};
use crate::event::EventType;

fn at(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0)
        .single()
        .expect("valid in this test")
        + Duration::minutes(min)
}

/// An enriched event at minute `min` of the test hour.
fn ev(id: &str, kind: &str, min: i64, session: Option<&str>, page: Option<&str>) -> Event {
    let mut context = serde_json::Map::new();
    if let Some(p) = page {
        context.insert("page".into(), json!({"url": format!("https://shop.example{p}"), "referrer": "https://www.google.com/"}));
    }
    let mut e = Event {
        event_id: id.into(),
        user_id: Some("u1".into()),
        anonymous_id: None,
        session_id: session.map(str::to_owned),
        event_type: EventType::parse(kind).expect("valid in this test"),
        properties: Default::default(),
        context,
        traits: None,
        occurred_at: at(min),
        sent_at: None,
        received_at: at(min),
        timestamp_clamped: false,
        source: None,
        derived: None,
    };
    e.derived = Some(Enricher::default().derive(&e, &Origin::default()));
    e
}

#[test]
fn thirty_idle_minutes_split_inferred_sessions() {
    let a = ev("a", "page_view", 0, None, Some("/"));
    let b = ev("b", "page_view", 20, None, Some("/shoes"));
    let c = ev("c", "page_view", 51, None, Some("/"));
    let (sessions, keys) = fold("u1", &[&c, &a, &b], Vec::new());
    assert_eq!(sessions.len(), 2);
    assert_eq!(keys[1], keys[2], "a and b: one session");
    assert_ne!(keys[0], keys[1], "31 idle minutes before c");
    let first = sessions
        .iter()
        .find(|s| s.key == keys[1])
        .expect("valid in this test");
    assert_eq!(first.key, format!("~{}", at(0).timestamp_millis()));
    assert_eq!((first.pageviews, first.duration_seconds()), (2, 20 * 60));
    assert_eq!(first.landing.as_ref().expect("valid in this test").1, "/");
    assert_eq!(first.exit.as_ref().expect("valid in this test").1, "/shoes");
    assert!(!first.bounced());
    assert_eq!(first.touch.channel, Some(Channel::OrganicSearch));
}

#[test]
fn a_client_session_id_wins_and_an_event_without_one_joins_the_session_it_falls_in() {
    let a = ev("a", "page_view", 0, Some("s-1"), Some("/"));
    let b = ev("b", "identify", 5, None, None);
    let c = ev("c", "add_to_cart", 10, Some("s-1"), None);
    let (sessions, keys) = fold("u1", &[&a, &b, &c], Vec::new());
    assert_eq!(keys, ["s-1", "s-1", "s-1"]);
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        (
            sessions[0].events,
            sessions[0].engaged,
            sessions[0].add_to_carts
        ),
        (3, 3, 1)
    );
}

#[test]
fn one_page_view_is_a_bounce_passive_events_do_not_engage() {
    let a = ev("a", "session_start", 0, Some("s"), None);
    let b = ev("b", "page_view", 0, Some("s"), Some("/"));
    let c = ev("c", "page_unload", 1, Some("s"), None);
    let (sessions, _) = fold("u1", &[&a, &b, &c], Vec::new());
    assert!(sessions[0].bounced());
    assert_eq!((sessions[0].events, sessions[0].engaged), (3, 1));
}

#[test]
fn a_late_earlier_event_extends_the_session_backwards_and_takes_the_attribution() {
    let (stored, _) = fold(
        "u1",
        &[&ev("b", "page_view", 10, None, Some("/b"))],
        Vec::new(),
    );
    let mut late = ev("a", "page_view", 0, None, Some("/a"));
    late.context.insert(
        "campaign".into(),
        json!({"source": "news", "medium": "email"}),
    );
    late.derived = Some(Enricher::default().derive(&late, &Origin::default()));
    let (changed, keys) = fold("u1", &[&late], stored.clone());
    assert_eq!(
        keys[0], stored[0].key,
        "joins the session starting 10 minutes later"
    );
    let s = &changed[0];
    assert_eq!((s.start, s.end, s.pageviews), (at(0), at(10), 2));
    assert_eq!(s.landing.as_ref().expect("valid in this test").1, "/a");
    assert_eq!(s.touch.channel, Some(Channel::Email));
    // Unrelated: an hour away starts its own.
    let (changed, keys) = fold("u1", &[&ev("z", "page_view", 100, None, Some("/"))], stored);
    assert_eq!(changed.len(), 1);
    assert_eq!(keys[0], format!("~{}", at(100).timestamp_millis()));
}

#[test]
fn merging_two_sessions_of_one_key_adds_them_up() {
    let eur = Currency::parse("EUR").expect("valid in this test");
    let (mut anon, _) = fold(
        "a1",
        &[&ev("a", "page_view", 0, Some("s"), Some("/"))],
        Vec::new(),
    );
    let (mut user, _) = fold(
        "u1",
        &[&ev("b", "page_view", 5, Some("s"), Some("/thanks"))],
        Vec::new(),
    );
    user[0].add_order(
        &Commerce::Order {
            order_id: "o".into(),
            revenue: Money {
                minor: 5000,
                currency: eur,
            },
            products: vec![],
        },
        at(5),
    );
    let merged = user.remove(0).merge(anon.remove(0));
    assert_eq!(merged.profile_id, "u1", "the person keeps the session");
    assert_eq!(
        (merged.start, merged.end, merged.pageviews, merged.orders),
        (at(0), at(5), 2, 1)
    );
    assert_eq!(merged.landing.as_ref().expect("valid in this test").1, "/");
    assert_eq!(
        merged.exit.as_ref().expect("valid in this test").1,
        "/thanks"
    );
    assert_eq!(merged.revenue[&eur], 5000);
    assert!(merged.converted());
    assert_eq!(merged.first_order, Some(at(5)));
}

#[test]
fn a_session_keeps_its_first_order_unless_it_holds_orders_from_before_it_was_kept() {
    let eur = Currency::parse("EUR").expect("valid in this test");
    let order = Commerce::Order {
        order_id: "o".into(),
        revenue: Money {
            minor: 100,
            currency: eur,
        },
        products: vec![],
    };
    let session = |id: &str, min: i64| {
        let (mut s, _) = fold(
            id,
            &[&ev(id, "page_view", min, Some("s"), Some("/"))],
            Vec::new(),
        );
        s.remove(0)
    };
    let mut a = session("a", 0);
    assert_eq!(a.first_order_known(), Some(None), "no orders");
    a.add_order(&order, at(9));
    a.add_order(&order, at(4));
    a.add_order(&order, at(7));
    assert_eq!(
        a.first_order,
        Some(at(4)),
        "the earliest, whatever the order"
    );

    let mut b = session("b", 1);
    b.add_order(&order, at(3));
    assert_eq!(
        a.clone().merge(b.clone()).first_order,
        Some(at(3)),
        "the earlier of two sessions' first orders"
    );
    assert_eq!(
        a.clone().merge(session("c", 2)).first_order,
        Some(at(4)),
        "a session without orders changes nothing"
    );

    // Stored before sessions kept it: orders, no first order. Nothing added to it or
    // merged with it can say when its first order was.
    let mut old = session("d", 2);
    old.orders = 1;
    assert_eq!(old.first_order_known(), None);
    assert_eq!(a.clone().merge(old.clone()).first_order_known(), None);
    old.add_order(&order, at(1));
    assert_eq!((old.orders, old.first_order_known()), (2, None));

    // It reads back from what the stores keep, and bodies without it still read.
    let json = serde_json::to_value(&a).expect("encodes");
    assert_eq!(json["firstOrder"], json!(at(4)));
    let mut body = json.clone();
    body.as_object_mut()
        .expect("an object")
        .remove("firstOrder");
    let read: Session = serde_json::from_value(body).expect("decodes");
    assert_eq!(read.first_order, None);
    assert_eq!(serde_json::from_value::<Session>(json).expect("decodes"), a);
}

#[test]
fn the_trail_keeps_events_in_time_order_through_late_events_and_merges() {
    let trail = |s: &Session| -> Vec<(i64, String, Option<String>)> {
        s.trail
            .0
            .iter()
            .map(|e| (e.offset_ms, e.event_type.clone(), e.page.clone()))
            .collect()
    };
    let min = 60_000;
    let mut s = Session::begin(
        "u1",
        "k".into(),
        &ev("b", "page_view", 10, Some("k"), Some("/shoes")),
    );
    let mut cart = ev("c", "add_to_cart", 20, Some("k"), None);
    cart.properties = json!({"sku": "S1", "category": "shoes"})
        .as_object()
        .cloned()
        .expect("an object");
    s.absorb(&cart);
    // A late event before the start: it moves the start and every offset.
    s.absorb(&ev("a", "search", 5, Some("k"), None));
    assert_eq!(
        trail(&s),
        [
            (0, "search".into(), None),
            (5 * min, "page_view".into(), Some("/shoes".into())),
            (15 * min, "add_to_cart".into(), None),
        ]
    );
    assert_eq!(
        s.trail.0[2].products,
        [("S1".to_owned(), Some("shoes".to_owned()))]
    );
    // An earlier id's session of the same key, starting before it, merges in place.
    let other = Session::begin(
        "anon",
        "k".into(),
        &ev("z", "page_view", 0, Some("k"), Some("/")),
    );
    let merged = s.merge(other);
    assert_eq!(merged.start, at(0));
    let kinds: Vec<(i64, String, Option<String>)> = trail(&merged);
    assert_eq!(
        kinds.iter().map(|k| k.0).collect::<Vec<_>>(),
        [0, 5 * min, 10 * min, 20 * min]
    );
    assert_eq!(kinds[0].2.as_deref(), Some("/"));
}
