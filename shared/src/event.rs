//! The event model: what clients send (Segment-style camelCase JSON), the rules it must
//! satisfy, and the normalised [`Event`] every engine stores.

use chrono::{DateTime, Duration, FixedOffset, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::settings::IngestSettings;

/// Event types the console knows by name. Any other name matching
/// [`EventType::parse`]'s pattern is accepted as a custom type without a code change.
pub const KNOWN_EVENT_TYPES: &[&str] = &[
    "session_start",
    "session_end",
    "page_view",
    "product_view",
    "search",
    "add_to_cart",
    "remove_from_cart",
    "checkout_start",
    "purchase",
    "button_click",
    "form_submit",
    "video_play",
    "video_pause",
    "scroll",
];

/// Longest event type name, in bytes.
pub const MAX_EVENT_TYPE_BYTES: usize = 100;

/// An event name: 1–100 bytes, starting with an ASCII letter, then ASCII letters, digits,
/// spaces and `_ - . : /` (so both `add_to_cart` and Segment-style `Order Completed` fit),
/// with no trailing space.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, example = "add_to_cart")]
pub struct EventType(String);

impl EventType {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let valid_start = raw.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        let valid_rest = raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | ':' | '/'));
        if raw.is_empty() || raw.len() > MAX_EVENT_TYPE_BYTES {
            return Err(format!(
                "type must be 1 to {MAX_EVENT_TYPE_BYTES} characters long"
            ));
        }
        if !valid_start || !valid_rest || raw.ends_with(' ') {
            return Err(format!(
                "type {raw:?} must start with a letter and contain only letters, digits, spaces and _-.:/"
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_known(&self) -> bool {
        KNOWN_EVENT_TYPES.contains(&self.0.as_str())
    }
}

/// One event as a client sends it. Unknown fields are ignored, as Segment libraries send
/// extras (`channel`, `version`, `writeKey`, ...).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IncomingEvent {
    /// Client-chosen idempotency key; a server UUIDv7 when absent. Send it, so a retry
    /// can never store an event twice.
    #[schema(example = "0d8f2b8e-6f51-4c3e-9a51-1b2a1c3d4e5f")]
    pub message_id: Option<String>,
    #[schema(example = "user-42")]
    pub user_id: Option<String>,
    #[schema(example = "anon-7f3c")]
    pub anonymous_id: Option<String>,
    pub session_id: Option<String>,
    /// The event name (see `KNOWN_EVENT_TYPES`, or any custom name matching the pattern).
    #[serde(rename = "type")]
    #[schema(example = "add_to_cart")]
    pub event_type: Option<String>,
    /// Segment's name for the event name; takes precedence over `type` when both are given.
    pub event: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub properties: Option<Map<String, Value>>,
    /// Page (url, path, referrer, title), userAgent, ip, locale, campaign (UTM), library.
    #[schema(value_type = Option<Object>)]
    pub context: Option<Map<String, Value>>,
    #[schema(value_type = Option<Object>)]
    pub traits: Option<Map<String, Value>>,
    /// When the event happened, by the client's clock (RFC 3339).
    pub timestamp: Option<DateTime<FixedOffset>>,
    /// Segment's name for `timestamp`; used when `timestamp` is absent.
    pub original_timestamp: Option<DateTime<FixedOffset>>,
    /// When the client sent the request, by its clock; enables clock-skew correction.
    pub sent_at: Option<DateTime<FixedOffset>>,
}

/// A validated, normalised event, as stored and as returned by the read APIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub event_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(rename = "type")]
    pub event_type: EventType,
    #[schema(value_type = Object)]
    pub properties: Map<String, Value>,
    #[schema(value_type = Object)]
    pub context: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub traits: Option<Map<String, Value>>,
    /// When the event happened, corrected for client clock skew (millisecond precision).
    pub occurred_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    /// True when the corrected time lay too far in the future, or before 2000, and was
    /// clamped to `receivedAt`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timestamp_clamped: bool,
    /// The named source of the write key that sent the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What the server derived when the event arrived (channel, device, country, ...);
    /// absent on events stored before derivation existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived: Option<crate::enrich::Derived>,
}

