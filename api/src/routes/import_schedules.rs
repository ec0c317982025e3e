//! Scheduled import sources (admin): an S3 object or URL imported again on a cron
//! expression by the worker ([`shared::jobs::schedules`] decides when a run is due).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde_json::json;
use shared::jobs::ImportParams;
use shared::jobs::schedules::ImportSchedule;
use shared::storage::import_schedules::MAX_IMPORT_SCHEDULES;

use super::jobs::import_format;
use crate::audit::record as audit;
use crate::auth::RequireAdmin;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Path, body};
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::jobs::{ImportScheduleRequest, ImportScheduleView};

/// Schedule an import source: each run (cron, UTC) is an import job keyed by the schedule
/// and the run's time.
#[utoipa::path(
    post, path = "/v1/imports/schedules", tag = "jobs", operation_id = "create_import_schedule", security(("session" = [])),
    request_body = ImportScheduleRequest,
    responses(
        (status = 201, body = ImportScheduleView),
        (status = 400, description = "Bad cron, source, format or mapping; too many schedules", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn create(
    RequireAdmin(admin): RequireAdmin,
    State(state): State<AppState>,
    req: Result<Json<ImportScheduleRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<ImportScheduleView>), ApiError> {
    let req = body(req)?;
    let params = ImportParams {
        kind: req.kind,
        source: req.source.into(),
        format: import_format(&req.format)?,
        mapping: req.mapping.map(Into::into),
        dry_run: false,
    };
    let schedule = ImportSchedule::new(&req.cron, params, state.clock.now(), &admin.account.id)
        .map_err(|m| ApiError::bad_request("invalid_schedule", m))?;
    if state.store.import_schedules().await?.len() >= MAX_IMPORT_SCHEDULES {
        return Err(ApiError::bad_request(
            "too_many_schedules",
            format!("at most {MAX_IMPORT_SCHEDULES} import schedules; delete one first"),
        ));
    }
    state.store.add_import_schedule(&schedule).await?;
    audit(
        &state,
        &admin.account.id,
        "import_schedule.create",
        &schedule.id,
        json!({ "kind": schedule.params.kind, "cron": schedule.cron }),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(schedule.into())))
}

/// Every import schedule, oldest first (one page).
#[utoipa::path(
    get, path = "/v1/imports/schedules", tag = "jobs", operation_id = "list_import_schedules", security(("session" = [])),
    responses(
        (status = 200, body = Page<ImportScheduleView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn list(
    _: RequireAdmin,
    State(state): State<AppState>,
) -> Result<Json<Page<ImportScheduleView>>, ApiError> {
    let all = state.store.import_schedules().await?;
    Ok(Json(Page::whole(all.into_iter().map(Into::into).collect())))
}

/// Delete an import schedule (jobs it already enqueued stay).
#[utoipa::path(
    delete, path = "/v1/imports/schedules/{id}", tag = "jobs", operation_id = "delete_import_schedule", security(("session" = [])),
    params(("id" = String, Path, description = "Schedule id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
pub async fn delete(
    RequireAdmin(admin): RequireAdmin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !state.store.delete_import_schedule(&id).await? {
        return Err(ApiError::NotFound(format!("no import schedule {id:?}")));
    }
    audit(
        &state,
        &admin.account.id,
        "import_schedule.delete",
        &id,
        json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
