//! Errors as InfluxDB answers them: a JSON body `{"code","message"}`, the status that
//! goes with the code, and the header `X-Platform-Error-Code`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An error answer of the HTTP API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// InfluxDB's code, such as `invalid` or `not found`.
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
}

impl ApiError {
    fn new(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    /// 400 `invalid`.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new("invalid", message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized() -> ApiError {
        ApiError::new("unauthorized", "unauthorized access")
    }

    /// 401 `unauthorized` for a token that lacks `permission` on the management API:
    /// InfluxDB's `"<permission> is unauthorized"`.
    pub fn unauthorized_to(permission: &crate::meta::Permission) -> ApiError {
        ApiError::new("unauthorized", format!("{permission} is unauthorized"))
    }

    /// 408 `request timeout`: the request body stopped arriving.
    pub fn request_timeout(message: impl Into<String>) -> ApiError {
        ApiError::new("request timeout", message)
    }

    /// 403 `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new("forbidden", message)
    }

    /// 404 `not found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new("not found", message)
    }

    /// 422 `conflict`.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new("conflict", message)
    }

    /// 422 `unprocessable entity`.
    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new("unprocessable entity", message)
    }

    /// 413 `request too large`.
    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new("request too large", message)
    }

    /// 405 `method not allowed`.
    pub fn method_not_allowed(message: impl Into<String>) -> ApiError {
        ApiError::new("method not allowed", message)
    }

    /// 500 `internal error`.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new("internal error", message)
    }

    /// 501 `not implemented`.
    pub fn not_implemented(message: impl Into<String>) -> ApiError {
        ApiError::new("not implemented", message)
    }

    /// 503 `unavailable`.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new("unavailable", message)
    }

    /// The HTTP status of the code.
    pub fn status(&self) -> StatusCode {
        match self.code {
            "invalid" | "empty value" => StatusCode::BAD_REQUEST,
            "unauthorized" => StatusCode::UNAUTHORIZED,
            "forbidden" => StatusCode::FORBIDDEN,
            "not found" => StatusCode::NOT_FOUND,
            "method not allowed" => StatusCode::METHOD_NOT_ALLOWED,
            "conflict" | "unprocessable entity" => StatusCode::UNPROCESSABLE_ENTITY,
            "request too large" => StatusCode::PAYLOAD_TOO_LARGE,
            "request timeout" => StatusCode::REQUEST_TIMEOUT,
            "too many requests" => StatusCode::TOO_MANY_REQUESTS,
            "not implemented" => StatusCode::NOT_IMPLEMENTED,
            "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        serde_json::json!({"code": self.code, "message": self.message}).to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status(), self.body()).into_response();
        let h = r.headers_mut();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        h.insert("x-platform-error-code", HeaderValue::from_static(self.code));
        r
    }
}