impl Event {
    /// The profile this event belongs to: the user id when known, else the anonymous id.
    pub fn profile_id(&self) -> &str {
        self.user_id
            .as_deref()
            .or(self.anonymous_id.as_deref())
            .unwrap_or_default()
    }

    /// Approximate stored size, used by the batcher's byte limits.
    pub fn approx_bytes(&self) -> usize {
        fn json_len(m: &Map<String, Value>) -> usize {
            m.iter().map(|(k, v)| k.len() + value_len(v) + 4).sum()
        }
        fn value_len(v: &Value) -> usize {
            match v {
                Value::String(s) => s.len() + 2,
                Value::Array(a) => a.iter().map(value_len).sum::<usize>() + 2,
                Value::Object(o) => json_len(o) + 2,
                _ => 8,
            }
        }
        256 + self.event_id.len()
            + self.profile_id().len()
            + json_len(&self.properties)
            + json_len(&self.context)
            + self.traits.as_ref().map_or(0, json_len)
    }
}

/// Why one event was refused. `code` is stable, `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Rejection {
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The earliest time an event may carry (2000-01-01T00:00:00Z); earlier ones are clamped to
/// the receive time, like times in the future.
pub fn earliest() -> DateTime<Utc> {
    DateTime::from_timestamp(946_684_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Validates one incoming event and turns it into an [`Event`].
///
/// `raw_bytes` is the size of the event's JSON text; `received_at` the server's clock.
/// Clock skew: with `sentAt`, `occurredAt = receivedAt − (sentAt − timestamp)`; a result
/// more than `future_tolerance_ms` ahead of `receivedAt`, or before [`earliest`], is clamped
/// to it and flagged.
pub fn normalise(
    incoming: IncomingEvent,
    raw_bytes: usize,
    received_at: DateTime<Utc>,
    limits: &IngestSettings,
) -> Result<Event, Rejection> {
    if raw_bytes > limits.max_event_bytes {
        return Err(Rejection::new(
            "event_too_large",
            format!(
                "event is {raw_bytes} bytes; the limit is {}",
                limits.max_event_bytes
            ),
        ));
    }
    let IncomingEvent {
        message_id,
        user_id,
        anonymous_id,
        session_id,
        event_type,
        event,
        properties,
        context,
        traits,
        timestamp,
        original_timestamp,
        sent_at,
    } = incoming;

    let check_id = |name: &str, v: Option<String>| -> Result<Option<String>, Rejection> {
        match v {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) if s.len() > limits.max_id_bytes => Err(Rejection::new(
                "invalid_id",
                format!("{name} is longer than {} bytes", limits.max_id_bytes),
            )),
            Some(s) if s.chars().any(char::is_control) => Err(Rejection::new(
                "invalid_id",
                format!("{name} contains control characters"),
            )),
            Some(s) => Ok(Some(s)),
        }
    };
    let message_id = check_id("messageId", message_id)?;
    let user_id = check_id("userId", user_id)?;
    let anonymous_id = check_id("anonymousId", anonymous_id)?;
    let session_id = check_id("sessionId", session_id)?;
    if user_id.is_none() && anonymous_id.is_none() {
        return Err(Rejection::new(
            "missing_identity",
            "userId or anonymousId is required",
        ));
    }

    let name = event
        .or(event_type)
        .ok_or_else(|| Rejection::new("missing_type", "type (or event) is required"))?;
    let event_type = EventType::parse(&name).map_err(|m| Rejection::new("invalid_type", m))?;

    let properties = properties.unwrap_or_default();
    let mut context = context.unwrap_or_default();
    apply_ip_policy(&mut context, limits.ip_addresses);
    for (name, map) in [
        ("properties", Some(&properties)),
        ("context", Some(&context)),
        ("traits", traits.as_ref()),
    ] {
        if let Some(map) = map {
            check_value_shape(name, map, limits)?;
        }
    }

    let received_at = received_at.trunc_subsecs(3);
    let timestamp = timestamp
        .or(original_timestamp)
        .map(|t| t.with_timezone(&Utc));
    let sent_at = sent_at.map(|t| t.with_timezone(&Utc).trunc_subsecs(3));
    // Checked: a far-off timestamp or sentAt must not overflow the skew correction.
    let corrected = match (timestamp, sent_at) {
        (Some(ts), Some(sent)) => received_at.checked_sub_signed(sent.signed_duration_since(ts)),
        (Some(ts), None) => Some(ts),
        (None, _) => Some(received_at),
    }
    .map(|t| t.trunc_subsecs(3));
    let tolerance =
        Duration::milliseconds(i64::try_from(limits.future_tolerance_ms).unwrap_or(i64::MAX));
    // Too far in the future, before any shop could have sent it, or out of range: the
    // server's time stands in, and the event says so.
    let occurred_at = corrected.filter(|t| *t <= received_at + tolerance && *t >= earliest());
    let timestamp_clamped = occurred_at.is_none();
    let occurred_at = occurred_at.unwrap_or(received_at);

    Ok(Event {
        event_id: message_id.unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        user_id,
        anonymous_id,
        session_id,
        event_type,
        properties,
        context,
        traits,
        occurred_at,
        sent_at,
        received_at,
        timestamp_clamped,
        source: None,
        derived: None,
    })
}

/// Keeps of `context.ip` what the setting allows: nothing, its network (/24 or /48) or all
/// of it. A value that is not an address is dropped under every policy but `keep`.
fn apply_ip_policy(context: &mut Map<String, Value>, policy: crate::settings::IpAddresses) {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use crate::settings::IpAddresses;
    match policy {
        IpAddresses::Keep => {}
        IpAddresses::Drop => {
            context.remove("ip");
        }
        IpAddresses::Truncate => {
            let network = match context.get("ip").and_then(Value::as_str).map(str::parse) {
                Some(Ok(IpAddr::V4(v4))) => {
                    let [a, b, c, _] = v4.octets();
                    Some(Ipv4Addr::new(a, b, c, 0).to_string())
                }
                Some(Ok(IpAddr::V6(v6))) => {
                    let s = v6.segments();
                    Some(Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0).to_string())
                }
                _ => None,
            };
            match network {
                Some(n) => {
                    context.insert("ip".into(), Value::String(n));
                }
                None => {
                    context.remove("ip");
                }
            }
        }
    }
}

