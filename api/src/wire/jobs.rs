//! Jobs, exports and imports on the wire. A job's parameters and result are stored as
//! kind-specific JSON; here they are read back into their types and shown in camelCase,
//! and a stored value that does not read is an error, never a `null`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::jobs::ExportParams;
use shared::jobs::enrich::EnrichReport;
use shared::jobs::export::ExportResult;
use shared::jobs::import::{ImportReport, LineError};
use shared::jobs::purge::{PurgeParams, PurgeResult};
use shared::jobs::schedules::ImportSchedule;
use shared::jobs::{CsvMapping, ImportFormat, ImportKind, ImportParams, ImportSource};
use shared::privacy::{ErasureParams, ErasureResult};
use shared::storage::{Job, JobKind, JobProgress, JobStatus};
use utoipa::ToSchema;

/// Position after the last job of a page (inside an opaque cursor).
#[derive(Debug, Serialize, Deserialize)]
pub struct JobCursor {
    pub id: String,
}

/// One job, with its progress while it runs and its result or error once it ends.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub id: String,
    pub kind: JobKind,
    /// Idempotency key: at most one active job per key (`export:YYYY-MM-DD` for exports).
    pub key: String,
    pub status: JobStatus,
    /// Attempts started so far (a claim starts one).
    pub attempts: u32,
    pub max_attempts: u32,
    pub created_at: DateTime<Utc>,
    /// When the latest attempt started.
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// A queued job is not claimed before this time (backoff after a failed attempt).
    pub run_after: DateTime<Utc>,
    pub progress: Progress,
    /// The latest attempt's error, if it failed.
    pub error: Option<String>,
    /// What the job was asked to do.
    pub params: JobParams,
    /// What it produced, once succeeded; dry-run reports too.
    pub result: Option<JobResult>,
    /// Cancellation was asked for while running; the worker stops at its next heartbeat.
    pub cancel_requested: bool,
}

/// How far a job got; updated by the worker with each heartbeat.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Bytes read (imports) or written (exports) so far.
    pub bytes_processed: u64,
    /// Size of the input, when known (imports).
    pub bytes_total: Option<u64>,
    /// Events read (imports) or exported (exports) so far.
    pub events_processed: u64,
    /// Lines that were not valid events (imports).
    pub events_invalid: u64,
    /// Events already stored before this job (imports).
    pub events_duplicate: u64,
}

impl From<JobProgress> for Progress {
    fn from(p: JobProgress) -> Self {
        Self {
            bytes_processed: p.bytes_processed,
            bytes_total: p.bytes_total,
            events_processed: p.events_processed,
            events_invalid: p.events_invalid,
            events_duplicate: p.events_duplicate,
        }
    }
}

/// A job's parameters, by kind. An export's and a purge's are both one day (`kind` tells
/// them apart), so they share one schema.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum JobParams {
    Export(ExportJobParams),
    Import(ImportRequest),
    Erase(ErasureJobParams),
}

/// Parameters of an erasure.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErasureJobParams {
    /// The person erased (their profile id).
    pub person: String,
    /// Their ids also go on the suppression list.
    pub suppress: bool,
    /// The account that asked (or `cli`).
    pub requested_by: String,
}

/// Parameters of an export or a retention purge.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportJobParams {
    /// The UTC day exported, or the UTC day a purge ran for (its cutoff counts back from it).
    pub date: NaiveDate,
}

/// A job's result, by kind.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum JobResult {
    Export(ExportReport),
    Import(ImportSummary),
    Enrich(EnrichSummary),
    Erase(ErasureReport),
    Purge(PurgeReport),
}

/// What an erasure removed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErasureReport {
    pub person: String,
    /// Every id it covered: the person's and every id linked to them.
    pub ids: Vec<String>,
    pub suppressed: bool,
    /// Rows removed per kind (`events`, `visits`, `orders`, `activeDays` (re-keyed to an
    /// anonymous id), `retentionMarks`, `pendingMoves`, `profiles`, `identityLinks`).
    pub rows: BTreeMap<String, u64>,
}

