//! The Segment message model (track, identify, page, screen, group, alias) and its mapping
//! onto our [`Event`]: one function, [`parse_message`], used by the HTTP routes and usable
//! line by line by importers. Independent of HTTP.
//!
//! Mapping: `track` keeps its `event` name; `page`/`screen` become `page_view`/`screen_view`
//! with `name` and `category` copied into the properties; `identify`, `group` and `alias`
//! become events of those names. `identify` traits merge into the profile's traits; `group`
//! puts `{"group": {"id", "traits"}}` on the profile (the latest group wins); `alias` and an
//! `identify` carrying both ids yield an [`IdentityLink`]. `integrations` is kept in
//! `context.integrations`. A message without `messageId` gets a deterministic id derived
//! from its content, so a re-sent copy is still stored once.

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::event::{Event, IncomingEvent, Rejection, normalise};
use crate::settings::IngestSettings;
use crate::storage::IdentityLink;

/// The six Segment call types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Track,
    Identify,
    Page,
    Screen,
    Group,
    Alias,
}

impl Kind {
    /// The call type named by a message's `type` field (`track`, `identify`, ...).
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "track" => Self::Track,
            "identify" => Self::Identify,
            "page" => Self::Page,
            "screen" => Self::Screen,
            "group" => Self::Group,
            "alias" => Self::Alias,
            _ => return None,
        })
    }

    /// The call type of a single-message path: `track` or its short form `t`, and so on.
    pub fn from_path(segment: &str) -> Option<Self> {
        Some(match segment {
            "track" | "t" => Self::Track,
            "identify" | "i" => Self::Identify,
            "page" | "p" => Self::Page,
            "screen" | "s" => Self::Screen,
            "group" | "g" => Self::Group,
            "alias" | "a" => Self::Alias,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Track => "track",
            Self::Identify => "identify",
            Self::Page => "page",
            Self::Screen => "screen",
            Self::Group => "group",
            Self::Alias => "alias",
        }
    }
}

/// One parsed message: the event to store and, for `alias` and an `identify` with both
/// ids, the identity link to record before it.
#[derive(Debug, Clone)]
pub struct Message {
    pub kind: Kind,
    pub event: Event,
    pub link: Option<IdentityLink>,
}

/// Context and integrations given once at the top of a `/v1/batch` body; each message's
/// own keys win.
#[derive(Debug, Clone, Default)]
pub struct BatchDefaults {
    /// The batch's `sentAt` (analytics-python and analytics-node set it per request).
    pub sent_at: Option<DateTime<FixedOffset>>,
    pub context: Option<Map<String, Value>>,
    pub integrations: Option<Map<String, Value>>,
}

impl BatchDefaults {
    /// Reads `sentAt`, `context` and `integrations` from a batch body.
    pub fn from_body(body: &Map<String, Value>) -> Self {
        Self {
            sent_at: body
                .get("sentAt")
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok()),
            context: body.get("context").and_then(Value::as_object).cloned(),
            integrations: body.get("integrations").and_then(Value::as_object).cloned(),
        }
    }
}

