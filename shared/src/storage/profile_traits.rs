//! Traits brought by an enrichment import (`"kind": "traits"`, a CRM export): merged into a
//! stored profile exactly as an `identify` merges them ([`crate::profile::merge_traits`]:
//! shallow, the import's values winning, within the profile's bounds), without an event, so
//! nobody becomes "active" because a CRM file was loaded. Written once here over the write
//! path's primitives ([`WriteTx`]); each engine runs [`merge`] in one transaction.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::StoreError;
use super::write::WriteTx;

/// Traits for one profile id (a user id, or an id linked to one: the person gets them).
#[derive(Debug, Clone, PartialEq)]
pub struct TraitUpdate {
    pub profile_id: String,
    pub traits: Map<String, Value>,
}

/// What a [`TraitUpdate`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraitOutcome {
    /// The profile's traits changed; `dropped` traits did not fit its bounds.
    Merged { dropped: usize },
    /// The profile already had every one of these values.
    Unchanged,
    /// No stored profile has this id: skipped (a CRM row for someone never tracked).
    UnknownProfile,
}

#[async_trait]
pub trait TraitStore: Send + Sync {
    /// Applies the updates in order, in one transaction; outcomes index for index.
    async fn merge_traits(&self, updates: &[TraitUpdate]) -> Result<Vec<TraitOutcome>, StoreError>;

    /// The ids of the profiles whose `traits.email` equals `email` (ignoring case), found
    /// through the users list's search terms (see [`email_matches`]).
    async fn profiles_by_email(&self, email: &str) -> Result<Vec<String>, StoreError>;
}

/// Whether a profile's `traits.email` is `email`, ignoring case and surrounding spaces:
/// engines find candidates by search term (which also holds names) and keep these.
pub fn email_matches(traits: &Map<String, Value>, email: &str) -> bool {
    traits
        .get("email")
        .and_then(Value::as_str)
        .is_some_and(|e| e.trim().to_lowercase() == email.trim().to_lowercase())
}

/// The one rule of a traits import, over an open transaction.
pub(crate) async fn merge<T: WriteTx>(
    tx: &mut T,
    updates: &[TraitUpdate],
) -> Result<Vec<TraitOutcome>, T::Error> {
    let ids: BTreeSet<&str> = updates.iter().map(|u| u.profile_id.as_str()).collect();
    let links = if ids.is_empty() {
        HashMap::new()
    } else {
        tx.links(&ids).await?
    };
    let resolve = |id: &str| links.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let targets: BTreeSet<String> = updates.iter().map(|u| resolve(&u.profile_id)).collect();
    let target_refs: Vec<&str> = targets.iter().map(String::as_str).collect();
    let mut profiles = tx.profiles(&target_refs).await?;
    let mut changed = BTreeSet::new();
    let mut outcomes = Vec::with_capacity(updates.len());
    for u in updates {
        let id = resolve(&u.profile_id);
        let Some(p) = profiles.get_mut(&id) else {
            outcomes.push(TraitOutcome::UnknownProfile);
            continue;
        };
        let before = p.traits.clone();
        let dropped = crate::profile::merge_traits(&mut p.traits, &u.traits);
        if p.traits == before {
            outcomes.push(TraitOutcome::Unchanged);
        } else {
            changed.insert(id);
            outcomes.push(TraitOutcome::Merged { dropped });
        }
    }
    let writes: Vec<_> = changed
        .iter()
        .filter_map(|id| profiles.remove(id))
        .collect();
    if !writes.is_empty() {
        tx.put_profiles(&writes).await?;
    }
    Ok(outcomes)
}
