//! The sentences people read, built from core's structured values and the words of
//! `language` (through the widget's `Text`, which also formats money for its locale). The rules
//! themselves live in `core`.

use super::text::Text;
use crate::flow::{outcome::Problem, submit::Phase};
use closient_checkout_core::{AmountError, OrganizationIdError, organization};

pub fn amount_error(error: &AmountError, text: Text) -> String {
    let separators = text.separators();
    let decimal = separators.decimal();
    let mark = |mark: char| match mark {
        '.' => text.get("mark.dot"),
        ',' => text.get("mark.comma"),
        other => format!("\u{201c}{other}\u{201d}"),
    };
    match error {
        AmountError::Empty => text.get("amount.empty"),
        AmountError::WrongDecimalMark { expected } => text.fill(
            "amount.decimal_mark",
            &[
                ("mark", &mark(*expected)),
                ("example", &format!("25{expected}50")),
            ],
        ),
        AmountError::Grouping { group, decimal } => text.fill(
            "amount.grouping",
            &[("example", &format!("1{group}000{decimal}00"))],
        ),
        AmountError::MultipleDecimalMarks { decimal } => text.fill(
            "amount.decimal_marks",
            &[
                ("mark", &mark(*decimal)),
                ("example", &format!("25{decimal}50")),
            ],
        ),
        AmountError::TooManyDecimals { .. } => text.get("amount.decimals"),
        AmountError::Sign => text.get("amount.sign"),
        AmountError::InvalidCharacter {
            character,
            position,
        } => text.fill(
            "amount.character",
            &[
                ("character", &character.to_string()),
                ("position", &position.to_string()),
            ],
        ),
        AmountError::NoDigits => text.fill(
            "amount.no_digits",
            &[("example", &format!("25{decimal}00"))],
        ),
        AmountError::BelowMinimum { min } => {
            text.fill("amount.minimum", &[("amount", &text.money(min.money()))])
        }
        AmountError::AboveMaximum { max } => {
            text.fill("amount.maximum", &[("amount", &text.money(max.money()))])
        }
    }
}

pub fn organization_error(error: &OrganizationIdError, text: Text) -> String {
    match error {
        OrganizationIdError::Empty => text.get("organization.empty"),
        OrganizationIdError::Character {
            character,
            position,
        } => text.fill(
            "organization.character",
            &[
                ("character", &character.to_string()),
                ("position", &position.to_string()),
            ],
        ),
        OrganizationIdError::Length { found } => text.fill(
            "organization.length",
            &[
                ("expected", &organization::LENGTH.to_string()),
                ("found", &found.to_string()),
            ],
        ),
    }
}

/// A refusal from the server for one field, in the server's own words.
pub fn server_field_error(message: &str, text: Text) -> String {
    text.fill("server.field", &[("message", message)])
}

/// The message for an attempt that ended without checkout; codes are kept for support.
pub fn problem(problem: &Problem, text: Text) -> String {
    let (message, code) = match problem {
        Problem::Fields(_) => (text.get("form.correct_fields"), None),
        Problem::Forbidden => (text.get("problem.forbidden"), Some("FORBIDDEN")),
        Problem::ForbiddenOrigin => (
            text.get("problem.forbidden_origin"),
            Some("FORBIDDEN_ORIGIN"),
        ),
        Problem::Unauthenticated => (text.get("problem.unauthenticated"), None),
        Problem::RateLimited {
            retry_after_secs: Some(secs),
        } => (
            text.fill(
                "problem.rate_limited_for",
                &[("seconds", &seconds(*secs, text))],
            ),
            None,
        ),
        Problem::RateLimited {
            retry_after_secs: None,
        } => (text.get("problem.rate_limited"), None),
        Problem::Unavailable { code } => (
            text.get("problem.unavailable"),
            code.as_ref().map(|c| c.as_str()),
        ),
        Problem::Network => (text.get("problem.network"), None),
        Problem::Timeout => (text.get("problem.timeout"), None),
        Problem::UntrustedCheckoutUrl => (text.get("problem.untrusted_url"), None),
        Problem::Rejected { code, status } => (
            text.fill("problem.rejected", &[("status", &status.to_string())]),
            code.as_ref().map(|c| c.as_str()),
        ),
    };
    match code {
        Some(code) => text.fill(
            "problem.reference",
            &[("message", &message), ("code", code)],
        ),
        None => message,
    }
}

/// "1 second", "12 seconds".
pub fn seconds(secs: u64, text: Text) -> String {
    if secs == 1 {
        text.get("seconds.one")
    } else {
        text.fill("seconds.many", &[("count", &secs.to_string())])
    }
}

/// The submit button's words: what it will do, or what is happening. `amount` is the valid
/// amount, formatted, when there is one.
pub fn submit_label(phase: &Phase, amount: Option<String>, cancelled: bool, text: Text) -> String {
    match (phase, amount) {
        (Phase::Sending, _) => text.get("submit.connecting"),
        (Phase::Retrying, _) => text.get("submit.trying_again"),
        (Phase::Countdown { secs_left }, _) => text.fill(
            "submit.retry_now",
            &[("seconds", &seconds(*secs_left, text))],
        ),
        (Phase::Redirecting | Phase::Blocked { .. }, _) => text.get("submit.redirecting"),
        (Phase::Idle { .. }, Some(amount)) if cancelled => {
            text.fill("submit.retry_amount", &[("amount", &amount)])
        }
        (Phase::Idle { .. }, Some(amount)) => {
            text.fill("submit.add_amount", &[("amount", &amount)])
        }
        (Phase::Idle { .. }, None) if cancelled => text.get("submit.retry"),
        (Phase::Idle { .. }, None) => text.get("submit.add"),
    }
}

/// What the live region says while a submit is under way; `None` when idle (the form shows
/// the idle phase's notice itself).
pub fn progress(phase: &Phase, text: Text) -> Option<String> {
    Some(match phase {
        Phase::Sending => text.get("status.sending"),
        Phase::Retrying => text.get("status.retrying"),
        Phase::Countdown { secs_left } => text.fill(
            "status.countdown",
            &[("seconds", &seconds(*secs_left, text))],
        ),
        Phase::Redirecting => text.get("status.redirecting"),
        Phase::Blocked { .. } => text.get("status.blocked"),
        Phase::Idle { .. } => return None,
    })
}
