//! What every process serves for operations, written once for the API and the worker:
//! liveness, readiness (the store answers, the batcher takes events), Prometheus metrics,
//! and the signal that starts a graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use crate::batcher::Batcher;
use crate::storage::Store;

/// How long readiness waits for the store's ping.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` with the failing checks.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failing: Vec<String>,
}

/// Liveness: the process is up.
pub fn live() -> Health {
    Health {
        status: "ok",
        failing: Vec::new(),
    }
}

/// Readiness: the store answers within two seconds and the batcher's writer runs.
pub async fn ready(store: &dyn Store, batcher: &Batcher) -> (StatusCode, Health) {
    let mut failing = Vec::new();
    match tokio::time::timeout(PING_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => metrics::gauge!("shoptrail_store_up").set(1.0),
        Ok(Err(e)) => {
            metrics::gauge!("shoptrail_store_up").set(0.0);
            tracing::warn!(error = %e, "Readiness: store ping failed.");
            failing.push("store".to_owned());
        }
        Err(_) => {
            metrics::gauge!("shoptrail_store_up").set(0.0);
            failing.push("store (timeout)".to_owned());
        }
    }
    if !batcher.is_running() {
        failing.push("batcher (writer stopped)".to_owned());
    }
    if failing.is_empty() {
        (StatusCode::OK, live())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Health {
                status: "unavailable",
                failing,
            },
        )
    }
}

/// Prometheus metrics in the text exposition format.
pub fn metrics_text() -> impl IntoResponse {
    let handle = crate::telemetry::metrics_handle();
    handle.run_upkeep();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
}

/// What the operations endpoints look at.
#[derive(Clone)]
pub struct OpsState {
    pub store: Arc<dyn Store>,
    pub batcher: Batcher,
}

/// `/healthz`, `/readyz` and `/metrics`, for a process with no other routes (the worker).
pub fn router(state: OpsState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { Json(live()) }))
        .route(
            "/readyz",
            get(|State(s): State<OpsState>| async move {
                let (code, health) = ready(s.store.as_ref(), &s.batcher).await;
                (code, Json(health))
            }),
        )
        .route("/metrics", get(|| async { metrics_text() }))
        .with_state(state)
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "Cannot listen for SIGTERM.");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
