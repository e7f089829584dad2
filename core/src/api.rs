//! The bodies of the Closient billing API as this product uses them, and its error envelope.

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
mod lenient;

use crate::{AmountCents, AmountError, Money, OrganizationId};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The JSON field names of `POST /billing/checkout`, used to put errors on their fields.
pub mod field {
    pub const ORGANIZATION_ID: &str = "organization_id";
    pub const AMOUNT_CENTS: &str = "amount_cents";
    pub const SUCCESS_URL: &str = "success_url";
    pub const CANCEL_URL: &str = "cancel_url";
}

/// `POST {base}/billing/checkout` request body, exactly as upstream takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckoutRequest {
    pub organization_id: OrganizationId,
    pub amount_cents: AmountCents,
    pub success_url: String,
    pub cancel_url: String,
}

/// `POST {base}/billing/checkout` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutResponse {
    pub checkout_url: String,
}

/// The part of `GET {base}/billing/balance/{id}` that this product passes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceResponse {
    pub balance: Money,
    pub currency: String,
}

/// Every code the API documents, the proxy's own, and a fallback for codes added later.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    ValidationError,
    RateLimited,
    InternalError,
    /// The proxy's: the page's origin may not use this checkout.
    ForbiddenOrigin,
    /// The proxy's: the tenant token is missing, malformed, badly signed or expired.
    Unauthenticated,
    MethodNotAllowed,
    UnsupportedMediaType,
    PayloadTooLarge,
    ServiceUnavailable,
    UpstreamUnavailable,
    UpstreamTimeout,
    /// The proxy's: an `Idempotency-Key` that is empty, too long or not visible ASCII (400).
    InvalidIdempotencyKey,
    /// The proxy's: an `Idempotency-Key` already used with another body (422).
    IdempotencyKeyReused,
    /// The proxy's: the first request with this `Idempotency-Key` is still upstream (409).
    IdempotencyKeyInUse,
    /// A code this version does not know; kept verbatim for support.
    Unknown(String),
}

const CODES: [(ErrorCode, &str); 19] = [
    (ErrorCode::BadRequest, "BAD_REQUEST"),
    (ErrorCode::Unauthorized, "UNAUTHORIZED"),
    (ErrorCode::Forbidden, "FORBIDDEN"),
    (ErrorCode::NotFound, "NOT_FOUND"),
    (ErrorCode::Conflict, "CONFLICT"),
    (ErrorCode::ValidationError, "VALIDATION_ERROR"),
    (ErrorCode::RateLimited, "RATE_LIMITED"),
    (ErrorCode::InternalError, "INTERNAL_ERROR"),
    (ErrorCode::ForbiddenOrigin, "FORBIDDEN_ORIGIN"),
    (ErrorCode::Unauthenticated, "UNAUTHENTICATED"),
    (ErrorCode::MethodNotAllowed, "METHOD_NOT_ALLOWED"),
    (ErrorCode::UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"),
    (ErrorCode::PayloadTooLarge, "PAYLOAD_TOO_LARGE"),
    (ErrorCode::ServiceUnavailable, "SERVICE_UNAVAILABLE"),
    (ErrorCode::UpstreamUnavailable, "UPSTREAM_UNAVAILABLE"),
    (ErrorCode::UpstreamTimeout, "UPSTREAM_TIMEOUT"),
    (ErrorCode::InvalidIdempotencyKey, "INVALID_IDEMPOTENCY_KEY"),
    (ErrorCode::IdempotencyKeyReused, "IDEMPOTENCY_KEY_REUSED"),
    (ErrorCode::IdempotencyKeyInUse, "IDEMPOTENCY_KEY_IN_USE"),
];

impl ErrorCode {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unknown(code) => code,
            known => CODES
                .iter()
                .find(|(code, _)| code == known)
                .map_or("", |(_, name)| name),
        }
    }

    /// The name of every code this version knows.
    pub fn known_names() -> impl Iterator<Item = &'static str> {
        CODES.iter().map(|(_, name)| *name)
    }

    pub fn parse(name: &str) -> Self {
        CODES
            .iter()
            .find(|(_, known)| *known == name)
            .map_or_else(|| Self::Unknown(name.to_owned()), |(code, _)| code.clone())
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|name| Self::parse(&name))
    }
}

