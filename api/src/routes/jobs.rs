//! Background jobs: list and inspect them, retry or cancel one, start an export of a day
//! (backfill or re-export) or an import. Jobs run in the worker (or in this process in
//! embedded mode); these routes only enqueue and read. All need the `analyst` role.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use shared::jobs::{
    CsvMapping, ImportFormat, ImportParams, ImportSource, export_job, export_key, import,
    import_job,
};
use shared::storage::{
    EnqueueMode, Enqueued, Job, JobChangeError, JobKind, JobQuery, JobStatus, NewJob,
};
use utoipa::{IntoParams, ToSchema};

use crate::auth::RequireAnalyst;
use crate::error::{ApiError, ErrorBody};
use crate::routes::admin::audit;
use crate::routes::auth::body;
use crate::routes::users::query;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `export` or `import`.
    kind: Option<String>,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    status: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of jobs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<Job>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// List jobs, newest first.
#[utoipa::path(
    get, path = "/v1/jobs", tag = "jobs", params(ListParams), security(("session" = [])),
    responses(
        (status = 200, body = JobPage),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
pub async fn list(
    _: RequireAnalyst,
    State(state): State<AppState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<JobPage>, ApiError> {
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
    let limit = match p.limit.unwrap_or(100) {
        n @ 1..=1000 => n,
        n => {
            return Err(ApiError::bad_request(
                "invalid_limit",
                format!("limit {n} is outside 1..=1000"),
            ));
        }
    };
    if p.cursor
        .as_deref()
        .is_some_and(|c| uuid::Uuid::parse_str(c).is_err())
    {
        return Err(ApiError::bad_request(
            "invalid_cursor",
            "cursor is not valid",
        ));
    }
    let page = state
        .store
        .list_jobs(&JobQuery {
            kind,
            status,
            limit,
            after: p.cursor,
        })
        .await?;
    Ok(Json(JobPage {
        items: page.items,
        next_cursor: page.next,
    }))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such job".to_owned())
}

/// One job, with its progress while it runs and its result or error once it ends.
#[utoipa::path(
    get, path = "/v1/jobs/{id}", tag = "jobs", security(("session" = [])),
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, body = Job), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    )
)]
pub async fn get(
    _: RequireAnalyst,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    state
        .store
        .get_job(&id)
        .await?
        .map(Json)
        .ok_or_else(not_found)
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
        (status = 200, body = Job), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not failed or cancelled, or its key is taken", body = ErrorBody),
    )
)]
pub async fn retry(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
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
    Ok(Json(job))
}

/// Cancel a job: a queued one at once, a running one at its next heartbeat
/// (`cancel_requested` is set until then).
#[utoipa::path(
    post, path = "/v1/jobs/{id}/cancel", tag = "jobs", security(("session" = [])),
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, body = Job), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The job has already ended", body = ErrorBody),
    )
)]
pub async fn cancel(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
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
    Ok(Json(job))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateExport {
    /// The UTC day to export, `YYYY-MM-DD`; must be over (before today, UTC).
    #[schema(example = "2026-11-21")]
    pub date: String,
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
        (status = 202, body = Job),
        (status = 400, description = "Bad or future date", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn create_export(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    req: Result<Json<CreateExport>, JsonRejection>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
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
        &export_job(date, state.settings.worker.max_attempts),
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
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// What is known about one day's export, including events that arrived after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportStatus {
    pub date: NaiveDate,
    /// The latest successful export of the day, if any.
    pub last_success: Option<Job>,
    /// Events in that export's files.
    pub exported_events: Option<u64>,
    /// Events of the day stored now (from the rollups).
    pub stored_events: u64,
    /// `stored_events − exported_events`: events of the day that arrived after its export.
    /// Re-export the day (`POST /v1/exports`) to include them.
    pub late_events: Option<u64>,
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
    let rows = state.store.rollups(date, date).await?;
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
        last_success: last,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateImport {
    pub source: ImportSource,
    /// `ndjson` or `csv`.
    #[schema(example = "ndjson")]
    pub format: String,
    /// Required for `csv`: event field → column.
    pub mapping: Option<CsvMapping>,
    /// Validate only: the job's result is the validation report; nothing is stored.
    #[serde(default)]
    pub dry_run: bool,
}

/// Start an import. The job's progress shows bytes and events as it runs; its result is
/// the report (valid, invalid with the first errors by line, stored, duplicates).
#[utoipa::path(
    post, path = "/v1/imports", tag = "jobs", security(("session" = [])),
    request_body = CreateImport,
    responses(
        (status = 202, body = Job),
        (status = 400, description = "Unknown format, bad mapping or source", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
pub async fn create_import(
    RequireAnalyst(user): RequireAnalyst,
    State(state): State<AppState>,
    req: Result<Json<CreateImport>, JsonRejection>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let req = body(req)?;
    let format: ImportFormat =
        serde_json::from_value(serde_json::Value::String(req.format.clone())).map_err(|_| {
            ApiError::bad_request(
                "unknown_format",
                format!("format {:?} is not one of ndjson, csv, segment", req.format),
            )
        })?;
    let params = ImportParams {
        source: req.source,
        format,
        mapping: req.mapping,
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
            "no uploaded file has this upload_id",
        ));
    }
    let r = enqueue(
        &state,
        &import_job(&params, state.settings.worker.max_attempts),
    )
    .await?;
    let job = r.job().clone();
    audit(
        &state,
        &user.account.id,
        "import.create",
        &job.id,
        json!({ "format": params.format, "dry_run": params.dry_run }),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// An uploaded import file.
#[derive(Debug, Serialize, ToSchema)]
pub struct Upload {
    /// SHA-256 of the content; pass as `source.upload_id` to `POST /v1/imports`. The same
    /// file uploaded twice gets the same id, so its derived event ids match too.
    pub upload_id: String,
    pub bytes: u64,
}

/// Upload a file to import (the raw body: NDJSON or CSV, up to `import.max_upload_bytes`).
#[utoipa::path(
    post, path = "/v1/imports/uploads", tag = "jobs", security(("session" = [])),
    request_body(content = String, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Upload),
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
