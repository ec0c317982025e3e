//! Erasure and suppression on MongoDB: `erasures` (`_id` = the job id, `person`, `ids`,
//! `rows` = {kind: count}, `created`) and `suppressions` (`_id` = a suppressed id, `at`).
//! Each `erase_rows` is one short transaction through the engine's retry loop
//! ([`MongoStore::in_transaction`]): the rows it removes and their count commit together.

use super::write::{MongoTx, TxBody};
use super::*;
use crate::storage::privacy::{ErasureRecord, PrivacyStore, RowKind};

pub(super) const ERASURES: &str = "erasures";
pub(super) const SUPPRESSIONS: &str = "suppressions";

fn id_list(ids: &[String]) -> Vec<Bson> {
    ids.iter().map(|s| Bson::String(s.clone())).collect()
}

/// One step of an erasure ([`PrivacyStore::erase_rows`]).
struct EraseRows<'a> {
    job_id: &'a str,
    kind: RowKind,
    ids: &'a [String],
    pseudonym: &'a str,
    limit: usize,
}

impl TxBody for EraseRows<'_> {
    type Output = u64;

    async fn run(&self, tx: &mut MongoTx<'_>) -> Result<u64, Failure> {
        let visits = if self.kind == RowKind::Visits {
            forget_visits(tx, self.ids, self.limit).await?
        } else {
            0
        };
        let (store, session) = tx.parts();
        let ids = id_list(self.ids);
        let db = &store.db;
        let limit = self.limit;
        let removed = match self.kind {
            RowKind::Events => {
                let filter = doc! { "profile_id": { "$in": &ids } };
                delete_some(&store.events, filter, limit, session).await?
            }
            RowKind::Visits => visits,
            RowKind::Orders => {
                let filter = doc! { "profile_id": { "$in": &ids } };
                delete_some(&db.collection(ORDERS), filter, limit, session).await?
            }
            RowKind::ActiveDays => {
                anonymise_active_days(store, &ids, self.pseudonym, limit, session).await?
            }
            RowKind::RetentionMarks => {
                let filter = doc! { "p": { "$in": &ids } };
                let days = db.collection(retention::RETENTION_DAYS);
                let removed = delete_some(&days, filter.clone(), limit, session).await?;
                let left = limit.saturating_sub(usize::try_from(removed).unwrap_or(limit));
                if left == 0 {
                    removed
                } else {
                    let firsts = db.collection(retention::RETENTION_FIRSTS);
                    removed + delete_some(&firsts, filter, left, session).await?
                }
            }
            RowKind::PendingMoves => {
                let filter = doc! { "_id": { "$in": &ids } };
                let coll = db.collection(moves::PENDING_MOVES);
                delete_some(&coll, filter, limit, session).await?
            }
            RowKind::Profiles => {
                let filter = doc! { "_id": { "$in": &ids } };
                delete_some(&store.users, filter, limit, session).await?
            }
            RowKind::IdentityLinks => {
                let filter = doc! { "_id": { "$in": &ids } };
                let coll = db.collection(identity::IDENTITIES);
                delete_some(&coll, filter, limit, session).await?
            }
        };
        if removed > 0 {
            let field = format!("rows.{}", self.kind.as_str());
            db.collection::<Document>(ERASURES)
                .update_one(
                    doc! { "_id": self.job_id },
                    doc! { "$inc": { field: to_i64(removed) } },
                )
                .session(&mut *session)
                .await?;
        }
        Ok(removed)
    }
}

/// Deletes up to `limit` documents matching `filter`; returns how many.
async fn delete_some(
    coll: &Collection<Document>,
    filter: Document,
    limit: usize,
    session: &mut ClientSession,
) -> Result<u64, Failure> {
    let mut cursor = coll
        .find(filter)
        .projection(doc! { "_id": 1 })
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .session(&mut *session)
        .await?;
    let mut found = Vec::new();
    while let Some(d) = cursor.next(&mut *session).await.transpose()? {
        if let Some(id) = d.get("_id") {
            found.push(id.clone());
        }
    }
    if found.is_empty() {
        return Ok(0);
    }
    let deleted = coll
        .delete_many(doc! { "_id": { "$in": found } })
        .session(&mut *session)
        .await?;
    Ok(deleted.deleted_count)
}

/// Deletes up to `limit` visits (analytics sessions) of `ids`; returns how many. Each
/// leaves a tombstone first (in the same transaction), so every instance's reports index
/// forgets it.
async fn forget_visits(tx: &mut MongoTx<'_>, ids: &[String], limit: usize) -> Result<u64, Failure> {
    let visits = tx.store.db.collection::<Document>(VISITS);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let found = tx
        .ids_of(
            &visits,
            doc! { "profile_id": { "$in": id_list(ids) } },
            None,
            limit,
        )
        .await?;
    if found.is_empty() {
        return Ok(0);
    }
    let these = doc! { "_id": { "$in": found } };
    tx.record_visits_gone(these.clone()).await?;
    let deleted = visits.delete_many(these).session(&mut *tx.session).await?;
    Ok(deleted.deleted_count)
}

