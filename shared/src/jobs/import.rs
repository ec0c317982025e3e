//! Imports: read a file line by line (S3 object, HTTPS URL or an uploaded file), turn each
//! line into an event exactly as ingestion does (same validation, same limits), and hand
//! them to the same batcher as the API. Event ids are the dedupe key, so re-importing a
//! file stores nothing twice: lines without an id get one derived from the source, the line
//! number and the line's text (`imp-` + 32 hex digits of their SHA-256).
//!
//! A dry run validates and reports without storing. Memory stays bounded: one batch of
//! events and one line (at most four times `ingest.max_event_bytes`) at a time.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncBufRead, AsyncBufReadExt as _};
use utoipa::ToSchema;

use super::object_store::{ObjectReader, ObjectStore, S3Store, s3_client};
use super::{JobContext, JobError};
use crate::event::{IncomingEvent, Rejection, normalise};
use crate::ingest::{Backpressure, Intake, Pipeline};
use crate::segment::{self, BatchDefaults};
use crate::settings::{ImportSettings, Settings};

/// Where the file comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ImportSource {
    /// An object in S3 (credentials and endpoint from the standard AWS environment).
    S3 { bucket: String, key: String },
    /// An HTTPS URL. Private and loopback addresses are refused unless
    /// `import.url_allowlist` names them.
    Url { url: String },
    /// A file uploaded with `POST /v1/imports/uploads`.
    Upload { upload_id: String },
}

impl ImportSource {
    /// Identity of the source in derived event ids.
    fn identity(&self) -> String {
        match self {
            ImportSource::S3 { bucket, key } => format!("s3://{bucket}/{key}"),
            ImportSource::Url { url } => url.clone(),
            // Upload ids are the SHA-256 of the content: the same file uploaded twice is
            // the same source.
            ImportSource::Upload { upload_id } => format!("upload:{upload_id}"),
        }
    }
}

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImportFormat {
    /// One event per line, as sent to `POST /v1/events` or as exported (`eventId` and
    /// `occurredAt` are understood).
    Ndjson,
    /// A header line, then one event per line; columns named by `mapping`.
    Csv,
    /// One Segment message per line (`track`, `identify`, `page`, `screen`, `group`,
    /// `alias`), mapped exactly as the Segment-compatible endpoints map them, identity
    /// links included.
    Segment,
}

/// How CSV columns become event fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CsvMapping {
    /// Event field → column name. Fields: `messageId`, `userId`, `anonymousId`,
    /// `sessionId`, `type`, `timestamp`, `sentAt`, and `properties.<name>`,
    /// `traits.<name>`, `context.<name>`.
    pub columns: BTreeMap<String, String>,
    /// Event type of every row, when no `type` column is mapped.
    pub event_type: Option<String>,
    /// Field separator (default `,`).
    pub delimiter: Option<char>,
}

const TOP_FIELDS: [&str; 7] = [
    "messageId",
    "userId",
    "anonymousId",
    "sessionId",
    "type",
    "timestamp",
    "sentAt",
];

impl CsvMapping {
    /// Checks the mapping before any line is read.
    pub fn validate(&self) -> Result<(), String> {
        for (field, column) in &self.columns {
            let nested = ["properties.", "traits.", "context."]
                .iter()
                .any(|p| field.strip_prefix(p).is_some_and(|n| !n.is_empty()));
            if !nested && !TOP_FIELDS.contains(&field.as_str()) {
                return Err(format!(
                    "mapping field {field:?} is not one of {} or properties.<name>, traits.<name>, context.<name>",
                    TOP_FIELDS.join(", ")
                ));
            }
            if column.is_empty() {
                return Err(format!("mapping field {field:?} names no column"));
            }
        }
        if !self.columns.contains_key("type") && self.event_type.is_none() {
            return Err("the mapping needs a `type` column or an `eventType`".to_owned());
        }
        if !self.columns.contains_key("userId") && !self.columns.contains_key("anonymousId") {
            return Err("the mapping needs a `userId` or `anonymousId` column".to_owned());
        }
        if self.delimiter.is_some_and(|d| !d.is_ascii() || d == '"') {
            return Err("the delimiter must be one ASCII character other than '\"'".to_owned());
        }
        Ok(())
    }
}

/// What an import brings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImportKind {
    /// Behaviour events, through the ingestion pipeline.
    #[default]
    Events,
    /// Products by SKU: name, category, brand, price ([`crate::catalog`]).
    Catalog,
    /// Profile traits by user id or email, as a CRM export gives them.
    Traits,
}

