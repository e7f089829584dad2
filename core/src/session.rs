//! Stripe Checkout session ids, as they come back in the success URL.

use std::fmt;

const PREFIXES: [&str; 2] = ["cs_test_", "cs_live_"];
/// Longer than any id Stripe issues, short enough to refuse junk.
const MAX_LENGTH: usize = 255;

/// `cs_test_` or `cs_live_` followed by letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckoutSessionId(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionIdError {
    Missing,
    /// The placeholder came back unreplaced: the page was opened by hand, not by Stripe.
    Placeholder,
    Malformed,
}

impl CheckoutSessionId {
    pub fn parse(input: &str) -> Result<Self, SessionIdError> {
        if input.is_empty() {
            return Err(SessionIdError::Missing);
        }
        if input == crate::return_url::SESSION_ID_PLACEHOLDER {
            return Err(SessionIdError::Placeholder);
        }
        let body = PREFIXES
            .iter()
            .find_map(|prefix| input.strip_prefix(prefix));
        match body {
            Some(body)
                if !body.is_empty()
                    && input.len() <= MAX_LENGTH
                    && body.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                Ok(Self(input.to_owned()))
            }
            _ => Err(SessionIdError::Malformed),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CheckoutSessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for SessionIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "no checkout session id was given",
            Self::Placeholder => "the checkout session id placeholder was not replaced",
            Self::Malformed => "is not a checkout session id",
        })
    }
}

impl std::error::Error for SessionIdError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_test_and_live_ids() {
        for id in ["cs_test_a1B2c3D4", "cs_live_Z9"] {
            assert_eq!(
                CheckoutSessionId::parse(id).map(|s| s.to_string()),
                Ok(id.to_owned())
            );
        }
    }

    #[test]
    fn refuses_anything_else() {
        assert_eq!(CheckoutSessionId::parse(""), Err(SessionIdError::Missing));
        assert_eq!(
            CheckoutSessionId::parse("{CHECKOUT_SESSION_ID}"),
            Err(SessionIdError::Placeholder)
        );
        for bad in [
            "cs_test_",
            "cs_prod_abc",
            "pi_123",
            "cs_test_ab-c",
            "cs_test_a b",
            "CS_TEST_abc",
        ] {
            assert_eq!(
                CheckoutSessionId::parse(bad),
                Err(SessionIdError::Malformed),
                "{bad:?}"
            );
        }
        assert_eq!(
            CheckoutSessionId::parse(&format!("cs_test_{}", "a".repeat(300))),
            Err(SessionIdError::Malformed)
        );
    }

    proptest! {
        #[test]
        fn every_well_formed_id_round_trips(body in "[A-Za-z0-9]{1,200}", live in any::<bool>()) {
            let id = format!("{}{body}", if live { "cs_live_" } else { "cs_test_" });
            prop_assert_eq!(CheckoutSessionId::parse(&id).map(|s| s.to_string()), Ok(id));
        }

        #[test]
        fn no_input_panics(input in any::<String>()) {
            let _ = CheckoutSessionId::parse(&input);
        }
    }
}
