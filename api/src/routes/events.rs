//! Ingestion: `POST /v1/events` takes one event or an array, validates each, and answers
//! once the valid ones are durable, with a result per event.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::value::RawValue;
use shared::enrich::Origin;
use shared::event::{IncomingEvent, Rejection};
use shared::ingest::{Backpressure, Intake, ItemResult, Receipt, Status};
use utoipa::ToSchema;

use crate::auth::write_keys::WriteKeyAuth;
use crate::body::{self, ContentEncoding};
use crate::error::{ApiError, ErrorBody};
use crate::origin::RequestOrigin;
use crate::state::AppState;

/// Outcome of one event, in request order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventResult {
    /// The stored id (`messageId` or a server UUIDv7); absent when rejected without one.
    pub event_id: Option<String>,
    pub status: EventStatus,
    /// Why the event was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Rejection>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    /// Durably stored by this request.
    Accepted,
    /// Already stored earlier (same id); nothing changed.
    Duplicate,
    /// Invalid; not stored.
    Rejected,
}

impl From<ItemResult> for EventResult {
    fn from(r: ItemResult) -> Self {
        Self {
            event_id: r.event_id,
            status: match r.status {
                Status::Accepted => EventStatus::Accepted,
                Status::Duplicate => EventStatus::Duplicate,
                Status::Rejected => EventStatus::Rejected,
            },
            reason: r.reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResponse {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub results: Vec<EventResult>,
}

/// Request body: one event (a JSON object), or an array of 1 to 2,500 events
/// (`ingest.max_events_per_request`). Only the schema: the handler reads the body itself.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum IngestRequest {
    One(Box<IncomingEvent>),
    Many(Vec<IncomingEvent>),
}

/// Reads the body into an intake, event by event: one bad event never costs the others.
fn read(
    state: &AppState,
    source: &str,
    origin: Origin,
    encoding: &ContentEncoding,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Intake, ApiError> {
    let limits = &state.settings.ingest;
    let bytes = body::decode_encoded(encoding, raw, limits.max_request_bytes)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::bad_request("invalid_json", "body is not UTF-8"))?;
    let items: Vec<&RawValue> = match text.trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str(text),
        Some(b'{') => serde_json::from_str::<&RawValue>(text).map(|one| vec![one]),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_json",
                "body must be a JSON object (one event) or an array of events",
            ));
        }
    }
    .map_err(|e| ApiError::bad_request("invalid_json", format!("body is not valid JSON: {e}")))?;
    if items.is_empty() {
        return Err(ApiError::bad_request(
            "empty_batch",
            "the array holds no events",
        ));
    }
    if items.len() > limits.max_events_per_request {
        return Err(ApiError::PayloadTooLarge(format!(
            "{} events in one request; the limit is {}",
            items.len(),
            limits.max_events_per_request
        )));
    }
    let mut intake = Intake::new(source, state.clock.now()).with_origin(origin);
    for raw in items {
        intake.event_json(raw.get(), limits);
    }
    Ok(intake)
}

/// The answer to an ingestion request: 202 with a result per event, or 400 with the same
/// results when none was valid.
fn respond(receipt: Receipt) -> Result<(StatusCode, Json<IngestResponse>), ApiError> {
    let all_rejected = receipt.all_rejected();
    let results: Vec<EventResult> = receipt.results.into_iter().map(Into::into).collect();
    if all_rejected {
        return Err(ApiError::AllRejected { results });
    }
    let response = IngestResponse {
        accepted: receipt.accepted,
        duplicates: receipt.duplicates,
        rejected: receipt.rejected,
        results,
    };
    Ok((StatusCode::ACCEPTED, Json(response)))
}

/// Ingest events.
///
/// Answers `202` only once every valid event is durable. Each event gets a result:
/// `accepted`, `duplicate` (its id was stored before) or `rejected` (with a reason).
/// When every event is invalid the answer is `400` with the same per-event results.
/// Gzip bodies (`Content-Encoding: gzip`) are accepted; limits apply after decompression.
/// Needs a write key: HTTP Basic with the key as user name and an empty password (as
/// Segment's libraries send it), or an `X-Write-Key` header. Its source is recorded on
/// every event.
#[utoipa::path(
    post,
    path = "/v1/events",
    tag = "ingestion",
    security(("writeKeyBasic" = []), ("writeKeyHeader" = [])),
    request_body(content = IngestRequest, content_type = "application/json"),
    responses(
        (status = 202, description = "Valid events are durable", body = IngestResponse),
        (status = 400, description = "Malformed JSON, or every event invalid", body = ErrorBody),
        (status = 401, description = "Missing, unknown or revoked write key", body = ErrorBody),
        (status = 413, description = "Body or event count over the limit", body = ErrorBody),
        (status = 415, description = "Unsupported Content-Encoding", body = ErrorBody),
        (status = 429, description = "Rate limit of this write key; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
        (status = 503, description = "Overloaded or store unavailable; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
    )
)]
pub async fn ingest(
    key: WriteKeyAuth,
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    encoding: ContentEncoding,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<IngestResponse>), ApiError> {
    let origin = origin.for_key(key.kind);
    let intake =
        read(&state, &key.source, origin, &encoding, raw)?.with_link_right(key.kind.link_right());
    let receipt = state
        .pipeline()
        .submit(intake, Backpressure::Refuse)
        .await
        .map_err(|e| ApiError::from_submit(e, state.settings.batcher.retry_after_s))?;
    crate::request_span::record_ingest(&key.source, receipt.accepted);
    respond(receipt)
}

/// The parse-only ceiling for `scripts/bench`: identical parsing and validation, no storage.
/// Mounted only when `server.bench_parse_only_route` is set; not part of the public API.
pub async fn parse_only(
    key: WriteKeyAuth,
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    encoding: ContentEncoding,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<IngestResponse>), ApiError> {
    respond(read(&state, &key.source, origin, &encoding, raw)?.preview())
}
