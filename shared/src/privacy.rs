//! Erasure, suppression and subject access: the rules, once for every engine and every
//! caller (API, CLI, worker).
//!
//! An erasure job covers the person and every id linked to them (identity links, pending
//! moves). It resolves those ids once and records them with the job, so an attempt that
//! resumes after the links are gone still knows them; then it removes the person's rows kind
//! by kind ([`RowKind::ALL`]) in bounded steps, each step one transaction that also counts
//! what it removed. A re-run finds nothing left and changes nothing. Daily rollups (events
//! per day and type, active users per day) keep the person's contribution as anonymous
//! numbers; their per-day active marks are re-keyed to a random id made for the attempt.
//! With suppression, the ids are listed before anything is removed and ingestion drops
//! their later events ([`crate::ingest`]).

use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasher as _, Hasher as _};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::event::Event;
use crate::identity::IdentityLink;
use crate::jobs::{JobContext, JobError};
use crate::storage::{
    AuditEntry, AuditStore, JobKind, NewJob, PrivacyStore, RowCounts, RowKind, StoreError,
};

/// Rows an erasure step removes at most (one transaction each).
pub const ERASE_BATCH_ROWS: usize = 1000;

/// The audit action of a finished erasure.
pub const AUDIT_ERASED: &str = "user.erase";

/// Parameters of an erasure job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErasureParams {
    /// The person's profile id (an id linked to a person is resolved to them first).
    pub person: String,
    /// Also add the ids to the suppression list, so their later events are dropped.
    #[serde(default)]
    pub suppress: bool,
    /// Who asked (an account id, or `cli`), for the audit log.
    pub requested_by: String,
}

/// What an erasure removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErasureResult {
    pub person: String,
    /// Every id it covered.
    pub ids: Vec<String>,
    pub suppressed: bool,
    /// Rows removed per kind, by every attempt of the job.
    #[schema(value_type = std::collections::BTreeMap<String, u64>)]
    pub rows: RowCounts,
}

/// The idempotency key of a person's erasure: one active erasure per person.
pub fn erase_key(person: &str) -> String {
    format!("erase:{person}")
}

/// A new erasure job.
pub fn erase_job(params: &ErasureParams, max_attempts: u32) -> Result<NewJob, serde_json::Error> {
    Ok(NewJob {
        id: uuid::Uuid::now_v7().to_string(),
        kind: JobKind::Erase,
        key: erase_key(&params.person),
        params: serde_json::to_value(params)?,
        max_attempts,
    })
}

/// An id no one can link back to the person: a fresh random value (the OS seeds every
/// `RandomState`), never stored next to the person's ids.
fn pseudonym() -> String {
    let random = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    format!("erased-{:016x}{:016x}", random(), random())
}

/// Runs (or resumes) erasure job `job_id`; `batch` rows at most per step. Checks `ctx`
/// between steps, so a cancel or a lost lease stops it; whatever it removed stays removed
/// and counted, and the next attempt carries on.
pub async fn erase<S>(
    store: &S,
    job_id: &str,
    params: &ErasureParams,
    batch: usize,
    ctx: &JobContext,
    now: DateTime<Utc>,
) -> Result<ErasureResult, JobError>
where
    S: PrivacyStore + AuditStore + ?Sized,
{
    let transient = |e: StoreError| JobError::Transient(anyhow::Error::new(e));
    let recorded = store.erasure(job_id).await.map_err(transient)?;
    let mut ids: BTreeSet<String> = recorded
        .map(|r| r.ids)
        .unwrap_or_default()
        .into_iter()
        .collect();
    ids.extend(store.linked_ids(&params.person).await.map_err(transient)?);
    let ids: Vec<String> = ids.into_iter().collect();
    store
        .save_erasure(job_id, &params.person, &ids, now)
        .await
        .map_err(transient)?;
    if params.suppress {
        store.suppress(&ids, now).await.map_err(transient)?;
    }
    let pseudonym = pseudonym();
    let batch = batch.max(1);
    for kind in RowKind::ALL {
        loop {
            ctx.check()?;
            let removed = store
                .erase_rows(job_id, kind, &ids, &pseudonym, batch)
                .await
                .map_err(transient)?;
            if kind == RowKind::Events {
                ctx.add_events(removed, 0, 0);
            }
            if removed < batch as u64 {
                break;
            }
        }
    }
    let rows = store
        .erasure(job_id)
        .await
        .map_err(transient)?
        .map(|r| r.rows)
        .unwrap_or_default();
    let result = ErasureResult {
        person: params.person.clone(),
        ids,
        suppressed: params.suppress,
        rows,
    };
    store
        .append_audit(&AuditEntry {
            id: uuid::Uuid::now_v7().to_string(),
            at: now,
            actor: params.requested_by.clone(),
            action: AUDIT_ERASED.to_owned(),
            target: params.person.clone(),
            details: json!({
                "jobId": job_id,
                "ids": result.ids,
                "suppressed": result.suppressed,
                "rows": result.rows,
            }),
        })
        .await
        .map_err(transient)?;
    store.forget_erasure(job_id).await.map_err(transient)?;
    Ok(result)
}

/// The ids a message names, for the suppression check: its event's user and anonymous ids
/// and, for an `identify` or `alias`, both ids of its link.
pub fn message_ids<'a>(
    event: &'a Event,
    link: Option<&'a IdentityLink>,
) -> impl Iterator<Item = &'a str> {
    event
        .user_id
        .iter()
        .chain(&event.anonymous_id)
        .map(String::as_str)
        .chain(
            link.into_iter()
                .flat_map(|l| [l.from.as_str(), l.to.as_str()]),
        )
}

/// True when any id a message names is suppressed: ingestion drops it.
pub fn is_suppressed(
    event: &Event,
    link: Option<&IdentityLink>,
    suppressed: &HashSet<String>,
) -> bool {
    !suppressed.is_empty() && message_ids(event, link).any(|id| suppressed.contains(id))
}

#[cfg(test)]
#[path = "privacy_tests.rs"]
mod tests;
