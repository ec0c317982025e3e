//! Identity merge: linking an earlier id (an anonymous id, or a user id given up by an
//! `alias`) to the user id it became. After a link, the earlier id's events belong to the
//! user's profile: its journey, profile and rollups count them once, under the user.
//!
//! Design, shared by both engines: a table `from → to` (the canonical user id, always
//! resolved, so chains stay one hop). A link is applied as one merge step in one
//! transaction: the earlier id's events move to the user's profile, its profile row is folded
//! into the user's (counts added, first/last seen widened, traits merged with the user's
//! winning), and its daily-active rows become the user's (a day on which both were active
//! counts once). Events that arrive later under the earlier id alone are written to the user's
//! profile directly (resolved at write time). The first link of an id wins; a later link of
//! the same id to another user is refused (`Conflict`) and changes nothing.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreError;

/// "Events of `from` belong to `to`": from an `identify` carrying both ids (anonymous id →
/// user id) or an `alias` (previous id → user id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityLink {
    pub from: String,
    pub to: String,
}

/// What recording one link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkOutcome {
    /// New link; the earlier id's events and rollups were merged into the user's.
    Linked,
    /// The same link was recorded before (a retried identify): nothing changed.
    AlreadyLinked,
    /// `from` is already linked to another user; the first link wins, nothing changed.
    Conflict,
    /// A link of an id to itself, or one that would close a cycle: nothing to do.
    Ignored,
}

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Records links in order, each merged in its own transaction, and returns what each
    /// did. Safe to repeat: a recorded link is `AlreadyLinked` the second time.
    async fn link_identities(
        &self,
        links: &[IdentityLink],
        at: DateTime<Utc>,
    ) -> Result<Vec<LinkOutcome>, StoreError>;

    /// The user id `id` was linked to, if any.
    async fn linked_to(&self, id: &str) -> Result<Option<String>, StoreError>;
}

/// Maps each event's profile id through `links` (only linked ids appear in the map).
pub fn resolve<'a>(profile: &'a str, links: &'a HashMap<String, String>) -> &'a str {
    links.get(profile).map_or(profile, String::as_str)
}
