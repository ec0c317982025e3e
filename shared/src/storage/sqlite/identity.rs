//! Identity links on SQLite: the `identities` table, resolution of a batch's profile ids at
//! write time, and the merge step of a new link (see `storage::identity` for the design).
//! Both run on the single writer connection, so a merge and a batch never interleave.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension as _, Transaction, TransactionBehavior, params};
use serde_json::{Map, Value};

use super::{SqliteStore, day, from_ms, json_map, json_text, ms};
use crate::storage::{IdentityLink, IdentityStore, LinkOutcome, StoreError};

/// The canonical profile of every linked id among `profiles` (unlinked ids are absent).
pub(super) fn resolve_profiles<'a>(
    tx: &Transaction<'_>,
    profiles: impl IntoIterator<Item = &'a str>,
) -> rusqlite::Result<HashMap<String, String>> {
    let mut links = HashMap::new();
    // Most stores never link anything: skip the per-profile look-ups then.
    let any: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM identities)")?
        .query_row([], |r| r.get(0))?;
    if !any {
        return Ok(links);
    }
    let mut find = tx.prepare_cached("SELECT to_id FROM identities WHERE from_id = ?1")?;
    let unique: BTreeSet<&str> = profiles.into_iter().collect();
    for p in unique {
        if let Some(to) = find.query_row([p], |r| r.get::<_, String>(0)).optional()? {
            links.insert(p.to_owned(), to);
        }
    }
    Ok(links)
}

fn linked_to(tx: &Transaction<'_>, id: &str) -> rusqlite::Result<Option<String>> {
    tx.prepare_cached("SELECT to_id FROM identities WHERE from_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// Records one link and merges the earlier id's events and rollups into the user's.
fn link(
    tx: &Transaction<'_>,
    l: &IdentityLink,
    at: DateTime<Utc>,
) -> rusqlite::Result<LinkOutcome> {
    let (from, to) = (l.from.as_str(), l.to.as_str());
    let canonical = linked_to(tx, to)?.unwrap_or_else(|| to.to_owned());
    if from == to || canonical == from {
        return Ok(LinkOutcome::Ignored);
    }
    if let Some(existing) = linked_to(tx, from)? {
        return Ok(if existing == canonical {
            LinkOutcome::AlreadyLinked
        } else {
            LinkOutcome::Conflict
        });
    }
    tx.execute(
        "INSERT INTO identities (from_id, to_id, linked_at) VALUES (?1, ?2, ?3)",
        params![from, canonical, ms(at)],
    )?;
    // Ids linked to `from` earlier follow it, so every link stays one hop.
    tx.execute(
        "UPDATE identities SET to_id = ?2 WHERE to_id = ?1",
        params![from, canonical],
    )?;

    // Daily active profiles: the days `from` was active are the days of its events.
    let days: BTreeSet<String> = tx
        .prepare_cached("SELECT occurred_at FROM events WHERE profile_id = ?1")?
        .query_map([from], |r| r.get::<_, i64>(0))?
        .map(|t| t.map(|t| day(from_ms(t).date_naive())))
        .collect::<rusqlite::Result<_>>()?;
    for d in &days {
        let both: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM daily_active_users WHERE day = ?1 AND profile_id = ?2)",
            params![d, canonical],
            |r| r.get(0),
        )?;
        if both {
            // Both were active that day: one person, counted once.
            tx.execute(
                "DELETE FROM daily_active_users WHERE day = ?1 AND profile_id = ?2",
                params![d, from],
            )?;
            tx.execute(
                "UPDATE daily_user_counts SET count = count - 1 WHERE day = ?1",
                params![d],
            )?;
        } else {
            tx.execute(
                "UPDATE daily_active_users SET profile_id = ?3 WHERE day = ?1 AND profile_id = ?2",
                params![d, from, canonical],
            )?;
        }
    }
    tx.execute(
        "UPDATE events SET profile_id = ?2 WHERE profile_id = ?1",
        params![from, canonical],
    )?;
    merge_profiles(tx, from, &canonical)
}

struct ProfileRow {
    anonymous_id: Option<String>,
    first_seen: i64,
    last_seen: i64,
    event_count: i64,
    last_event_type: String,
    traits: Option<Map<String, Value>>,
}

fn profile_row(tx: &Transaction<'_>, id: &str) -> rusqlite::Result<Option<ProfileRow>> {
    tx.prepare_cached(
        "SELECT anonymous_id, first_seen, last_seen, event_count, last_event_type, traits
         FROM users WHERE profile_id = ?1",
    )?
    .query_row([id], |r| {
        Ok(ProfileRow {
            anonymous_id: r.get(0)?,
            first_seen: r.get(1)?,
            last_seen: r.get(2)?,
            event_count: r.get(3)?,
            last_event_type: r.get(4)?,
            traits: json_map(r.get(5)?)?,
        })
    })
    .optional()
}

/// Folds the profile row of `from` into `to`'s (creating it when the user has no events
/// yet) and removes it.
fn merge_profiles(tx: &Transaction<'_>, from: &str, to: &str) -> rusqlite::Result<LinkOutcome> {
    let Some(old) = profile_row(tx, from)? else {
        return Ok(LinkOutcome::Linked);
    };
    // The earlier id's own anonymous id, or the id itself when it was anonymous.
    let old_anonymous = old.anonymous_id.clone().or_else(|| Some(from.to_owned()));
    let merged = match profile_row(tx, to)? {
        None => ProfileRow {
            anonymous_id: old_anonymous,
            ..old
        },
        Some(new) => {
            let traits = match (old.traits, new.traits) {
                (None, t) | (t, None) => t,
                (Some(mut o), Some(n)) => {
                    o.extend(n);
                    Some(o)
                }
            };
            let later_is_old = old.last_seen > new.last_seen;
            ProfileRow {
                anonymous_id: new.anonymous_id.or(old_anonymous),
                first_seen: old.first_seen.min(new.first_seen),
                last_seen: old.last_seen.max(new.last_seen),
                event_count: old.event_count + new.event_count,
                last_event_type: if later_is_old {
                    old.last_event_type
                } else {
                    new.last_event_type
                },
                traits,
            }
        }
    };
    tx.execute("DELETE FROM users WHERE profile_id = ?1", [from])?;
    tx.execute(
        "INSERT INTO users (profile_id, user_id, anonymous_id, first_seen, last_seen, event_count,
            last_event_type, traits)
         VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (profile_id) DO UPDATE SET
            user_id = excluded.user_id, anonymous_id = excluded.anonymous_id,
            first_seen = excluded.first_seen, last_seen = excluded.last_seen,
            event_count = excluded.event_count, last_event_type = excluded.last_event_type,
            traits = excluded.traits",
        params![
            to,
            merged.anonymous_id,
            merged.first_seen,
            merged.last_seen,
            merged.event_count,
            merged.last_event_type,
            merged.traits.as_ref().map(json_text),
        ],
    )?;
    Ok(LinkOutcome::Linked)
}

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn link_identities(
        &self,
        links: &[IdentityLink],
        at: DateTime<Utc>,
    ) -> Result<Vec<LinkOutcome>, StoreError> {
        let links = links.to_vec();
        self.with_writer(move |c| {
            links
                .iter()
                .map(|l| {
                    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                    let outcome = link(&tx, l, at)?;
                    tx.commit()?;
                    Ok(outcome)
                })
                .collect()
        })
        .await
    }

    async fn linked_to(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.with_conn(move |c| {
            c.prepare_cached("SELECT to_id FROM identities WHERE from_id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()
        })
        .await
    }
}
