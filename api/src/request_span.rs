//! One INFO span per request, named by its route template (`POST /v1/batch`), with the
//! status, and for ingestion the events accepted and the source (never the key). A W3C
//! `traceparent` (or an X-Ray `X-Amzn-Trace-Id` with a parent) from the caller makes it part
//! of the caller's trace.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;
use tracing::field::Empty;

/// Wraps the request in its span (a layer on the routed router, so the route is known).
pub async fn in_span(req: Request, next: Next) -> Response {
    let span = span_for(&req);
    let response = next.run(req).instrument(span.clone()).await;
    let status = response.status().as_u16();
    span.record("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.record("otel.status_code", "ERROR");
    }
    response
}

fn span_for(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str());
    let method = req.method().as_str();
    let span = tracing::info_span!(
        "request",
        otel.name = %format_args!("{method} {route}"),
        otel.kind = "server",
        http.request.method = method,
        http.route = route,
        http.response.status_code = Empty,
        otel.status_code = Empty,
        shoptrail.events_accepted = Empty,
        shoptrail.source = Empty,
    );
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    shared::telemetry::continue_trace(
        &span,
        shared::telemetry::TraceHeaders {
            traceparent: header("traceparent"),
            tracestate: header("tracestate"),
            amzn_trace_id: header("x-amzn-trace-id"),
        },
    );
    span
}

/// Records on the current request's span what an ingestion request stored, and for which
/// source.
pub fn record_ingest(source: &str, accepted: usize) {
    let span = tracing::Span::current();
    span.record("shoptrail.source", source);
    span.record(
        "shoptrail.events_accepted",
        i64::try_from(accepted).unwrap_or(i64::MAX),
    );
}
