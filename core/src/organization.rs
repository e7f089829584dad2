//! Organization ids: Closient's shortuuid, exactly 22 characters of an alphabet without the
//! look-alikes `0`, `1`, `I`, `O` and `l`.

use crate::quoted::Quoted;
use std::fmt;

/// The characters a shortuuid may hold.
pub const ALPHABET: &str = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// The exact length of an organization id, in characters.
pub const LENGTH: usize = 22;

/// A syntactically valid organization id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrganizationId(String);

/// Which rule an organization id breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganizationIdError {
    /// Nothing but whitespace was given.
    Empty,
    /// A character outside the alphabet; `position` counts from 1, in characters.
    Character { character: char, position: usize },
    /// Every character is allowed but the count is not 22.
    Length { found: usize },
}

impl OrganizationIdError {
    /// A stable name for the rule broken, for programs (the widget's `invalid` event).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "EMPTY",
            Self::Character { .. } => "INVALID_CHARACTER",
            Self::Length { .. } => "LENGTH",
        }
    }
}

impl OrganizationId {
    /// Parses what a person typed or pasted; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Self, OrganizationIdError> {
        let id = input.trim();
        if id.is_empty() {
            return Err(OrganizationIdError::Empty);
        }
        // A wrong character is the more useful message, so it is checked before the length.
        if let Some((index, character)) = id.chars().enumerate().find(|&(_, c)| !in_alphabet(c)) {
            return Err(OrganizationIdError::Character {
                character,
                position: index + 1,
            });
        }
        let found = id.chars().count();
        if found != LENGTH {
            return Err(OrganizationIdError::Length { found });
        }
        Ok(Self(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Compared by byte: every character of the alphabet is ASCII.
fn in_alphabet(character: char) -> bool {
    u8::try_from(character).is_ok_and(|byte| ALPHABET.as_bytes().contains(&byte))
}

impl fmt::Display for OrganizationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl OrganizationId {
    /// Parses an id that arrived in an API body: surrounding whitespace is only forgiven in
    /// what a person typed.
    pub fn parse_exact(input: &str) -> Result<Self, OrganizationIdError> {
        if let Some((index, character)) = input.chars().enumerate().find(|(_, c)| c.is_whitespace())
        {
            return Err(OrganizationIdError::Character {
                character,
                position: index + 1,
            });
        }
        Self::parse(input)
    }
}

impl TryFrom<String> for OrganizationId {
    type Error = OrganizationIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse_exact(&value)
    }
}

impl From<OrganizationId> for String {
    fn from(id: OrganizationId) -> Self {
        id.0
    }
}

impl fmt::Display for OrganizationIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("is required"),
            Self::Character {
                character,
                position,
            } => write!(
                f,
                "has a character that is not allowed ({} at position {position}); \
                 ids never contain 0, 1, I, O or l",
                Quoted(*character)
            ),
            Self::Length { found } => {
                write!(
                    f,
                    "must be exactly {LENGTH} characters long (found {found})"
                )
            }
        }
    }
}

impl std::error::Error for OrganizationIdError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = "7dHk2mPqRsTuVwXyZaBcDe";

    #[test]
    fn accepts_a_valid_id_and_trims_whitespace() {
        assert_eq!(
            OrganizationId::parse(VALID).map(|id| id.to_string()),
            Ok(VALID.to_owned())
        );
        assert_eq!(
            OrganizationId::parse(&format!("  {VALID}\n")).map(|id| id.to_string()),
            Ok(VALID.to_owned())
        );
    }

    #[test]
    fn names_the_first_look_alike_and_its_position() {
        for (bad, character) in [('0', '0'), ('1', '1'), ('I', 'I'), ('O', 'O'), ('l', 'l')] {
            let input: String = VALID
                .chars()
                .take(4)
                .chain([bad])
                .chain(VALID.chars().skip(5))
                .collect();
            assert_eq!(
                OrganizationId::parse(&input),
                Err(OrganizationIdError::Character {
                    character,
                    position: 5
                })
            );
        }
        assert_eq!(
            OrganizationId::parse("abc-def"),
            Err(OrganizationIdError::Character {
                character: '-',
                position: 4
            })
        );
    }

    #[test]
    fn reports_length_in_characters() {
        assert_eq!(
            OrganizationId::parse("abc"),
            Err(OrganizationIdError::Length { found: 3 })
        );
        assert_eq!(
            OrganizationId::parse(&format!("{VALID}x")),
            Err(OrganizationIdError::Length { found: 23 })
        );
        assert_eq!(
            OrganizationId::parse("   "),
            Err(OrganizationIdError::Empty)
        );
    }

    #[test]
    fn deserializing_is_exact() {
        let padded: Result<OrganizationId, _> = serde_json::from_str(&format!("\" {VALID}\""));
        assert!(padded.is_err());
        let exact: OrganizationId = serde_json::from_str(&format!("\"{VALID}\"")).expect("valid");
        assert_eq!(
            serde_json::to_string(&exact).expect("serializes"),
            format!("\"{VALID}\"")
        );
    }

    proptest! {
        #[test]
        fn every_valid_id_round_trips(id in "[23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz]{22}") {
            let parsed = OrganizationId::parse(&id).expect("valid by construction");
            prop_assert_eq!(parsed.as_str(), id.as_str());
            prop_assert_eq!(OrganizationId::parse(&parsed.to_string()), Ok(parsed));
        }

        #[test]
        fn no_input_panics(input in any::<String>()) {
            let _ = OrganizationId::parse(&input);
        }
    }
}
