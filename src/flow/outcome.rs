//! What one checkout attempt came to, read from the proxy's answer. Plain Rust, so the mapping
//! from status, code and body to behaviour is tested natively.
//!
//! An attempt passes through these types, each for its own reader: the transport's
//! `TransportError` or `Reply` (what came back), `Outcome` (follow this URL, or it failed), and
//! for a failure both the `Problem` (what the person is told) and core's `Failure` (what the
//! retry policy is asked about): one `Problem` can come from failures the policy treats
//! differently, and the other way round.

use crate::browser::transport::{Reply, ReplyBody, TransportError};
use closient_checkout_core::{
    ApiError, CheckoutResponse, ErrorCode, Failure, FieldError, OriginAllowlist, Recourse,
    parse_retry_after,
};

/// What the person is told after an attempt that did not lead to checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The server refused fields; each goes to its field.
    Fields(Vec<FieldError>),
    Forbidden,
    ForbiddenOrigin,
    /// The page's tenant token is missing, expired or not accepted: the page must get a new
    /// one (and may, through `update`), the person cannot fix it.
    Unauthenticated,
    RateLimited {
        retry_after_secs: Option<u64>,
    },
    /// 5xx, or an answer that could not be read.
    Unavailable {
        code: Option<ErrorCode>,
    },
    Network,
    Timeout,
    /// The checkout URL was not on an allowed origin, so it was not followed.
    UntrustedCheckoutUrl,
    /// Any other refusal; the code is kept for support.
    Rejected {
        code: Option<ErrorCode>,
        status: u16,
    },
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Go to this URL, exactly as received.
    Checkout(String),
    /// `failure` is what the retry policy is asked about; `None` never retries.
    Failed {
        problem: Problem,
        failure: Option<Failure>,
    },
}

/// Reads one attempt. `now_unix` resolves a `Retry-After` given as a date.
pub fn interpret(
    reply: Result<Reply, TransportError>,
    allowed: &OriginAllowlist,
    now_unix: u64,
) -> Outcome {
    let reply = match reply {
        Ok(reply) => reply,
        Err(TransportError::Network) => return failed(Problem::Network, Some(Failure::Network)),
        Err(TransportError::Timeout) => return failed(Problem::Timeout, Some(Failure::Network)),
    };
    let retry_after_secs = reply
        .retry_after
        .as_deref()
        .and_then(|v| parse_retry_after(v, now_unix));
    let status = reply.status;
    match (status, reply.body) {
        (200..=299, ReplyBody::Checkout(CheckoutResponse { checkout_url })) => {
            if allowed.check_url(&checkout_url).is_ok() {
                Outcome::Checkout(checkout_url)
            } else {
                failed(Problem::UntrustedCheckoutUrl, None)
            }
        }
        // A success we cannot read is the server's fault; another attempt may well work.
        (200..=299, _) => failed(
            Problem::Unavailable { code: None },
            Some(Failure::Server { status: 502 }),
        ),
        (status, body) => {
            let error = match body {
                ReplyBody::Error(error) => Some(error),
                _ => None,
            };
            let failure =
                Failure::from_answer(status, error.as_ref().map(|e| &e.code), retry_after_secs);
            let problem = problem_for(status, error, retry_after_secs);
            failed(problem, Some(failure))
        }
    }
}

/// How an attempt ended for good, for the person (`problem`) and for the embedding page's
/// `error` event (`failure`, which holds the status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub problem: Problem,
    pub failure: Option<Failure>,
}

impl Refusal {
    /// A stable code: the API's where it sent one, else the widget's own name for the problem.
    pub fn code(&self) -> String {
        match &self.problem {
            Problem::Fields(_) => "VALIDATION_ERROR".to_owned(),
            Problem::Forbidden => "FORBIDDEN".to_owned(),
            Problem::ForbiddenOrigin => "FORBIDDEN_ORIGIN".to_owned(),
            Problem::Unauthenticated => "UNAUTHENTICATED".to_owned(),
            Problem::RateLimited { .. } => "RATE_LIMITED".to_owned(),
            Problem::Unavailable { code } => code
                .as_ref()
                .map_or("UPSTREAM_UNAVAILABLE", ErrorCode::as_str)
                .to_owned(),
            Problem::Network => "NETWORK_ERROR".to_owned(),
            Problem::Timeout => "TIMEOUT".to_owned(),
            Problem::UntrustedCheckoutUrl => "UNTRUSTED_CHECKOUT_URL".to_owned(),
            Problem::Rejected { code, .. } => code
                .as_ref()
                .map_or("REJECTED", ErrorCode::as_str)
                .to_owned(),
        }
    }

