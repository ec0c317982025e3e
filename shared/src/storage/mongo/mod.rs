//! MongoDB engine: events, profiles and daily rollups in five collections. Each batch is one
//! multi-document transaction (`write`), so events, identity links and the rollups they feed
//! commit together; a replica set or sharded cluster is required (a standalone server is
//! refused at start-up).

use std::collections::{BTreeMap, HashSet};
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
mod catalog;
mod codec;
mod commands;
mod errors;
mod funnels;
mod identity;
mod jobs;
mod moves;
mod privacy;
mod purge;
mod retention;
mod segments;
mod visits;
mod write;

use codec::*;
use commands::*;
use errors::*;

use super::*;
use crate::event::EventType;

const EVENTS: &str = "events";
const USERS: &str = "users";
const DAILY_TYPE_COUNTS: &str = "daily_type_counts";
const DAILY_ACTIVE_USERS: &str = "daily_active_users";
const DAILY_USER_COUNTS: &str = "daily_user_counts";
/// Analytics sessions ("visits": `sessions` holds sign-in sessions).
const VISITS: &str = "visits";
const ORDERS: &str = "orders";
/// Tombstones of deleted visits (`storage::visit_feed`).
const VISITS_GONE: &str = "visits_gone";
const COLLECTIONS: &[&str] = &[
    EVENTS,
    USERS,
    DAILY_TYPE_COUNTS,
    DAILY_ACTIVE_USERS,
    DAILY_USER_COUNTS,
    accounts::ACCOUNTS,
    accounts::SESSIONS,
    accounts::WRITE_KEYS,
    accounts::GUARDS,
    accounts::AUDIT_LOG,
    identity::IDENTITIES,
    jobs::JOBS,
    moves::PENDING_MOVES,
    VISITS,
    ORDERS,
    privacy::ERASURES,
    privacy::SUPPRESSIONS,
    retention::RETENTION_DAYS,
    retention::RETENTION_FIRSTS,
    VISITS_GONE,
    catalog::CATALOG,
    catalog::IMPORT_SCHEDULES,
    segments::SEGMENTS,
    funnels::SAVED_FUNNELS,
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
    /// Most events an identity merge moves inside its batch (`storage.merge_move_chunk`),
    /// and per chunk of the mover.
    merge_move_chunk: usize,
    /// Woken when a committed batch recorded a pending move.
    moves_recorded: std::sync::Arc<tokio::sync::Notify>,
    /// This process's shard of the daily counters (see [`COUNTER_SHARDS`]).
    counter_shard: i32,
}

/// The daily counters (`daily_type_counts`, `daily_user_counts`) are kept in this many
/// documents per day (and type), one per writer shard, summed on read: every API task
/// `$inc`-ing one document per day would make concurrent batch transactions conflict on it
/// (a write conflict aborts one of them, which then retries). Each process picks a shard
/// at random when it opens the store; one process writes its batches one at a time, so
/// only two processes that drew the same shard can still meet on a document.
pub(super) const COUNTER_SHARDS: u32 = 16;

/// A shard drawn at random: `RandomState`'s keys come from the operating system's random
/// source once per process.
fn counter_shard() -> i32 {
    let draw = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
    i32::try_from(draw % u64::from(COUNTER_SHARDS)).unwrap_or(0)
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
            merge_move_chunk: settings.storage.merge_move_chunk,
            moves_recorded: std::sync::Arc::default(),
            counter_shard: counter_shard(),
            client,
            db,
        })
    }
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
    for &name in COLLECTIONS {
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
        // The retention purge finds old events by time, and the export a day's in order.
        (EVENTS, doc! { "occurred_at": 1, "_id": 1 }),
        (USERS, doc! { "last_seen": -1, "_id": -1 }),
        // The users list's other sorts and its search (see `users_filter`).
        (USERS, doc! { "first_seen": -1, "_id": -1 }),
        (USERS, doc! { "event_count": -1, "_id": -1 }),
        (USERS, doc! { "search": 1 }),
        // The live view reads events in arrival order.
        (EVENTS, doc! { "received_at": 1, "_id": 1 }),
        (DAILY_TYPE_COUNTS, doc! { "d": 1 }),
        (DAILY_USER_COUNTS, doc! { "d": 1 }),
        (DAILY_ACTIVE_USERS, doc! { "d": 1 }),
        // An identity link moves the earlier id's active days: found by profile.
        (DAILY_ACTIVE_USERS, doc! { "_id.p": 1 }),
        // A person's visits near a batch's events; visits by start for reports.
        (VISITS, doc! { "profile_id": 1, "end": 1 }),
        (VISITS, doc! { "start": 1 }),
        // The reports index reads what changed and what went since its last look.
        (VISITS, doc! { "updated_ms": 1 }),
        (VISITS_GONE, doc! { "gone_ms": 1 }),
        (ORDERS, doc! { "profile_id": 1 }),
        (ORDERS, doc! { "at": 1 }),
    ];
    let indexes = indexes
        .into_iter()
        .map(|(name, keys)| (name, IndexModel::builder().keys(keys).build()))
        .chain(accounts::indexes())
        .chain(identity::indexes())
        .chain(jobs::indexes())
        .chain(moves::indexes())
        .chain(retention::indexes());
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