/// What a retention purge deleted (rows older than `cutoff`; aggregates are kept).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PurgeReport {
    /// The UTC day the purge ran for.
    pub date: NaiveDate,
    /// `retention.events_days` when it ran; 0 means retention was off and nothing was deleted.
    pub events_days: u32,
    /// Rows older than this were deleted.
    pub cutoff: Option<DateTime<Utc>>,
    pub events: u64,
    /// Analytics sessions.
    pub visits: u64,
    pub orders: u64,
    /// Per-person "active on day" rows (the daily user counts stay).
    pub active_days: u64,
    /// Profiles last seen before the cutoff, with their identity links.
    pub profiles: u64,
}

impl From<PurgeResult> for PurgeReport {
    fn from(r: PurgeResult) -> Self {
        Self {
            date: r.date,
            events_days: r.events_days,
            cutoff: r.cutoff,
            events: r.events,
            visits: r.visits,
            orders: r.orders,
            active_days: r.active_days,
            profiles: r.profiles,
        }
    }
}

/// What an export produced.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportReport {
    pub date: NaiveDate,
    /// Events written (equals the manifest's `events`).
    pub events: u64,
    pub users: u64,
    pub files: usize,
    pub bytes: u64,
    /// URL of `manifest.json`.
    pub manifest: String,
    /// Events of the day the store counted when the export finished; more than `events`
    /// means some arrived while it ran.
    pub stored_events_at_finish: u64,
}

/// An import's report (a dry run's validation report too).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub dry_run: bool,
    /// Non-empty lines read (excluding a CSV header).
    pub lines: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Stored by this run (0 for a dry run).
    pub stored: u64,
    /// Valid events already stored before (by an earlier import or ingestion).
    pub duplicates: u64,
    pub bytes: u64,
    /// The first errors, up to `import.max_reported_errors`.
    pub errors: Vec<ImportLineError>,
}

/// The report of a `catalog` or `traits` import (a dry run's too: what it would do).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrichSummary {
    /// `catalog` or `traits`.
    pub kind: ImportKind,
    pub dry_run: bool,
    /// Non-empty lines read (excluding a CSV header).
    pub lines: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Catalog: SKUs new to the catalog.
    pub created: u64,
    /// Catalog: SKUs whose values changed; traits: profiles whose traits changed.
    pub changed: u64,
    /// Lines equal to what is stored already: nothing written.
    pub unchanged: u64,
    /// Traits: lines whose person is not stored, or whose email matches several profiles.
    pub skipped: u64,
    /// Traits that did not fit a profile's bounds.
    pub traits_dropped: u64,
    pub bytes: u64,
    /// The first invalid or skipped lines, up to `import.max_reported_errors`.
    pub errors: Vec<ImportLineError>,
}

impl From<EnrichReport> for EnrichSummary {
    fn from(r: EnrichReport) -> Self {
        Self {
            kind: r.kind,
            dry_run: r.dry_run,
            lines: r.lines,
            valid: r.valid,
            invalid: r.invalid,
            created: r.created,
            changed: r.changed,
            unchanged: r.unchanged,
            skipped: r.skipped,
            traits_dropped: r.traits_dropped,
            bytes: r.bytes,
            errors: r.errors.into_iter().map(ImportLineError::from).collect(),
        }
    }
}

/// One refused line.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportLineError {
    /// 1-based line number in the file.
    pub line: u64,
    pub code: String,
    pub message: String,
}

impl From<LineError> for ImportLineError {
    fn from(e: LineError) -> Self {
        Self {
            line: e.line,
            code: e.code,
            message: e.message,
        }
    }
}

/// Where an import's file comes from.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Source {
    /// An object in S3 (credentials and endpoint from the standard AWS environment).
    S3 { bucket: String, key: String },
    /// An HTTPS URL. Private and loopback addresses are refused unless
    /// `import.url_allowlist` names them.
    Url { url: String },
    /// A file uploaded with `POST /v1/imports/uploads`.
    #[serde(rename_all = "camelCase")]
    Upload { upload_id: String },
}

impl From<Source> for ImportSource {
    fn from(s: Source) -> Self {
        match s {
            Source::S3 { bucket, key } => ImportSource::S3 { bucket, key },
            Source::Url { url } => ImportSource::Url { url },
            Source::Upload { upload_id } => ImportSource::Upload { upload_id },
        }
    }
}

