//! The MongoDB engine's saved funnels: the `saved_funnels` collection, one document per
//! funnel (`_id` its id, `updated_at` for the order, its record as JSON text in `body`).
//! Unsharded: a shop keeps at most a few hundred.

use super::accounts::is_duplicate_key;
use super::*;
use crate::storage::funnels::{MAX_SAVED_FUNNELS, SavedFunnel, SavedFunnelStore, decode, encode};

pub(super) const SAVED_FUNNELS: &str = "saved_funnels";

fn to_doc(f: &SavedFunnel) -> Result<Document, StoreError> {
    Ok(doc! { "_id": &f.id, "updated_at": bson_time(f.updated_at), "body": encode(f)? })
}

fn from_doc(d: &Document) -> Result<SavedFunnel, StoreError> {
    let body = d
        .get_str("body")
        .map_err(|_| malformed("saved funnel", d, "field body is missing"))?;
    decode(body)
}

#[async_trait]
impl SavedFunnelStore for MongoStore {
    async fn create_saved_funnel(&self, f: &SavedFunnel) -> Result<(), StoreError> {
        let coll: Collection<Document> = self.db.collection(SAVED_FUNNELS);
        match coll.insert_one(to_doc(f)?).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => {
                Err(StoreError::Conflict("this saved funnel exists".to_owned()))
            }
            Err(e) => Err(driver_error(&e)),
        }
    }

    async fn saved_funnels(&self) -> Result<Vec<SavedFunnel>, StoreError> {
        let coll: Collection<Document> = self.db.collection(SAVED_FUNNELS);
        let docs: Vec<Document> = coll
            .find(doc! {})
            .sort(doc! { "updated_at": -1, "_id": 1 })
            .limit(i64::try_from(MAX_SAVED_FUNNELS).unwrap_or(i64::MAX))
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        docs.iter().map(from_doc).collect()
    }

    async fn saved_funnel(&self, id: &str) -> Result<Option<SavedFunnel>, StoreError> {
        let coll: Collection<Document> = self.db.collection(SAVED_FUNNELS);
        coll.find_one(doc! { "_id": id })
            .await
            .map_err(|e| driver_error(&e))?
            .as_ref()
            .map(from_doc)
            .transpose()
    }

    async fn update_saved_funnel(&self, f: &SavedFunnel) -> Result<bool, StoreError> {
        let coll: Collection<Document> = self.db.collection(SAVED_FUNNELS);
        let r = coll
            .replace_one(doc! { "_id": &f.id }, to_doc(f)?)
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(r.matched_count == 1)
    }

    async fn delete_saved_funnel(&self, id: &str) -> Result<bool, StoreError> {
        let coll: Collection<Document> = self.db.collection(SAVED_FUNNELS);
        let r = coll
            .delete_one(doc! { "_id": id })
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(r.deleted_count == 1)
    }
}
