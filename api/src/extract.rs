//! Request-body parsing every console route shares: a JSON body turned into the house 400
//! instead of axum's plain-text rejection.

use axum::Json;
use axum::extract::rejection::JsonRejection;

use crate::error::ApiError;

/// Parses a JSON body, turning rejections into our error shape.
pub fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v)
        .map_err(|e| ApiError::bad_request("invalid_body", e.body_text()))
}
