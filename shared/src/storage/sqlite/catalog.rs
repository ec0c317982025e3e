//! The embedded engine's catalog and traits imports: rows in `catalog` upserted on the
//! writer connection; traits merged by [`profile_traits::merge`] in one writer transaction.

use std::collections::HashMap;

use super::*;
use crate::catalog::{CatalogItem, Upserted};
use crate::commerce::{Currency, Money};
use crate::jobs::schedules::ImportSchedule;
use crate::storage::catalog::{CatalogStore, plan_upsert};
use crate::storage::profile_traits::{self, TraitOutcome, TraitStore, TraitUpdate};

fn read_items(c: &Connection, skus: &[String]) -> rusqlite::Result<HashMap<String, CatalogItem>> {
    let mut found = HashMap::with_capacity(skus.len());
    let mut read = c.prepare_cached(
        "SELECT sku, name, category, brand, price_minor, currency FROM catalog WHERE sku = ?1",
    )?;
    for sku in skus {
        let row = read
            .query_row([sku], |r| {
                let minor: Option<i64> = r.get(4)?;
                let currency: Option<String> = r.get(5)?;
                let price = match (minor, currency.as_deref().and_then(Currency::parse)) {
                    (Some(minor), Some(currency)) => Some(Money { minor, currency }),
                    _ => None,
                };
                Ok(CatalogItem {
                    sku: r.get(0)?,
                    name: r.get(1)?,
                    category: r.get(2)?,
                    brand: r.get(3)?,
                    price,
                })
            })
            .optional()?;
        if let Some(item) = row {
            found.insert(item.sku.clone(), item);
        }
    }
    Ok(found)
}

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn upsert_catalog(&self, items: &[CatalogItem]) -> Result<Vec<Upserted>, StoreError> {
        let items = items.to_vec();
        let now = ms(Utc::now());
        self.with_writer(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let skus: Vec<String> = items.iter().map(|i| i.sku.clone()).collect();
            let stored = read_items(&tx, &skus)?;
            let (outcomes, writes) = plan_upsert(&items, &stored);
            {
                let mut put = tx.prepare_cached(
                    "INSERT OR REPLACE INTO catalog
                        (sku, name, category, brand, price_minor, currency, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for i in &writes {
                    put.execute(params![
                        i.sku,
                        i.name,
                        i.category,
                        i.brand,
                        i.price.map(|p| p.minor),
                        i.price.map(|p| p.currency.to_string()),
                        now,
                    ])?;
                }
            }
            tx.commit()?;
            Ok(outcomes)
        })
        .await
    }

    async fn catalog_items(
        &self,
        skus: &[String],
    ) -> Result<HashMap<String, CatalogItem>, StoreError> {
        let skus = skus.to_vec();
        self.with_conn(move |c| read_items(c, &skus)).await
    }

    async fn catalog_count(&self) -> Result<u64, StoreError> {
        self.with_conn(|c| c.query_row("SELECT COUNT(*) FROM catalog", [], |r| r.get(0)))
            .await
    }
}

#[async_trait]
impl TraitStore for SqliteStore {
    async fn merge_traits(&self, updates: &[TraitUpdate]) -> Result<Vec<TraitOutcome>, StoreError> {
        let updates = updates.to_vec();
        self.with_writer(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let outcomes = run_now(profile_traits::merge(
                &mut write::SqliteTx::new(&tx),
                &updates,
            ))?;
            tx.commit()?;
            Ok(outcomes)
        })
        .await
    }

    async fn profiles_by_email(&self, email: &str) -> Result<Vec<String>, StoreError> {
        let Some((term, _)) = crate::people::prefix_range(email) else {
            return Ok(Vec::new());
        };
        let email = email.to_owned();
        self.with_conn(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT u.profile_id, u.traits FROM user_search_terms t
                 JOIN users u ON u.profile_id = t.profile_id
                 WHERE t.term = ?1 ORDER BY u.profile_id",
            )?;
            let rows = stmt
                .query_map([term], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<(String, Option<String>)>>>()?;
            let mut ids = Vec::new();
            for (id, traits) in rows {
                if json_map(traits)?.is_some_and(|t| profile_traits::email_matches(&t, &email)) {
                    ids.push(id);
                }
            }
            Ok(ids)
        })
        .await
    }
}

#[async_trait]
impl ImportScheduleStore for SqliteStore {
    async fn add_import_schedule(&self, schedule: &ImportSchedule) -> Result<(), StoreError> {
        let (id, at) = (schedule.id.clone(), ms(schedule.created_at));
        let body = serde_json::to_string(schedule)
            .map_err(|e| StoreError::Internal(format!("cannot encode a schedule: {e}")))?;
        self.with_conn(move |c| {
            c.execute(
                "INSERT INTO import_schedules (id, created_at, body) VALUES (?1, ?2, ?3)",
                params![id, at, body],
            )
            .map(|_| ())
        })
        .await
    }

    async fn import_schedules(&self) -> Result<Vec<ImportSchedule>, StoreError> {
        let bodies = self
            .with_conn(|c| {
                c.prepare_cached("SELECT body FROM import_schedules ORDER BY created_at, id")?
                    .query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        bodies
            .iter()
            .map(|b| {
                serde_json::from_str(b).map_err(|e| {
                    StoreError::Internal(format!("a stored schedule does not read: {e}"))
                })
            })
            .collect()
    }

    async fn delete_import_schedule(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.execute("DELETE FROM import_schedules WHERE id = ?1", [id])
                .map(|n| n > 0)
        })
        .await
    }
}
