//! Saved people segments: create, list, read, change and delete them (analysts write,
//! viewers read; changes are audit-logged), and page through a segment's members. The
//! rules (what a definition may say, who belongs) live in `shared::segments`.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::segments::{Condition, Definition, Segment};
use utoipa::ToSchema;

use crate::audit::record as audit;
use crate::auth::{RequireAnalyst, RequireViewer};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Path, body};
use crate::query::{PageParams, Pagination, encode_cursor};
use crate::segments::{find, members};
use crate::state::AppState;
use crate::wire::Page;

/// A segment as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SegmentView {
    pub id: String,
    pub name: String,
    /// Every condition must hold (each may be negated).
    pub conditions: Vec<Condition>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Segment> for SegmentView {
    fn from(s: Segment) -> Self {
        SegmentView {
            id: s.id,
            name: s.name,
            conditions: s.conditions,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A segment's definition, to create or replace one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SegmentInput {
    /// 1 to 100 characters.
    pub name: String,
    /// 1 to 20 conditions, all of which must hold. Kinds: `trait` (key, op
    /// equals|contains|exists, value), `profile` (field firstSeen|lastSeen (days ago)|
    /// eventCount, min, max), `dimension` (a report dimension, value, lastDays: had a visit
    /// with it), `behaviour` (event, or product with action viewed|carted|ordered; min,
    /// max, lastDays). Each takes `negate`.
    pub conditions: Vec<Condition>,
}

impl SegmentInput {
    fn parse(self) -> Result<Definition, ApiError> {
        Definition::parse(&self.name, self.conditions)
            .map_err(|m| ApiError::bad_request("invalid_segment", m))
    }
}

/// A page of a segment's members.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembersPage {
    /// Profile ids, in id order.
    pub items: Vec<String>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Members in all, whatever the page.
    pub total: u64,
}

/// Where a page of members continues: after this id.
#[derive(Debug, Serialize, Deserialize)]
pub struct MemberCursor {
    pub id: String,
}

/// Create a segment (analyst).
#[utoipa::path(
    post, path = "/v1/segments", tag = "analytics", operation_id = "create_segment",
    security(("session" = [])), request_body = SegmentInput,
    responses(
        (status = 201, body = SegmentView),
        (status = 400, description = "Bad name or condition", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn create(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    req: Result<Json<SegmentInput>, JsonRejection>,
) -> Result<(StatusCode, Json<SegmentView>), ApiError> {
    let def = body(req)?.parse()?;
    let segment = Segment::new(def, state.clock.now());
    state.segments().create_segment(&segment).await?;
    audit(
        &state,
        &user.account.id,
        "segment.create",
        &segment.id,
        json!({ "name": segment.name, "conditions": segment.conditions }),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(segment.into())))
}

/// Every saved segment, newest first.
#[utoipa::path(
    get, path = "/v1/segments", tag = "analytics", operation_id = "list_segments",
    security(("session" = [])),
    responses((status = 200, body = Page<SegmentView>), (status = 401, body = ErrorBody))
)]
pub async fn list(
    _: RequireViewer,
    State(state): State<AppState>,
) -> Result<Json<Page<SegmentView>>, ApiError> {
    let all = state.segments().list_segments().await?;
    Ok(Json(Page::whole(
        all.into_iter().map(SegmentView::from).collect(),
    )))
}

/// One segment.
#[utoipa::path(
    get, path = "/v1/segments/{id}", tag = "analytics", operation_id = "get_segment",
    security(("session" = [])), params(("id" = String, Path, description = "Segment id")),
    responses((status = 200, body = SegmentView), (status = 404, body = ErrorBody))
)]
pub async fn get(
    _: RequireViewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SegmentView>, ApiError> {
    Ok(Json(find(&state, &id).await?.into()))
}

/// Replace a segment's name and conditions (analyst).
#[utoipa::path(
    put, path = "/v1/segments/{id}", tag = "analytics", operation_id = "update_segment",
    security(("session" = [])), params(("id" = String, Path, description = "Segment id")),
    request_body = SegmentInput,
    responses(
        (status = 200, body = SegmentView),
        (status = 400, description = "Bad name or condition", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
pub async fn update(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Result<Json<SegmentInput>, JsonRejection>,
) -> Result<Json<SegmentView>, ApiError> {
    let def = body(req)?.parse()?;
    let mut segment = find(&state, &id).await?;
    segment.name = def.name;
    segment.conditions = def.conditions;
    segment.updated_at = state.clock.now();
    if !state.segments().update_segment(&segment).await? {
        return Err(ApiError::NotFound(format!("no segment {id:?}")));
    }
    audit(
        &state,
        &user.account.id,
        "segment.update",
        &segment.id,
        json!({ "name": segment.name, "conditions": segment.conditions }),
    )
    .await?;
    Ok(Json(segment.into()))
}

/// Delete a segment (analyst).
#[utoipa::path(
    delete, path = "/v1/segments/{id}", tag = "analytics", operation_id = "delete_segment",
    security(("session" = [])), params(("id" = String, Path, description = "Segment id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
pub async fn delete(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !state.segments().delete_segment(&id).await? {
        return Err(ApiError::NotFound(format!("no segment {id:?}")));
    }
    audit(&state, &user.account.id, "segment.delete", &id, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of a segment's members now (profile ids in id order) and how many there are.
#[utoipa::path(
    get, path = "/v1/segments/{id}/members", tag = "analytics", operation_id = "list_segment_members",
    security(("session" = [])),
    params(("id" = String, Path, description = "Segment id"), PageParams),
    responses(
        (status = 200, body = MembersPage),
        (status = 400, description = "Bad cursor or limit", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn list_members(
    _: RequireViewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    page: Pagination<MemberCursor>,
) -> Result<Json<MembersPage>, ApiError> {
    let members = members(&state, &id).await?;
    let sorted = members.sorted();
    let start = page
        .after
        .as_ref()
        .map_or(0, |c| sorted.partition_point(|m| *m <= c.id.as_str()));
    let mut items: Vec<String> = sorted
        .iter()
        .skip(start)
        .take(page.limit + 1)
        .map(|m| (*m).to_owned())
        .collect();
    let next = (items.len() > page.limit).then(|| {
        items.truncate(page.limit);
        MemberCursor {
            id: items.last().cloned().unwrap_or_default(),
        }
    });
    Ok(Json(MembersPage {
        items,
        next_cursor: next.as_ref().map(encode_cursor),
        total: members.len() as u64,
    }))
}
