use chrono::DateTime;
use serde_json::json;

use super::*;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("time")
}

fn event(kind: &str, ms: i64, traits: Option<Value>) -> Event {
    Event {
        user_id: Some("u1".into()),
        anonymous_id: Some("a1".into()),
        traits: traits.and_then(|t| t.as_object().cloned()),
        ..Event::bare(&format!("e{ms}"), kind, ms)
    }
}

fn traits(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("object")
}

#[test]
fn a_delta_keeps_the_latest_event_and_merges_traits_in_time_order() {
    let mut d = ProfileDelta::of(&event("page_view", 10, Some(json!({"plan": "free"}))), None);
    d.add(&event(
        "identify",
        20,
        Some(json!({"plan": "pro", "tz": "UTC"})),
    ));
    assert_eq!(d.event_count, 2);
    assert_eq!(d.last_seen, at(20));
    assert_eq!(d.last_event_type, "identify");
    assert_eq!(d.traits, Some(traits(json!({"plan": "pro", "tz": "UTC"}))));
}

#[test]
fn absorbing_widens_times_and_keeps_the_later_type() {
    let (mut p, dropped) =
        Profile::create("u1", &ProfileDelta::of(&event("search", 50, None), None));
    assert_eq!(dropped, 0);
    // An older batch (a late import) widens first_seen but not the last type.
    p.absorb(&ProfileDelta::of(&event("page_view", 10, None), None));
    assert_eq!((p.first_seen, p.last_seen), (at(10), at(50)));
    assert_eq!(p.last_event_type, "search");
    assert_eq!(p.event_count, 2);
}

#[test]
fn merging_lets_the_person_s_traits_win_and_adds_counts() {
    let earlier = Profile {
        id: "a1".into(),
        user_id: None,
        anonymous_id: None,
        first_seen: at(10),
        last_seen: at(50),
        event_count: 3,
        last_event_type: "page_view".into(),
        traits: traits(json!({"plan": "free", "ref": "ad"})),
    };
    let person = Profile {
        id: "u1".into(),
        user_id: Some("u1".into()),
        anonymous_id: None,
        first_seen: at(40),
        last_seen: at(45),
        event_count: 1,
        last_event_type: "identify".into(),
        traits: traits(json!({"plan": "pro"})),
    };
    let (m, dropped) = Profile::merge(earlier.clone(), Some(person), "u1");
    assert_eq!(dropped, 0);
    assert_eq!(m.traits, traits(json!({"plan": "pro", "ref": "ad"})));
    assert_eq!(
        (m.first_seen, m.last_seen, m.event_count),
        (at(10), at(50), 4)
    );
    assert_eq!(m.last_event_type, "page_view");
    assert_eq!(m.anonymous_id.as_deref(), Some("a1"));
    let (alone, _) = Profile::merge(earlier, None, "u1");
    assert_eq!(alone.id, "u1");
    assert_eq!(alone.user_id.as_deref(), Some("u1"));
    assert_eq!(alone.event_count, 3);
}

#[test]
fn traits_past_the_key_bound_are_dropped_and_counted() {
    let mut base = Map::new();
    let incoming: Map<String, Value> = (0..MAX_TRAIT_KEYS + 10)
        .map(|i| (format!("k{i}"), json!(i)))
        .collect();
    assert_eq!(merge_traits(&mut base, &incoming), 10);
    assert_eq!(base.len(), MAX_TRAIT_KEYS);
    // A key already kept may still change.
    let change: Map<String, Value> = [("k0".to_owned(), json!("new"))].into_iter().collect();
    assert_eq!(merge_traits(&mut base, &change), 0);
    assert_eq!(base["k0"], json!("new"));
}

#[test]
fn traits_past_the_byte_bound_are_dropped_and_counted() {
    let mut base = Map::new();
    let big = "x".repeat(MAX_TRAIT_BYTES / 2);
    let incoming: Map<String, Value> = (0..3)
        .map(|i| (format!("k{i}"), json!(big.clone())))
        .collect();
    assert_eq!(merge_traits(&mut base, &incoming), 2);
    assert!(json_size(&base) <= MAX_TRAIT_BYTES);
    // Growing a kept value past the bound is refused; the old value stays.
    let grow: Map<String, Value> = [("k0".to_owned(), json!("y".repeat(MAX_TRAIT_BYTES)))]
        .into_iter()
        .collect();
    assert_eq!(merge_traits(&mut base, &grow), 1);
    assert_eq!(base["k0"], json!(big));
}
