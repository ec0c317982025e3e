//! Identity links on MongoDB: the `identities` collection (`_id` = the earlier id, `to` =
//! the canonical user id), resolution of a batch's profile ids at write time, and the merge
//! step of a new link (see `storage::identity` for the design). On a replica set each link is
//! one transaction, retried on transient errors like event batches; on a standalone server
//! (development only) the same writes run without one.

use std::collections::{BTreeSet, HashMap};

use super::*;
use crate::storage::{IdentityLink, IdentityStore, LinkOutcome};

pub(super) const IDENTITIES: &str = "identities";

/// Created at start-up with the others: links are repointed by their target.
pub(super) fn indexes() -> Vec<(&'static str, IndexModel)> {
    vec![(
        IDENTITIES,
        IndexModel::builder().keys(doc! { "to": 1 }).build(),
    )]
}

impl MongoStore {
    fn identities(&self) -> Collection<Document> {
        self.db.collection(IDENTITIES)
    }

    /// The canonical profile of every linked id among `profiles` (unlinked ids are absent).
    pub(super) async fn resolve_profiles(
        &self,
        profiles: impl IntoIterator<Item = &str>,
    ) -> Result<HashMap<String, String>, StoreError> {
        let unique: BTreeSet<&str> = profiles.into_iter().collect();
        let ids: Vec<Bson> = unique
            .into_iter()
            .map(|p| Bson::String(p.to_owned()))
            .collect();
        let mut links = HashMap::new();
        for chunk in chunk_by_size(ids, bson_len, MAX_COMMAND_BYTES, MAX_ITEMS_PER_COMMAND) {
            let docs: Vec<Document> = self
                .identities()
                .find(doc! { "_id": { "$in": chunk } })
                .await
                .map_err(|e| driver_error(&e))?
                .try_collect()
                .await
                .map_err(|e| driver_error(&e))?;
            for d in docs {
                if let (Ok(from), Ok(to)) = (d.get_str("_id"), d.get_str("to")) {
                    links.insert(from.to_owned(), to.to_owned());
                }
            }
        }
        Ok(links)
    }

    /// Like [`Self::resolve_profiles`], read inside the caller's transaction.
    pub(super) async fn resolve_profiles_in(
        &self,
        session: &mut ClientSession,
        profiles: impl IntoIterator<Item = &str>,
    ) -> Result<HashMap<String, String>, Failure> {
        let unique: BTreeSet<&str> = profiles.into_iter().collect();
        let ids: Vec<Bson> = unique
            .into_iter()
            .map(|p| Bson::String(p.to_owned()))
            .collect();
        let mut links = HashMap::new();
        for chunk in chunk_by_size(ids, bson_len, MAX_COMMAND_BYTES, MAX_ITEMS_PER_COMMAND) {
            let mut cursor = self
                .identities()
                .find(doc! { "_id": { "$in": chunk } })
                .session(&mut *session)
                .await?;
            while let Some(d) = cursor.next(&mut *session).await.transpose()? {
                if let (Ok(from), Ok(to)) = (d.get_str("_id"), d.get_str("to")) {
                    links.insert(from.to_owned(), to.to_owned());
                }
            }
        }
        Ok(links)
    }

    async fn link_with_retries(
        &self,
        session: &mut ClientSession,
        l: &IdentityLink,
        at: DateTime<Utc>,
    ) -> Result<LinkOutcome, StoreError> {
        let mut attempt = 1;
        loop {
            match self.link_attempt(session, l, at).await {
                Ok(outcome) => return Ok(outcome),
                Err(f) if f.is_transient() && attempt < MAX_TRANSACTION_ATTEMPTS => {
                    tracing::debug!(attempt, error = %f, "Retrying the MongoDB identity link.");
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(f) => return Err(f.into_store_error()),
            }
        }
    }

    async fn link_attempt(
        &self,
        session: &mut ClientSession,
        l: &IdentityLink,
        at: DateTime<Utc>,
    ) -> Result<LinkOutcome, Failure> {
        if !self.transactions {
            return self.link_body(session, l, at).await;
        }
        session
            .start_transaction()
            .read_concern(ReadConcern::snapshot())
            .write_concern(durable_write_concern())
            .await?;
        let outcome = match self.link_body(session, l, at).await {
            Ok(o) => o,
            Err(f) => {
                if let Err(e) = session.abort_transaction().await {
                    tracing::debug!(error = %e.kind, "Aborting the MongoDB transaction failed.");
                }
                return Err(f);
            }
        };
        let mut attempt = 1;
        loop {
            match session.commit_transaction().await {
                Ok(()) => return Ok(outcome),
                Err(e)
                    if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT)
                        && attempt < MAX_COMMIT_ATTEMPTS
                        && commit_worth_retrying(&e) =>
                {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) => {
                    return Err(Failure::CommitUnknown);
                }
                Err(e) => return Err(Failure::Driver(e)),
            }
        }
    }

    async fn linked_in(
        &self,
        session: &mut ClientSession,
        id: &str,
    ) -> Result<Option<String>, Failure> {
        Ok(self
            .identities()
            .find_one(doc! { "_id": id })
            .session(&mut *session)
            .await?
            .and_then(|d| d.get_str("to").ok().map(str::to_owned)))
    }

