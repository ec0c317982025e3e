//! MongoDB engine: events, profiles and daily rollups in five collections. Each batch is one
//! multi-document transaction (`write`), so events, identity links and the rollups they feed
//! commit together; a replica set or sharded cluster is required (a standalone server is
//! refused at start-up).

use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt as _;
use mongodb::bson::{self, Bson, Decimal128, Document, doc};
use mongodb::error::{
    Error as DriverError, ErrorKind, InsertManyError, RETRYABLE_ERROR, RETRYABLE_WRITE_ERROR,
    SYSTEM_OVERLOADED_ERROR, TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT,
    WriteFailure,
};
use mongodb::options::{Acknowledgment, ClientOptions, DatabaseOptions, ReadConcern, WriteConcern};
use mongodb::{Client, ClientSession, Collection, Database, IndexModel};
use secrecy::ExposeSecret as _;
use serde_json::{Map, Value};

mod accounts;
mod funnels;
mod identity;
mod jobs;
mod write;

use super::*;
use crate::event::EventType;

const EVENTS: &str = "events";
const USERS: &str = "users";
const DAILY_TYPE_COUNTS: &str = "daily_type_counts";
const DAILY_ACTIVE_USERS: &str = "daily_active_users";
const DAILY_USER_COUNTS: &str = "daily_user_counts";
const COLLECTIONS: [&str; 11] = [
    EVENTS,
    USERS,
    DAILY_TYPE_COUNTS,
    DAILY_ACTIVE_USERS,
    DAILY_USER_COUNTS,
    accounts::ACCOUNTS,
    accounts::SESSIONS,
    accounts::WRITE_KEYS,
    accounts::AUDIT_LOG,
    identity::IDENTITIES,
    jobs::JOBS,
];

const DUPLICATE_KEY: i32 = 11000;
const WRITE_CONFLICT: i32 = 112;
const NAMESPACE_EXISTS: i32 = 48;
const MAX_TIME_MS_EXPIRED: i32 = 50;
const INDEX_OPTIONS_CONFLICT: i32 = 85;

/// Server error codes meaning "not now": the primary moved, the node is shutting down, the
/// network failed, or a concurrent writer got in the way. Callers may retry these.
const UNAVAILABLE_CODES: &[i32] = &[
    6,     // HostUnreachable
    7,     // HostNotFound
    50,    // MaxTimeMSExpired
    64,    // WriteConcernFailed
    89,    // NetworkTimeout
    91,    // ShutdownInProgress
    112,   // WriteConflict
    133,   // FailedToSatisfyReadPreference
    134,   // ReadConcernMajorityNotAvailableYet
    189,   // PrimarySteppedDown
    251,   // NoSuchTransaction
    262,   // ExceededTimeLimit
    9001,  // SocketException
    10107, // NotWritablePrimary
    11600, // InterruptedAtShutdown
    11602, // InterruptedDueToReplStateChange
    13435, // NotPrimaryNoSecondaryOk
    13436, // NotPrimaryOrSecondary
];

/// Whole-transaction attempts before a batch is refused as unavailable.
const MAX_TRANSACTION_ATTEMPTS: u32 = 8;
/// No new transaction attempt starts this long after the first: the caller's request has a
/// deadline of its own, and a failing server is better reported than waited on.
const RETRY_WINDOW: Duration = Duration::from_secs(5);
/// Commit attempts when the server cannot say whether a commit happened.
const MAX_COMMIT_ATTEMPTS: u32 = 5;
/// Upper bound on one command's payload; the server allows 16 MiB, so this leaves headroom.
const MAX_COMMAND_BYTES: usize = 8 * 1024 * 1024;
/// Statements or ids per command; the server allows 100,000 statements.
const MAX_ITEMS_PER_COMMAND: usize = 10_000;
/// Escape character of [`encode_key`].
const KEY_ESCAPE: char = '\u{1}';
/// Longest error text kept in a [`StoreError::Internal`].
const MAX_ERROR_CHARS: usize = 400;

/// The MongoDB engine. Cheap to share: the driver's `Client` is a connection pool.
pub struct MongoStore {
    client: Client,
    db: Database,
    events: Collection<Document>,
    users: Collection<Document>,
    type_counts: Collection<Document>,
    active_users: Collection<Document>,
    user_counts: Collection<Document>,
}

/// What kind of deployment `hello` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deployment {
    ReplicaSet,
    Sharded,
    Standalone,
}

impl Deployment {
    fn from_hello(hello: &Document) -> Self {
        if hello.get_str("msg").is_ok_and(|m| m == "isdbgrid") {
            Deployment::Sharded
        } else if hello.get_str("setName").is_ok() {
            Deployment::ReplicaSet
        } else {
            Deployment::Standalone
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Deployment::ReplicaSet => "replica_set",
            Deployment::Sharded => "sharded",
            Deployment::Standalone => "standalone",
        }
    }
}

