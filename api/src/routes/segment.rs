//! The Segment HTTP Tracking API: `POST /v1/{track,identify,page,screen,group,alias,batch}`,
//! `/v1/import` (an old name of batch), the short paths analytics.js posts to
//! (`/v1/t`, `/v1/i`, `/v1/p`, `/v1/s`, `/v1/g`, `/v1/a`, `/v1/b`), and RudderStack's
//! beacon batch (`/beacon/v1/batch?writeKey=`). Bodies are read as JSON
//! whatever their `Content-Type` (analytics.js and `sendBeacon` send `text/plain`). The write
//! key comes from HTTP Basic, `X-Write-Key`, or the body's `writeKey`. Answers are what the
//! libraries expect: `200 {"success": true}` once stored, `400` for bad input (not retried),
//! `429`/`503` with `Retry-After` (retried).

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use shared::enrich::Origin;
use shared::ingest::{Backpressure, Intake, Status};
use shared::segment::{BatchDefaults, Kind};
use utoipa::{IntoParams, ToSchema};

use crate::auth::write_keys::{self, WriteKeyAuth};
use crate::body;
use crate::error::{ApiError, ErrorBody};
use crate::origin::RequestOrigin;
use crate::routes::events::EventResult;
use crate::state::AppState;

/// Answer of every Segment route.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentResponse {
    /// Always true on 200 (what Segment's libraries look for).
    pub success: bool,
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// The refused messages, with their reasons (empty when none was).
    pub errors: Vec<EventResult>,
}

/// One Segment message (see Segment's spec for the fields of each call type). Unknown
/// fields are ignored.
#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(example = json!({"type": "track", "event": "Order Completed", "userId": "u1",
    "messageId": "m-1", "properties": {"total": 30}, "timestamp": "2026-11-21T10:00:00Z"}))]
pub struct SegmentMessage {
    /// `track`, `identify`, `page`, `screen`, `group` or `alias` (implied by the path of a
    /// single-message route).
    #[schema(rename = "type")]
    kind: Option<String>,
    /// Idempotency key; derived from the content when absent.
    #[schema(rename = "messageId")]
    message_id: Option<String>,
    #[schema(rename = "userId")]
    user_id: Option<String>,
    #[schema(rename = "anonymousId")]
    anonymous_id: Option<String>,
    /// The event name of a `track` call.
    event: Option<String>,
    /// Page or screen name.
    name: Option<String>,
    category: Option<String>,
    #[schema(rename = "groupId")]
    group_id: Option<String>,
    /// The earlier id of an `alias` call.
    #[schema(rename = "previousId")]
    previous_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    properties: Option<Value>,
    #[schema(value_type = Option<Object>)]
    traits: Option<Value>,
    #[schema(value_type = Option<Object>)]
    context: Option<Value>,
    #[schema(value_type = Option<Object>)]
    integrations: Option<Value>,
    timestamp: Option<String>,
    #[schema(rename = "originalTimestamp")]
    original_timestamp: Option<String>,
    #[schema(rename = "sentAt")]
    sent_at: Option<String>,
    /// The write key, when not sent by HTTP Basic or `X-Write-Key`.
    #[schema(rename = "writeKey")]
    write_key: Option<String>,
}

/// A `/v1/batch` body.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SegmentBatch {
    batch: Vec<SegmentMessage>,
    #[schema(rename = "sentAt")]
    sent_at: Option<String>,
    /// Applied to every message that lacks the key.
    #[schema(value_type = Option<Object>)]
    context: Option<Value>,
    #[schema(value_type = Option<Object>)]
    integrations: Option<Value>,
    #[schema(rename = "writeKey")]
    write_key: Option<String>,
}

/// Short paths (analytics.js) and `/v1/import`: the same handlers, not repeated in the
/// OpenAPI document.
pub fn short_paths() -> Router<AppState> {
    Router::new()
        .route("/v1/t", post(track))
        .route("/v1/i", post(identify))
        .route("/v1/p", post(page))
        .route("/v1/s", post(screen))
        .route("/v1/g", post(group))
        .route("/v1/a", post(alias))
        .route("/v1/b", post(batch))
        .route("/v1/import", post(batch))
}

/// The key from the headers, else from the query (beacons cannot set headers), else from
/// the body's `writeKey`.
async fn authenticate(
    state: &AppState,
    header_key: Option<String>,
    query_key: Option<&str>,
    body: Option<&TopLevel<'_>>,
) -> Result<WriteKeyAuth, ApiError> {
    let query_key = query_key
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned);
    let secret = header_key.or(query_key).or_else(|| {
        body.and_then(|b| b.get("writeKey"))
            .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
    });
    WriteKeyAuth::verify(state, secret).await
}

