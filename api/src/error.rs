//! The one error type at the HTTP boundary: every failure maps to a status code and a JSON
//! body `{code, message}`. Internal details are logged once and never sent to clients.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::batcher::SubmitError;
use shared::storage::StoreError;
use utoipa::ToSchema;

use crate::routes::events::EventResult;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// Every event of an ingestion request was refused; the per-event reasons go back.
    #[error("all {} events were rejected", results.len())]
    AllRejected { results: Vec<EventResult> },
    #[error("{0}")]
    NotFound(String),
    /// No valid session or write key. The message never says which part was wrong.
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// Signed in, but the role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A rate limit was hit; retry after the given seconds.
    #[error("too many requests; retry in {retry_after_s} s")]
    TooManyRequests { retry_after_s: u64 },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Back off and retry: queue full, store failing, shutting down, or request timed out.
    /// `retry_after_s` of `None` means the configured `batcher.retry_after_s`, which
    /// [`crate::middleware::retry_after`] fills in.
    #[error("{message}")]
    Unavailable {
        code: &'static str,
        message: String,
        retry_after_s: Option<u64>,
    },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// Error body of every 4xx/5xx answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable error code.
    #[schema(example = "invalid_json")]
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// Per-event outcomes, when an ingestion request was refused as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<EventResult>>,
}

impl ApiError {
    /// 401 for a missing, expired or unknown session.
    pub fn unauthenticated() -> Self {
        Self::Unauthorized {
            code: "unauthenticated",
            message: "sign in first".to_owned(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn from_submit(e: SubmitError, retry_after_s: u64) -> Self {
        let (code, message) = match &e {
            SubmitError::QueueFull => ("overloaded", "ingestion is over capacity; retry later"),
            SubmitError::Closed => ("shutting_down", "the server is shutting down; retry later"),
            SubmitError::Store(detail) => {
                tracing::warn!(error = %detail, "Events not stored: the batch failed.");
                (
                    "store_unavailable",
                    "events could not be stored; retry later",
                )
            }
        };
        Self::Unavailable {
            code,
            message: message.to_owned(),
            retry_after_s: Some(retry_after_s),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidCursor => Self::bad_request("invalid_cursor", "cursor is not valid"),
            StoreError::Invalid(message) => Self::bad_request("invalid_input", message),
            StoreError::Conflict(message) => Self::Conflict {
                code: "conflict",
                message,
            },
            StoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "Store unavailable.");
                Self::Unavailable {
                    code: "store_unavailable",
                    message: "the store is unavailable; retry later".into(),
                    retry_after_s: None,
                }
            }
            StoreError::Internal(detail) => Self::Internal(anyhow::anyhow!(detail)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, results, retry_after) = match &self {
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, *code, None, None),
            Self::AllRejected { results } => (
                StatusCode::BAD_REQUEST,
                "invalid_events",
                Some(results.clone()),
                None,
            ),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None, None),
            Self::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, *code, None, None),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None, None),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, *code, None, None),
            Self::TooManyRequests { retry_after_s } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                None,
                Some(*retry_after_s),
            ),
            Self::PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                None,
                None,
            ),
            Self::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
                None,
            ),
            Self::Unavailable {
                code,
                retry_after_s,
                ..
            } => (StatusCode::SERVICE_UNAVAILABLE, *code, None, *retry_after_s),
            Self::Internal(e) => {
                tracing::error!(error = ?e, "Request failed.");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None, None)
            }
        };
        let body = ErrorBody {
            code: code.to_owned(),
            message: self.to_string(),
            results,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(s) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response
    }
}