impl From<ImportSource> for Source {
    fn from(s: ImportSource) -> Self {
        match s {
            ImportSource::S3 { bucket, key } => Source::S3 { bucket, key },
            ImportSource::Url { url } => Source::Url { url },
            ImportSource::Upload { upload_id } => Source::Upload { upload_id },
        }
    }
}

/// How CSV columns become event fields.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Mapping {
    /// Field → column name. Events: `messageId`, `userId`, `anonymousId`, `sessionId`,
    /// `type`, `timestamp`, `sentAt`, and `properties.<name>`, `traits.<name>`,
    /// `context.<name>`. Catalog: `sku`, `name`, `category`, `brand`, `price`,
    /// `currency`. Traits: `userId` or `email`, and `traits.<name>`.
    pub columns: BTreeMap<String, String>,
    /// Event type of every row, when no `type` column is mapped (events only).
    pub event_type: Option<String>,
    /// Field separator (default `,`).
    pub delimiter: Option<char>,
}

impl From<Mapping> for CsvMapping {
    fn from(m: Mapping) -> Self {
        Self {
            columns: m.columns,
            event_type: m.event_type,
            delimiter: m.delimiter,
        }
    }
}

impl From<CsvMapping> for Mapping {
    fn from(m: CsvMapping) -> Self {
        Self {
            columns: m.columns,
            event_type: m.event_type,
            delimiter: m.delimiter,
        }
    }
}

/// Start an import (`POST /v1/imports`); also how an import job shows its parameters.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportRequest {
    /// `events` (the default), `catalog` (products by SKU) or `traits` (profile traits by
    /// user id or email).
    #[serde(default)]
    pub kind: ImportKind,
    pub source: Source,
    /// `ndjson`, `csv` or `segment`.
    #[schema(example = "ndjson")]
    pub format: String,
    /// Required for `csv`: event field → column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
    /// Validate only: the job's result is the validation report; nothing is stored.
    #[serde(default)]
    pub dry_run: bool,
}

/// Create an import schedule (`POST /v1/imports/schedules`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportScheduleRequest {
    /// `events` (the default), `catalog` or `traits`.
    #[serde(default)]
    pub kind: ImportKind,
    /// An `s3` or `url` source (an upload is read once).
    pub source: Source,
    /// `ndjson`, `csv` or `segment`.
    #[schema(example = "csv")]
    pub format: String,
    /// Required for `csv`.
    #[serde(default)]
    pub mapping: Option<Mapping>,
    /// Cron expression with seconds, UTC: `0 0 6 * * *` is daily at 06:00.
    #[schema(example = "0 0 6 * * *")]
    pub cron: String,
}

/// A scheduled import source.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportScheduleView {
    pub id: String,
    pub cron: String,
    pub kind: ImportKind,
    pub source: Source,
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Mapping>,
    pub created_at: DateTime<Utc>,
    /// The account that created it.
    pub created_by: String,
}

impl From<ImportSchedule> for ImportScheduleView {
    fn from(s: ImportSchedule) -> Self {
        Self {
            id: s.id,
            cron: s.cron,
            kind: s.params.kind,
            source: s.params.source.into(),
            format: format_name(s.params.format).to_owned(),
            mapping: s.params.mapping.map(Mapping::from),
            created_at: s.created_at,
            created_by: s.created_by,
        }
    }
}

fn format_name(f: ImportFormat) -> &'static str {
    match f {
        ImportFormat::Ndjson => "ndjson",
        ImportFormat::Csv => "csv",
        ImportFormat::Segment => "segment",
    }
}

/// Why a stored job cannot be shown.
#[derive(Debug, thiserror::Error)]
#[error("job {id}: stored {what} do not read: {source}")]
pub struct UnreadableJob {
    id: String,
    what: &'static str,
    source: serde_json::Error,
}

fn read<T: serde::de::DeserializeOwned>(
    id: &str,
    what: &'static str,
    v: Value,
) -> Result<T, UnreadableJob> {
    serde_json::from_value(v).map_err(|source| UnreadableJob {
        id: id.to_owned(),
        what,
        source,
    })
}