/// The users list's search: one stored term in the prefix range (`$elemMatch` keeps both
/// bounds on the same array element, so the `search` index is scanned over that range only).
fn users_search(q: &UserQuery) -> Document {
    match q.search.as_deref().and_then(crate::people::prefix_range) {
        Some((from, to)) => doc! { "search": { "$elemMatch": { "$gte": from, "$lt": to } } },
        None => Document::new(),
    }
}

/// The field a users sort runs on and the cursor value as stored there.
fn users_sort_field(sort: UserSort, v: i64) -> (&'static str, Bson) {
    match sort {
        UserSort::LastSeen => ("last_seen", Bson::DateTime(bson::DateTime::from_millis(v))),
        UserSort::FirstSeen => ("first_seen", Bson::DateTime(bson::DateTime::from_millis(v))),
        UserSort::EventCount => ("event_count", Bson::Int64(v)),
        UserSort::UserId => ("_id", Bson::Null),
    }
}

fn users_filter(q: &UserQuery) -> Result<Document, StoreError> {
    let mut filter = users_search(q);
    if let Some(c) = q.checked_after()? {
        let cmp = match q.order {
            SortOrder::Asc => "$gt",
            SortOrder::Desc => "$lt",
        };
        let (field, v) = users_sort_field(q.sort, c.v);
        if q.sort == UserSort::UserId {
            filter.insert("_id", doc! { cmp: &c.id });
        } else {
            filter.insert(
                "$or",
                vec![
                    doc! { field: { cmp: v.clone() } },
                    doc! { field: v, "_id": { cmp: &c.id } },
                ],
            );
        }
    }
    Ok(filter)
}

fn users_sort(q: &UserQuery) -> Document {
    let dir = match q.order {
        SortOrder::Asc => 1,
        SortOrder::Desc => -1,
    };
    let (field, _) = users_sort_field(q.sort, 0);
    if q.sort == UserSort::UserId {
        doc! { "_id": dir }
    } else {
        doc! { field: dir, "_id": dir }
    }
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
        // An id linked to a user reads the user's journey, including the events of earlier
        // ids still being moved to the user.
        let profiles = self.journey_profiles(profile_id).await?;
        let mut filter = journey_filter(&profiles[0], q);
        filter.insert("profile_id", moves::profile_match(&profiles));
        let docs: Vec<Document> = self
            .events
            .find(filter)
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
        let profiles = self.journey_profiles(profile_id).await?;
        let values = self
            .events
            .distinct(
                "type",
                doc! { "profile_id": moves::profile_match(&profiles) },
            )
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
            .find(users_filter(q)?)
            .sort(users_sort(q))
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
        Ok(paginate(items, q.limit, |u: &UserProfile| {
            q.cursor_after(u)
        }))
    }

    async fn count_users(&self, q: &UserQuery) -> Result<u64, StoreError> {
        self.users
            .count_documents(users_search(q))
            .await
            .map_err(|e| driver_error(&e))
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
impl LiveStore for MongoStore {
    async fn recent_arrivals(&self, q: &LiveQuery) -> Result<Vec<Event>, StoreError> {
        let mut filter = doc! {
            "received_at": { "$gte": bson::DateTime::from_millis(q.since_ms) },
        };
        if !q.types.is_empty() {
            filter.insert("type", doc! { "$in": &q.types });
        }
        if let Some(p) = &q.profile_id {
            filter.insert("profile_id", p);
        }
        // The {received_at, _id} index, walked from its newest end.
        let docs: Vec<Document> = self
            .events
            .find(filter)
            .sort(doc! { "received_at": -1, "_id": -1 })
            .limit(i64::try_from(q.limit).unwrap_or(i64::MAX))
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        docs.iter().map(event_from_doc).collect()
    }

    async fn visitors_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        self.users
            .count_documents(doc! { "last_seen": { "$gte": bson_time(since) } })
            .await
            .map_err(|e| driver_error(&e))
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
        let mut summed: BTreeMap<(NaiveDate, String), u64> = BTreeMap::new();
        for d in &type_docs {
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
            let (day, t, n) = decode().map_err(|why| malformed("daily type count", d, &why))?;
            *summed.entry((day, t)).or_default() += n;
        }
        let day_type_counts: Vec<(NaiveDate, String, u64)> =
            summed.into_iter().map(|((d, t), n)| (d, t, n)).collect();

        // Documents of one writer shard carry the day in `d` (`_id: {d, s}`); those written
        // before the shards were introduced have the day as their `_id`.
        let day_docs: Vec<Document> = self
            .user_counts
            .find(doc! { "$or": [ { "_id": range.clone() }, { "d": range.clone() } ] })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for d in &day_docs {
            let decode = || -> Result<(NaiveDate, i64), String> {
                let day = match d.get_str("d") {
                    Ok(day) => day,
                    Err(_) => req_str(d, "_id")?,
                };
                let n = match d.get("count") {
                    Some(Bson::Int64(n)) => *n,
                    Some(Bson::Int32(n)) => i64::from(*n),
                    _ => return Err("field count: not an integer".into()),
                };
                Ok((parse_day(day)?, n))
            };
            let (day, n) = decode().map_err(|why| malformed("daily user count", d, &why))?;
            *per_day.entry(day).or_default() += n;
        }
        // One shard's count may be negative (a person's first day moved by a merge another
        // shard counted); the day's sum never is.
        let daily_active: Vec<(NaiveDate, u64)> = per_day
            .into_iter()
            .map(|(d, n)| (d, u64::try_from(n).unwrap_or(0)))
            .collect();

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

#[cfg(test)]
mod tests;
