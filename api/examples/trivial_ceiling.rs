//! The trivial ceiling for `scripts/bench` (bench-only, not part of the product): a bare axum
//! server that parses the same bodies as `POST /v1/events` into the same typed events and
//! answers with a count, with no authentication, middleware, validation or storage. Every
//! figure `scripts/bench` prints is also given as a ratio to this server's, measured in the
//! same run on the same machine.
//!
//! Usage: `trivial_ceiling PORT` (listens on 127.0.0.1).

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::value::RawValue;
use shared::event::IncomingEvent;

// The same allocator as the api binary, so the ratio measures our request path, not malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn parse(body: Bytes) -> Response {
    let Ok(text) = std::str::from_utf8(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let items: Vec<&RawValue> = match text.trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str(text).unwrap_or_default(),
        _ => serde_json::from_str::<&RawValue>(text).map_or_else(|_| Vec::new(), |v| vec![v]),
    };
    let accepted = items
        .iter()
        .filter(|raw| serde_json::from_str::<IncomingEvent>(raw.get()).is_ok())
        .count();
    let status = if accepted == 0 {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::ACCEPTED
    };
    (status, format!("{{\"accepted\":{accepted}}}")).into_response()
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(18090);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, Router::new().route("/", post(parse))).await
}
