//! Unit tests of the MongoDB engine's pure parts (no server needed).

use super::*;
use crate::profile::Profile;
use chrono::TimeZone;
use serde_json::json;

fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().expect("valid time")
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("object")
}

fn full_event() -> Event {
    Event {
        event_id: "e-1".into(),
        user_id: Some("u-1".into()),
        anonymous_id: Some("a-1".into()),
        session_id: Some("s-1".into()),
        event_type: EventType::parse("Order Completed").expect("valid type"),
        properties: object(json!({
            "price.usd": 19.99,
            "$weird": {"$date": "2026-01-01"},
            "big": u64::MAX,
            "neg": -7,
            "float_int": 2.0,
            "tiny": 0.1,
            "list": [1, "two", null, true, {"k": []}],
        })),
        context: object(json!({"page": {"url": "https://example.com/?q=1"}})),
        traits: Some(object(json!({"plan": "pro", "seats": 3}))),
        occurred_at: at(1_767_225_600_123),
        sent_at: Some(at(1_767_225_601_000)),
        received_at: at(1_767_225_602_456),
        timestamp_clamped: true,
        derived: None,
        source: Some("web-shop".into()),
    }
}

fn minimal_event() -> Event {
    Event {
        event_id: "e-2".into(),
        user_id: None,
        anonymous_id: Some("anon".into()),
        session_id: None,
        event_type: EventType::parse("page_view").expect("valid type"),
        properties: Map::new(),
        context: Map::new(),
        traits: None,
        occurred_at: at(1_767_225_600_000),
        sent_at: None,
        received_at: at(1_767_225_600_000),
        timestamp_clamped: false,
        derived: None,
        source: None,
    }
}

#[test]
fn events_round_trip_through_documents_exactly() {
    for e in [full_event(), minimal_event()] {
        let d = event_to_doc(&e).expect("encode");
        // Through bytes too, as the server would store and return it.
        let bytes = bson::to_vec(&d).expect("serialise");
        let back: Document = bson::from_slice(&bytes).expect("deserialise");
        assert_eq!(event_from_doc(&back).expect("decode"), e);
    }
}

#[test]
fn event_documents_have_the_documented_shape() {
    let d = event_to_doc(&full_event()).expect("encode");
    assert_eq!(d.get_str("_id"), Ok("e-1"));
    assert_eq!(d.get_str("profile_id"), Ok("u-1"));
    assert_eq!(d.get_str("type"), Ok("Order Completed"));
    assert!(matches!(d.get("occurred_at"), Some(Bson::DateTime(_))));
    assert!(
        matches!(d.get("properties"), Some(Bson::String(_))),
        "JSON text, not a sub-document"
    );
    let d = event_to_doc(&minimal_event()).expect("encode");
    assert_eq!(d.get_str("profile_id"), Ok("anon"));
    assert!(d.get("user_id").is_none() && d.get("traits").is_none() && d.get("sent_at").is_none());
}

#[test]
fn null_optional_fields_decode_as_none() {
    let mut d = event_to_doc(&minimal_event()).expect("encode");
    for key in ["user_id", "session_id", "sent_at", "traits"] {
        d.insert(key, Bson::Null);
    }
    assert_eq!(event_from_doc(&d).expect("decode"), minimal_event());
}

#[test]
fn malformed_documents_are_internal_errors() {
    let mut d = event_to_doc(&minimal_event()).expect("encode");
    d.insert("occurred_at", "yesterday");
    assert!(
        matches!(event_from_doc(&d), Err(StoreError::Internal(m)) if m.contains("occurred_at"))
    );
}

#[test]
fn json_values_survive_bson_exactly() {
    let v = json!({
        "i": 1, "n": -1, "max": u64::MAX, "min": i64::MIN, "f": 1.5, "whole": 3.0, "z": 0.0,
        "s": "x", "b": false, "null": null, "a": [[], {}], "$ref": {"a.b": {"$oid": "1"}},
    });
    let back = bson_to_json(&json_to_bson(&v));
    assert_eq!(back, v);
    assert_eq!(back["max"].as_u64(), Some(u64::MAX));
    assert!(back["whole"].is_f64() && back["i"].is_i64());

    let big: Value = serde_json::from_str(
        r#"{"big": 123456789012345678901234567890, "neg": -98765432109876543210987654321}"#,
    )
    .expect("json");
    let back = bson_to_json(&json_to_bson(&big));
    assert_eq!(
        back.to_string(),
        r#"{"big":123456789012345678901234567890,"neg":-98765432109876543210987654321}"#
    );
}

