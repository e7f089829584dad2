//! Amounts: what a person types, as integer cents. No floating point anywhere.
//!
//! Input is read with the separators of the person's locale ([`Separators`]). The group
//! separator is only accepted between groups of exactly three digits, so in English "25,50" is
//! an error that asks for a dot (it is never read as $2,550.00), and in German, which mirrors
//! English, "25.50" is an error that asks for a comma. Whatever could be read two ways is
//! refused with a structured error, never guessed.

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

/// The decimal mark and group separator a locale uses, as `Intl.NumberFormat` reports them.
///
/// Fields are private so that every value has passed [`Separators::new`]'s checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Separators {
    decimal: char,
    group: char,
}

/// Why a pair of separators is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeparatorsError {
    /// The decimal mark is the group separator, or reads as it (two kinds of space, or of
    /// apostrophe): every "1,500" would be ambiguous.
    Same { separator: char },
    /// A digit, a sign or '$', which the grammar reads otherwise, or a space as the decimal
    /// mark, which trimming would eat.
    Reserved { separator: char },
}

/// Which rule an amount breaks. Variants that name a separator carry the one in play, so the
/// widget can word its hint for the locale ("use a comma for cents, as in 25,50").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    Empty,
    /// The other common decimal mark used for cents: "25,50" in English, "25.50" in German.
    WrongDecimalMark {
        expected: char,
    },
    /// Group separators that do not separate groups of three digits, such as "1,00,000" in
    /// English, or that stand after the decimal mark.
    Grouping {
        group: char,
        decimal: char,
    },
    /// More than one decimal mark.
    MultipleDecimalMarks {
        decimal: char,
    },
    /// More than two digits after the decimal mark.
    TooManyDecimals {
        decimal: char,
    },
    /// A plus or minus sign.
    Sign,
    /// Anything else that is not a digit, such as a letter or an exponent; position from 1.
    InvalidCharacter {
        character: char,
        position: usize,
    },
    /// A dollar sign or a decimal mark with no digits.
    NoDigits,
    BelowMinimum {
        min: AmountCents,
    },
    AboveMaximum {
        max: AmountCents,
    },
}

impl AmountError {
    /// A stable name for the rule broken, for programs (the widget's `invalid` event).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "EMPTY",
            Self::WrongDecimalMark { .. } => "WRONG_DECIMAL_MARK",
            Self::Grouping { .. } => "GROUPING",
            Self::MultipleDecimalMarks { .. } => "MULTIPLE_DECIMAL_MARKS",
            Self::TooManyDecimals { .. } => "TOO_MANY_DECIMALS",
            Self::Sign => "SIGN",
            Self::InvalidCharacter { .. } => "INVALID_CHARACTER",
            Self::NoDigits => "NO_DIGITS",
            Self::BelowMinimum { .. } => "BELOW_MINIMUM",
            Self::AboveMaximum { .. } => "ABOVE_MAXIMUM",
        }
    }

    /// The bound a limit rule names, in cents: what a server sends beside the code.
    pub fn limit(&self) -> Option<u64> {
        match self {
            Self::BelowMinimum { min } => Some(min.0),
            Self::AboveMaximum { max } => Some(max.0),
            _ => None,
        }
    }

    /// The limit rule that `code` and `limit` name, as `code` and `limit` give them.
    pub fn from_limit_code(code: &str, limit: u64) -> Option<Self> {
        match code {
            "BELOW_MINIMUM" => Some(Self::BelowMinimum {
                min: AmountCents(limit),
            }),
            "ABOVE_MAXIMUM" => Some(Self::AboveMaximum {
                max: AmountCents(limit),
            }),
            _ => None,
        }
    }
}

impl Separators {
    /// "25.50", "1,000.00": today's rules, and the fallback for any locale.
    pub const ENGLISH: Self = Self {
        decimal: '.',
        group: ',',
    };
    /// "25,50", "1.000,00": English mirrored.
    pub const GERMAN: Self = Self {
        decimal: ',',
        group: '.',
    };

