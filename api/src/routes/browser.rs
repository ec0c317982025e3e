//! What the browser SDKs load before they send an event, so that a shop switches by changing
//! one host name: Segment analytics-next's settings document
//! (`GET /v1/projects/{writeKey}/settings`), its standalone bundle and chunks (what the
//! official snippet loads), the metrics it posts (`POST /v1/m`, accepted and dropped), and
//! RudderStack's source configuration (`GET /sourceConfig/`). Events themselves go to the
//! Segment routes (`routes::segment`).

use std::path::{Path, PathBuf};

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;
use tower::ServiceExt as _;
use tower_http::services::ServeDir;
use tracing::{info, warn};
use utoipa::IntoParams;

use crate::auth::write_keys::{self, WriteKeyAuth};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The settings documents change when a key is revoked; browsers and CDNs may keep them
/// this long.
const SETTINGS_CACHE: &str = "public, max-age=300";

/// Where analytics-next's files sit under `server.browser_sdk_dir`.
const ANALYTICS_NEXT_DIR: &str = "analytics-next";

/// The settings document of a write key, in the shape analytics-next reads: its
/// `Segment.io` integration points the library at this host (`apiHost`, `protocol`), with the
/// key as `apiKey` (the library puts it in every event body). No destinations, no remote
/// plugins, no remote metrics.
///
/// Unknown or revoked key: 404, as Segment's CDN answers, and the library loads nothing.
#[utoipa::path(
    get,
    path = "/v1/projects/{writeKey}/settings",
    tag = "segment",
    params(("writeKey" = String, Path, description = "The write key, as in the snippet")),
    responses(
        (status = 200, description = "Settings for analytics-next (cacheable for 5 minutes)", body = Object),
        (status = 404, description = "Unknown or revoked write key", body = ErrorBody),
    )
)]
pub async fn segment_settings(
    State(state): State<AppState>,
    UrlPath(write_key): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    match WriteKeyAuth::verify(&state, Some(write_key.clone())).await {
        Ok(_) => {}
        Err(ApiError::Unauthorized { .. }) => {
            return Err(ApiError::NotFound("no such write key".to_owned()));
        }
        Err(e) => return Err(e),
    }
    let (protocol, host) = public_base(&state.settings.server.public_url, &headers);
    let api_host = format!("{host}/v1");
    let body = json!({
        "integrations": {
            "Segment.io": {
                "apiKey": write_key,
                "apiHost": api_host,
                "protocol": protocol,
                "unbundledIntegrations": [],
                "addBundledMetadata": true,
                "maybeBundledConfigIds": {},
            }
        },
        "plan": {
            "track": {"__default": {"enabled": true, "integrations": {}}},
            "identify": {"__default": {"enabled": true}},
            "group": {"__default": {"enabled": true}},
        },
        "edgeFunction": {},
        "analyticsNextEnabled": true,
        "middlewareSettings": {},
        "enabledMiddleware": {},
        "metrics": {"sampleRate": 0, "host": api_host},
        "legacyVideoPluginsEnabled": false,
        "remotePlugins": [],
    });
    let mut response = cacheable(Json(body).into_response());
    if state.settings.server.public_url.is_empty() {
        // The document names the host it was asked on.
        response.headers_mut().insert(
            header::VARY,
            HeaderValue::from_static("Host, X-Forwarded-Proto"),
        );
    }
    Ok(response)
}

/// The query RudderStack's SDK adds to its configuration request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SourceConfigQuery {
    /// The write key, when not sent by HTTP Basic.
    #[serde(rename = "writeKey")]
    #[param(rename = "writeKey")]
    write_key: Option<String>,
}

