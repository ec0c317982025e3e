//! The write path of the MongoDB engine: one multi-document transaction per batch, with the
//! one retry loop of this engine, and the write primitives ([`WriteTx`]) it runs. Every
//! decision is made by [`crate::storage::write::apply`]; these only read and write documents.
//!
//! Reads inside the transaction always go to the primary, whatever read preference the URI
//! gives (DocumentDB users are told to connect with `readPreference=secondaryPreferred`,
//! which the driver would otherwise copy into the transaction and the server refuse).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use mongodb::options::{ReadPreference, SelectionCriteria};

use super::*;
use crate::commerce::Order;
use crate::identity::NewLink;
use crate::profile::Profile;
use crate::session::Session;
use crate::storage::moves::{MoveStep, PendingMove, move_chunk};
use crate::storage::retention::{DayMark, FirstMark};
use crate::storage::visit_feed::marker_now;
use crate::storage::write::{Applied, WriteTx, apply};

/// The write concern and read preference every transaction runs with.
pub(super) fn primary() -> SelectionCriteria {
    SelectionCriteria::ReadPreference(ReadPreference::Primary)
}

/// The work of one transaction: run again whole when the transaction is retried.
pub(super) trait TxBody {
    type Output;
    async fn run(&self, tx: &mut MongoTx<'_>) -> Result<Self::Output, Failure>;
}

/// One batch of events and links ([`apply`]).
struct BatchBody<'a> {
    batch: &'a WriteBatch,
    move_chunk: usize,
}

impl TxBody for BatchBody<'_> {
    type Output = Applied;
    async fn run(&self, tx: &mut MongoTx<'_>) -> Result<Applied, Failure> {
        apply(tx, self.batch, self.move_chunk).await
    }
}

/// One chunk of the oldest pending move ([`move_chunk`]).
pub(super) struct MoveChunk(pub usize);

impl TxBody for MoveChunk {
    type Output = MoveStep;
    async fn run(&self, tx: &mut MongoTx<'_>) -> Result<MoveStep, Failure> {
        move_chunk(tx, self.0).await
    }
}

impl MongoStore {
    /// Writes one batch in one transaction ([`MongoStore::in_transaction`]), and wakes the
    /// mover once it recorded a pending move.
    pub(super) async fn write_batch(&self, batch: &WriteBatch) -> Result<WriteOutcome, StoreError> {
        let applied = self
            .in_transaction(&BatchBody {
                batch,
                move_chunk: self.merge_move_chunk,
            })
            .await?;
        if applied.moves_recorded > 0 {
            self.moves_recorded.notify_one();
        }
        Ok(applied.outcome)
    }

    /// Runs `body` in one transaction. A transient failure retries the whole transaction
    /// and an unknown commit outcome retries the commit, both only while the retry window
    /// lasts ([`RETRY_WINDOW`]), so a caller is never held much longer than it.
    pub(super) async fn in_transaction<B: TxBody>(
        &self,
        body: &B,
    ) -> Result<B::Output, StoreError> {
        let mut session = self
            .client
            .start_session()
            .await
            .map_err(|e| driver_error(&e))?;
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let failure = match self.attempt(&mut session, body, started).await {
                Ok(outcome) => return Ok(outcome),
                Err(failure) => failure,
            };
            let in_window = started.elapsed() < RETRY_WINDOW;
            if !failure.is_transient() {
                return Err(failure.into_store_error());
            }
            if attempt >= MAX_TRANSACTION_ATTEMPTS || !in_window {
                let reason = match failure.into_store_error() {
                    StoreError::Unavailable(reason) => reason,
                    _ => "concurrent writes kept conflicting".to_owned(),
                };
                return Err(StoreError::Unavailable(format!(
                    "MongoDB transaction failed {attempt} times: {reason}"
                )));
            }
            tracing::debug!(attempt, error = %failure, "Retrying the MongoDB transaction.");
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
        }
    }

    async fn attempt<B: TxBody>(
        &self,
        session: &mut ClientSession,
        body: &B,
        started: Instant,
    ) -> Result<B::Output, Failure> {
        session
            .start_transaction()
            .read_concern(ReadConcern::snapshot())
            .write_concern(durable_write_concern())
            .selection_criteria(primary())
            .await?;
        let ran = body
            .run(&mut MongoTx {
                store: self,
                session: &mut *session,
            })
            .await;
        let outcome = match ran {
            Ok(outcome) => outcome,
            Err(failure) => {
                // The server may have aborted already; the driver ignores the server's answer
                // and only fails here if no transaction is open, which is fine too.
                if let Err(e) = session.abort_transaction().await {
                    tracing::debug!(error = %e.kind, "Aborting the MongoDB transaction failed.");
                }
                return Err(failure);
            }
        };
        let mut attempt = 1;
        loop {
            match session.commit_transaction().await {
                Ok(()) => return Ok(outcome),
                Err(e) if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) => {
                    if attempt >= MAX_COMMIT_ATTEMPTS
                        || !commit_worth_retrying(&e)
                        || started.elapsed() >= RETRY_WINDOW
                    {
                        return Err(Failure::CommitUnknown);
                    }
                    tracing::debug!(attempt, error = %e.kind, "Retrying the MongoDB commit.");
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                // A TransientTransactionError here retries the whole transaction.
                Err(e) => return Err(Failure::Driver(e)),
            }
        }
    }
}

