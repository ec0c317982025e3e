//! Browser-facing hardening: CORS per route group, security headers on every response,
//! and a bound on request header size.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tracing::warn;

use crate::state::AppState;

/// Ingestion is called from any shop's pages: any origin, no credentials (the write key
/// travels in a header, the body or Basic auth, never in a cookie).
///
/// Requested headers are reflected rather than listed. The browser SDKs add headers of their
/// own (`X-Retry-Count` from analytics-next on every retry; `AnonymousId`, `SentAt` and the
/// `Rsa-*` retry headers from RudderStack's) and new releases add more; a list would refuse
/// the next one, and a refused preflight loses the event for good. Reflecting grants nothing:
/// with credentials never allowed, a header cannot carry anything a page could not already
/// put in the body.
pub fn ingestion_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods(INGESTION_METHODS)
        .allow_headers(AllowHeaders::mirror_request())
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
pub fn ingestion_preflights(router: Router<AppState>) -> Router<AppState> {
    let logged: Arc<Mutex<HashSet<(String, Refusal)>>> = Arc::default();
    router.layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let logged = logged.clone();
            async move {
                if req.method() != Method::OPTIONS || !req.headers().contains_key(header::ORIGIN) {
                    return next.run(req).await;
                }
                let Some(refusal) = preflight_refusal(req.headers()) else {
                    metrics::counter!(PREFLIGHTS, "outcome" => "allowed", "reason" => "")
                        .increment(1);
                    return next.run(req).await;
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
                (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
            }
        },
    ))
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

/// `X-Content-Type-Options`, `X-Frame-Options` and `Referrer-Policy` on everything.
pub fn common_headers(router: Router) -> Router {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

/// API answers are data, never pages: a CSP that lets nothing run or embed them.
/// (Not on `/docs`, whose Swagger UI needs its scripts.)
pub fn api_csp(router: Router<AppState>) -> Router<AppState> {
    router.layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox"),
    ))
}

/// Console answers hold personal data and session state: never cache them.
pub fn no_store(router: Router<AppState>) -> Router<AppState> {
    router.layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
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
    router: Router<AppState>,
    console_origins: &[String],
) -> Router<AppState> {
    let allowed: std::sync::Arc<Vec<String>> = std::sync::Arc::new(console_origins.to_vec());
    router.layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let allowed = allowed.clone();
            async move {
                if is_cross_site_write(&req, &allowed) {
                    let body = serde_json::json!({
                        "code": "cross_site_request",
                        "message": "changes are only accepted from the console's own origin",
                    });
                    return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
                }
                next.run(req).await
            }
        },
    ))
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
pub async fn limit_headers(max: usize, req: Request, next: Next) -> Response {
    let size: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if size > max {
        let body = serde_json::json!({
            "code": "headers_too_large",
            "message": format!("request headers exceed {max} bytes"),
        });
        return (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            axum::Json(body),
        )
            .into_response();
    }
    next.run(req).await
}
