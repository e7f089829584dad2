//! `Retry-After` values, read at several moments.
//!
//! Properties: delta seconds read as given whatever the time; a date reads as the seconds until
//! it (never negative, never more for a later now); an accepted date, written back as a
//! canonical IMF-fixdate by an independent formatter, reads as the same instant; and where that
//! formatter's own parser also accepts the input, the two agree.
#![no_main]

use closient_checkout_core::{parse_imf_fixdate, parse_retry_after};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, UNIX_EPOCH};

/// The epoch, the example date of RFC 9110, today-ish and the far end of `u64`.
const NOWS: [u64; 4] = [0, 784_111_777, 1_800_000_000, u64::MAX];
/// 10000-01-01T00:00:00Z: four-digit years end here (a leap second can reach it).
const YEAR_10000: u64 = 253_402_300_800;

fuzz_target!(|value: &str| {
    let trimmed = value.trim();
    let delays = NOWS.map(|now| parse_retry_after(value, now));

    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = trimmed.parse().unwrap_or(u64::MAX);
        assert_eq!(delays, [Some(seconds); 4], "{value:?}");
        return;
    }

    let Some(at) = parse_imf_fixdate(trimmed) else {
        assert_eq!(delays, [None; 4], "{value:?}");
        return;
    };
    for (now, delay) in NOWS.iter().zip(delays) {
        assert_eq!(delay, Some(at.saturating_sub(*now)), "{value:?} at {now}");
    }
    assert!(
        delays.windows(2).all(|pair| pair[0] >= pair[1]),
        "{value:?}"
    );

    if at < YEAR_10000 {
        let canonical = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(at));
        assert_eq!(
            parse_imf_fixdate(&canonical),
            Some(at),
            "{value:?} is {canonical:?}"
        );
    }
    if let Ok(reference) = httpdate::parse_http_date(trimmed) {
        let reference = reference
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs());
        assert_eq!(reference, Some(at), "{value:?}");
    }
});
