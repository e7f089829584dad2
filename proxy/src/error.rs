//! Every error the proxy answers, in the Closient envelope, so the widget reads one shape.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use closient_checkout_core::{ApiError, ErrorCode, FieldError};
use closient_checkout_server_common::envelope;
use std::time::Duration;

/// An error answer: the envelope plus any headers that go with it (`Retry-After`, ...).
/// Cloned when a cached balance error is answered again.
#[derive(Debug, Clone)]
pub struct AppError {
    pub error: Box<ApiError>,
    /// Boxed, like the error, to keep `Result<_, AppError>` small.
    pub headers: Box<HeaderMap>,
}

impl AppError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: Box::new(ApiError::new(code, status.as_u16(), message)),
            headers: Box::default(),
        }
    }

    pub fn validation(details: Vec<FieldError>) -> Self {
        Self {
            error: Box::new(ApiError::validation(details)),
            headers: Box::default(),
        }
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// 429 `RATE_LIMITED`, with `Retry-After` in whole seconds, rounded up.
    pub fn rate_limited(wait: Duration, message: &str) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            message,
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(secs))
    }

    pub fn upstream_unavailable(message: &str) -> Self {
        Self::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::UpstreamUnavailable,
            message,
        )
    }

    /// The envelope for a status that some layer answered without one.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::METHOD_NOT_ALLOWED => (
                ErrorCode::MethodNotAllowed,
                "This method is not allowed on this route.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                ErrorCode::PayloadTooLarge,
                "The request body is larger than 16 KiB.",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                (ErrorCode::UnsupportedMediaType, "Send application/json.")
            }
            StatusCode::NOT_FOUND => (ErrorCode::NotFound, "There is nothing here."),
            StatusCode::SERVICE_UNAVAILABLE => (
                ErrorCode::ServiceUnavailable,
                "The server is busy; try again shortly.",
            ),
            // Only an upstream's own 504 without an envelope gets here: the proxy words its
            // own deadline itself.
            StatusCode::GATEWAY_TIMEOUT => (
                ErrorCode::UpstreamTimeout,
                "The billing service did not answer in time.",
            ),
            s if s.is_server_error() => (
                ErrorCode::InternalError,
                "Something went wrong on the server.",
            ),
            _ => (ErrorCode::BadRequest, "The request could not be handled."),
        };
        Self::new(status, code, message)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = envelope::response(*self.error);
        response.headers_mut().extend(*self.headers);
        response
    }
}

/// Middleware: an error answered by axum or tower (405, 413, 503, a timeout) in plain text is
/// replaced by the envelope for its status, keeping its other headers (`Allow`, ...).
pub async fn envelope_plain_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/") || request.uri().path() == "/healthz";
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error())
        || is_json
        || (!api && status == StatusCode::NOT_FOUND)
    {
        return response;
    }
    let (parts, _) = response.into_parts();
    let mut replaced = AppError::for_status(status).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replaced.headers_mut().insert(name.clone(), value.clone());
        }
    }
    replaced
}
