//! Background jobs: list and inspect them, retry or cancel one, start an export of a day
//! (backfill or re-export) or an import (erasures start at `DELETE /v1/users/{userId}`). Jobs run in the worker (or in this process in
//! embedded mode); these routes only enqueue and read. All need the `analyst` role.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};

use crate::extract::Path;
use axum::http::StatusCode;
use chrono::NaiveDate;
use futures::StreamExt as _;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use shared::jobs::{
    ImportFormat, ImportParams, ImportSource, export_job, export_key, import, import_job,
};
use shared::storage::{
    EnqueueMode, Enqueued, Job, JobChangeError, JobKind, JobQuery, JobStatus, NewJob,
};
use utoipa::IntoParams;

use crate::audit::record as audit;
use crate::auth::RequireAnalyst;
use crate::error::{ApiError, ErrorBody};
use crate::extract::body;
use crate::query::{PageParams, Pagination, query};
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::jobs::{CreateExport, ExportStatus, ImportRequest, JobCursor, JobView, Upload};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `export`, `import` or `erase`.
    kind: Option<String>,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    status: Option<String>,
}

/// A stored job as the API shows it; one that does not read back is a 500, logged.
fn view(job: Job) -> Result<JobView, ApiError> {
    JobView::try_from(job).map_err(|e| ApiError::Internal(e.into()))
}

/// List jobs, newest first.
#[utoipa::path(
    get, path = "/v1/jobs", tag = "jobs", params(ListParams, PageParams), security(("session" = [])),
    responses(
        (status = 200, body = Page<JobView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
pub async fn list(
    _: RequireAnalyst,
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
    page: Pagination<JobCursor>,
) -> Result<Json<Page<JobView>>, ApiError> {
    let p = query(params)?;
    let kind = p
        .kind
        .as_deref()
        .map(JobKind::parse)
        .transpose()
        .map_err(|m| ApiError::bad_request("invalid_kind", m))?;
    let status = p
        .status
        .as_deref()
        .map(JobStatus::parse)
        .transpose()
        .map_err(|m| ApiError::bad_request("invalid_status", m))?;
    let found = state
        .store
        .list_jobs(&JobQuery {
            kind,
            status,
            limit: page.limit,
            after: page.after.map(|c| c.id),
        })
        .await?;
    let items = found
        .items
        .into_iter()
        .map(view)
        .collect::<Result<_, _>>()?;
    Ok(Json(Page::new(
        items,
        found.next.map(|id| JobCursor { id }).as_ref(),
    )))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such job".to_owned())
}

/// One job, with its progress while it runs and its result or error once it ends.
#[utoipa::path(
    get, path = "/v1/jobs/{id}", tag = "jobs", security(("session" = [])),
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, body = JobView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
pub async fn get(
    _: RequireAnalyst,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = state.jobs().get_job(&id).await?.ok_or_else(not_found)?;
    Ok(Json(view(job)?))
}

fn change_error(e: JobChangeError) -> ApiError {
    match e {
        JobChangeError::NotFound => not_found(),
        JobChangeError::WrongStatus(s) => ApiError::Conflict {
            code: "wrong_status",
            message: format!("the job is {s}"),
        },
        JobChangeError::KeyTaken(k) => ApiError::Conflict {
            code: "key_taken",
            message: format!("another active job holds {k}"),
        },
    }
}

/// Queue a failed or cancelled job again, with fresh attempts.
#[utoipa::path(
    post, path = "/v1/jobs/{id}/retry", tag = "jobs", security(("session" = [])),
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, body = JobView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not failed or cancelled, or its key is taken", body = ErrorBody),
    )
)]
pub async fn retry(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = state
        .store
        .retry_job(&id, state.clock.now())
        .await?
        .map_err(change_error)?;
    audit(
        &state,
        &user.account.id,
        "job.retry",
        &job.id,
        json!({ "key": job.key }),
    )
    .await?;
    Ok(Json(view(job)?))
}

/// Cancel a job: a queued one at once, a running one at its next heartbeat
/// (`cancelRequested` is set until then).
#[utoipa::path(
    post, path = "/v1/jobs/{id}/cancel", tag = "jobs", security(("session" = [])),
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, body = JobView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The job has already ended", body = ErrorBody),
    )
)]
pub async fn cancel(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = state
        .store
        .cancel_job(&id, state.clock.now())
        .await?
        .map_err(change_error)?;
    audit(
        &state,
        &user.account.id,
        "job.cancel",
        &job.id,
        json!({ "key": job.key }),
    )
    .await?;
    Ok(Json(view(job)?))
}

fn parse_date(s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ApiError::bad_request("invalid_date", format!("date {s:?} is not YYYY-MM-DD")))
}

async fn enqueue(state: &AppState, job: &NewJob) -> Result<Enqueued, ApiError> {
    Ok(state
        .store
        .enqueue(job, EnqueueMode::UnlessActive, state.clock.now())
        .await?)
}

