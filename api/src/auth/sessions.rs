//! tower-sessions on the shared store, so any API process can serve any session and
//! sessions survive restarts. Records are keyed by the SHA-256 of the session id: a leaked
//! database does not hand out live cookies.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sha2::{Digest as _, Sha256};
use shared::storage::{SessionRecord, Store};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "shoptrail_session";

#[derive(Clone)]
pub struct StoreSessions {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for StoreSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSessions")
            .field("engine", &self.store.engine())
            .finish()
    }
}

impl StoreSessions {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

fn key(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_chrono(t: time::OffsetDateTime) -> DateTime<Utc> {
    let ms = i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn to_time(t: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.timestamp_millis()) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn encode(record: &Record) -> session_store::Result<SessionRecord> {
    Ok(SessionRecord {
        id: key(&record.id),
        data: serde_json::to_vec(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?,
        expires_at: to_chrono(record.expiry_date),
    })
}

#[async_trait]
impl SessionStore for StoreSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A 128-bit random id practically never collides; if it does, draw another.
        loop {
            if self
                .store
                .create_session(&encode(record)?)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.store
            .save_session(&encode(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(stored) = self
            .store
            .load_session(&key(id), Utc::now())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_slice(&stored.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: to_time(stored.expires_at),
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store.delete_session(&key(id)).await.map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for StoreSessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let n = self
            .store
            .delete_expired_sessions(Utc::now())
            .await
            .map_err(backend)?;
        if n > 0 {
            tracing::debug!(sessions = n, "Deleted expired sessions.");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_convert_both_ways_at_millisecond_precision() {
        let t = DateTime::from_timestamp_millis(1_773_100_800_123).expect("time");
        assert_eq!(to_chrono(to_time(t)), t);
    }

    #[test]
    fn stored_keys_are_hashes_not_ids() {
        let id = Id::default();
        let k = key(&id);
        assert_eq!(k.len(), 64);
        assert!(!k.contains(&id.to_string()));
    }
}
