//! Cross-cutting layers: request metrics, the JSON answers for load shedding and timeouts
//! raised by tower middleware, the configured `Retry-After` on every 503, and [`Guard`], the
//! shape of every check that may answer a request before it goes on.
//!
//! Each of them is a plain `tower` service: axum's `from_fn` boxes a future and clones the
//! whole inner service on every request, and `HandleErrorLayer` clones it too.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::BoxError;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::future::{Either, Ready};
use metrics::{Counter, Histogram};
use tower::util::MapResponseLayer;
use tower::{Layer, Service};

use crate::error::ApiError;

/// How many (method, status) pairs one route keeps handles for; past it (a client spraying
/// invented methods, say) requests are still counted, only without a cached handle.
const MAX_HANDLES_PER_ROUTE: usize = 64;

/// Counts requests and records latency by method, matched route and status
/// (`shoptrail_http_requests_total`, `shoptrail_http_request_duration_seconds`). Each
/// label set's handles are registered on first use and kept: `metrics::counter!` with
/// labels would build, hash and look up its key on every request.
#[derive(Clone, Default)]
pub struct RequestMetricsLayer {
    handles: Arc<RequestHandles>,
}

/// The handles of one method and status on a route.
type Handles = (Method, u16, Counter, Histogram);

/// The handles of every route, shared by the clones of one layer.
#[derive(Default)]
pub struct RequestHandles {
    by_route: RwLock<HashMap<Box<str>, Vec<Handles>>>,
}

impl RequestHandles {
    fn record(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        if let Ok(map) = self.by_route.read()
            && let Some((.., counter, histogram)) = map
                .get(route)
                .and_then(|v| v.iter().find(|(m, s, ..)| s == &status && m == method))
        {
            counter.increment(1);
            histogram.record(seconds);
            return;
        }
        let labels = [
            ("method", method.as_str().to_owned()),
            ("route", route.to_owned()),
            ("status", status.to_string()),
        ];
        let counter = metrics::counter!("shoptrail_http_requests_total", &labels);
        let histogram = metrics::histogram!("shoptrail_http_request_duration_seconds", &labels);
        counter.increment(1);
        histogram.record(seconds);
        if let Ok(mut map) = self.by_route.write() {
            let pairs = map.entry(route.into()).or_default();
            if pairs.len() < MAX_HANDLES_PER_ROUTE
                && !pairs.iter().any(|(m, s, ..)| s == &status && m == method)
            {
                pairs.push((method.clone(), status, counter, histogram));
            }
        }
    }
}

impl<S> Layer<S> for RequestMetricsLayer {
    type Service = RequestMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestMetrics {
            inner,
            handles: self.handles.clone(),
        }
    }
}

/// See [`RequestMetricsLayer`].
#[derive(Clone)]
pub struct RequestMetrics<S> {
    inner: S,
    handles: Arc<RequestHandles>,
}

impl<S> Service<Request> for RequestMetrics<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = MetricsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let started = Instant::now();
        let method = req.method().clone();
        let route = req.extensions().get::<MatchedPath>().cloned();
        MetricsFuture {
            inner: self.inner.call(req),
            started,
            method,
            route,
            handles: self.handles.clone(),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`RequestMetrics`]: records the answer when it is ready (no boxed
    /// future per request).
    pub struct MetricsFuture<F> {
        #[pin]
        inner: F,
        started: Instant,
        method: Method,
        route: Option<MatchedPath>,
        handles: Arc<RequestHandles>,
    }
}

impl<F, E> std::future::Future for MetricsFuture<F>
where
    F: std::future::Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = match this.inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(r) => r?,
        };
        this.handles.record(
            this.method,
            this.route.as_ref().map_or("unmatched", MatchedPath::as_str),
            response.status().as_u16(),
            this.started.elapsed().as_secs_f64(),
        );
        Poll::Ready(Ok(response))
    }
}

