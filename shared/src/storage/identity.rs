//! The read side of identity links (see [`crate::identity`] for the rules and
//! [`super::write`] for how links are recorded with a batch).

use async_trait::async_trait;

use super::StoreError;

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// The user id `id` was linked to, if any.
    async fn linked_to(&self, id: &str) -> Result<Option<String>, StoreError>;
}
