//! Embedded engine: SQLite in WAL mode behind a deadpool connection pool. Migrations are
//! compiled into the binary. Writes are serialised by the batcher (one transaction per
//! batch: events and rollups commit together); reads run in parallel.

use std::path::Path;

use anyhow::Context as _;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_sqlite::{Config, Hook, HookError, Pool, Runtime};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params, params_from_iter};
use serde_json::{Map, Value};

mod accounts;
mod backup;
mod catalog;
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

pub(crate) use visits::record_visits_gone;

pub use backup::{backup, restore};

use super::*;
use crate::event::EventType;
use crate::settings::SqliteSynchronous;

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("sqlite_migrations/0001_events_and_rollups.sql"),
    include_str!("sqlite_migrations/0002_accounts_sessions_keys_audit.sql"),
    include_str!("sqlite_migrations/0003_jobs.sql"),
    include_str!("sqlite_migrations/0004_identities.sql"),
    include_str!("sqlite_migrations/0005_job_versions.sql"),
    include_str!("sqlite_migrations/0006_active_days_by_profile.sql"),
    include_str!("sqlite_migrations/0007_pending_moves.sql"),
    include_str!("sqlite_migrations/0008_event_derived.sql"),
    include_str!("sqlite_migrations/0009_sessions_and_orders.sql"),
    include_str!("sqlite_migrations/0010_write_key_kinds.sql"),
    include_str!("sqlite_migrations/0011_erasure.sql"),
    SEARCH_TERMS_MIGRATION,
    include_str!("sqlite_migrations/0014_retention_marks.sql"),
    include_str!("sqlite_migrations/0015_visit_markers.sql"),
    include_str!("sqlite_migrations/0016_saved_funnels.sql"),
    include_str!("sqlite_migrations/0017_segments.sql"),
    include_str!("sqlite_migrations/0018_catalog.sql"),
    include_str!("sqlite_migrations/0019_visits_rowid.sql"),
    include_str!("sqlite_migrations/0020_orders_rowid.sql"),
];

/// The migration that adds users' search terms; profiles stored before it get theirs from
/// [`write::backfill_search_terms`] in the same transaction.
const SEARCH_TERMS_MIGRATION: &str =
    include_str!("sqlite_migrations/0013_user_search_and_sorts.sql");

/// `?, ?, ?` for `n` bound values (a SQL `IN` list).
pub(super) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

pub struct SqliteStore {
    /// Reads and small writes (accounts, sessions, keys) run here, in parallel.
    pool: Pool,
    /// The one connection that writes event batches. It alone keeps the large page cache
    /// of the write working set: with batches spread over the pool, every connection
    /// filled its own cache (peak RSS 473 MB in `scripts/bench`).
    writer: Pool,
    wal_path: std::path::PathBuf,
    /// Most events an identity merge moves inside its batch (`storage.merge_move_chunk`),
    /// and per chunk of the mover.
    merge_move_chunk: usize,
    /// Woken when a committed batch recorded a pending move.
    moves_recorded: std::sync::Arc<tokio::sync::Notify>,
    /// Stops the checkpointer (so does dropping the store, which drops the sender) and the
    /// task to wait for; taken by [`Store::close`].
    checkpointer: std::sync::Mutex<Option<Checkpointer>>,
}

struct Checkpointer {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Page cache of the event writer, and of each pooled connection (KiB; SQLite's negative
/// `cache_size` form).
const WRITER_CACHE_KIB: u32 = 65_536;
const READER_CACHE_KIB: u32 = 8_192;

/// How often the background task copies the WAL back into the database file.
const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(50);

/// Past this size the writer resets the WAL itself after its commit: under constant load
/// the background PASSIVE checkpoints never find a moment to, and the file would grow
/// without bound.
const WAL_RESTART_BYTES: u64 = 64 * 1024 * 1024;

/// `storage.merge_move_chunk` of a store opened without settings ([`SqliteStore::open_file`]).
const DEFAULT_MERGE_MOVE_CHUNK: usize = 1000;

impl SqliteStore {
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let dir = &settings.storage.data_dir;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("Failed to create the data directory {}", dir.display()))?;
        let mut store = Self::open_file(
            &settings.sqlite_path(),
            settings.storage.sqlite_pool_size,
            settings.storage.sqlite_synchronous,
        )
        .await?;
        store.merge_move_chunk = settings.storage.merge_move_chunk;
        Ok(store)
    }

