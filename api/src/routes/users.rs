//! Tracked users (profiles), their journeys and the event types each one has; erasing a
//! person and downloading everything stored about them (admin).

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;

use crate::extract::Path;
use serde::Deserialize;
use serde_json::json;
use shared::privacy::{ErasureParams, erase_job};
use shared::segments;
use shared::storage::{
    EnqueueMode, Enqueued, JourneyCursor, JourneyQuery, SortOrder, Store, UserCursor, UserQuery,
    UserSort,
};
use utoipa::IntoParams;

use crate::audit::record as audit;
use crate::auth::{RequireAdmin, RequireViewer};
use crate::error::{ApiError, ErrorBody};
use crate::query::{PageParams, Pagination, TimeRange, TimeRangeParams, encode_cursor, query};
use crate::segments::members_of_param;
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::jobs::JobView;
use crate::wire::users::{AccessRecord, JourneyEvent, User, UserDetail, UserPage, csv};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Prefix of the user id, email, name or a word of the name (case-insensitive).
    q: Option<String>,
    /// Column to sort by: `lastSeen` (default), `firstSeen`, `eventCount` or `userId`.
    sort: Option<String>,
    /// `asc` or `desc` (default). Ties go by user id in the same direction.
    order: Option<String>,
    /// Only the members of this saved segment (now); 404 when there is no such segment.
    segment: Option<String>,
}

impl ListParams {
    /// The checked query (page size and cursor given separately).
    fn to_query(&self) -> Result<UserQuery, ApiError> {
        let sort = match self.sort.as_deref().filter(|s| !s.is_empty()) {
            None => UserSort::default(),
            Some(s) => UserSort::parse(s).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("sort must be one of {}", UserSort::NAMES.join(", ")),
                )
            })?,
        };
        let order = match self.order.as_deref().filter(|s| !s.is_empty()) {
            None => SortOrder::default(),
            Some(o) => SortOrder::parse(o).ok_or_else(|| {
                ApiError::bad_request("invalid_query", "order must be asc or desc")
            })?,
        };
        Ok(UserQuery {
            search: self.q.clone().filter(|s| !s.trim().is_empty()),
            sort,
            order,
            ..UserQuery::default()
        })
    }
}

/// List tracked users sorted by a column, optionally searched, with the total that match.
#[utoipa::path(
    get, path = "/v1/users", tag = "users", operation_id = "list_users",
    params(ListParams, PageParams), security(("session" = [])),
    responses(
        (status = 200, body = UserPage),
        (status = 400, description = "Bad parameter or cursor", body = ErrorBody),
        (status = 404, description = "No such segment", body = ErrorBody),
    )
)]
pub async fn list(
    _: RequireViewer,
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
    page: Pagination<UserCursor>,
) -> Result<Json<UserPage>, ApiError> {
    let params = query(params)?;
    let q = UserQuery {
        limit: page.limit,
        after: page.after,
        ..params.to_query()?
    };
    let (items, total) = match members_of_param(&state, params.segment.as_deref()).await? {
        Some(members) => {
            let everyone = state.segments().member_profiles(members.clone()).await?;
            segments::users_page(everyone, &members, &q)?
        }
        None => tokio::try_join!(state.users().list_users(&q), state.users().count_users(&q))?,
    };
    Ok(Json(UserPage {
        items: items.items.into_iter().map(User::from).collect(),
        next_cursor: items.next.as_ref().map(encode_cursor),
        total,
    }))
}

/// Rows per store read while a CSV export streams.
const CSV_PAGE: usize = 1000;

/// The users a list with the same `q`, `sort` and `order` shows, all of them, as CSV
/// (streamed page by page: memory stays bounded whatever the count).
#[utoipa::path(
    get, path = "/v1/users.csv", tag = "users", operation_id = "export_users_csv",
    params(ListParams), security(("session" = [])),
    responses(
        (status = 200, content_type = "text/csv", body = String,
         description = "Header row, then one row per person: userId, anonymous, firstSeen, lastSeen, eventCount, lastEventType, email, name, traits (JSON)"),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 404, description = "No such segment", body = ErrorBody),
    )
)]
pub async fn export_csv(
    _: RequireViewer,
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = query(params)?;
    let q = UserQuery {
        limit: CSV_PAGE,
        ..params.to_query()?
    };
    if let Some(members) = members_of_param(&state, params.segment.as_deref()).await? {
        // A segment's members are read whole (see `segments::users_page`): one body.
        let everyone = state.segments().member_profiles(members.clone()).await?;
        let all = UserQuery {
            limit: usize::MAX - 1,
            ..q
        };
        let (page, _) = segments::users_page(everyone, &members, &all)?;
        let mut bytes = csv::header().to_vec();
        bytes.extend_from_slice(&csv::rows(&page.items));
        return Ok(csv_response(Body::from(bytes)));
    }
    let header = futures::stream::once(async { Ok::<_, std::io::Error>(csv::header()) });
    let rows = futures::stream::try_unfold(Some(q), move |q| {
        let state = state.clone();
        async move {
            let Some(mut q) = q else { return Ok(None) };
            let page = state.users().list_users(&q).await.map_err(|e| {
                tracing::error!(error = %e, "Users CSV export failed mid-stream.");
                std::io::Error::other("store error")
            })?;
            let chunk = csv::rows(&page.items);
            let next = page.next.map(|c| {
                q.after = Some(c);
                q
            });
            Ok(Some((chunk, next)))
        }
    });
    Ok(csv_response(Body::from_stream(header.chain(rows))))
}

