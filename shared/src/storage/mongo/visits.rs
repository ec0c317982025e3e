//! Visits and orders on MongoDB, read side: the `visits` and `orders` collections, whose
//! documents keep their whole value as JSON text in `body` (written with their batch, see
//! `write`).

use super::*;
use crate::commerce::Order;
use crate::session::Session;
use crate::storage::VisitStore;

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
}
