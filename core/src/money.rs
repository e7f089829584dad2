//! Money as the API writes it: decimal strings such as "150.00" or "-3.10", held as cents.

use std::fmt;

/// A signed amount of money in cents (a balance can go negative).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Money {
    cents: i64,
}

/// The string is not a decimal amount with at most two decimals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyError {
    pub input: String,
}

impl Money {
    pub const fn from_cents(cents: i64) -> Self {
        Self { cents }
    }

    /// Cents that are never negative, such as an amount to pay; the largest `i64` at most.
    pub fn from_unsigned_cents(cents: u64) -> Self {
        Self::from_cents(i64::try_from(cents).unwrap_or(i64::MAX))
    }

    pub const fn cents(self) -> i64 {
        self.cents
    }

    pub fn parse(input: &str) -> Result<Self, MoneyError> {
        let error = || MoneyError {
            input: input.to_owned(),
        };
        let (negative, unsigned) = match input.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, input),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
            return Err(error());
        }
        if unsigned.ends_with('.') {
            return Err(error());
        }
        let whole: i64 = whole.parse().map_err(|_| error())?;
        let fraction: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().map_err(|_| error())? * 10,
            _ => fraction.parse().map_err(|_| error())?,
        };
        let cents = whole
            .checked_mul(100)
            .and_then(|c| c.checked_add(fraction))
            .ok_or_else(error)?;
        Ok(Self {
            cents: if negative { -cents } else { cents },
        })
    }
}

impl fmt::Display for Money {
    /// The API's own form: "150.00", "-3.10".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl TryFrom<String> for Money {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Money> for String {
    fn from(money: Money) -> Self {
        money.to_string()
    }
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a decimal amount of money", self.input)
    }
}

impl std::error::Error for MoneyError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_api_decimal_strings() {
        assert_eq!(Money::parse("150.00").map(Money::cents), Ok(15_000));
        assert_eq!(Money::parse("-3.10").map(Money::cents), Ok(-310));
        assert_eq!(Money::parse("0").map(Money::cents), Ok(0));
        assert_eq!(Money::parse("12.5").map(Money::cents), Ok(1250));
        for bad in [
            "",
            "-",
            "1.",
            ".5",
            "1.234",
            "1,000.00",
            "+1",
            "1e3",
            " 1",
            "--1",
            "99999999999999999999",
        ] {
            assert!(Money::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn writes_the_api_form() {
        assert_eq!(Money::from_cents(15_000).to_string(), "150.00");
        assert_eq!(Money::from_cents(-310).to_string(), "-3.10");
        assert_eq!(Money::from_cents(-5).to_string(), "-0.05");
        let json: Money = serde_json::from_str("\"1234.50\"").expect("valid");
        assert_eq!(json.cents(), 123_450);
    }

    proptest! {
        #[test]
        fn round_trips(cents in -10_000_000_000i64..10_000_000_000) {
            let money = Money::from_cents(cents);
            prop_assert_eq!(Money::parse(&money.to_string()), Ok(money));
        }

        #[test]
        fn no_input_panics(input in any::<String>()) {
            let _ = Money::parse(&input);
        }
    }
}
