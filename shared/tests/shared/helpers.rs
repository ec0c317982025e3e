//! Test fixtures: stores on their own data directory or database, and event builders.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use shared::event::{Event, EventType};
use shared::settings::Settings;
use shared::storage::{self, Store};

/// A store plus whatever keeps it alive (its temporary directory).
pub struct TestStore {
    pub store: Arc<dyn Store>,
    pub _dir: Option<tempfile::TempDir>,
}

pub fn settings(pairs: &[(&str, String)]) -> Settings {
    Settings::load_from(
        None,
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())),
    )
    .expect("test settings are valid")
}

pub async fn sqlite() -> TestStore {
    sqlite_with(&[]).await.0
}

/// A SQLite store with `extra` settings, and its settings (to open it again).
pub async fn sqlite_with(extra: &[(&str, String)]) -> (TestStore, Settings) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut pairs = vec![("APP__STORAGE__DATA_DIR", dir.path().display().to_string())];
    pairs.extend_from_slice(extra);
    let s = settings(&pairs);
    let store = TestStore {
        store: storage::open(&s).await.expect("sqlite opens"),
        _dir: Some(dir),
    };
    (store, s)
}

/// A MongoDB store on a fresh database, or `None` (with a SKIP line) without `MONGODB_URI`.
pub async fn mongodb() -> Option<TestStore> {
    Some(mongodb_with(&[]).await?.0)
}

/// [`mongodb`] with `extra` settings, and its settings (to open it again).
pub async fn mongodb_with(extra: &[(&str, String)]) -> Option<(TestStore, Settings)> {
    let Ok(uri) = std::env::var("MONGODB_URI") else {
        eprintln!("SKIP: MONGODB_URI is not set; MongoDB conformance not run");
        return None;
    };
    let db = format!("shoptrail_test_{}", uuid::Uuid::now_v7().simple());
    let mut pairs = vec![
        ("APP__STORAGE__ENGINE", "mongodb".into()),
        ("APP__STORAGE__MONGODB_URI", uri),
        ("APP__STORAGE__MONGODB_DATABASE", db),
    ];
    pairs.extend_from_slice(extra);
    let s = settings(&pairs);
    let store = TestStore {
        store: storage::open(&s).await.expect("mongodb opens"),
        _dir: None,
    };
    Some((store, s))
}

pub fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("valid time")
}

/// 2026-03-10T00:00:00Z in ms.
pub const DAY0: i64 = 1_773_100_800_000;
pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 24 * HOUR;

pub fn event(id: &str, user: &str, kind: &str, occurred_ms: i64) -> Event {
    Event {
        event_id: id.to_owned(),
        user_id: Some(user.to_owned()),
        anonymous_id: None,
        session_id: Some("s-1".to_owned()),
        event_type: EventType::parse(kind).expect("valid type"),
        properties: obj(json!({ "n": 1 })),
        context: obj(json!({ "page": { "path": "/" } })),
        traits: None,
        occurred_at: at(occurred_ms),
        sent_at: None,
        received_at: at(occurred_ms + 5),
        timestamp_clamped: false,
        derived: None,
        source: None,
    }
}

pub fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("a JSON object")
}
