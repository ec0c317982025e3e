//! Identity links on MongoDB, read side: the `identities` collection (`_id` = the earlier
//! id, `to` = the canonical user id). Links are written with their batch (`write`).

use super::*;
use crate::storage::IdentityStore;

pub(super) const IDENTITIES: &str = "identities";

/// Created at start-up with the others: links are repointed by their target.
pub(super) fn indexes() -> Vec<(&'static str, IndexModel)> {
    vec![(
        IDENTITIES,
        IndexModel::builder().keys(doc! { "to": 1 }).build(),
    )]
}

#[async_trait]
impl IdentityStore for MongoStore {
    async fn linked_to(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .collection::<Document>(IDENTITIES)
            .find_one(doc! { "_id": id })
            .await
            .map_err(|e| driver_error(&e))?
            .and_then(|d| d.get_str("to").ok().map(str::to_owned)))
    }
}
