//! The MongoDB engine's accounts, sessions, write keys and audit log: one collection each,
//! single-document writes (no transactions needed), errors mapped like the event paths.

use mongodb::bson::Binary;
use mongodb::bson::spec::BinarySubtype;

use super::*;
use crate::storage::accounts::*;

pub(super) const ACCOUNTS: &str = "accounts";
pub(super) const SESSIONS: &str = "sessions";
pub(super) const WRITE_KEYS: &str = "write_keys";
pub(super) const AUDIT_LOG: &str = "audit_log";
/// Documents that serialise changes no single document can (see [`ADMIN_GUARD`]).
pub(super) const GUARDS: &str = "guards";

/// Indexes of these collections, created at start-up with the others.
///
/// The sessions index on `expires_at` is a plain one, not a TTL index: expiry is judged
/// against the caller's `now` (as in the embedded engine), and the API's session sweeper
/// calls [`SessionRecordStore::delete_expired_sessions`]. A TTL monitor would instead delete
/// by the server's clock once a minute, so a record could vanish while `load_session` or
/// `create_session` at the caller's `now` must still see it, and the sweep would report fewer
/// deletions than happened. (A deployment that already has the TTL variant of this index
/// keeps it: same name and keys with other options is the tolerated IndexOptionsConflict.)
pub(super) fn indexes() -> Vec<(&'static str, IndexModel)> {
    use mongodb::options::IndexOptions;
    vec![
        (
            ACCOUNTS,
            IndexModel::builder()
                .keys(doc! { "email": 1 })
                .options(IndexOptions::builder().unique(true).build())
                .build(),
        ),
        (
            SESSIONS,
            IndexModel::builder().keys(doc! { "expires_at": 1 }).build(),
        ),
        (
            WRITE_KEYS,
            IndexModel::builder()
                .keys(doc! { "key_hash": 1 })
                .options(IndexOptions::builder().unique(true).build())
                .build(),
        ),
        (
            WRITE_KEYS,
            IndexModel::builder()
                .keys(doc! { "created_at": -1, "_id": -1 })
                .build(),
        ),
        (
            AUDIT_LOG,
            IndexModel::builder()
                .keys(doc! { "at": -1, "_id": -1 })
                .build(),
        ),
    ]
}

/// Whether an insert failed only because a unique key (the `_id` or an indexed field) exists.
pub(super) fn is_duplicate_key(e: &DriverError) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == DUPLICATE_KEY,
        _ => false,
    }
}

fn opt_bson_time(t: Option<DateTime<Utc>>) -> Bson {
    t.map_or(Bson::Null, |t| Bson::DateTime(bson_time(t)))
}

fn account_to_doc(a: &Account) -> Document {
    doc! {
        "_id": &a.id,
        "email": a.email.as_str(),
        "display_name": &a.display_name,
        "role": a.role.as_str(),
        "password_hash": &a.password_hash,
        "created_at": bson_time(a.created_at),
        "last_login_at": opt_bson_time(a.last_login_at),
        "disabled": a.disabled,
    }
}

fn account_from_doc(d: &Document) -> Result<Account, StoreError> {
    let decode = || -> Result<Account, String> {
        Ok(Account {
            id: req_str(d, "_id")?.to_owned(),
            email: Email::parse(req_str(d, "email")?)?,
            display_name: req_str(d, "display_name")?.to_owned(),
            role: Role::parse(req_str(d, "role")?)?,
            password_hash: req_str(d, "password_hash")?.to_owned(),
            created_at: req_time(d, "created_at")?,
            last_login_at: opt_time(d, "last_login_at")?,
            disabled: match d.get("disabled") {
                None | Some(Bson::Null) => false,
                Some(Bson::Boolean(b)) => *b,
                Some(other) => return Err(wrong_type("disabled", other)),
            },
        })
    };
    decode().map_err(|why| malformed("account", d, &why))
}