    /// The merge step, in the caller's transaction (if any).
    async fn link_body(
        &self,
        session: &mut ClientSession,
        l: &IdentityLink,
        at: DateTime<Utc>,
    ) -> Result<LinkOutcome, Failure> {
        let (from, to) = (l.from.as_str(), l.to.as_str());
        let canonical = self
            .linked_in(session, to)
            .await?
            .unwrap_or_else(|| to.to_owned());
        if from == to || canonical == from {
            return Ok(LinkOutcome::Ignored);
        }
        if let Some(existing) = self.linked_in(session, from).await? {
            return Ok(if existing == canonical {
                LinkOutcome::AlreadyLinked
            } else {
                LinkOutcome::Conflict
            });
        }
        let ids = self.identities();
        ids.insert_one(doc! { "_id": from, "to": &canonical, "linked_at": bson_time(at) })
            .session(&mut *session)
            .await?;
        ids.update_many(doc! { "to": from }, doc! { "$set": { "to": &canonical } })
            .session(&mut *session)
            .await?;

        // The days `from` was active are the days of its events (read by the profile index).
        let mut days = BTreeSet::new();
        let mut cursor = self
            .events
            .find(doc! { "profile_id": from })
            .projection(doc! { "occurred_at": 1 })
            .session(&mut *session)
            .await?;
        while let Some(d) = cursor.next(&mut *session).await.transpose()? {
            if let Ok(t) = d.get_datetime("occurred_at") {
                let t = DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or_default();
                days.insert(day_key(t.date_naive()));
            }
        }
        drop(cursor);
        for d in &days {
            let both = self
                .active_users
                .find_one(doc! { "_id": active_user_id(d, &canonical) })
                .session(&mut *session)
                .await?
                .is_some();
            let moved = self
                .active_users
                .delete_one(doc! { "_id": active_user_id(d, from) })
                .session(&mut *session)
                .await?
                .deleted_count;
            if moved == 0 {
                // `from` was not counted that day (a standalone write cut short between its
                // events and its day rows): nothing to move or to un-count, like the
                // embedded engine's `UPDATE` that matches no row.
                continue;
            }
            if both {
                // Both were active that day: one person, counted once.
                self.user_counts
                    .update_one(doc! { "_id": d }, doc! { "$inc": { "count": -1_i64 } })
                    .session(&mut *session)
                    .await?;
            } else {
                self.active_users
                    .insert_one(active_user_doc(d, &canonical))
                    .session(&mut *session)
                    .await?;
            }
        }
        self.events
            .update_many(
                doc! { "profile_id": from },
                doc! { "$set": { "profile_id": &canonical } },
            )
            .session(&mut *session)
            .await?;

        let Some(old) = self
            .users
            .find_one(doc! { "_id": from })
            .session(&mut *session)
            .await?
        else {
            if self.transactions {
                // Reads take no locks: a concurrent batch that read no link for `from` and
                // writes `from`'s first events would otherwise commit beside this link (no
                // document in common) and leave those events outside the user's profile.
                // Every batch upserts its profiles' `users` documents, so writing (and
                // removing) `from`'s here makes one of the two transactions conflict and
                // retry, and the retried one sees the other.
                self.users
                    .replace_one(doc! { "_id": from }, doc! {})
                    .upsert(true)
                    .session(&mut *session)
                    .await?;
                self.users
                    .delete_one(doc! { "_id": from })
                    .session(&mut *session)
                    .await?;
            }
            return Ok(LinkOutcome::Linked);
        };
        let new = self
            .users
            .find_one(doc! { "_id": &canonical })
            .session(&mut *session)
            .await?;
        let merged = merge_user_docs(from, &canonical, &old, new.as_ref());
        self.users
            .delete_one(doc! { "_id": from })
            .session(&mut *session)
            .await?;
        self.users
            .replace_one(doc! { "_id": &canonical }, merged)
            .upsert(true)
            .session(&mut *session)
            .await?;
        Ok(LinkOutcome::Linked)
    }
}

/// Copies of event documents with `profile_id` set through `links`.
pub(super) fn relink<'a>(
    docs: Vec<&Document>,
    events: impl Iterator<Item = &'a Event>,
    links: &HashMap<String, String>,
) -> Vec<Document> {
    docs.into_iter()
        .zip(events)
        .map(|(d, e)| {
            let mut d = d.clone();
            d.insert(
                "profile_id",
                super::super::identity::resolve(e.profile_id(), links),
            );
            d
        })
        .collect()
}