/// One field's problem in a `VALIDATION_ERROR`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    /// In English, for logs and for a client that knows no better.
    pub message: String,
    /// The rule the value broke, as this crate names it (`ABOVE_MAXIMUM`, `LENGTH`, ...), so
    /// that a client words the problem in its visitor's language. Only the proxy's own checks
    /// set it: the API's field errors, and the mock's that stand for them, carry a message
    /// alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The bound that rule names, in the field's unit (cents for an amount), where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

impl FieldError {
    /// A problem known only by its message, as the API reports one.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            code: None,
            limit: None,
        }
    }

    /// A rule of this crate's that the value of `field` broke, with its code and limit; the
    /// message names the field first: "amount_cents must be at least 500 cents".
    pub fn broken(field: &str, code: &str, rule: &impl fmt::Display, limit: Option<u64>) -> Self {
        Self {
            code: Some(code.to_owned()),
            limit,
            ..Self::new(field, format!("{field} {rule}"))
        }
    }

    /// The amount rule a server found broken, when the code and limit say which: what a client
    /// shows as it shows its own check of the same rule.
    pub fn amount_error(&self) -> Option<AmountError> {
        AmountError::from_limit_code(self.code.as_deref()?, self.limit?)
    }
}

/// `{"error": {...}}`: every error answer of the API and of the proxy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ApiError,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub status: u16,
    /// Field errors; any other shape of `details` is dropped rather than failing the parse.
    #[serde(default, deserialize_with = "lenient::details")]
    pub details: Option<Vec<FieldError>>,
}

impl ApiError {
    pub fn new(code: ErrorCode, status: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status,
            details: None,
        }
    }

    pub fn validation(details: Vec<FieldError>) -> Self {
        Self {
            code: ErrorCode::ValidationError,
            message: "The request has invalid fields.".to_owned(),
            status: 422,
            details: Some(details),
        }
    }

    pub fn into_envelope(self) -> ErrorEnvelope {
        ErrorEnvelope { error: self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips_by_name() {
        for (code, name) in CODES {
            assert_eq!(code.as_str(), name);
            assert_eq!(ErrorCode::parse(name), code);
        }
    }

    #[test]
    fn every_envelope_fixture_reads_as_expected() {
        for case in fixtures::ENVELOPES {
            let read = serde_json::from_str::<ErrorEnvelope>(case.body).ok();
            assert_eq!(
                read.map(|envelope| envelope.error),
                case.expected.map(fixtures::ExpectedError::to_api_error),
                "{}",
                case.body
            );
        }
    }

    #[test]
    fn an_unknown_code_is_written_back_verbatim() {
        let body =
            r#"{"error":{"code":"PAYMENT_FROZEN","message":"m","status":409,"details":null}}"#;
        let envelope: ErrorEnvelope = serde_json::from_str(body).expect("parses");
        assert_eq!(serde_json::to_string(&envelope).expect("serializes"), body);
    }

    #[test]
    fn checkout_request_serializes_to_the_upstream_body() {
        assert_eq!(
            serde_json::to_string(&fixtures::checkout_request()).expect("serializes"),
            fixtures::CHECKOUT_REQUEST_BODY
        );
    }

    #[test]
    fn every_balance_fixture_reads_as_expected() {
        for (body, expected) in fixtures::BALANCES {
            let read = serde_json::from_str::<BalanceResponse>(body).ok();
            assert_eq!(read.map(|b| b.balance), *expected, "{body}");
        }
    }
}
