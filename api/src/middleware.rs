//! Cross-cutting layers: request metrics, the JSON answers for load shedding and timeouts
//! raised by tower middleware, and the configured `Retry-After` on every 503.

use std::time::Instant;

use axum::BoxError;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Counts requests and records latency by method, matched route and status.
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("shoptrail_http_requests_total", &labels).increment(1);
    metrics::histogram!("shoptrail_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Maps errors of the load-shed / timeout layers to 503 + Retry-After with a JSON body.
pub async fn handle_overload(retry_after_s: u64, err: BoxError) -> Response {
    let (code, message) = if err.is::<tower::timeout::error::Elapsed>() {
        ("timeout", "the request took too long; retry later")
    } else if err.is::<tower::load_shed::error::Overloaded>() {
        ("overloaded", "too many requests in flight; retry later")
    } else {
        return ApiError::Internal(anyhow::anyhow!("middleware error: {err}")).into_response();
    };
    ApiError::Unavailable {
        code,
        message: message.to_owned(),
        retry_after_s: Some(retry_after_s),
    }
    .into_response()
}

/// Gives every 503 that names no `Retry-After` of its own (a store that is unavailable) the
/// configured one, so clients always learn when to come back.
pub async fn retry_after(retry_after_s: u64, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
    }
    response
}
