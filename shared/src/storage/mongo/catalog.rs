//! The MongoDB engine's catalog and traits imports. `catalog`: one document per SKU
//! (`_id` is the SKU, also its shard key), the item whole as JSON text in `body`, replaced
//! by an upsert only when the values differ. Traits merge in one transaction through the
//! engine's retry loop, by [`profile_traits::merge`].

use std::collections::HashMap;

use super::write::{MongoTx, TxBody};
use super::*;
use crate::catalog::{CatalogItem, Upserted};
use crate::jobs::schedules::ImportSchedule;
use crate::storage::catalog::{CatalogStore, plan_upsert};
use crate::storage::profile_traits::{self, TraitOutcome, TraitStore, TraitUpdate};

pub(super) const CATALOG: &str = "catalog";

struct MergeTraits<'a>(&'a [TraitUpdate]);

impl TxBody for MergeTraits<'_> {
    type Output = Vec<TraitOutcome>;
    async fn run(&self, tx: &mut MongoTx<'_>) -> Result<Vec<TraitOutcome>, Failure> {
        profile_traits::merge(tx, self.0).await
    }
}

impl MongoStore {
    fn catalog(&self) -> Collection<Document> {
        self.db.collection(CATALOG)
    }
}

#[async_trait]
impl CatalogStore for MongoStore {
    async fn upsert_catalog(&self, items: &[CatalogItem]) -> Result<Vec<Upserted>, StoreError> {
        let skus: Vec<String> = items.iter().map(|i| i.sku.clone()).collect();
        let stored = self.catalog_items(&skus).await?;
        let (outcomes, writes) = plan_upsert(items, &stored);
        let now = bson::DateTime::now();
        for item in writes {
            self.catalog()
                .replace_one(
                    doc! { "_id": &item.sku },
                    doc! { "_id": &item.sku, "body": body_text(&item)?, "updated_at": now },
                )
                .upsert(true)
                .await
                .map_err(|e| driver_error(&e))?;
        }
        Ok(outcomes)
    }

    async fn catalog_items(
        &self,
        skus: &[String],
    ) -> Result<HashMap<String, CatalogItem>, StoreError> {
        if skus.is_empty() {
            return Ok(HashMap::new());
        }
        let docs: Vec<Document> = self
            .catalog()
            .find(doc! { "_id": { "$in": skus } })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        docs.iter()
            .map(|d| body_of::<CatalogItem>(d, "catalog item").map(|i| (i.sku.clone(), i)))
            .collect()
    }

    async fn catalog_count(&self) -> Result<u64, StoreError> {
        self.catalog()
            .count_documents(doc! {})
            .await
            .map_err(|e| driver_error(&e))
    }
}

#[async_trait]
impl TraitStore for MongoStore {
    async fn merge_traits(&self, updates: &[TraitUpdate]) -> Result<Vec<TraitOutcome>, StoreError> {
        self.in_transaction(&MergeTraits(updates)).await
    }

    async fn profiles_by_email(&self, email: &str) -> Result<Vec<String>, StoreError> {
        let Some((term, _)) = crate::people::prefix_range(email) else {
            return Ok(Vec::new());
        };
        let docs: Vec<Document> = self
            .users
            .find(doc! { "search": term })
            .sort(doc! { "_id": 1 })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        let mut ids = Vec::new();
        for d in &docs {
            let p = profile_from_doc(d)?;
            if profile_traits::email_matches(&p.traits, email) {
                ids.push(p.id);
            }
        }
        Ok(ids)
    }
}

pub(super) const IMPORT_SCHEDULES: &str = "import_schedules";

/// `import_schedules`: one small document per schedule (`_id` its id), the schedule whole
/// as JSON text in `body`; read whole by the worker every minute.
#[async_trait]
impl ImportScheduleStore for MongoStore {
    async fn add_import_schedule(&self, schedule: &ImportSchedule) -> Result<(), StoreError> {
        self.db
            .collection::<Document>(IMPORT_SCHEDULES)
            .insert_one(doc! {
                "_id": &schedule.id,
                "created_at": bson_time(schedule.created_at),
                "body": body_text(schedule)?,
            })
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(())
    }

    async fn import_schedules(&self) -> Result<Vec<ImportSchedule>, StoreError> {
        let docs: Vec<Document> = self
            .db
            .collection::<Document>(IMPORT_SCHEDULES)
            .find(doc! {})
            .sort(doc! { "created_at": 1, "_id": 1 })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        docs.iter().map(|d| body_of(d, "import schedule")).collect()
    }

    async fn delete_import_schedule(&self, id: &str) -> Result<bool, StoreError> {
        let r = self
            .db
            .collection::<Document>(IMPORT_SCHEDULES)
            .delete_one(doc! { "_id": id })
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(r.deleted_count > 0)
    }
}