    /// The HTTP status of the last answer; 0 when none came.
    pub fn status(&self) -> u16 {
        match (&self.problem, self.failure) {
            (_, Some(Failure::Server { status } | Failure::Client { status })) => status,
            (_, Some(Failure::RateLimited { .. })) => 429,
            (Problem::UntrustedCheckoutUrl, _) => 200,
            (Problem::Rejected { status, .. }, None) => *status,
            _ => 0,
        }
    }

    /// Whether trying again later may work: the retry policy's kinds of failure.
    pub fn retryable(&self) -> bool {
        matches!(
            self.failure,
            Some(Failure::Server { .. } | Failure::Network | Failure::RateLimited { .. })
        )
    }
}

fn problem_for(status: u16, error: Option<ApiError>, retry_after_secs: Option<u64>) -> Problem {
    let code = error.as_ref().map(|e| e.code.clone());
    match (Recourse::for_answer(status, code.as_ref()), code) {
        (Recourse::Countdown, _) => Problem::RateLimited { retry_after_secs },
        (Recourse::Retry, code) => Problem::Unavailable { code },
        (_, Some(ErrorCode::ForbiddenOrigin)) => Problem::ForbiddenOrigin,
        // The API's own 401 reaches the browser as a 502; a 401 is the proxy's token check.
        _ if status == 401 => Problem::Unauthenticated,
        (_, Some(ErrorCode::Forbidden)) if status == 403 => Problem::Forbidden,
        (_, Some(ErrorCode::ValidationError)) => match error.and_then(|e| e.details) {
            Some(details) if !details.is_empty() => Problem::Fields(details),
            _ => Problem::Rejected {
                code: Some(ErrorCode::ValidationError),
                status,
            },
        },
        (_, code) => Problem::Rejected { code, status },
    }
}

