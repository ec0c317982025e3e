//! Erasure and suppression on SQLite. Every write runs on the writer connection, so an
//! erasure step queues between event batches, never inside one; `erase_rows` is one
//! transaction (rows removed and their count commit together).

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params, params_from_iter};

use super::{SqliteStore, json_value, ms, placeholders, to_json};
use crate::storage::StoreError;
use crate::storage::privacy::{ErasureRecord, PrivacyStore, RowCounts, RowKind};

/// Ids per statement, far below SQLite's limit on parameters.
const IDS_PER_STATEMENT: usize = 500;

#[async_trait]
impl PrivacyStore for SqliteStore {
    async fn linked_ids(&self, person: &str) -> Result<Vec<String>, StoreError> {
        let person = person.to_owned();
        self.with_conn(move |c| {
            let mut ids = BTreeSet::from([person.clone()]);
            for sql in [
                "SELECT from_id FROM identities WHERE to_id = ?1",
                "SELECT from_id FROM pending_moves WHERE to_id = ?1",
            ] {
                let found = c
                    .prepare_cached(sql)?
                    .query_map([&person], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                ids.extend(found);
            }
            Ok(ids.into_iter().collect())
        })
        .await
    }

    async fn erasure(&self, job_id: &str) -> Result<Option<ErasureRecord>, StoreError> {
        let job_id = job_id.to_owned();
        self.with_conn(move |c| read_erasure(c, &job_id)).await
    }

    async fn save_erasure(
        &self,
        job_id: &str,
        person: &str,
        ids: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (job_id, person, ids) = (job_id.to_owned(), person.to_owned(), ids.to_vec());
        self.with_writer(move |c| {
            c.prepare_cached(
                "INSERT INTO erasures (job_id, person, ids, rows, created_at)
                 VALUES (?1, ?2, ?3, '{}', ?4)
                 ON CONFLICT (job_id) DO UPDATE SET ids = excluded.ids",
            )?
            .execute(params![job_id, person, to_json(&ids)?, ms(at)])?;
            Ok(())
        })
        .await
    }

    async fn erase_rows(
        &self,
        job_id: &str,
        kind: RowKind,
        ids: &[String],
        pseudonym: &str,
        limit: usize,
    ) -> Result<u64, StoreError> {
        let (job_id, ids, pseudonym) = (job_id.to_owned(), ids.to_vec(), pseudonym.to_owned());
        self.with_writer(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut removed = 0;
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                if removed >= limit {
                    break;
                }
                removed += erase_chunk(&tx, kind, chunk, &pseudonym, limit - removed)?;
            }
            if removed > 0 {
                add_count(&tx, &job_id, kind, removed as u64)?;
            }
            tx.commit()?;
            Ok(removed as u64)
        })
        .await
    }

    async fn forget_erasure(&self, job_id: &str) -> Result<(), StoreError> {
        let job_id = job_id.to_owned();
        self.with_writer(move |c| {
            c.prepare_cached("DELETE FROM erasures WHERE job_id = ?1")?
                .execute([job_id])?;
            Ok(())
        })
        .await
    }

    async fn suppress(&self, ids: &[String], at: DateTime<Utc>) -> Result<(), StoreError> {
        let ids = ids.to_vec();
        self.with_writer(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut add = tx.prepare_cached(
                    "INSERT OR IGNORE INTO suppressed_ids (id, created_at) VALUES (?1, ?2)",
                )?;
                for id in &ids {
                    add.execute(params![id, ms(at)])?;
                }
            }
            tx.commit()
        })
        .await
    }

    async fn suppressed(&self, ids: &[&str]) -> Result<Vec<String>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
        self.with_conn(move |c| {
            let mut found = Vec::new();
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                let sql = format!(
                    "SELECT id FROM suppressed_ids WHERE id IN ({})",
                    placeholders(chunk.len())
                );
                let rows = c
                    .prepare_cached(&sql)?
                    .query_map(params_from_iter(chunk), |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                found.extend(rows);
            }
            Ok(found)
        })
        .await
    }
}

