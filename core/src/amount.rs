//! Amounts: what a person types, as integer cents. No floating point anywhere.
//!
//! A comma is only a thousands separator between groups of exactly three digits, so "25,50" is
//! an error that asks for a dot (it is never read as $2,550.00).

use crate::quoted::Quoted;
use std::fmt;

/// The API's floor: it answers 400 below USD 5.00.
pub const API_MINIMUM_CENTS: u64 = 500;
/// Stripe's card ceiling, USD 999,999.99.
pub const DEFAULT_MAXIMUM_CENTS: u64 = 99_999_999;

/// An amount in cents that lies within the limits it was parsed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct AmountCents(u64);

/// The inclusive range an embedder allows; the minimum never goes below the API's floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountLimits {
    min: u64,
    max: u64,
}

/// Why a pair of limits is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitsError {
    BelowApiMinimum { min: u64 },
    MinAboveMax { min: u64, max: u64 },
}

/// Which rule an amount breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    Empty,
    /// "25,50": a comma used as the decimal mark.
    DecimalComma,
    /// Commas that do not separate groups of three digits, such as "1,00,000".
    Grouping,
    /// More than one dot.
    MultipleDots,
    /// More than two digits after the dot.
    TooManyDecimals,
    /// A plus or minus sign.
    Sign,
    /// Anything else that is not a digit, such as a letter or an exponent; position from 1.
    InvalidCharacter {
        character: char,
        position: usize,
    },
    /// A dollar sign or a dot with no digits.
    NoDigits,
    BelowMinimum {
        min: AmountCents,
    },
    AboveMaximum {
        max: AmountCents,
    },
}

impl AmountLimits {
    pub fn new(min: u64, max: u64) -> Result<Self, LimitsError> {
        if min < API_MINIMUM_CENTS {
            return Err(LimitsError::BelowApiMinimum { min });
        }
        if min > max {
            return Err(LimitsError::MinAboveMax { min, max });
        }
        Ok(Self { min, max })
    }

    pub fn min(&self) -> AmountCents {
        AmountCents(self.min)
    }

    pub fn max(&self) -> AmountCents {
        AmountCents(self.max)
    }

    /// Checks cents that arrived as a number (the proxy's JSON body, a preset, a query value).
    pub fn check(&self, cents: u64) -> Result<AmountCents, AmountError> {
        if cents < self.min {
            Err(AmountError::BelowMinimum { min: self.min() })
        } else if cents > self.max {
            Err(AmountError::AboveMaximum { max: self.max() })
        } else {
            Ok(AmountCents(cents))
        }
    }
}

impl Default for AmountLimits {
    fn default() -> Self {
        Self {
            min: API_MINIMUM_CENTS,
            max: DEFAULT_MAXIMUM_CENTS,
        }
    }
}

impl AmountCents {
    /// Parses what a person typed: "25", "25.5", "25.50", "$25", "1000", "1,000.00".
    pub fn parse(input: &str, limits: &AmountLimits) -> Result<Self, AmountError> {
        limits.check(parse_cents(input)?)
    }

    pub fn cents(self) -> u64 {
        self.0
    }

    /// As money, for display and for sums with balances (which are signed).
    pub fn money(self) -> crate::Money {
        crate::Money::from_unsigned_cents(self.0)
    }

    /// The plain decimal form that `parse` reads back: "25", "25.50", "1000".
    pub fn to_input_string(self) -> String {
        let (dollars, cents) = (self.0 / 100, self.0 % 100);
        if cents == 0 {
            dollars.to_string()
        } else {
            format!("{dollars}.{cents:02}")
        }
    }
}

