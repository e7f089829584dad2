//! The checkout body as a handler's argument, in the style of axum's `Json`: the extractor
//! owns every check of the body before its fields are read, and answers each in the envelope.
//! It refuses a key that appears twice in one object: parsers disagree on which of the two
//! wins, so an ambiguous body is refused rather than resolved.

use crate::{
    AppState,
    error::{AppError, BadRequest},
};
use axum::{
    extract::{FromRequest, Request},
    http::{HeaderMap, StatusCode, header},
};
use closient_checkout_core::CheckoutFields;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A JSON object of at most `MAX_BODY_BYTES`, sent as `application/json` within
/// `--body-read-timeout`, each key once.
#[derive(Debug)]
pub struct CheckoutBody(Value);

impl CheckoutBody {
    pub fn fields(&self) -> CheckoutFields<'_> {
        // Any object reads: a field of the wrong type is one of the fields' errors.
        CheckoutFields::deserialize(&self.0).unwrap_or_default()
    }
}

impl FromRequest<AppState> for CheckoutBody {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, AppError> {
        if !is_json(request.headers()) {
            return Err(AppError::Status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let too_large = AppError::Status(StatusCode::PAYLOAD_TOO_LARGE);
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
            return Err(too_large);
        }
        // Its own deadline, apart from the request's: a body sent a byte at a time is cut off
        // long before the proxy's timeout, which is there for the upstream call.
        let read = tokio::time::timeout(
            state.config.flags.body_read_timeout,
            Limited::new(request.into_body(), MAX_BODY_BYTES).collect(),
        )
        .await;
        let bytes = match read {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(error)) if error.is::<LengthLimitError>() => return Err(too_large),
            Ok(Err(_)) => return Err(AppError::BadRequest(BadRequest::BodyUnreadable)),
            Err(_) => return Err(AppError::BadRequest(BadRequest::BodyTooSlow)),
        };
        let value = parse(&bytes).map_err(AppError::BadRequest)?;
        if !value.is_object() {
            return Err(AppError::BadRequest(BadRequest::NotAnObject));
        }
        Ok(Self(value))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Refuses what is not JSON (a syntax error, trailing bytes, or nesting deeper than
/// serde_json's limit) and the same key twice in one object.
fn parse(bytes: &[u8]) -> Result<Value, BadRequest> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let parsed = UniqueKeys::deserialize(&mut reader).and_then(|value| {
        reader.end()?;
        Ok(value.0)
    });
    parsed.map_err(|error| {
        // Every other input that is JSON is accepted by the visitor below: a data error can
        // only be its refusal of a repeated key.
        if error.classify() == serde_json::error::Category::Data {
            BadRequest::DuplicateKey
        } else {
            BadRequest::NotJson
        }
    })
}

/// A `Value` whose objects, at every depth, have each key once.
struct UniqueKeys(Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(Value::Bool(value)))
    }

    fn visit_i64<E>(self, value: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(Value::from(value)))
    }

    fn visit_u64<E>(self, value: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(Value::from(value)))
    }

    fn visit_f64<E>(self, value: f64) -> Result<UniqueKeys, E> {
        // serde_json reads only finite numbers, which `from` keeps as numbers.
        Ok(UniqueKeys(Value::from(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(Value::from(value)))
    }

    fn visit_string<E>(self, value: String) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(Value::String(value)))
    }

    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<UniqueKeys, A::Error> {
        let mut values = Vec::new();
        while let Some(UniqueKeys(value)) = items.next_element()? {
            values.push(value);
        }
        Ok(UniqueKeys(Value::Array(values)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<UniqueKeys, A::Error> {
        let mut object = Map::new();
        while let Some(key) = entries.next_key::<String>()? {
            let UniqueKeys(value) = entries.next_value()?;
            if object.insert(key, value).is_some() {
                return Err(de::Error::custom("a key appears twice"));
            }
        }
        Ok(UniqueKeys(Value::Object(object)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_as_serde_json_does() {
        for text in [
            r#"{"a":1,"b":[true,null,"x",-2,2.5,18446744073709551616],"c":{"d":{}}}"#,
            "[]",
            "\"text\"",
            " 7 ",
        ] {
            let expected: Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(parse(text.as_bytes()), Ok(expected), "{text}");
        }
    }

    #[test]
    fn refuses_a_repeated_key_at_any_depth() {
        for text in [
            r#"{"amount_cents":2500,"amount_cents":500}"#,
            r#"{"a":{"b":1,"b":1}}"#,
            r#"[{"a":1},{"a":1,"a":2}]"#,
            // The same key once escaped: one name to every reader.
            r#"{"amount_cents":1,"amount\u005fcents":2}"#,
        ] {
            assert_eq!(
                parse(text.as_bytes()),
                Err(BadRequest::DuplicateKey),
                "{text}"
            );
        }
        assert!(parse(br#"[{"a":1},{"a":2}]"#).is_ok(), "one key per object");
    }

    #[test]
    fn refuses_what_is_not_json() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for text in ["", "{", "{} {}", "{\"a\":1,}", "NaN", deep.as_str()] {
            assert_eq!(
                parse(text.as_bytes()),
                Err(BadRequest::NotJson),
                "{text:.20}"
            );
        }
    }
}
