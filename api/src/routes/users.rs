//! Tracked users (profiles), their journeys and the event types each one has.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};

use crate::extract::Path;
use serde::Deserialize;
use shared::storage::{JourneyCursor, JourneyQuery, UserCursor, UserQuery};
use utoipa::IntoParams;

use crate::auth::RequireViewer;
use crate::error::{ApiError, ErrorBody};
use crate::query::{PageParams, Pagination, TimeRange, TimeRangeParams, query};
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::users::{JourneyEvent, User, UserDetail};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Case-insensitive substring of the user id.
    q: Option<String>,
}

/// List tracked users, most recently seen first.
#[utoipa::path(
    get, path = "/v1/users", tag = "users", operation_id = "list_users",
    params(ListParams, PageParams), security(("session" = [])),
    responses(
        (status = 200, body = Page<User>),
        (status = 400, description = "Bad parameter or cursor", body = ErrorBody),
    )
)]
pub async fn list(
    _: RequireViewer,
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
    page: Pagination<UserCursor>,
) -> Result<Json<Page<User>>, ApiError> {
    let p = query(params)?;
    let q = UserQuery {
        search: p.q.filter(|s| !s.is_empty()),
        limit: page.limit,
        after: page.after,
    };
    let page = state.users().list_users(&q).await?;
    Ok(Json(Page::new(
        page.items.into_iter().map(User::from).collect(),
        page.next.as_ref(),
    )))
}

/// One person. An id that was merged into another person (an anonymous id that was
/// identified, or an aliased id) answers with that person, `mergedFrom` naming the id asked
/// for.
#[utoipa::path(
    get, path = "/v1/users/{userId}", tag = "users", operation_id = "get_user", security(("session" = [])),
    params(("userId" = String, Path, description = "User id, or anonymous id")),
    responses((status = 200, body = UserDetail), (status = 404, body = ErrorBody))
)]
pub async fn get(
    _: RequireViewer,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> Result<Json<UserDetail>, ApiError> {
    let person = state.identities().linked_to(&user_id).await?;
    let profile = state
        .store
        .get_user(person.as_deref().unwrap_or(&user_id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no user {user_id:?}")))?;
    let merged_from = (profile.user_id != user_id).then_some(user_id);
    Ok(Json(UserDetail {
        user: profile.into(),
        merged_from,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JourneyParams {
    /// Comma-separated event types to keep.
    types: Option<String>,
}

/// A user's events, newest first, with stable cursor pagination.
#[utoipa::path(
    get, path = "/v1/users/{userId}/journey", tag = "users", security(("session" = [])),
    params(
        ("userId" = String, Path, description = "User id or anonymous id"),
        JourneyParams, TimeRangeParams, PageParams,
    ),
    responses(
        (status = 200, body = Page<JourneyEvent>),
        (status = 400, description = "Bad parameter or cursor", body = ErrorBody),
    )
)]
pub async fn journey(
    _: RequireViewer,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    params: Result<Query<JourneyParams>, QueryRejection>,
    range: TimeRange,
    page: Pagination<JourneyCursor>,
) -> Result<Json<Page<JourneyEvent>>, ApiError> {
    let p = query(params)?;
    let q = JourneyQuery {
        from: range.from,
        to: range.to,
        types: p
            .types
            .iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        limit: page.limit,
        after: page.after,
    };
    let page = state.events().journey(&user_id, &q).await?;
    Ok(Json(Page::new(
        page.items.into_iter().map(JourneyEvent::from).collect(),
        page.next.as_ref(),
    )))
}

/// Every event type in a person's journey, by name: what the journey's type filter offers.
#[utoipa::path(
    get, path = "/v1/users/{userId}/event-types", tag = "users", operation_id = "list_user_event_types",
    security(("session" = [])),
    params(("userId" = String, Path, description = "User id or anonymous id")),
    responses((status = 200, body = Page<String>), (status = 401, body = ErrorBody))
)]
pub async fn event_types(
    _: RequireViewer,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> Result<Json<Page<String>>, ApiError> {
    Ok(Json(Page::whole(
        state.events().journey_types(&user_id).await?,
    )))
}