fn read_erasure(c: &Connection, job_id: &str) -> rusqlite::Result<Option<ErasureRecord>> {
    let row: Option<(String, String)> = c
        .prepare_cached("SELECT ids, rows FROM erasures WHERE job_id = ?1")?
        .query_row([job_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(ids, rows)| {
        Ok(ErasureRecord {
            ids: json_value(ids)?,
            rows: json_value(rows)?,
        })
    })
    .transpose()
}

fn add_count(c: &Connection, job_id: &str, kind: RowKind, n: u64) -> rusqlite::Result<()> {
    let Some(mut record) = read_erasure(c, job_id)? else {
        return Ok(());
    };
    *record.rows.entry(kind).or_default() += n;
    c.prepare_cached("UPDATE erasures SET rows = ?2 WHERE job_id = ?1")?
        .execute(params![job_id, to_json::<RowCounts>(&record.rows)?])?;
    Ok(())
}

/// Removes up to `limit` rows of `kind` belonging to `ids`; returns how many.
fn erase_chunk(
    c: &Connection,
    kind: RowKind,
    ids: &[String],
    pseudonym: &str,
    limit: usize,
) -> rusqlite::Result<usize> {
    let list = placeholders(ids.len());
    let sql = match kind {
        RowKind::Events => format!(
            "DELETE FROM events WHERE seq IN
             (SELECT seq FROM events WHERE profile_id IN ({list}) LIMIT ?)"
        ),
        RowKind::Visits => return forget_visits(c, ids, limit),
        RowKind::Orders => format!(
            "DELETE FROM orders WHERE order_id IN
             (SELECT order_id FROM orders WHERE profile_id IN ({list}) LIMIT ?)"
        ),
        RowKind::ActiveDays => return anonymise_active_days(c, ids, pseudonym, limit),
        RowKind::RetentionMarks => return forget_retention_marks(c, ids, limit),
        RowKind::PendingMoves => format!(
            "DELETE FROM pending_moves WHERE from_id IN
             (SELECT from_id FROM pending_moves WHERE from_id IN ({list}) LIMIT ?)"
        ),
        RowKind::Profiles => {
            // The users list's search terms (prefixes of the id, email and name) go with
            // the profile they index.
            c.prepare_cached(&format!(
                "DELETE FROM user_search_terms WHERE profile_id IN ({list})"
            ))?
            .execute(params_from_iter(ids))?;
            format!(
                "DELETE FROM users WHERE profile_id IN
                 (SELECT profile_id FROM users WHERE profile_id IN ({list}) LIMIT ?)"
            )
        }
        RowKind::IdentityLinks => format!(
            "DELETE FROM identities WHERE from_id IN
             (SELECT from_id FROM identities WHERE from_id IN ({list}) LIMIT ?)"
        ),
    };
    delete_limited(c, &sql, ids, limit)
}

fn delete_limited(
    c: &Connection,
    sql: &str,
    ids: &[String],
    limit: usize,
) -> rusqlite::Result<usize> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let args = ids
        .iter()
        .map(|id| rusqlite::types::Value::from(id.clone()))
        .chain([limit.into()]);
    c.prepare_cached(sql)?.execute(params_from_iter(args))
}

/// Deletes up to `limit` visits (analytics sessions) of `ids`; returns how many. Anything
/// kept in step with the visits table hooks in here.
pub(super) fn forget_visits(
    c: &Connection,
    ids: &[String],
    limit: usize,
) -> rusqlite::Result<usize> {
    // The same ordered selection twice in the step's transaction names the same visits:
    // first their tombstones for the reports index, then the delete.
    let some = format!(
        "(profile_id, key) IN (SELECT profile_id, key FROM visits
         WHERE profile_id IN ({}) ORDER BY profile_id, key LIMIT ?)",
        placeholders(ids.len())
    );
    let l = i64::try_from(limit).unwrap_or(i64::MAX);
    let args = || {
        ids.iter()
            .map(|id| rusqlite::types::Value::from(id.clone()))
            .chain([l.into()])
    };
    super::record_visits_gone(c, &some, params_from_iter(args()))?;
    c.prepare_cached(&format!("DELETE FROM visits WHERE {some}"))?
        .execute(params_from_iter(args()))
}

/// Deletes up to `limit` retention marks (day marks first, then first-activity marks) of
/// `ids`; returns how many.
fn forget_retention_marks(c: &Connection, ids: &[String], limit: usize) -> rusqlite::Result<usize> {
    let list = placeholders(ids.len());
    let days = format!(
        "DELETE FROM retention_days WHERE (profile_id, kind, day) IN
         (SELECT profile_id, kind, day FROM retention_days WHERE profile_id IN ({list}) LIMIT ?)"
    );
    let removed = delete_limited(c, &days, ids, limit)?;
    if removed >= limit {
        return Ok(removed);
    }
    let firsts = format!(
        "DELETE FROM retention_firsts WHERE (profile_id, kind) IN
         (SELECT profile_id, kind FROM retention_firsts WHERE profile_id IN ({list}) LIMIT ?)"
    );
    Ok(removed + delete_limited(c, &firsts, ids, limit - removed)?)
}

/// Moves up to `limit` active-day marks of `ids` to `pseudonym` (one mark per day);
/// returns how many marks of `ids` are gone.
fn anonymise_active_days(
    c: &Connection,
    ids: &[String],
    pseudonym: &str,
    limit: usize,
) -> rusqlite::Result<usize> {
    let sql = format!(
        "SELECT day, profile_id FROM daily_active_users WHERE profile_id IN ({}) LIMIT ?",
        placeholders(ids.len())
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let args = ids
        .iter()
        .map(|id| rusqlite::types::Value::from(id.clone()))
        .chain([limit.into()]);
    let marks = c
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut mark = c.prepare_cached(
        "INSERT OR IGNORE INTO daily_active_users (day, profile_id) VALUES (?1, ?2)",
    )?;
    let mut unmark =
        c.prepare_cached("DELETE FROM daily_active_users WHERE day = ?1 AND profile_id = ?2")?;
    for (day, profile) in &marks {
        mark.execute(params![day, pseudonym])?;
        unmark.execute(params![day, profile])?;
    }
    Ok(marks.len())
}
