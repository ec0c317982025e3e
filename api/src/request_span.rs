//! One INFO span per request, named by its route template (`POST /v1/batch`), with the
//! status, and for ingestion the events accepted and the source (never the key). A W3C
//! `traceparent` (or an X-Ray `X-Amzn-Trace-Id` with a parent) from the caller makes it part
//! of the caller's trace.

use std::task::{Context, Poll};

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use futures::FutureExt as _;
use tower::{Layer, Service};
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::middleware::AnswerMap;

/// Wraps each request in its span (a layer on the routed router, so the route is known).
/// A plain service: `from_fn` would box a future and clone the inner service per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct InSpanLayer;

impl<S> Layer<S> for InSpanLayer {
    type Service = InSpan<S>;

    fn layer(&self, inner: S) -> Self::Service {
        InSpan { inner }
    }
}

/// See [`InSpanLayer`].
#[derive(Debug, Clone)]
pub struct InSpan<S> {
    inner: S,
}

type Recorded<F, E> = tracing::instrument::Instrumented<futures::future::Map<F, AnswerMap<E>>>;

impl<S> Service<Request> for InSpan<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Recorded<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let span = span_for(&req);
        let future = {
            let _entered = span.enter();
            self.inner.call(req)
        };
        let record: AnswerMap<S::Error> = record_status;
        future.map(record).instrument(span)
    }
}

/// Records the answer's status on the request's span (current while the answer is made).
fn record_status<E>(response: Result<Response, E>) -> Result<Response, E> {
    if let Ok(response) = &response {
        let span = tracing::Span::current();
        let status = response.status().as_u16();
        span.record("http.response.status_code", i64::from(status));
        if status >= 500 {
            span.record("otel.status_code", "ERROR");
        }
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
