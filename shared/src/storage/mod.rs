//! Storage: the traits handlers and jobs see, the query and result types they share, and
//! the engines behind them (embedded SQLite, MongoDB), chosen once at start-up.

pub mod accounts;
pub mod catalog;
pub mod funnels;
pub mod identity;
pub mod import_schedules;
pub mod jobs;
pub mod live;
pub mod mongo;
pub mod moves;
pub mod privacy;
pub mod profile_traits;
pub mod purge;
pub mod retention;
pub mod segments;
pub mod sqlite;
pub mod visit_feed;
pub mod write;

pub use crate::identity::{IdentityLink, LinkOutcome};
pub use accounts::{
    Account, AccountStore, AccountUpdate, AuditCursor, AuditEntry, AuditStore, Email, Role,
    SessionRecord, SessionRecordStore, WriteKey, WriteKeyKind, WriteKeyStore,
};
pub use catalog::CatalogStore;
pub use funnels::{SavedFunnel, SavedFunnelStore};
pub use identity::IdentityStore;
pub use import_schedules::ImportScheduleStore;
pub use jobs::{
    DayEventStore, EnqueueMode, Enqueued, Finish, Heartbeat, Job, JobChangeError, JobKind,
    JobProgress, JobQuery, JobStatus, JobStore, NewJob,
};
pub use live::{LiveQuery, LiveStore};
pub use moves::{MoveStep, MoveStore, Mover};
pub use privacy::{ErasureRecord, PrivacyStore, RowCounts, RowKind};
pub use profile_traits::{TraitOutcome, TraitStore, TraitUpdate};
pub use purge::PurgeStore;
pub use retention::{RetentionQuery, RetentionRows, RetentionStore};
pub use segments::SegmentStore;
pub use visit_feed::{FeedCursor, GoneVisit, KnownVisits, MarkedVisit, VisitFeed};
pub use write::{TimedLink, WriteBatch, WriteOutcome, in_batch_repeats};

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::event::Event;
pub use crate::people::{SortOrder, UserSort};
use crate::settings::{Engine, Settings};

/// What happened to one event of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InsertOutcome {
    /// Stored by this write.
    Accepted,
    /// An event with the same id was already stored; nothing changed.
    Duplicate,
}

/// Why a store operation failed. The kind decides what a caller does: retry later
/// (`Unavailable`), tell the client its input is wrong (`InvalidCursor`, `Invalid`), report
/// a clash (`Conflict`), or log and answer 500 (`Internal`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached or refused the write; callers may retry.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A pagination cursor that this store did not issue.
    #[error("invalid cursor")]
    InvalidCursor,
    /// The caller's input cannot be stored or used as given (the message says why).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A unique value (such as an account's email) is already taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored value cannot be read back, or the engine failed in a way retrying cannot fix.
    #[error("store error: {0}")]
    Internal(String),
}

/// Newest-first page of a user's events.
#[derive(Debug, Clone, Default)]
pub struct JourneyQuery {
    /// Inclusive lower bound on `occurredAt`.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound on `occurredAt`.
    pub to: Option<DateTime<Utc>>,
    /// Only these event types (all when empty).
    pub types: Vec<String>,
    pub limit: usize,
    pub after: Option<JourneyCursor>,
}

/// Position after the last event of a page: events strictly older (by time, then id) follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyCursor {
    /// `occurredAt` in milliseconds since the epoch.
    pub t: i64,
    pub id: String,
}

/// A page of profiles sorted by one column, optionally narrowed to those with a search term
/// starting with `search` (see [`crate::people`]).
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Prefix of the profile id, email, name (or a word of it), case-insensitive.
    pub search: Option<String>,
    pub sort: UserSort,
    pub order: SortOrder,
    pub limit: usize,
    pub after: Option<UserCursor>,
}

/// Position after the last profile of a page: the sort column's value there and the id.
/// It names its column and direction, so a cursor of another ordering is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCursor {
    pub s: UserSort,
    pub o: SortOrder,
    /// The sort column's value ([`UserSort::value_of`]).
    pub v: i64,
    pub id: String,
}

