//! The checkout request and its retries: attempts until one yields a checkout URL or the retry
//! policy of `core` gives up. The phases it passes through drive the form's button and status.

use super::outcome::{Outcome, Problem, Refusal, interpret};
use crate::{
    browser::{
        json,
        platform::{Platform, now_ms},
        timer::{Wake, wait},
        transport::{new_idempotency_key, read_checkout_reply},
    },
    config::WidgetConfig,
};
use closient_checkout_core::{CheckoutRequest, RetryDecision};

/// Where a submit stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the person, with what the last attempt or check told them.
    Idle {
        notice: Option<String>,
    },
    Sending,
    Retrying,
    Countdown {
        secs_left: u64,
    },
    Redirecting,
    /// The browser would not leave the frame by itself; the person follows the link.
    Blocked {
        url: String,
    },
}

pub async fn attempt_checkout(
    config: &WidgetConfig,
    platform: &Platform,
    request: &CheckoutRequest,
    set_phase: impl Fn(Phase),
    wake: &Wake,
) -> Result<String, Refusal> {
    let body = json::to_string(request).ok_or(Refusal {
        problem: Problem::Rejected {
            code: None,
            status: 0,
        },
        failure: None,
    })?;
    // One key per click: its retries are the same request, which the proxy answers once.
    let key = new_idempotency_key();
    let mut attempts = 0;
    loop {
        attempts += 1;
        set_phase(if attempts == 1 {
            Phase::Sending
        } else {
            Phase::Retrying
        });
        let reply = platform
            .transport
            .post_json(&config.api_path, body.clone(), key.as_deref())
            .await;
        let reply = reply.map(read_checkout_reply);
        let (problem, failure) = match interpret(reply, &config.checkout_origins, now_ms() / 1_000)
        {
            Outcome::Checkout(url) => return Ok(url),
            Outcome::Failed { problem, failure } => (problem, failure),
        };
        let decision = failure.map_or(RetryDecision::GiveUp, |f| {
            platform.policy.decide(attempts, f, (platform.random)())
        });
        match decision {
            RetryDecision::RetryIn { millis } => {
                wait(u32::try_from(millis).unwrap_or(u32::MAX), wake).await;
            }
            RetryDecision::Countdown {
                secs,
                automatic: true,
            } => {
                for secs_left in (1..=secs).rev() {
                    set_phase(Phase::Countdown { secs_left });
                    if wait(1_000, wake).await {
                        break;
                    }
                }
            }
            RetryDecision::Countdown {
                automatic: false, ..
            }
            | RetryDecision::GiveUp => {
                return Err(Refusal { problem, failure });
            }
        }
    }
}
