//! Browser-facing hardening: CORS per route group, security headers on every response,
//! and a bound on request header size.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::future::{Either, Ready};
use tower::{Layer, Service};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tracing::warn;

use crate::middleware::{AnswerMap, GuardLayer};

/// Ingestion is called from any shop's pages: any origin, no credentials (the write key
/// travels in a header, the body or Basic auth, never in a cookie).
///
/// Requested headers are reflected rather than listed. The browser SDKs add headers of their
/// own (`X-Retry-Count` from analytics-next on every retry; `AnonymousId`, `SentAt` and the
/// `Rsa-*` retry headers from RudderStack's) and new releases add more; a list would refuse
/// the next one, and a refused preflight loses the event for good. Reflecting grants nothing:
/// with credentials never allowed, a header cannot carry anything a page could not already
/// put in the body.
///
/// The answers are those of `tower_http`'s `CorsLayer` configured that way (any origin,
/// `POST` and `GET`, mirrored request headers, max age one hour), written out because every
/// value is a constant: `CorsLayer` keeps its configuration by value, so the per-request
/// clone of the route's service cloned and dropped it (and built its `Vary` list) on every
/// request.
pub fn ingestion_cors() -> IngestionCorsLayer {
    IngestionCorsLayer
}

/// `Vary` of every ingestion answer: the request headers a CORS answer depends on.
const CORS_VARY: &str = "origin, access-control-request-method, access-control-request-headers";
/// `Access-Control-Allow-Methods` of an ingestion preflight ([`INGESTION_METHODS`]).
const CORS_METHODS: &str = "POST,GET";
/// `Access-Control-Max-Age` of an ingestion preflight, in seconds.
const CORS_MAX_AGE_S: &str = "3600";

/// See [`ingestion_cors`].
#[derive(Debug, Clone, Copy)]
pub struct IngestionCorsLayer;

impl<S> Layer<S> for IngestionCorsLayer {
    type Service = IngestionCors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        IngestionCors { inner }
    }
}

/// See [`ingestion_cors`].
#[derive(Debug, Clone)]
pub struct IngestionCors<S> {
    inner: S,
}

/// What every ingestion answer carries: `Vary` added to the route's own, the origin set.
fn with_cors_headers<E>(response: Result<Response, E>) -> Result<Response, E> {
    response.map(|mut response| {
        let headers = response.headers_mut();
        headers.append(header::VARY, HeaderValue::from_static(CORS_VARY));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        response
    })
}

type CorsCall<F, E> = futures::future::Map<F, AnswerMap<E>>;

impl<S> Service<Request> for IngestionCors<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, CorsCall<S::Future, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        use futures::FutureExt as _;
        if req.method() == Method::OPTIONS {
            // Every OPTIONS is answered here as a preflight (refused ones were answered by
            // `ingestion_preflights` before).
            let mut response = Response::new(axum::body::Body::empty());
            let headers = response.headers_mut();
            headers.insert(header::VARY, HeaderValue::from_static(CORS_VARY));
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(CORS_METHODS),
            );
            if let Some(requested) = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
                headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
            }
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(CORS_MAX_AGE_S),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            return Either::Left(futures::future::ready(Ok(response)));
        }
        let add: AnswerMap<S::Error> = with_cors_headers;
        Either::Right(self.inner.call(req).map(add))
    }
}

/// The `CorsLayer` [`ingestion_cors`] stands for, for the test that holds the two equal.
#[cfg(test)]
fn ingestion_cors_reference() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods(INGESTION_METHODS)
        .allow_headers(tower_http::cors::AllowHeaders::mirror_request())
        .max_age(Duration::from_secs(3600))
}

/// What the ingestion routes answer cross-origin: `POST` for events, `GET` for the settings
/// documents the browser SDKs load first.
const INGESTION_METHODS: [Method; 2] = [Method::POST, Method::GET];

/// Why a preflight was refused (the `reason` label of `shoptrail_cors_preflights_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Refusal {
    /// `Access-Control-Request-Method` is missing or not one the routes answer.
    Method,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Self::Method => "method_not_allowed",
        }
    }
}