    pub async fn open_file(
        path: &Path,
        pool_size: usize,
        synchronous: SqliteSynchronous,
    ) -> anyhow::Result<Self> {
        let sync = match synchronous {
            SqliteSynchronous::Full => "FULL",
            SqliteSynchronous::Normal => "NORMAL",
        };
        // Checkpoints run on a background task, not inside the commit that acknowledges a
        // batch (they did, with their fsync, a fifth of the writer's time).
        // busy_timeout comes first: two connections opening at once (the checkpointer's and
        // the migration's) both switch the journal mode, which needs a moment's exclusive lock.
        let pragmas = |cache_kib: u32| {
            format!(
                "PRAGMA busy_timeout = 5000;
                 PRAGMA journal_mode = WAL;
                 PRAGMA wal_autocheckpoint = 0;
                 PRAGMA journal_size_limit = 67108864;
                 PRAGMA synchronous = {sync};
                 PRAGMA foreign_keys = ON;
                 PRAGMA temp_store = MEMORY;
                 PRAGMA cache_size = -{cache_kib};"
            )
        };
        let writer = build_pool(path, 1, pragmas(WRITER_CACHE_KIB))?;
        let pool = build_pool(path, pool_size, pragmas(READER_CACHE_KIB))?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let mut wal_path = path.as_os_str().to_owned();
        wal_path.push("-wal");
        let store = Self {
            pool,
            writer,
            wal_path: wal_path.into(),
            merge_move_chunk: DEFAULT_MERGE_MOVE_CHUNK,
            moves_recorded: std::sync::Arc::default(),
            checkpointer: std::sync::Mutex::new(None),
        };
        store
            .with_writer(migrate)
            .await
            .context("Failed to migrate the SQLite database")?;
        let task = tokio::spawn(checkpoint_periodically(store.pool.clone(), stopped));
        if let Ok(mut slot) = store.checkpointer.lock() {
            *slot = Some(Checkpointer { stop, task });
        }
        Ok(store)
    }

    async fn with_conn<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    ) -> Result<R, StoreError> {
        run_on(&self.pool, f).await
    }

    async fn with_writer<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    ) -> Result<R, StoreError> {
        run_on(&self.writer, f).await
    }
}

fn build_pool(path: &Path, size: usize, pragmas: String) -> anyhow::Result<Pool> {
    Config::new(path)
        .builder(Runtime::Tokio1)
        .context("Failed to configure the SQLite pool")?
        .max_size(size)
        .post_create(Hook::sync_fn(move |conn, _| {
            let conn = conn
                .lock()
                .map_err(|_| HookError::Message("poisoned connection".into()))?;
            conn.execute_batch(&pragmas).map_err(HookError::Backend)
        }))
        .build()
        .context("Failed to build the SQLite pool")
}

async fn run_on<R: Send + 'static>(
    pool: &Pool,
    f: impl FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
) -> Result<R, StoreError> {
    let conn = pool
        .get()
        .await
        .map_err(|e| StoreError::Unavailable(format!("no SQLite connection: {e}")))?;
    conn.interact(f)
        .await
        .map_err(|e| StoreError::Internal(format!("SQLite task failed: {e}")))?
        .map_err(map_err)
}

/// PASSIVE checkpoints never block writers or readers; a complete one lets the next
/// writer restart the WAL from its beginning, so the file stays bounded.
async fn checkpoint_periodically(pool: Pool, mut stop: tokio::sync::oneshot::Receiver<()>) {
    let mut tick = tokio::time::interval(CHECKPOINT_INTERVAL);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => {}
        }
        let Ok(conn) = pool.get().await else { continue };
        let result = conn
            .interact(|c| c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())))
            .await;
        if let Ok(Err(e)) = result {
            tracing::warn!(error = %e, "WAL checkpoint failed.");
        }
    }
    // A final full checkpoint leaves a compact database file behind on clean shutdown.
    if let Ok(conn) = pool.get().await {
        let _ = conn
            .interact(|c| c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))
            .await;
    }
}

/// Runs a future whose steps never wait (the SQLite primitives are synchronous calls
/// dressed as `async fn`, so [`write::apply`] is written once for both engines).
fn run_now<T>(f: impl std::future::Future<Output = T>) -> T {
    futures::executor::block_on(f)
}