/// The user's profile document after folding in the earlier id's (`old`).
fn merge_user_docs(from: &str, to: &str, old: &Document, new: Option<&Document>) -> Document {
    let time = |d: &Document, k: &str| d.get_datetime(k).ok().copied();
    let count = |d: &Document| d.get("event_count").and_then(count_of).unwrap_or(0);
    let traits = |d: &Document| d.get_document("traits").ok().cloned();
    let old_anonymous = old
        .get_str("anonymous_id")
        .map_or_else(|_| from.to_owned(), str::to_owned);
    let mut merged = doc! { "_id": to, "user_id": to, "anonymous": false };
    let Some(new) = new else {
        for k in [
            "first_seen",
            "last_seen",
            "last_event_type",
            "event_count",
            "traits",
        ] {
            if let Some(v) = old.get(k) {
                merged.insert(k, v.clone());
            }
        }
        merged.insert("anonymous_id", old_anonymous);
        return merged;
    };
    let (of, nf) = (time(old, "first_seen"), time(new, "first_seen"));
    let (ol, nl) = (time(old, "last_seen"), time(new, "last_seen"));
    let first = match (of, nf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let later_is_old = matches!((ol, nl), (Some(a), Some(b)) if a > b);
    let last = if later_is_old { ol } else { nl.or(ol) };
    if let Some(t) = first {
        merged.insert("first_seen", t);
    }
    if let Some(t) = last {
        merged.insert("last_seen", t);
    }
    let last_type = if later_is_old { old } else { new }
        .get_str("last_event_type")
        .unwrap_or_default();
    merged.insert("last_event_type", last_type);
    merged.insert("event_count", count(old) + count(new));
    // Stored keys are escaped alike in both documents, so they merge as they are; the
    // user's own traits win.
    match (traits(old), traits(new)) {
        (Some(mut o), Some(n)) => {
            for (k, v) in n {
                o.insert(k, v);
            }
            merged.insert("traits", o);
        }
        (Some(t), None) | (None, Some(t)) => {
            merged.insert("traits", t);
        }
        (None, None) => {}
    }
    merged.insert(
        "anonymous_id",
        new.get_str("anonymous_id")
            .map_or(old_anonymous, str::to_owned),
    );
    merged
}

#[async_trait]
impl IdentityStore for MongoStore {
    async fn link_identities(
        &self,
        links: &[IdentityLink],
        at: DateTime<Utc>,
    ) -> Result<Vec<LinkOutcome>, StoreError> {
        let mut session = self
            .client
            .start_session()
            .await
            .map_err(|e| driver_error(&e))?;
        let mut outcomes = Vec::with_capacity(links.len());
        for l in links {
            outcomes.push(self.link_with_retries(&mut session, l, at).await?);
        }
        Ok(outcomes)
    }

    async fn linked_to(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .identities()
            .find_one(doc! { "_id": id })
            .await
            .map_err(|e| driver_error(&e))?
            .and_then(|d| d.get_str("to").ok().map(str::to_owned)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relinked_documents_point_at_the_user() {
        let mut e = crate::event::Event {
            event_id: "e1".into(),
            user_id: None,
            anonymous_id: Some("a1".into()),
            session_id: None,
            event_type: crate::event::EventType::parse("scroll").expect("type"),
            properties: Map::new(),
            context: Map::new(),
            traits: None,
            occurred_at: DateTime::from_timestamp_millis(1).expect("time"),
            sent_at: None,
            received_at: DateTime::from_timestamp_millis(1).expect("time"),
            timestamp_clamped: false,
            source: None,
        };
        let d = event_to_doc(&e).expect("doc");
        let links = HashMap::from([("a1".to_owned(), "u1".to_owned())]);
        let out = relink(vec![&d], std::iter::once(&e), &links);
        assert_eq!(out[0].get_str("profile_id").ok(), Some("u1"));
        e.anonymous_id = Some("a2".into());
        let out = relink(vec![&d], std::iter::once(&e), &links);
        assert_eq!(out[0].get_str("profile_id").ok(), Some("a2"));
    }

    #[test]
    fn merged_profiles_add_counts_widen_times_and_let_user_traits_win() {
        let t = |ms: i64| bson::DateTime::from_millis(ms);
        let old = doc! { "_id": "a1", "user_id": Bson::Null, "anonymous": true,
        "first_seen": t(10), "last_seen": t(50), "last_event_type": "page_view",
        "event_count": 3_i64, "traits": { "plan": "free", "ref": "ad" } };
        let new = doc! { "_id": "u1", "user_id": "u1", "anonymous": false,
        "first_seen": t(40), "last_seen": t(45), "last_event_type": "identify",
        "event_count": 1_i64, "traits": { "plan": "pro" } };
        let m = merge_user_docs("a1", "u1", &old, Some(&new));
        assert_eq!(m.get_datetime("first_seen").ok(), Some(&t(10)));
        assert_eq!(m.get_datetime("last_seen").ok(), Some(&t(50)));
        assert_eq!(m.get_str("last_event_type").ok(), Some("page_view"));
        assert_eq!(m.get_i64("event_count").ok(), Some(4));
        assert_eq!(
            m.get_document("traits").ok(),
            Some(&doc! { "plan": "pro", "ref": "ad" })
        );
        assert_eq!(m.get_str("anonymous_id").ok(), Some("a1"));
        let alone = merge_user_docs("a1", "u1", &old, None);
        assert_eq!(alone.get_str("user_id").ok(), Some("u1"));
        assert_eq!(alone.get_i64("event_count").ok(), Some(3));
    }
}
