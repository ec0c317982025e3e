//! The embedded engine's funnels: one pass over the step types' events in the range (plus
//! the window), in profile-then-time order, counted by [`FunnelCounter`].
//!
//! No dedicated index: one would slow every write, and funnels are an occasional read. The
//! journey index `(profile_id, occurred_at, event_id)` already has the order wanted.

use super::*;
use crate::storage::funnels::{FunnelCounter, FunnelQuery, FunnelReport, FunnelStore};

#[async_trait]
impl FunnelStore for SqliteStore {
    async fn funnel(&self, q: &FunnelQuery) -> Result<FunnelReport, StoreError> {
        let types = q.distinct_types();
        let sql = format!(
            "SELECT profile_id, type, occurred_at FROM events \
             WHERE type IN ({}) AND occurred_at >= ? AND occurred_at < ? \
             ORDER BY profile_id, occurred_at, event_id",
            super::placeholders(types.len())
        );
        let mut args: Vec<rusqlite::types::Value> = types.into_iter().map(Into::into).collect();
        args.push(ms(q.from).into());
        args.push(ms(q.read_until()).into());
        let q = q.clone();
        self.with_conn(move |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let mut rows = stmt.query(params_from_iter(args))?;
            let mut counter = FunnelCounter::new(&q);
            while let Some(r) = rows.next()? {
                let profile: String = r.get(0)?;
                let event_type: String = r.get(1)?;
                counter.push(&profile, &event_type, r.get(2)?);
            }
            Ok(counter.finish())
        })
        .await
    }
}