fn map_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{
        CannotOpen, DatabaseBusy, DatabaseLocked, DiskFull, ReadOnly, SystemIoFailure,
    };
    match e.sqlite_error_code() {
        Some(
            DatabaseBusy | DatabaseLocked | DiskFull | SystemIoFailure | CannotOpen | ReadOnly,
        ) => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Internal(e.to_string()),
    }
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let done: usize = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.execute_batch(sql)?;
        if *sql == SEARCH_TERMS_MIGRATION {
            write::backfill_search_terms(&tx)?;
        }
        tx.pragma_update(None, "user_version", i + 1)?;
    }
    tx.commit()
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored time; one out of range is a corrupt row, reported as such (never 1970).
fn from_ms(v: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(v).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Integer,
            format!("{v} ms is not a time this store writes").into(),
        )
    })
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// A JSON object as stored; a value that cannot be written fails the write (never `{}`).
fn json_text(m: &Map<String, Value>) -> rusqlite::Result<String> {
    serde_json::to_string(m).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// A visit's or order's whole value, as stored in its `body` column.
fn to_json<T: serde::Serialize>(v: &T) -> rusqlite::Result<String> {
    serde_json::to_string(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// Reads a `body` column back.
fn json_value<T: serde::de::DeserializeOwned>(text: String) -> rusqlite::Result<T> {
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn json_map(s: Option<String>) -> rusqlite::Result<Option<Map<String, Value>>> {
    s.map(|s| serde_json::from_str(&s))
        .transpose()
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

/// How many columns [`EVENT_COLUMNS`] names: a query selecting more reads them from here.
const EVENT_COLUMN_COUNT: usize = 14;

const EVENT_COLUMNS: &str = "event_id, user_id, anonymous_id, session_id, type, occurred_at, \
    sent_at, received_at, timestamp_clamped, properties, context, traits, source, derived";

fn event_from_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    let type_name: String = r.get(4)?;
    Ok(Event {
        event_id: r.get(0)?,
        user_id: r.get(1)?,
        anonymous_id: r.get(2)?,
        session_id: r.get(3)?,
        event_type: EventType::parse(&type_name).map_err(|m| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, m.into())
        })?,
        occurred_at: from_ms(r.get(5)?)?,
        sent_at: r.get::<_, Option<i64>>(6)?.map(from_ms).transpose()?,
        received_at: from_ms(r.get(7)?)?,
        timestamp_clamped: r.get(8)?,
        properties: json_map(r.get(9)?)?.unwrap_or_default(),
        context: json_map(r.get(10)?)?.unwrap_or_default(),
        traits: json_map(r.get(11)?)?,
        source: r.get(12)?,
        derived: r
            .get::<_, Option<String>>(13)?
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    13,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
    })
}

const USER_COLUMNS: &str =
    "profile_id, user_id, first_seen, last_seen, event_count, last_event_type, traits";

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<UserProfile> {
    let user_id: Option<String> = r.get(1)?;
    Ok(UserProfile {
        user_id: r.get(0)?,
        anonymous: user_id.is_none(),
        first_seen: from_ms(r.get(2)?)?,
        last_seen: from_ms(r.get(3)?)?,
        event_count: r.get(4)?,
        last_event_type: r.get(5)?,
        traits: json_map(r.get(6)?)?.unwrap_or_default(),
    })
}

/// The users table's column a sort runs on (each has an index ending in `profile_id`).
fn sort_column(sort: UserSort) -> &'static str {
    match sort {
        UserSort::LastSeen => "last_seen",
        UserSort::FirstSeen => "first_seen",
        UserSort::EventCount => "event_count",
        UserSort::UserId => "profile_id",
    }
}

/// `WHERE` of a users page: the search as a range over the terms' primary key.
fn users_where(q: &UserQuery) -> (String, Vec<rusqlite::types::Value>) {
    match q.search.as_deref().and_then(crate::people::prefix_range) {
        Some((from, to)) => (
            "WHERE profile_id IN (SELECT profile_id FROM user_search_terms \
             WHERE term >= ? AND term < ?)"
                .to_owned(),
            vec![from.into(), to.into()],
        ),
        None => ("WHERE 1 = 1".to_owned(), Vec::new()),
    }
}

/// `profile_id` equal to one of `n` parameters; the usual single id keeps the plain
/// equality, which walks the journey index in order.
fn profile_condition(n: usize) -> String {
    if n <= 1 {
        "profile_id = ?".to_owned()
    } else {
        format!("profile_id IN ({})", placeholders(n))
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn write(&self, batch: WriteBatch) -> Result<WriteOutcome, StoreError> {
        let wal = self.wal_path.clone();
        let chunk = self.merge_move_chunk;
        let applied = self
            .with_writer(move |c| {
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let applied = run_now(super::write::apply(
                    &mut write::SqliteTx::new(&tx),
                    &batch,
                    chunk,
                ))?;
                tx.commit()?;
                if std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_RESTART_BYTES) {
                    c.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))?;
                }
                Ok(applied)
            })
            .await?;
        if applied.moves_recorded > 0 {
            self.moves_recorded.notify_one();
        }
        Ok(applied.outcome)
    }

    async fn journey(
        &self,
        profile_id: &str,
        q: &JourneyQuery,
    ) -> Result<Page<Event, JourneyCursor>, StoreError> {
        let mut sql = String::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(from) = q.from {
            sql.push_str(" AND occurred_at >= ?");
            args.push(ms(from).into());
        }
        if let Some(to) = q.to {
            sql.push_str(" AND occurred_at < ?");
            args.push(ms(to).into());
        }
        if !q.types.is_empty() {
            sql.push_str(" AND type IN (");
            sql.push_str(&placeholders(q.types.len()));
            sql.push(')');
            args.extend(q.types.iter().map(|t| t.clone().into()));
        }
        if let Some(c) = &q.after {
            sql.push_str(" AND (occurred_at < ? OR (occurred_at = ? AND event_id < ?))");
            args.extend([c.t.into(), c.t.into(), c.id.clone().into()]);
        }
        sql.push_str(" ORDER BY occurred_at DESC, event_id DESC LIMIT ?");
        let limit = q.limit;
        args.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());
        let id = profile_id.to_owned();
        let mut items = self
            .with_conn(move |c| {
                // An id linked to a user reads the user's journey, including the events
                // of earlier ids still being moved to the user.
                let profiles = moves::journey_profiles(c, &id)?;
                let sql = format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE {}{sql}",
                    profile_condition(profiles.len())
                );
                let args = profiles.into_iter().map(Into::into).chain(args);
                let mut stmt = c.prepare_cached(&sql)?;
                stmt.query_map(params_from_iter(args), event_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        let next = (items.len() > limit).then(|| {
            items.truncate(limit);
            items.last().map(|e| JourneyCursor {
                t: ms(e.occurred_at),
                id: e.event_id.clone(),
            })
        });
        Ok(Page {
            items,
            next: next.flatten(),
        })
    }

    async fn journey_types(&self, profile_id: &str) -> Result<Vec<String>, StoreError> {
        let id = profile_id.to_owned();
        self.with_conn(move |c| {
            let profiles = moves::journey_profiles(c, &id)?;
            // The journey index is (profile_id, occurred_at, ...): this reads the profile's
            // rows only, which is what a journey page reads too.
            c.prepare_cached(&format!(
                "SELECT DISTINCT type FROM events WHERE {} ORDER BY type",
                profile_condition(profiles.len())
            ))?
            .query_map(params_from_iter(profiles), |r| r.get(0))?
            .collect()
        })
        .await
    }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn list_users(&self, q: &UserQuery) -> Result<Page<UserProfile, UserCursor>, StoreError> {
        let (mut sql, mut args) = users_where(q);
        let dir = match q.order {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        };
        let column = sort_column(q.sort);
        if let Some(c) = q.checked_after()? {
            let cmp = match q.order {
                SortOrder::Asc => ">",
                SortOrder::Desc => "<",
            };
            if q.sort == UserSort::UserId {
                sql.push_str(&format!(" AND profile_id {cmp} ?"));
                args.push(c.id.clone().into());
            } else {
                sql.push_str(&format!(
                    " AND ({column} {cmp} ? OR ({column} = ? AND profile_id {cmp} ?))"
                ));
                args.extend([c.v.into(), c.v.into(), c.id.clone().into()]);
            }
        }
        if q.sort == UserSort::UserId {
            sql.push_str(&format!(" ORDER BY profile_id {dir} LIMIT ?"));
        } else {
            sql.push_str(&format!(
                " ORDER BY {column} {dir}, profile_id {dir} LIMIT ?"
            ));
        }
        let limit = q.limit;
        args.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());
        let mut items = self
            .with_conn(move |c| {
                let mut stmt =
                    c.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users {sql}"))?;
                stmt.query_map(params_from_iter(args), user_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        let next = (items.len() > limit).then(|| {
            items.truncate(limit);
            items.last().map(|u| q.cursor_after(u))
        });
        Ok(Page {
            items,
            next: next.flatten(),
        })
    }

    async fn count_users(&self, q: &UserQuery) -> Result<u64, StoreError> {
        let range = q.search.as_deref().and_then(crate::people::prefix_range);
        self.with_conn(move |c| match range {
            // Served by the terms' primary key: a range scan, never the users table.
            Some((from, to)) => c
                .prepare_cached(
                    "SELECT count(DISTINCT profile_id) FROM user_search_terms \
                     WHERE term >= ?1 AND term < ?2",
                )?
                .query_row([from, to], |r| r.get(0)),
            None => c
                .prepare_cached("SELECT count(*) FROM users")?
                .query_row([], |r| r.get(0)),
        })
        .await
    }

    async fn get_user(&self, profile_id: &str) -> Result<Option<UserProfile>, StoreError> {
        let id = profile_id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE profile_id = \
                 coalesce((SELECT to_id FROM identities WHERE from_id = ?1), ?1)"
            ))?
            .query_row([id], user_from_row)
            .optional()
        })
        .await
    }
}

