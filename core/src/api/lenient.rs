//! The error envelope's `details`, read leniently: field errors when it is a list of them, and
//! `None` for any other shape, so a shape this version does not know never fails the envelope.
//!
//! Written as one small visitor rather than an untagged enum, which would buffer every value
//! through serde's `Content` and cost the widget's wasm several KB.

use super::FieldError;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::{fmt, marker::PhantomData};

pub fn details<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<FieldError>>, D::Error> {
    Maybe::<Vec<FieldError>>::deserialize(deserializer).map(|maybe| maybe.0)
}

/// A value of this shape, read from a list, a map, a string or a whole number; every other
/// value is `None`.
trait Shape: Sized {
    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn from_str(_: &str) -> Option<Self> {
        None
    }

    fn from_u64(_: u64) -> Option<Self> {
        None
    }
}

/// A list of field errors, all well formed, or nothing.
impl Shape for Vec<FieldError> {
    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut fields = Some(Vec::new());
        while let Some(Maybe(item)) = seq.next_element::<Maybe<FieldError>>()? {
            fields = fields.zip(item).map(|(mut fields, item)| {
                fields.push(item);
                fields
            });
        }
        Ok(fields)
    }
}

/// `{"field": "...", "message": "..."}` with an optional string `code` and whole-number
/// `limit`; other keys, and a `code` or `limit` of another shape, ignored.
impl Shape for FieldError {
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let (mut field, mut message, mut code, mut limit) = (None, None, None, None);
        while let Some(Maybe(key)) = map.next_key::<Maybe<String>>()? {
            match key.as_deref() {
                Some("field") => field = map.next_value::<Maybe<String>>()?.0,
                Some("message") => message = map.next_value::<Maybe<String>>()?.0,
                Some("code") => code = map.next_value::<Maybe<String>>()?.0,
                Some("limit") => limit = map.next_value::<Maybe<u64>>()?.0,
                _ => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        Ok(field.zip(message).map(|(field, message)| Self {
            field,
            message,
            code,
            limit,
        }))
    }
}

impl Shape for String {
    fn from_str(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
}

/// A whole number: what JSON's integers read as, and nothing else.
impl Shape for u64 {
    fn from_u64(number: u64) -> Option<Self> {
        Some(number)
    }
}

/// Some value when the input has `T`'s shape, else nothing; never an error of its own.
struct Maybe<T>(Option<T>);

impl<'de, T: Shape> Deserialize<'de> for Maybe<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ShapeVisitor(PhantomData))
            .map(Maybe)
    }
}

struct ShapeVisitor<T>(PhantomData<T>);

impl<'de, T: Shape> Visitor<'de> for ShapeVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    /// serde-wasm-bindgen gives every safe integer as an `i64`, serde_json a positive one as
    /// a `u64`.
    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(number).ok().and_then(T::from_u64))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        Ok(T::from_u64(number))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(T::from_str(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::from_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map)
    }
}
