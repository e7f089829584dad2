//! The servers' duration flags: a whole number and a unit, `500ms`, `2s`, `1m` or `1h`.

use std::time::Duration;

/// Reads `500ms`, `2s`, `1m` or `1h`, ignoring spaces around it (an environment variable may have them).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let error = || format!("{text:?} is not a duration like 500ms, 2s, 1m or 1h");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().map_err(|_| error())?;
    match unit {
        "ms" => Ok(Duration::from_millis(number)),
        "s" => Ok(Duration::from_secs(number)),
        "m" => number
            .checked_mul(60)
            .map(Duration::from_secs)
            .ok_or_else(error),
        "h" => number
            .checked_mul(3600)
            .map(Duration::from_secs)
            .ok_or_else(error),
        _ => Err(error()),
    }
}

/// `parse_duration` for a wait that zero would break, such as a timeout.
pub fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err("a duration must be above zero".to_owned());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_durations_in_four_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration(" 3s\n"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for bad in [
            "",
            "2",
            "s",
            "ms",
            "3 s",
            "-1s",
            "1.5s",
            "2d",
            "307445734561825861m",
            "5124095576030432h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_positive_duration_refuses_zero() {
        assert_eq!(parse_positive_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(
            parse_positive_duration("0ms"),
            Err("a duration must be above zero".to_owned())
        );
        assert!(parse_positive_duration("2d").is_err());
    }
}