impl UserQuery {
    /// The cursor after `p` in this ordering.
    pub fn cursor_after(&self, p: &UserProfile) -> UserCursor {
        UserCursor {
            s: self.sort,
            o: self.order,
            v: self.sort.value_of(p),
            id: p.user_id.clone(),
        }
    }

    /// The cursor to continue after, refused when it belongs to another ordering.
    pub fn checked_after(&self) -> Result<Option<&UserCursor>, StoreError> {
        match &self.after {
            Some(c) if c.s != self.sort || c.o != self.order => Err(StoreError::InvalidCursor),
            c => Ok(c.as_ref()),
        }
    }
}

/// One page of results and the cursor of the next page, if any.
#[derive(Debug, Clone)]
pub struct Page<T, C> {
    pub items: Vec<T>,
    pub next: Option<C>,
}

/// A tracked person or device: the rollup kept per profile id (user id, else anonymous id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// The user id, or the anonymous id for profiles never identified.
    pub user_id: String,
    /// True when the profile is keyed by an anonymous id.
    pub anonymous: bool,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub event_count: u64,
    pub last_event_type: String,
    pub traits: Map<String, Value>,
}

impl From<crate::profile::Profile> for UserProfile {
    fn from(p: crate::profile::Profile) -> Self {
        Self {
            anonymous: p.user_id.is_none(),
            user_id: p.id,
            first_seen: p.first_seen,
            last_seen: p.last_seen,
            event_count: p.event_count,
            last_event_type: p.last_event_type,
            traits: p.traits,
        }
    }
}

/// Rollup rows for a range of days, from which [`Stats`] are derived.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RollupRows {
    /// Events per (day, type).
    pub day_type_counts: Vec<(NaiveDate, String, u64)>,
    /// Distinct active profiles per day.
    pub daily_active: Vec<(NaiveDate, u64)>,
    /// Distinct active profiles over the whole range.
    pub active_users: u64,
}

/// Stored events: idempotent batch writes (identity links, rollups and profiles in the same
/// transaction) and journeys.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Writes a batch in one transaction: its identity links, then its events (see
    /// [`write::apply`] for the rules). An event whose id is already stored (or repeats
    /// earlier in the batch) is a duplicate and changes nothing, rollups included. Outcomes
    /// match the batch's events and links index for index. Returns only once the batch is
    /// durable. Takes the batch by value: engines that write on a blocking thread move it
    /// there without copying.
    async fn write(&self, batch: WriteBatch) -> Result<WriteOutcome, StoreError>;

    /// [`EventStore::write`] of events alone.
    async fn insert_batch(&self, events: Vec<Event>) -> Result<Vec<InsertOutcome>, StoreError> {
        Ok(self
            .write(WriteBatch {
                events,
                links: Vec::new(),
            })
            .await?
            .events)
    }

    /// [`EventStore::write`] of identity links alone, all received at `at`. Safe to repeat:
    /// a recorded link is `AlreadyLinked` the second time.
    async fn link_identities(
        &self,
        links: &[IdentityLink],
        at: DateTime<Utc>,
    ) -> Result<Vec<LinkOutcome>, StoreError> {
        let links = links
            .iter()
            .map(|link| TimedLink {
                link: link.clone(),
                at,
                right: crate::identity::LinkRight::Any,
            })
            .collect();
        Ok(self
            .write(WriteBatch {
                events: Vec::new(),
                links,
            })
            .await?
            .links)
    }

    /// A profile's events, newest first (an id linked to a user reads the user's).
    async fn journey(
        &self,
        profile_id: &str,
        query: &JourneyQuery,
    ) -> Result<Page<Event, JourneyCursor>, StoreError>;

    /// Every event type in a profile's journey (an id linked to a user reads the user's),
    /// sorted by name: what the journey's type filter offers.
    async fn journey_types(&self, profile_id: &str) -> Result<Vec<String>, StoreError>;
}

