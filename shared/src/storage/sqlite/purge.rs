//! Retention deletes on SQLite. Each call is one short transaction on the writer
//! connection, so it queues between event batches and never runs inside one.
//!
//! Events have no index by time alone (one would slow every insert), so the old events are
//! found on a reader connection, which in WAL mode holds up no writer, and deleted by
//! `seq` on the writer with their time checked again.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{TransactionBehavior, params};

use super::{SqliteStore, day, ms};
use crate::storage::{PurgeStore, StoreError};

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl SqliteStore {
    /// Runs one `DELETE` (a statement with parameters `?1` = the cutoff, `?2` = the limit)
    /// in its own transaction on the writer.
    async fn delete_limited(
        &self,
        sql: &'static str,
        cutoff: rusqlite::types::Value,
        limit: usize,
    ) -> Result<u64, StoreError> {
        self.with_writer(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let n = tx.execute(sql, params![cutoff, limit_of(limit)])?;
            tx.commit()?;
            Ok(n as u64)
        })
        .await
    }
}

#[async_trait]
impl PurgeStore for SqliteStore {
    async fn forget_old_events(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError> {
        let cutoff = ms(before);
        let seqs: Vec<i64> = self
            .with_conn(move |c| {
                // Oldest rows come first in `seq` order, so a batch usually stops early; the
                // last one of a run reads the table once.
                c.prepare_cached(
                    "SELECT seq FROM events WHERE occurred_at < ?1 ORDER BY seq LIMIT ?2",
                )?
                .query_map(params![cutoff, limit_of(limit)], |r| r.get(0))?
                .collect()
            })
            .await?;
        if seqs.is_empty() {
            return Ok(0);
        }
        self.with_writer(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut n = 0;
            {
                let mut delete =
                    tx.prepare_cached("DELETE FROM events WHERE seq = ?1 AND occurred_at < ?2")?;
                for seq in seqs {
                    n += delete.execute(params![seq, cutoff])? as u64;
                }
            }
            tx.commit()?;
            Ok(n)
        })
        .await
    }

    async fn forget_old_visits(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError> {
        // `start_ms` first: that is the indexed column; a visit ends after it starts. The
        // same ordered selection twice in one transaction names the same visits: first
        // their tombstones for the reports index, then the delete.
        const OLDEST: &str = "(profile_id, key) IN (
                 SELECT profile_id, key FROM visits
                 WHERE start_ms < ?1 AND end_ms < ?1 ORDER BY start_ms, profile_id, key LIMIT ?2)";
        let cutoff = ms(before);
        self.with_writer(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            super::record_visits_gone(&tx, OLDEST, params![cutoff, limit_of(limit)])?;
            let n = tx.execute(
                &format!("DELETE FROM visits WHERE {OLDEST}"),
                params![cutoff, limit_of(limit)],
            )?;
            tx.commit()?;
            Ok(n as u64)
        })
        .await
    }

    async fn forget_old_orders(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError> {
        self.delete_limited(
            "DELETE FROM orders WHERE order_id IN (
                 SELECT order_id FROM orders WHERE at_ms < ?1 LIMIT ?2)",
            ms(before).into(),
            limit,
        )
        .await
    }

    async fn forget_old_active_days(
        &self,
        before: NaiveDate,
        limit: usize,
    ) -> Result<u64, StoreError> {
        self.delete_limited(
            "DELETE FROM daily_active_users WHERE (day, profile_id) IN (
                 SELECT day, profile_id FROM daily_active_users WHERE day < ?1 LIMIT ?2)",
            day(before).into(),
            limit,
        )
        .await
    }

    async fn forget_old_profiles(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError> {
        let cutoff = ms(before);
        self.with_writer(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // The same ordered selection twice in one transaction names the same profiles.
            const OLDEST: &str = "SELECT profile_id FROM users WHERE last_seen < ?1
                 ORDER BY last_seen, profile_id LIMIT ?2";
            // What is kept beside each profile goes with it: the identity links to it, the
            // users list's search terms and the cohort report's retention marks.
            for table in [
                "identities WHERE to_id",
                "user_search_terms WHERE profile_id",
                "retention_days WHERE profile_id",
                "retention_firsts WHERE profile_id",
            ] {
                tx.execute(
                    &format!("DELETE FROM {table} IN ({OLDEST})"),
                    params![cutoff, limit_of(limit)],
                )?;
            }
            let n = tx.execute(
                &format!("DELETE FROM users WHERE profile_id IN ({OLDEST})"),
                params![cutoff, limit_of(limit)],
            )?;
            tx.commit()?;
            Ok(n as u64)
        })
        .await
    }
}
