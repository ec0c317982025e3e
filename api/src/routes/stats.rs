//! Summary analytics, served from rollups maintained at write time.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use shared::storage::Stats;
use utoipa::IntoParams;

use crate::auth::RequireViewer;
use crate::error::{ApiError, ErrorBody};
use crate::routes::users::query;
use crate::state::AppState;

/// Longest range one request may cover.
pub const MAX_RANGE_DAYS: u64 = 366;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// First day (UTC, inclusive); default 29 days before `to`.
    from: Option<NaiveDate>,
    /// Last day (UTC, inclusive); default today.
    to: Option<NaiveDate>,
}

/// KPIs for a range of days: totals, events per day and type, top types, daily active users.
#[utoipa::path(
    get, path = "/v1/stats", tag = "analytics", operation_id = "get_stats", params(StatsParams), security(("session" = [])),
    responses((status = 200, body = Stats), (status = 400, body = ErrorBody))
)]
pub async fn get(
    _: RequireViewer,
    State(state): State<AppState>,
    params: Result<Query<StatsParams>, QueryRejection>,
) -> Result<Json<Stats>, ApiError> {
    let p = query(params)?;
    let to = p.to.unwrap_or_else(|| state.clock.now().date_naive());
    let from = p
        .from
        .unwrap_or_else(|| to.checked_sub_days(Days::new(29)).unwrap_or(to));
    if from > to {
        return Err(ApiError::bad_request(
            "invalid_range",
            "from must not be after to",
        ));
    }
    if (to - from).num_days() >= i64::try_from(MAX_RANGE_DAYS).unwrap_or(i64::MAX) {
        return Err(ApiError::bad_request(
            "invalid_range",
            format!("the range may cover at most {MAX_RANGE_DAYS} days"),
        ));
    }
    let rows = state.store.rollups(from, to).await?;
    Ok(Json(Stats::from_rollups(from, to, rows)))
}