/// Per-profile rollups.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// One page of profiles in the query's order.
    async fn list_users(
        &self,
        query: &UserQuery,
    ) -> Result<Page<UserProfile, UserCursor>, StoreError>;
    /// How many profiles match the query's search (all when none), whatever the page.
    async fn count_users(&self, query: &UserQuery) -> Result<u64, StoreError>;
    async fn get_user(&self, profile_id: &str) -> Result<Option<UserProfile>, StoreError>;
}

/// Per-day rollups.
#[async_trait]
pub trait RollupStore: Send + Sync {
    /// Rollup rows for the inclusive day range `[from, to]`.
    async fn rollups(&self, from: NaiveDate, to: NaiveDate) -> Result<RollupRows, StoreError>;
}

/// Analytics sessions ("visits") and orders, as kept at write time.
#[async_trait]
pub trait VisitStore: Send + Sync {
    /// Visits that start in `[from, to)`, earliest first.
    async fn visits(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::session::Session>, StoreError>;

    /// Orders placed in `[from, to)`, earliest first.
    async fn orders(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::commerce::Order>, StoreError>;

    /// [`VisitStore::orders`] without the line items, in any order; an engine may read
    /// it cheaper (SQLite extracts the fields in SQL instead of decoding each order).
    async fn order_amounts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<crate::commerce::OrderAmount>, StoreError> {
        Ok(self
            .orders(from, to)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Each person's first order placed before `end` (to the millisecond), read without
    /// decoding the orders.
    async fn first_orders(
        &self,
        end: DateTime<Utc>,
    ) -> Result<std::collections::HashMap<String, DateTime<Utc>>, StoreError>;
}

/// Everything the API and worker need from one database.
#[async_trait]
pub trait Store:
    EventStore
    + UserStore
    + RollupStore
    + VisitStore
    + VisitFeed
    + AccountStore
    + SessionRecordStore
    + WriteKeyStore
    + AuditStore
    + IdentityStore
    + SavedFunnelStore
    + JobStore
    + DayEventStore
    + MoveStore
    + PrivacyStore
    + RetentionStore
    + LiveStore
    + PurgeStore
    + CatalogStore
    + TraitStore
    + ImportScheduleStore
    + SegmentStore
{
    /// Cheap round trip used by `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;
    /// `sqlite` or `mongodb`, for logs and metrics.
    fn engine(&self) -> &'static str;
    /// Stops the engine's background tasks and waits for them. Call before the runtime
    /// shuts down: a blocking task cut off by the runtime's end panics inside deadpool.
    async fn close(&self) {}
}

/// Opens the configured engine (creating schema and indexes as needed).
pub async fn open(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match settings.storage.engine {
        Engine::Sqlite => Arc::new(sqlite::SqliteStore::open(settings).await?),
        Engine::Mongodb => Arc::new(mongo::MongoStore::open(settings).await?),
    })
}

/// Opaque, URL-safe pagination cursors.
pub mod cursor {
    use super::*;

    pub fn encode<C: Serialize>(c: &C) -> String {
        // Serialising these plain structs cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(c).unwrap_or_default())
    }

    pub fn decode<C: for<'de> Deserialize<'de>>(s: &str) -> Result<C, StoreError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| StoreError::InvalidCursor)?;
        serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)
    }
}