/// Distinct origin and reason pairs logged so far are bounded: a page cannot grow memory by
/// inventing origins.
const MAX_LOGGED_REFUSALS: usize = 1024;

/// Answers preflights of the ingestion routes that CORS would refuse with `403` (so the
/// request metrics show them, rather than a `200` the browser then ignores), counts every
/// preflight in `shoptrail_cors_preflights_total{outcome, reason}` and logs each refused
/// origin and reason once at WARN. Allowed preflights go on to [`ingestion_cors`].
pub fn ingestion_preflights()
-> GuardLayer<impl Fn(&Request) -> Option<Response> + Clone + Send + Sync + 'static> {
    let logged: Arc<Mutex<HashSet<(String, Refusal)>>> = Arc::default();
    GuardLayer::new(move |req: &Request| {
        if req.method() != Method::OPTIONS || !req.headers().contains_key(header::ORIGIN) {
            return None;
        }
        let Some(refusal) = preflight_refusal(req.headers()) else {
            metrics::counter!(PREFLIGHTS, "outcome" => "allowed", "reason" => "").increment(1);
            return None;
        };
        metrics::counter!(PREFLIGHTS, "outcome" => "refused", "reason" => refusal.as_str())
            .increment(1);
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(not ascii)")
            .to_owned();
        let first = logged.lock().is_ok_and(|mut seen| {
            seen.len() < MAX_LOGGED_REFUSALS && seen.insert((origin.clone(), refusal))
        });
        if first {
            let requested = req
                .headers()
                .get(header::ACCESS_CONTROL_REQUEST_METHOD)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            warn!(
                origin = %origin,
                reason = refusal.as_str(),
                requested_method = %requested,
                path = req.uri().path(),
                "CORS preflight refused (logged once per origin and reason)."
            );
        }
        let body = serde_json::json!({
            "code": "cors_refused",
            "message": format!("preflight refused: {}", refusal.as_str()),
        });
        Some((StatusCode::FORBIDDEN, axum::Json(body)).into_response())
    })
}

/// The counter of ingestion preflights by outcome and reason.
pub const PREFLIGHTS: &str = "shoptrail_cors_preflights_total";

fn preflight_refusal(headers: &HeaderMap) -> Option<Refusal> {
    let method = headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| Method::from_bytes(v.as_bytes()).ok());
    match method {
        Some(m) if INGESTION_METHODS.contains(&m) => None,
        _ => Some(Refusal::Method),
    }
}

/// Console routes: only the configured console origins, with credentials (the session
/// cookie). With none configured, no CORS headers at all: same-origin only.
pub fn console_cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_credentials(true)
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([header::CONTENT_TYPE])
            .max_age(Duration::from_secs(3600)),
    )
}

/// A response header set unless the route set its own.
type SetHeader = SetResponseHeaderLayer<HeaderValue>;

