//! Calls to the Closient API: the key attached, no redirects followed, one attempt per request
//! (retrying is the widget's job), and every failure mapped to the answer the design gives it.

use crate::{
    config::Config,
    error::{self, AppError, Unavailable},
    secret::ApiKey,
};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use closient_checkout_core::{
    ApiError, BalanceResponse, CheckoutRequest, CheckoutResponse, ErrorCode, ErrorEnvelope,
    OrganizationId, OriginAllowlist, Recourse,
};
use closient_checkout_server_common::rate_limit_headers;

/// The most of an upstream answer that is read. The API's answers are a few hundred bytes; a
/// larger one is not the API's, and reading it whole would let it fill the proxy's memory.
pub const MAX_UPSTREAM_BODY_BYTES: usize = 64 * 1024;
/// How much of an upstream error is passed on to the browser: the widget shows the message,
/// and nothing the API says needs more.
pub const MAX_RELAYED_MESSAGE_CHARS: usize = 500;
pub const MAX_RELAYED_DETAILS: usize = 20;
pub const MAX_RELAYED_FIELD_CHARS: usize = 100;
pub const MAX_RELAYED_CODE_CHARS: usize = 64;

const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");
const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

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
    /// Parsed once: parsing it for every checkout cost 6% of the proxy's instructions.
    checkout_url: reqwest::Url,
    key: ApiKey,
    /// Where a checkout URL it answers may point: `--checkout-origin`.
    pub checkout_origins: OriginAllowlist,
}

impl Upstream {
    pub fn new(config: &Config) -> Result<Self, String> {
        let mut client = reqwest::Client::builder()
            // Following a redirect would send the key to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            // The base was checked at start-up; this refuses any plain-http URL all the same.
            .https_only(!config.flags.upstream.is_loopback)
            .timeout(config.flags.upstream_timeout)
            .user_agent(concat!("checkout-proxy/", env!("CARGO_PKG_VERSION")));
        // HTTP(S)_PROXY in the environment would route the key through whoever set it: only a
        // proxy given on purpose, with --upstream-proxy, is used.
        client = match &config.flags.upstream_proxy {
            Some(proxy) => client.proxy(
                reqwest::Proxy::all(&proxy.url)
                    .map_err(|_| format!("--upstream-proxy {} is not usable", proxy.shown))?,
            ),
            None => client.no_proxy(),
        };
        let client = client
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        // Paths are appended as text: `Url::join` would drop the base's last segment.
        let base = &config.flags.upstream.base;
        let checkout_url = reqwest::Url::parse(&format!("{base}/billing/checkout"))
            .map_err(|_| format!("--upstream {base} is not a URL"))?;
        Ok(Self {
            client,
            base: base.clone(),
            checkout_url,
            key: config.api_key.clone(),
            checkout_origins: config.flags.checkout_origins.iter().cloned().collect(),
        })
    }

