//! Which view the page shows, chosen from its query string alone, so one `index.html` serves
//! every view from any static host under any path prefix.

use closient_checkout_core::{CheckoutSessionId, SessionIdError, field};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// The top-up form; a link may prefill it.
    Form {
        organization: Option<String>,
        amount_cents: Option<u64>,
    },
    /// Back from checkout without paying: the form again, refilled.
    Cancelled {
        organization: Option<String>,
        amount_cents: Option<u64>,
    },
    /// Back from checkout after paying, with the session id as Stripe filled it in.
    Success(Result<CheckoutSessionId, SessionIdError>),
}

/// `query` answers one query parameter by name.
pub fn choose_view(query: impl Fn(&str) -> Option<String>) -> View {
    let organization = query(field::ORGANIZATION_ID);
    let amount_cents = query(field::AMOUNT_CENTS).and_then(|cents| cents.parse().ok());
    match query("checkout").as_deref() {
        Some("success") => View::Success(CheckoutSessionId::parse(
            &query("session_id").unwrap_or_default(),
        )),
        Some("cancel") => View::Cancelled {
            organization,
            amount_cents,
        },
        _ => View::Form {
            organization,
            amount_cents,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(pairs: &[(&str, &str)]) -> View {
        choose_view(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn the_query_string_chooses_the_view() {
        assert_eq!(
            view(&[]),
            View::Form {
                organization: None,
                amount_cents: None
            }
        );
        assert_eq!(
            view(&[
                ("checkout", "cancel"),
                ("amount_cents", "2500"),
                ("organization_id", "x")
            ]),
            View::Cancelled {
                organization: Some("x".into()),
                amount_cents: Some(2500)
            }
        );
        assert!(matches!(
            view(&[("checkout", "success"), ("session_id", "cs_test_a1")]),
            View::Success(Ok(_))
        ));
    }

    #[test]
    fn a_bad_or_missing_session_id_is_not_a_payment() {
        assert_eq!(
            view(&[("checkout", "success")]),
            View::Success(Err(SessionIdError::Missing))
        );
        assert_eq!(
            view(&[
                ("checkout", "success"),
                ("session_id", "{CHECKOUT_SESSION_ID}")
            ]),
            View::Success(Err(SessionIdError::Placeholder))
        );
        assert_eq!(
            view(&[("checkout", "success"), ("session_id", "<script>")]),
            View::Success(Err(SessionIdError::Malformed))
        );
        assert_eq!(
            view(&[("amount_cents", "lots")]),
            View::Form {
                organization: None,
                amount_cents: None
            }
        );
    }
}