#[test]
fn trait_keys_bson_cannot_hold_are_escaped_and_restored() {
    let traits = object(json!({
        "a\u{0}b": 1, "\u{1}0": 2, "\u{0}": {"in\u{0}ner": [{"x\u{1}": null}]},
        "plain": 3, "": 4, "$set": {"a.b": 5},
    }));
    let d = map_to_doc(&traits);
    assert_eq!(
        d.get_i64("plain"),
        Ok(3),
        "ordinary keys are stored unchanged"
    );
    // Through bytes, as the driver must encode it (a raw U+0000 key cannot be).
    let bytes = bson::to_vec(&doc! { "traits": &d }).expect("encodable");
    let back: Document = bson::from_slice(&bytes).expect("decodable");
    let back = doc_to_map(back.get_document("traits").expect("traits"));
    assert_eq!(back, traits);
    // The escaping is one-to-one, so merges by key match the embedded engine's.
    for key in [
        "\u{0}",
        "\u{1}0",
        "\u{1}",
        "\u{1}1",
        "x\u{1}\u{0}y",
        "plain",
    ] {
        assert_eq!(decode_key(&encode_key(key)), key);
        assert!(!encode_key(key).contains('\u{0}'));
    }
    assert_ne!(encode_key("\u{0}"), encode_key("\u{1}0"));
}

#[test]
fn user_filter_uses_search_range_and_cursor() {
    let q = UserQuery {
        search: Some("Bob".into()),
        sort: UserSort::EventCount,
        order: SortOrder::Asc,
        limit: 10,
        after: Some(UserCursor {
            s: UserSort::EventCount,
            o: SortOrder::Asc,
            v: 5,
            id: "z".into(),
        }),
    };
    let f = users_filter(&q).expect("filter");
    let range = f
        .get_document("search")
        .and_then(|d| d.get_document("$elemMatch"))
        .expect("search range");
    assert_eq!(range.get_str("$gte"), Ok("bob"));
    let or = f.get_array("$or").expect("cursor");
    let second = or[1].as_document().expect("doc");
    assert_eq!(second.get_i64("event_count"), Ok(5));
    assert_eq!(
        second.get_document("_id").and_then(|d| d.get_str("$gt")),
        Ok("z")
    );
    assert_eq!(users_sort(&q), doc! { "event_count": 1, "_id": 1 });
    assert!(
        users_filter(&UserQuery {
            search: Some(String::new()),
            ..UserQuery::default()
        })
        .expect("filter")
        .is_empty()
    );
    // A cursor of another ordering is refused.
    assert!(matches!(
        users_filter(&UserQuery {
            sort: UserSort::LastSeen,
            ..q
        }),
        Err(StoreError::InvalidCursor)
    ));
}

#[test]
fn journey_filter_bounds_types_and_cursor() {
    let q = JourneyQuery {
        from: Some(at(1_000)),
        to: Some(at(2_000)),
        types: vec!["purchase".into()],
        limit: 50,
        after: Some(JourneyCursor {
            t: 1_500,
            id: "e-9".into(),
        }),
    };
    let f = journey_filter("u-1", &q);
    assert_eq!(f.get_str("profile_id"), Ok("u-1"));
    let occurred = f.get_document("occurred_at").expect("range");
    assert_eq!(
        occurred
            .get_datetime("$gte")
            .expect("from")
            .timestamp_millis(),
        1_000
    );
    assert_eq!(
        occurred.get_datetime("$lt").expect("to").timestamp_millis(),
        2_000
    );
    assert_eq!(
        f.get_document("type")
            .expect("types")
            .get_array("$in")
            .expect("in")
            .len(),
        1
    );
    let or = f.get_array("$or").expect("cursor");
    let tie = or[1].as_document().expect("doc");
    assert_eq!(
        tie.get_document("_id").expect("id").get_str("$lt"),
        Ok("e-9")
    );
    let plain = journey_filter("u-1", &JourneyQuery::default());
    assert_eq!(plain, doc! { "profile_id": "u-1" });
}

