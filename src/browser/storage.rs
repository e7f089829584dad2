//! `sessionStorage`, as JSON. It may be empty, partitioned or disabled: every read can be
//! `None` and a write can silently not happen.

use super::json;
use serde::{Serialize, de::DeserializeOwned};

pub fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(storage), Some(text)) = (session_storage(), json::to_string(value)) {
        let _ = storage.set_item(key, &text);
    }
}

/// What `save` wrote under `key`; anything else, whole or in part, is `None`.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    json::from_str(&session_storage()?.get_item(key).ok()??)
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}