#[async_trait]
impl LiveStore for SqliteStore {
    async fn recent_arrivals(&self, q: &LiveQuery) -> Result<Vec<Event>, StoreError> {
        let mut sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE received_at >= ?");
        let mut args: Vec<rusqlite::types::Value> = vec![q.since_ms.into()];
        if !q.types.is_empty() {
            sql.push_str(" AND type IN (");
            sql.push_str(&placeholders(q.types.len()));
            sql.push(')');
            args.extend(q.types.iter().map(|t| t.clone().into()));
        }
        if let Some(p) = &q.profile_id {
            sql.push_str(" AND profile_id = ?");
            args.push(p.clone().into());
        }
        // events_received (received_at, event_id), walked backwards from its newest end.
        sql.push_str(" ORDER BY received_at DESC, event_id DESC LIMIT ?");
        args.push(i64::try_from(q.limit).unwrap_or(i64::MAX).into());
        self.with_conn(move |c| {
            c.prepare_cached(&sql)?
                .query_map(params_from_iter(args), event_from_row)?
                .collect()
        })
        .await
    }

    async fn visitors_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError> {
        let since = ms(since);
        self.with_conn(move |c| {
            c.prepare_cached("SELECT count(*) FROM users WHERE last_seen >= ?1")?
                .query_row([since], |r| r.get(0))
        })
        .await
    }
}

