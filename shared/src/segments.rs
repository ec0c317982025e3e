//! People segments: saved definitions of who a person is (traits, profile fields) and what
//! they did (visits with a dimension's value, events, products viewed, carted or ordered),
//! resolved to their members for a moment (`now`). One home for the rules: the shape and
//! validation of a definition ([`Definition::parse`]), which visits count ([`probes`]),
//! and when a person belongs ([`members_of`]). Engines only store the definitions
//! (`storage::segments`) and read profiles; visits come from the reports' index when it
//! covers the window, else from the store (`reports::compute::person_counts`).
//!
//! Every condition must hold; each may be negated. A behaviour or dimension condition
//! looks at the visits that start in the last `lastDays` days before `now`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::reports::compute::{PersonCounts, Probe, ProductAction, Tap};
use crate::reports::{Dimension, Filter, FilterOp};
use crate::storage::{Page, SortOrder, StoreError, UserCursor, UserProfile, UserQuery};

/// Most conditions one segment may have.
pub const MAX_CONDITIONS: usize = 20;
/// Longest window a behaviour or dimension condition may look back (days).
pub const MAX_LAST_DAYS: u32 = 365;
/// The window when a condition names none (days).
pub const DEFAULT_LAST_DAYS: u32 = 30;
/// Longest segment name (characters).
pub const MAX_NAME_CHARS: usize = 100;

/// How a trait is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum TraitOp {
    /// The trait's value (a string, number or boolean as text) is `value`, ignoring case.
    Equals,
    /// The trait's value contains `value`, ignoring case.
    Contains,
    /// The trait is set (not null).
    Exists,
}

/// A profile field a condition reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ProfileField {
    /// Whole days since the person was first seen.
    FirstSeen,
    /// Whole days since the person was last seen.
    LastSeen,
    /// Events stored for the person.
    EventCount,
}

/// A trait condition: `{"kind": "trait", "key": "plan", "op": "equals", "value": "pro"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraitCondition {
    pub key: String,
    pub op: TraitOp,
    /// Required by `equals` and `contains`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default)]
    pub negate: bool,
}

/// A profile field between `min` and `max` (inclusive; at least one given). For
/// `firstSeen` and `lastSeen` the numbers are whole days before now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileCondition {
    pub field: ProfileField,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    #[serde(default)]
    pub negate: bool,
}

/// The person had a visit whose `dimension` has `value` (as the report filter
/// `dimension:value`) in the last `lastDays` days: "came from campaign Y".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DimensionCondition {
    /// channel, utmCampaign, utmSource, country, device, landingPage, page, product,
    /// productCategory or any other report dimension.
    pub dimension: String,
    pub value: String,
    #[serde(default = "default_days")]
    pub last_days: u32,
    #[serde(default)]
    pub negate: bool,
}

/// The person did something at least `min` and at most `max` times (at least one given)
/// in the last `lastDays` days: events of type `event`, or `action` on `product` (the
/// `product` dimension's value: its name, else its sku). "Purchased at least twice in the
/// last 30 days": `{"event": "purchase", "min": 2}`; "viewed X but did not buy": one
/// condition `{"product": "X", "action": "viewed", "min": 1}` and one `{"product": "X",
/// "action": "ordered", "max": 0}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BehaviourCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// With `product` (default `viewed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ProductAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    #[serde(default = "default_days")]
    pub last_days: u32,
    #[serde(default)]
    pub negate: bool,
}

fn default_days() -> u32 {
    DEFAULT_LAST_DAYS
}

/// One condition of a segment, by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Condition {
    Trait(TraitCondition),
    Profile(ProfileCondition),
    Dimension(DimensionCondition),
    Behaviour(BehaviourCondition),
}

impl Condition {
    fn negate(&self) -> bool {
        match self {
            Condition::Trait(c) => c.negate,
            Condition::Profile(c) => c.negate,
            Condition::Dimension(c) => c.negate,
            Condition::Behaviour(c) => c.negate,
        }
    }

    /// Whether the condition can only hold for someone with a visit in its window.
    fn needs_a_visit(&self) -> bool {
        match self {
            Condition::Dimension(c) => !c.negate,
            Condition::Behaviour(c) => !c.negate && c.min.unwrap_or(0) >= 1,
            Condition::Trait(_) | Condition::Profile(_) => false,
        }
    }

