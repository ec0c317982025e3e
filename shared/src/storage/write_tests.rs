use chrono::DateTime;

use super::*;

fn event(id: &str, anonymous: &str, kind: &str, ms: i64) -> Event {
    Event {
        anonymous_id: Some(anonymous.into()),
        ..Event::bare(id, kind, ms)
    }
}

const DAY: i64 = 86_400_000;

#[test]
fn repeats_after_the_first_occurrence_are_marked() {
    let events = [
        event("e1", "a", "page_view", 0),
        event("e2", "a", "page_view", 0),
        event("e1", "a", "search", 0),
    ];
    assert_eq!(in_batch_repeats(&events), [false, false, true]);
}

#[test]
fn a_delta_counts_events_under_the_profile_they_were_stored_under() {
    let (e1, e2, e3) = (
        event("e1", "a1", "page_view", DAY + 5),
        event("e2", "a1", "search", DAY + 1),
        event("e3", "a2", "page_view", 2 * DAY),
    );
    // a1 was linked to u1 before the batch: its events count for u1.
    let delta = RollupDelta::of(&[(&e1, "u1"), (&e2, "u1"), (&e3, "a2")]);
    let day = |ms: i64| DateTime::from_timestamp_millis(ms).expect("t").date_naive();
    assert_eq!(
        delta.day_type,
        BTreeMap::from([
            ((day(DAY), "page_view".to_owned()), 1),
            ((day(DAY), "search".to_owned()), 1),
            ((day(2 * DAY), "page_view".to_owned()), 1),
        ])
    );
    assert_eq!(
        delta.day_profiles[&day(DAY)],
        BTreeSet::from(["u1".to_owned()])
    );
    let u1 = &delta.profiles["u1"];
    assert_eq!(u1.user_id.as_deref(), Some("u1"));
    assert_eq!(u1.event_count, 2);
    // Visited in time order: the later event is the last one.
    assert_eq!(u1.last_event_type, "page_view");
    assert_eq!(delta.profiles["a2"].user_id, None);
}