/// Enforces nesting depth and string/key lengths inside a JSON object. The object itself
/// is depth 1; each nested object or array adds one.
fn check_value_shape(
    field: &str,
    map: &Map<String, Value>,
    limits: &IngestSettings,
) -> Result<(), Rejection> {
    check_map(map, 1, field, limits)
}

fn check_map(
    map: &Map<String, Value>,
    depth: usize,
    field: &str,
    limits: &IngestSettings,
) -> Result<(), Rejection> {
    if depth > limits.max_property_depth {
        return Err(too_deep(field, limits));
    }
    map.iter().try_for_each(|(k, v)| {
        if k.len() > limits.max_id_bytes {
            return Err(Rejection::new(
                "key_too_long",
                format!(
                    "a key in {field} is longer than {} bytes",
                    limits.max_id_bytes
                ),
            ));
        }
        // BSON (MongoDB) cannot store NUL in a field name; refuse it on every engine alike.
        if k.contains('\0') {
            return Err(Rejection::new(
                "invalid_key",
                format!("a key in {field} contains a NUL character"),
            ));
        }
        check_value(v, depth, field, limits)
    })
}

fn check_value(
    v: &Value,
    depth: usize,
    field: &str,
    limits: &IngestSettings,
) -> Result<(), Rejection> {
    match v {
        Value::String(s) if s.len() > limits.max_string_bytes => Err(Rejection::new(
            "string_too_long",
            format!(
                "a string in {field} is longer than {} bytes",
                limits.max_string_bytes
            ),
        )),
        Value::Array(items) => {
            if depth + 1 > limits.max_property_depth {
                return Err(too_deep(field, limits));
            }
            items
                .iter()
                .try_for_each(|i| check_value(i, depth + 1, field, limits))
        }
        Value::Object(o) => check_map(o, depth + 1, field, limits),
        // Numbers keep every digit (serde_json's `arbitrary_precision`), but one beyond
        // f64's range (`1e309`) would read as Infinity in JavaScript: refused.
        Value::Number(n) if n.as_f64().is_none() => Err(Rejection::new(
            "number_out_of_range",
            format!("a number in {field} is beyond the range of a double"),
        )),
        _ => Ok(()),
    }
}