fn session_to_doc(r: &SessionRecord) -> Document {
    doc! {
        "_id": &r.id,
        "data": Binary { subtype: BinarySubtype::Generic, bytes: r.data.clone() },
        "expires_at": bson_time(r.expires_at),
    }
}

fn session_from_doc(d: &Document) -> Result<SessionRecord, StoreError> {
    let decode = || -> Result<SessionRecord, String> {
        Ok(SessionRecord {
            id: req_str(d, "_id")?.to_owned(),
            data: match d.get("data") {
                Some(Bson::Binary(b)) => b.bytes.clone(),
                Some(other) => return Err(wrong_type("data", other)),
                None => return Err("field data is missing".to_owned()),
            },
            expires_at: req_time(d, "expires_at")?,
        })
    };
    decode().map_err(|why| malformed("session", d, &why))
}

fn key_to_doc(k: &WriteKey) -> Document {
    doc! {
        "_id": &k.id,
        "source": &k.source,
        "key_hash": &k.key_hash,
        "prefix": &k.prefix,
        "created_at": bson_time(k.created_at),
        "last_used_at": opt_bson_time(k.last_used_at),
        "revoked_at": opt_bson_time(k.revoked_at),
        "kind": k.kind.as_str(),
    }
}

fn key_from_doc(d: &Document) -> Result<WriteKey, StoreError> {
    let decode = || -> Result<WriteKey, String> {
        Ok(WriteKey {
            id: req_str(d, "_id")?.to_owned(),
            // Keys stored before kinds existed have no field: they are server keys (see
            // `WriteKeyKind`).
            kind: match d.get_str("kind") {
                Ok(k) => WriteKeyKind::parse(k)?,
                Err(_) if !d.contains_key("kind") => WriteKeyKind::Server,
                Err(e) => return Err(format!("kind: {e}")),
            },
            source: req_str(d, "source")?.to_owned(),
            key_hash: req_str(d, "key_hash")?.to_owned(),
            prefix: req_str(d, "prefix")?.to_owned(),
            created_at: req_time(d, "created_at")?,
            last_used_at: opt_time(d, "last_used_at")?,
            revoked_at: opt_time(d, "revoked_at")?,
        })
    };
    decode().map_err(|why| malformed("write key", d, &why))
}

fn audit_to_doc(e: &AuditEntry) -> Document {
    doc! {
        "_id": &e.id,
        "at": bson_time(e.at),
        "actor": &e.actor,
        "action": &e.action,
        "target": &e.target,
        // JSON text, like event properties: keys may contain `.` or start with `$`.
        "details": e.details.to_string(),
    }
}

fn audit_from_doc(d: &Document) -> Result<AuditEntry, StoreError> {
    let decode = || -> Result<AuditEntry, String> {
        Ok(AuditEntry {
            id: req_str(d, "_id")?.to_owned(),
            at: req_time(d, "at")?,
            actor: req_str(d, "actor")?.to_owned(),
            action: req_str(d, "action")?.to_owned(),
            target: req_str(d, "target")?.to_owned(),
            details: serde_json::from_str(req_str(d, "details")?)
                .map_err(|e| format!("field details is not JSON: {e}"))?,
        })
    };
    decode().map_err(|why| malformed("audit entry", d, &why))
}

fn audit_filter(after: Option<&AuditCursor>) -> Document {
    match after {
        None => Document::new(),
        Some(c) => {
            let t = bson::DateTime::from_millis(c.t);
            doc! { "$or": [
                { "at": { "$lt": t } },
                { "at": t, "_id": { "$lt": &c.id } },
            ] }
        }
    }
}

