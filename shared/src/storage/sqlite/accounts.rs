//! The embedded engine's accounts, sessions, write keys and audit log.

use rusqlite::ErrorCode;

use super::*;
use crate::storage::accounts::*;

const ACCOUNT_COLUMNS: &str =
    "id, email, display_name, role, password_hash, created_at, last_login_at, disabled";

fn conversion(i: usize, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
}

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    let email: String = r.get(1)?;
    let role: String = r.get(3)?;
    Ok(Account {
        id: r.get(0)?,
        email: Email::parse(&email).map_err(|e| conversion(1, e))?,
        display_name: r.get(2)?,
        role: Role::parse(&role).map_err(|e| conversion(3, e))?,
        password_hash: r.get(4)?,
        created_at: from_ms(r.get(5)?)?,
        last_login_at: r.get::<_, Option<i64>>(6)?.map(from_ms).transpose()?,
        disabled: r.get(7)?,
    })
}

const KEY_COLUMNS: &str =
    "id, source, key_hash, prefix, created_at, last_used_at, revoked_at, kind";

fn key_from_row(r: &Row<'_>) -> rusqlite::Result<WriteKey> {
    let kind: String = r.get(7)?;
    Ok(WriteKey {
        id: r.get(0)?,
        kind: WriteKeyKind::parse(&kind).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, e.into())
        })?,
        source: r.get(1)?,
        key_hash: r.get(2)?,
        prefix: r.get(3)?,
        created_at: from_ms(r.get(4)?)?,
        last_used_at: r.get::<_, Option<i64>>(5)?.map(from_ms).transpose()?,
        revoked_at: r.get::<_, Option<i64>>(6)?.map(from_ms).transpose()?,
    })
}

pub(super) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_account(&self, a: &Account) -> Result<(), StoreError> {
        let a = a.clone();
        let created = self
            .with_conn(move |c| {
                c.prepare_cached(&format!(
                    "INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ))?
                .execute(params![
                    a.id,
                    a.email.as_str(),
                    a.display_name,
                    a.role.as_str(),
                    a.password_hash,
                    ms(a.created_at),
                    a.last_login_at.map(ms),
                    a.disabled,
                ])
                .map(|_| true)
                .or_else(|e| if is_unique_violation(&e) { Ok(false) } else { Err(e) })
            })
            .await?;
        if created {
            Ok(())
        } else {
            Err(StoreError::Conflict(
                "an account with this email exists".to_owned(),
            ))
        }
    }

    async fn account_by_id(&self, id: &str) -> Result<Option<Account>, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"
            ))?
            .query_row([id], account_from_row)
            .optional()
        })
        .await
    }

    async fn account_by_email(&self, email: &Email) -> Result<Option<Account>, StoreError> {
        let email = email.as_str().to_owned();
        self.with_conn(move |c| {
            c.prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = ?1"
            ))?
            .query_row([email], account_from_row)
            .optional()
        })
        .await
    }

    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.with_conn(|c| {
            c.prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY email"
            ))?
            .query_map([], account_from_row)?
            .collect()
        })
        .await
    }

    async fn update_account(&self, a: &Account) -> Result<AccountUpdate, StoreError> {
        let a = a.clone();
        self.with_conn(move |c| {
            // IMMEDIATE: the check and the write see no other writer in between.
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let current: Option<(String, bool)> = tx
                .query_row(
                    "SELECT role, disabled FROM accounts WHERE id = ?1",
                    [&a.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((role, disabled)) = current else {
                return Ok(AccountUpdate::NotFound);
            };
            let was_active_admin = role == Role::Admin.as_str() && !disabled;
            let stays_active_admin = a.role == Role::Admin && !a.disabled;
            if was_active_admin && !stays_active_admin {
                let others: u64 = tx.query_row(
                    "SELECT count(*) FROM accounts WHERE role = 'admin' AND disabled = 0 AND id != ?1",
                    [&a.id],
                    |r| r.get(0),
                )?;
                if others == 0 {
                    return Ok(AccountUpdate::LastAdmin);
                }
            }
            tx.execute(
                "UPDATE accounts SET display_name = ?2, role = ?3, password_hash = ?4, disabled = ?5
                 WHERE id = ?1",
                params![
                    a.id,
                    a.display_name,
                    a.role.as_str(),
                    a.password_hash,
                    a.disabled
                ],
            )?;
            tx.commit()?;
            Ok(AccountUpdate::Updated)
        })
        .await
    }

    async fn record_login(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached("UPDATE accounts SET last_login_at = ?2 WHERE id = ?1")?
                .execute(params![id, ms(at)])
                .map(drop)
        })
        .await
    }

    async fn count_active_admins(&self) -> Result<u64, StoreError> {
        self.with_conn(|c| {
            c.query_row(
                "SELECT count(*) FROM accounts WHERE role = 'admin' AND disabled = 0",
                [],
                |r| r.get(0),
            )
        })
        .await
    }
}