/// Turns one Segment message into an event.
///
/// `kind` is the call type implied by the path (`/v1/track`); `None` reads the message's
/// own `type` (as in a batch). `raw_bytes` is the size of the message's JSON text, checked
/// against `ingest.max_event_bytes` (Segment's 32 KB per message). Clock skew is corrected
/// as for `/v1/events`, with the message's `sentAt`, else the batch's.
pub fn parse_message(
    value: Value,
    kind: Option<Kind>,
    raw_bytes: usize,
    defaults: &BatchDefaults,
    received_at: DateTime<Utc>,
    limits: &IngestSettings,
) -> Result<Message, Rejection> {
    let Value::Object(mut m) = value else {
        return Err(Rejection::new(
            "invalid_event",
            "a message must be a JSON object",
        ));
    };
    let kind = match kind {
        Some(k) => k,
        None => {
            let raw = m.get("type").and_then(Value::as_str).unwrap_or_default();
            Kind::parse(raw).ok_or_else(|| {
                Rejection::new(
                    "invalid_type",
                    format!(
                        "type {raw:?} is not one of track, identify, page, screen, group, alias"
                    ),
                )
            })?
        }
    };
    let message_id = match m.get("messageId") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => content_id(&m),
    };
    let str_field = |m: &Map<String, Value>, k: &str| -> Result<Option<String>, Rejection> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
            // Segment's libraries accept numeric ids and send them as numbers.
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(Rejection::new(
                "invalid_id",
                format!("{k} must be a string"),
            )),
        }
    };
    let obj_field =
        |m: &mut Map<String, Value>, k: &str| -> Result<Option<Map<String, Value>>, Rejection> {
            match m.remove(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Object(o)) => Ok(Some(o)),
                Some(_) => Err(Rejection::new(
                    "invalid_event",
                    format!("{k} must be an object"),
                )),
            }
        };
    let user_id = str_field(&m, "userId")?;
    let anonymous_id = str_field(&m, "anonymousId")?;
    let mut properties = obj_field(&mut m, "properties")?.unwrap_or_default();
    let mut traits = obj_field(&mut m, "traits")?;
    let mut context = obj_field(&mut m, "context")?;
    if let Some(defaults) = &defaults.context {
        let own = context.get_or_insert_with(Map::new);
        for (k, v) in defaults {
            own.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let integrations = obj_field(&mut m, "integrations")?.or_else(|| defaults.integrations.clone());
    if let Some(i) = integrations {
        context
            .get_or_insert_with(Map::new)
            .insert("integrations".to_owned(), Value::Object(i));
    }
    // Our tracker sends `sessionId` at the top level; other libraries in the context, and
    // RudderStack's browser SDK as a number (milliseconds since the session started).
    let session_id = str_field(&m, "sessionId")?.or_else(|| {
        match context.as_ref().and_then(|c| c.get("sessionId")) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    });
    // RudderStack's spec puts identify traits in `context.traits`; Segment's at the top.
    if kind == Kind::Identify && traits.is_none() {
        traits = context
            .as_ref()
            .and_then(|c| c.get("traits"))
            .and_then(Value::as_object)
            .filter(|t| !t.is_empty())
            .cloned();
    }

    let mut link = None;
    let name = match kind {
        Kind::Track => match m.get("event") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                return Err(Rejection::new(
                    "missing_type",
                    "a track call needs an event name",
                ));
            }
        },
        Kind::Page | Kind::Screen => {
            for k in ["name", "category"] {
                if let Some(v) = m.get(k).filter(|v| !v.is_null()) {
                    properties.entry(k.to_owned()).or_insert_with(|| v.clone());
                }
            }
            if kind == Kind::Page {
                "page_view"
            } else {
                "screen_view"
            }
            .to_owned()
        }
        Kind::Identify => {
            if let (Some(anon), Some(user)) = (&anonymous_id, &user_id) {
                link = Some(IdentityLink {
                    from: anon.clone(),
                    to: user.clone(),
                });
            }
            "identify".to_owned()
        }
        Kind::Group => {
            let group_id = str_field(&m, "groupId")?.ok_or_else(|| {
                Rejection::new("missing_group_id", "a group call needs a groupId")
            })?;
            let group_traits = traits.take().unwrap_or_default();
            properties.insert("groupId".to_owned(), Value::String(group_id.clone()));
            properties.insert("traits".to_owned(), Value::Object(group_traits.clone()));
            let mut on_profile = Map::new();
            on_profile.insert(
                "group".to_owned(),
                serde_json::json!({ "id": group_id, "traits": group_traits }),
            );
            traits = Some(on_profile);
            "group".to_owned()
        }
        Kind::Alias => {
            let previous = str_field(&m, "previousId")?.ok_or_else(|| {
                Rejection::new("missing_previous_id", "an alias call needs a previousId")
            })?;
            let Some(user) = &user_id else {
                return Err(Rejection::new(
                    "missing_identity",
                    "an alias call needs a userId",
                ));
            };
            properties.insert("previousId".to_owned(), Value::String(previous.clone()));
            link = Some(IdentityLink {
                from: previous,
                to: user.clone(),
            });
            "alias".to_owned()
        }
    };
    // A track call's traits describe the user at that moment (analytics.js strips them);
    // only identify and group calls change the profile's traits.
    if kind == Kind::Track {
        traits = None;
    }
    let time = |k: &str| -> Result<Option<DateTime<FixedOffset>>, Rejection> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
                .map(Some)
                .map_err(|e| Rejection::new("invalid_timestamp", format!("{k}: {e}"))),
            Some(_) => Err(Rejection::new(
                "invalid_timestamp",
                format!("{k} must be an RFC 3339 string"),
            )),
        }
    };
    let incoming = IncomingEvent {
        message_id: Some(message_id),
        user_id,
        anonymous_id,
        session_id,
        event_type: None,
        event: Some(name),
        properties: Some(properties),
        context,
        traits,
        timestamp: time("timestamp")?,
        original_timestamp: time("originalTimestamp")?,
        sent_at: time("sentAt")?.or(defaults.sent_at),
    };
    let event = normalise(incoming, raw_bytes, received_at, limits)?;
    Ok(Message { kind, event, link })
}

