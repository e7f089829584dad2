//! Organization ids as typed (`parse`) and as they arrive in API bodies (`parse_exact`, which is
//! also what serde reads).
//!
//! Properties: an accepted id is the trimmed input, 22 characters of the alphabet, and parses
//! again from its `Display` and from its JSON; an error names the character at its position or
//! the true length; `parse_exact` accepts only what `parse` accepts, untrimmed.
#![no_main]

use closient_checkout_core::OrganizationId;
use closient_checkout_core::organization::{ALPHABET, LENGTH, OrganizationIdError};
use libfuzzer_sys::fuzz_target;

/// Checks that an error describes `id`, the text after any trimming.
fn check_error(error: &OrganizationIdError, id: &str) {
    match *error {
        OrganizationIdError::Empty => assert!(id.is_empty(), "{id:?}"),
        OrganizationIdError::Character {
            character,
            position,
        } => assert_eq!(
            id.chars().nth(position - 1),
            Some(character),
            "{id:?}: {error:?}"
        ),
        OrganizationIdError::Length { found } => {
            assert_eq!(found, id.chars().count(), "{id:?}");
            assert_ne!(found, LENGTH, "{id:?}");
        }
    }
}

fuzz_target!(|input: &str| {
    let typed = OrganizationId::parse(input);
    match &typed {
        Ok(id) => {
            assert_eq!(id.as_str(), input.trim());
            assert_eq!(id.as_str().len(), LENGTH);
            assert!(id.as_str().chars().all(|c| ALPHABET.contains(c)), "{id}");
            assert_eq!(OrganizationId::parse(&id.to_string()).as_ref(), Ok(id));
            let json = serde_json::to_string(id).expect("serializes");
            let read: OrganizationId = serde_json::from_str(&json).expect("reads back");
            assert_eq!(&read, id);
        }
        Err(error) => check_error(error, input.trim()),
    }

    match OrganizationId::parse_exact(input) {
        Ok(id) => {
            assert_eq!(id.as_str(), input);
            assert_eq!(typed, Ok(id));
        }
        Err(error) => {
            check_error(&error, input);
            // Refused here but typed fine: only surrounding whitespace may be the cause.
            if typed.is_ok() {
                assert_ne!(input, input.trim(), "{input:?}: {error:?}");
            }
        }
    }
    let from_json = serde_json::from_value::<OrganizationId>(input.into());
    assert_eq!(
        from_json.ok(),
        OrganizationId::parse_exact(input).ok(),
        "{input:?}"
    );
});
