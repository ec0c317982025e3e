//! The visit feed: what keeps a copy of the visits (the reports' in-memory index,
//! `reports::index`) fresh on every instance. Each visit row carries a change marker
//! (`updated_ms`, the writer's clock when the row was last written) and each deleted visit
//! leaves a tombstone in `visits_gone`, written in the transaction that deletes it by the
//! engine's one `record_visits_gone` function.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::session::Session;

/// A visit with its change marker.
#[derive(Debug, Clone)]
pub struct MarkedVisit {
    pub visit: Session,
    /// When the row was last written (ms since the epoch, the writer's clock).
    pub updated_ms: i64,
}

/// Where a page of changed visits ended: its last visit's marker and its place among the
/// visits of that marker (the engine's own order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedCursor {
    pub updated_ms: i64,
    pub row: i64,
}

/// The visits a reader already holds, each at the marker it holds it at. The feed leaves
/// them out of its pages: a reader that looks again with an overlap (so a late commit is
/// not missed) would otherwise read and decode every visit of the overlap once per look.
#[derive(Debug, Clone, Default)]
pub struct KnownVisits {
    people: HashMap<String, Vec<(String, i64)>>,
}

impl KnownVisits {
    /// Records that the reader holds `(profile_id, key)` as written at `updated_ms`.
    pub fn insert(&mut self, profile_id: &str, key: &str, updated_ms: i64) {
        let visits = self.people.entry(profile_id.to_owned()).or_default();
        match visits.iter_mut().find(|(k, _)| k == key) {
            Some((_, at)) => *at = updated_ms,
            None => visits.push((key.to_owned(), updated_ms)),
        }
    }

    /// Whether the reader holds this visit as written at exactly `updated_ms` (a visit
    /// written again since has a later marker and is read).
    pub fn holds(&self, profile_id: &str, key: &str, updated_ms: i64) -> bool {
        self.people
            .get(profile_id)
            .is_some_and(|v| v.iter().any(|(k, at)| k == key && *at == updated_ms))
    }

    /// How many visits it names.
    pub fn len(&self) -> usize {
        self.people.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }
}

/// A deleted visit's tombstone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoneVisit {
    pub profile_id: String,
    pub key: String,
    /// When it was deleted (ms since the epoch, the deleter's clock).
    pub gone_ms: i64,
}

/// Reads of the change markers and tombstones.
#[async_trait]
pub trait VisitFeed: Send + Sync {
    /// Visits that start at or after `from` and before `until`, with their markers.
    async fn visits_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<MarkedVisit>, StoreError>;

    /// Visits written at or after `since_ms`, whenever they start.
    async fn visits_changed(&self, since_ms: i64) -> Result<Vec<MarkedVisit>, StoreError>;

    /// [`VisitFeed::visits_changed`] a page at a time, so a reader holds at most `limit`
    /// decoded visits however many changed: of the `limit` changed visits after `after`
    /// (`None`: from the start) in marker order, those the reader does not already hold,
    /// and where the page ended (`None`: nothing more). A visit written again while the
    /// pages are read comes again later with its new marker.
    ///
    /// An engine may leave out a visit `known` holds at its marker only when every write
    /// of a visit gives it a later marker than the one before (two writes in the same
    /// millisecond must not share one), or a reader would keep the first of the two. By
    /// default one page holds them all and `known` is not used.
    async fn visits_changed_page(
        &self,
        since_ms: i64,
        after: Option<FeedCursor>,
        limit: usize,
        known: Arc<KnownVisits>,
    ) -> Result<(Vec<MarkedVisit>, Option<FeedCursor>), StoreError> {
        let _ = (limit, known);
        if after.is_some() {
            return Ok((Vec::new(), None));
        }
        Ok((self.visits_changed(since_ms).await?, None))
    }

    /// Visits deleted at or after `since_ms`.
    async fn visits_gone(&self, since_ms: i64) -> Result<Vec<GoneVisit>, StoreError>;

    /// Deletes the tombstones of visits deleted before `before_ms`; returns how many.
    async fn prune_visits_gone(&self, before_ms: i64) -> Result<u64, StoreError>;
}

/// How long a tombstone is kept ([`VisitFeed::prune_visits_gone`] after that): long
/// enough for every running index to read it, short enough that an erased person's id
/// does not stay behind. An index that has not looked for longer reloads instead.
pub const TOMBSTONE_KEEP_MS: i64 = 15 * 60 * 1000;

/// The change marker a write stamps now.
pub fn marker_now() -> i64 {
    Utc::now().timestamp_millis()
}
