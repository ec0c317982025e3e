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
fn a_message_is_suppressed_by_any_id_it_names() {
    let suppressed: HashSet<String> = ["a-1".to_owned()].into();
    assert!(is_suppressed(&event(None, Some("a-1")), None, &suppressed));
    assert!(is_suppressed(
        &event(Some("u-1"), Some("a-1")),
        None,
        &suppressed
    ));
    assert!(!is_suppressed(
        &event(Some("u-1"), Some("a-2")),
        None,
        &suppressed
    ));
    assert!(!is_suppressed(
        &event(Some("u-1"), None),
        None,
        &HashSet::new()
    ));
    // An alias of a suppressed id to a new one would carry the person back in.
    let alias = IdentityLink {
        from: "a-1".into(),
        to: "u-9".into(),
    };
    assert!(is_suppressed(
        &event(Some("u-9"), None),
        Some(&alias),
        &suppressed
    ));
    let both = event(Some("u-9"), Some("a-7"));
    let ids: Vec<&str> = message_ids(&both, Some(&alias)).collect();
    assert_eq!(ids, ["u-9", "a-7", "a-1", "u-9"]);
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