/// Summary analytics derived from [`RollupRows`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total_events: u64,
    /// Distinct profiles active in the range.
    pub total_users: u64,
    pub avg_events_per_user: f64,
    /// One entry per day of the range, zero-filled.
    pub events_per_day: Vec<DayCount>,
    /// Every type seen in the range, most frequent first.
    pub events_per_type: Vec<TypeCount>,
    /// The ten most frequent types.
    pub top_types: Vec<TypeCount>,
    /// Distinct active profiles per day, zero-filled.
    pub daily_active_users: Vec<DayCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCount {
    pub day: NaiveDate,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeCount {
    #[serde(rename = "type")]
    pub event_type: String,
    pub count: u64,
}

impl Stats {
    pub fn from_rollups(from: NaiveDate, to: NaiveDate, rows: RollupRows) -> Self {
        let mut per_day: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        let mut per_type: HashMap<String, u64> = HashMap::new();
        let mut total_events = 0;
        for (day, t, n) in rows.day_type_counts {
            *per_day.entry(day).or_default() += n;
            *per_type.entry(t).or_default() += n;
            total_events += n;
        }
        let dau: HashMap<NaiveDate, u64> = rows.daily_active.into_iter().collect();
        let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
        let mut events_per_type: Vec<TypeCount> = per_type
            .into_iter()
            .map(|(event_type, count)| TypeCount { event_type, count })
            .collect();
        events_per_type.sort_by(|a, b| b.count.cmp(&a.count).then(a.event_type.cmp(&b.event_type)));
        // Distinct users come from per-person day rows, which the retention purge deletes;
        // the daily counts stay. A range reaching into purged days still had at least its
        // busiest day's users, so that is the floor (a lower bound, exact without purges).
        let busiest_day = dau.values().copied().max().unwrap_or(0);
        let total_users = rows.active_users.max(busiest_day);
        Stats {
            from,
            to,
            total_events,
            total_users,
            avg_events_per_user: if total_users == 0 {
                0.0
            } else {
                // Counts stay far below 2^53, so the conversion is exact.
                #[allow(clippy::cast_precision_loss)]
                let avg = total_events as f64 / total_users as f64;
                (avg * 100.0).round() / 100.0
            },
            events_per_day: days
                .iter()
                .map(|d| DayCount {
                    day: *d,
                    count: per_day.get(d).copied().unwrap_or(0),
                })
                .collect(),
            top_types: events_per_type.iter().take(10).cloned().collect(),
            events_per_type,
            daily_active_users: days
                .iter()
                .map(|d| DayCount {
                    day: *d,
                    count: dau.get(d).copied().unwrap_or(0),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = JourneyCursor {
            t: 1_700_000_000_000,
            id: "e-1".into(),
        };
        let s = cursor::encode(&c);
        assert_eq!(cursor::decode::<JourneyCursor>(&s).expect("round trip"), c);
        assert!(matches!(
            cursor::decode::<JourneyCursor>("%%%"),
            Err(StoreError::InvalidCursor)
        ));
        assert!(matches!(
            cursor::decode::<JourneyCursor>("e30"),
            Err(StoreError::InvalidCursor)
        ));
    }

    #[test]
    fn distinct_users_never_fall_below_the_busiest_day_once_day_rows_are_purged() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let rows = RollupRows {
            day_type_counts: vec![(d("2026-01-01"), "page_view".into(), 9)],
            daily_active: vec![(d("2026-01-01"), 5), (d("2026-01-02"), 2)],
            // Only day 2's per-person rows are left.
            active_users: 2,
        };
        let s = Stats::from_rollups(d("2026-01-01"), d("2026-01-02"), rows);
        assert_eq!(s.total_users, 5);
        assert_eq!(s.avg_events_per_user, 1.8);
    }

    #[test]
    fn stats_zero_fill_days_and_rank_types() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let rows = RollupRows {
            day_type_counts: vec![
                (d("2026-01-01"), "page_view".into(), 5),
                (d("2026-01-03"), "purchase".into(), 1),
                (d("2026-01-03"), "page_view".into(), 2),
            ],
            daily_active: vec![(d("2026-01-01"), 2), (d("2026-01-03"), 1)],
            active_users: 3,
        };
        let s = Stats::from_rollups(d("2026-01-01"), d("2026-01-03"), rows);
        assert_eq!(s.total_events, 8);
        assert_eq!(s.avg_events_per_user, 2.67);
        assert_eq!(
            s.events_per_day.iter().map(|c| c.count).collect::<Vec<_>>(),
            [5, 0, 3]
        );
        assert_eq!(
            s.daily_active_users
                .iter()
                .map(|c| c.count)
                .collect::<Vec<_>>(),
            [2, 0, 1]
        );
        assert_eq!(
            s.top_types[0],
            TypeCount {
                event_type: "page_view".into(),
                count: 7
            }
        );
    }
}
