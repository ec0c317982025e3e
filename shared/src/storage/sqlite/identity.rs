//! Identity links on SQLite, read side. Links are written with their batch (see
//! `storage::write` and this engine's `write` module).

use async_trait::async_trait;
use rusqlite::OptionalExtension as _;

use super::SqliteStore;
use crate::storage::{IdentityStore, StoreError};

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn linked_to(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached("SELECT to_id FROM identities WHERE from_id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()
        })
        .await
    }
}
