//! The live view: events as they arrive on any API instance, streamed as server-sent events
//! by polling the store (never one process's memory), and the visitors of the last minutes.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use serde::{Deserialize, Serialize};
use shared::event::Event;
use shared::live::{Follower, LiveFilter, VISITORS_WINDOW_MS};
use shared::storage::Store;
use tokio::sync::OwnedSemaphorePermit;
use utoipa::{IntoParams, ToSchema};

use crate::auth::RequireViewer;
use crate::error::{ApiError, ErrorBody};
use crate::query::query;
use crate::state::AppState;
use crate::wire::users::JourneyEvent;

/// What a client waits before opening another stream when this instance serves its most.
const STREAMS_FULL_RETRY_AFTER_S: u64 = 5;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiveParams {
    /// Comma-separated event types to show (all when absent).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    types: Option<String>,
    /// Show only this person's events (user id, else anonymous id).
    user: Option<String>,
}

/// Events as they arrive, on every API instance: `text/event-stream`, one SSE message per
/// event (`event: event`, `id:` the event id, `data:` the event as JSON, as in a journey),
/// starting with those of the last minute. Comment lines keep idle connections open.
#[utoipa::path(
    get, path = "/v1/live/events", tag = "users", operation_id = "stream_live_events",
    params(LiveParams), security(("session" = [])),
    responses(
        (status = 200, content_type = "text/event-stream", body = JourneyEvent,
         description = "A stream of server-sent events, each one event as JSON"),
        (status = 400, body = ErrorBody),
        (status = 429, description = "This instance serves its most live streams", body = ErrorBody),
    )
)]
pub async fn events(
    _: RequireViewer,
    State(state): State<AppState>,
    params: Result<Query<LiveParams>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let p = query(params)?;
    let filter = LiveFilter {
        types: p
            .types
            .iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        profile_id: p.user.filter(|u| !u.is_empty()),
    };
    let permit = state
        .live_streams
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::TooManyRequests {
            retry_after_s: STREAMS_FULL_RETRY_AFTER_S,
        })?;
    let live = &state.settings.live;
    let mut tick = tokio::time::interval(Duration::from_millis(live.poll_interval_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stream = Polling {
        store: state.store.clone(),
        follower: Follower::new(filter, state.clock.now()),
        pending: VecDeque::new(),
        tick,
        permit,
    };
    Ok(Sse::new(futures::stream::unfold(stream, Polling::next))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(live.keep_alive_s))))
}

/// The live stream under the path the issue names: the same as `GET /v1/live/events`.
#[utoipa::path(
    get, path = "/v1/live", tag = "users", operation_id = "stream_live",
    params(LiveParams), security(("session" = [])),
    responses(
        (status = 200, content_type = "text/event-stream", body = JourneyEvent,
         description = "A stream of server-sent events, each one event as JSON (as `/v1/live/events`)"),
        (status = 400, body = ErrorBody),
        (status = 429, description = "This instance serves its most live streams", body = ErrorBody),
    )
)]
pub async fn stream(
    viewer: RequireViewer,
    state: State<AppState>,
    params: Result<Query<LiveParams>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    events(viewer, state, params).await
}

/// One open stream: its position, what it has read but not sent, and its slot among the
/// instance's streams (released when the client goes and the stream is dropped; closed
/// when the server shuts down).
struct Polling {
    store: Arc<dyn Store>,
    follower: Follower,
    pending: VecDeque<Event>,
    tick: tokio::time::Interval,
    permit: OwnedSemaphorePermit,
}

impl Polling {
    async fn next(mut self) -> Option<(Result<SseEvent, Infallible>, Self)> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                let id = e.event_id.clone();
                let data = serde_json::to_string(&JourneyEvent::from(e)).unwrap_or_default();
                return Some((
                    Ok(SseEvent::default().event("event").id(id).data(data)),
                    self,
                ));
            }
            self.tick.tick().await;
            // Closed on shutdown: end the stream so the connection can finish.
            if self.permit.semaphore().is_closed() {
                return None;
            }
            match self.store.recent_arrivals(&self.follower.query()).await {
                Ok(events) => self.pending.extend(self.follower.absorb(events)),
                // The next poll tries again; the client keeps its stream.
                Err(e) => tracing::warn!(error = %e, "Live view poll failed."),
            }
        }
    }
}

/// People seen in the last minutes.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Visitors {
    /// People whose last event happened within the window.
    pub visitors: u64,
    /// The window, in seconds (300).
    pub window_seconds: u64,
}

/// Visitors in the last 5 minutes: people whose last event happened since then.
#[utoipa::path(
    get, path = "/v1/live/visitors", tag = "users", operation_id = "get_live_visitors",
    security(("session" = [])),
    responses((status = 200, body = Visitors), (status = 401, body = ErrorBody))
)]
pub async fn visitors(
    _: RequireViewer,
    State(state): State<AppState>,
) -> Result<Json<Visitors>, ApiError> {
    let since = state.clock.now() - chrono::Duration::milliseconds(VISITORS_WINDOW_MS);
    Ok(Json(Visitors {
        visitors: state.store.visitors_since(since).await?,
        window_seconds: u64::try_from(VISITORS_WINDOW_MS / 1000).unwrap_or_default(),
    }))
}
