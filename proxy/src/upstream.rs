//! Calls to the Closient API: the key attached, no redirects followed, one attempt per request
//! (retrying is the widget's job), and every failure mapped to the answer the design gives it.

use crate::{error::AppError, secret::ApiKey};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use closient_checkout_core::{
    BalanceResponse, CheckoutRequest, CheckoutResponse, ErrorCode, ErrorEnvelope, OrganizationId,
};
use closient_checkout_server_common::rate_limit_headers;
use std::time::Duration;

const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// `answer` with `Server-Timing: upstream;dur=<ms>`, the time its upstream call took, so that an
/// operator, or a page through the Resource Timing API, can tell the Closient API's time from
/// the proxy's own. Same-origin pages read it without `Timing-Allow-Origin`.
pub fn with_server_timing(answer: impl IntoResponse, upstream: std::time::Duration) -> Response {
    let mut response = answer.into_response();
    let metric = format!("upstream;dur={:.3}", upstream.as_secs_f64() * 1000.0);
    // Only ASCII digits and punctuation: the conversion cannot fail.
    if let Ok(value) = HeaderValue::try_from(metric) {
        response.headers_mut().insert(SERVER_TIMING, value);
    }
    response
}

#[derive(Debug, Clone)]
pub struct Upstream {
    client: reqwest::Client,
    base: String,
    key: ApiKey,
}

impl Upstream {
    pub fn new(base: &str, key: ApiKey, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            // Following a redirect would send the key to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent(concat!("checkout-proxy/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            client,
            base: base.to_owned(),
            key,
        })
    }

    pub async fn create_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutResponse, AppError> {
        let body = serde_json::to_vec(request)
            .map_err(|_| AppError::upstream_unavailable("Could not encode the request."))?;
        // Paths are appended as text: `Url::join` would drop the base's last segment.
        let call = self
            .client
            .post(format!("{}/billing/checkout", self.base))
            .header("X-API-Key", self.key.header_value())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .body(body);
        self.send(call).await
    }

    pub async fn balance(
        &self,
        organization: &OrganizationId,
    ) -> Result<BalanceResponse, AppError> {
        let call = self
            .client
            .get(format!("{}/billing/balance/{organization}", self.base))
            .header("X-API-Key", self.key.header_value())
            .header("Accept", "application/json");
        self.send(call).await
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        call: reqwest::RequestBuilder,
    ) -> Result<T, AppError> {
        let response = call.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(|e| transport_error(&e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|_| {
                tracing::warn!(
                    status = status.as_u16(),
                    "upstream answered a success that is not the expected JSON"
                );
                AppError::upstream_unavailable(
                    "The billing service gave an answer that could not be read.",
                )
            });
        }
        if status.is_redirection() {
            tracing::warn!(
                status = status.as_u16(),
                "upstream answered a redirect; not followed"
            );
            return Err(AppError::upstream_unavailable(
                "The billing service answered with a redirect.",
            ));
        }
        if status == StatusCode::UNAUTHORIZED {
            tracing::error!("upstream refused the proxy's API key (401): check CLOSIENT_API_KEY");
            return Err(AppError::upstream_unavailable(
                "The billing service is not available right now.",
            ));
        }
        Err(forwarded_error(status, &headers, &bytes))
    }
}

/// An upstream 4xx/5xx, passed on with its status and envelope.
fn forwarded_error(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> AppError {
    let mut error = match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(envelope) => AppError {
            error: Box::new(envelope.error),
            headers: Box::default(),
        },
        Err(_) => AppError::for_status(status),
    };
    // The status on the wire is the one that counts.
    error.error.status = status.as_u16();
    if status == StatusCode::TOO_MANY_REQUESTS {
        if matches!(error.error.code, ErrorCode::Unknown(_)) {
            error.error.code = ErrorCode::RateLimited;
        }
        for name in rate_limit_headers::ON_TOO_MANY_REQUESTS {
            if let Some(value) = headers.get(&name).cloned() {
                error = error.with_header(name, value);
            }
        }
    }
    error
}

fn transport_error(error: &reqwest::Error) -> AppError {
    if error.is_timeout() {
        tracing::warn!("upstream timed out");
        AppError::new(
            StatusCode::GATEWAY_TIMEOUT,
            ErrorCode::UpstreamTimeout,
            "The billing service did not answer in time.",
        )
    } else {
        // The error's text names the URL only; it never holds headers.
        tracing::warn!(error = %error, "upstream unreachable");
        AppError::upstream_unavailable("The billing service could not be reached.")
    }
}