/// A stable id for a message that carries none: SHA-256 over its content in key order,
/// leaving out `sentAt` and `writeKey` (a library re-sending it may change those).
fn content_id(m: &Map<String, Value>) -> String {
    fn feed(h: &mut Sha256, v: &Value) {
        match v {
            Value::Object(o) => {
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                h.update(b"{");
                for k in keys {
                    h.update(k.as_bytes());
                    h.update(b":");
                    feed(h, &o[k]);
                    h.update(b",");
                }
                h.update(b"}");
            }
            Value::Array(a) => {
                h.update(b"[");
                for i in a {
                    feed(h, i);
                    h.update(b",");
                }
                h.update(b"]");
            }
            other => h.update(other.to_string().as_bytes()),
        }
    }
    let mut trimmed = m.clone();
    trimmed.remove("sentAt");
    trimmed.remove("writeKey");
    let mut h = Sha256::new();
    feed(&mut h, &Value::Object(trimmed));
    let digest = h.finalize();
    format!("seg-{}", hex_prefix(&digest[..16]))
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
            .single()
            .expect("date")
    }

    fn parse(v: Value, kind: Option<Kind>) -> Result<Message, Rejection> {
        let n = v.to_string().len();
        parse_message(v, kind, n, &BatchDefaults::default(), now(), &limits())
    }

    #[test]
    fn track_keeps_its_name_properties_context_and_integrations() {
        let m = parse(
            json!({"type": "track", "event": "Order Completed", "userId": "u1",
                "messageId": "m1", "properties": {"total": 12.5},
                "context": {"ip": "1.2.3.4"}, "integrations": {"All": false},
                "traits": {"ignored": true}}),
            None,
        )
        .expect("valid");
        assert_eq!(m.kind, Kind::Track);
        assert_eq!(m.event.event_id, "m1");
        assert_eq!(m.event.event_type.as_str(), "Order Completed");
        assert_eq!(m.event.properties["total"], json!(12.5));
        assert_eq!(m.event.context["integrations"], json!({"All": false}));
        assert_eq!(m.event.traits, None);
        assert!(m.link.is_none());
    }

    #[test]
    fn page_and_screen_become_views_with_name_and_category() {
        let m = parse(
            json!({"anonymousId": "a1", "name": "Home", "category": "Shop",
                "properties": {"path": "/"}}),
            Some(Kind::Page),
        )
        .expect("valid");
        assert_eq!(m.event.event_type.as_str(), "page_view");
        assert_eq!(m.event.properties["name"], json!("Home"));
        assert_eq!(m.event.properties["category"], json!("Shop"));
        let m = parse(
            json!({"type": "screen", "userId": "u", "name": "Cart"}),
            None,
        )
        .expect("valid");
        assert_eq!(m.event.event_type.as_str(), "screen_view");
    }

    #[test]
    fn identify_with_both_ids_and_alias_link_identities() {
        let m = parse(
            json!({"type": "identify", "userId": "u1", "anonymousId": "a1",
                "traits": {"email": "x@y.z"}}),
            None,
        )
        .expect("valid");
        assert_eq!(
            m.link,
            Some(IdentityLink {
                from: "a1".into(),
                to: "u1".into()
            })
        );
        assert_eq!(m.event.traits.expect("traits")["email"], json!("x@y.z"));
        let m = parse(
            json!({"userId": "u2", "previousId": "a2"}),
            Some(Kind::Alias),
        )
        .expect("valid");
        assert_eq!(m.event.event_type.as_str(), "alias");
        assert_eq!(
            m.link,
            Some(IdentityLink {
                from: "a2".into(),
                to: "u2".into()
            })
        );
        let err = parse(json!({"userId": "u2"}), Some(Kind::Alias)).expect_err("no previousId");
        assert_eq!(err.code, "missing_previous_id");
        let m = parse(json!({"type": "identify", "userId": "u1"}), None).expect("valid");
        assert!(m.link.is_none());
    }

    #[test]
    fn rudderstack_identify_traits_and_numeric_session_come_from_the_context() {
        let m = parse(
            json!({"type": "identify", "userId": "u1", "anonymousId": "a1",
                "context": {"traits": {"email": "x@y.z"}, "sessionId": 1_764_990_000_123_i64}}),
            None,
        )
        .expect("valid");
        assert_eq!(m.event.traits.expect("traits")["email"], json!("x@y.z"));
        assert_eq!(m.event.session_id.as_deref(), Some("1764990000123"));
        // Top-level traits win; a track call's context traits never reach the profile.
        let m = parse(
            json!({"type": "identify", "userId": "u1", "traits": {"plan": "pro"},
                "context": {"traits": {"plan": "free"}}}),
            None,
        )
        .expect("valid");
        assert_eq!(m.event.traits.expect("traits")["plan"], json!("pro"));
        let m = parse(
            json!({"type": "track", "event": "x", "userId": "u1",
                "context": {"traits": {"plan": "free"}, "sessionId": "s-1"}}),
            None,
        )
        .expect("valid");
        assert_eq!(m.event.traits, None);
        assert_eq!(m.event.session_id.as_deref(), Some("s-1"));
    }

    #[test]
    fn group_puts_the_group_on_the_profile() {
        let m = parse(
            json!({"type": "group", "userId": "u1", "groupId": "g1",
                "traits": {"plan": "pro"}}),
            None,
        )
        .expect("valid");
        assert_eq!(
            m.event.traits.expect("traits")["group"],
            json!({"id": "g1", "traits": {"plan": "pro"}})
        );
        assert_eq!(m.event.properties["groupId"], json!("g1"));
    }

    #[test]
    fn a_missing_message_id_is_derived_from_the_content() {
        let a = parse(
            json!({"type": "track", "event": "x", "userId": "u", "sentAt": "2026-03-01T12:00:00Z",
                "timestamp": "2026-03-01T11:00:00Z"}),
            None,
        )
        .expect("valid");
        let b = parse(
            json!({"timestamp": "2026-03-01T11:00:00Z", "userId": "u", "event": "x",
                "type": "track", "sentAt": "2026-03-01T12:00:05Z"}),
            None,
        )
        .expect("valid");
        assert_eq!(a.event.event_id, b.event.event_id);
        let c = parse(json!({"type": "track", "event": "y", "userId": "u"}), None).expect("valid");
        assert_ne!(a.event.event_id, c.event.event_id);
    }

    #[test]
    fn batch_sent_at_corrects_clock_skew_and_message_sent_at_wins() {
        let defaults = BatchDefaults {
            sent_at: DateTime::parse_from_rfc3339("2026-03-01T13:00:00Z").ok(),
            ..BatchDefaults::default()
        };
        let v = json!({"type": "track", "event": "x", "userId": "u",
            "timestamp": "2026-03-01T12:59:50Z"});
        let m = parse_message(v, None, 10, &defaults, now(), &limits()).expect("valid");
        assert_eq!(m.event.occurred_at, now() - chrono::Duration::seconds(10));
    }

    #[test]
    fn bad_messages_are_rejected_with_a_reason() {
        for (v, code) in [
            (json!({"type": "track", "userId": "u"}), "missing_type"),
            (json!({"type": "nope", "userId": "u"}), "invalid_type"),
            (json!({"type": "track", "event": "x"}), "missing_identity"),
            (json!({"type": "group", "userId": "u"}), "missing_group_id"),
            (
                json!({"type": "track", "event": "x", "userId": "u", "timestamp": "yesterday"}),
                "invalid_timestamp",
            ),
            (
                json!({"type": "track", "event": "x", "userId": {"a": 1}}),
                "invalid_id",
            ),
            (json!("text"), "invalid_event"),
        ] {
            assert_eq!(
                parse(v.clone(), None).expect_err("invalid").code,
                code,
                "{v}"
            );
        }
    }
}