/// Transactions need server sessions, which `hello` advertises with this field.
fn supports_sessions(hello: &Document) -> bool {
    hello
        .get("logicalSessionTimeoutMinutes")
        .is_some_and(|v| !matches!(v, Bson::Null))
}

impl MongoStore {
    /// Connects, checks the server answers, creates collections and indexes, and picks the
    /// write path (transactions when the deployment supports them).
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let uri = settings
            .storage
            .mongodb_uri
            .as_ref()
            .context("storage.mongodb_uri is required when storage.engine = \"mongodb\"")?
            .expose_secret();
        let mut redactor = Redactor::from_uri(uri);
        let mut options = ClientOptions::parse(uri)
            .await
            .map_err(|e| startup_error("Failed to parse storage.mongodb_uri", &e, &redactor))?;
        if let Some(password) = options.credential.as_ref().and_then(|c| c.password.clone()) {
            redactor.add(password);
        }
        // An appName given in the URI is the operator's choice; otherwise name ourselves in
        // server logs and currentOp.
        options
            .app_name
            .get_or_insert_with(|| "shoptrail".to_owned());
        let client = Client::with_options(options)
            .map_err(|e| startup_error("Failed to create the MongoDB client", &e, &redactor))?;
        let db = client.database_with_options(
            &settings.storage.mongodb_database,
            DatabaseOptions::builder()
                .write_concern(durable_write_concern())
                .read_concern(ReadConcern::majority())
                // Whatever the URI says (DocumentDB guides give secondaryPreferred): the
                // write path and the job queue read what they just wrote.
                .selection_criteria(write::primary())
                .build(),
        );
        db.run_command(doc! { "ping": 1 })
            .await
            .map_err(|e| startup_error("Failed to reach MongoDB", &e, &redactor))?;
        let hello = hello(&db).await.map_err(|e| {
            startup_error("Failed to ask MongoDB about its topology", &e, &redactor)
        })?;
        ensure_schema(&db).await.map_err(|e| {
            startup_error(
                "Failed to create MongoDB collections and indexes",
                &e,
                &redactor,
            )
        })?;

        let deployment = Deployment::from_hello(&hello);
        let sessions = supports_sessions(&hello);
        let database = settings.storage.mongodb_database.as_str();
        if deployment == Deployment::Standalone || !sessions {
            // Every batch is one transaction (events, links, rollups and profiles commit
            // together or not at all); a standalone server has none.
            anyhow::bail!(
                "MongoDB at storage.mongodb_uri is a {} server{}: Shoptrail needs transactions, \
                 which only a replica set or a sharded cluster has. For development a \
                 single-node replica set is enough: start mongod with --replSet rs0, run \
                 rs.initiate() once, and add ?replicaSet=rs0 to the URI.",
                deployment.as_str(),
                if sessions { "" } else { " without sessions" },
            );
        }
        tracing::info!(
            engine = "mongodb",
            database,
            deployment = deployment.as_str(),
            "MongoDB storage ready."
        );

        Ok(Self {
            events: db.collection(EVENTS),
            users: db.collection(USERS),
            type_counts: db.collection(DAILY_TYPE_COUNTS),
            active_users: db.collection(DAILY_ACTIVE_USERS),
            user_counts: db.collection(DAILY_USER_COUNTS),
            client,
            db,
        })
    }
}

/// Whether a commit whose outcome is unknown is worth sending again. The driver labels
/// server-selection failures `UnknownTransactionCommitResult` too, but each of those has
/// already waited the full selection timeout (30 s by default): five more would hold the
/// caller for minutes. A commit that ran out of `maxTimeMS` would run out again (the driver's
/// own `and_run` does not retry that either). Either way the caller gets `Unavailable` and may
/// retry the batch, which re-reads the stored ids, so nothing is counted twice.
fn commit_worth_retrying(e: &DriverError) -> bool {
    !matches!(e.kind.as_ref(), ErrorKind::ServerSelection { .. })
        && !error_codes(e).contains(&MAX_TIME_MS_EXPIRED)
}

/// `w: majority, j: true`: acknowledge only writes that survive a crash and a failover.
fn durable_write_concern() -> WriteConcern {
    WriteConcern::builder()
        .w(Acknowledgment::Majority)
        .journal(true)
        .build()
}

async fn hello(db: &Database) -> Result<Document, DriverError> {
    match db.run_command(doc! { "hello": 1 }).await {
        Ok(reply) => Ok(reply),
        // Servers before 4.4.2 (and some compatible services) only know the legacy name.
        Err(e) if matches!(e.kind.as_ref(), ErrorKind::Command(_)) => {
            db.run_command(doc! { "isMaster": 1 }).await
        }
        Err(e) => Err(e),
    }
}

