//! Documents and values: events and profiles to and from BSON, escaped trait keys, JSON
//! kept as text where it must round-trip exactly.

use super::*;
use crate::profile::Profile;

pub(super) fn bson_time(t: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_millis(t.timestamp_millis())
}

pub(super) fn day_key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(super) fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("bad day {s:?}: {e}"))
}

pub(super) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Event properties, context and traits are stored as JSON text: their keys may contain `.`
/// or start with `$`, and numbers must come back exactly as sent.
pub(super) fn json_text(m: &Map<String, Value>) -> Result<String, StoreError> {
    serde_json::to_string(m).map_err(|e| StoreError::Internal(format!("cannot encode JSON: {e}")))
}

pub(super) fn event_to_doc(e: &Event) -> Result<Document, StoreError> {
    let mut d = doc! {
        "_id": &e.event_id,
        "profile_id": e.profile_id(),
        "type": e.event_type.as_str(),
        "occurred_at": bson_time(e.occurred_at),
        "received_at": bson_time(e.received_at),
        "timestamp_clamped": e.timestamp_clamped,
        "properties": json_text(&e.properties)?,
        "context": json_text(&e.context)?,
    };
    if let Some(v) = &e.user_id {
        d.insert("user_id", v);
    }
    if let Some(v) = &e.anonymous_id {
        d.insert("anonymous_id", v);
    }
    if let Some(v) = &e.session_id {
        d.insert("session_id", v);
    }
    if let Some(t) = e.sent_at {
        d.insert("sent_at", bson_time(t));
    }
    if let Some(t) = &e.traits {
        d.insert("traits", json_text(t)?);
    }
    if let Some(v) = &e.source {
        d.insert("source", v);
    }
    // A native subdocument (its keys are ours and its values plain), so the database can
    // group and filter by it.
    if let Some(v) = &e.derived {
        let derived = bson::to_document(v)
            .map_err(|e| StoreError::Internal(format!("cannot encode derived fields: {e}")))?;
        d.insert("derived", derived);
    }
    Ok(d)
}

pub(super) fn event_from_doc(d: &Document) -> Result<Event, StoreError> {
    let decode = || -> Result<Event, String> {
        let type_name = req_str(d, "type")?;
        Ok(Event {
            event_id: req_str(d, "_id")?.to_owned(),
            user_id: opt_str(d, "user_id")?,
            anonymous_id: opt_str(d, "anonymous_id")?,
            session_id: opt_str(d, "session_id")?,
            event_type: EventType::parse(type_name)?,
            properties: opt_json(d, "properties")?.unwrap_or_default(),
            context: opt_json(d, "context")?.unwrap_or_default(),
            traits: opt_json(d, "traits")?,
            occurred_at: req_time(d, "occurred_at")?,
            sent_at: opt_time(d, "sent_at")?,
            received_at: req_time(d, "received_at")?,
            timestamp_clamped: match d.get("timestamp_clamped") {
                None | Some(Bson::Null) => false,
                Some(Bson::Boolean(b)) => *b,
                Some(other) => return Err(wrong_type("timestamp_clamped", other)),
            },
            source: opt_str(d, "source")?,
            derived: match d.get("derived") {
                None | Some(Bson::Null) => None,
                Some(Bson::Document(doc)) => {
                    Some(bson::from_document(doc.clone()).map_err(|e| format!("derived: {e}"))?)
                }
                Some(other) => return Err(wrong_type("derived", other)),
            },
        })
    };
    decode().map_err(|why| malformed("event", d, &why))
}

pub(super) fn user_from_doc(d: &Document) -> Result<UserProfile, StoreError> {
    profile_from_doc(d).map(UserProfile::from)
}

/// A profile as stored in `users` (trait keys escaped, see `map_to_doc`).
pub(super) fn profile_to_doc(p: &Profile) -> Document {
    let mut d = doc! {
        "_id": &p.id,
        "user_id": opt_bson(p.user_id.as_ref()),
        "anonymous": p.user_id.is_none(),
        "anonymous_id": opt_bson(p.anonymous_id.as_ref()),
        "first_seen": bson_time(p.first_seen),
        "last_seen": bson_time(p.last_seen),
        "last_event_type": &p.last_event_type,
        "event_count": to_i64(p.event_count),
        // The users list's search: an indexed array, matched by prefix range.
        "search": crate::people::search_terms(&p.id, &p.traits),
    };
    if !p.traits.is_empty() {
        d.insert("traits", map_to_doc(&p.traits));
    }
    d
}

