//! Pending moves on MongoDB: the `pending_moves` collection (`_id` = the earlier id, `to` =
//! the person, `created`). Each chunk is one short transaction through the same retry loop
//! as a batch ([`MongoStore::in_transaction`]), decided by the shared `move_chunk`.
//!
//! Several API instances may run their movers at once. Two chunks of one move find the
//! same event ids; their `update_many` on those documents write-conflict, the loser retries
//! and finds them moved (its filter includes `profile_id: from`). The pending document is
//! deleted only by a transaction whose snapshot held fewer than a chunk of events under
//! `from`, all of which it moved; no new event is stored under `from` once it is linked.
//! Every chunk writes the pending document (`chunks`), as does a merge of its target, so a
//! chunk and a concurrent merge of the same person conflict rather than interleave.

use std::sync::Arc;

use tokio::sync::Notify;

use super::write::MoveChunk;
use super::*;
use crate::storage::moves::{MoveStep, MoveStore, PendingMove};

pub(super) const PENDING_MOVES: &str = "pending_moves";

/// Created at start-up with the others: the mover takes the oldest first; journeys and
/// later merges find a person's pending moves by target.
pub(super) fn indexes() -> Vec<(&'static str, IndexModel)> {
    vec![
        (
            PENDING_MOVES,
            IndexModel::builder()
                .keys(doc! { "created": 1, "_id": 1 })
                .build(),
        ),
        (
            PENDING_MOVES,
            IndexModel::builder().keys(doc! { "to": 1 }).build(),
        ),
    ]
}

pub(super) fn pending_from_doc(d: &Document) -> Result<PendingMove, StoreError> {
    let decode = || {
        Ok::<_, String>(PendingMove {
            from: req_str(d, "_id")?.to_owned(),
            to: req_str(d, "to")?.to_owned(),
            created: req_time(d, "created")?,
        })
    };
    decode().map_err(|why| malformed("pending move", d, &why))
}

#[async_trait]
impl MoveStore for MongoStore {
    async fn move_chunk(&self) -> Result<MoveStep, StoreError> {
        self.in_transaction(&MoveChunk(self.merge_move_chunk)).await
    }

    async fn pending_moves(&self) -> Result<u64, StoreError> {
        self.db
            .collection::<Document>(PENDING_MOVES)
            .count_documents(doc! {})
            .await
            .map_err(|e| driver_error(&e))
    }

    fn moves_recorded(&self) -> Arc<Notify> {
        self.moves_recorded.clone()
    }
}

impl MongoStore {
    /// The profile ids whose events make up `id`'s journey: its person (the id itself
    /// unless linked), then the person's earlier ids whose events are still being moved.
    pub(super) async fn journey_profiles(&self, id: &str) -> Result<Vec<String>, StoreError> {
        let person = self.linked_to(id).await?.unwrap_or_else(|| id.to_owned());
        let pending: Vec<Document> = self
            .db
            .collection::<Document>(PENDING_MOVES)
            .find(doc! { "to": &person })
            .projection(doc! { "_id": 1 })
            .sort(doc! { "_id": 1 })
            .await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))?;
        let mut ids = vec![person];
        for d in &pending {
            let from = req_str(d, "_id").map_err(|why| malformed("pending move", d, &why))?;
            ids.push(from.to_owned());
        }
        Ok(ids)
    }
}

/// Matches events stored under any of `profiles` (plain equality for the usual one).
pub(super) fn profile_match(profiles: &[String]) -> Bson {
    match profiles {
        [one] => Bson::String(one.clone()),
        many => Bson::Document(doc! { "$in": many }),
    }
}