    /// Any pair the browser's `Intl.NumberFormat` may report, such as ',' and U+202F (fr-FR)
    /// or '.' and '’' (de-CH). Refuses pairs the grammar could not read unambiguously.
    pub fn new(decimal: char, group: char) -> Result<Self, SeparatorsError> {
        for separator in [decimal, group] {
            if separator.is_ascii_digit() || matches!(separator, '+' | '-' | '$') {
                return Err(SeparatorsError::Reserved { separator });
            }
        }
        if decimal.is_whitespace() {
            return Err(SeparatorsError::Reserved { separator: decimal });
        }
        let separators = Self { decimal, group };
        if separators.is_group(decimal) {
            return Err(SeparatorsError::Same { separator: decimal });
        }
        Ok(separators)
    }

    pub fn decimal(self) -> char {
        self.decimal
    }

    pub fn group(self) -> char {
        self.group
    }

    /// Whether a person typed the group separator. `Intl` reports spaces and apostrophes that
    /// keyboards do not have (U+202F in French, '’' in Swiss German), so any space stands for a
    /// space separator, and either apostrophe for an apostrophe one.
    fn is_group(self, character: char) -> bool {
        fn kind(character: char) -> Option<u8> {
            match character {
                ' ' | '\u{a0}' | '\u{2009}' | '\u{202f}' => Some(0),
                '\'' | '\u{2019}' => Some(1),
                _ => None,
            }
        }
        character == self.group || kind(character).is_some_and(|k| kind(self.group) == Some(k))
    }

    /// The decimal mark of the other convention, which people bring from other locales.
    fn other_decimal(self) -> char {
        if self.decimal == '.' { ',' } else { '.' }
    }
}

impl Default for Separators {
    fn default() -> Self {
        Self::ENGLISH
    }
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
    /// Parses what a person typed in English: "25", "25.5", "25.50", "$25", "1000", "1,000.00".
    pub fn parse(input: &str, limits: &AmountLimits) -> Result<Self, AmountError> {
        Self::parse_with(input, limits, Separators::ENGLISH)
    }

    /// Parses what a person typed with a locale's separators: in German "25,50", "1.000,00".
    pub fn parse_with(
        input: &str,
        limits: &AmountLimits,
        separators: Separators,
    ) -> Result<Self, AmountError> {
        limits.check(parse_cents(input, separators)?)
    }

    pub fn cents(self) -> u64 {
        self.0
    }

    /// As money, for display and for sums with balances (which are signed).
    pub fn money(self) -> crate::Money {
        crate::Money::from_unsigned_cents(self.0)
    }

    /// The plain English form that `parse` reads back: "25", "25.50", "1000".
    pub fn to_input_string(self) -> String {
        self.to_input_string_with(Separators::ENGLISH)
    }

    /// The plain form that `parse_with` reads back for those separators: "25", "25,50", "1000"
    /// in German. Never grouped, so it is the same for every group separator.
    pub fn to_input_string_with(self, separators: Separators) -> String {
        let (dollars, cents) = (self.0 / 100, self.0 % 100);
        if cents == 0 {
            dollars.to_string()
        } else {
            format!("{dollars}{}{cents:02}", separators.decimal)
        }
    }
}