/// Parameters of an import job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportParams {
    /// `events` when absent (jobs queued before kinds existed read as such).
    #[serde(default)]
    pub kind: ImportKind,
    pub source: ImportSource,
    pub format: ImportFormat,
    /// Required for `csv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<CsvMapping>,
    /// Validate and report only; store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

impl ImportParams {
    pub fn validate(&self) -> Result<(), String> {
        match (self.format, &self.mapping) {
            (ImportFormat::Csv, None) => Err("format csv needs a mapping".to_owned()),
            (ImportFormat::Segment, _) if self.kind != ImportKind::Events => {
                Err("format segment is only for event imports".to_owned())
            }
            (ImportFormat::Csv, Some(m)) if self.kind != ImportKind::Events => {
                super::enrich::validate_mapping(self.kind, m)
            }
            (ImportFormat::Csv, Some(m)) => m.validate(),
            (_, Some(_)) => Err("a mapping is only used with format csv".to_owned()),
            _ => Ok(()),
        }?;
        match &self.source {
            ImportSource::S3 { bucket, key } if bucket.is_empty() || key.is_empty() => {
                Err("an s3 source needs a bucket and a key".to_owned())
            }
            ImportSource::Url { url } => reqwest::Url::parse(url)
                .map_err(|e| format!("url is not valid: {e}"))
                .and_then(|u| match u.scheme() {
                    // The job's parameters are shown to every analyst: no secrets in them.
                    _ if !u.username().is_empty() || u.password().is_some() => Err(
                        "url must not carry credentials (they would be stored with the job \
                         and shown to every analyst); use a presigned or public URL"
                            .to_owned(),
                    ),
                    "https" | "http" => Ok(()),
                    s => Err(format!("url scheme {s:?} is not https")),
                }),
            ImportSource::Upload { upload_id }
                if upload_id.len() != 64 || !upload_id.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                Err("uploadId is not one returned by POST /v1/imports/uploads".to_owned())
            }
            _ => Ok(()),
        }
    }
}

/// Where uploaded import files wait, under the export destination's root.
pub fn upload_key(upload_id: &str) -> String {
    format!("_imports/uploads/{upload_id}")
}

/// One refused line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineError {
    /// 1-based line number in the file.
    pub line: u64,
    pub code: String,
    pub message: String,
}

/// An import's report (its job result; a dry run's validation report).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
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
    pub errors: Vec<LineError>,
}

/// Refuses private and loopback targets unless allowlisted.
fn allowed(ip: IpAddr, host: &str, allowlist: &[String]) -> bool {
    listed(ip, host, allowlist) || is_public(ip)
}

fn listed(ip: IpAddr, host: &str, allowlist: &[String]) -> bool {
    allowlist.iter().any(|entry| {
        entry.eq_ignore_ascii_case(host)
            || entry.parse::<IpAddr>().is_ok_and(|a| a == ip)
            || entry.parse::<ipnet::IpNet>().is_ok_and(|n| n.contains(&ip))
    })
}

/// IANA special-purpose ranges (IPv4 and IPv6 registries) and the forms that embed an IPv4
/// address (NAT64, 6to4, Teredo, IPv4-compatible): none of them is a public host.
const SPECIAL_PURPOSE: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.31.196.0/24",
    "192.52.193.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "192.175.48.0/24",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/96",
    "::ffff:0:0/96",
    "64:ff9b::/96",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/23",
    "2001:db8::/32",
    "2002::/16",
    "3fff::/20",
    "5f00::/16",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
];

fn is_public(ip: IpAddr) -> bool {
    if let IpAddr::V6(v6) = ip
        && let Some(v4) = v6.to_ipv4_mapped()
    {
        return is_public(IpAddr::V4(v4));
    }
    !SPECIAL_PURPOSE
        .iter()
        .filter_map(|net| net.parse::<ipnet::IpNet>().ok())
        .any(|net| net.contains(&ip))
}

