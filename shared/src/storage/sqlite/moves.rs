//! Pending moves on SQLite: each chunk is one transaction on the writer connection (so it
//! queues between batches, never inside one), decided by [`moves::move_chunk`].

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::Notify;

use super::{SqliteStore, run_now, write::SqliteTx};
use crate::storage::StoreError;
use crate::storage::moves::{self, MoveStep, MoveStore};

#[async_trait]
impl MoveStore for SqliteStore {
    async fn move_chunk(&self) -> Result<MoveStep, StoreError> {
        let chunk = self.merge_move_chunk;
        self.with_writer(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let step = run_now(moves::move_chunk(&mut SqliteTx::new(&tx), chunk))?;
            tx.commit()?;
            Ok(step)
        })
        .await
    }

    async fn pending_moves(&self) -> Result<u64, StoreError> {
        self.with_conn(|c| c.query_row("SELECT count(*) FROM pending_moves", [], |r| r.get(0)))
            .await
    }

    fn moves_recorded(&self) -> Arc<Notify> {
        self.moves_recorded.clone()
    }
}

/// The profile ids whose events make up `id`'s journey: its person (the id itself unless
/// linked), then the person's earlier ids whose events are still being moved.
pub(super) fn journey_profiles(c: &Connection, id: &str) -> rusqlite::Result<Vec<String>> {
    let person: String = c
        .prepare_cached("SELECT coalesce((SELECT to_id FROM identities WHERE from_id = ?1), ?1)")?
        .query_row([id], |r| r.get(0))?;
    let mut ids = vec![person];
    let pending = c
        .prepare_cached("SELECT from_id FROM pending_moves WHERE to_id = ?1 ORDER BY from_id")?
        .query_map([&ids[0]], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.extend(pending);
    Ok(ids)
}
