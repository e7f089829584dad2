//! Reading a `POST /billing/checkout` body as it arrived, each field kept as present, missing or
//! of the wrong type, and checking it whole, listing every bad field, so the proxy refuses it
//! with the same rules the widget applied before spending upstream quota. The mock reads the
//! same fields and answers with the API's own rules.

use crate::{
    AmountLimits, CheckoutRequest, FieldError, OrganizationId, OriginAllowlist, api::field,
};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::{borrow::Cow, fmt};

/// One field of a body as it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    /// Absent, or `null`.
    #[default]
    Missing,
    /// Present, but of the wrong JSON type (a number where a string belongs, ...).
    WrongType,
    Value(T),
}

/// `amount_cents` as it arrived: JSON has one kind of number, and a whole one is checked
/// against a range while any other is refused as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cents {
    /// Saturated beyond `i128`, which no range reaches.
    Whole(i128),
    /// A fraction, or a number written with a fraction or an exponent (`2.0`, `2e3`).
    NotWhole,
}

/// The four fields of a checkout body before validation; other keys are ignored, and a key
/// given twice keeps its last value. Reads any JSON object, through any serde format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckoutFields<'a> {
    pub organization_id: Field<Cow<'a, str>>,
    pub amount_cents: Field<Cents>,
    pub success_url: Field<Cow<'a, str>>,
    pub cancel_url: Field<Cow<'a, str>>,
}

impl Field<Cents> {
    /// The amount as the proxy takes it: a whole number of cents that fits a `u64`, or the
    /// wrong type.
    fn cents(&self) -> Field<u64> {
        match self {
            Self::Missing => Field::Missing,
            Self::Value(Cents::Whole(cents)) => {
                u64::try_from(*cents).map_or(Field::WrongType, Field::Value)
            }
            Self::WrongType | Self::Value(Cents::NotWhole) => Field::WrongType,
        }
    }
}

/// Validates every field; return URLs must lie on one of `return_origins`.
pub fn validate_checkout(
    fields: &CheckoutFields<'_>,
    limits: &AmountLimits,
    return_origins: &OriginAllowlist,
) -> Result<CheckoutRequest, Vec<FieldError>> {
    let organization = present(text(&fields.organization_id), "a string").and_then(|id| {
        OrganizationId::parse_exact(id).map_err(|e| Broken::new(e.code(), &e, None))
    });
    let amount =
        present(fields.amount_cents.cents(), "a whole number of cents").and_then(|cents| {
            limits
                .check(cents)
                .map_err(|e| Broken::new(e.code(), &e, e.limit()))
        });
    let url = |value: &Field<Cow<'_, str>>| {
        present(text(value), "a string").and_then(|url| {
            return_origins
                .check_url(url)
                .map(|()| url.to_owned())
                .map_err(|e| Broken::new(e.code(), &e, None))
        })
    };
    let success_url = url(&fields.success_url);
    let cancel_url = url(&fields.cancel_url);
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

fn text<'a>(field: &'a Field<Cow<'_, str>>) -> Field<&'a str> {
    match field {
        Field::Missing => Field::Missing,
        Field::WrongType => Field::WrongType,
        Field::Value(text) => Field::Value(text),
    }
}

fn present<T>(field: Field<T>, kind: &str) -> Result<T, Broken> {
    match field {
        Field::Missing => Err(Broken::new("MISSING", &"is required", None)),
        Field::WrongType => Err(Broken::new("WRONG_TYPE", &format!("must be {kind}"), None)),
        Field::Value(value) => Ok(value),
    }
}

/// Any JSON value, kept only as far as a checkout field needs it.
enum Raw<'de> {
    Null,
    Text(Cow<'de, str>),
    Number(Cents),
    Other,
}

impl<'de> Raw<'de> {
    fn text(self) -> Field<Cow<'de, str>> {
        match self {
            Self::Null => Field::Missing,
            Self::Text(text) => Field::Value(text),
            Self::Number(_) | Self::Other => Field::WrongType,
        }
    }

    fn cents(self) -> Field<Cents> {
        match self {
            Self::Null => Field::Missing,
            Self::Number(cents) => Field::Value(cents),
            Self::Text(_) | Self::Other => Field::WrongType,
        }
    }
}