fn too_deep(field: &str, limits: &IngestSettings) -> Rejection {
    Rejection::new(
        "too_deep",
        format!(
            "{field} is nested deeper than {} levels",
            limits.max_property_depth
        ),
    )
}

/// The one event literal the crate's unit tests start from.
#[cfg(test)]
impl Event {
    /// An event of `kind` at `ms` (since the epoch, received then too) with id `id` and
    /// nothing else: no ids of a person, properties, context or traits. Tests set what
    /// they need with struct update syntax.
    pub(crate) fn bare(id: &str, kind: &str, ms: i64) -> Event {
        let at = DateTime::from_timestamp_millis(ms).expect("a time in range");
        Event {
            event_id: id.into(),
            user_id: None,
            anonymous_id: None,
            session_id: None,
            event_type: EventType::parse(kind).expect("a valid type"),
            properties: Map::new(),
            context: Map::new(),
            traits: None,
            occurred_at: at,
            sent_at: None,
            received_at: at,
            timestamp_clamped: false,
            derived: None,
            source: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;
    use chrono::TimeZone;
    use serde_json::json;

    fn limits() -> IngestSettings {
        Settings::load_from(None, Vec::new())
            .expect("defaults")
            .ingest
    }

    fn parse(v: Value) -> IncomingEvent {
        serde_json::from_value(v).expect("valid wire event")
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
            .single()
            .expect("valid date")
    }

    #[test]
    fn known_and_custom_types_parse_and_bad_names_do_not() {
        assert!(EventType::parse("add_to_cart").expect("ok").is_known());
        let custom = EventType::parse("Order Completed").expect("custom names are allowed");
        assert!(!custom.is_known());
        for bad in ["", "1abc", "a\nb", "trailing ", "emoji🙂", &"x".repeat(101)] {
            assert!(EventType::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn message_id_becomes_event_id_and_missing_one_gets_a_uuid_v7() {
        let e = normalise(
            parse(json!({"messageId": "m-1", "userId": "u", "type": "search"})),
            10,
            now(),
            &limits(),
        )
        .expect("valid");
        assert_eq!(e.event_id, "m-1");
        let e = normalise(
            parse(json!({"userId": "u", "type": "search"})),
            10,
            now(),
            &limits(),
        )
        .expect("valid");
        let id = uuid::Uuid::parse_str(&e.event_id).expect("uuid");
        assert_eq!(id.get_version_num(), 7);
    }

    #[test]
    fn segment_event_field_wins_over_type() {
        let e = normalise(
            parse(json!({"anonymousId": "a", "type": "track", "event": "Product Added"})),
            10,
            now(),
            &limits(),
        )
        .expect("valid");
        assert_eq!(e.event_type.as_str(), "Product Added");
    }

    #[test]
    fn an_identity_is_required() {
        let err =
            normalise(parse(json!({"type": "search"})), 10, now(), &limits()).expect_err("no ids");
        assert_eq!(err.code, "missing_identity");
        let err = normalise(
            parse(json!({"userId": "", "type": "search"})),
            10,
            now(),
            &limits(),
        )
        .expect_err("empty id");
        assert_eq!(err.code, "missing_identity");
    }

    #[test]
    fn clock_skew_is_corrected_with_sent_at() {
        // The client clock runs 1 h fast: it stamped the event 10 s before sending.
        let e = normalise(
            parse(json!({"userId": "u", "type": "scroll",
                "timestamp": "2026-03-01T12:59:50Z", "sentAt": "2026-03-01T13:00:00Z"})),
            10,
            now(),
            &limits(),
        )
        .expect("valid");
        assert_eq!(e.occurred_at, now() - Duration::seconds(10));
        assert!(!e.timestamp_clamped);
    }

    #[test]
    fn future_timestamps_are_clamped_and_flagged() {
        let e = normalise(
            parse(json!({"userId": "u", "type": "scroll", "timestamp": "2026-03-02T12:00:00Z"})),
            10,
            now(),
            &limits(),
        )
        .expect("valid");
        assert_eq!(e.occurred_at, now());
        assert!(e.timestamp_clamped);
    }

    #[test]
    fn ancient_and_out_of_range_timestamps_are_clamped_and_flagged() {
        for (timestamp, sent_at) in [
            ("1970-01-01T00:00:00Z", None),
            ("1999-12-31T23:59:59Z", None),
            // A skew correction of ten thousand years.
            ("0001-01-01T00:00:00Z", Some("9999-12-31T23:59:59Z")),
        ] {
            let mut v = json!({"userId": "u", "type": "scroll", "timestamp": timestamp});
            if let Some(sent) = sent_at {
                v["sentAt"] = json!(sent);
            }
            let e = normalise(parse(v), 10, now(), &limits()).expect("valid");
            assert_eq!(e.occurred_at, now(), "{timestamp}");
            assert!(e.timestamp_clamped, "{timestamp}");
        }
        let e = normalise(
            parse(json!({"userId": "u", "type": "scroll", "timestamp": "2000-01-01T00:00:00Z"})),
            10,
            now(),
            &limits(),
        )
        .expect("valid");
        assert_eq!(e.occurred_at, earliest());
        assert!(!e.timestamp_clamped);
    }

    #[test]
    fn ip_addresses_are_dropped_by_default_truncated_or_kept_by_setting() {
        use crate::settings::IpAddresses;
        let with_ip = |ip: &str| {
            parse(
                json!({"type": "page_view", "userId": "u", "context": {"ip": ip, "locale": "es"}}),
            )
        };
        let mut l = limits();
        let e = normalise(with_ip("203.0.113.77"), 10, now(), &l).expect("valid");
        assert_eq!(e.context.get("ip"), None, "dropped by default");
        assert_eq!(e.context["locale"], "es");
        l.ip_addresses = IpAddresses::Truncate;
        let e = normalise(with_ip("203.0.113.77"), 10, now(), &l).expect("valid");
        assert_eq!(e.context["ip"], "203.0.113.0");
        let e = normalise(
            with_ip("2001:db8:85a3:8d3:1319:8a2e:370:7348"),
            10,
            now(),
            &l,
        )
        .expect("valid");
        assert_eq!(e.context["ip"], "2001:db8:85a3::");
        let e = normalise(with_ip("not an address"), 10, now(), &l).expect("valid");
        assert_eq!(e.context.get("ip"), None);
        l.ip_addresses = IpAddresses::Keep;
        let e = normalise(with_ip("203.0.113.77"), 10, now(), &l).expect("valid");
        assert_eq!(e.context["ip"], "203.0.113.77");
    }

    #[test]
    fn limits_on_size_depth_and_strings_are_enforced() {
        let l = limits();
        let err = normalise(
            parse(json!({"userId": "u", "type": "s"})),
            l.max_event_bytes + 1,
            now(),
            &l,
        )
        .expect_err("too big");
        assert_eq!(err.code, "event_too_large");

        let mut deep = json!("leaf");
        for _ in 0..l.max_property_depth + 1 {
            deep = json!({ "k": deep });
        }
        let err = normalise(
            parse(json!({"userId": "u", "type": "s", "properties": {"p": deep}})),
            10,
            now(),
            &l,
        )
        .expect_err("too deep");
        assert_eq!(err.code, "too_deep");

        let err = normalise(parse(json!({"userId": "u", "type": "s", "properties": {"p": "x".repeat(l.max_string_bytes + 1)}})), 10, now(), &l).expect_err("long");
        assert_eq!(err.code, "string_too_long");

        let err = normalise(
            parse(json!({"userId": "u".repeat(l.max_id_bytes + 1), "type": "s"})),
            10,
            now(),
            &l,
        )
        .expect_err("long id");
        assert_eq!(err.code, "invalid_id");
    }

    #[test]
    fn keys_with_nul_are_refused() {
        let err = normalise(
            parse(json!({"userId": "u", "type": "s", "traits": {"a\u{0}b": 1}})),
            10,
            now(),
            &limits(),
        )
        .expect_err("nul");
        assert_eq!(err.code, "invalid_key");
    }

    #[test]
    fn nesting_exactly_at_the_limit_is_accepted() {
        let l = limits();
        // `properties` itself is level 1: this object is exactly max_property_depth deep.
        let mut v = json!(1);
        for _ in 0..l.max_property_depth {
            v = json!({ "k": v });
        }
        let v = v.as_object().cloned().expect("object");
        normalise(
            parse(json!({"userId": "u", "type": "s", "properties": v})),
            10,
            now(),
            &l,
        )
        .expect("at the limit");
    }
}
