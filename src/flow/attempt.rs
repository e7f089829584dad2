//! The attempt saved before leaving for checkout, so the success view has a baseline and the
//! cancel view can refill the form. Every caller copes with `None`: storage may be unavailable.

use crate::browser::storage;
use serde::{Deserialize, Serialize};

/// One attempt per widget instance: the key ends in the instance's name.
const KEY_PREFIX: &str = "closient-checkout:attempt:";

/// The JSON keys are the field names, as in the API's bodies (`organization_id`, `amount_cents`).
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
    pub fn save(&self, name: &str) {
        storage::save(&format!("{KEY_PREFIX}{name}"), self);
    }

    pub fn load(name: &str) -> Option<Self> {
        storage::load(&format!("{KEY_PREFIX}{name}"))
    }
}