/// The source configuration @rudderstack/analytics-js v3 loads before it sends anything
/// (`configUrl` pointed at this host): an enabled source with no device-mode destinations
/// and the SDK's own error and metrics reporting off.
///
/// Write key by HTTP Basic (what the SDK sends), else the `writeKey` query parameter.
#[utoipa::path(
    get,
    path = "/sourceConfig/",
    tag = "segment",
    security(("writeKeyBasic" = [])),
    params(SourceConfigQuery),
    responses(
        (status = 200, description = "The source's configuration (cacheable for 5 minutes)", body = Object),
        (status = 401, description = "Missing, unknown or revoked write key", body = ErrorBody),
    )
)]
pub async fn rudderstack_source_config(
    State(state): State<AppState>,
    Query(query): Query<SourceConfigQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let secret = write_keys::presented(&headers).or(query.write_key);
    let key = WriteKeyAuth::verify(&state, secret).await?;
    let body = json!({
        "isHosted": false,
        "source": {
            "id": key.key_id,
            "name": key.source,
            "enabled": true,
            "workspaceId": "shoptrail",
            "config": {
                "statsCollection": {
                    "errors": {"enabled": false},
                    "metrics": {"enabled": false},
                }
            },
            "destinations": [],
        }
    });
    let mut response = cacheable(Json(body).into_response());
    // The answer depends on the Authorization header.
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Authorization"));
    Ok(response)
}

/// analytics-next's own delivery metrics (`POST /v1/m`): accepted and dropped, so the
/// library sees no error. Shoptrail's metrics are on `/metrics`.
#[utoipa::path(
    post,
    path = "/v1/m",
    tag = "segment",
    responses((status = 204, description = "Accepted and dropped"))
)]
pub async fn segment_metrics() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// `(protocol, host[/prefix])` of this API as browsers reach it: `server.public_url` when
/// set, else the request's `Host` and `X-Forwarded-Proto` (set by the load balancer that
/// terminates TLS; plain HTTP without one).
fn public_base(public_url: &str, headers: &HeaderMap) -> (String, String) {
    if let Some((protocol, rest)) = public_url.trim().split_once("://") {
        return (protocol.to_owned(), rest.trim_end_matches('/').to_owned());
    }
    let protocol = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|p| matches!(*p, "http" | "https"))
        .unwrap_or("http");
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    (protocol.to_owned(), host.to_owned())
}

fn cacheable(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(SETTINGS_CACHE),
    );
    response
}

/// The settings and configuration routes: credential-less, any origin (mounted with the
/// ingestion routes and their CORS).
pub fn sdk_config_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(segment_settings))
        .routes(routes!(rudderstack_source_config))
        .routes(routes!(segment_metrics))
}

/// analytics-next's standalone bundle where the official snippet loads it
/// (`/analytics.js/v1/{writeKey}/analytics.min.js`) and its chunks where the bundle asks for
/// them (`/analytics-next/bundles/{file}`), from `server.browser_sdk_dir`. Static files: no
/// key check (the snippet carries the key; the settings request checks it).
pub fn bundles(dir: &Path) -> Router<AppState> {
    let dir: PathBuf = dir.join(ANALYTICS_NEXT_DIR);
    let standalone = dir.join("standalone.js");
    if dir.as_os_str().is_empty() || !standalone.is_file() {
        warn!(
            browser_sdk_dir = %dir.display(),
            "No analytics-next bundle there; the Segment snippet cannot load it from this host. Build it with `npm ci && npm run bundle` in compat/browser/."
        );
        return Router::new();
    }
    info!(browser_sdk_dir = %dir.display(), "Serving the analytics-next bundle.");
    let files = ServeDir::new(dir);
    let chunks = files.clone();
    Router::new()
        .route(
            "/analytics.js/v1/{write_key}/analytics.min.js",
            get(move |req: Request| {
                let files = files.clone();
                async move { serve_file(files, "/standalone.js", req, STANDALONE_CACHE).await }
            }),
        )
        .route(
            "/analytics-next/bundles/{file}",
            get(move |UrlPath(file): UrlPath<String>, req: Request| {
                let files = chunks.clone();
                async move {
                    // Chunk names carry their content hash.
                    serve_file(files, &format!("/{file}"), req, CHUNK_CACHE).await
                }
            }),
        )
}

/// The bundle's name stays the same across versions: revalidated.
const STANDALONE_CACHE: &str = "public, max-age=300";
const CHUNK_CACHE: &str = "public, max-age=31536000, immutable";

async fn serve_file(files: ServeDir, path: &str, req: Request, cache: &'static str) -> Response {
    let (mut parts, body) = req.into_parts();
    let Ok(uri) = path.parse() else {
        return ApiError::NotFound("no such file".to_owned()).into_response();
    };
    parts.uri = uri;
    let mut response = match files.oneshot(Request::from_parts(parts, body)).await {
        Ok(r) => r.into_response(),
        Err(never) => match never {},
    };
    if response.status().is_success() {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    response
}