/// One open transaction.
pub(super) struct MongoTx<'a> {
    pub(super) store: &'a MongoStore,
    pub(super) session: &'a mut ClientSession,
}

impl<'a> MongoTx<'a> {
    /// The store and the session of the open transaction, for transaction bodies kept in
    /// other modules (erasure).
    pub(super) fn parts(&mut self) -> (&'a MongoStore, &mut ClientSession) {
        (self.store, &mut *self.session)
    }
}

impl MongoTx<'_> {
    /// Leaves a tombstone for every visit that matches `filter`. Call it in the
    /// transaction that deletes those visits, just before the delete: every visit delete
    /// goes through here, so each instance's reports index forgets the visit
    /// (`storage::visit_feed`).
    pub(super) async fn record_visits_gone(&mut self, filter: Document) -> Result<(), Failure> {
        let visits = self.store.db.collection::<Document>(VISITS);
        let gone_ms = marker_now();
        let statements = self
            .find_all(&visits, filter)
            .await?
            .iter()
            .filter_map(|d| {
                let profile = d.get_str("profile_id").ok()?;
                let key = d.get_str("key").ok()?;
                let id = visit_id(profile, key);
                Some(doc! {
                    "q": { "_id": &id },
                    "u": { "_id": &id, "profile_id": profile, "key": key, "gone_ms": gone_ms },
                    "upsert": true,
                })
            })
            .collect::<Vec<_>>();
        if statements.is_empty() {
            return Ok(());
        }
        self.update(VISITS_GONE, statements).await
    }

    /// Runs a raw `update` command (many statements, one round trip) in the transaction.
    async fn update(
        &mut self,
        collection: &'static str,
        statements: Vec<Document>,
    ) -> Result<(), Failure> {
        for chunk in chunk_by_size(
            statements,
            doc_len,
            MAX_COMMAND_BYTES,
            MAX_ITEMS_PER_COMMAND,
        ) {
            let expected = chunk.len();
            // Inside a transaction the write concern belongs to the commit.
            let reply = self
                .store
                .db
                .run_command(update_command(collection, chunk))
                .selection_criteria(primary())
                .session(&mut *self.session)
                .await?;
            check_update_reply(collection, &reply, expected)?;
        }
        Ok(())
    }

    /// The `_id`s of at most `limit` documents of `coll` matching `filter` (in `sort`
    /// order when given), read in the transaction: the bounded steps of erasure and the
    /// retention purge.
    pub(super) async fn ids_of(
        &mut self,
        coll: &Collection<Document>,
        filter: Document,
        sort: Option<Document>,
        limit: i64,
    ) -> Result<Vec<Bson>, Failure> {
        let mut find = coll.find(filter).projection(doc! { "_id": 1 }).limit(limit);
        if let Some(sort) = sort {
            find = find.sort(sort);
        }
        let mut cursor = find.session(&mut *self.session).await?;
        let mut ids = Vec::new();
        while let Some(d) = cursor.next(&mut *self.session).await.transpose()? {
            if let Some(id) = d.get("_id") {
                ids.push(id.clone());
            }
        }
        Ok(ids)
    }

    async fn find_all(
        &mut self,
        coll: &Collection<Document>,
        filter: Document,
    ) -> Result<Vec<Document>, Failure> {
        let mut cursor = coll.find(filter).session(&mut *self.session).await?;
        let mut found = Vec::new();
        while let Some(d) = cursor.next(&mut *self.session).await.transpose()? {
            found.push(d);
        }
        Ok(found)
    }
}

