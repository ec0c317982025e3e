//! Saved funnels: a name and a funnel's definition (as the API takes it, checked there),
//! kept so a funnel can be shared and opened again. Engines keep the whole record as JSON
//! text; the funnel itself is computed by [`crate::funnels`] from visits, not stored.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::StoreError;

/// Most saved funnels a shop keeps.
pub const MAX_SAVED_FUNNELS: usize = 500;

/// A saved funnel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedFunnel {
    pub id: String,
    pub name: String,
    /// The funnel request (steps, window, breakdown, ...), checked before it is saved.
    pub definition: Value,
    /// The account that created it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Storage of saved funnels.
#[async_trait]
pub trait SavedFunnelStore: Send + Sync {
    /// Stores a new saved funnel (`Conflict` when its id exists).
    async fn create_saved_funnel(&self, f: &SavedFunnel) -> Result<(), StoreError>;
    /// Every saved funnel, most recently updated first.
    async fn saved_funnels(&self) -> Result<Vec<SavedFunnel>, StoreError>;
    async fn saved_funnel(&self, id: &str) -> Result<Option<SavedFunnel>, StoreError>;
    /// Replaces a saved funnel; `false` when there is none with its id.
    async fn update_saved_funnel(&self, f: &SavedFunnel) -> Result<bool, StoreError>;
    /// `false` when there was none.
    async fn delete_saved_funnel(&self, id: &str) -> Result<bool, StoreError>;
}

pub(crate) fn encode(f: &SavedFunnel) -> Result<String, StoreError> {
    serde_json::to_string(f).map_err(|e| StoreError::Internal(format!("cannot encode: {e}")))
}

pub(crate) fn decode(text: &str) -> Result<SavedFunnel, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Internal(format!("a stored saved funnel cannot be read: {e}")))
}