#[async_trait]
impl RollupStore for SqliteStore {
    async fn rollups(&self, from: NaiveDate, to: NaiveDate) -> Result<RollupRows, StoreError> {
        let (from, to) = (day(from), day(to));
        self.with_conn(move |c| {
            let parse = |s: String| {
                NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
                })
            };
            let day_type_counts = c
                .prepare_cached(
                    "SELECT day, type, count FROM daily_type_counts WHERE day BETWEEN ?1 AND ?2",
                )?
                .query_map([&from, &to], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?
                .map(|r| r.and_then(|(d, t, n)| Ok((parse(d)?, t, n))))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let daily_active = c
                .prepare_cached("SELECT day, count FROM daily_user_counts WHERE day BETWEEN ?1 AND ?2")?
                .query_map([&from, &to], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?
                .map(|r| r.and_then(|(d, n)| Ok((parse(d)?, n))))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let active_users = c
                .prepare_cached(
                    "SELECT count(DISTINCT profile_id) FROM daily_active_users WHERE day BETWEEN ?1 AND ?2",
                )?
                .query_row([&from, &to], |r| r.get(0))?;
            Ok(RollupRows { day_type_counts, daily_active, active_users })
        })
        .await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.with_conn(|c| c.query_row("SELECT 1", [], |_| Ok(())))
            .await
    }