/// Moves up to `limit` active-day marks of `ids` to `pseudonym` (one mark per day);
/// returns how many marks of `ids` are gone.
async fn anonymise_active_days(
    store: &MongoStore,
    ids: &[Bson],
    pseudonym: &str,
    limit: usize,
    session: &mut ClientSession,
) -> Result<u64, Failure> {
    let mut cursor = store
        .active_users
        .find(doc! { "_id.p": { "$in": ids } })
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .session(&mut *session)
        .await?;
    let mut marks = Vec::new();
    while let Some(d) = cursor.next(&mut *session).await.transpose()? {
        let id = d
            .get("_id")
            .cloned()
            .ok_or_else(|| Failure::Decode(malformed("active day", &d, "no _id")))?;
        let (day, _) = parse_active_user_id(&id)
            .ok_or_else(|| Failure::Decode(malformed("active day", &d, "bad _id")))?;
        marks.push((id, day));
    }
    for (id, day) in &marks {
        // An upsert that only ever inserts: a mark the pseudonym has already stays one.
        store
            .active_users
            .update_one(
                doc! { "_id": active_user_id(day, pseudonym) },
                doc! { "$setOnInsert": { "d": day } },
            )
            .upsert(true)
            .session(&mut *session)
            .await?;
        store
            .active_users
            .delete_one(doc! { "_id": id })
            .session(&mut *session)
            .await?;
    }
    Ok(marks.len() as u64)
}

fn erasure_from_doc(d: &Document) -> Result<ErasureRecord, StoreError> {
    let decode = || -> Result<ErasureRecord, String> {
        let ids = d
            .get_array("ids")
            .map_err(|e| format!("field ids: {e}"))?
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or("an id is not a string"))
            .collect::<Result<Vec<_>, _>>()?;
        let mut record = ErasureRecord {
            ids,
            ..ErasureRecord::default()
        };
        if let Ok(rows) = d.get_document("rows") {
            for kind in RowKind::ALL {
                if let Some(n) = rows.get(kind.as_str()) {
                    let n = count_of(n)
                        .and_then(|n| u64::try_from(n).ok())
                        .ok_or_else(|| wrong_type(kind.as_str(), n))?;
                    record.rows.insert(kind, n);
                }
            }
        }
        Ok(record)
    };
    decode().map_err(|why| malformed("erasure", d, &why))
}

async fn ids_pointing_at(
    db: &Database,
    coll: &str,
    person: &str,
) -> Result<Vec<String>, StoreError> {
    let docs: Vec<Document> = db
        .collection::<Document>(coll)
        .find(doc! { "to": person })
        .projection(doc! { "_id": 1 })
        .await
        .map_err(|e| driver_error(&e))?
        .try_collect()
        .await
        .map_err(|e| driver_error(&e))?;
    Ok(docs
        .iter()
        .filter_map(|d| d.get_str("_id").ok().map(str::to_owned))
        .collect())
}

#[async_trait]
impl PrivacyStore for MongoStore {
    async fn linked_ids(&self, person: &str) -> Result<Vec<String>, StoreError> {
        let mut ids = std::collections::BTreeSet::from([person.to_owned()]);
        ids.extend(ids_pointing_at(&self.db, identity::IDENTITIES, person).await?);
        ids.extend(ids_pointing_at(&self.db, moves::PENDING_MOVES, person).await?);
        Ok(ids.into_iter().collect())
    }

    async fn erasure(&self, job_id: &str) -> Result<Option<ErasureRecord>, StoreError> {
        self.db
            .collection::<Document>(ERASURES)
            .find_one(doc! { "_id": job_id })
            .await
            .map_err(|e| driver_error(&e))?
            .as_ref()
            .map(erasure_from_doc)
            .transpose()
    }

    async fn save_erasure(
        &self,
        job_id: &str,
        person: &str,
        ids: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db
            .collection::<Document>(ERASURES)
            .update_one(
                doc! { "_id": job_id },
                doc! {
                    "$set": { "person": person, "ids": id_list(ids) },
                    "$setOnInsert": { "rows": {}, "created": bson_time(at) },
                },
            )
            .upsert(true)
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(())
    }

    async fn erase_rows(
        &self,
        job_id: &str,
        kind: RowKind,
        ids: &[String],
        pseudonym: &str,
        limit: usize,
    ) -> Result<u64, StoreError> {
        self.in_transaction(&EraseRows {
            job_id,
            kind,
            ids,
            pseudonym,
            limit,
        })
        .await
    }

    async fn forget_erasure(&self, job_id: &str) -> Result<(), StoreError> {
        self.db
            .collection::<Document>(ERASURES)
            .delete_one(doc! { "_id": job_id })
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(())
    }

    async fn suppress(&self, ids: &[String], at: DateTime<Utc>) -> Result<(), StoreError> {
        let coll = self.db.collection::<Document>(SUPPRESSIONS);
        for id in ids {
            coll.update_one(
                doc! { "_id": id },
                doc! { "$setOnInsert": { "at": bson_time(at) } },
            )
            .upsert(true)
            .await
            .map_err(|e| driver_error(&e))?;
        }
        Ok(())
    }

    async fn suppressed(&self, ids: &[&str]) -> Result<Vec<String>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<Bson> = ids.iter().map(|s| Bson::String((*s).to_owned())).collect();
        let docs: Vec<Document> = self
            .db
            .collection::<Document>(SUPPRESSIONS)
            .find(doc! { "_id": { "$in": list } })
            .projection(doc! { "_id": 1 })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_owned))
            .collect())
    }
}
