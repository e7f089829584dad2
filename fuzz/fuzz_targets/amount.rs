//! Amounts as a person types them, read with several locales' separators.
//!
//! Properties: an amount that parses formats back (`to_input_string_with`) to text that parses
//! to the same cents; every group separator in accepted input has exactly three digits after it
//! (nothing was guessed); and German reads exactly what English reads with '.' and ',' swapped.
#![no_main]

use closient_checkout_core::{AmountCents, AmountError, AmountLimits, Separators};
use libfuzzer_sys::fuzz_target;

/// The separators, and every character each reads as its group separator.
fn locales() -> [(Separators, &'static [char]); 5] {
    let new = |decimal, group| Separators::new(decimal, group).expect("a valid pair");
    const SPACES: &[char] = &[' ', '\u{a0}', '\u{2009}', '\u{202f}'];
    [
        (Separators::ENGLISH, &[',']),
        (Separators::GERMAN, &['.']),
        // fr-FR, as Intl reports it: a narrow no-break space, which any space stands for.
        (new(',', '\u{202f}'), SPACES),
        // de-CH: a typographic apostrophe, which the ASCII one stands for.
        (new('.', '\u{2019}'), &['\'', '\u{2019}']),
        // Arabic: marks outside ASCII, several bytes each.
        (new('\u{66b}', '\u{66c}'), &['\u{66c}']),
    ]
}

fn groups_are_three_digits(input: &str, groups: &[char]) -> bool {
    let trimmed = input.trim();
    let number = trimmed.strip_prefix('$').map_or(trimmed, str::trim_start);
    number.match_indices(groups).all(|(index, group)| {
        let after = &number[index + group.len()..];
        after.chars().take_while(char::is_ascii_digit).count() == 3
    })
}

/// What is compared across locales: the cents, or the rule broken.
fn outcome(result: Result<AmountCents, AmountError>) -> Result<u64, &'static str> {
    result.map(AmountCents::cents).map_err(|e| e.code())
}

fuzz_target!(|input: &str| {
    // The largest maximum that still refuses a saturated reading, so every accepted amount was
    // read exactly.
    let limits = AmountLimits::new(500, u64::MAX - 1).expect("valid limits");
    for (separators, groups) in locales() {
        let Ok(amount) = AmountCents::parse_with(input, &limits, separators) else {
            continue;
        };
        let plain = amount.to_input_string_with(separators);
        assert_eq!(
            AmountCents::parse_with(&plain, &limits, separators),
            Ok(amount),
            "{input:?} read as {plain:?} with {separators:?}"
        );
        assert!(
            groups_are_three_digits(input, groups),
            "{input:?} accepted with {separators:?}"
        );
    }

    let mirrored: String = input
        .chars()
        .map(|c| match c {
            '.' => ',',
            ',' => '.',
            c => c,
        })
        .collect();
    assert_eq!(
        outcome(AmountCents::parse_with(input, &limits, Separators::ENGLISH)),
        outcome(AmountCents::parse_with(
            &mirrored,
            &limits,
            Separators::GERMAN
        )),
        "{input:?} in English, {mirrored:?} in German"
    );
});