/// The body's top-level keys with their JSON text unread: messages are read one by one
/// later, so a message the parser cannot take (a number out of range, say) is refused alone.
type TopLevel<'a> = BTreeMap<String, &'a RawValue>;

async fn handle(
    state: AppState,
    kind: Option<Kind>,
    origin: Origin,
    headers: HeaderMap,
    query_key: Option<&str>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SegmentResponse>), ApiError> {
    // A key in a header or the query is checked before the body is read; one in the body
    // after.
    // The headers' key is read once (it is decoded from Basic auth).
    let mut header_key = write_keys::presented(&headers);
    let early_key = header_key.is_some() || query_key.is_some_and(|k| !k.trim().is_empty());
    let key = if early_key {
        Some(authenticate(&state, header_key.take(), query_key, None).await?)
    } else {
        None
    };
    let limits = &state.settings.ingest;
    let (bytes, unreadable) = match body::decode(&headers, raw, limits.max_request_bytes) {
        Ok(bytes) => (bytes, None),
        Err(e) => (Bytes::new(), Some(e)),
    };
    let top: Option<TopLevel<'_>> = serde_json::from_slice(&bytes).ok();
    let key = match key {
        Some(k) => k,
        None => authenticate(&state, header_key, None, top.as_ref()).await?,
    };
    if let Some(e) = unreadable {
        return Err(e);
    }
    let Some(top) = top else {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body must be a JSON object",
        ));
    };
    let (messages, defaults): (Vec<&RawValue>, BatchDefaults) = match kind {
        Some(_) => {
            let whole: &RawValue = serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::bad_request("invalid_json", format!("body is not valid JSON: {e}"))
            })?;
            (vec![whole], BatchDefaults::default())
        }
        None => {
            let Some(batch) = top.get("batch") else {
                return Err(ApiError::bad_request(
                    "invalid_json",
                    "a batch body needs a \"batch\" array",
                ));
            };
            let messages: Vec<&RawValue> = serde_json::from_str(batch.get()).map_err(|_| {
                ApiError::bad_request("invalid_json", "a batch body needs a \"batch\" array")
            })?;
            (messages, batch_defaults(&top)?)
        }
    };
    if messages.is_empty() {
        return Err(ApiError::bad_request(
            "empty_batch",
            "the batch holds no messages",
        ));
    }
    if messages.len() > limits.max_events_per_request {
        return Err(ApiError::PayloadTooLarge(format!(
            "{} messages in one request; the limit is {}",
            messages.len(),
            limits.max_events_per_request
        )));
    }

    let mut intake = Intake::new(key.source.as_str(), state.clock.now())
        .with_origin(origin.for_key(key.kind))
        .with_link_right(key.kind.link_right());
    for message in messages {
        intake.segment_json(message.get(), kind, &defaults, limits);
    }
    let receipt = state
        .pipeline()
        .submit(intake, Backpressure::Refuse)
        .await
        .map_err(|e| ApiError::from_submit(e, state.settings.batcher.retry_after_s))?;
    crate::request_span::record_ingest(&key.source, receipt.accepted);
    let all_rejected = receipt.all_rejected();
    let rejected: Vec<EventResult> = receipt
        .results
        .into_iter()
        .filter(|r| r.status == Status::Rejected)
        .map(Into::into)
        .collect();
    if all_rejected {
        return Err(ApiError::AllRejected { results: rejected });
    }
    Ok((
        StatusCode::OK,
        Json(SegmentResponse {
            success: true,
            accepted: receipt.accepted,
            duplicates: receipt.duplicates,
            rejected: receipt.rejected,
            errors: rejected,
        }),
    ))
}

/// The batch-level `sentAt`, `context` and `integrations`.
fn batch_defaults(top: &TopLevel<'_>) -> Result<BatchDefaults, ApiError> {
    let mut shared = Map::new();
    for key in ["sentAt", "context", "integrations"] {
        if let Some(raw) = top.get(key) {
            let value: Value = serde_json::from_str(raw.get()).map_err(|e| {
                ApiError::bad_request(
                    "invalid_json",
                    format!("the batch's {key} is not valid: {e}"),
                )
            })?;
            shared.insert(key.to_owned(), value);
        }
    }
    Ok(BatchDefaults::from_body(&shared))
}