impl TryFrom<Job> for JobView {
    type Error = UnreadableJob;

    fn try_from(j: Job) -> Result<Self, UnreadableJob> {
        let params = match j.kind {
            JobKind::Export => {
                let p: ExportParams = read(&j.id, "params", j.params)?;
                JobParams::Export(ExportJobParams { date: p.date })
            }
            JobKind::Import => {
                let p: ImportParams = read(&j.id, "params", j.params)?;
                JobParams::Import(ImportRequest {
                    kind: p.kind,
                    source: p.source.into(),
                    format: format_name(p.format).to_owned(),
                    mapping: p.mapping.map(Mapping::from),
                    dry_run: p.dry_run,
                })
            }
            JobKind::Erase => {
                let p: ErasureParams = read(&j.id, "params", j.params)?;
                JobParams::Erase(ErasureJobParams {
                    person: p.person,
                    suppress: p.suppress,
                    requested_by: p.requested_by,
                })
            }
            JobKind::Purge => {
                let p: PurgeParams = read(&j.id, "params", j.params)?;
                JobParams::Export(ExportJobParams { date: p.date })
            }
        };
        let result = match (j.kind, j.result) {
            (_, None) => None,
            (JobKind::Export, Some(v)) => {
                let r: ExportResult = read(&j.id, "result", v)?;
                Some(JobResult::Export(ExportReport {
                    date: r.date,
                    events: r.events,
                    users: r.users,
                    files: r.files,
                    bytes: r.bytes,
                    manifest: r.manifest,
                    stored_events_at_finish: r.stored_events_at_finish,
                }))
            }
            (JobKind::Import, Some(v)) if v.get("kind").is_some() => {
                let r: EnrichReport = read(&j.id, "result", v)?;
                Some(JobResult::Enrich(r.into()))
            }
            (JobKind::Import, Some(v)) => {
                let r: ImportReport = read(&j.id, "result", v)?;
                Some(JobResult::Import(ImportSummary {
                    dry_run: r.dry_run,
                    lines: r.lines,
                    valid: r.valid,
                    invalid: r.invalid,
                    stored: r.stored,
                    duplicates: r.duplicates,
                    bytes: r.bytes,
                    errors: r.errors.into_iter().map(ImportLineError::from).collect(),
                }))
            }
            (JobKind::Erase, Some(v)) => {
                let r: ErasureResult = read(&j.id, "result", v)?;
                Some(JobResult::Erase(ErasureReport {
                    person: r.person,
                    ids: r.ids,
                    suppressed: r.suppressed,
                    rows: r
                        .rows
                        .into_iter()
                        .map(|(k, n)| (k.as_str().to_owned(), n))
                        .collect(),
                }))
            }
            (JobKind::Purge, Some(v)) => {
                let r: PurgeResult = read(&j.id, "result", v)?;
                Some(JobResult::Purge(r.into()))
            }
        };
        Ok(Self {
            id: j.id,
            kind: j.kind,
            key: j.key,
            status: j.status,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
            run_after: j.run_after,
            progress: j.progress.into(),
            error: j.error,
            params,
            result,
            cancel_requested: j.cancel_requested,
        })
    }
}

/// Start an export (`POST /v1/exports`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateExport {
    /// The UTC day to export, `YYYY-MM-DD`; must be over (before today, UTC).
    #[schema(example = "2026-11-21")]
    pub date: String,
}

/// What is known about one day's export, including events that arrived after it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportStatus {
    pub date: NaiveDate,
    /// The latest successful export of the day, if any.
    pub last_success: Option<JobView>,
    /// Events in that export's files.
    pub exported_events: Option<u64>,
    /// Events of the day stored now (from the rollups).
    pub stored_events: u64,
    /// `storedEvents − exportedEvents`: events of the day that arrived after its export.
    /// Re-export the day (`POST /v1/exports`) to include them.
    pub late_events: Option<u64>,
}

/// An uploaded import file.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    /// SHA-256 of the content; pass as `source.uploadId` to `POST /v1/imports`. The same
    /// file uploaded twice gets the same id, so its derived event ids match too.
    pub upload_id: String,
    pub bytes: u64,
}