impl MongoStore {
    fn named(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    async fn find_all(
        &self,
        collection: &str,
        filter: Document,
        sort: Document,
        limit: Option<i64>,
    ) -> Result<Vec<Document>, StoreError> {
        let coll = self.named(collection);
        let mut find = coll.find(filter).sort(sort);
        if let Some(n) = limit {
            find = find.limit(n);
        }
        find.await
            .map_err(|e| driver_error(&e))?
            .try_collect()
            .await
            .map_err(|e| driver_error(&e))
    }

    async fn find_by(
        &self,
        collection: &str,
        filter: Document,
    ) -> Result<Option<Document>, StoreError> {
        self.named(collection)
            .find_one(filter)
            .await
            .map_err(|e| driver_error(&e))
    }
}

/// The one document every change of an admin's standing writes, so two such changes
/// conflict (and one retries, seeing the other) instead of both passing the count check.
const ADMIN_GUARD: &str = "admin_guard";

impl MongoStore {
    async fn update_account_in(
        &self,
        session: &mut ClientSession,
        a: &Account,
    ) -> Result<AccountUpdate, Failure> {
        session
            .start_transaction()
            .read_concern(ReadConcern::snapshot())
            .write_concern(durable_write_concern())
            .selection_criteria(write::primary())
            .await?;
        let outcome = match self.update_account_body(session, a).await {
            Ok(AccountUpdate::Updated) => AccountUpdate::Updated,
            other => {
                if let Err(e) = session.abort_transaction().await {
                    tracing::debug!(error = %e.kind, "Aborting the MongoDB transaction failed.");
                }
                return other;
            }
        };
        session.commit_transaction().await?;
        Ok(outcome)
    }

    async fn update_account_body(
        &self,
        session: &mut ClientSession,
        a: &Account,
    ) -> Result<AccountUpdate, Failure> {
        let accounts = self.named(ACCOUNTS);
        let Some(current) = accounts
            .find_one(doc! { "_id": &a.id })
            .session(&mut *session)
            .await?
        else {
            return Ok(AccountUpdate::NotFound);
        };
        let was_active_admin = current
            .get_str("role")
            .is_ok_and(|r| r == Role::Admin.as_str())
            && !current.get_bool("disabled").unwrap_or(false);
        let stays_active_admin = a.role == Role::Admin && !a.disabled;
        if was_active_admin && !stays_active_admin {
            self.named(GUARDS)
                .update_one(
                    doc! { "_id": ADMIN_GUARD },
                    doc! { "$inc": { "changes": 1_i64 } },
                )
                .upsert(true)
                .session(&mut *session)
                .await?;
            let others = accounts
                .count_documents(doc! {
                    "_id": { "$ne": &a.id },
                    "role": Role::Admin.as_str(),
                    "disabled": { "$ne": true },
                })
                .session(&mut *session)
                .await?;
            if others == 0 {
                return Ok(AccountUpdate::LastAdmin);
            }
        }
        accounts
            .update_one(
                doc! { "_id": &a.id },
                doc! { "$set": {
                    "display_name": &a.display_name,
                    "role": a.role.as_str(),
                    "password_hash": &a.password_hash,
                    "disabled": a.disabled,
                } },
            )
            .session(&mut *session)
            .await?;
        Ok(AccountUpdate::Updated)
    }
}

#[async_trait]
impl AccountStore for MongoStore {
    async fn create_account(&self, a: &Account) -> Result<(), StoreError> {
        match self.named(ACCOUNTS).insert_one(account_to_doc(a)).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Err(StoreError::Conflict(
                "an account with this email exists".to_owned(),
            )),
            Err(e) => Err(driver_error(&e)),
        }
    }

    async fn account_by_id(&self, id: &str) -> Result<Option<Account>, StoreError> {
        self.find_by(ACCOUNTS, doc! { "_id": id })
            .await?
            .as_ref()
            .map(account_from_doc)
            .transpose()
    }

    async fn account_by_email(&self, email: &Email) -> Result<Option<Account>, StoreError> {
        self.find_by(ACCOUNTS, doc! { "email": email.as_str() })
            .await?
            .as_ref()
            .map(account_from_doc)
            .transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.find_all(ACCOUNTS, Document::new(), doc! { "email": 1 }, None)
            .await?
            .iter()
            .map(account_from_doc)
            .collect()
    }

