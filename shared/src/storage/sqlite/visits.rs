//! Visits and orders on SQLite, read side. They are written with their batch (see
//! `storage::write` and this engine's `write` module).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{SqliteStore, json_value, ms};
use crate::commerce::Order;
use crate::session::Session;
use crate::storage::{StoreError, VisitStore};

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
}
