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

/// `axum::extract::Path` whose rejection (a segment that is not valid UTF-8 once decoded,
/// say) is the house JSON 400, not axum's plain text.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(e: axum::extract::rejection::PathRejection) -> Self {
        ApiError::bad_request("invalid_path", e.body_text())
    }
}