fn strings<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<Bson> {
    ids.into_iter()
        .map(|s| Bson::String(s.to_owned()))
        .collect()
}

impl WriteTx for MongoTx<'_> {
    type Error = Failure;

    async fn links(
        &mut self,
        ids: &BTreeSet<&str>,
    ) -> Result<HashMap<String, String>, Self::Error> {
        let mut links = HashMap::new();
        let identities = self.store.db.collection(identity::IDENTITIES);
        for chunk in chunk_by_size(
            strings(ids.iter().copied()),
            bson_len,
            MAX_COMMAND_BYTES,
            MAX_ITEMS_PER_COMMAND,
        ) {
            for d in self
                .find_all(&identities, doc! { "_id": { "$in": chunk } })
                .await?
            {
                if let (Ok(from), Ok(to)) = (d.get_str("_id"), d.get_str("to")) {
                    links.insert(from.to_owned(), to.to_owned());
                }
            }
        }
        Ok(links)
    }

    async fn add_link(&mut self, link: &NewLink, at: DateTime<Utc>) -> Result<(), Self::Error> {
        let identities = self.store.db.collection::<Document>(identity::IDENTITIES);
        identities
            .insert_one(doc! { "_id": &link.from, "to": &link.to, "linked_at": bson_time(at) })
            .session(&mut *self.session)
            .await?;
        identities
            .update_many(
                doc! { "to": &link.from },
                doc! { "$set": { "to": &link.to } },
            )
            .session(&mut *self.session)
            .await?;
        Ok(())
    }

    async fn active_days(&mut self, profile: &str) -> Result<Vec<NaiveDate>, Self::Error> {
        let coll = self.store.active_users.clone();
        self.find_all(&coll, doc! { "_id.p": profile })
            .await?
            .iter()
            .map(|d| {
                let day = d
                    .get("_id")
                    .and_then(parse_active_user_id)
                    .map(|(day, _)| day)
                    .ok_or_else(|| malformed("active day", d, "bad _id"))
                    .map_err(Failure::Decode)?;
                parse_day(&day).map_err(|why| Failure::Decode(malformed("active day", d, &why)))
            })
            .collect()
    }

    async fn unmark_active(
        &mut self,
        profile: &str,
        days: &[NaiveDate],
    ) -> Result<(), Self::Error> {
        let ids: Vec<Bson> = days
            .iter()
            .map(|d| Bson::Document(active_user_id(&day_key(*d), profile)))
            .collect();
        for chunk in chunk_by_size(ids, bson_len, MAX_COMMAND_BYTES, MAX_ITEMS_PER_COMMAND) {
            self.store
                .active_users
                .delete_many(doc! { "_id": { "$in": chunk } })
                .session(&mut *self.session)
                .await?;
        }
        Ok(())
    }

    async fn mark_active(&mut self, pairs: &[(NaiveDate, &str)]) -> Result<Vec<bool>, Self::Error> {
        let keyed: Vec<(String, &str)> = pairs.iter().map(|(d, p)| (day_key(*d), *p)).collect();
        let ids = keyed
            .iter()
            .map(|(d, p)| Bson::Document(active_user_id(d, p)))
            .collect();
        let known: HashSet<(String, String)> =
            existing_ids(&self.store.active_users, ids, self.session)
                .await?
                .iter()
                .filter_map(parse_active_user_id)
                .collect();
        let new: Vec<bool> = keyed
            .iter()
            .map(|(d, p)| !known.contains(&(d.clone(), (*p).to_owned())))
            .collect();
        let docs: Vec<Document> = keyed
            .iter()
            .zip(&new)
            .filter(|(_, new)| **new)
            .map(|((d, p), _)| active_user_doc(d, p))
            .collect();
        if !docs.is_empty() {
            self.store
                .active_users
                .insert_many(&docs)
                .session(&mut *self.session)
                .await?;
        }
        Ok(new)
    }

    async fn add_daily_users(
        &mut self,
        deltas: &BTreeMap<NaiveDate, i64>,
    ) -> Result<(), Self::Error> {
        let shard = self.store.counter_shard;
        let statements = deltas
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|(d, n)| {
                let day = day_key(*d);
                doc! {
                    "q": { "_id": { "d": &day, "s": shard } },
                    "u": { "$inc": { "count": *n }, "$setOnInsert": { "d": &day } },
                    "upsert": true,
                }
            })
            .collect();
        self.update(DAILY_USER_COUNTS, statements).await
    }

    async fn profiles(&mut self, ids: &[&str]) -> Result<HashMap<String, Profile>, Self::Error> {
        let users = self.store.users.clone();
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in chunk_by_size(
            strings(ids.iter().copied()),
            bson_len,
            MAX_COMMAND_BYTES,
            MAX_ITEMS_PER_COMMAND,
        ) {
            for d in self
                .find_all(&users, doc! { "_id": { "$in": chunk } })
                .await?
            {
                let p = profile_from_doc(&d).map_err(Failure::Decode)?;
                found.insert(p.id.clone(), p);
            }
        }
        Ok(found)
    }

    async fn put_profiles(&mut self, profiles: &[Profile]) -> Result<(), Self::Error> {
        // A whole-document replacement keyed by `_id`, created when absent. Sorted, so
        // concurrent batches touch profiles in one order.
        let mut sorted: Vec<&Profile> = profiles.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        let statements = sorted
            .into_iter()
            .map(|p| doc! { "q": { "_id": &p.id }, "u": profile_to_doc(p), "upsert": true })
            .collect();
        self.update(USERS, statements).await
    }

    async fn delete_profile(&mut self, id: &str) -> Result<(), Self::Error> {
        // Written even when there is no profile: a concurrent batch creating this profile
        // (it read the links before this one) then conflicts with this transaction on the
        // same document, and its retry sees the link.
        self.store
            .users
            .update_one(doc! { "_id": id }, doc! { "$set": { "merged": true } })
            .upsert(true)
            .session(&mut *self.session)
            .await?;
        self.store
            .users
            .delete_one(doc! { "_id": id })
            .session(&mut *self.session)
            .await?;
        Ok(())
    }

    async fn event_ids(&mut self, profile: &str, limit: usize) -> Result<Vec<String>, Self::Error> {
        // Served by the journey index, whose first key is `profile_id`.
        let mut cursor = self
            .store
            .events
            .find(doc! { "profile_id": profile })
            .projection(doc! { "_id": 1 })
            .limit(i64::try_from(limit).unwrap_or(i64::MAX))
            .session(&mut *self.session)
            .await?;
        let mut ids = Vec::with_capacity(limit.min(MAX_ITEMS_PER_COMMAND));
        while let Some(d) = cursor.next(&mut *self.session).await.transpose()? {
            let id =
                req_str(&d, "_id").map_err(|why| Failure::Decode(malformed("event", &d, &why)))?;
            ids.push(id.to_owned());
        }
        Ok(ids)
    }

    async fn repoint_events(
        &mut self,
        ids: &[String],
        from: &str,
        to: &str,
    ) -> Result<u64, Self::Error> {
        let mut moved = 0;
        for chunk in chunk_by_size(
            strings(ids.iter().map(String::as_str)),
            bson_len,
            MAX_COMMAND_BYTES,
            MAX_ITEMS_PER_COMMAND,
        ) {
            // `profile_id: from` makes a second run (a retry, or another instance's mover
            // on the same move) a no-op for events already moved.
            moved += self
                .store
                .events
                .update_many(
                    doc! { "_id": { "$in": chunk }, "profile_id": from },
                    doc! { "$set": { "profile_id": to } },
                )
                .session(&mut *self.session)
                .await?
                .modified_count;
        }
        Ok(moved)
    }

    async fn add_pending_move(
        &mut self,
        from: &str,
        to: &str,
        at: DateTime<Utc>,
    ) -> Result<(), Self::Error> {
        self.store
            .db
            .collection::<Document>(moves::PENDING_MOVES)
            .replace_one(
                doc! { "_id": from },
                doc! { "_id": from, "to": to, "created": bson_time(at), "chunks": 0_i64 },
            )
            .upsert(true)
            .session(&mut *self.session)
            .await?;
        Ok(())
    }

    async fn retarget_pending_moves(&mut self, from: &str, to: &str) -> Result<(), Self::Error> {
        self.store
            .db
            .collection::<Document>(moves::PENDING_MOVES)
            .update_many(doc! { "to": from }, doc! { "$set": { "to": to } })
            .session(&mut *self.session)
            .await?;
        Ok(())
    }

    async fn next_pending_move(&mut self) -> Result<Option<PendingMove>, Self::Error> {
        let found = self
            .store
            .db
            .collection::<Document>(moves::PENDING_MOVES)
            .find_one(doc! {})
            .sort(doc! { "created": 1, "_id": 1 })
            .session(&mut *self.session)
            .await?;
        found
            .map(|d| moves::pending_from_doc(&d).map_err(Failure::Decode))
            .transpose()
    }

    async fn note_move_chunk(&mut self, from: &str) -> Result<(), Self::Error> {
        // Never a no-op write (which the server would skip): see `move_chunk`.
        self.store
            .db
            .collection::<Document>(moves::PENDING_MOVES)
            .update_one(doc! { "_id": from }, doc! { "$inc": { "chunks": 1_i64 } })
            .session(&mut *self.session)
            .await?;
        Ok(())
    }

    async fn delete_pending_move(&mut self, from: &str) -> Result<(), Self::Error> {
        self.store
            .db
            .collection::<Document>(moves::PENDING_MOVES)
            .delete_one(doc! { "_id": from })
            .session(&mut *self.session)
            .await?;
        Ok(())
    }

    async fn insert_events(&mut self, events: &[(&Event, &str)]) -> Result<Vec<bool>, Self::Error> {
        let ids = events
            .iter()
            .map(|(e, _)| Bson::String(e.event_id.clone()))
            .collect();
        let stored: HashSet<String> = existing_ids(&self.store.events, ids, self.session)
            .await?
            .into_iter()
            .filter_map(|id| match id {
                Bson::String(s) => Some(s),
                _ => None,
            })
            .collect();
        let new: Vec<bool> = events
            .iter()
            .map(|(e, _)| !stored.contains(&e.event_id))
            .collect();
        let docs = events
            .iter()
            .zip(&new)
            .filter(|(_, new)| **new)
            .map(|((e, profile), _)| {
                let mut d = event_to_doc(e).map_err(Failure::Decode)?;
                d.insert("profile_id", *profile);
                Ok(d)
            })
            .collect::<Result<Vec<_>, Failure>>()?;
        if !docs.is_empty() {
            self.store
                .events
                .insert_many(&docs)
                .session(&mut *self.session)
                .await?;
        }
        Ok(new)
    }

    async fn add_type_counts(
        &mut self,
        counts: &BTreeMap<(NaiveDate, String), u64>,
    ) -> Result<(), Self::Error> {
        let shard = self.store.counter_shard;
        let statements = counts
            .iter()
            .map(|((d, t), n)| {
                let day = day_key(*d);
                doc! {
                    "q": { "_id": { "d": &day, "t": t, "s": shard } },
                    "u": { "$inc": { "count": to_i64(*n) }, "$setOnInsert": { "d": &day } },
                    "upsert": true,
                }
            })
            .collect();
        self.update(DAILY_TYPE_COUNTS, statements).await
    }

    async fn sessions(
        &mut self,
        profile: &str,
        window: Option<(DateTime<Utc>, DateTime<Utc>)>,
        keys: &[&str],
    ) -> Result<Vec<Session>, Self::Error> {
        let mut any_of = Vec::new();
        if let Some((from, to)) = window {
            any_of.push(
                doc! { "end": { "$gte": bson_time(from) }, "start": { "$lte": bson_time(to) } },
            );
        }
        if !keys.is_empty() {
            any_of.push(doc! { "key": { "$in": strings(keys.iter().copied()) } });
        }
        if any_of.is_empty() {
            return Ok(Vec::new());
        }
        let visits = self.store.db.collection::<Document>(VISITS);
        self.find_all(&visits, doc! { "profile_id": profile, "$or": any_of })
            .await?
            .iter()
            .map(|d| body_of::<Session>(d, "visit").map_err(Failure::Decode))
            .collect()
    }

    async fn put_sessions(&mut self, sessions: &[Session]) -> Result<(), Self::Error> {
        let marker = marker_now();
        let statements = sessions
            .iter()
            .map(|s| {
                let id = visit_id(&s.profile_id, &s.key);
                Ok(doc! {
                    "q": { "_id": &id },
                    "u": {
                        "_id": &id,
                        "profile_id": &s.profile_id,
                        "key": &s.key,
                        "start": bson_time(s.start),
                        "end": bson_time(s.end),
                        "body": body_text(s).map_err(Failure::Decode)?,
                        "updated_ms": marker,
                    },
                    "upsert": true,
                })
            })
            .collect::<Result<Vec<_>, Failure>>()?;
        self.update(VISITS, statements).await
    }

    async fn delete_sessions(&mut self, profile: &str) -> Result<(), Self::Error> {
        self.record_visits_gone(doc! { "profile_id": profile })
            .await?;
        self.store
            .db
            .collection::<Document>(VISITS)
            .delete_many(doc! { "profile_id": profile })
            .session(&mut *self.session)
            .await?;
        Ok(())
    }

    async fn orders(&mut self, ids: &[&str]) -> Result<HashMap<String, Order>, Self::Error> {
        let orders = self.store.db.collection::<Document>(ORDERS);
        let mut found = HashMap::new();
        for chunk in ids.chunks(MAX_ITEMS_PER_COMMAND) {
            for d in self
                .find_all(
                    &orders,
                    doc! { "_id": { "$in": strings(chunk.iter().copied()) } },
                )
                .await?
            {
                let o = body_of::<Order>(&d, "order").map_err(Failure::Decode)?;
                found.insert(o.order_id.clone(), o);
            }
        }
        Ok(found)
    }

    async fn put_orders(&mut self, orders: &[Order]) -> Result<(), Self::Error> {
        let statements = orders
            .iter()
            .map(|o| {
                Ok(doc! {
                    "q": { "_id": &o.order_id },
                    "u": {
                        "_id": &o.order_id,
                        "profile_id": &o.profile_id,
                        "at": bson_time(o.at),
                        "body": body_text(o).map_err(Failure::Decode)?,
                    },
                    "upsert": true,
                })
            })
            .collect::<Result<Vec<_>, Failure>>()?;
        self.update(ORDERS, statements).await
    }

    async fn move_orders(&mut self, from: &str, to: &str) -> Result<(), Self::Error> {
        let orders = self.store.db.collection::<Document>(ORDERS);
        let moved = self
            .find_all(&orders, doc! { "profile_id": from })
            .await?
            .iter()
            .map(|d| {
                let mut o = body_of::<Order>(d, "order").map_err(Failure::Decode)?;
                o.profile_id = to.to_owned();
                Ok(o)
            })
            .collect::<Result<Vec<Order>, Failure>>()?;
        if moved.is_empty() {
            return Ok(());
        }
        self.put_orders(&moved).await
    }

    async fn mark_days(&mut self, marks: &[DayMark]) -> Result<(), Self::Error> {
        let statements = marks
            .iter()
            .map(|m| {
                doc! {
                    "q": { "_id": retention::day_id(&m.profile, &m.kind, m.day) },
                    "u": {
                        "$min": { "first": bson_time(m.first) },
                        "$max": { "last": bson_time(m.last) },
                        "$setOnInsert": { "p": &m.profile, "k": &m.kind, "d": m.day },
                    },
                    "upsert": true,
                }
            })
            .collect();
        self.update(retention::RETENTION_DAYS, statements).await
    }

    async fn mark_firsts(&mut self, firsts: &[FirstMark]) -> Result<(), Self::Error> {
        let statements = firsts
            .iter()
            .map(|f| {
                doc! {
                    "q": { "_id": retention::first_id(&f.profile, &f.kind) },
                    "u": {
                        "$min": { "first": bson_time(f.first) },
                        "$setOnInsert": { "p": &f.profile, "k": &f.kind },
                    },
                    "upsert": true,
                }
            })
            .collect();
        self.update(retention::RETENTION_FIRSTS, statements).await
    }

    async fn day_marks(&mut self, profile: &str) -> Result<Vec<DayMark>, Self::Error> {
        let coll = self
            .store
            .db
            .collection::<Document>(retention::RETENTION_DAYS);
        self.find_all(&coll, doc! { "p": profile })
            .await?
            .iter()
            .map(|d| retention::day_mark(d).map_err(Failure::Decode))
            .collect()
    }

    async fn first_marks(&mut self, profile: &str) -> Result<Vec<FirstMark>, Self::Error> {
        let coll = self
            .store
            .db
            .collection::<Document>(retention::RETENTION_FIRSTS);
        self.find_all(&coll, doc! { "p": profile })
            .await?
            .iter()
            .map(|d| retention::first_mark(d).map_err(Failure::Decode))
            .collect()
    }

    async fn delete_marks(&mut self, profile: &str) -> Result<(), Self::Error> {
        for name in [retention::RETENTION_DAYS, retention::RETENTION_FIRSTS] {
            self.store
                .db
                .collection::<Document>(name)
                .delete_many(doc! { "p": profile })
                .session(&mut *self.session)
                .await?;
        }
        Ok(())
    }
}

/// A visit's `_id`: profile and key joined by a newline, which no id may contain
/// (ids with control characters are refused at ingestion).
fn visit_id(profile: &str, key: &str) -> String {
    format!("{profile}\n{key}")
}
