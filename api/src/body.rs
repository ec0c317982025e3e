//! Request bodies for ingestion: size limits before and after gzip decompression, so a
//! small compressed body cannot expand into unbounded memory.

use std::io::Read;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::extract::rejection::BytesRejection;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};

use crate::error::ApiError;

/// The request's `Content-Encoding`, extracted alone: a `HeaderMap` extractor would clone
/// every header of every request for this one value.
pub struct ContentEncoding(Option<HeaderValue>);

impl<S: Send + Sync> FromRequestParts<S> for ContentEncoding {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.headers.get(header::CONTENT_ENCODING).cloned()))
    }
}

/// Returns the (decompressed) body, at most `limit` bytes.
pub fn decode(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<Bytes, ApiError> {
    decode_encoded(
        &ContentEncoding(headers.get(header::CONTENT_ENCODING).cloned()),
        body,
        limit,
    )
}

/// [`decode`] with the `Content-Encoding` already extracted.
pub fn decode_encoded(
    encoding: &ContentEncoding,
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let too_large = || ApiError::PayloadTooLarge(format!("request body exceeds {limit} bytes"));
    let body = body.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::bad_request("invalid_body", e.body_text())
        }
    })?;
    let encoding = encoding
        .0
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase());
    match encoding.as_deref() {
        None | Some("" | "identity") => Ok(body),
        Some("gzip" | "x-gzip") => {
            let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
            flate2::read::MultiGzDecoder::new(&body[..])
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| {
                    ApiError::bad_request("invalid_gzip", format!("body is not valid gzip: {e}"))
                })?;
            if out.len() > limit {
                return Err(ApiError::PayloadTooLarge(format!(
                    "decompressed body exceeds {limit} bytes"
                )));
            }
            Ok(Bytes::from(out))
        }
        Some(other) => Err(ApiError::UnsupportedMediaType(format!(
            "Content-Encoding {other:?} is not supported; use gzip or none"
        ))),
    }
}