    async fn update_account(&self, a: &Account) -> Result<AccountUpdate, StoreError> {
        let mut session = self
            .client
            .start_session()
            .await
            .map_err(|e| driver_error(&e))?;
        let mut attempt = 1;
        loop {
            match self.update_account_in(&mut session, a).await {
                Ok(outcome) => return Ok(outcome),
                Err(f) if f.is_transient() && attempt < MAX_TRANSACTION_ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(f) => return Err(f.into_store_error()),
            }
        }
    }

    async fn record_login(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.named(ACCOUNTS)
            .update_one(
                doc! { "_id": id },
                doc! { "$set": { "last_login_at": bson_time(at) } },
            )
            .await
            .map(drop)
            .map_err(|e| driver_error(&e))
    }

    async fn count_active_admins(&self) -> Result<u64, StoreError> {
        self.named(ACCOUNTS)
            .count_documents(doc! { "role": "admin", "disabled": { "$ne": true } })
            .await
            .map_err(|e| driver_error(&e))
    }
}

#[async_trait]
impl SessionRecordStore for MongoStore {
    async fn create_session(&self, r: &SessionRecord) -> Result<bool, StoreError> {
        match self.named(SESSIONS).insert_one(session_to_doc(r)).await {
            Ok(_) => Ok(true),
            Err(e) if is_duplicate_key(&e) => Ok(false),
            Err(e) => Err(driver_error(&e)),
        }
    }

    async fn save_session(&self, r: &SessionRecord) -> Result<(), StoreError> {
        self.named(SESSIONS)
            .replace_one(doc! { "_id": &r.id }, session_to_doc(r))
            .upsert(true)
            .await
            .map(drop)
            .map_err(|e| driver_error(&e))
    }

    async fn load_session(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError> {
        // Expired records stay until the next sweep: expiry is checked here, at `now`.
        self.find_by(
            SESSIONS,
            doc! { "_id": id, "expires_at": { "$gt": bson_time(now) } },
        )
        .await?
        .as_ref()
        .map(session_from_doc)
        .transpose()
    }

    async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        self.named(SESSIONS)
            .delete_one(doc! { "_id": id })
            .await
            .map(drop)
            .map_err(|e| driver_error(&e))
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.named(SESSIONS)
            .delete_many(doc! { "expires_at": { "$lte": bson_time(now) } })
            .await
            .map(|r| r.deleted_count)
            .map_err(|e| driver_error(&e))
    }
}

#[async_trait]
impl WriteKeyStore for MongoStore {
    async fn create_write_key(&self, k: &WriteKey) -> Result<(), StoreError> {
        match self.named(WRITE_KEYS).insert_one(key_to_doc(k)).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => {
                Err(StoreError::Conflict("this write key exists".to_owned()))
            }
            Err(e) => Err(driver_error(&e)),
        }
    }

    async fn write_key_by_hash(&self, key_hash: &str) -> Result<Option<WriteKey>, StoreError> {
        self.find_by(WRITE_KEYS, doc! { "key_hash": key_hash })
            .await?
            .as_ref()
            .map(key_from_doc)
            .transpose()
    }

    async fn write_key_by_id(&self, id: &str) -> Result<Option<WriteKey>, StoreError> {
        self.find_by(WRITE_KEYS, doc! { "_id": id })
            .await?
            .as_ref()
            .map(key_from_doc)
            .transpose()
    }

    async fn list_write_keys(&self) -> Result<Vec<WriteKey>, StoreError> {
        self.find_all(
            WRITE_KEYS,
            Document::new(),
            doc! { "created_at": -1, "_id": -1 },
            None,
        )
        .await?
        .iter()
        .map(key_from_doc)
        .collect()
    }

    async fn revoke_write_key(&self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        // Only the first revocation sets the time; a repeat matches and changes nothing.
        let result = self
            .named(WRITE_KEYS)
            .update_one(
                doc! { "_id": id },
                vec![doc! { "$set": {
                    "revoked_at": { "$ifNull": ["$revoked_at", bson_time(at)] },
                } }],
            )
            .await
            .map_err(|e| driver_error(&e))?;
        Ok(result.matched_count == 1)
    }

    async fn touch_write_key(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.named(WRITE_KEYS)
            .update_one(
                doc! { "_id": id },
                doc! { "$max": { "last_used_at": bson_time(at) } },
            )
            .await
            .map(drop)
            .map_err(|e| driver_error(&e))
    }
}