    fn reads_profile(&self) -> bool {
        matches!(self, Condition::Trait(_) | Condition::Profile(_))
    }
}

/// A checked definition: a name and 1 to [`MAX_CONDITIONS`] conditions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    pub name: String,
    pub conditions: Vec<Condition>,
}

fn check_range(min: Option<u64>, max: Option<u64>, what: &str) -> Result<(), String> {
    match (min, max) {
        (None, None) => Err(format!("{what}: give min, max or both")),
        (Some(lo), Some(hi)) if lo > hi => Err(format!("{what}: min must not exceed max")),
        _ => Ok(()),
    }
}

fn check_days(days: u32, what: &str) -> Result<(), String> {
    if (1..=MAX_LAST_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(format!("{what}: lastDays must be 1 to {MAX_LAST_DAYS}"))
    }
}

impl Definition {
    /// Checks a definition; the message says what is wrong (a 400 for the API).
    pub fn parse(name: &str, conditions: Vec<Condition>) -> Result<Definition, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("name must not be empty".into());
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("name may have at most {MAX_NAME_CHARS} characters"));
        }
        if conditions.is_empty() || conditions.len() > MAX_CONDITIONS {
            return Err(format!("a segment has 1 to {MAX_CONDITIONS} conditions"));
        }
        for (i, c) in conditions.iter().enumerate() {
            let what = format!("condition {}", i + 1);
            match c {
                Condition::Trait(t) => {
                    if t.key.trim().is_empty() {
                        return Err(format!("{what}: key must not be empty"));
                    }
                    if t.op != TraitOp::Exists && t.value.as_deref().is_none_or(str::is_empty) {
                        return Err(format!("{what}: equals and contains need a value"));
                    }
                }
                Condition::Profile(p) => check_range(p.min, p.max, &what)?,
                Condition::Dimension(d) => {
                    Dimension::parse(&d.dimension).map_err(|m| format!("{what}: {m}"))?;
                    if d.value.is_empty() {
                        return Err(format!("{what}: value must not be empty"));
                    }
                    check_days(d.last_days, &what)?;
                }
                Condition::Behaviour(b) => {
                    match (&b.event, &b.product) {
                        (Some(e), None) if !e.trim().is_empty() => {
                            crate::event::EventType::parse(e.trim())
                                .map_err(|m| format!("{what}: {m}"))?;
                            if b.action.is_some() {
                                return Err(format!("{what}: action goes with product"));
                            }
                        }
                        (None, Some(p)) if !p.is_empty() => {}
                        _ => return Err(format!("{what}: give an event or a product, not both")),
                    }
                    check_range(b.min, b.max, &what)?;
                    check_days(b.last_days, &what)?;
                }
            }
        }
        Ok(Definition {
            name: name.to_owned(),
            conditions,
        })
    }

    /// The longest window a condition looks back over (days), if any reads visits.
    pub fn window_days(&self) -> Option<u32> {
        self.conditions
            .iter()
            .filter_map(|c| match c {
                Condition::Dimension(d) => Some(d.last_days),
                Condition::Behaviour(b) => Some(b.last_days),
                Condition::Trait(_) | Condition::Profile(_) => None,
            })
            .max()
    }

    /// Whether resolving reads every profile: for a trait or profile condition, or when no
    /// condition narrows the people to those with a visit (a negation alone, "at most").
    pub fn reads_profiles(&self) -> bool {
        self.conditions.iter().any(Condition::reads_profile)
            || !self.conditions.iter().any(Condition::needs_a_visit)
    }
}

