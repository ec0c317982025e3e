use chrono::DateTime;

use super::*;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_800_000_000_000).expect("time")
}

fn limits() -> IngestSettings {
    crate::settings::Settings::load_from(None, Vec::new())
        .expect("defaults are valid")
        .ingest
}

#[test]
fn one_bad_event_costs_only_itself() {
    let mut intake = Intake::new("web", now());
    intake.event_json(
        r#"{"messageId":"m1","type":"page_view","anonymousId":"a1"}"#,
        &limits(),
    );
    // A number no f64 holds: the parser refuses this event alone.
    intake.event_json(
        r#"{"messageId":"m2","type":"page_view","anonymousId":"a1","properties":{"x":1e309}}"#,
        &limits(),
    );
    intake.event_json(
        r#"{"messageId":"m3","type":"no such type!","anonymousId":"a1"}"#,
        &limits(),
    );
    assert_eq!((intake.len(), intake.valid()), (3, 1));
    let receipt = intake.preview();
    let statuses: Vec<(Option<&str>, Status)> = receipt
        .results
        .iter()
        .map(|r| (r.event_id.as_deref(), r.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (Some("m1"), Status::Accepted),
            (Some("m2"), Status::Rejected),
            (Some("m3"), Status::Rejected),
        ]
    );
    assert_eq!((receipt.accepted, receipt.rejected), (1, 2));
    assert!(!receipt.all_rejected());
}

#[test]
fn segment_messages_carry_their_identity_links_and_source() {
    let mut intake = Intake::new("shop-web", now());
    let defaults = BatchDefaults::default();
    intake.segment_json(
        r#"{"type":"identify","messageId":"i1","userId":"u1","anonymousId":"a1"}"#,
        None,
        &defaults,
        &limits(),
    );
    intake.segment_json("{not json", None, &defaults, &limits());
    let Item::Ready { event, link } = &intake.items[0] else {
        panic!("the identify is valid");
    };
    assert_eq!(event.source.as_deref(), Some("shop-web"));
    assert_eq!(
        link.as_ref(),
        Some(&IdentityLink {
            from: "a1".into(),
            to: "u1".into()
        })
    );
    let receipt = intake.preview();
    assert_eq!(receipt.results[1].status, Status::Rejected);
    assert_eq!(
        receipt.results[1].reason.as_ref().map(|r| r.code),
        Some("invalid_json")
    );
}

#[test]
fn nothing_valid_is_all_rejected() {
    let mut intake = Intake::new("web", now());
    intake.event_json("[]", &limits());
    assert!(intake.preview().all_rejected());
}

#[test]
fn ids_of_unreadable_messages_are_recovered_when_possible() {
    assert_eq!(
        message_id_of(r#"{"messageId":"m9","type":5}"#).as_deref(),
        Some("m9")
    );
    assert_eq!(message_id_of(r#"{"messageId":42}"#).as_deref(), Some("42"));
    assert_eq!(message_id_of(r#"{"messageId":""}"#), None);
    assert_eq!(message_id_of("nope"), None);
}