#[async_trait]
impl AuditStore for MongoStore {
    async fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        self.named(AUDIT_LOG)
            .insert_one(audit_to_doc(e))
            .await
            .map(drop)
            .map_err(|e| driver_error(&e))
    }

    async fn audit_page(
        &self,
        limit: usize,
        after: Option<&AuditCursor>,
    ) -> Result<Page<AuditEntry, AuditCursor>, StoreError> {
        let items = self
            .find_all(
                AUDIT_LOG,
                audit_filter(after),
                doc! { "at": -1, "_id": -1 },
                Some(fetch_limit(limit)),
            )
            .await?
            .iter()
            .map(audit_from_doc)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(items, limit, |e: &AuditEntry| AuditCursor {
            t: e.at.timestamp_millis(),
            id: e.id.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).expect("valid")
    }

    #[test]
    fn records_round_trip_through_documents() {
        let a = Account {
            id: "a-1".into(),
            email: Email::parse("ada@example.com").expect("email"),
            display_name: "Ada".into(),
            role: Role::Analyst,
            password_hash: "$argon2id$v=19$...".into(),
            created_at: at(1_000),
            last_login_at: Some(at(2_000)),
            disabled: true,
        };
        assert_eq!(account_from_doc(&account_to_doc(&a)).expect("decode"), a);
        let legacy = doc! {
            "_id": "k-0", "source": "web", "key_hash": "00", "prefix": "stwk_00",
            "created_at": bson_time(at(1_000)), "last_used_at": null, "revoked_at": null,
        };
        assert_eq!(
            key_from_doc(&legacy).expect("decode").kind,
            WriteKeyKind::Server,
            "keys stored before kinds existed are server keys"
        );
        let k = WriteKey {
            id: "k-1".into(),
            kind: WriteKeyKind::Browser,
            source: "web".into(),
            key_hash: "ab".into(),
            prefix: "stwk_ab".into(),
            created_at: at(1_000),
            last_used_at: None,
            revoked_at: Some(at(3_000)),
        };
        assert_eq!(key_from_doc(&key_to_doc(&k)).expect("decode"), k);
        let s = SessionRecord {
            id: "s".into(),
            data: vec![0, 1, 255],
            expires_at: at(9_000),
        };
        let bytes = bson::to_vec(&session_to_doc(&s)).expect("encode");
        let back: Document = bson::from_slice(&bytes).expect("decode");
        assert_eq!(session_from_doc(&back).expect("decode"), s);
        let e = AuditEntry {
            id: "e".into(),
            at: at(5),
            actor: "cli".into(),
            action: "member.create".into(),
            target: "a-1".into(),
            details: serde_json::json!({"$role": "admin", "a.b": 1}),
        };
        assert_eq!(audit_from_doc(&audit_to_doc(&e)).expect("decode"), e);
    }

    #[test]
    fn session_expiry_is_judged_at_the_callers_now_not_by_a_ttl_monitor() {
        let sessions: Vec<_> = indexes()
            .into_iter()
            .filter(|(coll, _)| *coll == SESSIONS)
            .collect();
        assert_eq!(sessions.len(), 1);
        let (_, model) = &sessions[0];
        assert_eq!(model.keys, doc! { "expires_at": 1 });
        assert!(
            model
                .options
                .as_ref()
                .is_none_or(|o| o.expire_after.is_none())
        );
    }

    #[test]
    fn audit_cursor_pages_strictly_older_entries() {
        assert!(audit_filter(None).is_empty());
        let f = audit_filter(Some(&AuditCursor {
            t: 7,
            id: "x".into(),
        }));
        let or = f.get_array("$or").expect("or");
        assert_eq!(or.len(), 2);
    }
}
