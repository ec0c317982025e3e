//! Cross-cutting layers: request metrics, the JSON answers for load shedding and timeouts
//! raised by tower middleware, and the configured `Retry-After` on every 503.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::BoxError;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
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

#[derive(Default)]
struct RequestHandles {
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
    S: Service<Request, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let started = Instant::now();
        let method = req.method().clone();
        let route = req.extensions().get::<MatchedPath>().cloned();
        let response = self.inner.call(req);
        let handles = self.handles.clone();
        Box::pin(async move {
            let response = response.await?;
            handles.record(
                &method,
                route.as_ref().map_or("unmatched", MatchedPath::as_str),
                response.status().as_u16(),
                started.elapsed().as_secs_f64(),
            );
            Ok(response)
        })
    }
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
