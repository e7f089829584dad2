//! The retry policy: which failures are tried again, after how long, and how often.
//!
//! The widget alone retries (the proxy makes one upstream call per request). Time and randomness
//! come from the caller: `now_unix` in seconds, `random` a sample from `[0, 1)`.

/// What an error status means for whoever sent the request: the one reading of a status that
/// the proxy's relay and the widget share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recourse {
    /// 5xx: the server's trouble; the same request may work later.
    Retry,
    /// 429, and 409 `IDEMPOTENCY_KEY_IN_USE`: wait as long as the server says (`Retry-After`),
    /// then the same request may work.
    Countdown,
    /// 400, 413, 415, 422: the request's content is wrong; only other input can work.
    FixInput,
    /// Any other: the request may not be made like this; trying again cannot help.
    GiveUp,
}

impl Recourse {
    /// Reads a status that is not a success.
    pub fn for_status(status: u16) -> Self {
        match status {
            429 => Self::Countdown,
            500..=599 => Self::Retry,
            400 | 413 | 415 | 422 => Self::FixInput,
            _ => Self::GiveUp,
        }
    }

    /// Reads an error answer by its status and, where the status alone is not enough, its
    /// code: a 409 is final, except the proxy's `IDEMPOTENCY_KEY_IN_USE`, which says the same
    /// request's first attempt is still upstream and its answer will be replayed.
    pub fn for_answer(status: u16, code: Option<&crate::ErrorCode>) -> Self {
        match (status, code) {
            (409, Some(crate::ErrorCode::IdempotencyKeyInUse)) => Self::Countdown,
            _ => Self::for_status(status),
        }
    }
}

/// How an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 429, with the `Retry-After` seconds when the answer had a usable one.
    RateLimited { retry_after_secs: Option<u64> },
    /// Any 5xx.
    Server { status: u16 },
    /// No answer at all: refused, reset, offline, or our own timeout.
    Network,
    /// Any other 4xx: the request itself is wrong, so retrying cannot help.
    Client { status: u16 },
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again by itself after this many milliseconds.
    RetryIn { millis: u64 },
    /// Count down the server's wait; retry by itself at zero only when `automatic`.
    Countdown { secs: u64, automatic: bool },
    /// Stop and let the person decide.
    GiveUp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// A `Retry-After` longer than this is shown, not waited out automatically.
    pub max_automatic_wait_secs: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay_ms: 500,
            max_delay_ms: 8_000,
            max_automatic_wait_secs: 30,
        }
    }
}

impl Failure {
    /// Classifies an error answer by its status and code (see `Recourse::for_answer`).
    pub fn from_answer(
        status: u16,
        code: Option<&crate::ErrorCode>,
        retry_after_secs: Option<u64>,
    ) -> Self {
        match Recourse::for_answer(status, code) {
            Recourse::Countdown => Self::RateLimited { retry_after_secs },
            Recourse::Retry => Self::Server { status },
            Recourse::FixInput | Recourse::GiveUp => Self::Client { status },
        }
    }
}

impl RetryPolicy {
    /// Decides after `attempts_made` attempts (1 after the first) ended in `failure`.
    pub fn decide(&self, attempts_made: u32, failure: Failure, random: f64) -> RetryDecision {
        let attempts_left = attempts_made < self.max_attempts;
        match failure {
            Failure::Client { .. } => RetryDecision::GiveUp,
            Failure::RateLimited {
                retry_after_secs: Some(secs),
            } => RetryDecision::Countdown {
                secs,
                automatic: attempts_left && secs <= self.max_automatic_wait_secs,
            },
            Failure::RateLimited {
                retry_after_secs: None,
            }
            | Failure::Server { .. }
            | Failure::Network
                if attempts_left =>
            {
                RetryDecision::RetryIn {
                    millis: self.backoff_ms(attempts_made, random),
                }
            }
            _ => RetryDecision::GiveUp,
        }
    }