macro_rules! single_message_route {
    ($name:ident, $kind:expr, $path:literal, $what:literal) => {
        #[doc = concat!("Segment `", $what, "` call.")]
        ///
        /// Stored like `POST /v1/events`, answered as Segment's libraries expect: `200
        /// {"success": true}` once durable. Write key by HTTP Basic, `X-Write-Key` or the
        /// body's `writeKey`; any `Content-Type` (analytics.js sends `text/plain`). The short
        /// path (first letter of the call) does the same.
        #[utoipa::path(
            post,
            path = $path,
            tag = "segment",
            security(("writeKeyBasic" = []), ("writeKeyHeader" = [])),
            request_body(content = SegmentMessage, content_type = "application/json"),
            responses(
                (status = 200, description = "Stored (or a duplicate of a stored message)", body = SegmentResponse),
                (status = 400, description = "Not JSON, or the message is invalid", body = ErrorBody),
                (status = 401, description = "Missing, unknown or revoked write key", body = ErrorBody),
                (status = 413, description = "Body over 500 KB, or message over 32 KB", body = ErrorBody),
                (status = 429, description = "Rate limit of this write key; see Retry-After", body = ErrorBody),
                (status = 503, description = "Overloaded or store unavailable; see Retry-After", body = ErrorBody),
            )
        )]
        pub async fn $name(
            State(state): State<AppState>,
            RequestOrigin(origin): RequestOrigin,
            headers: HeaderMap,
            raw: Result<Bytes, BytesRejection>,
        ) -> Result<(StatusCode, Json<SegmentResponse>), ApiError> {
            handle(state, Some($kind), origin, headers, None, raw).await
        }
    };
}

single_message_route!(track, Kind::Track, "/v1/track", "track");
single_message_route!(identify, Kind::Identify, "/v1/identify", "identify");
single_message_route!(page, Kind::Page, "/v1/page", "page");
single_message_route!(screen, Kind::Screen, "/v1/screen", "screen");
single_message_route!(group, Kind::Group, "/v1/group", "group");
single_message_route!(alias, Kind::Alias, "/v1/alias", "alias");

/// Segment batch: up to 2,500 messages of any call type.
///
/// `{"batch": [...], "sentAt", "context", "integrations", "writeKey"}`; the batch's
/// `sentAt` corrects clock skew of messages without their own, its `context` and
/// `integrations` fill keys a message lacks. Messages are validated one by one: invalid ones
/// are listed in `errors` and the rest stored (400 only when none is valid). A retried batch
/// stores nothing twice (`messageId`). `/v1/b` and `/v1/import` do the same.
#[utoipa::path(
    post,
    path = "/v1/batch",
    tag = "segment",
    security(("writeKeyBasic" = []), ("writeKeyHeader" = [])),
    request_body(content = SegmentBatch, content_type = "application/json"),
    responses(
        (status = 200, description = "Valid messages are durable", body = SegmentResponse),
        (status = 400, description = "Not JSON, no batch array, or every message invalid", body = ErrorBody),
        (status = 401, description = "Missing, unknown or revoked write key", body = ErrorBody),
        (status = 413, description = "Body over 500 KB or too many messages", body = ErrorBody),
        (status = 429, description = "Rate limit of this write key; see Retry-After", body = ErrorBody),
        (status = 503, description = "Overloaded or store unavailable; see Retry-After", body = ErrorBody),
    )
)]
pub async fn batch(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SegmentResponse>), ApiError> {
    handle(state, None, origin, headers, None, raw).await
}

/// The query of a beacon request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BeaconQuery {
    /// The write key (`navigator.sendBeacon` cannot set headers).
    #[serde(rename = "writeKey")]
    #[param(rename = "writeKey")]
    write_key: Option<String>,
}

/// RudderStack's page-unload beacon: a batch sent by `navigator.sendBeacon`.
///
/// Same body and answers as `/v1/batch`; the write key in the query (`?writeKey=`), as the
/// beacon cannot send headers; the body is `text/plain`.
#[utoipa::path(
    post,
    path = "/beacon/v1/batch",
    tag = "segment",
    params(BeaconQuery),
    request_body(content = SegmentBatch, content_type = "text/plain"),
    responses(
        (status = 200, description = "Valid messages are durable", body = SegmentResponse),
        (status = 400, description = "Not JSON, no batch array, or every message invalid", body = ErrorBody),
        (status = 401, description = "Missing, unknown or revoked write key", body = ErrorBody),
        (status = 413, description = "Body over 500 KB or too many messages", body = ErrorBody),
        (status = 429, description = "Rate limit of this write key; see Retry-After", body = ErrorBody),
        (status = 503, description = "Overloaded or store unavailable; see Retry-After", body = ErrorBody),
    )
)]
pub async fn beacon_batch(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    Query(query): Query<BeaconQuery>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SegmentResponse>), ApiError> {
    handle(
        state,
        None,
        origin,
        headers,
        query.write_key.as_deref(),
        raw,
    )
    .await
}
