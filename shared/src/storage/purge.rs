//! What the retention purge asks of an engine: delete per-person rows older than a cutoff,
//! a bounded number at a time. Which rows and which cutoff is decided in
//! [`crate::jobs::purge`]; aggregates (daily type counts, daily user counts) are never
//! touched, so the stats of purged days stay as they were.
//!
//! Every call deletes at most `limit` rows and returns how many it deleted; fewer than
//! `limit` means nothing older is left. Each re-checks its condition when it deletes, so a
//! row a concurrent batch has just made recent is kept.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;

#[async_trait]
pub trait PurgeStore: Send + Sync {
    /// Deletes events that occurred before `before`.
    async fn forget_old_events(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError>;

    /// Deletes visits (analytics sessions) that ended before `before`. Named so: an
    /// in-memory report index kept beside the engine forgets the same visits here.
    async fn forget_old_visits(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError>;

    /// Deletes orders placed before `before`.
    async fn forget_old_orders(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError>;

    /// Deletes the per-person "active on day" rows of days before `before` (the daily
    /// user counts derived from them stay).
    async fn forget_old_active_days(
        &self,
        before: NaiveDate,
        limit: usize,
    ) -> Result<u64, StoreError>;

    /// Deletes profiles last seen before `before`, with the identity links pointing at
    /// them, in one atomic step per call (a batch touching such a profile meanwhile either
    /// comes first and keeps it, or comes after and starts a new one).
    async fn forget_old_profiles(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<u64, StoreError>;
}
