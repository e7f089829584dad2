//! The attempt saved before leaving for checkout, so the success view has a baseline and the
//! cancel view can refill the form. `sessionStorage` may be empty, partitioned or disabled;
//! every caller copes with `None`.

use crate::json;
use serde::{Deserialize, Serialize};

const KEY: &str = "closient-checkout:attempt";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedAttempt {
    pub organization_id: String,
    pub amount_cents: u64,
    /// Milliseconds since the epoch, when the person left for checkout.
    pub saved_at_ms: u64,
    /// The balance shown before leaving, in cents: the success view's baseline.
    pub baseline_cents: Option<i64>,
    /// The checkout session this attempt went to, when its URL names one.
    pub session_id: Option<String>,
}

impl SavedAttempt {
    pub fn save(&self) {
        if let (Some(storage), Some(json)) = (session_storage(), json::to_string(self)) {
            let _ = storage.set_item(KEY, &json);
        }
    }

    /// What `save` wrote; anything else, whole or in part, is no attempt.
    pub fn load() -> Option<Self> {
        json::from_str(&session_storage()?.get_item(KEY).ok()??)
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}
