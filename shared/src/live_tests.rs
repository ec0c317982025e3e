use chrono::TimeZone;

use super::*;
use crate::event::EventType;

fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().expect("time")
}

fn arrived(id: &str, ms: i64) -> Event {
    let mut e: Event = serde_json::from_value(serde_json::json!({
        "eventId": id, "userId": "u", "type": "page_view",
        "occurredAt": "2026-01-01T00:00:00Z", "receivedAt": "2026-01-01T00:00:00Z",
        "properties": {}, "context": {}
    }))
    .expect("event");
    e.received_at = at(ms);
    e.event_type = EventType::parse("page_view").expect("type");
    e
}

#[test]
fn a_new_stream_reads_the_last_minute_then_from_the_overlap_before_its_newest() {
    let mut f = Follower::new(LiveFilter::default(), at(100_000));
    assert_eq!(f.query().since_ms, 100_000 - LIVE_BACKLOG_MS);
    let shown = f.absorb(vec![arrived("b", 90_000), arrived("a", 80_000)]);
    assert_eq!(
        shown
            .iter()
            .map(|e| e.event_id.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(f.query().since_ms, 90_000 - LIVE_OVERLAP_MS);
}

#[test]
fn an_event_committed_late_is_shown_once_and_repeats_never() {
    let mut f = Follower::new(LiveFilter::default(), at(100_000));
    f.absorb(vec![arrived("b", 99_000)]);
    // "a" arrived earlier but committed after "b" was shown: the overlap finds it.
    let shown = f.absorb(vec![
        arrived("a", 98_000),
        arrived("b", 99_000),
        arrived("c", 99_500),
    ]);
    assert_eq!(
        shown
            .iter()
            .map(|e| e.event_id.as_str())
            .collect::<Vec<_>>(),
        ["a", "c"]
    );
    assert!(
        f.absorb(vec![arrived("a", 98_000), arrived("c", 99_500)])
            .is_empty()
    );
}