#[test]
fn a_journey_matches_its_person_alone_or_with_the_pending_earlier_ids() {
    assert_eq!(
        moves::profile_match(&["u-1".to_owned()]),
        Bson::String("u-1".into())
    );
    assert_eq!(
        moves::profile_match(&["u-1".to_owned(), "anon-1".to_owned()]),
        Bson::Document(doc! { "$in": ["u-1", "anon-1"] })
    );
}

#[test]
fn pending_moves_decode_and_a_malformed_one_is_an_error() {
    let d = doc! { "_id": "anon-1", "to": "u-1", "created": bson_time(at(5)), "chunks": 2_i64 };
    let p = moves::pending_from_doc(&d).expect("decodes");
    assert_eq!(
        (p.from.as_str(), p.to.as_str(), p.created),
        ("anon-1", "u-1", at(5))
    );
    assert!(
        moves::pending_from_doc(&doc! { "_id": "anon-1", "created": bson_time(at(5)) }).is_err()
    );
}

#[test]
fn pages_fetch_one_extra_to_find_the_next_cursor() {
    assert_eq!(fetch_limit(0), 1);
    assert_eq!(fetch_limit(usize::MAX), i64::MAX);
    let page = paginate(vec![1, 2, 3], 2, |n| *n);
    assert_eq!((page.items, page.next), (vec![1, 2], Some(2)));
    let page = paginate(vec![1, 2], 2, |n| *n);
    assert_eq!((page.items, page.next), (vec![1, 2], None));
}

#[test]
fn update_commands_are_unordered_and_leave_the_write_concern_to_the_commit() {
    let c = update_command(USERS, vec![doc! { "q": {}, "u": {} }]);
    assert_eq!(
        c.keys().next().map(String::as_str),
        Some("update"),
        "command name first"
    );
    assert_eq!(c.get_bool("ordered"), Ok(false));
    assert!(c.get("writeConcern").is_none());
}

#[test]
fn update_replies_are_checked_for_write_and_concern_errors() {
    assert!(check_update_reply(USERS, &doc! { "ok": 1, "n": 2 }, 2).is_ok());
    let refused =
        doc! { "ok": 1, "n": 1, "writeErrors": [{ "index": 1, "code": 11000, "errmsg": "dup" }] };
    let failure = check_update_reply(USERS, &refused, 2).expect_err("write error");
    assert!(failure.is_transient());
    let refused =
        doc! { "ok": 1, "n": 1, "writeErrors": [{ "index": 0, "code": 2, "errmsg": "bad" }] };
    let failure = check_update_reply(USERS, &refused, 2).expect_err("write error");
    assert!(!failure.is_transient());
    assert!(matches!(failure.into_store_error(), StoreError::Internal(m) if m.contains("bad")));
    let labelled = doc! {
        "ok": 1, "n": 0, "errorLabels": [TRANSIENT_TRANSACTION_ERROR],
        "writeErrors": [{ "index": 0, "code": 251, "errmsg": "gone" }],
    };
    let failure = check_update_reply(USERS, &labelled, 1).expect_err("write error");
    assert!(failure.is_transient());
    assert!(matches!(
        failure.into_store_error(),
        StoreError::Unavailable(_)
    ));
    let lost = doc! { "ok": 1, "n": 2, "writeConcernError": { "code": 64, "codeName": "WriteConcernFailed" } };
    let failure = check_update_reply(USERS, &lost, 2).expect_err("concern error");
    assert!(
        matches!(failure.into_store_error(), StoreError::Unavailable(m) if m.contains("WriteConcernFailed"))
    );
}