/// Opens a URL after checking every address its host resolves to; the connection is
/// pinned to a checked address (no second lookup to rebind), and redirects are not followed.
pub async fn open_url(url: &str, settings: &ImportSettings) -> Result<ObjectReader, JobError> {
    let allowlist = &settings.url_allowlist;
    use futures::TryStreamExt as _;
    let parsed = reqwest::Url::parse(url).map_err(|e| JobError::Permanent(e.to_string()))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| JobError::Permanent("url has no host".to_owned()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| JobError::Permanent("url has no port".to_owned()))?;
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| JobError::Permanent(format!("host {host} did not resolve: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(JobError::Permanent(format!("host {host} did not resolve")));
    }
    // The message names no address: analysts must not learn what internal names resolve to.
    if addrs.iter().any(|a| !allowed(a.ip(), &host, allowlist)) {
        return Err(JobError::Permanent(format!(
            "refusing {host}: it resolves to a private or special-purpose address \
             (import.url_allowlist can allow it)"
        )));
    }
    if parsed.scheme() != "https" && !addrs.iter().all(|a| listed(a.ip(), &host, allowlist)) {
        return Err(JobError::Permanent(
            "only https URLs may be imported (plain http only for allowlisted hosts)".to_owned(),
        ));
    }
    // A host that accepts and never answers must not hold an import slot for ever.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_millis(settings.url_connect_timeout_ms))
        .read_timeout(Duration::from_millis(settings.url_read_timeout_ms))
        .timeout(Duration::from_secs(settings.url_total_timeout_s))
        .resolve(&host, addrs[0])
        .build()
        .context("Failed to build the HTTP client")?;
    let response = client
        .get(parsed)
        .send()
        .await
        .context("Failed to fetch the import URL")?;
    let status = response.status();
    if !status.is_success() {
        let msg = format!("the import URL answered {status}");
        return Err(if status.is_server_error() {
            JobError::Transient(anyhow::anyhow!(msg))
        } else {
            JobError::Permanent(msg)
        });
    }
    let size = response.content_length();
    let stream = response.bytes_stream().map_err(std::io::Error::other);
    Ok(ObjectReader {
        reader: Box::new(tokio_util::io::StreamReader::new(stream)),
        size,
    })
}

/// Reads one line of at most `max` bytes into `buf` (without the newline). Longer lines
/// are consumed but truncated; returns (bytes consumed, whether it was too long), or
/// `None` at the end of the input.
pub(super) async fn read_line(
    r: &mut (impl AsyncBufRead + Unpin),
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<(u64, bool)>> {
    buf.clear();
    let mut consumed = 0u64;
    let mut too_long = false;
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok((consumed > 0).then_some((consumed, too_long)));
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let content = &chunk[..if done { take - 1 } else { take }];
        if buf.len() + content.len() > max {
            too_long = true;
        } else {
            buf.extend_from_slice(content);
        }
        r.consume(take);
        consumed += take as u64;
        if done {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Some((consumed, too_long)));
        }
    }
}

fn derived_id(source: &str, line: u64, text: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(source.as_bytes());
    h.update(b"\n");
    h.update(line.to_string().as_bytes());
    h.update(b"\n");
    h.update(text);
    format!("imp-{}", &hex::encode(h.finalize())[..32])
}

/// CSV cell → JSON: numbers and booleans as such, everything else a string.
fn cell_value(s: &str) -> Value {
    if let Ok(n) = s.parse::<i64>() {
        return Value::from(n);
    }
    if let Ok(f) = s.parse::<f64>()
        && f.is_finite()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Value::Number(n);
    }
    match s {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(s.to_owned()),
    }
}

pub(super) struct CsvShape {
    /// (event field, column index)
    fields: Vec<(String, usize)>,
    event_type: Option<String>,
    delimiter: u8,
}

fn csv_record(line: &[u8], delimiter: u8) -> Result<csv::StringRecord, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(line);
    match reader.records().next() {
        Some(Ok(r)) => Ok(r),
        Some(Err(e)) => Err(e.to_string()),
        None => Ok(csv::StringRecord::new()),
    }
}

pub(super) fn csv_shape(header: &[u8], mapping: &CsvMapping) -> Result<CsvShape, String> {
    let delimiter = mapping.delimiter.map_or(b',', |c| c as u8);
    let header = csv_record(header, delimiter)?;
    let mut fields = Vec::new();
    for (field, column) in &mapping.columns {
        let idx = header
            .iter()
            .position(|h| h.trim() == column)
            .ok_or_else(|| format!("column {column:?} (for {field}) is not in the header"))?;
        fields.push((field.clone(), idx));
    }
    Ok(CsvShape {
        fields,
        event_type: mapping.event_type.clone(),
        delimiter,
    })
}

