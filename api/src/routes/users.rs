//! Tracked users (profiles) and their journeys.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shared::event::Event;
use shared::storage::{JourneyQuery, UserProfile, UserQuery, cursor};
use utoipa::{IntoParams, ToSchema};

use crate::auth::RequireViewer;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

fn limit(requested: Option<usize>) -> Result<usize, ApiError> {
    match requested.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(n),
        n => Err(ApiError::bad_request(
            "invalid_limit",
            format!("limit {n} is outside 1..={MAX_LIMIT}"),
        )),
    }
}

pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Case-insensitive substring of the user id.
    q: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    limit: Option<usize>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    pub users: Vec<UserProfile>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// List tracked users, most recently seen first.
#[utoipa::path(
    get, path = "/v1/users", tag = "users", operation_id = "list_users", params(ListParams), security(("session" = [])),
    responses(
        (status = 200, body = UserPage),
        (status = 400, description = "Bad parameter or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    _: RequireViewer,
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<UserPage>, ApiError> {
    let p = query(params)?;
    let q = UserQuery {
        search: p.q.filter(|s| !s.is_empty()),
        limit: limit(p.limit)?,
        after: p.cursor.as_deref().map(cursor::decode).transpose()?,
    };
    let page = state.store.list_users(&q).await?;
    Ok(Json(UserPage {
        users: page.items,
        next_cursor: page.next.as_ref().map(cursor::encode),
    }))
}

/// One user's profile.
#[utoipa::path(
    get, path = "/v1/users/{user_id}", tag = "users", operation_id = "get_user", security(("session" = [])),
    params(("user_id" = String, Path, description = "User id, or anonymous id for anonymous profiles")),
    responses((status = 200, body = UserProfile), (status = 404, body = ErrorBody))
)]
pub async fn get(
    _: RequireViewer,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> Result<Json<UserProfile>, ApiError> {
    state
        .store
        .get_user(&user_id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no user {user_id:?}")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JourneyParams {
    /// Inclusive start: RFC 3339 time, or a date (its start, UTC).
    from: Option<String>,
    /// Exclusive end: RFC 3339 time, or a date (the whole day included).
    to: Option<String>,
    /// Comma-separated event types to keep.
    types: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    limit: Option<usize>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    pub events: Vec<Event>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Parses a bound: an RFC 3339 time, or a date meaning the start of that day (`end_of_day`
/// = false) or the start of the next one (true).
fn bound(name: &str, v: &str, end_of_day: bool) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        ApiError::bad_request(
            "invalid_query",
            format!("{name} must be an RFC 3339 time or a YYYY-MM-DD date"),
        )
    })?;
    let day = if end_of_day {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// A user's events, newest first, with stable cursor pagination.
#[utoipa::path(
    get, path = "/v1/users/{user_id}/journey", tag = "users", security(("session" = [])),
    params(("user_id" = String, Path, description = "User id or anonymous id"), JourneyParams),
    responses(
        (status = 200, body = EventPage),
        (status = 400, description = "Bad parameter or cursor", body = ErrorBody),
    )
)]
pub async fn journey(
    _: RequireViewer,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    params: Result<Query<JourneyParams>, QueryRejection>,
) -> Result<Json<EventPage>, ApiError> {
    let p = query(params)?;
    let q = JourneyQuery {
        from: p
            .from
            .as_deref()
            .map(|v| bound("from", v, false))
            .transpose()?,
        to: p.to.as_deref().map(|v| bound("to", v, true)).transpose()?,
        types: p
            .types
            .iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        limit: limit(p.limit)?,
        after: p.cursor.as_deref().map(cursor::decode).transpose()?,
    };
    let page = state.store.journey(&user_id, &q).await?;
    Ok(Json(EventPage {
        events: page.items,
        next_cursor: page.next.as_ref().map(cursor::encode),
    }))
}