fn failed(problem: Problem, failure: Option<Failure>) -> Outcome {
    Outcome::Failed { problem, failure }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRIPE_URL: &str = "https://checkout.stripe.com/c/pay/cs_test_a1#fid=1";

    fn reply(status: u16, body: ReplyBody) -> Result<Reply, TransportError> {
        Ok(Reply {
            status,
            retry_after: None,
            body,
        })
    }

    fn error(code: ErrorCode, status: u16) -> ReplyBody {
        ReplyBody::Error(ApiError::new(code, status, "m"))
    }

    fn read(reply: Result<Reply, TransportError>) -> Outcome {
        interpret(reply, &OriginAllowlist::stripe(), 1_000)
    }

    #[test]
    fn an_allowed_url_is_followed_exactly_as_received() {
        let body = ReplyBody::Checkout(CheckoutResponse {
            checkout_url: STRIPE_URL.to_owned(),
        });
        assert_eq!(
            read(reply(200, body)),
            Outcome::Checkout(STRIPE_URL.to_owned())
        );
    }

    #[test]
    fn a_foreign_url_is_never_followed_nor_retried() {
        let body = ReplyBody::Checkout(CheckoutResponse {
            checkout_url: "https://evil.example/pay".to_owned(),
        });
        assert_eq!(
            read(reply(200, body)),
            failed(Problem::UntrustedCheckoutUrl, None)
        );
    }

    #[test]
    fn field_errors_go_to_their_fields() {
        let details = vec![FieldError::new("amount_cents", "too small")];
        let body = ReplyBody::Error(ApiError::validation(details.clone()));
        assert_eq!(
            read(reply(422, body)),
            failed(
                Problem::Fields(details),
                Some(Failure::Client { status: 422 })
            )
        );
    }

    #[test]
    fn the_two_kinds_of_403_are_told_apart() {
        assert!(matches!(
            read(reply(403, error(ErrorCode::Forbidden, 403))),
            Outcome::Failed {
                problem: Problem::Forbidden,
                ..
            }
        ));
        assert!(matches!(
            read(reply(403, error(ErrorCode::ForbiddenOrigin, 403))),
            Outcome::Failed {
                problem: Problem::ForbiddenOrigin,
                ..
            }
        ));
    }

    #[test]
    fn rate_limits_carry_their_wait_in_seconds_or_as_a_date() {
        let limited = |value: &str| {
            read(Ok(Reply {
                status: 429,
                retry_after: Some(value.to_owned()),
                body: error(ErrorCode::RateLimited, 429),
            }))
        };
        assert_eq!(
            limited("2"),
            failed(
                Problem::RateLimited {
                    retry_after_secs: Some(2)
                },
                Some(Failure::RateLimited {
                    retry_after_secs: Some(2)
                })
            )
        );
        // 1970-01-01T00:16:45Z is 1005 seconds, five after `now`.
        assert!(matches!(
            limited("Thu, 01 Jan 1970 00:16:45 GMT"),
            Outcome::Failed {
                problem: Problem::RateLimited {
                    retry_after_secs: Some(5)
                },
                ..
            }
        ));
    }

    #[test]
    fn server_errors_and_garbage_are_unavailable_and_retried() {
        assert_eq!(
            read(reply(503, ReplyBody::Unreadable)),
            failed(
                Problem::Unavailable { code: None },
                Some(Failure::Server { status: 503 })
            )
        );
        assert_eq!(
            read(reply(502, error(ErrorCode::UpstreamUnavailable, 502))),
            failed(
                Problem::Unavailable {
                    code: Some(ErrorCode::UpstreamUnavailable)
                },
                Some(Failure::Server { status: 502 })
            )
        );
        assert_eq!(
            read(reply(200, ReplyBody::Unreadable)),
            failed(
                Problem::Unavailable { code: None },
                Some(Failure::Server { status: 502 })
            )
        );
    }

    #[test]
    fn no_answer_is_a_network_failure() {
        assert_eq!(
            read(Err(TransportError::Network)),
            failed(Problem::Network, Some(Failure::Network))
        );
        assert_eq!(
            read(Err(TransportError::Timeout)),
            failed(Problem::Timeout, Some(Failure::Network))
        );
    }

    #[test]
    fn refusals_report_a_code_the_status_and_whether_to_retry() {
        let refusal = |reply| match read(reply) {
            Outcome::Failed { problem, failure } => Refusal { problem, failure },
            Outcome::Checkout(url) => panic!("expected a failure, got {url}"),
        };
        let forbidden = refusal(reply(403, error(ErrorCode::Forbidden, 403)));
        assert_eq!(
            (forbidden.code(), forbidden.status(), forbidden.retryable()),
            ("FORBIDDEN".to_owned(), 403, false)
        );
        let down = refusal(reply(503, ReplyBody::Unreadable));
        assert_eq!(
            (down.code(), down.status(), down.retryable()),
            ("UPSTREAM_UNAVAILABLE".to_owned(), 503, true)
        );
        let offline = refusal(Err(TransportError::Network));
        assert_eq!(
            (offline.code(), offline.status(), offline.retryable()),
            ("NETWORK_ERROR".to_owned(), 0, true)
        );
    }

    #[test]
    fn a_401_is_an_expired_session_whatever_its_body() {
        for body in [
            error(ErrorCode::Unknown("UNAUTHENTICATED".into()), 401),
            ReplyBody::Unreadable,
        ] {
            assert_eq!(
                read(reply(401, body)),
                failed(
                    Problem::Unauthenticated,
                    Some(Failure::Client { status: 401 })
                )
            );
        }
    }

    #[test]
    fn other_refusals_keep_their_code() {
        assert_eq!(
            read(reply(
                409,
                error(ErrorCode::Unknown("PAYMENT_FROZEN".into()), 409)
            )),
            failed(
                Problem::Rejected {
                    code: Some(ErrorCode::Unknown("PAYMENT_FROZEN".into())),
                    status: 409
                },
                Some(Failure::Client { status: 409 })
            )
        );
    }
}
