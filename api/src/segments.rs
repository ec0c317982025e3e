//! The `segment=<id>` parameter the users list and the reports take: the saved segment
//! resolved to its members now (`shared::segments::resolve`, reused for a few seconds by
//! the instance's `MembersCache`), or 404 for an unknown id.

use std::sync::Arc;

use shared::segments::{Members, Segment};

use crate::error::ApiError;
use crate::state::AppState;

/// A saved segment, or 404.
pub async fn find(state: &AppState, id: &str) -> Result<Segment, ApiError> {
    state
        .segments()
        .get_segment(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no segment {id:?}")))
}

/// The members of a saved segment now, or 404.
pub async fn members(state: &AppState, id: &str) -> Result<Arc<Members>, ApiError> {
    let segment = find(state, id).await?;
    let started = std::time::Instant::now();
    let members = state
        .segment_members
        .members(
            &*state.store,
            state.report_index.as_deref(),
            &segment,
            state.clock.now(),
        )
        .await?;
    tracing::debug!(
        segment = %segment.id,
        members = members.len(),
        ms = started.elapsed().as_millis() as u64,
        "Segment resolved."
    );
    Ok(members)
}

/// The members of `segment=` when given (an empty value counts as absent).
pub async fn members_of_param(
    state: &AppState,
    id: Option<&str>,
) -> Result<Option<Arc<Members>>, ApiError> {
    match id.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(id) => members(state, id).await.map(Some),
    }
}