#[test]
fn deployment_is_read_from_hello() {
    assert_eq!(
        Deployment::from_hello(&doc! { "setName": "rs0" }),
        Deployment::ReplicaSet
    );
    assert_eq!(
        Deployment::from_hello(&doc! { "msg": "isdbgrid" }),
        Deployment::Sharded
    );
    assert_eq!(
        Deployment::from_hello(&doc! { "isWritablePrimary": true }),
        Deployment::Standalone
    );
    assert!(supports_sessions(
        &doc! { "logicalSessionTimeoutMinutes": 30 }
    ));
    assert!(!supports_sessions(
        &doc! { "logicalSessionTimeoutMinutes": null }
    ));
}

#[test]
fn credentials_are_redacted_from_startup_errors() {
    let mut r = Redactor::from_uri("mongodb://app:s3cr%40t@db1:27017,db2/shop?replicaSet=rs0");
    r.add("s3cr@t".to_owned());
    let text = r.apply("auth failed for app:s3cr%40t (s3cr@t) at db1:27017");
    assert!(!text.contains("s3cr"), "{text}");
    assert!(text.contains("db1:27017"));
}

#[test]
fn commands_are_split_by_size_and_count() {
    let chunks = chunk_by_size(vec![4, 4, 4, 9, 1], |n| *n, 8, 10);
    assert_eq!(chunks, vec![vec![4, 4], vec![4], vec![9], vec![1]]);
    let chunks = chunk_by_size((0..5).collect(), |_| 1, 100, 2);
    assert_eq!(chunks, vec![vec![0, 1], vec![2, 3], vec![4]]);
    assert!(chunk_by_size(Vec::<u8>::new(), |_| 1, 1, 1).is_empty());
}

#[test]
fn driver_errors_map_to_store_errors_without_details() {
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "mongodb://u:p@h");
    let e = DriverError::from(ErrorKind::from(io));
    assert!(matches!(driver_error(&e), StoreError::Unavailable(m) if !m.contains("p@h")));
    let command = |code: i32, name: &str| {
        let c: mongodb::error::CommandError =
            bson::from_document(doc! { "code": code, "codeName": name, "errmsg": "x" })
                .expect("valid CommandError");
        DriverError::from(ErrorKind::Command(c))
    };
    let stepped_down = command(10107, "NotWritablePrimary");
    assert!(
        matches!(driver_error(&stepped_down), StoreError::Unavailable(m) if m.contains("10107"))
    );
    assert!(matches!(
        driver_error(&command(2, "BadValue")),
        StoreError::Internal(_)
    ));
    assert!(Failure::Driver(command(WRITE_CONFLICT, "WriteConflict")).is_transient());
    assert!(!Failure::Driver(command(2, "BadValue")).is_transient());
    // A commit lost to the network is sent again; one that ran out of time is not.
    assert!(commit_worth_retrying(&e));
    assert!(commit_worth_retrying(&command(64, "WriteConcernFailed")));
    assert!(!commit_worth_retrying(&command(
        MAX_TIME_MS_EXPIRED,
        "MaxTimeMSExpired"
    )));
}

#[test]
fn backoff_grows_and_stays_bounded() {
    for attempt in 1..20 {
        let d = backoff(attempt);
        assert!(d <= Duration::from_millis(500), "{d:?}");
        assert!(d >= Duration::from_millis((5_u64 << attempt.min(7)).min(500) / 2));
    }
}

#[test]
fn profiles_round_trip_through_their_documents() {
    let t = |ms: i64| DateTime::from_timestamp_millis(ms).expect("time");
    let mut traits = Map::new();
    traits.insert("a.b".into(), Value::from(1));
    traits.insert("$plan".into(), Value::from("pro"));
    let p = Profile {
        id: "u1".into(),
        user_id: Some("u1".into()),
        anonymous_id: Some("a1".into()),
        first_seen: t(10),
        last_seen: t(20),
        event_count: 3,
        last_event_type: "identify".into(),
        traits,
    };
    assert_eq!(profile_from_doc(&profile_to_doc(&p)).expect("decode"), p);
    let anonymous = Profile {
        user_id: None,
        traits: Map::new(),
        ..p
    };
    let d = profile_to_doc(&anonymous);
    assert_eq!(d.get_bool("anonymous").ok(), Some(true));
    assert!(d.get("traits").is_none());
    assert_eq!(profile_from_doc(&d).expect("decode"), anonymous);
}
