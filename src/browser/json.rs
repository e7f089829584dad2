//! JSON through the browser's own `JSON.parse` and `JSON.stringify`, with serde-wasm-bindgen
//! between the JS values and serde types: core's derives are the one contract for the widget,
//! the proxy and the mock, and no JSON parser ships in the wasm.

use js_sys::JSON;
use serde::{Serialize, de::DeserializeOwned};

/// `None` for text that is not JSON or not of `T`'s shape.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_wasm_bindgen::from_value(JSON::parse(text).ok()?).ok()
}

/// JSON text for `value`: objects for maps, and integers as numbers, which fails for one a JS
/// number cannot hold exactly (better no JSON than a wrong amount).
pub fn to_string<T: Serialize>(value: &T) -> Option<String> {
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .ok()?;
    JSON::stringify(&value).ok()?.as_string()
}
