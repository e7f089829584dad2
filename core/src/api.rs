//! The bodies of the Closient billing API as this product uses them, and its error envelope.

use crate::{AmountCents, Money, OrganizationId};
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
    MethodNotAllowed,
    UnsupportedMediaType,
    PayloadTooLarge,
    ServiceUnavailable,
    UpstreamUnavailable,
    UpstreamTimeout,
    /// A code this version does not know; kept verbatim for support.
    Unknown(String),
}

const CODES: [(ErrorCode, &str); 15] = [
    (ErrorCode::BadRequest, "BAD_REQUEST"),
    (ErrorCode::Unauthorized, "UNAUTHORIZED"),
    (ErrorCode::Forbidden, "FORBIDDEN"),
    (ErrorCode::NotFound, "NOT_FOUND"),
    (ErrorCode::Conflict, "CONFLICT"),
    (ErrorCode::ValidationError, "VALIDATION_ERROR"),
    (ErrorCode::RateLimited, "RATE_LIMITED"),
    (ErrorCode::InternalError, "INTERNAL_ERROR"),
    (ErrorCode::ForbiddenOrigin, "FORBIDDEN_ORIGIN"),
    (ErrorCode::MethodNotAllowed, "METHOD_NOT_ALLOWED"),
    (ErrorCode::UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"),
    (ErrorCode::PayloadTooLarge, "PAYLOAD_TOO_LARGE"),
    (ErrorCode::ServiceUnavailable, "SERVICE_UNAVAILABLE"),
    (ErrorCode::UpstreamUnavailable, "UPSTREAM_UNAVAILABLE"),
    (ErrorCode::UpstreamTimeout, "UPSTREAM_TIMEOUT"),
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
    pub message: String,
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
    #[serde(default, deserialize_with = "lenient_details")]
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

fn lenient_details<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<FieldError>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Details {
        Fields(Vec<FieldError>),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Details>::deserialize(deserializer)? {
        Some(Details::Fields(fields)) => Some(fields),
        Some(Details::Other(_)) | None => None,
    })
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
    fn an_unknown_code_is_kept_not_refused() {
        let body =
            r#"{"error":{"code":"PAYMENT_FROZEN","message":"m","status":409,"details":null}}"#;
        let envelope: ErrorEnvelope = serde_json::from_str(body).expect("parses");
        assert_eq!(
            envelope.error.code,
            ErrorCode::Unknown("PAYMENT_FROZEN".to_owned())
        );
        assert_eq!(serde_json::to_string(&envelope).expect("serializes"), body);
    }

    #[test]
    fn validation_details_become_field_errors() {
        let body = r#"{"error":{"code":"VALIDATION_ERROR","message":"bad","status":422,
            "details":[{"field":"amount_cents","message":"too small"}]}}"#;
        let envelope: ErrorEnvelope = serde_json::from_str(body).expect("parses");
        assert_eq!(envelope.error.code, ErrorCode::ValidationError);
        assert_eq!(
            envelope.error.details,
            Some(vec![FieldError {
                field: "amount_cents".into(),
                message: "too small".into()
            }])
        );
    }

    #[test]
    fn other_detail_shapes_and_missing_details_are_tolerated() {
        for details in [r#","details":{"hint":"x"}"#, r#","details":"text""#, ""] {
            let body = format!(
                r#"{{"error":{{"code":"NOT_FOUND","message":"m","status":404{details}}}}}"#
            );
            let envelope: ErrorEnvelope = serde_json::from_str(&body).expect("parses");
            assert_eq!(envelope.error.details, None, "{body}");
        }
    }

    #[test]
    fn checkout_request_serializes_to_the_upstream_body() {
        let request = CheckoutRequest {
            organization_id: OrganizationId::parse("7dHk2mPqRsTuVwXyZaBcDe").expect("valid"),
            amount_cents: crate::AmountLimits::default().check(2500).expect("valid"),
            success_url: "https://a.example/?checkout=success&session_id={CHECKOUT_SESSION_ID}"
                .into(),
            cancel_url: "https://a.example/?checkout=cancel&amount_cents=2500".into(),
        };
        assert_eq!(
            serde_json::to_string(&request).expect("serializes"),
            r#"{"organization_id":"7dHk2mPqRsTuVwXyZaBcDe","amount_cents":2500,"success_url":"https://a.example/?checkout=success&session_id={CHECKOUT_SESSION_ID}","cancel_url":"https://a.example/?checkout=cancel&amount_cents=2500"}"#
        );
    }

    #[test]
    fn balance_reads_decimal_strings_and_ignores_the_rest() {
        let body =
            r#"{"balance":"150.00","currency":"USD","total_spent":"1234.50","active_campaigns":3}"#;
        let balance: BalanceResponse = serde_json::from_str(body).expect("parses");
        assert_eq!(balance.balance, Money::from_cents(15_000));
        assert_eq!(balance.currency, "USD");
        assert!(
            serde_json::from_str::<BalanceResponse>(r#"{"balance":150.0,"currency":"USD"}"#)
                .is_err()
        );
    }
}
