//! JSON through the browser's own `JSON.parse` and `JSON.stringify`, read and built field by
//! field. serde's derived readers, with their error texts and float formatting, would cost the
//! wasm tens of KB for the few flat shapes the widget reads; the core types keep their serde
//! derives for the proxy and the mock.
//!
//! The readers accept what serde-wasm-bindgen accepted: integers are numbers within the safe
//! integer range, an optional field may be missing or `null`, and unknown fields are ignored.

use js_sys::{JSON, Object, Reflect};
use wasm_bindgen::JsValue;

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

pub fn parse(text: &str) -> Option<JsValue> {
    JSON::parse(text).ok()
}

/// A field of an object; `None` when `value` is not an object (`Reflect.get` throws then).
pub fn get(value: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(value, &JsValue::from_str(key)).ok()
}

pub fn string(value: &JsValue, key: &str) -> Option<String> {
    get(value, key)?.as_string()
}

/// A field that is a whole number within the safe integer range.
pub fn integer(value: &JsValue, key: &str) -> Option<i64> {
    let number = get(value, key)?.as_f64()?;
    // Both bounds are exact in f64, so the cast below is too.
    (number.trunc() == number && number.abs() <= MAX_SAFE_INTEGER).then_some(number as i64)
}

pub fn unsigned(value: &JsValue, key: &str) -> Option<u64> {
    u64::try_from(integer(value, key)?).ok()
}

/// An optional field: missing or `null` is `Some(None)`, a value that `read` refuses is `None`.
pub fn optional<T>(
    value: &JsValue,
    key: &str,
    read: impl FnOnce(&JsValue, &str) -> Option<T>,
) -> Option<Option<T>> {
    if get(value, key)?.is_null_or_undefined() {
        Some(None)
    } else {
        read(value, key).map(Some)
    }
}

/// Builds a JSON object whose keys keep the order they were added in.
#[derive(Debug, Default)]
pub struct Writer(Object);

impl Writer {
    pub fn string(self, key: &str, value: &str) -> Self {
        self.set(key, &JsValue::from_str(value))
    }

    /// `None` for a number a JS number cannot hold exactly: better no JSON than a wrong amount.
    pub fn integer(self, key: &str, value: i64) -> Option<Self> {
        let number = value as f64;
        (number.abs() <= MAX_SAFE_INTEGER).then(|| self.set(key, &JsValue::from_f64(number)))
    }

    pub fn unsigned(self, key: &str, value: u64) -> Option<Self> {
        self.integer(key, i64::try_from(value).ok()?)
    }

    fn set(self, key: &str, value: &JsValue) -> Self {
        // Setting a data property on a fresh plain object cannot throw.
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), value);
        self
    }

    /// The object itself, for APIs that take a plain object (`fetch`'s headers).
    pub fn into_object(self) -> Object {
        self.0
    }

    pub fn finish(self) -> Option<String> {
        JSON::stringify(&self.0).ok()?.as_string()
    }
}
