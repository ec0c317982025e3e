//! Funnels: conversion and drop-off through 2–5 ordered event types within a window.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use chrono::NaiveDate;
use serde::Deserialize;
use shared::event::EventType;
use shared::storage::FunnelQuery;
use shared::storage::funnels::{MAX_STEPS, MIN_STEPS};
use utoipa::ToSchema;

use crate::auth::RequireViewer;
use crate::error::{ApiError, ErrorBody};
use crate::query::DayRange;
use crate::routes::auth::body;
use crate::state::AppState;
use crate::wire::analytics::Funnel;

/// Default conversion window: one day.
pub const DEFAULT_WINDOW_SECONDS: i64 = 86_400;
/// Longest conversion window: 90 days.
pub const MAX_WINDOW_SECONDS: i64 = 90 * 86_400;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunnelRequest {
    /// 2 to 5 event types, in the order a user must reach them.
    #[schema(example = json!(["product_view", "add_to_cart", "purchase"]))]
    pub steps: Vec<String>,
    /// First day (UTC, inclusive) on which users may enter with the first step; default 29
    /// days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (UTC, inclusive) on which users may enter; default today. Later steps may
    /// fall after it, within the window.
    pub to: Option<NaiveDate>,
    /// Every later step must happen at most this many seconds after the first step
    /// (1 to 7,776,000; default 86,400).
    pub window_seconds: Option<i64>,
}

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
    Ok(Json(state.store.funnel(&query).await?.into()))
}
