//! Saved segments (`crate::segments`) and the profile read that resolving them needs. The
//! definition is stored as the shared JSON of its conditions: engines never look inside.

use async_trait::async_trait;

use super::{StoreError, UserProfile};
use std::sync::Arc;

use crate::segments::{Members, Segment};

/// Saved segments, newest first in lists.
#[async_trait]
pub trait SegmentStore: Send + Sync {
    async fn create_segment(&self, segment: &Segment) -> Result<(), StoreError>;
    /// Every segment, newest first (a shop keeps tens, not thousands).
    async fn list_segments(&self) -> Result<Vec<Segment>, StoreError>;
    async fn get_segment(&self, id: &str) -> Result<Option<Segment>, StoreError>;
    /// Replaces name, conditions and `updated_at`; false when there is no such segment.
    async fn update_segment(&self, segment: &Segment) -> Result<bool, StoreError>;
    /// False when there is no such segment.
    async fn delete_segment(&self, id: &str) -> Result<bool, StoreError>;
    /// Every profile (any order): what trait and profile conditions read.
    async fn all_profiles(&self) -> Result<Vec<UserProfile>, StoreError>;
    /// The profiles of a segment's members (any order): what the users list narrowed to a
    /// segment pages through. Others are skipped before their traits are decoded.
    async fn member_profiles(&self, members: Arc<Members>) -> Result<Vec<UserProfile>, StoreError>;
}

/// The stored text of a segment's conditions.
pub fn conditions_json(segment: &Segment) -> String {
    // Serialising plain enums and strings cannot fail.
    serde_json::to_string(&segment.conditions).unwrap_or_else(|_| "[]".into())
}

/// Conditions read back from their stored text.
pub fn conditions_from_json(
    id: &str,
    text: &str,
) -> Result<Vec<crate::segments::Condition>, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Internal(format!("segment {id} has unreadable conditions: {e}")))
}