/// The JSON answer (503 + Retry-After) to an error of the load-shed / timeout layers.
pub fn overload_response(retry_after_s: u64, err: &BoxError) -> Response {
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

/// Turns the errors of the layers inside it (load shedding, concurrency limit, timeout) into
/// [`overload_response`]s. Unlike `HandleErrorLayer`, it maps the inner future in place
/// instead of cloning the inner service for every request.
#[derive(Clone, Copy)]
pub struct OverloadLayer {
    pub retry_after_s: u64,
}

impl<S> Layer<S> for OverloadLayer {
    type Service = Overload<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Overload {
            inner,
            retry_after_s: self.retry_after_s,
        }
    }
}

/// See [`OverloadLayer`].
#[derive(Clone)]
pub struct Overload<S> {
    inner: S,
    retry_after_s: u64,
}

impl<S> Service<Request> for Overload<S>
where
    S: Service<Request, Response = Response>,
    S::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = OverloadFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Load shedding answers ready and fails the call instead; any other error is
        // answered by the call too.
        match self.inner.poll_ready(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(_) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, req: Request) -> Self::Future {
        OverloadFuture {
            inner: self.inner.call(req),
            retry_after_s: self.retry_after_s,
            _error: std::marker::PhantomData,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Overload`].
    pub struct OverloadFuture<F, E> {
        #[pin]
        inner: F,
        retry_after_s: u64,
        _error: std::marker::PhantomData<fn() -> E>,
    }
}

impl<F, E> std::future::Future for OverloadFuture<F, E>
where
    F: std::future::Future<Output = Result<Response, E>>,
    E: Into<BoxError>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(response)) => Poll::Ready(Ok(response)),
            Poll::Ready(Err(e)) => {
                Poll::Ready(Ok(overload_response(*this.retry_after_s, &e.into())))
            }
        }
    }
}

/// A function over a service's result (an answer's headers, the span's status), as a
/// nameable future type: `futures::future::Map<F, AnswerMap<E>>`.
pub type AnswerMap<E> = fn(Result<Response, E>) -> Result<Response, E>;

/// A check that may answer a request itself (`Some(response)`) before it goes on: the
/// header-size limit, the same-origin rule, refused preflights. A plain service: no boxed
/// future and no clone of the inner service per request, as `from_fn` would cost.
#[derive(Clone)]
pub struct GuardLayer<C> {
    check: C,
}

impl<C> GuardLayer<C>
where
    C: Fn(&Request) -> Option<Response> + Clone,
{
    pub fn new(check: C) -> Self {
        Self { check }
    }
}

impl<S, C: Clone> Layer<S> for GuardLayer<C> {
    type Service = Guard<S, C>;

    fn layer(&self, inner: S) -> Self::Service {
        Guard {
            inner,
            check: self.check.clone(),
        }
    }
}

/// See [`GuardLayer`].
#[derive(Clone)]
pub struct Guard<S, C> {
    inner: S,
    check: C,
}

impl<S, C, B> Service<axum::http::Request<B>> for Guard<S, C>
where
    S: Service<axum::http::Request<B>, Response = Response>,
    C: Fn(&axum::http::Request<B>) -> Option<Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        match (self.check)(&req) {
            Some(answer) => Either::Left(futures::future::ready(Ok(answer))),
            None => Either::Right(self.inner.call(req)),
        }
    }
}

/// Gives every 503 that names no `Retry-After` of its own (a store that is unavailable) the
/// configured one, so clients always learn when to come back. A plain response map: no
/// boxed future or cloned service per request.
pub fn retry_after(
    retry_after_s: u64,
) -> MapResponseLayer<impl FnOnce(Response) -> Response + Clone + Send + Sync + 'static> {
    MapResponseLayer::new(move |mut response: Response| {
        if response.status() == StatusCode::SERVICE_UNAVAILABLE
            && !response.headers().contains_key(header::RETRY_AFTER)
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
        }
        response
    })
}
