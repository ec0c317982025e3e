//! Tracked users and their journeys on the wire.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use shared::enrich::Derived;
use shared::event::Event;
use shared::storage::UserProfile;
use utoipa::ToSchema;

/// A tracked person or device.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The user id, or the anonymous id for profiles never identified.
    pub user_id: String,
    /// True when the profile is keyed by an anonymous id.
    pub anonymous: bool,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub event_count: u64,
    pub last_event_type: String,
    #[schema(value_type = Object)]
    pub traits: Map<String, Value>,
}

impl From<UserProfile> for User {
    fn from(p: UserProfile) -> Self {
        Self {
            user_id: p.user_id,
            anonymous: p.anonymous,
            first_seen: p.first_seen,
            last_seen: p.last_seen,
            event_count: p.event_count,
            last_event_type: p.last_event_type,
            traits: p.traits,
        }
    }
}

/// A page of the users list: the page envelope plus how many people match in all.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    pub items: Vec<User>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// People matching the search (all people without one), whatever the page.
    pub total: u64,
}

/// The users list as CSV (`GET /v1/users.csv`): RFC 4180 quoting, and cells a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) prefixed with `'`.
pub mod csv {
    use axum::body::Bytes;
    use shared::storage::UserProfile;

    const COLUMNS: [&str; 9] = [
        "userId",
        "anonymous",
        "firstSeen",
        "lastSeen",
        "eventCount",
        "lastEventType",
        "email",
        "name",
        "traits",
    ];

    pub fn header() -> Bytes {
        line(COLUMNS.iter().map(|c| (*c).to_owned())).into()
    }

    pub fn rows(users: &[UserProfile]) -> Bytes {
        let mut out = String::new();
        for u in users {
            let text = |k: &str| {
                u.traits
                    .get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            out.push_str(&line([
                u.user_id.clone(),
                u.anonymous.to_string(),
                u.first_seen
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                u.last_seen
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                u.event_count.to_string(),
                u.last_event_type.clone(),
                text("email"),
                text("name"),
                serde_json::Value::Object(u.traits.clone()).to_string(),
            ]));
        }
        out.into()
    }

    fn line(cells: impl IntoIterator<Item = String>) -> String {
        let mut out = cells
            .into_iter()
            .map(|c| field(&c))
            .collect::<Vec<_>>()
            .join(",");
        out.push_str("\r\n");
        out
    }

    /// One cell: neutralised if a spreadsheet would evaluate it, quoted when needed.
    pub fn field(v: &str) -> String {
        let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{v}")
        } else {
            v.to_owned()
        };
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn cells_are_quoted_and_formulas_neutralised() {
            assert_eq!(super::field("plain"), "plain");
            assert_eq!(super::field("a,b"), "\"a,b\"");
            assert_eq!(super::field("say \"hi\""), "\"say \"\"hi\"\"\"");
            assert_eq!(super::field("=SUM(A1)"), "'=SUM(A1)");
            assert_eq!(super::field("-1,2"), "\"'-1,2\"");
        }
    }
}

/// One user, as `GET /v1/users/{userId}` answers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: User,
    /// Set when the id asked for was merged into this person (an anonymous id that was
    /// identified, or an aliased id): the id asked for. `userId` is the person's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<String>,
}

/// One event of a journey.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JourneyEvent {
    pub event_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(rename = "type")]
    pub event_type: String,
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
    /// True when the corrected time lay too far in the future and was clamped to `receivedAt`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timestamp_clamped: bool,
    /// The named source of the write key that sent the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What the server derived when the event arrived: channel, source and medium,
    /// campaign, page, device, browser, OS, country, bot (see docs/events.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derived: Option<Derived>,
}

impl From<Event> for JourneyEvent {
    fn from(e: Event) -> Self {
        Self {
            event_type: e.event_type.as_str().to_owned(),
            event_id: e.event_id,
            user_id: e.user_id,
            anonymous_id: e.anonymous_id,
            session_id: e.session_id,
            properties: e.properties,
            context: e.context,
            traits: e.traits,
            occurred_at: e.occurred_at,
            sent_at: e.sent_at,
            received_at: e.received_at,
            timestamp_clamped: e.timestamp_clamped,
            source: e.source,
            derived: e.derived,
        }
    }
}

/// One line of a subject-access download (`GET /v1/users/{userId}/export`, NDJSON): the
/// profile first (when one is stored), then the ids, then every event, newest first.
// Each record is built and written out at once, one at a time: boxing the event would cost
// an allocation per line and save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "record", rename_all = "camelCase")]
pub enum AccessRecord {
    /// The stored profile.
    Profile { profile: User },
    /// The person's id and every id linked to them.
    Ids { ids: Vec<String> },
    /// One stored event.
    Event { event: JourneyEvent },
}
