//! Operations endpoints: liveness, readiness and Prometheus metrics. The checks are
//! `shared::ops`, the same ones the worker serves.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::state::AppState;

pub use shared::ops::Health;

/// Liveness: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(shared::ops::live())
}

/// Readiness: the store answers and the batcher can take events.
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health))
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (code, health) = shared::ops::ready(state.store.as_ref(), &state.batcher).await;
    (code, Json(health))
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics() -> impl IntoResponse {
    shared::ops::metrics_text()
}
