//! Checking a whole `POST /billing/checkout` body as it arrived, listing every bad field, so the
//! proxy refuses it with the same rules the widget applied before spending upstream quota.

use crate::{
    AmountLimits, CheckoutRequest, FieldError, OrganizationId, OriginAllowlist, api::field,
};

/// One field of a body as it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<T> {
    Missing,
    /// Present, but of the wrong JSON type (a number where a string belongs, a fraction, ...).
    WrongType,
    Value(T),
}

/// The four fields of a checkout body before validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckoutFields<'a> {
    pub organization_id: Field<&'a str>,
    pub amount_cents: Field<u64>,
    pub success_url: Field<&'a str>,
    pub cancel_url: Field<&'a str>,
}

/// Validates every field; return URLs must lie on one of `return_origins`.
pub fn validate_checkout(
    fields: CheckoutFields<'_>,
    limits: &AmountLimits,
    return_origins: &OriginAllowlist,
) -> Result<CheckoutRequest, Vec<FieldError>> {
    let organization = present(fields.organization_id, "a string").and_then(|id| {
        OrganizationId::parse_exact(id).map_err(|e| Broken::new(e.code(), &e, None))
    });
    let amount = present(fields.amount_cents, "a whole number of cents").and_then(|cents| {
        limits
            .check(cents)
            .map_err(|e| Broken::new(e.code(), &e, e.limit()))
    });
    let url = |value: Field<&str>| {
        present(value, "a string").and_then(|url| {
            return_origins
                .check_url(url)
                .map(|()| url.to_owned())
                .map_err(|e| Broken::new(e.code(), &e, None))
        })
    };
    let success_url = url(fields.success_url);
    let cancel_url = url(fields.cancel_url);
    let errors: Vec<FieldError> = [
        (field::ORGANIZATION_ID, organization.as_ref().err()),
        (field::AMOUNT_CENTS, amount.as_ref().err()),
        (field::SUCCESS_URL, success_url.as_ref().err()),
        (field::CANCEL_URL, cancel_url.as_ref().err()),
    ]
    .into_iter()
    .filter_map(|(name, broken)| Some(broken?.on(name)))
    .collect();
    match (organization, amount, success_url, cancel_url) {
        (Ok(organization_id), Ok(amount_cents), Ok(success_url), Ok(cancel_url)) => {
            Ok(CheckoutRequest {
                organization_id,
                amount_cents,
                success_url,
                cancel_url,
            })
        }
        _ => Err(errors),
    }
}

/// A field's broken rule, before it is put on its field.
#[derive(Debug)]
struct Broken {
    code: &'static str,
    /// Worded to follow the field's name: "must be at least 500 cents".
    message: String,
    limit: Option<u64>,
}

impl Broken {
    fn new(code: &'static str, message: &impl std::fmt::Display, limit: Option<u64>) -> Self {
        Self {
            code,
            message: message.to_string(),
            limit,
        }
    }

    fn on(&self, name: &str) -> FieldError {
        FieldError::broken(name, self.code, &self.message, self.limit)
    }
}

fn present<T>(field: Field<T>, kind: &str) -> Result<T, Broken> {
    match field {
        Field::Missing => Err(Broken::new("MISSING", &"is required", None)),
        Field::WrongType => Err(Broken::new("WRONG_TYPE", &format!("must be {kind}"), None)),
        Field::Value(value) => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "7dHk2mPqRsTuVwXyZaBcDe";

    fn origins() -> OriginAllowlist {
        OriginAllowlist::new(["https://shop.example"]).expect("valid")
    }

    fn fields<'a>(amount: Field<u64>, success_url: &'a str) -> CheckoutFields<'a> {
        CheckoutFields {
            organization_id: Field::Value(ORG),
            amount_cents: amount,
            success_url: Field::Value(success_url),
            cancel_url: Field::Value("https://shop.example/?checkout=cancel"),
        }
    }

    #[test]
    fn a_valid_body_becomes_a_request() {
        let request = validate_checkout(
            fields(
                Field::Value(2500),
                "https://shop.example/?session_id={CHECKOUT_SESSION_ID}",
            ),
            &AmountLimits::default(),
            &origins(),
        )
        .expect("valid");
        assert_eq!(request.amount_cents.cents(), 2500);
        assert_eq!(request.organization_id.as_str(), ORG);
    }

    #[test]
    fn every_bad_field_is_listed_by_name() {
        let errors = validate_checkout(
            CheckoutFields {
                organization_id: Field::Value("nope"),
                amount_cents: Field::Value(499),
                success_url: Field::Missing,
                cancel_url: Field::Value("https://evil.example/"),
            },
            &AmountLimits::default(),
            &origins(),
        )
        .expect_err("invalid");
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            named,
            [
                "organization_id",
                "amount_cents",
                "success_url",
                "cancel_url"
            ]
        );
        assert_eq!(errors[1].message, "amount_cents must be at least 500 cents");
        let codes: Vec<(Option<&str>, Option<u64>)> = errors
            .iter()
            .map(|e| (e.code.as_deref(), e.limit))
            .collect();
        assert_eq!(
            codes,
            [
                (Some("LENGTH"), None),
                (Some("BELOW_MINIMUM"), Some(500)),
                (Some("MISSING"), None),
                (Some("ORIGIN_NOT_ALLOWED"), None),
            ]
        );
        assert_eq!(
            errors[1].amount_error(),
            Some(crate::AmountError::BelowMinimum {
                min: AmountLimits::default().min()
            }),
            "a client reads back the rule it would have checked itself"
        );
        assert_eq!(errors[2].message, "success_url is required");
        assert_eq!(
            errors[3].message,
            "cancel_url is on https://evil.example, which is not allowed"
        );
    }

    #[test]
    fn wrong_types_and_padded_ids_are_refused() {
        let errors = validate_checkout(
            CheckoutFields {
                organization_id: Field::Value(" 7dHk2mPqRsTuVwXyZaBcDe"),
                ..fields(Field::WrongType, "x")
            },
            &AmountLimits::default(),
            &origins(),
        )
        .expect_err("invalid");
        assert_eq!(
            errors[1].message,
            "amount_cents must be a whole number of cents"
        );
        assert_eq!(errors[1].code.as_deref(), Some("WRONG_TYPE"));
        assert_eq!(errors.len(), 3);
    }
}