    fn engine(&self) -> &'static str {
        "sqlite"
    }

    async fn close(&self) {
        let checkpointer = self.checkpointer.lock().ok().and_then(|mut c| c.take());
        if let Some(Checkpointer { stop, task }) = checkpointer {
            let _ = stop.send(());
            let _ = task.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).expect("time")
    }

    /// A page view of person `u-1` in session `s-1` at `ms`.
    fn event(id: &str, ms: i64) -> crate::event::Event {
        crate::event::Event {
            user_id: Some("u-1".into()),
            session_id: Some("s-1".into()),
            ..crate::event::Event::bare(id, "page_view", ms)
        }
    }

    /// A database made before the users' search terms existed gets them for the profiles
    /// it already holds when the migration runs.
    #[tokio::test]
    async fn the_search_terms_migration_fills_terms_for_existing_profiles() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.db");
        {
            let mut c = Connection::open(&path).expect("open");
            let tx = c.transaction().expect("tx");
            let before = MIGRATIONS
                .iter()
                .position(|m| *m == SEARCH_TERMS_MIGRATION)
                .expect("registered");
            for sql in &MIGRATIONS[..before] {
                tx.execute_batch(sql).expect("migration");
            }
            tx.pragma_update(None, "user_version", before)
                .expect("version");
            tx.execute(
                "INSERT INTO users (profile_id, user_id, first_seen, last_seen, event_count,
                    last_event_type, traits)
                 VALUES ('u-1', 'u-1', 0, 0, 1, 'identify', ?1)",
                [r#"{"email":"Old@Shop.test","name":"Ana Ruiz"}"#],
            )
            .expect("old profile");
            tx.commit().expect("commit");
        }
        let store = SqliteStore::open_file(&path, 2, SqliteSynchronous::Normal)
            .await
            .expect("migrates");
        for search in ["old@", "RUI", "u-1"] {
            let q = UserQuery {
                search: Some(search.into()),
                limit: 10,
                ..UserQuery::default()
            };
            let page = store.list_users(&q).await.expect("list");
            assert_eq!(page.items.len(), 1, "{search}");
            assert_eq!(store.count_users(&q).await.expect("count"), 1, "{search}");
        }
        store.close().await;
    }

    /// A late event that moves its visit's start moves the start the visits are found by
    /// (the visit is updated in place only while its start stays).
    #[tokio::test]
    async fn a_visit_is_found_by_its_new_start_after_a_late_event() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store =
            SqliteStore::open_file(&dir.path().join("late.db"), 2, SqliteSynchronous::Normal)
                .await
                .expect("open");
        let store = &store;
        let write = |id: &'static str, ms: i64| async move {
            let batch = WriteBatch::from(vec![event(id, ms)]);
            store.write(batch).await.expect("write");
        };
        let starts = |from: i64, to: i64| async move {
            let visits = store.visits(at(from), at(to)).await.expect("visits");
            visits.iter().map(|v| v.start).collect::<Vec<_>>()
        };
        write("e1", 600_000).await;
        write("e2", 700_000).await;
        assert!(starts(0, 480_000).await.is_empty());
        write("e0", 300_000).await;
        assert_eq!(starts(0, 480_000).await, [at(300_000)]);
        assert!(starts(480_000, 900_000).await.is_empty());
        store.close().await;
    }

    /// Two processes writing one file (the server and a command-line seed, say) build on
    /// each other's visits: each write reads the visit as the other left it.
    #[tokio::test]
    async fn two_stores_on_one_file_build_on_each_others_visits() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("two.db");
        let one = SqliteStore::open_file(&path, 2, SqliteSynchronous::Normal)
            .await
            .expect("open");
        let other = SqliteStore::open_file(&path, 2, SqliteSynchronous::Normal)
            .await
            .expect("open again");
        let events_of = |visits: Vec<crate::session::Session>| {
            assert_eq!(visits.len(), 1);
            (visits[0].events, visits[0].end)
        };
        for (store, id, ms) in [
            (&one, "e1", 1_000),
            (&other, "e2", 2_000),
            (&one, "e3", 3_000),
            (&one, "e4", 4_000),
            (&other, "e5", 5_000),
            (&one, "e6", 6_000),
        ] {
            store
                .write(WriteBatch::from(vec![event(id, ms)]))
                .await
                .expect("write");
            let n = id[1..].parse::<u64>().expect("number");
            assert_eq!(
                events_of(one.visits(at(0), at(10_000)).await.expect("visits")),
                (n, at(ms)),
                "after {id}"
            );
        }
        one.close().await;
        other.close().await;
    }

    /// A visit stored in the WITHOUT ROWID table before 0019 is the same visit afterwards,
    /// and the next event of its session updates it in place (the unique key still holds).
    #[tokio::test]
    async fn the_visits_rowid_migration_keeps_every_visit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.db");
        let old = crate::session::Session::begin("u-1", "s-1".into(), &event("e1", 1_000));
        {
            let mut c = Connection::open(&path).expect("open");
            let tx = c.transaction().expect("tx");
            let before = migration("visits_by_rowid");
            for sql in &MIGRATIONS[..before] {
                tx.execute_batch(sql).expect("migration");
            }
            tx.pragma_update(None, "user_version", before)
                .expect("version");
            tx.execute(
                "INSERT INTO visits (profile_id, key, start_ms, end_ms, body, updated_ms)
                 VALUES ('u-1', 's-1', 1000, 1000, ?1, 7)",
                [serde_json::to_string(&old).expect("body")],
            )
            .expect("old visit");
            tx.commit().expect("commit");
        }
        let store = SqliteStore::open_file(&path, 2, SqliteSynchronous::Normal)
            .await
            .expect("migrates");
        assert_eq!(
            store.visits(at(0), at(10_000)).await.expect("visits"),
            [old]
        );
        store
            .write(WriteBatch::from(vec![event("e2", 2_000)]))
            .await
            .expect("write");
        let now = store.visits(at(0), at(10_000)).await.expect("visits");
        assert_eq!(now.len(), 1);
        assert_eq!((now[0].events, now[0].end), (2, at(2_000)));
        store.close().await;
    }

    /// The position of the migration whose text contains `marker`.
    fn migration(marker: &str) -> usize {
        MIGRATIONS
            .iter()
            .position(|m| m.contains(marker))
            .expect("registered")
    }

    /// An order stored in the WITHOUT ROWID table before 0020 is the same order afterwards,
    /// retention reads its amounts from the amounts index alone, and a refund written later
    /// is in what it reads.
    #[tokio::test]
    async fn the_orders_rowid_migration_keeps_orders_and_reads_amounts_from_the_index() {
        use crate::commerce::{Currency, Money, Order, OrderAmount};
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.db");
        let eur = Currency::parse("EUR").expect("EUR");
        let order = Order {
            order_id: "o-1".into(),
            profile_id: "u-1".into(),
            session_key: "s-1".into(),
            at: at(5_000),
            revenue: Money {
                minor: 2_550,
                currency: eur,
            },
            refunded: 0,
            products: Vec::new(),
        };
        {
            let mut c = Connection::open(&path).expect("open");
            let tx = c.transaction().expect("tx");
            let before = migration("orders_by_rowid");
            for sql in &MIGRATIONS[..before] {
                tx.execute_batch(sql).expect("migration");
            }
            tx.pragma_update(None, "user_version", before)
                .expect("version");
            tx.execute(
                "INSERT INTO orders (order_id, profile_id, at_ms, body)
                 VALUES ('o-1', 'u-1', 5000, ?1)",
                [serde_json::to_string(&order).expect("body")],
            )
            .expect("old order");
            tx.commit().expect("commit");
        }
        let store = SqliteStore::open_file(&path, 2, SqliteSynchronous::Normal)
            .await
            .expect("migrates");
        let amounts = store.order_amounts(at(0), at(10_000)).await.expect("read");
        assert_eq!(amounts, [OrderAmount::from(order.clone())]);
        let plan: String = store
            .with_conn(|c| {
                c.query_row(
                    "EXPLAIN QUERY PLAN SELECT profile_id, at_ms,
                        json_extract(body, '$.revenue.minor', '$.revenue.currency', '$.refunded')
                     FROM orders WHERE at_ms >= 0 AND at_ms < 10000",
                    [],
                    |r| r.get(3),
                )
            })
            .await
            .expect("plan");
        assert!(
            plan.contains("COVERING INDEX orders_amounts"),
            "the amounts come from the index: {plan}"
        );

        // A refund rewrites the order through the unique order id.
        let mut refund = crate::event::Event {
            event_type: EventType::parse("Order Refunded").expect("type"),
            ..event("e-refund", 9_000)
        };
        refund.properties =
            serde_json::json!({"orderId": "o-1", "revenue": "5.50", "currency": "EUR"})
                .as_object()
                .cloned()
                .expect("object");
        store
            .write(WriteBatch::from(vec![refund]))
            .await
            .expect("refund");
        let amounts = store.order_amounts(at(0), at(10_000)).await.expect("read");
        assert_eq!(
            amounts.iter().map(|a| a.refunded).collect::<Vec<_>>(),
            [550],
            "{amounts:?}"
        );
        store.close().await;
    }
}
