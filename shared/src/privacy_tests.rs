use std::collections::HashSet;

use super::*;

fn event(user: Option<&str>, anonymous: Option<&str>) -> Event {
    let mut e: Event = serde_json::from_value(json!({
        "eventId": "e-1", "type": "page_view",
        "occurredAt": "2026-03-10T00:00:00Z", "receivedAt": "2026-03-10T00:00:00Z",
        "properties": {}, "context": {}
    }))
    .expect("an event");
    e.user_id = user.map(str::to_owned);
    e.anonymous_id = anonymous.map(str::to_owned);
    e
}

#[test]
fn an_event_is_suppressed_by_either_of_its_ids() {
    let suppressed: HashSet<String> = ["a-1".to_owned()].into();
    assert!(is_suppressed(&event(None, Some("a-1")), &suppressed));
    assert!(is_suppressed(&event(Some("u-1"), Some("a-1")), &suppressed));
    assert!(!is_suppressed(
        &event(Some("u-1"), Some("a-2")),
        &suppressed
    ));
    assert!(!is_suppressed(&event(Some("u-1"), None), &HashSet::new()));
}

#[test]
fn one_erasure_per_person_and_its_params_round_trip() {
    let params = ErasureParams {
        person: "u-1".into(),
        suppress: true,
        requested_by: "cli".into(),
    };
    let job = erase_job(&params, 3).expect("job");
    assert_eq!((job.kind, job.key.as_str()), (JobKind::Erase, "erase:u-1"));
    let back: ErasureParams = serde_json::from_value(job.params).expect("params");
    assert_eq!(back, params);
}

#[test]
fn pseudonyms_are_fresh_and_say_nothing() {
    let (a, b) = (pseudonym(), pseudonym());
    assert_ne!(a, b);
    assert!(
        a.starts_with("erased-") && a.len() == "erased-".len() + 32,
        "{a}"
    );
}