pub(super) fn csv_event(line: &[u8], shape: &CsvShape) -> Result<Map<String, Value>, Rejection> {
    let record = csv_record(line, shape.delimiter).map_err(|e| Rejection::new("invalid_csv", e))?;
    let mut event = Map::new();
    if let Some(t) = &shape.event_type {
        event.insert("type".to_owned(), Value::String(t.clone()));
    }
    for (field, idx) in &shape.fields {
        let Some(cell) = record.get(*idx).filter(|c| !c.is_empty()) else {
            continue;
        };
        match field.split_once('.') {
            Some((group, name)) => {
                let obj = event
                    .entry(group.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(o) = obj {
                    o.insert(name.to_owned(), cell_value(cell));
                }
            }
            None => {
                event.insert(field.clone(), Value::String(cell.to_owned()));
            }
        }
    }
    Ok(event)
}

/// Our exported events carry `eventId` and `occurredAt`; ingestion's names win when both.
fn ndjson_event(line: &[u8]) -> Result<Map<String, Value>, Rejection> {
    let mut m: Map<String, Value> = serde_json::from_slice(line)
        .map_err(|e| Rejection::new("invalid_json", format!("not a JSON object: {e}")))?;
    if !m.contains_key("messageId")
        && let Some(id) = m.remove("eventId")
    {
        m.insert("messageId".to_owned(), id);
    }
    if !m.contains_key("timestamp")
        && !m.contains_key("originalTimestamp")
        && let Some(t) = m.remove("occurredAt")
    {
        m.insert("timestamp".to_owned(), t);
    }
    Ok(m)
}

/// Runs one import. `received_at` stamps every event (like ingestion's server clock).
/// Lines go through the ingestion pipeline in chunks of `import.batch_events`, exactly as
/// requests do (identity links of Segment lines included), waiting for room when live
/// traffic fills the queue.
pub async fn run(
    params: &ImportParams,
    settings: &Settings,
    uploads: &dyn ObjectStore,
    pipeline: &Pipeline,
    ctx: &JobContext,
    received_at: DateTime<Utc>,
) -> Result<ImportReport, JobError> {
    params.validate().map_err(JobError::Permanent)?;
    let source = open_source(params, settings, uploads).await?;
    ctx.set_bytes_total(source.size);
    let identity = params.source.identity();
    let mut reader = tokio::io::BufReader::with_capacity(256 * 1024, source.reader);
    let max_line = settings.ingest.max_event_bytes.saturating_mul(4);
    let mut report = ImportReport {
        dry_run: params.dry_run,
        ..ImportReport::default()
    };
    let mut line = Vec::new();
    let mut line_no = 0u64;
    let mut csv: Option<CsvShape> = None;
    let new_intake = || Intake::new("import", received_at);
    let mut intake = new_intake();
    let max_errors = settings.import.max_reported_errors;

    loop {
        let read = read_line(&mut reader, &mut line, max_line)
            .await
            .context("Failed to read the import file")?;
        let Some((consumed, too_long)) = read else {
            break;
        };
        line_no += 1;
        report.bytes += consumed;
        ctx.add_bytes(consumed);
        if !too_long && line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if params.format == ImportFormat::Csv && csv.is_none() {
            let mapping = params.mapping.clone().unwrap_or_default();
            csv = Some(csv_shape(&line, &mapping).map_err(JobError::Permanent)?);
            continue;
        }
        report.lines += 1;
        let outcome = if too_long {
            Err(Rejection::new(
                "event_too_large",
                format!("line is longer than {max_line} bytes"),
            ))
        } else if params.format == ImportFormat::Segment {
            segment_event(&line, &identity, line_no, received_at, settings)
                .map(|m| (m.event, m.link))
        } else {
            let fields = match &csv {
                Some(shape) => csv_event(&line, shape),
                None => ndjson_event(&line),
            };
            fields.and_then(|mut m| {
                if m.get("messageId")
                    .is_none_or(|v| v.as_str().is_none_or(str::is_empty))
                {
                    m.insert(
                        "messageId".to_owned(),
                        Value::String(derived_id(&identity, line_no, &line)),
                    );
                }
                let incoming: IncomingEvent = serde_json::from_value(Value::Object(m))
                    .map_err(|e| Rejection::new("invalid_event", e.to_string()))?;
                normalise(incoming, line.len(), received_at, &settings.ingest)
                    .map(|event| (event, None))
            })
        };
        match outcome {
            Ok((event, link)) => {
                report.valid += 1;
                intake.push_event(event, link);
            }
            Err(reason) => {
                report.invalid += 1;
                if report.errors.len() < max_errors {
                    report.errors.push(LineError {
                        line: line_no,
                        code: reason.code.to_owned(),
                        message: reason.message.clone(),
                    });
                }
                intake.refuse(None, reason);
            }
        }
        if intake.valid() >= settings.import.batch_events {
            let chunk = std::mem::replace(&mut intake, new_intake());
            flush(chunk, params.dry_run, pipeline, ctx, &mut report).await?;
        }
    }
    flush(intake, params.dry_run, pipeline, ctx, &mut report).await?;
    Ok(report)
}

/// Opens the import's file, whatever its source.
pub(super) async fn open_source(
    params: &ImportParams,
    settings: &Settings,
    uploads: &dyn ObjectStore,
) -> Result<ObjectReader, JobError> {
    Ok(match &params.source {
        ImportSource::S3 { bucket, key } => {
            let client = s3_client(settings.export.s3_endpoint_url.as_deref()).await;
            S3Store::new(client, bucket, "")
                .open(key)
                .await
                .map_err(|e| match e {
                    super::object_store::ObjectError::NotFound(m) => {
                        JobError::Permanent(format!("no object at {m}"))
                    }
                    other => JobError::Transient(other.into()),
                })?
        }
        ImportSource::Url { url } => open_url(url, &settings.import).await?,
        ImportSource::Upload { upload_id } => {
            uploads
                .open(&upload_key(upload_id))
                .await
                .map_err(|e| match e {
                    super::object_store::ObjectError::NotFound(_) => {
                        JobError::Permanent("the uploaded file is gone".to_owned())
                    }
                    other => JobError::Transient(other.into()),
                })?
        }
    })
}

/// One Segment message line. A line without `messageId` gets the id derived from the
/// source and line, like the other formats, so a re-import stores nothing twice.
fn segment_event(
    line: &[u8],
    source: &str,
    line_no: u64,
    received_at: DateTime<Utc>,
    settings: &Settings,
) -> Result<segment::Message, Rejection> {
    let mut value: Value = serde_json::from_slice(line)
        .map_err(|e| Rejection::new("invalid_json", format!("not a JSON object: {e}")))?;
    if let Value::Object(m) = &mut value
        && m.get("messageId")
            .is_none_or(|v| v.as_str().is_some_and(str::is_empty) || v.is_null())
    {
        m.insert(
            "messageId".to_owned(),
            Value::String(derived_id(source, line_no, line)),
        );
    }
    segment::parse_message(
        value,
        None,
        line.len(),
        &BatchDefaults::default(),
        received_at,
        &settings.ingest,
    )
}

/// Submits one chunk of lines (nothing for a dry run) and adds what it did to the report.
async fn flush(
    intake: Intake,
    dry_run: bool,
    pipeline: &Pipeline,
    ctx: &JobContext,
    report: &mut ImportReport,
) -> Result<(), JobError> {
    ctx.check()?;
    let lines = intake.len() as u64;
    let invalid = lines - intake.valid() as u64;
    let mut duplicates = 0;
    if !dry_run && !intake.is_empty() {
        let receipt = pipeline
            .submit(intake, Backpressure::Wait)
            .await
            .map_err(|e| JobError::Transient(anyhow::anyhow!(e)))?;
        duplicates = receipt.duplicates as u64;
        report.duplicates += duplicates;
        report.stored += (receipt.accepted - receipt.suppressed) as u64;
    }
    ctx.add_events(lines, invalid, duplicates);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn private_loopback_and_link_local_addresses_are_refused_unless_listed() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!allowed(ip(bad), "h", &[]), "{bad} must be refused");
        }
        assert!(allowed(ip("93.184.216.34"), "example.com", &[]));
        assert!(allowed(ip("2606:2800:220:1::1"), "example.com", &[]));
        let list = [
            "127.0.0.1".to_owned(),
            "10.0.0.0/8".to_owned(),
            "files.internal".to_owned(),
        ];
        assert!(allowed(ip("127.0.0.1"), "localhost", &list));
        assert!(allowed(ip("10.9.9.9"), "x", &list));
        assert!(allowed(ip("192.168.0.1"), "files.internal", &list));
        assert!(!allowed(ip("192.168.0.1"), "other.internal", &list));
    }

    #[test]
    fn special_purpose_ranges_and_embedded_ipv4_forms_are_not_public() {
        for bad in [
            "::7f00:1",       // [::127.0.0.1], IPv4-compatible
            "64:ff9b::a00:1", // NAT64 of 10.0.0.1
            "64:ff9b::808:808",
            "2002:7f00:1::1",                       // 6to4 of 127.0.0.1
            "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
            "192.0.0.8",
            "240.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "192.88.99.1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(!is_public(ip(bad)), "{bad} must count as private");
        }
        for good in ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "1.1.1.1"] {
            assert!(is_public(ip(good)), "{good} is public");
        }
    }

    #[tokio::test]
    async fn refusals_do_not_say_what_an_internal_name_resolves_to() {
        let settings = crate::settings::Settings::load_from(None, Vec::new())
            .expect("defaults")
            .import;
        let Err(JobError::Permanent(message)) =
            open_url("https://localhost:9/file.ndjson", &settings).await
        else {
            panic!("localhost must be refused");
        };
        assert!(message.contains("private or special-purpose"), "{message}");
        assert!(
            !message.contains("127.0.0.1") && !message.contains("::1"),
            "{message}"
        );
    }

    #[test]
    fn import_urls_with_credentials_are_refused() {
        let params = ImportParams {
            kind: ImportKind::Events,
            source: ImportSource::Url {
                url: "https://user:secret@files.example.com/a.ndjson".into(),
            },
            format: ImportFormat::Ndjson,
            mapping: None,
            dry_run: false,
        };
        let err = params.validate().expect_err("credentials refused");
        assert!(
            err.contains("credentials") && !err.contains("secret"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_host_that_never_answers_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        // Accepts connections and never writes a byte.
        let silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((conn, _)) = listener.accept().await {
                held.push(conn);
            }
        });
        let mut settings = crate::settings::Settings::load_from(None, Vec::new())
            .expect("defaults")
            .import;
        settings.url_allowlist = vec!["127.0.0.1".into()];
        settings.url_read_timeout_ms = 200;
        let opened = open_url(&format!("http://127.0.0.1:{port}/slow.ndjson"), &settings).await;
        assert!(opened.is_err(), "a silent host must time out");
        silent.abort();
    }

    #[test]
    fn derived_ids_depend_on_source_line_and_text() {
        let a = derived_id("s3://b/k", 1, b"x");
        assert_eq!(a, derived_id("s3://b/k", 1, b"x"));
        assert_ne!(a, derived_id("s3://b/k", 2, b"x"));
        assert_ne!(a, derived_id("s3://b/k2", 1, b"x"));
        assert_ne!(a, derived_id("s3://b/k", 1, b"y"));
        assert!(a.starts_with("imp-") && a.len() == 36);
    }

    #[test]
    fn mappings_are_checked_before_any_line_is_read() {
        let m = |cols: &[(&str, &str)], t: Option<&str>| CsvMapping {
            columns: cols
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            event_type: t.map(str::to_owned),
            delimiter: None,
        };
        assert!(m(&[("userId", "c")], Some("purchase")).validate().is_ok());
        assert!(
            m(&[("userId", "c"), ("type", "t")], None)
                .validate()
                .is_ok()
        );
        assert!(m(&[("userId", "c")], None).validate().is_err(), "no type");
        assert!(m(&[("type", "t")], None).validate().is_err(), "no identity");
        assert!(
            m(&[("userId", "c"), ("colour", "x")], Some("p"))
                .validate()
                .is_err()
        );
        assert!(
            m(&[("userId", "c"), ("properties.", "x")], Some("p"))
                .validate()
                .is_err()
        );
    }

    #[tokio::test]
    async fn long_lines_are_cut_and_flagged_and_crlf_is_stripped() {
        let input = b"short\r\nthis line is too long\nlast".to_vec();
        let mut r = tokio::io::BufReader::with_capacity(4, &input[..]);
        let mut buf = Vec::new();
        assert_eq!(
            read_line(&mut r, &mut buf, 10).await.expect("read"),
            Some((7, false))
        );
        assert_eq!(buf, b"short");
        assert_eq!(
            read_line(&mut r, &mut buf, 10).await.expect("read"),
            Some((22, true))
        );
        assert_eq!(
            read_line(&mut r, &mut buf, 10).await.expect("read"),
            Some((4, false))
        );
        assert_eq!(buf, b"last");
        assert_eq!(read_line(&mut r, &mut buf, 10).await.expect("read"), None);
    }
}
