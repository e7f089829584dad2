//! The words people read. The rules and their structured errors live in `core`; this module
//! only turns them into plain language. Money comes in already formatted for the locale
//! (`browser::money_format`), as a function the caller passes.

use crate::flow::{outcome::Problem, submit::Phase};
use closient_checkout_core::{AmountError, ErrorCode, Money, OrganizationIdError, organization};

/// Said when a submit finds invalid fields; shown only while some field still shows an error.
pub const CORRECT_FIELDS: &str = "Please correct the highlighted fields.";

pub fn amount_error(error: &AmountError, money: &dyn Fn(Money) -> String) -> String {
    match error {
        AmountError::Empty => "Enter an amount.".to_owned(),
        AmountError::DecimalComma => "Use a dot for cents, as in 25.50.".to_owned(),
        AmountError::Grouping => "Commas can only separate thousands, as in 1,000.00.".to_owned(),
        AmountError::MultipleDots => "Use only one dot, as in 25.50.".to_owned(),
        AmountError::TooManyDecimals => "Use at most two digits after the dot.".to_owned(),
        AmountError::Sign => "Enter the amount without a plus or minus sign.".to_owned(),
        AmountError::InvalidCharacter {
            character,
            position,
        } => {
            format!(
                "Use digits only: \u{201c}{character}\u{201d} (character {position}) is not allowed."
            )
        }
        AmountError::NoDigits => "Enter the amount in digits, as in 25.00.".to_owned(),
        AmountError::BelowMinimum { min } => {
            format!("The minimum is {}.", money(min.money()))
        }
        AmountError::AboveMaximum { max } => {
            format!("The maximum is {}.", money(max.money()))
        }
    }
}

pub fn organization_error(error: &OrganizationIdError) -> String {
    match error {
        OrganizationIdError::Empty => "Enter the organization ID.".to_owned(),
        OrganizationIdError::Character {
            character,
            position,
        } => format!(
            "\u{201c}{character}\u{201d} (character {position}) is not allowed: organization IDs use \
             letters and digits, never 0, 1, I, O or l."
        ),
        OrganizationIdError::Length { found } => format!(
            "An organization ID has {} characters; this one has {found}.",
            organization::LENGTH
        ),
    }
}

/// A refusal from the server for one field.
pub fn server_field_error(message: &str) -> String {
    format!("The server did not accept this: {message}")
}

/// The message for an attempt that ended without checkout.
pub fn problem(problem: &Problem) -> String {
    let (text, code) = match problem {
        Problem::Fields(_) => (CORRECT_FIELDS.to_owned(), None),
        Problem::Forbidden => (
            "This account may not add funds to this organization. Check the organization ID, or ask \
             an owner for billing access."
                .to_owned(),
            Some(&ErrorCode::Forbidden),
        ),
        Problem::ForbiddenOrigin => (
            "This page is not allowed to start a checkout. Please tell the site's owner.".to_owned(),
            Some(&ErrorCode::ForbiddenOrigin),
        ),
        Problem::RateLimited { retry_after_secs: Some(secs) } => {
            (format!("Too many requests just now. You can try again in {}.", seconds(*secs)), None)
        }
        Problem::RateLimited { retry_after_secs: None } => {
            ("Too many requests just now. Please try again in a moment.".to_owned(), None)
        }
        Problem::Unavailable { code } => (
            "The payment service is not responding right now. Nothing was charged and your details \
             are kept, so you can try again."
                .to_owned(),
            code.as_ref(),
        ),
        Problem::Network => (
            "We could not reach the server. Check your connection, then try again. Nothing was charged."
                .to_owned(),
            None,
        ),
        Problem::Timeout => {
            ("The server took too long to answer. Nothing was charged; you can try again.".to_owned(), None)
        }
        Problem::UntrustedCheckoutUrl => (
            "The payment link we received does not lead to a trusted checkout page, so it was not \
             opened. Nothing was charged."
                .to_owned(),
            None,
        ),
        Problem::Rejected { code, status } => {
            let text = format!("The checkout could not be started (status {status}).");
            (text, code.as_ref())
        }
    };
    match code {
        Some(code) => format!("{text} Reference: {code}."),
        None => text,
    }
}

/// "1 second", "12 seconds".
pub fn seconds(secs: u64) -> String {
    if secs == 1 {
        "1 second".to_owned()
    } else {
        format!("{secs} seconds")
    }
}

/// The submit button's words: what it will do, or what is happening. `amount` is the valid
/// amount, formatted, when there is one.
pub fn submit_label(phase: &Phase, amount: Option<String>, cancelled: bool) -> String {
    match (phase, amount) {
        (Phase::Sending, _) => "Connecting\u{2026}".to_owned(),
        (Phase::Retrying, _) => "Trying again\u{2026}".to_owned(),
        (Phase::Countdown { secs_left }, _) => format!("Retry now ({})", seconds(*secs_left)),
        (Phase::Redirecting | Phase::Blocked { .. }, _) => {
            "Redirecting to secure checkout\u{2026}".to_owned()
        }
        (Phase::Idle { .. }, Some(amount)) if cancelled => {
            format!("Try again: add {amount} to balance")
        }
        (Phase::Idle { .. }, Some(amount)) => format!("Add {amount} to balance"),
        (Phase::Idle { .. }, None) if cancelled => "Try again".to_owned(),
        (Phase::Idle { .. }, None) => "Add funds".to_owned(),
    }
}

/// What the live region says while a submit is under way; `None` when idle (the form shows
/// the idle phase's notice itself).
pub fn progress(phase: &Phase) -> Option<String> {
    match phase {
        Phase::Sending => Some("Starting a secure checkout\u{2026}".to_owned()),
        Phase::Retrying => {
            Some("The payment service did not answer; trying again\u{2026}".to_owned())
        }
        Phase::Countdown { secs_left } => Some(format!(
            "Too many requests just now. Trying again in {}\u{2026}",
            seconds(*secs_left)
        )),
        Phase::Redirecting => Some("Redirecting to secure checkout\u{2026}".to_owned()),
        Phase::Blocked { .. } => Some(
            "This page is shown inside another site, which stopped the move to the checkout \
             page. Use the link below to continue."
                .to_owned(),
        ),
        Phase::Idle { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use closient_checkout_core::{AmountCents, AmountLimits};

    fn dollars(money: Money) -> String {
        format!("${money}")
    }

    #[test]
    fn limits_are_told_as_money() {
        let parse =
            |input| AmountCents::parse(input, &AmountLimits::default()).expect_err("invalid");
        assert_eq!(
            amount_error(&parse("4.99"), &dollars),
            "The minimum is $5.00."
        );
        assert_eq!(
            amount_error(&parse("1000000"), &dollars),
            "The maximum is $999999.99."
        );
        assert_eq!(
            amount_error(&parse("25,50"), &dollars),
            "Use a dot for cents, as in 25.50."
        );
    }

    #[test]
    fn codes_are_kept_for_support() {
        assert!(problem(&Problem::ForbiddenOrigin).ends_with("Reference: FORBIDDEN_ORIGIN."));
        assert!(
            problem(&Problem::Rejected {
                code: Some(ErrorCode::Conflict),
                status: 409
            })
            .contains("CONFLICT")
        );
        assert!(
            problem(&Problem::RateLimited {
                retry_after_secs: Some(1)
            })
            .contains("in 1 second.")
        );
    }
}
