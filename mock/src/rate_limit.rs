//! The real API's rate limit: 300 requests a minute (another limit for load tests), announced
//! on every answer with the `RateLimit-*` headers and their legacy `X-RateLimit-*` aliases. The
//! middleware that applies it sits with the routes, in `api`.

use axum::http::{HeaderMap, HeaderValue};
use closient_checkout_server_common::rate_limit_headers;
use std::time::Duration;
use tokio::time::Instant;

/// The real API's limit, per `WINDOW`.
pub const API_LIMIT: u32 = 300;
const WINDOW: Duration = Duration::from_secs(60);

/// A fixed window: the first request opens it, and it closes a minute later.
#[derive(Debug, Default)]
pub(crate) struct Quota {
    opened: Option<Instant>,
    used: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuotaReading {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    pub(crate) reset_secs: u64,
    pub(crate) exceeded: bool,
}

impl Quota {
    pub(crate) fn take(&mut self, now: Instant, limit: u32) -> QuotaReading {
        let opened = match self.opened {
            Some(opened) if now < opened + WINDOW => opened,
            _ => {
                self.used = 0;
                *self.opened.insert(now)
            }
        };
        self.used = self.used.saturating_add(1);
        let left = (opened + WINDOW).saturating_duration_since(now);
        QuotaReading {
            limit,
            remaining: limit.saturating_sub(self.used),
            reset_secs: left.as_millis().div_ceil(1000).try_into().unwrap_or(60),
            exceeded: self.used > limit,
        }
    }
}

/// Stamps the window's headers on an API answer.
pub(crate) fn stamp(headers: &mut HeaderMap, reading: QuotaReading) {
    // A 429, injected or real, says the window is spent until the client may retry.
    let retry_after = headers
        .get(rate_limit_headers::RETRY_AFTER)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    let (remaining, reset) = match retry_after {
        Some(secs) => (0, secs),
        None => (reading.remaining, reading.reset_secs),
    };
    // `limit` and `WINDOW` in the form of the header: `300;w=60`.
    let policy = format!("{};w={}", reading.limit, WINDOW.as_secs());
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(rate_limit_headers::POLICY, policy);
    }
    for (name, value) in [
        (rate_limit_headers::LIMIT, u64::from(reading.limit)),
        (rate_limit_headers::REMAINING, u64::from(remaining)),
        (rate_limit_headers::RESET, reset),
        (rate_limit_headers::LEGACY_LIMIT, u64::from(reading.limit)),
        (rate_limit_headers::LEGACY_REMAINING, u64::from(remaining)),
        (rate_limit_headers::LEGACY_RESET, reset),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_counts_down_and_reopens_after_a_minute() {
        let start = Instant::now();
        let mut quota = Quota::default();
        let first = quota.take(start, API_LIMIT);
        assert_eq!(
            (first.remaining, first.reset_secs, first.exceeded),
            (299, 60, false)
        );
        let later = quota.take(start + Duration::from_millis(20_500), API_LIMIT);
        assert_eq!((later.remaining, later.reset_secs), (298, 40));
        for _ in 2..API_LIMIT {
            assert!(
                !quota
                    .take(start + Duration::from_secs(30), API_LIMIT)
                    .exceeded
            );
        }
        let over = quota.take(start + Duration::from_secs(59), API_LIMIT);
        assert_eq!(
            (over.remaining, over.reset_secs, over.exceeded),
            (0, 1, true)
        );
        let reopened = quota.take(start + WINDOW, API_LIMIT);
        assert_eq!((reopened.remaining, reopened.exceeded), (299, false));
    }
}
