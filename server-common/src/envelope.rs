//! The Closient error envelope, `{"error":{code,message,status,details}}`, as an axum answer
//! whose HTTP status is the envelope's own.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use closient_checkout_core::{ApiError, ErrorCode};

/// The error in its envelope, sent with its status (500 if that is not a valid status). The
/// code also rides in the response's extensions, for the request's log line.
pub fn response(error: ApiError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = error.code.clone();
    let mut response = (status, Json(error.into_envelope())).into_response();
    response.extensions_mut().insert(code);
    response
}

/// An envelope without field details.
pub fn error(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Response {
    response(ApiError::new(code, status.as_u16(), message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;
    use closient_checkout_core::{ErrorEnvelope, FieldError};

    async fn read(response: Response) -> (StatusCode, String, ErrorEnvelope) {
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        let envelope = serde_json::from_slice(&body).expect("an envelope");
        (status, content_type, envelope)
    }

    #[tokio::test]
    async fn the_answer_carries_the_envelope_and_its_status() {
        let (status, content_type, envelope) = read(error(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "Slow down.",
        ))
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(content_type, "application/json");
        assert_eq!(envelope.error.code, ErrorCode::RateLimited);
        assert_eq!(
            (envelope.error.status, envelope.error.message.as_str()),
            (429, "Slow down.")
        );

        let details = vec![FieldError::new("amount_cents", "is required")];
        let (status, _, envelope) = read(response(ApiError::validation(details.clone()))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(envelope.error.details, Some(details));
    }

    #[tokio::test]
    async fn a_status_that_is_no_status_answers_500() {
        let (status, _, envelope) =
            read(response(ApiError::new(ErrorCode::InternalError, 1000, "x"))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(envelope.error.status, 1000);
    }
}
