//! Visits and orders on SQLite, read side. They are written with their batch (see
//! `storage::write` and this engine's `write` module).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use rusqlite::{Connection, params};

use std::collections::HashMap;
use std::sync::Arc;

use super::{SqliteStore, from_ms, json_value, ms};
use crate::commerce::{Currency, Money, Order, OrderAmount};
use crate::session::Session;
use crate::storage::visit_feed::marker_now;
use crate::storage::{
    FeedCursor, GoneVisit, KnownVisits, MarkedVisit, StoreError, VisitFeed, VisitStore,
};

/// Leaves a tombstone for every visit that matches `condition` (SQL over the `visits`
/// table, with its own `params`). Call it in the transaction that deletes those visits,
/// just before the delete: every visit delete goes through here, so each instance's
/// reports index forgets the visit (`storage::visit_feed`).
pub(crate) fn record_visits_gone(
    c: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<usize> {
    // The marker is a number the engine made, not input: it may sit in the text.
    c.execute(
        &format!(
            "INSERT INTO visits_gone (profile_id, key, gone_ms)
             SELECT profile_id, key, {} FROM visits WHERE {condition}
             ON CONFLICT (profile_id, key) DO UPDATE SET gone_ms = excluded.gone_ms",
            marker_now()
        ),
        params,
    )
}

fn marked(r: &rusqlite::Row<'_>) -> rusqlite::Result<MarkedVisit> {
    Ok(MarkedVisit {
        visit: json_value::<Session>(r.get(0)?)?,
        updated_ms: r.get(1)?,
    })
}

#[async_trait]
impl VisitFeed for SqliteStore {
    async fn visits_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<MarkedVisit>, StoreError> {
        self.with_conn(move |c| {
            c.prepare_cached(
                "SELECT body, updated_ms FROM visits WHERE start_ms >= ?1 AND start_ms < ?2",
            )?
            .query_map([ms(from), ms(until)], marked)?
            .collect()
        })
        .await
    }

    async fn visits_changed(&self, since_ms: i64) -> Result<Vec<MarkedVisit>, StoreError> {
        self.with_conn(move |c| {
            c.prepare_cached("SELECT body, updated_ms FROM visits WHERE updated_ms >= ?1")?
                .query_map([since_ms], marked)?
                .collect()
        })
        .await
    }

    async fn visits_changed_page(
        &self,
        since_ms: i64,
        after: Option<FeedCursor>,
        limit: usize,
        known: Arc<KnownVisits>,
    ) -> Result<(Vec<MarkedVisit>, Option<FeedCursor>), StoreError> {
        // `visits_updated` is ordered by (updated_ms, rowid): each page continues the scan.
        let (from_ms, from_row) = after.map_or((since_ms, i64::MIN), |a| (a.updated_ms, a.row));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_conn(move |c| {
            let mut statement = c.prepare_cached(
                "SELECT profile_id, key, updated_ms, rowid, body FROM visits
                 WHERE updated_ms >= ?1 AND (updated_ms, rowid) > (?2, ?3)
                 ORDER BY updated_ms, rowid LIMIT ?4",
            )?;
            let mut rows = statement.query(params![since_ms, from_ms, from_row, limit])?;
            let mut changed = Vec::new();
            let mut read = 0_i64;
            let mut last = None;
            while let Some(r) = rows.next()? {
                read += 1;
                let updated_ms: i64 = r.get(2)?;
                last = Some(FeedCursor {
                    updated_ms,
                    row: r.get(3)?,
                });
                // The body is neither copied nor decoded for a visit the reader holds.
                let known =
                    known.holds(r.get_ref(0)?.as_str()?, r.get_ref(1)?.as_str()?, updated_ms);
                if !known {
                    changed.push(MarkedVisit {
                        visit: json_value::<Session>(r.get(4)?)?,
                        updated_ms,
                    });
                }
            }
            Ok((changed, last.filter(|_| read == limit)))
        })
        .await
    }

    async fn visits_gone(&self, since_ms: i64) -> Result<Vec<GoneVisit>, StoreError> {
        self.with_conn(move |c| {
            c.prepare_cached(
                "SELECT profile_id, key, gone_ms FROM visits_gone WHERE gone_ms >= ?1",
            )?
            .query_map([since_ms], |r| {
                Ok(GoneVisit {
                    profile_id: r.get(0)?,
                    key: r.get(1)?,
                    gone_ms: r.get(2)?,
                })
            })?
            .collect()
        })
        .await
    }

    async fn prune_visits_gone(&self, before_ms: i64) -> Result<u64, StoreError> {
        self.with_writer(move |c| {
            let n = c
                .prepare_cached("DELETE FROM visits_gone WHERE gone_ms < ?1")?
                .execute([before_ms])?;
            Ok(n as u64)
        })
        .await
    }
}

#[async_trait]
impl VisitStore for SqliteStore {
    async fn visits(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Session>, StoreError> {
        self.with_conn(move |c| {
            c.prepare_cached(
                "SELECT body FROM visits WHERE start_ms >= ?1 AND start_ms < ?2
                 ORDER BY start_ms, profile_id, key",
            )?
            .query_map([ms(from), ms(to)], |r| json_value::<Session>(r.get(0)?))?
            .collect()
        })
        .await
    }

    async fn orders(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Order>, StoreError> {
        self.with_conn(move |c| {
            c.prepare_cached(
                "SELECT body FROM orders WHERE at_ms >= ?1 AND at_ms < ?2 ORDER BY at_ms, order_id",
            )?
            .query_map([ms(from), ms(to)], |r| json_value::<Order>(r.get(0)?))?
            .collect()
        })
        .await
    }

    async fn order_amounts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<OrderAmount>, StoreError> {
        self.with_conn(move |c| {
            // One JSON path list: the body is parsed once, not once per field.
            c.prepare_cached(
                "SELECT profile_id, at_ms,
                        json_extract(body, '$.revenue.minor', '$.revenue.currency', '$.refunded')
                 FROM orders WHERE at_ms >= ?1 AND at_ms < ?2",
            )?
            .query_map([ms(from), ms(to)], |r| {
                let fields: String = r.get(2)?;
                let bad = |why: String| {
                    rusqlite::Error::FromSqlConversionFailure(
                        2,
                        rusqlite::types::Type::Text,
                        why.into(),
                    )
                };
                let (minor, code, refunded): (i64, String, i64) = serde_json::from_str(&fields)
                    .map_err(|e| bad(format!("stored order amounts {fields:?}: {e}")))?;
                let currency = Currency::parse(&code)
                    .ok_or_else(|| bad(format!("stored order with currency {code:?}")))?;
                Ok(OrderAmount {
                    profile_id: r.get(0)?,
                    at: from_ms(r.get(1)?)?,
                    revenue: Money { minor, currency },
                    refunded,
                })
            })?
            .collect()
        })
        .await
    }

    async fn first_orders(
        &self,
        end: DateTime<Utc>,
    ) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
        self.with_conn(move |c| {
            // Answered from the `orders_profile (profile_id, at_ms)` index alone.
            c.prepare_cached(
                "SELECT profile_id, MIN(at_ms) FROM orders WHERE at_ms < ?1 GROUP BY profile_id",
            )?
            .query_map([ms(end)], |r| Ok((r.get(0)?, from_ms(r.get(1)?)?)))?
            .collect()
        })
        .await
    }
}