/// Creates missing collections up front (MongoDB 4.2 cannot create one inside a
/// transaction) and the secondary indexes; both are no-ops when already there.
async fn ensure_schema(db: &Database) -> Result<(), DriverError> {
    let existing: HashSet<String> = db.list_collection_names().await?.into_iter().collect();
    for name in COLLECTIONS {
        if existing.contains(name) {
            continue;
        }
        match db.create_collection(name).await {
            Ok(()) => {}
            // Another instance starting at the same time created it first.
            Err(e) if command_code(&e) == Some(NAMESPACE_EXISTS) => {}
            Err(e) => return Err(e),
        }
    }
    let indexes = [
        (
            EVENTS,
            doc! { "profile_id": 1, "occurred_at": -1, "_id": -1 },
        ),
        (USERS, doc! { "last_seen": -1, "_id": -1 }),
        (DAILY_TYPE_COUNTS, doc! { "d": 1 }),
        (DAILY_ACTIVE_USERS, doc! { "d": 1 }),
        // An identity link moves the earlier id's active days: found by profile.
        (DAILY_ACTIVE_USERS, doc! { "_id.p": 1 }),
    ];
    let indexes = indexes
        .into_iter()
        .map(|(name, keys)| (name, IndexModel::builder().keys(keys).build()))
        .chain(accounts::indexes())
        .chain(identity::indexes())
        .chain(jobs::indexes());
    for (name, model) in indexes {
        // Re-creating an identical index (same keys, options and the driver's derived name)
        // is a no-op for the server, so restarts are fine.
        match db
            .collection::<Document>(name)
            .create_indexes([model])
            .await
        {
            Ok(_) => {}
            // An index on exactly these keys already exists under another name (or with other
            // options), e.g. one an operator created by hand. The queries only need the keys,
            // so start anyway rather than refuse to; a different index holding our name
            // (IndexKeySpecsConflict) still fails start-up.
            Err(e) if command_code(&e) == Some(INDEX_OPTIONS_CONFLICT) => {
                tracing::warn!(
                    collection = name,
                    error = %e.kind,
                    "A MongoDB index on the same keys already exists; keeping it."
                );
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The `_id`s among `ids` already stored in `coll`, read inside the transaction.
async fn existing_ids(
    coll: &Collection<Document>,
    ids: Vec<Bson>,
    session: &mut ClientSession,
) -> Result<Vec<Bson>, Failure> {
    let mut found = Vec::new();
    for chunk in chunk_by_size(ids, bson_len, MAX_COMMAND_BYTES, MAX_ITEMS_PER_COMMAND) {
        let mut cursor = coll
            .find(doc! { "_id": { "$in": chunk } })
            .projection(doc! { "_id": 1 })
            .session(&mut *session)
            .await?;
        while let Some(d) = cursor.next(&mut *session).await.transpose()? {
            if let Some(id) = d.get("_id") {
                found.push(id.clone());
            }
        }
    }
    Ok(found)
}

/// Splits `items` into runs that fit one command.
fn chunk_by_size<T>(
    items: Vec<T>,
    size: impl Fn(&T) -> usize,
    max_bytes: usize,
    max_items: usize,
) -> Vec<Vec<T>> {
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for item in items {
        let n = size(&item);
        if !current.is_empty() && (bytes + n > max_bytes || current.len() >= max_items) {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += n;
        current.push(item);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

fn doc_len(d: &Document) -> usize {
    // Serialising a document built from valid values cannot fail; overestimate if it does.
    bson::to_vec(d).map_or(MAX_COMMAND_BYTES, |v| v.len())
}

fn bson_len(b: &Bson) -> usize {
    // Element overhead: type byte, array index key, terminators.
    16 + match b {
        Bson::String(s) => s.len(),
        Bson::Document(d) => doc_len(d),
        _ => 16,
    }
}

fn bson_time(t: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_millis(t.timestamp_millis())
}

fn day_key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("bad day {s:?}: {e}"))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Event properties, context and traits are stored as JSON text: their keys may contain `.`
/// or start with `$`, and numbers must come back exactly as sent.
fn json_text(m: &Map<String, Value>) -> Result<String, StoreError> {
    serde_json::to_string(m).map_err(|e| StoreError::Internal(format!("cannot encode JSON: {e}")))
}

fn event_to_doc(e: &Event) -> Result<Document, StoreError> {
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
    Ok(d)
}

fn event_from_doc(d: &Document) -> Result<Event, StoreError> {
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
        })
    };
    decode().map_err(|why| malformed("event", d, &why))
}

fn user_from_doc(d: &Document) -> Result<UserProfile, StoreError> {
    let decode = || -> Result<UserProfile, String> {
        Ok(UserProfile {
            user_id: req_str(d, "_id")?.to_owned(),
            anonymous: match d.get("anonymous") {
                Some(Bson::Boolean(b)) => *b,
                _ => opt_str(d, "user_id")?.is_none(),
            },
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

fn malformed(what: &str, d: &Document, why: &str) -> StoreError {
    let id = d
        .get("_id")
        .map_or_else(|| "?".to_owned(), ToString::to_string);
    StoreError::Internal(truncate(format!("stored {what} {id} is malformed: {why}")))
}

fn wrong_type(key: &str, v: &Bson) -> String {
    format!("field {key} has BSON type {:?}", v.element_type())
}

fn req_str<'a>(d: &'a Document, key: &str) -> Result<&'a str, String> {
    match d.get(key) {
        Some(Bson::String(s)) => Ok(s),
        Some(other) => Err(wrong_type(key, other)),
        None => Err(format!("field {key} is missing")),
    }
}

fn opt_str(d: &Document, key: &str) -> Result<Option<String>, String> {
    match d.get(key) {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(key, other)),
    }
}

fn opt_time(d: &Document, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match d.get(key) {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::DateTime(t)) => DateTime::from_timestamp_millis(t.timestamp_millis())
            .map(Some)
            .ok_or_else(|| format!("field {key} is out of range")),
        Some(other) => Err(wrong_type(key, other)),
    }
}

fn req_time(d: &Document, key: &str) -> Result<DateTime<Utc>, String> {
    opt_time(d, key)?.ok_or_else(|| format!("field {key} is missing"))
}

fn opt_json(d: &Document, key: &str) -> Result<Option<Map<String, Value>>, String> {
    match opt_str(d, key)? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("field {key} is not a JSON object: {e}")),
    }
}

fn count_of(v: &Bson) -> Option<i64> {
    match v {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        _ => None,
    }
}

fn req_count(d: &Document, key: &str) -> Result<u64, String> {
    let v = d
        .get(key)
        .ok_or_else(|| format!("field {key} is missing"))?;
    count_of(v)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| wrong_type(key, v))
}

