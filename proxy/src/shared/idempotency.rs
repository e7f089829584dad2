//! Idempotent checkouts (draft-ietf-httpapi-idempotency-key-header): a request's
//! `Idempotency-Key`, scoped to who may act, names one record; the first request with it claims
//! the record and calls the upstream, and the others with the same body get its answer again.
//!
//! A duplicate that arrives while the first is still upstream is answered 409
//! `IDEMPOTENCY_KEY_IN_USE` at once, with `Retry-After` the time its claim has left, rather than
//! held until the first ends: the draft asks for the 409, and a waiting duplicate would hold a
//! request slot and poll the store for up to the upstream timeout.

use super::SharedState;
use crate::error::{AppError, BadRequest};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use closient_checkout_core::{
    ApiError, CheckoutRequest, ErrorEnvelope, Recourse,
    idempotency::{KEY_HEADER, REPLAYED_HEADER, is_valid_key},
};
use sha2::{Digest, Sha256};
use std::{sync::Arc, time::Duration};

/// A SHA-256, in hex where it goes into Redis.
pub type Hash = [u8; 32];

/// Names a record and the body it was made for. Redis sees hashes only: neither the key the
/// browser sent nor the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordKey {
    pub record: Hash,
    pub body: Hash,
}

impl RecordKey {
    /// The record of `key` for requests made as `scope` (the organization, and in tenant mode
    /// the token's subject), with `request` as validated.
    pub fn new(scope: &str, key: &str, request: &CheckoutRequest) -> Self {
        let mut record = Sha256::new();
        // Lengths first, so no two (scope, key) pairs run together into one.
        record.update((scope.len() as u64).to_be_bytes());
        record.update(scope);
        record.update(key);
        let body = serde_json::to_vec(request).unwrap_or_default();
        Self {
            record: record.finalize().into(),
            body: Sha256::digest(&body).into(),
        }
    }
}

/// The request's `Idempotency-Key`: `None` without one, 400 when malformed or repeated.
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let mut values = headers.get_all(KEY_HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() || !is_valid_key(value.as_bytes()) {
        return Err(AppError::BadRequest(BadRequest::IdempotencyKey));
    }
    // Visible ASCII: always text.
    Ok(value.to_str().ok().map(str::to_owned))
}

/// A final answer as it is kept and given again: its status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    /// The answer worth keeping, if `answer` is final: a checkout URL, or the upstream's
    /// refusal of the request's content (400, 422), which the same body would meet again.
    /// Nothing else is kept, so a retry calls the upstream again: not a 429 or 5xx, nor a
    /// timeout (the upstream may or may not have made a session; only another call tells),
    /// nor a 401/403 the operator can fix by changing the key.
    pub fn of_final<T: serde::Serialize>(answer: Result<&T, &AppError>) -> Option<Self> {
        match answer {
            Ok(value) => Some(Self {
                status: 200,
                body: serde_json::to_string(value).ok()?,
            }),
            Err(AppError::Relayed(relayed))
                if Recourse::for_status(relayed.0.status) == Recourse::FixInput =>
            {
                Some(Self::error(&relayed.0))
            }
            Err(_) => None,
        }
    }

    fn error(error: &ApiError) -> Self {
        let envelope = ErrorEnvelope {
            error: error.clone(),
        };
        Self {
            status: error.status,
            body: serde_json::to_string(&envelope).unwrap_or_default(),
        }
    }

    /// The answer again, marked as a replay.
    pub fn replayed(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut response = (status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
        response
    }
}

/// What a store found for a record, having claimed it when it found nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Claimed,
    Pending { body: Hash, left: Duration },
    Done { body: Hash, answer: Answer },
}

/// How a request with a key goes on.
#[derive(Debug)]
pub enum Begun {
    /// This request calls the upstream; the claim keeps its answer.
    Claimed(Claim),
    /// The earlier request's answer, to be given again.
    Replay(Answer),
    Refused(AppError),
}

/// The right to call the upstream for one record. Dropped without `complete` (the request
/// was cut off), it frees the record so that a retry can call.
#[derive(Debug)]
pub struct Claim {
    pub(super) key: RecordKey,
    /// Where the claim was made, so it ends there.
    pub(super) on_redis: bool,
    shared: Arc<SharedState>,
    completed: bool,
}

impl Claim {
    /// Keeps `answer` when it is final; frees the record otherwise.
    pub async fn complete(mut self, answer: Option<&Answer>) {
        self.completed = true;
        self.shared.finish(&self, answer).await;
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if self.completed {
            return;
        }
        let claim = Self {
            key: self.key.clone(),
            on_redis: self.on_redis,
            shared: self.shared.clone(),
            completed: true,
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { claim.shared.finish(&claim, None).await });
        }
    }
}

pub(super) fn begun(
    found: Found,
    key: RecordKey,
    on_redis: bool,
    shared: &Arc<SharedState>,
) -> Begun {
    match found {
        Found::Claimed => Begun::Claimed(Claim {
            key,
            on_redis,
            shared: shared.clone(),
            completed: false,
        }),
        Found::Pending { body, .. } | Found::Done { body, .. } if body != key.body => {
            Begun::Refused(AppError::IdempotencyKeyReused)
        }
        Found::Pending { left, .. } => Begun::Refused(AppError::IdempotencyKeyInUse { wait: left }),
        Found::Done { answer, .. } => Begun::Replay(answer),
    }
}

/// Lowercase hex, for Redis keys and values.
pub fn hex(hash: &Hash) -> String {
    use std::fmt::Write;
    hash.iter()
        .fold(String::with_capacity(64), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use closient_checkout_core::{CheckoutResponse, ErrorCode};

    fn relayed(status: u16) -> AppError {
        let error = ApiError::new(ErrorCode::Unknown("X".into()), status, "m");
        AppError::Relayed(Box::new((error, HeaderMap::new())))
    }

    #[test]
    fn only_a_checkout_url_and_a_refusal_of_the_content_are_final() {
        let url = CheckoutResponse {
            checkout_url: "https://checkout.stripe.com/c/pay/cs_1".into(),
        };
        let kept = Answer::of_final(Ok(&url)).expect("a checkout URL is kept");
        assert_eq!((kept.status, kept.body.contains("cs_1")), (200, true));
        for status in [400, 422] {
            let kept = Answer::of_final::<CheckoutResponse>(Err(&relayed(status)));
            assert_eq!(kept.map(|a| a.status), Some(status));
        }
        for not_final in [
            relayed(401),
            relayed(403),
            relayed(404),
            relayed(409),
            relayed(429),
            relayed(500),
            relayed(503),
            AppError::UpstreamTimeout,
            AppError::ProxyDeadline,
            AppError::Unavailable(crate::error::Unavailable::CheckoutUrlNotAllowed),
        ] {
            assert_eq!(
                Answer::of_final::<CheckoutResponse>(Err(&not_final)),
                None,
                "{not_final:?}"
            );
        }
    }
}
