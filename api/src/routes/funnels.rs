//! Funnels: conversion and drop-off through 2–5 ordered event types within a window.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use shared::event::EventType;
use shared::storage::FunnelQuery;
use shared::storage::funnels::{MAX_STEPS, MIN_STEPS};

use crate::auth::RequireViewer;
use crate::error::{ApiError, ErrorBody};
use crate::extract::body;
use crate::query::DayRange;
use crate::state::AppState;
use crate::wire::analytics::{Funnel, FunnelRequest};

/// Default conversion window: one day.
pub const DEFAULT_WINDOW_SECONDS: i64 = 86_400;
/// Longest conversion window: 90 days.
pub const MAX_WINDOW_SECONDS: i64 = 90 * 86_400;

/// Users reaching each step in order within the window, each user counted once per step,
/// with conversion and drop-off. Computed from stored events (not rollups).
#[utoipa::path(
    post, path = "/v1/funnels", tag = "analytics", security(("session" = [])),
    request_body = FunnelRequest,
    responses(
        (status = 200, body = Funnel),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    )
)]
pub async fn compute(
    _: RequireViewer,
    State(state): State<AppState>,
    req: Result<Json<FunnelRequest>, JsonRejection>,
) -> Result<Json<Funnel>, ApiError> {
    let req = body(req)?;
    let invalid = |m: String| ApiError::bad_request("invalid_funnel", m);
    if !(MIN_STEPS..=MAX_STEPS).contains(&req.steps.len()) {
        return Err(invalid(format!(
            "a funnel has {MIN_STEPS} to {MAX_STEPS} steps, not {}",
            req.steps.len()
        )));
    }
    let steps = req
        .steps
        .iter()
        .map(|s| EventType::parse(s).map(|t| t.as_str().to_owned()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let window = req.window_seconds.unwrap_or(DEFAULT_WINDOW_SECONDS);
    if !(1..=MAX_WINDOW_SECONDS).contains(&window) {
        return Err(invalid(format!(
            "windowSeconds must be 1 to {MAX_WINDOW_SECONDS}"
        )));
    }
    let range = DayRange::resolve(req.from, req.to, state.clock.now().date_naive())?;
    let (from, to) = range.times();
    let query = FunnelQuery {
        steps,
        from,
        to,
        window_ms: window * 1000,
    };
    Ok(Json(state.funnels().funnel(&query).await?.into()))
}