/// JSON → BSON without extended-JSON interpretation: `{"$date": ...}` in user data stays a
/// plain sub-document. Integers beyond `i64` become Decimal128 so they stay exact. Object
/// keys go through [`encode_key`].
fn json_to_bson(v: &Value) -> Bson {
    match v {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Bson::Int64(i)
            } else if let Some(d) = n
                .as_u64()
                .and_then(|u| u.to_string().parse::<Decimal128>().ok())
            {
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

fn map_to_doc(m: &Map<String, Value>) -> Document {
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
fn encode_key(key: &str) -> String {
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
fn decode_key(key: &str) -> String {
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
fn bson_to_json(b: &Bson) -> Value {
    match b {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Boolean(v) => Value::Bool(*v),
        Bson::Int32(n) => Value::from(*n),
        Bson::Int64(n) => Value::from(*n),
        Bson::Double(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Bson::Decimal128(d) => {
            let text = d.to_string();
            if let Ok(u) = text.parse::<u64>() {
                Value::from(u)
            } else if let Ok(i) = text.parse::<i64>() {
                Value::from(i)
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

fn doc_to_map(d: &Document) -> Map<String, Value> {
    d.iter()
        .map(|(k, v)| (decode_key(k), bson_to_json(v)))
        .collect()
}

fn active_user_id(day: &str, profile: &str) -> Document {
    // Field order matters: `_id` equality on a sub-document compares it field by field.
    doc! { "d": day, "p": profile }
}

fn active_user_doc(day: &str, profile: &str) -> Document {
    doc! { "_id": active_user_id(day, profile), "d": day }
}

fn parse_active_user_id(id: &Bson) -> Option<(String, String)> {
    let id = id.as_document()?;
    Some((
        id.get_str("d").ok()?.to_owned(),
        id.get_str("p").ok()?.to_owned(),
    ))
}

/// A raw `update` command: many statements, one round trip, on every server from 4.2 (and
/// DocumentDB), unlike the client-level bulk write that needs 8.0.
fn update_command(collection: &str, statements: Vec<Document>, write_concern: bool) -> Document {
    let mut command = doc! { "update": collection, "updates": statements, "ordered": false };
    if write_concern {
        // `run_command` sends the document as is: database defaults are not applied.
        command.insert("writeConcern", doc! { "w": "majority", "j": true });
    }
    command
}

fn opt_bson(v: Option<&String>) -> Bson {
    v.map_or(Bson::Null, |s| Bson::String(s.clone()))
}

/// A raw `update` reply is `ok: 1` even when statements failed: the failures are in
/// `writeErrors` and `writeConcernError`, which the driver does not turn into errors here.
fn check_update_reply(
    collection: &'static str,
    reply: &Document,
    expected: usize,
) -> Result<(), Failure> {
    if let Ok(errors) = reply.get_array("writeErrors")
        && let Some(first) = errors.first().and_then(Bson::as_document)
    {
        return Err(Failure::Statement {
            collection,
            code: first
                .get("code")
                .and_then(count_of)
                .and_then(|c| i32::try_from(c).ok())
                .unwrap_or(-1),
            message: first.get_str("errmsg").unwrap_or_default().to_owned(),
            transient: reply.get_array("errorLabels").is_ok_and(|labels| {
                labels
                    .iter()
                    .any(|l| l.as_str() == Some(TRANSIENT_TRANSACTION_ERROR))
            }),
        });
    }
    if let Ok(wce) = reply.get_document("writeConcernError") {
        let name = wce.get_str("codeName").map_or_else(
            |_| {
                wce.get("code")
                    .map_or_else(String::new, ToString::to_string)
            },
            str::to_owned,
        );
        return Err(Failure::NotDurable {
            collection,
            reason: name,
        });
    }
    let n = reply.get("n").and_then(count_of).unwrap_or(-1);
    if usize::try_from(n).ok() != Some(expected) {
        // Every statement is an upsert on `_id`, so each matches or inserts exactly once.
        tracing::warn!(
            collection,
            expected,
            n,
            "MongoDB applied an unexpected number of rollup updates."
        );
    }
    Ok(())
}

fn fetch_limit(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX)
}

fn journey_filter(profile_id: &str, q: &JourneyQuery) -> Document {
    let mut filter = doc! { "profile_id": profile_id };
    let mut occurred = Document::new();
    if let Some(from) = q.from {
        occurred.insert("$gte", bson_time(from));
    }
    if let Some(to) = q.to {
        occurred.insert("$lt", bson_time(to));
    }
    if !occurred.is_empty() {
        filter.insert("occurred_at", occurred);
    }
    if !q.types.is_empty() {
        filter.insert("type", doc! { "$in": &q.types });
    }
    if let Some(c) = &q.after {
        let t = bson::DateTime::from_millis(c.t);
        filter.insert(
            "$or",
            vec![
                doc! { "occurred_at": { "$lt": t } },
                doc! { "occurred_at": t, "_id": { "$lt": &c.id } },
            ],
        );
    }
    filter
}

fn users_filter(q: &UserQuery) -> Document {
    let mut filter = Document::new();
    if let Some(s) = q.search.as_deref().filter(|s| !s.is_empty()) {
        filter.insert("_id", doc! { "$regex": substring_pattern(s) });
    }
    if let Some(c) = &q.after {
        let t = bson::DateTime::from_millis(c.t);
        filter.insert(
            "$or",
            vec![
                doc! { "last_seen": { "$lt": t } },
                doc! { "last_seen": t, "_id": { "$lt": &c.id } },
            ],
        );
    }
    filter
}

/// A regex matching `needle` as a literal substring, ignoring the case of ASCII letters only:
/// the embedded engine compares with SQLite's `lower()`, which folds ASCII only, and both
/// engines must return the same users. Every other ASCII character is hex-escaped, so no
/// input can form regex syntax.
fn substring_pattern(needle: &str) -> String {
    use std::fmt::Write as _;
    let mut pattern = String::with_capacity(needle.len() * 4);
    for c in needle.chars() {
        if c.is_ascii_alphabetic() {
            pattern.push('[');
            pattern.push(c.to_ascii_lowercase());
            pattern.push(c.to_ascii_uppercase());
            pattern.push(']');
        } else if c.is_ascii_digit() || !c.is_ascii() {
            pattern.push(c);
        } else {
            let _ = write!(pattern, "\\x{{{:02x}}}", u32::from(c));
        }
    }
    pattern
}

/// Trims `items` to `limit` and returns the cursor of the next page when one exists.
fn paginate<T, C>(mut items: Vec<T>, limit: usize, cursor_of: impl Fn(&T) -> C) -> Page<T, C> {
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(cursor_of)
    } else {
        None
    };
    Page { items, next }
}

#[async_trait]
impl EventStore for MongoStore {
    async fn write(&self, batch: WriteBatch) -> Result<WriteOutcome, StoreError> {
        self.write_batch(&batch).await
    }

    async fn journey(
        &self,
        profile_id: &str,
        q: &JourneyQuery,
    ) -> Result<Page<Event, JourneyCursor>, StoreError> {
        let linked = self.linked_to(profile_id).await?;
        let profile_id = linked.as_deref().unwrap_or(profile_id);
        let docs: Vec<Document> = self
            .events
            .find(journey_filter(profile_id, q))
            .sort(doc! { "occurred_at": -1, "_id": -1 })
            .limit(fetch_limit(q.limit))
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        let items = docs
            .iter()
            .map(event_from_doc)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(items, q.limit, |e: &Event| JourneyCursor {
            t: e.occurred_at.timestamp_millis(),
            id: e.event_id.clone(),
        }))
    }

    async fn journey_types(&self, profile_id: &str) -> Result<Vec<String>, StoreError> {
        let linked = self.linked_to(profile_id).await?;
        let profile_id = linked.as_deref().unwrap_or(profile_id);
        let values = self
            .events
            .distinct("type", doc! { "profile_id": profile_id })
            .await
            .map_err(|e| driver_error(&e))?;
        let mut types = values
            .into_iter()
            .map(|v| match v {
                Bson::String(s) => Ok(s),
                other => Err(StoreError::Internal(format!(
                    "stored event type has BSON type {:?}",
                    other.element_type()
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        types.sort();
        Ok(types)
    }
}

#[async_trait]
impl UserStore for MongoStore {
    async fn list_users(&self, q: &UserQuery) -> Result<Page<UserProfile, UserCursor>, StoreError> {
        let docs: Vec<Document> = self
            .users
            .find(users_filter(q))
            .sort(doc! { "last_seen": -1, "_id": -1 })
            .limit(fetch_limit(q.limit))
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        let items = docs
            .iter()
            .map(user_from_doc)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(items, q.limit, |u: &UserProfile| UserCursor {
            t: u.last_seen.timestamp_millis(),
            id: u.user_id.clone(),
        }))
    }

    async fn get_user(&self, profile_id: &str) -> Result<Option<UserProfile>, StoreError> {
        let linked = self.linked_to(profile_id).await?;
        let profile_id = linked.as_deref().unwrap_or(profile_id);
        self.users
            .find_one(doc! { "_id": profile_id })
            .await
            .map_err(|e| driver_error(&e))?
            .as_ref()
            .map(user_from_doc)
            .transpose()
    }
}

#[async_trait]
impl RollupStore for MongoStore {
    async fn rollups(&self, from: NaiveDate, to: NaiveDate) -> Result<RollupRows, StoreError> {
        let range = doc! { "$gte": day_key(from), "$lte": day_key(to) };
        let type_docs: Vec<Document> = self
            .type_counts
            .find(doc! { "d": range.clone() })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        let mut day_type_counts = type_docs
            .iter()
            .map(|d| {
                let decode = || -> Result<(NaiveDate, String, u64), String> {
                    let id = d
                        .get_document("_id")
                        .map_err(|e| format!("field _id: {e}"))?;
                    Ok((
                        parse_day(req_str(id, "d")?)?,
                        req_str(id, "t")?.to_owned(),
                        req_count(d, "count")?,
                    ))
                };
                decode().map_err(|why| malformed("daily type count", d, &why))
            })
            .collect::<Result<Vec<_>, _>>()?;
        day_type_counts.sort();

        let day_docs: Vec<Document> = self
            .user_counts
            .find(doc! { "_id": range.clone() })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        let mut daily_active = day_docs
            .iter()
            .map(|d| {
                let decode = || Ok((parse_day(req_str(d, "_id")?)?, req_count(d, "count")?));
                decode().map_err(|why: String| malformed("daily user count", d, &why))
            })
            .collect::<Result<Vec<_>, _>>()?;
        daily_active.sort();

        let distinct = self
            .active_users
            .aggregate([
                doc! { "$match": { "d": range } },
                doc! { "$group": { "_id": "$_id.p" } },
                doc! { "$count": "n" },
            ])
            .await
            .map_err(|e| driver_error(&e))?
            .try_next()
            .await
            .map_err(|e| driver_error(&e))?;
        let active_users = match &distinct {
            // `$count` emits nothing at all when no document matched.
            None => 0,
            Some(d) => req_count(d, "n").map_err(|why| malformed("active user count", d, &why))?,
        };
        Ok(RollupRows {
            day_type_counts,
            daily_active,
            active_users,
        })
    }
}

#[async_trait]
impl Store for MongoStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.db
            .run_command(doc! { "ping": 1 })
            .await
            .map(drop)
            .map_err(|e| driver_error(&e))
    }

    fn engine(&self) -> &'static str {
        "mongodb"
    }
}

/// Why a write attempt failed, kept apart from [`StoreError`] until we know whether the
/// transaction is worth retrying.
#[derive(Debug)]
enum Failure {
    Driver(DriverError),
    /// A statement of a raw `update` command was refused (its first write error).
    Statement {
        collection: &'static str,
        code: i32,
        message: String,
        /// The reply carried the `TransientTransactionError` label.
        transient: bool,
    },
    /// The writes were applied but the write concern was not confirmed.
    NotDurable {
        collection: &'static str,
        reason: String,
    },
    /// Commit retries ran out without learning whether the transaction committed.
    CommitUnknown,
    /// A stored document could not be read, or a value could not be encoded.
    Decode(StoreError),
}

impl From<DriverError> for Failure {
    fn from(e: DriverError) -> Self {
        Failure::Driver(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Driver(e) => write!(f, "{}", e.kind),
            Failure::Statement {
                collection,
                code,
                message,
                ..
            } => {
                write!(f, "update of {collection} refused (code {code}): {message}")
            }
            Failure::NotDurable { collection, reason } => {
                write!(f, "write concern not confirmed on {collection}: {reason}")
            }
            Failure::CommitUnknown => write!(f, "commit outcome unknown"),
            Failure::Decode(e) => write!(f, "{e}"),
        }
    }
}

impl Failure {
    /// Whether retrying the whole transaction can succeed: the server labelled the error
    /// transient, or a concurrent writer won a race on an `_id`.
    fn is_transient(&self) -> bool {
        match self {
            // Server selection already waited its full timeout: retrying would only make the
            // caller wait that long again.
            Failure::Driver(e) if matches!(e.kind.as_ref(), ErrorKind::ServerSelection { .. }) => {
                false
            }
            Failure::Driver(e) => {
                e.contains_label(TRANSIENT_TRANSACTION_ERROR)
                    || error_codes(e)
                        .iter()
                        .any(|c| *c == DUPLICATE_KEY || *c == WRITE_CONFLICT)
            }
            Failure::Statement {
                code, transient, ..
            } => *transient || *code == DUPLICATE_KEY || *code == WRITE_CONFLICT,
            Failure::NotDurable { .. } | Failure::CommitUnknown | Failure::Decode(_) => false,
        }
    }

    fn into_store_error(self) -> StoreError {
        match self {
            Failure::Driver(e) => driver_error(&e),
            Failure::Statement {
                collection,
                code,
                transient,
                ..
            } if transient || code == DUPLICATE_KEY || code == WRITE_CONFLICT => {
                StoreError::Unavailable(format!("concurrent write to MongoDB {collection}"))
            }
            failure @ Failure::Statement { .. } => {
                StoreError::Internal(truncate(format!("MongoDB: {failure}")))
            }
            Failure::NotDurable { collection, reason } => StoreError::Unavailable(format!(
                "MongoDB could not confirm the {collection} write is durable ({reason})"
            )),
            Failure::CommitUnknown => {
                StoreError::Unavailable("MongoDB could not confirm the batch committed".to_owned())
            }
            Failure::Decode(e) => e,
        }
    }
}

/// Server error codes carried by a driver error, write errors included.
fn error_codes(e: &DriverError) -> Vec<i32> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => vec![c.code],
        ErrorKind::Write(WriteFailure::WriteError(w)) => vec![w.code],
        ErrorKind::Write(WriteFailure::WriteConcernError(w)) => vec![w.code],
        ErrorKind::InsertMany(m) => m
            .write_errors
            .iter()
            .flatten()
            .map(|w| w.code)
            .chain(m.write_concern_error.as_ref().map(|w| w.code))
            .collect(),
        _ => Vec::new(),
    }
}

fn command_code(e: &DriverError) -> Option<i32> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

/// Maps a driver error to the store's error. Texts are short and never carry the URI:
/// only the error kind is shown, never the driver's full report.
fn driver_error(e: &DriverError) -> StoreError {
    let unavailable = |text: String| StoreError::Unavailable(text);
    match e.kind.as_ref() {
        ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => {
            unavailable("MongoDB connection failed".to_owned())
        }
        ErrorKind::ServerSelection { .. } => unavailable("no MongoDB server available".to_owned()),
        ErrorKind::DnsResolve { .. } => unavailable("MongoDB host name did not resolve".to_owned()),
        ErrorKind::Shutdown => unavailable("MongoDB client is shut down".to_owned()),
        ErrorKind::Command(c) if UNAVAILABLE_CODES.contains(&c.code) => unavailable(format!(
            "MongoDB cannot serve the request now ({} {})",
            c.code, c.code_name
        )),
        ErrorKind::Write(WriteFailure::WriteConcernError(w))
        | ErrorKind::InsertMany(InsertManyError {
            write_concern_error: Some(w),
            ..
        }) => unavailable(format!(
            "MongoDB could not confirm the write is durable ({})",
            w.code_name
        )),
        _ if [
            TRANSIENT_TRANSACTION_ERROR,
            RETRYABLE_WRITE_ERROR,
            RETRYABLE_ERROR,
            SYSTEM_OVERLOADED_ERROR,
        ]
        .iter()
        .any(|label| e.contains_label(label)) =>
        {
            unavailable("MongoDB asked for the request to be retried".to_owned())
        }
        kind => StoreError::Internal(truncate(format!("MongoDB: {kind}"))),
    }
}

fn truncate(mut text: String) -> String {
    if let Some((at, _)) = text.char_indices().nth(MAX_ERROR_CHARS) {
        text.truncate(at);
        text.push('…');
    }
    text
}

fn startup_error(what: &str, e: &DriverError, redactor: &Redactor) -> anyhow::Error {
    anyhow::anyhow!("{what}: {}", redactor.apply(&e.kind.to_string()))
}

/// Scrubs the connection string and its credentials from driver messages shown at
/// start-up. The driver already avoids echoing them; this makes sure.
struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    fn from_uri(uri: &str) -> Self {
        let mut redactor = Self {
            secrets: Vec::new(),
        };
        redactor.add(uri.to_owned());
        if let Some((_, rest)) = uri.split_once("://") {
            // As the driver reads it: user info is everything before the last `@` ahead of
            // the options.
            let before_options = rest.split('?').next().unwrap_or(rest);
            if let Some((user_info, _)) = before_options.rsplit_once('@') {
                redactor.add(user_info.to_owned());
                if let Some((_, password)) = user_info.split_once(':') {
                    redactor.add(password.to_owned());
                }
            }
        }
        redactor
    }

    fn add(&mut self, secret: String) {
        if !secret.is_empty() {
            self.secrets.push(secret);
            // Longest first, so a secret containing another is replaced whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    fn apply(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |acc, secret| {
            acc.replace(secret.as_str(), "<redacted>")
        })
    }
}

/// Exponential backoff with jitter (half fixed, half random) so that writers which
/// conflicted once do not collide again in lockstep.
fn backoff(attempt: u32) -> Duration {
    let cap_ms = (5_u64 << attempt.min(7)).min(500);
    let half = cap_ms / 2;
    Duration::from_millis(half + jitter(half + 1))
}

/// A random number below `bound`. `RandomState` is randomly keyed per process and thread,
/// which is all the randomness a backoff needs.
fn jitter(bound: u64) -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    hasher.write_u32(nanos);
    hasher.finish() % bound.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert!(
            d.get("user_id").is_none() && d.get("traits").is_none() && d.get("sent_at").is_none()
        );
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
    fn search_patterns_escape_everything_but_letters_digits_and_non_ascii() {
        assert_eq!(substring_pattern("Ab1"), "[aA][bB]1");
        assert_eq!(substring_pattern("a.b*"), "[aA]\\x{2e}[bB]\\x{2a}");
        assert_eq!(substring_pattern("é ü"), "é\\x{20}ü");
        let nasty = "^$.|?*+()[]{}\\/-#";
        let p = substring_pattern(nasty);
        // Nothing outside the escapes survives.
        assert_eq!(p.matches("\\x{").count(), nasty.chars().count());
        assert_eq!(substring_pattern("\u{0}"), "\\x{00}");
    }

    #[test]
    fn user_filter_uses_search_and_cursor() {
        let q = UserQuery {
            search: Some("Bob".into()),
            limit: 10,
            after: Some(UserCursor {
                t: 5,
                id: "z".into(),
            }),
        };
        let f = users_filter(&q);
        assert_eq!(
            f.get_document("_id").expect("regex").get_str("$regex"),
            Ok("[bB][oO][bB]")
        );
        let or = f.get_array("$or").expect("cursor");
        assert_eq!(or.len(), 2);
        let second = or[1].as_document().expect("doc");
        assert_eq!(
            second
                .get_datetime("last_seen")
                .expect("t")
                .timestamp_millis(),
            5
        );
        assert!(
            users_filter(&UserQuery {
                search: Some(String::new()),
                ..UserQuery::default()
            })
            .is_empty()
        );
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
    fn pages_fetch_one_extra_to_find_the_next_cursor() {
        assert_eq!(fetch_limit(0), 1);
        assert_eq!(fetch_limit(usize::MAX), i64::MAX);
        let page = paginate(vec![1, 2, 3], 2, |n| *n);
        assert_eq!((page.items, page.next), (vec![1, 2], Some(2)));
        let page = paginate(vec![1, 2], 2, |n| *n);
        assert_eq!((page.items, page.next), (vec![1, 2], None));
    }

    #[test]
    fn update_commands_carry_a_write_concern_only_outside_transactions() {
        let c = update_command(USERS, vec![doc! { "q": {}, "u": {} }], true);
        assert_eq!(
            c.keys().next().map(String::as_str),
            Some("update"),
            "command name first"
        );
        assert_eq!(
            c.get_document("writeConcern"),
            Ok(&doc! { "w": "majority", "j": true })
        );
        assert_eq!(c.get_bool("ordered"), Ok(false));
        assert!(
            update_command(USERS, Vec::new(), false)
                .get("writeConcern")
                .is_none()
        );
    }

    #[test]
    fn update_replies_are_checked_for_write_and_concern_errors() {
        assert!(check_update_reply(USERS, &doc! { "ok": 1, "n": 2 }, 2).is_ok());
        let refused = doc! { "ok": 1, "n": 1, "writeErrors": [{ "index": 1, "code": 11000, "errmsg": "dup" }] };
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
}