impl<'de> Deserialize<'de> for Raw<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Raw<'de>, E> {
        Ok(Raw::Other)
    }

    fn visit_i64<E>(self, value: i64) -> Result<Raw<'de>, E> {
        Ok(Raw::Number(Cents::Whole(value.into())))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Raw<'de>, E> {
        Ok(Raw::Number(Cents::Whole(value.into())))
    }

    fn visit_i128<E>(self, value: i128) -> Result<Raw<'de>, E> {
        Ok(Raw::Number(Cents::Whole(value)))
    }

    fn visit_u128<E>(self, value: u128) -> Result<Raw<'de>, E> {
        Ok(Raw::Number(Cents::Whole(
            i128::try_from(value).unwrap_or(i128::MAX),
        )))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Raw<'de>, E> {
        Ok(Raw::Number(Cents::NotWhole))
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Raw<'de>, E> {
        Ok(Raw::Text(Cow::Borrowed(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Raw<'de>, E> {
        Ok(Raw::Text(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E>(self, value: String) -> Result<Raw<'de>, E> {
        Ok(Raw::Text(Cow::Owned(value)))
    }

    fn visit_unit<E>(self) -> Result<Raw<'de>, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E>(self) -> Result<Raw<'de>, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw<'de>, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Raw<'de>, A::Error> {
        while items.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Raw::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Raw<'de>, A::Error> {
        while entries.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Raw::Other)
    }
}

impl<'de> Deserialize<'de> for CheckoutFields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = CheckoutFields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a checkout body, an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Self::Value, A::Error> {
        let mut fields = CheckoutFields::default();
        while let Some(key) = entries.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                field::ORGANIZATION_ID => {
                    fields.organization_id = entries.next_value::<Raw<'de>>()?.text();
                }
                field::AMOUNT_CENTS => {
                    fields.amount_cents = entries.next_value::<Raw<'de>>()?.cents()
                }
                field::SUCCESS_URL => fields.success_url = entries.next_value::<Raw<'de>>()?.text(),
                field::CANCEL_URL => fields.cancel_url = entries.next_value::<Raw<'de>>()?.text(),
                _ => {
                    entries.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "7dHk2mPqRsTuVwXyZaBcDe";

    fn origins() -> OriginAllowlist {
        OriginAllowlist::new(["https://shop.example"]).expect("valid")
    }

    fn fields(amount: Field<Cents>, success_url: &str) -> CheckoutFields<'_> {
        CheckoutFields {
            organization_id: Field::Value(ORG.into()),
            amount_cents: amount,
            success_url: Field::Value(success_url.into()),
            cancel_url: Field::Value("https://shop.example/?checkout=cancel".into()),
        }
    }

    #[test]
    fn a_valid_body_becomes_a_request() {
        let request = validate_checkout(
            &fields(
                Field::Value(Cents::Whole(2500)),
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
            &CheckoutFields {
                organization_id: Field::Value("nope".into()),
                amount_cents: Field::Value(Cents::Whole(499)),
                success_url: Field::Missing,
                cancel_url: Field::Value("https://evil.example/".into()),
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
            &CheckoutFields {
                organization_id: Field::Value(" 7dHk2mPqRsTuVwXyZaBcDe".into()),
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

    #[test]
    fn a_body_is_read_field_by_field_whatever_else_it_holds() {
        let read = |text: &'static str| serde_json::from_str::<CheckoutFields<'_>>(text);
        let fields = read(
            r#"{"organization_id":"7dHk2mPqRsTuVwXyZaBcDe","amount_cents":2500,
                "success_url":"https:\/\/shop.example\/","cancel_url":null,"extra":[{"a":1}]}"#,
        )
        .expect("an object");
        assert_eq!(fields.organization_id, Field::Value(Cow::Borrowed(ORG)));
        assert_eq!(fields.amount_cents, Field::Value(Cents::Whole(2500)));
        assert_eq!(
            fields.success_url,
            Field::Value(Cow::Owned("https://shop.example/".to_owned())),
            "an escaped string is read, not borrowed"
        );
        assert_eq!(fields.cancel_url, Field::Missing);
        for (amount, expected) in [
            ("-5", Field::Value(Cents::Whole(-5))),
            ("25.5", Field::Value(Cents::NotWhole)),
            ("2.0", Field::Value(Cents::NotWhole)),
            ("18446744073709551616", Field::Value(Cents::NotWhole)),
            ("\"2500\"", Field::WrongType),
            ("[2500]", Field::WrongType),
            ("{}", Field::WrongType),
            ("true", Field::WrongType),
        ] {
            let body = format!(r#"{{"amount_cents":{amount},"organization_id":7}}"#);
            let fields = serde_json::from_str::<CheckoutFields<'_>>(&body).expect(&body);
            assert_eq!(fields.amount_cents, expected, "{amount}");
            assert_eq!(fields.organization_id, Field::WrongType);
        }
        assert_eq!(
            read(r#"{"amount_cents":1,"amount_cents":2}"#)
                .map(|f| f.amount_cents)
                .ok(),
            Some(Field::Value(Cents::Whole(2))),
            "the last value, as serde_json's own maps keep it"
        );
        for not_an_object in ["[]", "\"x\"", "7", "null", "{", "{} {}"] {
            assert!(read(not_an_object).is_err(), "{not_an_object}");
        }
    }

    #[test]
    fn an_amount_the_proxy_takes_is_a_whole_u64() {
        for (amount, expected) in [
            (Field::Value(Cents::Whole(2500)), Field::Value(2500)),
            (Field::Value(Cents::Whole(-1)), Field::WrongType),
            (Field::Value(Cents::Whole(i128::MAX)), Field::WrongType),
            (Field::Value(Cents::NotWhole), Field::WrongType),
            (Field::WrongType, Field::WrongType),
            (Field::Missing, Field::Missing),
        ] {
            assert_eq!(amount.cents(), expected, "{amount:?}");
        }
    }
}
