//! The embedded engine's saved funnels: one row per funnel, its record as JSON text.

use super::accounts::is_unique_violation;
use super::*;
use crate::storage::funnels::{SavedFunnel, SavedFunnelStore, decode, encode};

#[async_trait]
impl SavedFunnelStore for SqliteStore {
    async fn create_saved_funnel(&self, f: &SavedFunnel) -> Result<(), StoreError> {
        let (id, at, body) = (f.id.clone(), ms(f.updated_at), encode(f)?);
        let created = self
            .with_conn(move |c| {
                c.prepare_cached(
                    "INSERT INTO saved_funnels (id, updated_at, body) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![id, at, body])
                .map(|_| true)
                .or_else(|e| {
                    if is_unique_violation(&e) {
                        Ok(false)
                    } else {
                        Err(e)
                    }
                })
            })
            .await?;
        if created {
            Ok(())
        } else {
            Err(StoreError::Conflict("this saved funnel exists".to_owned()))
        }
    }

    async fn saved_funnels(&self) -> Result<Vec<SavedFunnel>, StoreError> {
        let bodies: Vec<String> = self
            .with_conn(|c| {
                c.prepare_cached(
                    "SELECT body FROM saved_funnels ORDER BY updated_at DESC, id LIMIT ?1",
                )?
                .query_map(
                    params![i64::try_from(crate::storage::funnels::MAX_SAVED_FUNNELS).unwrap_or(0)],
                    |r| r.get(0),
                )?
                .collect()
            })
            .await?;
        bodies.iter().map(|b| decode(b)).collect()
    }

    async fn saved_funnel(&self, id: &str) -> Result<Option<SavedFunnel>, StoreError> {
        let id = id.to_owned();
        let body: Option<String> = self
            .with_conn(move |c| {
                c.prepare_cached("SELECT body FROM saved_funnels WHERE id = ?1")?
                    .query_row(params![id], |r| r.get(0))
                    .optional()
            })
            .await?;
        body.as_deref().map(decode).transpose()
    }

    async fn update_saved_funnel(&self, f: &SavedFunnel) -> Result<bool, StoreError> {
        let (id, at, body) = (f.id.clone(), ms(f.updated_at), encode(f)?);
        self.with_conn(move |c| {
            c.prepare_cached("UPDATE saved_funnels SET updated_at = ?2, body = ?3 WHERE id = ?1")?
                .execute(params![id, at, body])
                .map(|n| n == 1)
        })
        .await
    }

    async fn delete_saved_funnel(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached("DELETE FROM saved_funnels WHERE id = ?1")?
                .execute(params![id])
                .map(|n| n == 1)
        })
        .await
    }
}
