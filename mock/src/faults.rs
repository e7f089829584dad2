//! Injected faults: the ways the real API or the network between can misbehave, queued per
//! route and used up one per request.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use closient_checkout_core::ErrorCode;
use closient_checkout_server_common::envelope;
use closient_checkout_server_common::serve::CloseUnanswered;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum Fault {
    /// `rate_limited:SECS`: 429 `RATE_LIMITED` with `Retry-After: SECS`.
    RateLimited { retry_after_secs: u64 },
    /// `server_error`: 500 `INTERNAL_ERROR`.
    ServerError,
    /// `unavailable`: 503 `SERVICE_UNAVAILABLE`.
    Unavailable,
    /// `slow:MILLIS`: waits, then answers normally.
    Slow(Duration),
    /// `drop`: the connection is closed with no answer at all.
    Drop,
    /// `garbage`: 200 with an HTML body.
    Garbage,
    /// `foreign_url`: 200 with a `checkout_url` on another origin.
    ForeignUrl,
    /// `redirect`: 302 to `/elsewhere` on the mock's origin.
    Redirect,
    /// `unauthorized`: 401 `UNAUTHORIZED` even with the right key.
    Unauthorized,
    /// `forbidden`: 403 `FORBIDDEN`, as for a key without the BILLING role on the organization.
    Forbidden,
    /// `oversized`: 200 with a checkout body on the mock's origin, padded with a field to
    /// `OVERSIZED_BYTES`: well formed, and far larger than any answer of the real API.
    Oversized,
}

/// The length of the `oversized` fault's body.
pub const OVERSIZED_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultParseError {
    input: String,
}

/// What a fault does to the request that uses it up.
#[derive(Debug)]
pub(crate) enum Effect {
    Answer(Response),
    Delay(Duration),
}

impl Fault {
    pub(crate) fn effect(&self, origin: &str) -> Effect {
        Effect::Answer(match self {
            Self::Slow(delay) => return Effect::Delay(*delay),
            Self::RateLimited { retry_after_secs } => {
                let mut response = envelope::error(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::RateLimited,
                    format!("Too many requests; retry after {retry_after_secs} seconds."),
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
                response
            }
            Self::ServerError => envelope::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalError,
                "An internal error occurred.",
            ),
            Self::Unavailable => envelope::error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
                "The service is temporarily unavailable.",
            ),
            Self::Drop => {
                let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
                response.extensions_mut().insert(CloseUnanswered);
                response
            }
            Self::Garbage => (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<html>oops</html>",
            )
                .into_response(),
            Self::ForeignUrl => (
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"checkout_url":"https://evil.example/pay/cs_test_x"}"#,
            )
                .into_response(),
            Self::Redirect => (
                StatusCode::FOUND,
                [(header::LOCATION, format!("{origin}/elsewhere"))],
            )
                .into_response(),
            Self::Unauthorized => envelope::error(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "The API key is missing or invalid.",
            ),
            Self::Forbidden => envelope::error(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "The API key may not act for this organization.",
            ),
            Self::Oversized => {
                let start =
                    format!(r#"{{"checkout_url":"{origin}/pay/cs_test_oversized","padding":""#);
                let padding = OVERSIZED_BYTES.saturating_sub(start.len() + 2);
                let body = format!("{start}{}\"}}", "x".repeat(padding));
                ([(header::CONTENT_TYPE, "application/json")], body).into_response()
            }
        })
    }
}

impl FromStr for Fault {
    type Err = FaultParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || FaultParseError {
            input: input.to_owned(),
        };
        let (name, argument) = match input.split_once(':') {
            Some((name, argument)) => {
                let number = argument.parse::<u64>().map_err(|_| error())?;
                (name, Some(number))
            }
            None => (input, None),
        };
        Ok(match (name, argument) {
            ("rate_limited", Some(secs)) => Self::RateLimited {
                retry_after_secs: secs,
            },
            ("slow", Some(millis)) => Self::Slow(Duration::from_millis(millis)),
            ("server_error", None) => Self::ServerError,
            ("unavailable", None) => Self::Unavailable,
            ("drop", None) => Self::Drop,
            ("garbage", None) => Self::Garbage,
            ("foreign_url", None) => Self::ForeignUrl,
            ("redirect", None) => Self::Redirect,
            ("unauthorized", None) => Self::Unauthorized,
            ("forbidden", None) => Self::Forbidden,
            ("oversized", None) => Self::Oversized,
            _ => return Err(error()),
        })
    }
}

impl TryFrom<String> for Fault {
    type Error = FaultParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl fmt::Display for FaultParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a fault; expected rate_limited:SECS, server_error, unavailable, \
             slow:MILLIS, drop, garbage, foreign_url, redirect, unauthorized, forbidden or \
             oversized",
            self.input
        )
    }
}

impl std::error::Error for FaultParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_fault_and_refuses_malformed_ones() {
        assert_eq!(
            "rate_limited:2".parse(),
            Ok(Fault::RateLimited {
                retry_after_secs: 2
            })
        );
        assert_eq!(
            "slow:250".parse(),
            Ok(Fault::Slow(Duration::from_millis(250)))
        );
        for (text, fault) in [
            ("server_error", Fault::ServerError),
            ("unavailable", Fault::Unavailable),
            ("drop", Fault::Drop),
            ("garbage", Fault::Garbage),
            ("foreign_url", Fault::ForeignUrl),
            ("redirect", Fault::Redirect),
            ("unauthorized", Fault::Unauthorized),
            ("forbidden", Fault::Forbidden),
            ("oversized", Fault::Oversized),
        ] {
            assert_eq!(text.parse(), Ok(fault));
        }
        for bad in [
            "",
            "rate_limited",
            "rate_limited:",
            "rate_limited:-1",
            "slow:1.5",
            "drop:1",
            "Drop",
            "timeout",
        ] {
            assert!(bad.parse::<Fault>().is_err(), "{bad:?}");
        }
    }
}