fn if_not_present(name: HeaderName, value: &'static str) -> SetHeader {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// `X-Content-Type-Options`, `X-Frame-Options` and `Referrer-Policy` on everything.
pub fn common_headers() -> (SetHeader, SetHeader, SetHeader) {
    (
        if_not_present(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        if_not_present(header::X_FRAME_OPTIONS, "DENY"),
        if_not_present(header::REFERRER_POLICY, "no-referrer"),
    )
}

/// API answers are data, never pages: a CSP that lets nothing run or embed them.
/// (Not on `/docs`, whose Swagger UI needs its scripts.)
pub fn api_csp() -> SetHeader {
    if_not_present(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'; sandbox",
    )
}

/// Console answers hold personal data and session state: never cache them.
pub fn no_store() -> SetHeader {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// Console requests that change something must come from the console itself: a browser on
/// another site (a sibling subdomain included) could otherwise make a signed-in member's
/// browser rotate a write key or cancel a job, with `SameSite=Lax` as the only guard.
///
/// The rule, for POST, PATCH, PUT and DELETE: with `Sec-Fetch-Site`, it must be
/// `same-origin` or `none`; otherwise with `Origin`, it must be the request's own origin (its
/// `Host`). Either way a configured `server.console_origins` entry is accepted too. Requests
/// with neither header do not come from a browser and pass (no cookie rides along without
/// one). Refused: `403 {"code": "cross_site_request"}`.
pub fn same_origin_writes(
    console_origins: &[String],
) -> GuardLayer<impl Fn(&Request) -> Option<Response> + Clone + Send + Sync + 'static> {
    let allowed: Arc<Vec<String>> = Arc::new(console_origins.to_vec());
    GuardLayer::new(move |req: &Request| {
        is_cross_site_write(req, &allowed).then(|| {
            let body = serde_json::json!({
                "code": "cross_site_request",
                "message": "changes are only accepted from the console's own origin",
            });
            (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
        })
    })
}

fn is_cross_site_write(req: &Request, allowed: &[String]) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let headers = req.headers();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if origin.is_some_and(|o| allowed.iter().any(|a| a == o)) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = origin else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    !(origin_host.is_some() && origin_host == host)
}

/// Refuses requests whose header names and values exceed `max` bytes in total (431).
pub fn limit_headers(
    max: usize,
) -> GuardLayer<impl Fn(&Request) -> Option<Response> + Clone + Send + Sync + 'static> {
    GuardLayer::new(move |req: &Request| {
        let size: usize = req
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        (size > max).then(|| {
            let body = serde_json::json!({
                "code": "headers_too_large",
                "message": format!("request headers exceed {max} bytes"),
            });
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                axum::Json(body),
            )
                .into_response()
        })
    })
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use axum::body::Body;
    use tower::ServiceExt as _;

    use super::*;

    async fn answer<L>(layer: L, req: Request) -> (StatusCode, Vec<(String, String)>)
    where
        L: Layer<
            tower::util::ServiceFn<
                fn(Request) -> futures::future::Ready<Result<Response, Infallible>>,
            >,
        >,
        L::Service: Service<Request, Response = Response, Error = Infallible>,
    {
        let inner: fn(Request) -> futures::future::Ready<Result<Response, Infallible>> = |_| {
            let mut r = Response::new(Body::empty());
            r.headers_mut()
                .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            futures::future::ready(Ok(r))
        };
        let response = layer
            .layer(tower::service_fn(inner))
            .oneshot(req)
            .await
            .expect("infallible");
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().expect("ascii").to_owned()))
            .collect();
        headers.sort();
        (response.status(), headers)
    }

    fn request(method: Method, headers: &[(&'static str, &'static str)]) -> Request {
        let mut req = Request::builder()
            .method(method)
            .uri("/v1/events")
            .body(Body::empty())
            .expect("request");
        for (k, v) in headers {
            req.headers_mut().append(*k, HeaderValue::from_static(v));
        }
        req
    }

    #[tokio::test]
    async fn ingestion_cors_answers_as_the_cors_layer_it_replaces() {
        let cases = [
            (Method::POST, vec![("origin", "https://shop.example")]),
            (Method::POST, vec![]),
            (Method::GET, vec![("origin", "https://shop.example")]),
            (
                Method::OPTIONS,
                vec![
                    ("origin", "https://shop.example"),
                    ("access-control-request-method", "POST"),
                    (
                        "access-control-request-headers",
                        "content-type,x-retry-count",
                    ),
                ],
            ),
            (
                Method::OPTIONS,
                vec![
                    ("origin", "https://shop.example"),
                    ("access-control-request-method", "GET"),
                ],
            ),
            (Method::OPTIONS, vec![]),
        ];
        for (method, headers) in cases {
            let ours = answer(ingestion_cors(), request(method.clone(), &headers)).await;
            let reference = answer(
                ingestion_cors_reference(),
                request(method.clone(), &headers),
            )
            .await;
            assert_eq!(ours, reference, "{method} {headers:?}");
        }
    }
}