/// The grammar alone, without the limits. Saturates instead of overflowing, so absurdly long
/// inputs come out as "above the maximum".
///
/// The rules, in the order they are checked:
/// 1. Surrounding whitespace is trimmed; nothing left is `Empty`.
/// 2. One leading '$' may stand before the number, with spaces after it.
/// 3. The other convention's decimal mark, once, followed by one or two digits and with no
///    decimal mark of our own ("25,50" in English, "25.50" in German), is `WrongDecimalMark`:
///    whether it was meant as cents or as a group, reading it either way would be a guess.
/// 4. Only digits, the decimal mark and the group separator may remain (`Sign`,
///    `InvalidCharacter`).
/// 5. The decimal mark at most once, with at most two digits and no group separator after it.
/// 6. Group separators only in the whole part, between groups of exactly three digits, the
///    first of one to three; so "1.500" in German is 1500, and "1,500" in German is refused for
///    its three decimals rather than read as 1500.
fn parse_cents(input: &str, separators: Separators) -> Result<u64, AmountError> {
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
    if uses_other_decimal(number, separators) {
        return Err(AmountError::WrongDecimalMark {
            expected: separators.decimal,
        });
    }
    for (index, character) in number.chars().enumerate() {
        match character {
            '0'..='9' => {}
            c if c == separators.decimal || separators.is_group(c) => {}
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
    let grouping = AmountError::Grouping {
        group: separators.group,
        decimal: separators.decimal,
    };
    let mut parts = number.split(separators.decimal);
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next().unwrap_or_default();
    if parts.next().is_some() {
        return Err(AmountError::MultipleDecimalMarks {
            decimal: separators.decimal,
        });
    }
    if fraction.contains(|c| separators.is_group(c)) {
        return Err(grouping);
    }
    if fraction.len() > 2 {
        return Err(AmountError::TooManyDecimals {
            decimal: separators.decimal,
        });
    }
    let digits = ungroup(whole, separators).ok_or(grouping)?;
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

/// Rule 3: digits and group separators, then the other convention's decimal mark once, then
/// one or two digits. The other mark stands anywhere else only where it is the group separator
/// (then rule 6 judges it); otherwise rule 4 refuses it as a character.
fn uses_other_decimal(number: &str, separators: Separators) -> bool {
    let Some((whole, cents)) = number.split_once(separators.other_decimal()) else {
        return false;
    };
    (1..=2).contains(&cents.len())
        && cents.bytes().all(|byte| byte.is_ascii_digit())
        && whole
            .chars()
            .all(|c| c.is_ascii_digit() || separators.is_group(c))
}

/// Rule 6: the whole part's digits, once its group separators are checked and removed.
fn ungroup(whole: &str, separators: Separators) -> Option<String> {
    if !whole.contains(|c| separators.is_group(c)) {
        return Some(whole.to_owned());
    }
    let groups: Vec<&str> = whole.split(|c| separators.is_group(c)).collect();
    let first_ok = groups
        .first()
        .is_some_and(|first| (1..=3).contains(&first.len()));
    (first_ok && groups.iter().skip(1).all(|group| group.len() == 3)).then(|| groups.concat())
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
            Self::WrongDecimalMark { expected } => write!(
                f,
                "uses the wrong decimal mark; use {} for cents, as in 25{expected}50",
                Quoted(*expected)
            ),
            Self::Grouping { group, decimal } => write!(
                f,
                "has group separators ({}) that do not separate groups of three digits before \
                 the decimal mark, as in 1{group}000{decimal}00",
                Quoted(*group)
            ),
            Self::MultipleDecimalMarks { decimal } => {
                write!(f, "has more than one decimal mark ({})", Quoted(*decimal))
            }
            Self::TooManyDecimals { decimal } => write!(
                f,
                "has more than two digits after the decimal mark ({})",
                Quoted(*decimal)
            ),
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

impl fmt::Display for SeparatorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Same { separator } => write!(
                f,
                "the decimal mark {} cannot also be read as the group separator",
                Quoted(*separator)
            ),
            Self::Reserved { separator } => write!(
                f,
                "{} cannot be a separator: amounts read it otherwise",
                Quoted(*separator)
            ),
        }
    }
}

impl std::error::Error for SeparatorsError {}

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

    const ENGLISH_GROUPING: AmountError = AmountError::Grouping {
        group: ',',
        decimal: '.',
    };

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
        assert_eq!(
            parse("25,50"),
            Err(AmountError::WrongDecimalMark { expected: '.' })
        );
        assert_eq!(
            parse("25,5"),
            Err(AmountError::WrongDecimalMark { expected: '.' })
        );
        assert_eq!(
            parse("$1,5"),
            Err(AmountError::WrongDecimalMark { expected: '.' })
        );
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
            assert_eq!(parse(input), Err(ENGLISH_GROUPING), "{input:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_plain_amount() {
        assert_eq!(parse(""), Err(AmountError::Empty));
        assert_eq!(parse("  "), Err(AmountError::Empty));
        assert_eq!(parse("$"), Err(AmountError::NoDigits));
        assert_eq!(parse("."), Err(AmountError::NoDigits));
        assert_eq!(
            parse("25.505"),
            Err(AmountError::TooManyDecimals { decimal: '.' })
        );
        assert_eq!(
            parse("1.2.3"),
            Err(AmountError::MultipleDecimalMarks { decimal: '.' })
        );
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

    const FRENCH: Separators = Separators {
        decimal: ',',
        group: '\u{202f}',
    };
    const SWISS: Separators = Separators {
        decimal: '.',
        group: '\u{2019}',
    };
    /// English, German, a space-grouped and an apostrophe-grouped locale.
    const LOCALES: [Separators; 4] = [Separators::ENGLISH, Separators::GERMAN, FRENCH, SWISS];

    fn parse_in(input: &str, separators: Separators) -> Result<u64, AmountError> {
        AmountCents::parse_with(input, &AmountLimits::default(), separators).map(AmountCents::cents)
    }

    fn grouping(separators: Separators) -> AmountError {
        AmountError::Grouping {
            group: separators.group(),
            decimal: separators.decimal(),
        }
    }

    #[test]
    fn german_mirrors_english() {
        for (input, cents) in [
            ("25", 2500),
            ("25,5", 2550),
            ("25,50", 2550),
            ("10,5", 1050),
            ("$25", 2500),
            ("$ 25,05", 2505),
            ("1000", 100_000),
            ("1.500", 150_000),
            ("1.500,00", 150_000),
            ("123.456,78", 12_345_678),
            (" 30, ", 3000),
            ("999999,99", 99_999_999),
        ] {
            let english = input.replace(',', "#").replace('.', ",").replace('#', ".");
            assert_eq!(parse_in(input, Separators::GERMAN), Ok(cents), "{input:?}");
            assert_eq!(parse(&english), Ok(cents), "{english:?}");
        }
        // Below the limits, but read as cents all the same.
        assert_eq!(parse_cents("1,5", Separators::GERMAN), Ok(150));
    }

    #[test]
    fn german_refuses_what_could_be_read_two_ways() {
        let german = |input| parse_in(input, Separators::GERMAN);
        let comma = AmountError::WrongDecimalMark { expected: ',' };
        assert_eq!(german("25.50"), Err(comma));
        assert_eq!(german("1.50"), Err(comma));
        assert_eq!(german("$1.5"), Err(comma));
        assert_eq!(german("1.50.000"), Err(grouping(Separators::GERMAN)));
        assert_eq!(german("1.00.000"), Err(grouping(Separators::GERMAN)));
        assert_eq!(german("1,500.00"), Err(grouping(Separators::GERMAN)));
        assert_eq!(
            german("1,500"),
            Err(AmountError::TooManyDecimals { decimal: ',' })
        );
        assert_eq!(
            german("1,2,3"),
            Err(AmountError::MultipleDecimalMarks { decimal: ',' })
        );
        assert_eq!(german(","), Err(AmountError::NoDigits));
    }

    #[test]
    fn a_space_grouped_locale_reads_any_space() {
        let french = |input| parse_in(input, FRENCH);
        for (input, cents) in [
            ("1\u{202f}500,50", 150_050),
            ("1 500,50", 150_050),
            ("1\u{a0}500", 150_000),
            ("$ 1 500", 150_000),
            ("25,5", 2550),
        ] {
            assert_eq!(french(input), Ok(cents), "{input:?}");
        }
        let comma = AmountError::WrongDecimalMark { expected: ',' };
        assert_eq!(french("25.50"), Err(comma));
        assert_eq!(french("1 000.50"), Err(comma));
        assert_eq!(french("25 50"), Err(grouping(FRENCH)));
        assert_eq!(
            french("1.500"),
            Err(AmountError::InvalidCharacter {
                character: '.',
                position: 2
            })
        );
    }

    #[test]
    fn an_apostrophe_grouped_locale_reads_either_apostrophe() {
        assert_eq!(parse_in("1'500.50", SWISS), Ok(150_050));
        assert_eq!(parse_in("1\u{2019}500", SWISS), Ok(150_000));
        assert_eq!(
            parse_in("25,50", SWISS),
            Err(AmountError::WrongDecimalMark { expected: '.' })
        );
    }

    #[test]
    fn separators_are_only_pairs_the_grammar_can_read() {
        assert_eq!(Separators::new('.', ','), Ok(Separators::ENGLISH));
        assert_eq!(Separators::new(',', '.'), Ok(Separators::GERMAN));
        assert_eq!(Separators::new(',', '\u{202f}'), Ok(FRENCH));
        assert_eq!(Separators::new('.', '\u{2019}'), Ok(SWISS));
        assert_eq!(Separators::default(), Separators::ENGLISH);
        for (decimal, group) in [('.', '.'), (',', ','), ('\'', '\u{2019}')] {
            assert_eq!(
                Separators::new(decimal, group),
                Err(SeparatorsError::Same { separator: decimal }),
                "{decimal:?} {group:?}"
            );
        }
        for (decimal, group, separator) in [
            ('0', ',', '0'),
            ('.', '5', '5'),
            ('+', ',', '+'),
            ('.', '-', '-'),
            ('$', ',', '$'),
            (' ', '.', ' '),
            ('\u{a0}', '\u{202f}', '\u{a0}'),
        ] {
            assert_eq!(
                Separators::new(decimal, group),
                Err(SeparatorsError::Reserved { separator }),
                "{decimal:?} {group:?}"
            );
        }
    }

    #[test]
    fn formats_for_a_locale() {
        assert_eq!(
            AmountCents(2550).to_input_string_with(Separators::GERMAN),
            "25,50"
        );
        assert_eq!(
            AmountCents(2500).to_input_string_with(Separators::GERMAN),
            "25"
        );
        assert_eq!(AmountCents(150_005).to_input_string_with(FRENCH), "1500,05");
        assert_eq!(
            AmountCents(2550).to_input_string_with(Separators::ENGLISH),
            "25.50"
        );
    }

    #[test]
    fn errors_name_the_separators_in_play() {
        for (error, text) in [
            (
                AmountError::WrongDecimalMark { expected: ',' },
                "uses the wrong decimal mark; use ',' for cents, as in 25,50",
            ),
            (
                grouping(Separators::GERMAN),
                "has group separators ('.') that do not separate groups of three digits before \
                 the decimal mark, as in 1.000,00",
            ),
            (
                AmountError::MultipleDecimalMarks { decimal: '.' },
                "has more than one decimal mark ('.')",
            ),
            (
                AmountError::TooManyDecimals { decimal: ',' },
                "has more than two digits after the decimal mark (',')",
            ),
        ] {
            assert_eq!(error.to_string(), text);
        }
        assert_eq!(
            SeparatorsError::Same { separator: '.' }.to_string(),
            "the decimal mark '.' cannot also be read as the group separator"
        );
    }

    /// The grouped form, as `Intl` would write it, with `group` as the person typed it.
    fn grouped(cents: u64, group: char, decimal: char) -> String {
        let digits = (cents / 100).to_string();
        let mut out = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                out.push(group);
            }
            out.push(digit);
        }
        format!("{out}{decimal}{:02}", cents % 100)
    }

    /// Amount-like input for any separators: 'd' becomes the decimal mark, 'g' the group.
    fn with_separators(pattern: &str, separators: Separators) -> String {
        pattern
            .replace('d', &separators.decimal().to_string())
            .replace('g', &separators.group().to_string())
    }

    proptest! {
        #[test]
        fn every_amount_in_range_formats_and_parses_back(cents in API_MINIMUM_CENTS..=DEFAULT_MAXIMUM_CENTS) {
            let amount = AmountLimits::default().check(cents).expect("in range");
            prop_assert_eq!(parse(&amount.to_input_string()), Ok(cents));
            prop_assert_eq!(parse(&grouped(cents, ',', '.')), Ok(cents));
            prop_assert_eq!(parse(&format!("${}", amount.to_input_string())), Ok(cents));
        }

        #[test]
        fn every_amount_in_range_formats_and_parses_back_in_each_locale(
            cents in API_MINIMUM_CENTS..=DEFAULT_MAXIMUM_CENTS,
        ) {
            let amount = AmountLimits::default().check(cents).expect("in range");
            for separators in LOCALES {
                let plain = amount.to_input_string_with(separators);
                prop_assert_eq!(parse_in(&plain, separators), Ok(cents), "{:?}", separators);
                prop_assert_eq!(parse_in(&format!("$ {plain}"), separators), Ok(cents));
                let formatted = grouped(cents, separators.group(), separators.decimal());
                prop_assert_eq!(parse_in(&formatted, separators), Ok(cents), "{}", formatted);
            }
            prop_assert_eq!(parse_in(&grouped(cents, ' ', ','), FRENCH), Ok(cents));
            prop_assert_eq!(parse_in(&grouped(cents, '\'', '.'), SWISS), Ok(cents));
        }

        #[test]
        fn cents_in_the_other_convention_ask_for_the_right_mark(
            cents in API_MINIMUM_CENTS..=DEFAULT_MAXIMUM_CENTS,
        ) {
            prop_assume!(cents % 100 != 0);
            let amount = AmountLimits::default().check(cents).expect("in range");
            prop_assert_eq!(
                parse_in(&amount.to_input_string(), Separators::GERMAN),
                Err(AmountError::WrongDecimalMark { expected: ',' })
            );
            prop_assert_eq!(
                parse(&amount.to_input_string_with(Separators::GERMAN)),
                Err(AmountError::WrongDecimalMark { expected: '.' })
            );
        }

        #[test]
        fn a_group_separator_after_the_decimal_mark_is_refused(pattern in "[0-9dg]{0,16}") {
            for separators in LOCALES {
                // Surrounding spaces are trimmed, so a space group only counts inside.
                let input = with_separators(&pattern, separators).trim().to_owned();
                let decimal = input.find(separators.decimal());
                let group = input.rfind(separators.group());
                if let (Some(decimal), Some(group)) = (decimal, group)
                    && decimal < group
                {
                    prop_assert!(parse_cents(&input, separators).is_err(), "{:?}", input);
                }
            }
        }

        /// Never guessed: in accepted input every group separator has exactly three digits
        /// after it, so it cannot have been meant as the decimal mark.
        #[test]
        fn accepted_groups_are_always_three_digits(pattern in "[$ 0-9dg.,]{0,16}") {
            for separators in LOCALES {
                let input = with_separators(&pattern, separators);
                if parse_cents(&input, separators).is_ok() {
                    // What the parser reads as the number: no surrounding spaces, no '$'.
                    let trimmed = input.trim();
                    let number = trimmed.strip_prefix('$').map_or(trimmed, str::trim_start);
                    for (index, _) in number.match_indices(|c| separators.is_group(c)) {
                        let after = number[index..].chars().skip(1);
                        let digits = after.take_while(char::is_ascii_digit).count();
                        prop_assert_eq!(digits, 3, "{:?}", input);
                    }
                }
            }
        }

        #[test]
        fn no_input_panics(input in any::<String>()) {
            let _ = parse(&input);
            let _ = parse_in(&input, Separators::GERMAN);
            let _ = parse_in(&input, FRENCH);
        }

        #[test]
        fn no_amount_like_input_panics(input in "[ $0-9,.+e-]{0,24}") {
            let _ = parse(&input);
        }

        #[test]
        fn no_input_panics_for_any_separators(
            decimal in any::<char>(),
            group in any::<char>(),
            pattern in "[ $0-9dg.,'+e-]{0,24}",
        ) {
            if let Ok(separators) = Separators::new(decimal, group) {
                let _ = parse_in(&with_separators(&pattern, separators), separators);
            }
        }
    }
}
