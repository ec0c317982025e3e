//! The product catalog's store ([`crate::catalog`] decides; engines read and write rows):
//! upsert by SKU, read by SKUs, count.

use std::collections::HashMap;

use async_trait::async_trait;

use super::StoreError;
use crate::catalog::{CatalogItem, Upserted};

/// Most SKUs one [`CatalogStore::upsert_catalog`] or [`CatalogStore::catalog_items`] call
/// takes (imports call it per chunk; reports with at most a few hundred rows).
pub const MAX_SKUS_PER_CALL: usize = 1_000;

#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Writes each item by SKU, replacing a stored item whole, and leaves an item stored
    /// with equal values untouched ([`crate::catalog::upsert_outcome`]). Outcomes match
    /// `items` index for index; a SKU repeated in `items` takes its last values.
    async fn upsert_catalog(&self, items: &[CatalogItem]) -> Result<Vec<Upserted>, StoreError>;

    /// The stored items among `skus`.
    async fn catalog_items(
        &self,
        skus: &[String],
    ) -> Result<HashMap<String, CatalogItem>, StoreError>;

    /// How many items the catalog holds.
    async fn catalog_count(&self) -> Result<u64, StoreError>;
}

/// The outcomes of an upsert of `items` over `stored`, and the items to write (the last of
/// each SKU that is not unchanged), written once for both engines.
pub fn plan_upsert(
    items: &[CatalogItem],
    stored: &HashMap<String, CatalogItem>,
) -> (Vec<Upserted>, Vec<CatalogItem>) {
    let mut seen: HashMap<&str, &CatalogItem> = HashMap::new();
    let mut outcomes = Vec::with_capacity(items.len());
    let mut writes: HashMap<&str, &CatalogItem> = HashMap::new();
    for item in items {
        let before = seen
            .get(item.sku.as_str())
            .copied()
            .or(stored.get(&item.sku));
        let outcome = crate::catalog::upsert_outcome(before, item);
        if outcome != Upserted::Unchanged {
            writes.insert(&item.sku, item);
        }
        seen.insert(&item.sku, item);
        outcomes.push(outcome);
    }
    // The last value of each SKU is what ends up stored.
    let writes = writes
        .into_keys()
        .filter_map(|sku| seen.get(sku).map(|i| (*i).clone()))
        .collect();
    (outcomes, writes)
}