#[async_trait]
impl SessionRecordStore for SqliteStore {
    async fn create_session(&self, r: &SessionRecord) -> Result<bool, StoreError> {
        let r = r.clone();
        self.with_conn(move |c| {
            c.prepare_cached(
                "INSERT INTO sessions (id, data, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![r.id, r.data, ms(r.expires_at)])
            .map(|n| n == 1)
        })
        .await
    }

    async fn save_session(&self, r: &SessionRecord) -> Result<(), StoreError> {
        let r = r.clone();
        self.with_conn(move |c| {
            c.prepare_cached(
                "INSERT INTO sessions (id, data, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
            )?
            .execute(params![r.id, r.data, ms(r.expires_at)])
            .map(drop)
        })
        .await
    }

    async fn load_session(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached(
                "SELECT id, data, expires_at FROM sessions WHERE id = ?1 AND expires_at > ?2",
            )?
            .query_row(params![id, ms(now)], |r| {
                Ok(SessionRecord {
                    id: r.get(0)?,
                    data: r.get(1)?,
                    expires_at: from_ms(r.get(2)?)?,
                })
            })
            .optional()
        })
        .await
    }

    async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached("DELETE FROM sessions WHERE id = ?1")?
                .execute([id])
                .map(drop)
        })
        .await
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.with_conn(move |c| {
            c.prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1")?
                .execute([ms(now)])
                .map(|n| n as u64)
        })
        .await
    }
}

#[async_trait]
impl WriteKeyStore for SqliteStore {
    async fn create_write_key(&self, k: &WriteKey) -> Result<(), StoreError> {
        let k = k.clone();
        let created = self
            .with_conn(move |c| {
                c.prepare_cached(&format!(
                    "INSERT INTO write_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ))?
                .execute(params![
                    k.id,
                    k.source,
                    k.key_hash,
                    k.prefix,
                    ms(k.created_at),
                    k.last_used_at.map(ms),
                    k.revoked_at.map(ms),
                    k.kind.as_str(),
                ])
                .map(|_| true)
                .or_else(|e| {
                    if is_unique_violation(&e) {
                        Ok(false)
                    } else {
                        Err(e)
                    }
                })
            })
            .await?;
        if created {
            Ok(())
        } else {
            Err(StoreError::Conflict("this write key exists".to_owned()))
        }
    }

    async fn write_key_by_hash(&self, key_hash: &str) -> Result<Option<WriteKey>, StoreError> {
        let h = key_hash.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached(&format!(
                "SELECT {KEY_COLUMNS} FROM write_keys WHERE key_hash = ?1"
            ))?
            .query_row([h], key_from_row)
            .optional()
        })
        .await
    }

    async fn write_key_by_id(&self, id: &str) -> Result<Option<WriteKey>, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached(&format!(
                "SELECT {KEY_COLUMNS} FROM write_keys WHERE id = ?1"
            ))?
            .query_row([id], key_from_row)
            .optional()
        })
        .await
    }

    async fn list_write_keys(&self) -> Result<Vec<WriteKey>, StoreError> {
        self.with_conn(|c| {
            c.prepare_cached(&format!(
                "SELECT {KEY_COLUMNS} FROM write_keys ORDER BY created_at DESC, id DESC"
            ))?
            .query_map([], key_from_row)?
            .collect()
        })
        .await
    }

    async fn revoke_write_key(&self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached(
                "UPDATE write_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
            )?
            .execute(params![id, ms(at)])
            .map(|n| n == 1)
        })
        .await
    }

    async fn touch_write_key(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached(
                "UPDATE write_keys SET last_used_at = max(coalesce(last_used_at, 0), ?2) WHERE id = ?1",
            )?
            .execute(params![id, ms(at)])
            .map(drop)
        })
        .await
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        let e = e.clone();
        self.with_conn(move |c| {
            c.prepare_cached(
                "INSERT INTO audit_log (id, at, actor, action, target, details)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                e.id,
                ms(e.at),
                e.actor,
                e.action,
                e.target,
                e.details.to_string()
            ])
            .map(drop)
        })
        .await
    }

    async fn audit_page(
        &self,
        limit: usize,
        after: Option<&AuditCursor>,
    ) -> Result<Page<AuditEntry, AuditCursor>, StoreError> {
        let mut sql = "SELECT id, at, actor, action, target, details FROM audit_log".to_owned();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(c) = after {
            sql.push_str(" WHERE at < ? OR (at = ? AND id < ?)");
            args.extend([c.t.into(), c.t.into(), c.id.clone().into()]);
        }
        sql.push_str(" ORDER BY at DESC, id DESC LIMIT ?");
        args.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());
        let mut items = self
            .with_conn(move |c| {
                c.prepare_cached(&sql)?
                    .query_map(params_from_iter(args), |r| {
                        let details: String = r.get(5)?;
                        Ok(AuditEntry {
                            id: r.get(0)?,
                            at: from_ms(r.get(1)?)?,
                            actor: r.get(2)?,
                            action: r.get(3)?,
                            target: r.get(4)?,
                            details: serde_json::from_str(&details)
                                .map_err(|e| conversion(5, e))?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|e| AuditCursor {
                t: ms(e.at),
                id: e.id.clone(),
            })
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_made_before_kinds_existed_become_server_keys() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shoptrail.db");
        {
            // A database as the release before kinds left it.
            let mut c = Connection::open(&path).expect("open");
            let before = MIGRATIONS
                .iter()
                .position(|m| m.contains("write_keys ADD COLUMN kind"))
                .expect("the kinds migration");
            let tx = c.transaction().expect("tx");
            for m in &MIGRATIONS[..before] {
                tx.execute_batch(m).expect("migration");
            }
            tx.pragma_update(None, "user_version", before)
                .expect("version");
            tx.execute(
                "INSERT INTO write_keys (id, source, key_hash, prefix, created_at)
                 VALUES ('old', 'web', 'h', 'stwk_h', 0)",
                [],
            )
            .expect("old key");
            tx.commit().expect("commit");
        }
        let store = SqliteStore::open_file(&path, 2, SqliteSynchronous::Normal)
            .await
            .expect("migrated");
        let key = store
            .write_key_by_id("old")
            .await
            .expect("read")
            .expect("the old key");
        assert_eq!(key.kind, WriteKeyKind::Server);
    }
}