pub(super) fn profile_from_doc(d: &Document) -> Result<Profile, StoreError> {
    let decode = || -> Result<Profile, String> {
        Ok(Profile {
            id: req_str(d, "_id")?.to_owned(),
            user_id: opt_str(d, "user_id")?,
            anonymous_id: opt_str(d, "anonymous_id")?,
            first_seen: req_time(d, "first_seen")?,
            last_seen: req_time(d, "last_seen")?,
            event_count: req_count(d, "event_count")?,
            last_event_type: req_str(d, "last_event_type")?.to_owned(),
            traits: match d.get("traits") {
                None | Some(Bson::Null) => Map::new(),
                Some(Bson::Document(t)) => doc_to_map(t),
                Some(other) => return Err(wrong_type("traits", other)),
            },
        })
    };
    decode().map_err(|why| malformed("user", d, &why))
}

pub(super) fn malformed(what: &str, d: &Document, why: &str) -> StoreError {
    let id = d
        .get("_id")
        .map_or_else(|| "?".to_owned(), ToString::to_string);
    StoreError::Internal(truncate(format!("stored {what} {id} is malformed: {why}")))
}

pub(super) fn wrong_type(key: &str, v: &Bson) -> String {
    format!("field {key} has BSON type {:?}", v.element_type())
}

pub(super) fn req_str<'a>(d: &'a Document, key: &str) -> Result<&'a str, String> {
    match d.get(key) {
        Some(Bson::String(s)) => Ok(s),
        Some(other) => Err(wrong_type(key, other)),
        None => Err(format!("field {key} is missing")),
    }
}

pub(super) fn opt_str(d: &Document, key: &str) -> Result<Option<String>, String> {
    match d.get(key) {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(key, other)),
    }
}

pub(super) fn opt_time(d: &Document, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match d.get(key) {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::DateTime(t)) => DateTime::from_timestamp_millis(t.timestamp_millis())
            .map(Some)
            .ok_or_else(|| format!("field {key} is out of range")),
        Some(other) => Err(wrong_type(key, other)),
    }
}

pub(super) fn req_time(d: &Document, key: &str) -> Result<DateTime<Utc>, String> {
    opt_time(d, key)?.ok_or_else(|| format!("field {key} is missing"))
}

pub(super) fn opt_json(d: &Document, key: &str) -> Result<Option<Map<String, Value>>, String> {
    match opt_str(d, key)? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("field {key} is not a JSON object: {e}")),
    }
}

pub(super) fn count_of(v: &Bson) -> Option<i64> {
    match v {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        _ => None,
    }
}

pub(super) fn req_count(d: &Document, key: &str) -> Result<u64, String> {
    let v = d
        .get(key)
        .ok_or_else(|| format!("field {key} is missing"))?;
    count_of(v)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| wrong_type(key, v))
}

/// JSON → BSON without extended-JSON interpretation: `{"$date": ...}` in user data stays a
/// plain sub-document. Integers beyond `i64` (up to Decimal128's 34 digits) become
/// Decimal128 so they stay exact. Object keys go through [`encode_key`].
pub(super) fn json_to_bson(v: &Value) -> Bson {
    match v {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Bson::Int64(i)
            } else if let Some(d) = exact_integer(n).and_then(|t| t.parse::<Decimal128>().ok()) {
                Bson::Decimal128(d)
            } else {
                n.as_f64().map_or(Bson::Null, Bson::Double)
            }
        }
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(items) => Bson::Array(items.iter().map(json_to_bson).collect()),
        Value::Object(m) => Bson::Document(map_to_doc(m)),
    }
}

