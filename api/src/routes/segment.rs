//! The Segment HTTP Tracking API: `POST /v1/{track,identify,page,screen,group,alias,batch}`,
//! `/v1/import` (an old name of batch), and the short paths analytics.js posts to
//! (`/v1/t`, `/v1/i`, `/v1/p`, `/v1/s`, `/v1/g`, `/v1/a`, `/v1/b`). Bodies are read as JSON
//! whatever their `Content-Type` (analytics.js and `sendBeacon` send `text/plain`). The write
//! key comes from HTTP Basic, `X-Write-Key`, or the body's `writeKey`. Answers are what the
//! libraries expect: `200 {"success": true}` once stored, `400` for bad input (not retried),
//! `429`/`503` with `Retry-After` (retried).

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde::Serialize;
use serde_json::{Map, Value};
use shared::event::{Event, Rejection};
use shared::segment::{BatchDefaults, Kind, parse_message};
use shared::storage::{IdentityLink, InsertOutcome, LinkOutcome};
use utoipa::ToSchema;

use crate::auth::write_keys::{self, WriteKeyAuth};
use crate::body;
use crate::error::{ApiError, ErrorBody};
use crate::routes::events::{EventResult, EventStatus};
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

/// The key from the headers, else from the body's `writeKey`.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    body: Option<&Map<String, Value>>,
) -> Result<WriteKeyAuth, ApiError> {
    let secret = write_keys::presented(headers).or_else(|| {
        body.and_then(|b| b.get("writeKey"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
    });
    WriteKeyAuth::verify(state, secret).await
}

/// Decodes the body to a JSON object; `None` when it is not one (then only a header key
/// can authenticate the request, and the answer is 400 after that).
fn body_object(
    state: &AppState,
    headers: &HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let bytes = body::decode(headers, raw, state.settings.ingest.max_request_bytes)?;
    Ok(serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        }))
}

async fn handle(
    state: AppState,
    kind: Option<Kind>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SegmentResponse>), ApiError> {
    // A key in a header is checked before the body is read; one in the body after.
    let header_key = write_keys::presented(&headers).is_some();
    let key = if header_key {
        Some(authenticate(&state, &headers, None).await?)
    } else {
        None
    };
    let decoded = body_object(&state, &headers, raw);
    let key = match (key, &decoded) {
        (Some(k), _) => k,
        (None, Ok(body)) => authenticate(&state, &headers, body.as_ref()).await?,
        (None, Err(_)) => authenticate(&state, &headers, None).await?,
    };
    let Some(mut body) = decoded? else {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body must be a JSON object",
        ));
    };
    let limits = &state.settings.ingest;
    let (messages, defaults) = match kind {
        Some(_) => (vec![Value::Object(body)], BatchDefaults::default()),
        None => {
            let defaults = BatchDefaults::from_body(&body);
            let Some(Value::Array(messages)) = body.remove("batch") else {
                return Err(ApiError::bad_request(
                    "invalid_json",
                    "a batch body needs a \"batch\" array",
                ));
            };
            (messages, defaults)
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

    let received_at = state.clock.now();
    let mut results = Vec::with_capacity(messages.len());
    let mut events: Vec<Event> = Vec::with_capacity(messages.len());
    let mut slots = Vec::with_capacity(messages.len());
    let mut links: Vec<IdentityLink> = Vec::new();
    for message in messages {
        let raw_bytes = message.to_string().len();
        let message_id = message
            .get("messageId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match parse_message(message, kind, raw_bytes, &defaults, received_at, limits) {
            Ok(mut m) => {
                m.event.source = Some(key.source.clone());
                slots.push(results.len());
                results.push(EventResult {
                    event_id: Some(m.event.event_id.clone()),
                    status: EventStatus::Accepted,
                    reason: None,
                });
                links.extend(m.link);
                events.push(m.event);
            }
            Err(reason) => results.push(rejected(message_id, reason)),
        }
    }
    let rejected_count = results.len() - events.len();
    if rejected_count > 0 {
        metrics::counter!("shoptrail_ingest_events_total", "outcome" => "rejected")
            .increment(rejected_count as u64);
    }
    if events.is_empty() {
        return Err(ApiError::AllRejected { results });
    }
    // Links first: events of the same request sent under the anonymous id alone then land
    // on the user's profile. Re-recording a link on retry changes nothing.
    if !links.is_empty() {
        let outcomes = state.store.link_identities(&links, received_at).await?;
        for (outcome, label) in [
            (LinkOutcome::Linked, "linked"),
            (LinkOutcome::AlreadyLinked, "already_linked"),
            (LinkOutcome::Conflict, "conflict"),
            (LinkOutcome::Ignored, "ignored"),
        ] {
            let n = outcomes.iter().filter(|o| **o == outcome).count();
            if n > 0 {
                metrics::counter!("shoptrail_identity_links_total", "outcome" => label)
                    .increment(n as u64);
            }
        }
        if outcomes.contains(&LinkOutcome::Conflict) {
            tracing::info!(
                source = %key.source,
                conflicts = outcomes.iter().filter(|o| **o == LinkOutcome::Conflict).count(),
                "Identity links refused: the ids are linked to another user already."
            );
        }
    }
    let outcomes = state
        .batcher
        .submit(events)
        .await
        .map_err(|e| ApiError::from_submit(e, state.settings.batcher.retry_after_s))?;
    for (slot, outcome) in slots.into_iter().zip(outcomes) {
        if outcome == InsertOutcome::Duplicate {
            results[slot].status = EventStatus::Duplicate;
        }
    }
    let count = |s| results.iter().filter(|r| r.status == s).count();
    let response = SegmentResponse {
        success: true,
        accepted: count(EventStatus::Accepted),
        duplicates: count(EventStatus::Duplicate),
        rejected: rejected_count,
        errors: results
            .into_iter()
            .filter(|r| r.status == EventStatus::Rejected)
            .collect(),
    };
    Ok((StatusCode::OK, Json(response)))
}

fn rejected(event_id: Option<String>, reason: Rejection) -> EventResult {
    EventResult {
        event_id,
        status: EventStatus::Rejected,
        reason: Some(reason),
    }
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
            headers: HeaderMap,
            raw: Result<Bytes, BytesRejection>,
        ) -> Result<(StatusCode, Json<SegmentResponse>), ApiError> {
            handle(state, Some($kind), headers, raw).await
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
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SegmentResponse>), ApiError> {
    handle(state, None, headers, raw).await
}
