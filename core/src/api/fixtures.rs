//! Answer bodies and what reading each must give: one set of cases for every reader, so the
//! proxy's and the mock's `serde_json` and the widget's serde-wasm-bindgen cannot drift apart.
//! Core's tests run them natively; the widget's browser tests run them through its transport.

use super::{ApiError, CheckoutRequest, ErrorCode, FieldError};
use crate::{AmountLimits, Money, OrganizationId};

/// A checkout request and its body exactly as upstream takes it, keys in the derive's order.
pub fn checkout_request() -> CheckoutRequest {
    CheckoutRequest {
        organization_id: OrganizationId::parse("7dHk2mPqRsTuVwXyZaBcDe").expect("a valid id"),
        amount_cents: AmountLimits::default().check(2500).expect("a valid amount"),
        success_url: "https://a.example/?checkout=success&session_id={CHECKOUT_SESSION_ID}".into(),
        cancel_url: "https://a.example/?checkout=cancel&amount_cents=2500".into(),
    }
}

pub const CHECKOUT_REQUEST_BODY: &str = r#"{"organization_id":"7dHk2mPqRsTuVwXyZaBcDe","amount_cents":2500,"success_url":"https://a.example/?checkout=success&session_id={CHECKOUT_SESSION_ID}","cancel_url":"https://a.example/?checkout=cancel&amount_cents=2500"}"#;

/// An error body and the error it must read as; `None` when it must be unreadable.
#[derive(Debug, Clone, Copy)]
pub struct EnvelopeCase {
    pub body: &'static str,
    pub expected: Option<ExpectedError>,
}

#[derive(Debug, Clone, Copy)]
pub struct ExpectedError {
    pub code: &'static str,
    pub status: u16,
    pub message: &'static str,
    /// `(field, message)` pairs, or `None` when `details` must be dropped.
    pub details: Option<&'static [(&'static str, &'static str)]>,
}

impl ExpectedError {
    pub fn to_api_error(self) -> ApiError {
        ApiError {
            code: ErrorCode::parse(self.code),
            message: self.message.to_owned(),
            status: self.status,
            details: self.details.map(|pairs| {
                pairs
                    .iter()
                    .map(|(field, message)| FieldError::new(*field, *message))
                    .collect()
            }),
        }
    }
}

const fn readable(
    body: &'static str,
    code: &'static str,
    status: u16,
    details: Option<&'static [(&'static str, &'static str)]>,
) -> EnvelopeCase {
    EnvelopeCase {
        body,
        expected: Some(ExpectedError {
            code,
            status,
            message: "m",
            details,
        }),
    }
}

const fn unreadable(body: &'static str) -> EnvelopeCase {
    EnvelopeCase {
        body,
        expected: None,
    }
}

const TOO_SMALL: &[(&str, &str)] = &[("amount_cents", "too small")];

pub const ENVELOPES: &[EnvelopeCase] = &[
    // A code added upstream later is kept verbatim, not refused.
    readable(
        r#"{"error":{"code":"PAYMENT_FROZEN","message":"m","status":409,"details":null}}"#,
        "PAYMENT_FROZEN",
        409,
        None,
    ),
    readable(
        r#"{"error":{"code":"RATE_LIMITED","message":"m","status":429}}"#,
        "RATE_LIMITED",
        429,
        None,
    ),
    // Validation details go to their fields; unknown keys in an item are ignored.
    readable(
        r#"{"error":{"code":"VALIDATION_ERROR","message":"m","status":422,"details":[{"field":"amount_cents","message":"too small"}]}}"#,
        "VALIDATION_ERROR",
        422,
        Some(TOO_SMALL),
    ),
    readable(
        r#"{"error":{"code":"VALIDATION_ERROR","message":"m","status":422,"details":[{"x":[1,{"y":2}],"field":"amount_cents","message":"too small"}]}}"#,
        "VALIDATION_ERROR",
        422,
        Some(TOO_SMALL),
    ),
    readable(
        r#"{"error":{"code":"VALIDATION_ERROR","message":"m","status":422,"details":[]}}"#,
        "VALIDATION_ERROR",
        422,
        Some(&[]),
    ),
    // Any other shape of `details` is dropped, never fatal.
    readable(
        r#"{"error":{"code":"NOT_FOUND","message":"m","status":404,"details":{"hint":"x"}}}"#,
        "NOT_FOUND",
        404,
        None,
    ),
    readable(
        r#"{"error":{"code":"NOT_FOUND","message":"m","status":404,"details":"text"}}"#,
        "NOT_FOUND",
        404,
        None,
    ),
    readable(
        r#"{"error":{"code":"NOT_FOUND","message":"m","status":404,"details":7.5}}"#,
        "NOT_FOUND",
        404,
        None,
    ),
    readable(
        r#"{"error":{"code":"VALIDATION_ERROR","message":"m","status":422,"details":[{"field":"amount_cents"}]}}"#,
        "VALIDATION_ERROR",
        422,
        None,
    ),
    readable(
        r#"{"error":{"code":"VALIDATION_ERROR","message":"m","status":422,"details":[{"field":1,"message":"m"}]}}"#,
        "VALIDATION_ERROR",
        422,
        None,
    ),
    readable(
        r#"{"error":{"code":"VALIDATION_ERROR","message":"m","status":422,"details":[{"field":"a","message":"b"},"x"]}}"#,
        "VALIDATION_ERROR",
        422,
        None,
    ),
    // An envelope needs its code, its message and a whole status that fits.
    unreadable(r#"{"error":{"message":"m","status":404}}"#),
    unreadable(r#"{"error":{"code":"NOT_FOUND","status":404}}"#),
    unreadable(r#"{"error":{"code":"NOT_FOUND","message":"m","status":404.5}}"#),
    unreadable(r#"{"error":{"code":"NOT_FOUND","message":"m","status":70000}}"#),
    unreadable(r#"{"error":{"code":"NOT_FOUND","message":"m","status":"404"}}"#),
    unreadable(r#"{"error":"NOT_FOUND"}"#),
    unreadable(r#"{"code":"NOT_FOUND","message":"m","status":404}"#),
    unreadable("null"),
    unreadable("<html>Bad gateway</html>"),
];

/// A balance body and the balance it must read as; `None` when it must be refused.
pub const BALANCES: &[(&str, Option<Money>)] = &[
    (
        r#"{"balance":"150.00","currency":"USD","total_spent":"1234.50","active_campaigns":3}"#,
        Some(Money::from_cents(15_000)),
    ),
    (
        r#"{"balance":"-3.10","currency":"USD"}"#,
        Some(Money::from_cents(-310)),
    ),
    (r#"{"balance":150.0,"currency":"USD"}"#, None),
    (r#"{"balance":"150.00"}"#, None),
    (r#"{"balance":"1.234","currency":"USD"}"#, None),
    ("<html>", None),
];