/// The digits of an integer Decimal128 holds exactly (34 significant digits at most).
fn exact_integer(n: &serde_json::Number) -> Option<String> {
    let text = n.to_string();
    let digits = text.strip_prefix('-').unwrap_or(&text);
    (!digits.is_empty() && digits.len() <= 34 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(text)
}

pub(super) fn map_to_doc(m: &Map<String, Value>) -> Document {
    m.iter()
        .map(|(k, v)| (encode_key(k), json_to_bson(v)))
        .collect()
}

/// Escapes a JSON object key for use as a BSON field name.
///
/// BSON field names are C strings, but JSON keys may hold U+0000 (the embedded engine keeps
/// such keys). Unescaped, one such trait key makes the driver refuse to encode the whole
/// `update` command, and with it every batch that carries the event, on every retry. So
/// U+0000 is stored as U+0001 `0`, and U+0001 itself as U+0001 `1`. Every other key, the
/// usual case, is stored unchanged; the mapping is one-to-one, so `$mergeObjects` merges
/// escaped keys exactly as the embedded engine merges the originals.
pub(super) fn encode_key(key: &str) -> String {
    if !key.contains(['\0', KEY_ESCAPE]) {
        return key.to_owned();
    }
    let mut escaped = String::with_capacity(key.len() + 2);
    for c in key.chars() {
        match c {
            '\0' => escaped.extend([KEY_ESCAPE, '0']),
            KEY_ESCAPE => escaped.extend([KEY_ESCAPE, '1']),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The inverse of [`encode_key`]. An escape we did not write is kept as stored.
pub(super) fn decode_key(key: &str) -> String {
    if !key.contains(KEY_ESCAPE) {
        return key.to_owned();
    }
    let mut decoded = String::with_capacity(key.len());
    let mut chars = key.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            (KEY_ESCAPE, Some('0')) => {
                chars.next();
                decoded.push('\0');
            }
            (KEY_ESCAPE, Some('1')) => {
                chars.next();
                decoded.push(KEY_ESCAPE);
            }
            (c, _) => decoded.push(c),
        }
    }
    decoded
}

/// The inverse of [`json_to_bson`]; other BSON types (never written by us) fall back to
/// relaxed extended JSON.
pub(super) fn bson_to_json(b: &Bson) -> Value {
    match b {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Boolean(v) => Value::Bool(*v),
        Bson::Int32(n) => Value::from(*n),
        Bson::Int64(n) => Value::from(*n),
        Bson::Double(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Bson::Decimal128(d) => {
            let text = d.to_string();
            if text.bytes().all(|b| b.is_ascii_digit() || b == b'-')
                && let Ok(n) = text.parse::<serde_json::Number>()
            {
                // Every digit, as written (serde_json keeps them: `arbitrary_precision`).
                Value::Number(n)
            } else {
                text.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::String(text), Value::Number)
            }
        }
        Bson::String(s) => Value::String(s.clone()),
        Bson::Array(items) => Value::Array(items.iter().map(bson_to_json).collect()),
        Bson::Document(d) => Value::Object(doc_to_map(d)),
        other => other.clone().into_relaxed_extjson(),
    }
}

pub(super) fn doc_to_map(d: &Document) -> Map<String, Value> {
    d.iter()
        .map(|(k, v)| (decode_key(k), bson_to_json(v)))
        .collect()
}

pub(super) fn active_user_id(day: &str, profile: &str) -> Document {
    // Field order matters: `_id` equality on a sub-document compares it field by field.
    doc! { "d": day, "p": profile }
}

pub(super) fn active_user_doc(day: &str, profile: &str) -> Document {
    doc! { "_id": active_user_id(day, profile), "d": day }
}

pub(super) fn parse_active_user_id(id: &Bson) -> Option<(String, String)> {
    let id = id.as_document()?;
    Some((
        id.get_str("d").ok()?.to_owned(),
        id.get_str("p").ok()?.to_owned(),
    ))
}

pub(super) fn opt_bson(v: Option<&String>) -> Bson {
    v.map_or(Bson::Null, |s| Bson::String(s.clone()))
}

/// Visits and orders keep their whole value as JSON text in `body`, like event properties.
pub(super) fn body_text<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(format!("cannot encode: {e}")))
}

/// Reads a visit's or order's `body` back.
pub(super) fn body_of<T: serde::de::DeserializeOwned>(
    d: &Document,
    what: &str,
) -> Result<T, StoreError> {
    let text = d
        .get_str("body")
        .map_err(|_| StoreError::Internal(format!("a stored {what} has no body")))?;
    serde_json::from_str(text)
        .map_err(|e| StoreError::Internal(format!("a stored {what} cannot be read: {e}")))
}