/// A saved segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    pub id: String,
    pub name: String,
    pub conditions: Vec<Condition>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Segment {
    /// A new segment of a checked definition.
    pub fn new(definition: Definition, now: DateTime<Utc>) -> Segment {
        Segment {
            id: format!("seg_{}", uuid::Uuid::now_v7().simple()),
            name: definition.name,
            conditions: definition.conditions,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn definition(&self) -> Definition {
        Definition {
            name: self.name.clone(),
            conditions: self.conditions.clone(),
        }
    }
}

/// The instants `[from, to)` whose visits are read.
pub type Window = (DateTime<Utc>, DateTime<Utc>);

/// The visits to count for a definition at `now`, one probe per behaviour or dimension
/// condition (in order), and the window `[from, now)` they are read from.
pub fn probes(def: &Definition, now: DateTime<Utc>) -> (Vec<Probe>, Option<Window>) {
    let since = |days: u32| now - Duration::days(i64::from(days));
    let probes: Vec<Probe> = def
        .conditions
        .iter()
        .filter_map(|c| match c {
            Condition::Dimension(d) => Some(Probe {
                since: since(d.last_days),
                what: Tap::Visits(Filter {
                    // Checked by `Definition::parse`; an unknown name counts nothing.
                    dimension: Dimension::parse(&d.dimension).ok()?,
                    op: FilterOp::Is,
                    value: d.value.clone(),
                }),
            }),
            Condition::Behaviour(b) => Some(Probe {
                since: since(b.last_days),
                what: match (&b.event, &b.product) {
                    (Some(e), _) => Tap::Events(e.trim().to_owned()),
                    (None, p) => Tap::Product(
                        p.clone().unwrap_or_default(),
                        b.action.unwrap_or(ProductAction::Viewed),
                    ),
                },
            }),
            Condition::Trait(_) | Condition::Profile(_) => None,
        })
        .collect();
    let window = def.window_days().map(|d| (since(d), now));
    (probes, window)
}

/// A resolved segment: its members' profile ids, for other computations to narrow by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    ids: HashSet<String>,
}

impl Members {
    pub fn contains(&self, profile_id: &str) -> bool {
        self.ids.contains(profile_id)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The ids, sorted (for pages of members).
    pub fn sorted(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.ids.iter().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }
}

impl FromIterator<String> for Members {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        Members {
            ids: iter.into_iter().collect(),
        }
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn trait_holds(c: &TraitCondition, p: Option<&UserProfile>) -> bool {
    let value = p.and_then(|p| p.traits.get(&c.key)).and_then(text_of);
    let needle = c.value.as_deref().unwrap_or("").to_lowercase();
    match (c.op, value) {
        (_, None) => false,
        (TraitOp::Exists, Some(_)) => true,
        (TraitOp::Equals, Some(v)) => v.to_lowercase() == needle,
        (TraitOp::Contains, Some(v)) => v.to_lowercase().contains(&needle),
    }
}

fn within(n: u64, min: Option<u64>, max: Option<u64>) -> bool {
    min.is_none_or(|lo| n >= lo) && max.is_none_or(|hi| n <= hi)
}

fn profile_holds(c: &ProfileCondition, p: Option<&UserProfile>, now: DateTime<Utc>) -> bool {
    let Some(p) = p else {
        return false;
    };
    let days = |t: DateTime<Utc>| u64::try_from((now - t).num_days()).unwrap_or(0);
    let n = match c.field {
        ProfileField::FirstSeen => days(p.first_seen),
        ProfileField::LastSeen => days(p.last_seen),
        ProfileField::EventCount => p.event_count,
    };
    within(n, c.min, c.max)
}

/// The members of a definition at `now`, given each person's counts of [`probes`] and,
/// when [`Definition::reads_profiles`], every profile (else `None`).
pub fn members_of(
    def: &Definition,
    now: DateTime<Utc>,
    counts: &PersonCounts,
    profiles: Option<&[UserProfile]>,
) -> Members {
    let by_id: HashMap<&str, &UserProfile> = profiles
        .unwrap_or_default()
        .iter()
        .map(|p| (p.user_id.as_str(), p))
        .collect();
    // Those who can belong: everyone known when profiles were read, else those with a visit.
    let candidates: Box<dyn Iterator<Item = &str>> = match profiles {
        Some(ps) => Box::new(ps.iter().map(|p| p.user_id.as_str())),
        None => Box::new(counts.keys().map(String::as_str)),
    };
    let none: Vec<u64> = Vec::new();
    candidates
        .filter(|id| {
            let counts = counts.get(*id).unwrap_or(&none);
            let profile = by_id.get(id).copied();
            let mut probe = 0;
            def.conditions.iter().all(|c| {
                let holds = match c {
                    Condition::Trait(t) => trait_holds(t, profile),
                    Condition::Profile(p) => profile_holds(p, profile, now),
                    Condition::Dimension(_) => {
                        probe += 1;
                        counts.get(probe - 1).copied().unwrap_or(0) >= 1
                    }
                    Condition::Behaviour(b) => {
                        probe += 1;
                        within(counts.get(probe - 1).copied().unwrap_or(0), b.min, b.max)
                    }
                };
                holds != c.negate()
            })
        })
        .map(str::to_owned)
        .collect()
}

/// Resolves a definition at `now`: visits from the index when it covers the window, else
/// from the store; profiles only when [`Definition::reads_profiles`].
pub async fn resolve(
    store: &dyn crate::storage::Store,
    index: Option<&crate::reports::index::VisitIndex>,
    def: &Definition,
    now: DateTime<Utc>,
) -> Result<Members, StoreError> {
    let (probes, window) = probes(def, now);
    let counts = match window {
        Some(w) => crate::reports::compute::person_counts(store, index, w, &probes).await?,
        None => PersonCounts::new(),
    };
    let profiles = if def.reads_profiles() {
        Some(store.all_profiles().await?)
    } else {
        None
    };
    Ok(members_of(def, now, &counts, profiles.as_deref()))
}

/// How long a resolved segment is reused: a page of the console asks several reports of one
/// segment at once (the overview, eight), and they share one resolution. Members may lag the
/// store by this much.
pub const MEMBERS_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// A segment's id and `updated_at` (ms).
type Version = (String, i64);
/// When a segment was resolved, and its members.
type Resolved = (std::time::Instant, Arc<Members>);

/// Recently resolved segments of one instance, by id and definition version (`updated_at`),
/// so a changed segment is never answered from its old definition. Resolutions run one at a
/// time: concurrent asks for the same segment wait for the first and share its answer.
#[derive(Default)]
pub struct MembersCache {
    entries: tokio::sync::Mutex<HashMap<Version, Resolved>>,
}

impl MembersCache {
    /// The members of `segment` at `now`: reused when resolved less than [`MEMBERS_TTL`] ago.
    pub async fn members(
        &self,
        store: &dyn crate::storage::Store,
        index: Option<&crate::reports::index::VisitIndex>,
        segment: &Segment,
        now: DateTime<Utc>,
    ) -> Result<Arc<Members>, StoreError> {
        let key = (segment.id.clone(), segment.updated_at.timestamp_millis());
        let mut entries = self.entries.lock().await;
        entries.retain(|_, (at, _)| at.elapsed() < MEMBERS_TTL);
        if let Some((_, members)) = entries.get(&key) {
            return Ok(members.clone());
        }
        let members = Arc::new(resolve(store, index, &segment.definition(), now).await?);
        entries.insert(key, (std::time::Instant::now(), members.clone()));
        Ok(members)
    }
}

/// A page of the users list narrowed to a segment's members, from every profile (the
/// store's list cannot take 200,000 ids): the same search, order and cursors as the store's
/// list ([`crate::people`]), and how many members match the search.
pub fn users_page(
    profiles: Vec<UserProfile>,
    members: &Members,
    q: &UserQuery,
) -> Result<(Page<UserProfile, UserCursor>, u64), StoreError> {
    let after = q.checked_after()?.cloned();
    let prefix = q
        .search
        .as_deref()
        .and_then(crate::people::prefix_range)
        .map(|(from, _)| from);
    let mut rows: Vec<UserProfile> = profiles
        .into_iter()
        .filter(|p| members.contains(&p.user_id))
        .filter(|p| {
            prefix.as_ref().is_none_or(|from| {
                crate::people::search_terms(&p.user_id, &p.traits)
                    .iter()
                    .any(|t| t.starts_with(from.as_str()))
            })
        })
        .collect();
    let total = rows.len() as u64;
    let key = |p: &UserProfile| (q.sort.value_of(p), p.user_id.clone());
    rows.sort_by_cached_key(key);
    if q.order == SortOrder::Desc {
        rows.reverse();
    }
    let start = match &after {
        None => 0,
        Some(c) => {
            let at = (c.v, c.id.clone());
            rows.partition_point(|p| match q.order {
                SortOrder::Asc => key(p) <= at,
                SortOrder::Desc => key(p) >= at,
            })
        }
    };
    let mut items: Vec<UserProfile> = rows.into_iter().skip(start).take(q.limit + 1).collect();
    let next = (items.len() > q.limit).then(|| {
        items.truncate(q.limit);
        items.last().map(|u| q.cursor_after(u))
    });
    Ok((
        Page {
            items,
            next: next.flatten(),
        },
        total,
    ))
}

#[cfg(test)]
#[path = "segments_tests.rs"]
mod tests;
