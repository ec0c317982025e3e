//! Summary analytics, served from rollups maintained at write time.

use axum::Json;
use axum::extract::State;

use crate::auth::RequireViewer;
use crate::error::{ApiError, ErrorBody};
use crate::query::{DayRange, DayRangeParams};
use crate::state::AppState;
use crate::wire::analytics::StatsReport;

/// KPIs for a range of days: totals, events per day and type, top types, daily active users.
#[utoipa::path(
    get, path = "/v1/stats", tag = "analytics", operation_id = "get_stats", params(DayRangeParams), security(("session" = [])),
    responses((status = 200, body = StatsReport), (status = 400, body = ErrorBody))
)]
pub async fn get(
    _: RequireViewer,
    State(state): State<AppState>,
    range: DayRange,
) -> Result<Json<StatsReport>, ApiError> {
    let rows = state.rollups().rollups(range.from, range.to).await?;
    Ok(Json(
        shared::storage::Stats::from_rollups(range.from, range.to, rows).into(),
    ))
}
