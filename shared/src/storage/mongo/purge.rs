//! Retention deletes on MongoDB, run by the purge job rather than TTL indexes: a TTL
//! monitor deletes on its own clock (once a minute, unbounded, not counted), cannot follow
//! a retention changed in settings without rebuilding indexes, cannot express "profiles
//! last seen before" together with their identity links, and DocumentDB only has it on
//! some versions. The job deletes in bounded steps, counts what it deleted, and behaves as
//! the embedded engine does.
//!
//! Events, orders and active days are deleted outside transactions: each step finds
//! at most `limit` old documents by an indexed field and deletes those ids with the age
//! condition repeated, so a document a concurrent batch has just made recent is kept.
//! Profiles and their links go in one transaction per step, through the engine's retry loop.

use super::write::{MongoTx, TxBody};
use super::*;

/// Deletes up to `limit` documents of `coll` matching `old` (re-checked on delete).
async fn delete_some(
    coll: &Collection<Document>,
    old: Document,
    limit: usize,
) -> Result<u64, StoreError> {
    let found: Vec<Document> = coll
        .find(old.clone())
        .projection(doc! { "_id": 1 })
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .await
        .map_err(|e| driver_error(&e))?
        .try_collect()
        .await
        .map_err(|e| driver_error(&e))?;
    let ids: Vec<Bson> = found
        .into_iter()
        .filter_map(|d| d.get("_id").cloned())
        .collect();
    if ids.is_empty() {
        return Ok(0);
    }
    let mut filter = old;
    filter.insert("_id", doc! { "$in": ids });
    let deleted = coll
        .delete_many(filter)
        .await
        .map_err(|e| driver_error(&e))?;
    Ok(deleted.deleted_count)
}

/// One step of [`PurgeStore::forget_old_visits`]: the oldest visits, each leaving a
/// tombstone for the reports index in the same transaction.
struct ForgetVisits {
    before: bson::DateTime,
    limit: i64,
}

impl TxBody for ForgetVisits {
    type Output = u64;

    async fn run(&self, tx: &mut MongoTx<'_>) -> Result<u64, Failure> {
        // `start` first: that is the indexed field; a visit ends after it starts.
        let old = doc! { "start": { "$lt": self.before }, "end": { "$lt": self.before } };
        let visits = tx.store.db.collection::<Document>(VISITS);
        let ids = tx.ids_of(&visits, old.clone(), None, self.limit).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let mut these = old;
        these.insert("_id", doc! { "$in": ids });
        tx.record_visits_gone(these.clone()).await?;
        let deleted = visits.delete_many(these).session(&mut *tx.session).await?;
        Ok(deleted.deleted_count)
    }
}

/// One step of [`PurgeStore::forget_old_profiles`]: the oldest profiles and the links
/// to them, in one transaction.
struct ForgetProfiles {
    before: bson::DateTime,
    limit: i64,
}

impl TxBody for ForgetProfiles {
    type Output = u64;

    async fn run(&self, tx: &mut MongoTx<'_>) -> Result<u64, Failure> {
        // Oldest first, so each step takes the profiles idle longest.
        let users = tx.store.users.clone();
        let ids = tx
            .ids_of(
                &users,
                doc! { "last_seen": { "$lt": self.before } },
                Some(doc! { "last_seen": 1, "_id": 1 }),
                self.limit,
            )
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        tx.store
            .db
            .collection::<Document>(identity::IDENTITIES)
            .delete_many(doc! { "to": { "$in": ids.clone() } })
            .session(&mut *tx.session)
            .await?;
        // The cohort report's retention marks of these people go with their profiles.
        for marks in [retention::RETENTION_DAYS, retention::RETENTION_FIRSTS] {
            tx.store
                .db
                .collection::<Document>(marks)
                .delete_many(doc! { "p": { "$in": ids.clone() } })
                .session(&mut *tx.session)
                .await?;
        }
        let deleted = tx
            .store
            .users
            .delete_many(doc! { "_id": { "$in": ids }, "last_seen": { "$lt": self.before } })
            .session(&mut *tx.session)
            .await?;
        Ok(deleted.deleted_count)
    }
}

#[async_trait]
impl PurgeStore for MongoStore {
    async fn forget_old_events(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError> {
        delete_some(
            &self.events,
            doc! { "occurred_at": { "$lt": bson_time(before) } },
            limit,
        )
        .await
    }

    async fn forget_old_visits(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError> {
        self.in_transaction(&ForgetVisits {
            before: bson_time(before),
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
        })
        .await
    }

    async fn forget_old_orders(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError> {
        delete_some(
            &self.db.collection(ORDERS),
            doc! { "at": { "$lt": bson_time(before) } },
            limit,
        )
        .await
    }

    async fn forget_old_active_days(
        &self,
        before: NaiveDate,
        limit: usize,
    ) -> Result<u64, StoreError> {
        delete_some(
            &self.active_users,
            doc! { "d": { "$lt": day_key(before) } },
            limit,
        )
        .await
    }

    async fn forget_old_profiles(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError> {
        self.in_transaction(&ForgetProfiles {
            before: bson_time(before),
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
        })
        .await
    }
}