/// The grammar alone, without the limits. Saturates instead of overflowing, so absurdly long
/// inputs come out as "above the maximum".
fn parse_cents(input: &str) -> Result<u64, AmountError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(AmountError::Empty);
    }
    let leading = input.len() - input.trim_start().len();
    let (number, offset) = match trimmed.strip_prefix('$') {
        Some(rest) => (
            rest.trim_start(),
            leading + 1 + (rest.len() - rest.trim_start().len()),
        ),
        None => (trimmed, leading),
    };
    for (index, character) in number.chars().enumerate() {
        match character {
            '0'..='9' | ',' | '.' => {}
            '+' | '-' => return Err(AmountError::Sign),
            _ => {
                let before = input.get(..offset).unwrap_or_default();
                let position = before.chars().count() + index + 1;
                return Err(AmountError::InvalidCharacter {
                    character,
                    position,
                });
            }
        }
    }
    let mut parts = number.split('.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next();
    if parts.next().is_some() {
        return Err(AmountError::MultipleDots);
    }
    if let Some(fraction) = fraction {
        if fraction.contains(',') {
            return Err(AmountError::Grouping);
        }
        if fraction.len() > 2 {
            return Err(AmountError::TooManyDecimals);
        }
    }
    let digits = ungroup(whole, fraction.is_none())?;
    let fraction = fraction.unwrap_or_default();
    if digits.is_empty() && fraction.is_empty() {
        return Err(AmountError::NoDigits);
    }
    let dollars = digits.bytes().fold(0u64, |acc, digit| {
        acc.saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    });
    let cents = match fraction.as_bytes() {
        [] => 0,
        [tens] => u64::from(tens - b'0') * 10,
        [tens, ones] => u64::from(tens - b'0') * 10 + u64::from(ones - b'0'),
        _ => unreachable!("longer fractions were refused above"),
    };
    Ok(dollars.saturating_mul(100).saturating_add(cents))
}

/// Removes thousands separators after checking they sit between groups of three digits.
fn ungroup(whole: &str, no_dot: bool) -> Result<String, AmountError> {
    if !whole.contains(',') {
        return Ok(whole.to_owned());
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let last = groups.last().copied().unwrap_or_default();
    // "25,50" or "25,5": someone meant a decimal comma.
    if no_dot && groups.len() == 2 && (1..=2).contains(&last.len()) {
        return Err(AmountError::DecimalComma);
    }
    let first_ok = groups
        .first()
        .is_some_and(|first| (1..=3).contains(&first.len()));
    if first_ok && groups.iter().skip(1).all(|group| group.len() == 3) {
        Ok(groups.concat())
    } else {
        Err(AmountError::Grouping)
    }
}

impl fmt::Display for AmountCents {
    /// "USD 25.50": an unambiguous form for logs and API messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "USD {}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("is required"),
            Self::DecimalComma => f.write_str("uses a comma for cents; use a dot, as in 25.50"),
            Self::Grouping => f.write_str("has commas that do not separate groups of three digits"),
            Self::MultipleDots => f.write_str("has more than one dot"),
            Self::TooManyDecimals => f.write_str("has more than two digits after the dot"),
            Self::Sign => f.write_str("must not have a sign"),
            Self::InvalidCharacter {
                character,
                position,
            } => {
                write!(
                    f,
                    "has a character that is not a digit ({} at position {position})",
                    Quoted(*character)
                )
            }
            Self::NoDigits => f.write_str("has no digits"),
            Self::BelowMinimum { min } => write!(f, "must be at least {} cents", min.cents()),
            Self::AboveMaximum { max } => write!(f, "must be at most {} cents", max.cents()),
        }
    }
}

impl std::error::Error for AmountError {}

impl fmt::Display for LimitsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BelowApiMinimum { min } => {
                write!(
                    f,
                    "minimum {min} cents is below the API's floor of {API_MINIMUM_CENTS}"
                )
            }
            Self::MinAboveMax { min, max } => write!(f, "minimum {min} is above maximum {max}"),
        }
    }
}

