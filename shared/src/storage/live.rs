//! The live view's reads: recent arrivals and recent visitors, from the store (so a stream
//! on any API instance sees events every instance took in). The rules of a stream live in
//! [`crate::live`]; engines only read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::event::Event;

/// The newest arrivals at or after a time, optionally of some types or one person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveQuery {
    /// Inclusive lower bound on `receivedAt`, ms since the epoch.
    pub since_ms: i64,
    /// Only these event types (any when empty).
    pub types: Vec<String>,
    /// Only this profile's events (user id, else anonymous id).
    pub profile_id: Option<String>,
    pub limit: usize,
}

#[async_trait]
pub trait LiveStore: Send + Sync {
    /// Events received at or after `since_ms` that match, newest arrival first (ties by id,
    /// descending), at most `limit`. Served by the `receivedAt` index on both engines.
    async fn recent_arrivals(&self, query: &LiveQuery) -> Result<Vec<Event>, StoreError>;

    /// People (profiles) whose last event happened at or after `since`: served by the users
    /// list's last-seen index, never a scan of events.
    async fn visitors_since(&self, since: DateTime<Utc>) -> Result<u64, StoreError>;
}