fn csv_response(body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"users.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
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

/// The person an id belongs to: the id itself unless it was merged into someone.
async fn person_of(state: &AppState, user_id: &str) -> Result<String, ApiError> {
    Ok(state
        .identities()
        .linked_to(user_id)
        .await?
        .unwrap_or_else(|| user_id.to_owned()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EraseParams {
    /// Also drop every later event of the person's ids at ingestion (counted as
    /// `suppressed`).
    #[serde(default)]
    suppress: bool,
}

/// Erase a person: starts the erasure job that removes the events, profile, identity
/// links, visits, orders and active-day marks of the person and every id linked to them
/// (an id merged into a person erases that person). Answers with the job; when an erasure
/// of that person is queued or running already, with that job. Erasing an id nothing is
/// stored for is allowed (with `suppress`, it blocks the id's future events).
#[utoipa::path(
    delete, path = "/v1/users/{userId}", tag = "users", operation_id = "erase_user",
    security(("session" = [])),
    params(("userId" = String, Path, description = "User id, or anonymous id"), EraseParams),
    responses(
        (status = 202, body = JobView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
pub async fn erase(
    RequireAdmin(admin): RequireAdmin,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    params: Result<Query<EraseParams>, QueryRejection>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let p = query(params)?;
    let person = person_of(&state, &user_id).await?;
    let job = erase_job(
        &ErasureParams {
            person: person.clone(),
            suppress: p.suppress,
            requested_by: admin.account.id.clone(),
        },
        state.settings.worker.max_attempts,
    )
    .map_err(|e| ApiError::Internal(e.into()))?;
    let r = state
        .jobs()
        .enqueue(&job, EnqueueMode::UnlessActive, state.clock.now())
        .await?;
    let job = r.job().clone();
    if matches!(r, Enqueued::Created(_)) {
        audit(
            &state,
            &admin.account.id,
            "user.erase_requested",
            &person,
            json!({ "jobId": job.id, "requestedId": user_id, "suppress": p.suppress }),
        )
        .await?;
    }
    let view = JobView::try_from(job).map_err(|e| ApiError::Internal(e.into()))?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

/// Events per page of a subject-access download.
const EXPORT_PAGE: usize = 500;

/// Download everything stored about a person (subject access) as one NDJSON file: a
/// `profile` record, an `ids` record (the person's id and every id linked to them), then
/// one `event` record per stored event, newest first. Audit-logged.
#[utoipa::path(
    get, path = "/v1/users/{userId}/export", tag = "users", operation_id = "export_user",
    security(("session" = [])),
    params(("userId" = String, Path, description = "User id, or anonymous id")),
    responses(
        (status = 200, description = "One JSON record per line",
         content_type = "application/x-ndjson", body = AccessRecord),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn export(
    RequireAdmin(admin): RequireAdmin,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> Result<Response, ApiError> {
    let person = person_of(&state, &user_id).await?;
    let profile = state.users().get_user(&person).await?;
    let ids = state.privacy().linked_ids(&person).await?;
    let first = state
        .events()
        .journey(
            &person,
            &JourneyQuery {
                limit: EXPORT_PAGE,
                ..JourneyQuery::default()
            },
        )
        .await?;
    if profile.is_none() && first.items.is_empty() {
        return Err(ApiError::NotFound(format!("no user {user_id:?}")));
    }
    audit(
        &state,
        &admin.account.id,
        "user.export",
        &person,
        json!({ "requestedId": user_id, "ids": ids }),
    )
    .await?;
    let mut head = Vec::new();
    if let Some(p) = profile {
        push_line(&mut head, &AccessRecord::Profile { profile: p.into() })?;
    }
    push_line(&mut head, &AccessRecord::Ids { ids })?;
    for e in first.items {
        push_line(&mut head, &AccessRecord::Event { event: e.into() })?;
    }
    let rest = futures::stream::try_unfold(
        (state.store.clone(), person.clone(), first.next),
        |(store, person, after)| async move {
            let Some(after) = after else {
                return Ok(None);
            };
            next_page(store, person, after).await.map(Some)
        },
    );
    let body = futures::stream::once(async { Ok(Bytes::from(head)) }).chain(rest);
    let file = format!("attachment; filename=\"{}.ndjson\"", file_stem(&person));
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_owned()),
            (header::CONTENT_DISPOSITION, file),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

type PageState = (Arc<dyn Store>, String, Option<JourneyCursor>);

/// The next page of a download as NDJSON bytes. A failure ends the download early (the
/// client sees a truncated transfer); it is logged here.
async fn next_page(
    store: Arc<dyn Store>,
    person: String,
    after: JourneyCursor,
) -> Result<(Bytes, PageState), std::io::Error> {
    let q = JourneyQuery {
        limit: EXPORT_PAGE,
        after: Some(after),
        ..JourneyQuery::default()
    };
    let page = store.journey(&person, &q).await.map_err(|e| {
        tracing::warn!(error = %e, "A subject-access download failed midway.");
        std::io::Error::other("store read failed")
    })?;
    let mut out = Vec::new();
    for e in page.items {
        push_line(&mut out, &AccessRecord::Event { event: e.into() })
            .map_err(|_| std::io::Error::other("encoding failed"))?;
    }
    Ok((Bytes::from(out), (store, person, page.next)))
}

fn push_line(out: &mut Vec<u8>, record: &AccessRecord) -> Result<(), ApiError> {
    serde_json::to_writer(&mut *out, record).map_err(|e| ApiError::Internal(e.into()))?;
    out.push(b'\n');
    Ok(())
}

/// A file name made of the id's safe characters (the id is the caller's input).
fn file_stem(id: &str) -> String {
    let stem: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    if stem.is_empty() {
        "person".to_owned()
    } else {
        format!("person-{stem}")
    }
}