impl std::error::Error for LimitsError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(input: &str) -> Result<u64, AmountError> {
        AmountCents::parse(input, &AmountLimits::default()).map(AmountCents::cents)
    }

    #[test]
    fn reads_the_forms_people_type() {
        for (input, cents) in [
            ("25", 2500),
            ("25.5", 2550),
            ("25.50", 2550),
            ("$25", 2500),
            ("$ 25.05", 2505),
            ("1000", 100_000),
            ("1,000.00", 100_000),
            ("123,456.78", 12_345_678),
            (" 30. ", 3000),
            ("999999.99", 99_999_999),
            ("5", 500),
        ] {
            assert_eq!(parse(input), Ok(cents), "{input:?}");
        }
    }

    #[test]
    fn a_decimal_comma_asks_for_a_dot() {
        assert_eq!(parse("25,50"), Err(AmountError::DecimalComma));
        assert_eq!(parse("25,5"), Err(AmountError::DecimalComma));
        assert_eq!(parse("$1,5"), Err(AmountError::DecimalComma));
    }

    #[test]
    fn commas_must_group_by_three() {
        for input in [
            "1,00,000",
            "1,0000",
            "1234,567",
            ",100",
            "1,000,00.5",
            "100,",
            "1,000.0,0",
        ] {
            assert_eq!(parse(input), Err(AmountError::Grouping), "{input:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_plain_amount() {
        assert_eq!(parse(""), Err(AmountError::Empty));
        assert_eq!(parse("  "), Err(AmountError::Empty));
        assert_eq!(parse("$"), Err(AmountError::NoDigits));
        assert_eq!(parse("."), Err(AmountError::NoDigits));
        assert_eq!(parse("25.505"), Err(AmountError::TooManyDecimals));
        assert_eq!(parse("1.2.3"), Err(AmountError::MultipleDots));
        assert_eq!(parse("-25"), Err(AmountError::Sign));
        assert_eq!(parse("+25"), Err(AmountError::Sign));
        assert_eq!(
            parse("1e3"),
            Err(AmountError::InvalidCharacter {
                character: 'e',
                position: 2
            })
        );
        assert_eq!(
            parse(" $ 2x"),
            Err(AmountError::InvalidCharacter {
                character: 'x',
                position: 5
            })
        );
        assert_eq!(
            parse("€25"),
            Err(AmountError::InvalidCharacter {
                character: '€',
                position: 1
            })
        );
    }

    #[test]
    fn enforces_the_limits() {
        let min = AmountCents(500);
        let max = AmountCents(DEFAULT_MAXIMUM_CENTS);
        assert_eq!(parse("4.99"), Err(AmountError::BelowMinimum { min }));
        assert_eq!(parse("0"), Err(AmountError::BelowMinimum { min }));
        assert_eq!(parse("1000000"), Err(AmountError::AboveMaximum { max }));
        assert_eq!(
            parse("99999999999999999999999999"),
            Err(AmountError::AboveMaximum { max })
        );
        let narrow = AmountLimits::new(1000, 5000).expect("valid limits");
        assert_eq!(
            AmountCents::parse("9.99", &narrow),
            Err(AmountError::BelowMinimum {
                min: AmountCents(1000)
            })
        );
        assert_eq!(
            AmountCents::parse("50.01", &narrow),
            Err(AmountError::AboveMaximum {
                max: AmountCents(5000)
            })
        );
        assert_eq!(
            AmountCents::parse("50", &narrow).map(AmountCents::cents),
            Ok(5000)
        );
    }

    #[test]
    fn limits_never_go_below_the_api_floor() {
        assert_eq!(
            AmountLimits::new(499, 1000),
            Err(LimitsError::BelowApiMinimum { min: 499 })
        );
        assert_eq!(
            AmountLimits::new(2000, 1000),
            Err(LimitsError::MinAboveMax {
                min: 2000,
                max: 1000
            })
        );
        assert!(AmountLimits::new(500, 500).is_ok());
    }

    #[test]
    fn formats_for_input_and_for_messages() {
        assert_eq!(AmountCents(2500).to_input_string(), "25");
        assert_eq!(AmountCents(2505).to_input_string(), "25.05");
        assert_eq!(AmountCents(2550).to_string(), "USD 25.50");
        assert_eq!(
            serde_json::to_string(&AmountCents(2550)).expect("serializes"),
            "2550"
        );
    }

    fn grouped(cents: u64) -> String {
        let digits = (cents / 100).to_string();
        let mut out = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                out.push(',');
            }
            out.push(digit);
        }
        format!("{out}.{:02}", cents % 100)
    }

    proptest! {
        #[test]
        fn every_amount_in_range_formats_and_parses_back(cents in API_MINIMUM_CENTS..=DEFAULT_MAXIMUM_CENTS) {
            let amount = AmountLimits::default().check(cents).expect("in range");
            prop_assert_eq!(parse(&amount.to_input_string()), Ok(cents));
            prop_assert_eq!(parse(&grouped(cents)), Ok(cents));
            prop_assert_eq!(parse(&format!("${}", amount.to_input_string())), Ok(cents));
        }

        #[test]
        fn no_input_panics(input in any::<String>()) {
            let _ = parse(&input);
        }

        #[test]
        fn no_amount_like_input_panics(input in "[ $0-9,.+e-]{0,24}") {
            let _ = parse(&input);
        }
    }
}
