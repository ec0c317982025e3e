//! Serves the built web console (`frontend/dist`) at `/`: its files, and `index.html` for any
//! other non-API path so the single-page app's own routes load on refresh. Routes registered
//! explicitly always win over this fallback; unknown `/v1/*` paths stay JSON 404s. The build
//! writes a `.br` and a `.gz` beside each text file; those are sent to clients that accept
//! them (`Vary: Accept-Encoding`), so nothing is compressed per request.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};
use tracing::{info, warn};

use crate::error::ApiError;

/// The console's pages may run only their own scripts and styles (the build emits no
/// inline script) and talk only to this origin.
const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// Hashed build assets never change under one name; everything else is revalidated.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

fn is_api(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

async fn api_not_found(req: Request) -> Response {
    ApiError::NotFound(format!("no route {} {}", req.method(), req.uri().path())).into_response()
}

/// Adds the fallback: the console from `dir` when it holds a build, JSON 404s otherwise.
pub fn serve(router: Router, dir: &Path) -> Router {
    if dir.as_os_str().is_empty() {
        info!("Web console off (server.console_dir is empty).");
        return router.fallback(api_not_found);
    }
    let index = dir.join("index.html");
    if !index.is_file() {
        warn!(
            console_dir = %dir.display(),
            "No built web console there (index.html missing); not serving it. Build it with `npm ci && npm run build` in frontend/."
        );
        return router.fallback(api_not_found);
    }
    info!(console_dir = %dir.display(), "Serving the web console at /.");
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    router.fallback(move |req: Request| {
        let files = files.clone();
        async move {
            let path = req.uri().path().to_owned();
            if is_api(&path) {
                return api_not_found(req).await;
            }
            let mut res = match files.oneshot(req).await {
                Ok(res) => res.into_response(),
                Err(never) => match never {},
            };
            let cache = if path.starts_with("/assets/") && res.status().is_success() {
                IMMUTABLE
            } else {
                REVALIDATE
            };
            let headers = res.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            // The same URL answers differently by Accept-Encoding: caches must key on it.
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONSOLE_CSP),
            );
            res
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_v1_paths_are_api_paths() {
        assert!(is_api("/v1"));
        assert!(is_api("/v1/nope"));
        assert!(!is_api("/v1x"));
        assert!(!is_api("/users/u1"));
    }
}
