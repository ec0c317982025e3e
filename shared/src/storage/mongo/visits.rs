//! Visits and orders on MongoDB, read side: the `visits` and `orders` collections, whose
//! documents keep their whole value as JSON text in `body` (written with their batch, see
//! `write`).

use super::*;
use crate::commerce::Order;
use crate::session::Session;
use crate::storage::{GoneVisit, MarkedVisit, VisitFeed, VisitStore};

async fn bodies<T: serde::de::DeserializeOwned>(
    coll: Collection<Document>,
    filter: Document,
    sort: Document,
    what: &str,
) -> Result<Vec<T>, StoreError> {
    let docs: Vec<Document> = coll
        .find(filter)
        .sort(sort)
        .await
        .map_err(|e| driver_error(&e))?
        .try_collect()
        .await
        .map_err(|e| driver_error(&e))?;
    docs.iter().map(|d| body_of(d, what)).collect()
}

#[async_trait]
impl VisitStore for MongoStore {
    async fn visits(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Session>, StoreError> {
        bodies(
            self.db.collection(VISITS),
            doc! { "start": { "$gte": bson_time(from), "$lt": bson_time(to) } },
            doc! { "start": 1, "profile_id": 1, "key": 1 },
            "visit",
        )
        .await
    }

    async fn orders(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Order>, StoreError> {
        bodies(
            self.db.collection(ORDERS),
            doc! { "at": { "$gte": bson_time(from), "$lt": bson_time(to) } },
            doc! { "at": 1, "_id": 1 },
            "order",
        )
        .await
    }

    async fn first_orders(
        &self,
        end: DateTime<Utc>,
    ) -> Result<std::collections::HashMap<String, DateTime<Utc>>, StoreError> {
        let docs: Vec<Document> = self
            .db
            .collection::<Document>(ORDERS)
            .aggregate([
                doc! { "$match": { "at": { "$lt": bson_time(end) } } },
                doc! { "$group": { "_id": "$profile_id", "first": { "$min": "$at" } } },
            ])
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(docs
            .iter()
            .filter_map(|d| {
                let who = d.get_str("_id").ok()?.to_owned();
                let first = d.get_datetime("first").ok()?.timestamp_millis();
                Some((who, DateTime::from_timestamp_millis(first)?))
            })
            .collect())
    }
}

async fn marked(
    coll: Collection<Document>,
    filter: Document,
) -> Result<Vec<MarkedVisit>, StoreError> {
    let docs: Vec<Document> = coll
        .find(filter)
        .await
        .map_err(|e| driver_error(&e))?
        .try_collect()
        .await
        .map_err(|e| driver_error(&e))?;
    docs.iter()
        .map(|d| {
            Ok(MarkedVisit {
                visit: body_of(d, "visit")?,
                // Visits written before markers existed have none: 0, loaded by start.
                updated_ms: d.get_i64("updated_ms").unwrap_or(0),
            })
        })
        .collect()
}

#[async_trait]
impl VisitFeed for MongoStore {
    async fn visits_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<MarkedVisit>, StoreError> {
        marked(
            self.db.collection(VISITS),
            doc! { "start": { "$gte": bson_time(from), "$lt": bson_time(until) } },
        )
        .await
    }

    async fn visits_changed(&self, since_ms: i64) -> Result<Vec<MarkedVisit>, StoreError> {
        marked(
            self.db.collection(VISITS),
            doc! { "updated_ms": { "$gte": since_ms } },
        )
        .await
    }

    async fn visits_gone(&self, since_ms: i64) -> Result<Vec<GoneVisit>, StoreError> {
        let docs: Vec<Document> = self
            .db
            .collection::<Document>(VISITS_GONE)
            .find(doc! { "gone_ms": { "$gte": since_ms } })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(docs
            .iter()
            .filter_map(|d| {
                Some(GoneVisit {
                    profile_id: d.get_str("profile_id").ok()?.to_owned(),
                    key: d.get_str("key").ok()?.to_owned(),
                    gone_ms: d.get_i64("gone_ms").ok()?,
                })
            })
            .collect())
    }

    async fn prune_visits_gone(&self, before_ms: i64) -> Result<u64, StoreError> {
        let deleted = self
            .db
            .collection::<Document>(VISITS_GONE)
            .delete_many(doc! { "gone_ms": { "$lt": before_ms } })
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(deleted.deleted_count)
    }
}