    /// Exponential backoff with full jitter: uniform in `[0, min(cap, base * 2^(n-1))]`.
    pub fn backoff_ms(&self, attempts_made: u32, random: f64) -> u64 {
        let exponent = attempts_made.saturating_sub(1).min(32);
        let ceiling = self
            .base_delay_ms
            .saturating_mul(1u64 << exponent)
            .min(self.max_delay_ms);
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.0
        };
        // Rounding a product of two values in [0, cap] cannot leave [0, cap].
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let jittered = (ceiling as f64 * random).round() as u64;
        jittered.min(ceiling)
    }
}

/// Reads a `Retry-After` value: delta seconds, or an IMF-fixdate such as
/// `Sun, 06 Nov 1994 08:49:37 GMT` (a date in the past means now). Anything else is `None`.
pub fn parse_retry_after(value: &str, now_unix: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse().unwrap_or(u64::MAX));
    }
    parse_imf_fixdate(value).map(|at| at.saturating_sub(now_unix))
}

/// Reads an IMF-fixdate to seconds since the epoch; dates before 1970 are `None`.
pub fn parse_imf_fixdate(value: &str) -> Option<u64> {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = value.split(' ').collect();
    let [weekday, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let weekday = weekday.strip_suffix(',')?;
    if !DAYS.contains(&weekday) {
        return None;
    }
    let number = |s: &str, len: usize| -> Option<u64> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let day = number(day, 2)?;
    let month = MONTHS.iter().position(|m| m == month)? as u64 + 1;
    let year = number(year, 4)?;
    let mut clock = time.split(':');
    let (hour, minute, second) = (
        number(clock.next()?, 2)?,
        number(clock.next()?, 2)?,
        number(clock.next()?, 2)?,
    );
    if clock.next().is_some()
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
        || year < 1970
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (valid for years from 1970).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        base_delay_ms: 500,
        max_delay_ms: 8_000,
        max_automatic_wait_secs: 30,
    };

    #[test]
    fn server_and_network_failures_retry_until_the_third_attempt() {
        for failure in [Failure::Server { status: 503 }, Failure::Network] {
            assert_eq!(
                POLICY.decide(1, failure, 1.0),
                RetryDecision::RetryIn { millis: 500 }
            );
            assert_eq!(
                POLICY.decide(2, failure, 1.0),
                RetryDecision::RetryIn { millis: 1_000 }
            );
            assert_eq!(POLICY.decide(3, failure, 1.0), RetryDecision::GiveUp);
        }
    }

    #[test]
    fn client_errors_never_retry() {
        for status in [400, 401, 403, 404, 409, 413, 415, 422] {
            assert_eq!(
                Failure::from_answer(status, None, None),
                Failure::Client { status }
            );
            assert_eq!(
                POLICY.decide(1, Failure::Client { status }, 0.5),
                RetryDecision::GiveUp
            );
        }
    }

    #[test]
    fn rate_limits_count_down_and_retry_by_themselves_only_when_short() {
        let limited = |secs| Failure::from_answer(429, None, Some(secs));
        for (attempt, secs, automatic) in
            [(1, 2, true), (1, 30, true), (1, 31, false), (3, 2, false)]
        {
            assert_eq!(
                POLICY.decide(attempt, limited(secs), 0.5),
                RetryDecision::Countdown { secs, automatic },
                "attempt {attempt}, {secs} s"
            );
        }
        assert_eq!(
            POLICY.decide(1, Failure::from_answer(429, None, None), 1.0),
            RetryDecision::RetryIn { millis: 500 }
        );
    }

    #[test]
    fn each_error_status_has_one_recourse() {
        for (statuses, recourse) in [
            (&[500, 502, 503, 504, 599][..], Recourse::Retry),
            (&[429], Recourse::Countdown),
            (&[400, 413, 415, 422], Recourse::FixInput),
            (
                &[401, 403, 404, 405, 408, 409, 410, 300, 0],
                Recourse::GiveUp,
            ),
        ] {
            for &status in statuses {
                assert_eq!(Recourse::for_status(status), recourse, "{status}");
            }
        }
    }

    #[test]
    fn only_the_proxys_key_in_use_makes_a_409_worth_waiting_for() {
        use crate::ErrorCode;
        assert_eq!(
            Recourse::for_answer(409, Some(&ErrorCode::IdempotencyKeyInUse)),
            Recourse::Countdown
        );
        assert_eq!(
            Failure::from_answer(409, Some(&ErrorCode::IdempotencyKeyInUse), Some(3)),
            Failure::RateLimited {
                retry_after_secs: Some(3)
            }
        );
        for code in [None, Some(&ErrorCode::Conflict)] {
            assert_eq!(Recourse::for_answer(409, code), Recourse::GiveUp);
        }
        assert_eq!(
            Recourse::for_answer(422, Some(&ErrorCode::IdempotencyKeyReused)),
            Recourse::FixInput
        );
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        assert_eq!(POLICY.backoff_ms(10, 1.0), 8_000);
        assert_eq!(POLICY.backoff_ms(u32::MAX, 1.0), 8_000);
        assert_eq!(POLICY.backoff_ms(3, 0.0), 0);
        assert_eq!(POLICY.backoff_ms(3, 0.5), 1_000);
        assert_eq!(POLICY.backoff_ms(2, f64::NAN), 0);
        assert_eq!(POLICY.backoff_ms(2, 7.0), 1_000);
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(parse_retry_after("2", 0), Some(2));
        assert_eq!(parse_retry_after(" 120 ", 0), Some(120));
        // 1994-11-06T08:49:37Z is 784111777.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_770),
            Some(7)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_800),
            Some(0)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", 0),
            Some(0)
        );
        // 2000-02-29T12:00:00Z is 951825600.
        assert_eq!(
            parse_retry_after("Tue, 29 Feb 2000 12:00:00 GMT", 951_825_590),
            Some(10)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
        ] {
            assert_eq!(parse_retry_after(bad, 0), None, "{bad:?}");
        }
    }

    /// An IMF-fixdate written from seconds since the epoch, by the inverse of the parser's day
    /// count (days to a civil date), so that each checks the other.
    fn imf_fixdate(at: u64) -> String {
        const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MONTHS: [&str; 12] = [
            "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb",
        ];
        let (days, secs) = (at / 86_400, at % 86_400);
        let shifted = days + 719_468;
        let (era, day_of_era) = (shifted / 146_097, shifted % 146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let year = era * 400 + year_of_era + u64::from(month_index >= 10);
        format!(
            "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
            DAYS[(days % 7) as usize],
            MONTHS[month_index as usize],
            secs / 3_600,
            secs / 60 % 60,
            secs % 60
        )
    }

    #[test]
    fn the_test_formatter_writes_known_dates() {
        assert_eq!(imf_fixdate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(imf_fixdate(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(imf_fixdate(951_825_600), "Tue, 29 Feb 2000 12:00:00 GMT");
        assert_eq!(
            imf_fixdate(253_402_300_799),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
    }

    proptest! {
        #[test]
        fn delta_seconds_read_as_given(seconds in any::<u64>(), now in any::<u64>()) {
            prop_assert_eq!(parse_retry_after(&seconds.to_string(), now), Some(seconds));
            prop_assert_eq!(parse_retry_after(&format!(" {seconds}\t"), now), Some(seconds));
        }

        /// Every instant a four-digit year can name, read back at any moment.
        #[test]
        fn a_date_reads_as_the_seconds_until_it(
            at in 0u64..253_402_300_800,
            now in 0u64..253_402_300_800,
        ) {
            let date = imf_fixdate(at);
            prop_assert_eq!(parse_imf_fixdate(&date), Some(at), "{}", date);
            prop_assert_eq!(parse_retry_after(&date, now), Some(at.saturating_sub(now)));
        }

        #[test]
        fn backoff_stays_within_its_ceiling(attempts in 0u32..100, random in any::<f64>()) {
            prop_assert!(POLICY.backoff_ms(attempts, random) <= POLICY.max_delay_ms);
        }

        #[test]
        fn retry_after_never_panics(value in any::<String>(), now in any::<u64>()) {
            let _ = parse_retry_after(&value, now);
        }
    }
}