    pub async fn create_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutResponse, AppError> {
        let body = serde_json::to_vec(request)
            .map_err(|_| AppError::Unavailable(Unavailable::Unencodable))?;
        let call = self
            .client
            .post(self.checkout_url.clone())
            .header(X_API_KEY, self.key.header_value())
            .header(CONTENT_TYPE, JSON)
            .header(ACCEPT, JSON)
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
            .header(X_API_KEY, self.key.header_value())
            .header(ACCEPT, JSON);
        self.send(call).await
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        call: reqwest::RequestBuilder,
    ) -> Result<T, AppError> {
        let mut response = call.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status();
        let recourse = Recourse::for_status(status.as_u16());
        // Only the wait of an answer to count down is passed on; the other headers are not kept.
        let relayed: Vec<(HeaderName, HeaderValue)> = if recourse == Recourse::Countdown {
            rate_limit_headers::ON_TOO_MANY_REQUESTS
                .into_iter()
                .filter_map(|name| {
                    let value = response.headers().get(&name)?.clone();
                    Some((name, value))
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? {
            if bytes.len() + chunk.len() > MAX_UPSTREAM_BODY_BYTES {
                tracing::warn!(
                    status = status.as_u16(),
                    limit = MAX_UPSTREAM_BODY_BYTES,
                    "upstream answer larger than the limit; not read further"
                );
                return Err(AppError::Unavailable(Unavailable::Unreadable));
            }
            bytes.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|_| {
                tracing::warn!(
                    status = status.as_u16(),
                    "upstream answered a success that is not the expected JSON"
                );
                AppError::Unavailable(Unavailable::Unreadable)
            });
        }
        if status.is_redirection() {
            tracing::warn!(
                status = status.as_u16(),
                "upstream answered a redirect; not followed"
            );
            return Err(AppError::Unavailable(Unavailable::Redirect));
        }
        if status == StatusCode::UNAUTHORIZED {
            tracing::error!("upstream refused the proxy's API key (401): check CLOSIENT_API_KEY");
            return Err(AppError::Unavailable(Unavailable::Refused));
        }
        // Only a forward proxy asks for its own credentials: the browser has none to give.
        if status == StatusCode::PROXY_AUTHENTICATION_REQUIRED {
            tracing::error!(
                "the upstream proxy refused the call (407): check the credentials of \
                 --upstream-proxy"
            );
            return Err(AppError::Unavailable(Unavailable::Refused));
        }
        let (error, headers) = forwarded_error(status, recourse, relayed, &bytes);
        if status == StatusCode::FORBIDDEN {
            // The key is known but may not act here: revoked, or without the BILLING role on
            // this organization. Every visitor of that organization gets this until it is fixed.
            tracing::error!(
                code = error.code.as_str(),
                "upstream refused the proxy's API key for this request (403): check the key's \
                 role on the organization"
            );
        } else {
            // The code and status only: the message may repeat what the visitor sent.
            tracing::warn!(
                status = status.as_u16(),
                code = error.code.as_str(),
                "upstream answered an error; passed on"
            );
        }
        Err(AppError::Relayed(Box::new((error, headers))))
    }
}

/// An upstream 4xx/5xx, passed on with its status and envelope, its texts cut to size, and
/// the headers that go with it.
fn forwarded_error(
    status: StatusCode,
    recourse: Recourse,
    relayed: Vec<(HeaderName, HeaderValue)>,
    body: &[u8],
) -> (ApiError, HeaderMap) {
    let mut error = match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(envelope) => truncated(envelope.error),
        Err(_) => error::for_status(status),
    };
    // The status on the wire is the one that counts.
    error.status = status.as_u16();
    if recourse == Recourse::Countdown && matches!(error.code, ErrorCode::Unknown(_)) {
        error.code = ErrorCode::RateLimited;
    }
    (error, relayed.into_iter().collect())
}

/// The error with each text at most its relayed length (a cut one ends in `…`) and at most
/// `MAX_RELAYED_DETAILS` field errors.
fn truncated(mut error: ApiError) -> ApiError {
    if let ErrorCode::Unknown(code) = &mut error.code {
        cut(code, MAX_RELAYED_CODE_CHARS);
    }
    cut(&mut error.message, MAX_RELAYED_MESSAGE_CHARS);
    if let Some(details) = &mut error.details {
        details.truncate(MAX_RELAYED_DETAILS);
        for detail in details.iter_mut() {
            cut(&mut detail.field, MAX_RELAYED_FIELD_CHARS);
            cut(&mut detail.message, MAX_RELAYED_MESSAGE_CHARS);
            // Codes name this project's rules, which the API's answers never carry: a code
            // from upstream would be words the widget does not know.
            (detail.code, detail.limit) = (None, None);
        }
    }
    error
}

fn cut(text: &mut String, max_chars: usize) {
    if text.chars().count() > max_chars {
        let end = text
            .char_indices()
            .nth(max_chars.saturating_sub(1))
            .map_or(0, |(at, _)| at);
        text.truncate(end);
        text.push('…');
    }
}

fn transport_error(error: &reqwest::Error) -> AppError {
    if error.is_timeout() {
        tracing::warn!("upstream timed out");
        AppError::UpstreamTimeout
    } else {
        // The error's text names the URL only; it never holds headers.
        tracing::warn!(error = %error, "upstream unreachable");
        AppError::Unavailable(Unavailable::Unreachable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use closient_checkout_core::FieldError;

    fn forwarded(body: &serde_json::Value) -> ApiError {
        let body = serde_json::to_vec(body).expect("JSON");
        forwarded_error(
            StatusCode::BAD_REQUEST,
            Recourse::FixInput,
            Vec::new(),
            &body,
        )
        .0
    }

    #[test]
    fn relayed_texts_are_cut_to_size() {
        let long = "é".repeat(10_000);
        let details: Vec<serde_json::Value> = (0..100)
            .map(|_| serde_json::json!({ "field": long, "message": long }))
            .collect();
        let error = forwarded(&serde_json::json!({ "error": {
            "code": "X".repeat(1_000),
            "message": long,
            "status": 400,
            "details": details,
        }}));
        assert_eq!(error.message.chars().count(), MAX_RELAYED_MESSAGE_CHARS);
        assert!(error.message.ends_with('…'));
        assert_eq!(error.code.as_str().chars().count(), MAX_RELAYED_CODE_CHARS);
        let details = error.details.expect("details");
        assert_eq!(details.len(), MAX_RELAYED_DETAILS);
        assert!(
            details
                .iter()
                .all(|d| d.field.chars().count() == MAX_RELAYED_FIELD_CHARS
                    && d.message.chars().count() == MAX_RELAYED_MESSAGE_CHARS)
        );
    }

    /// Texts within the limits are passed on as they are; a field error's code and limit, which
    /// only this project's own checks write, are not.
    #[test]
    fn texts_within_the_limits_are_passed_on_as_they_are() {
        let error = forwarded(&serde_json::json!({ "error": {
            "code": "BAD_REQUEST",
            "message": "m".repeat(MAX_RELAYED_MESSAGE_CHARS),
            "status": 400,
            "details": [{
                "field": "amount_cents", "message": "is too small",
                "code": "ABOVE_MAXIMUM", "limit": 5,
            }],
        }}));
        assert_eq!(error.message, "m".repeat(MAX_RELAYED_MESSAGE_CHARS));
        assert_eq!(error.code, ErrorCode::BadRequest);
        assert_eq!(
            error.details,
            Some(vec![FieldError::new("amount_cents", "is too small")])
        );
    }
}
