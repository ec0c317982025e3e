//! The store's side of erasure and suppression: primitives that find, delete and count a
//! person's rows. What an erasure covers, in which order and how it resumes is decided in
//! [`crate::privacy`]; engines only do what each method says.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::StoreError;

/// A kind of per-person row an erasure removes, in the order it removes them: the person's
/// data first, the links that say which ids are theirs last.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum RowKind {
    /// Stored events (every property, context and trait they carried).
    Events,
    /// Analytics sessions ("visits").
    Visits,
    /// Orders counted for revenue.
    Orders,
    /// Per-person active-day marks: not deleted but re-keyed to an anonymous id, so the
    /// distinct-user counts of past days stay what they were.
    ActiveDays,
    /// Per-person retention marks (first and last activity per day and kind, first
    /// activity per kind) the cohort report is computed from.
    RetentionMarks,
    /// Identity merges whose events were still moving to the person.
    PendingMoves,
    /// The profile (first/last seen, traits, counts).
    Profiles,
    /// The identity links naming the person's ids.
    IdentityLinks,
}

impl RowKind {
    /// Every kind, in the order an erasure removes them.
    pub const ALL: [RowKind; 8] = [
        RowKind::Events,
        RowKind::Visits,
        RowKind::Orders,
        RowKind::ActiveDays,
        RowKind::RetentionMarks,
        RowKind::PendingMoves,
        RowKind::Profiles,
        RowKind::IdentityLinks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Events => "events",
            RowKind::Visits => "visits",
            RowKind::Orders => "orders",
            RowKind::ActiveDays => "activeDays",
            RowKind::RetentionMarks => "retentionMarks",
            RowKind::PendingMoves => "pendingMoves",
            RowKind::Profiles => "profiles",
            RowKind::IdentityLinks => "identityLinks",
        }
    }
}

/// Rows removed per kind.
pub type RowCounts = BTreeMap<RowKind, u64>;

/// An erasure as recorded while its job runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErasureRecord {
    /// Every id the erasure covers.
    pub ids: Vec<String>,
    /// Rows removed so far, by every attempt of the job.
    pub rows: RowCounts,
}

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// `person`, the ids linked to it (identity links whose target it is) and the ids whose
    /// events are still moving to it (pending moves), each once, sorted.
    async fn linked_ids(&self, person: &str) -> Result<Vec<String>, StoreError>;

    /// The record of erasure job `job_id`, if it has one.
    async fn erasure(&self, job_id: &str) -> Result<Option<ErasureRecord>, StoreError>;

    /// Records that job `job_id` erases `ids` of `person`: creates the record with no rows
    /// counted, or replaces the ids of an existing one (its counts stay).
    async fn save_erasure(
        &self,
        job_id: &str,
        person: &str,
        ids: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// In one transaction: removes up to `limit` rows of `kind` that belong to `ids`
    /// ([`RowKind::ActiveDays`] are re-keyed to `pseudonym` instead, keeping one mark per
    /// day) and adds how many to the count of `kind` in job `job_id`'s record. Returns how
    /// many; fewer than `limit` means none are left.
    async fn erase_rows(
        &self,
        job_id: &str,
        kind: RowKind,
        ids: &[String],
        pseudonym: &str,
        limit: usize,
    ) -> Result<u64, StoreError>;

    /// Deletes the record of job `job_id` (whether or not there is one).
    async fn forget_erasure(&self, job_id: &str) -> Result<(), StoreError>;

    /// Adds `ids` to the suppression list (ids already on it stay as they are).
    async fn suppress(&self, ids: &[String], at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Those of `ids` on the suppression list.
    async fn suppressed(&self, ids: &[&str]) -> Result<Vec<String>, StoreError>;
}