/// Export (or re-export) one UTC day. Answers with the job; when an export of that day is
/// already queued or running, with that job instead of a new one.
#[utoipa::path(
    post, path = "/v1/exports", tag = "jobs", security(("session" = [])),
    request_body = CreateExport,
    responses(
        (status = 202, body = JobView),
        (status = 400, description = "Bad or future date", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn create_export(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    req: Result<Json<CreateExport>, JsonRejection>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let req = body(req)?;
    let date = parse_date(&req.date)?;
    let today = state.clock.now().date_naive();
    if date >= today {
        return Err(ApiError::bad_request(
            "date_not_over",
            format!("{date} is not over yet (UTC); only past days can be exported"),
        ));
    }
    let r = enqueue(
        &state,
        &export_job(date, state.settings.worker.max_attempts)
            .map_err(|e| ApiError::Internal(e.into()))?,
    )
    .await?;
    let job = r.job().clone();
    if matches!(r, Enqueued::Created(_)) {
        audit(
            &state,
            &user.account.id,
            "export.create",
            &job.id,
            json!({ "date": date }),
        )
        .await?;
    }
    Ok((StatusCode::ACCEPTED, Json(view(job)?)))
}

/// A day's export status: the last successful export and how many events of the day
/// arrived after it.
#[utoipa::path(
    get, path = "/v1/exports/{date}", tag = "jobs", security(("session" = [])),
    params(("date" = String, Path, description = "UTC day, YYYY-MM-DD")),
    responses(
        (status = 200, body = ExportStatus), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn export_status(
    _: RequireAnalyst,
    State(state): State<AppState>,
    Path(date): Path<String>,
) -> Result<Json<ExportStatus>, ApiError> {
    let date = parse_date(&date)?;
    let last = state
        .store
        .last_succeeded(JobKind::Export, Some(&export_key(date)))
        .await?;
    let rows = state.rollups().rollups(date, date).await?;
    let stored_events: u64 = rows.day_type_counts.iter().map(|(_, _, n)| n).sum();
    let exported_events = last
        .as_ref()
        .and_then(|j| j.result.as_ref())
        .and_then(|r| r.get("events"))
        .and_then(serde_json::Value::as_u64);
    Ok(Json(ExportStatus {
        date,
        late_events: exported_events.map(|e| stored_events.saturating_sub(e)),
        exported_events,
        stored_events,
        last_success: last.map(view).transpose()?,
    }))
}

/// Start an import. The job's progress shows bytes and events as it runs; its result is
/// the report (valid, invalid with the first errors by line, stored, duplicates).
#[utoipa::path(
    post, path = "/v1/imports", tag = "jobs", security(("session" = [])),
    request_body = ImportRequest,
    responses(
        (status = 202, body = JobView),
        (status = 400, description = "Unknown format, bad mapping or source", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn create_import(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    req: Result<Json<ImportRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let req = body(req)?;
    let params = ImportParams {
        kind: req.kind,
        source: req.source.into(),
        format: import_format(&req.format)?,
        mapping: req.mapping.map(Into::into),
        dry_run: req.dry_run,
    };
    params
        .validate()
        .map_err(|m| ApiError::bad_request("invalid_import", m))?;
    if let ImportSource::Upload { upload_id } = &params.source
        && state
            .objects
            .list(&import::upload_key(upload_id))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
            .is_empty()
    {
        return Err(ApiError::bad_request(
            "unknown_upload",
            "no uploaded file has this uploadId",
        ));
    }
    let r = enqueue(
        &state,
        &import_job(&params, state.settings.worker.max_attempts)
            .map_err(|e| ApiError::Internal(e.into()))?,
    )
    .await?;
    let job = r.job().clone();
    audit(
        &state,
        &user.account.id,
        "import.create",
        &job.id,
        json!({ "kind": params.kind, "format": params.format, "dryRun": params.dry_run }),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(view(job)?)))
}

/// An import format by its wire name.
pub(crate) fn import_format(name: &str) -> Result<ImportFormat, ApiError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
        ApiError::bad_request(
            "unknown_format",
            format!("format {name:?} is not one of ndjson, csv, segment"),
        )
    })
}

/// Upload a file to import (the raw body: NDJSON or CSV, up to `import.max_upload_bytes`).
#[utoipa::path(
    post, path = "/v1/imports/uploads", tag = "jobs", security(("session" = [])),
    request_body(content = String, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Upload),
        (status = 400, description = "An empty body", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
    )
)]
pub async fn upload(
    _: RequireAnalyst,
    State(state): State<AppState>,
    raw: Body,
) -> Result<(StatusCode, Json<Upload>), ApiError> {
    use tokio::io::AsyncWriteExt as _;
    let max = state.settings.import.max_upload_bytes as u64;
    let tmp = tempfile::NamedTempFile::new()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("temporary file: {e}")))?;
    let mut file = tokio::fs::File::create(tmp.path())
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("temporary file: {e}")))?;
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut stream = raw.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
        bytes += chunk.len() as u64;
        if bytes > max {
            return Err(ApiError::PayloadTooLarge(format!(
                "the upload is larger than {max} bytes"
            )));
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("temporary file: {e}")))?;
    }
    if bytes == 0 {
        return Err(ApiError::bad_request(
            "empty_upload",
            "the upload holds no bytes",
        ));
    }
    file.flush()
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("temporary file: {e}")))?;
    let upload_id = hex::encode(hasher.finalize());
    state
        .objects
        .put_file(&import::upload_key(&upload_id), tmp.path())
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok((StatusCode::CREATED, Json(Upload { upload_id, bytes })))
}
