//! The attempt saved before leaving for checkout, so the success view has a baseline and the
//! cancel view can refill the form. `sessionStorage` may be empty, partitioned or disabled;
//! every caller copes with `None`.

use crate::json;

const KEY: &str = "closient-checkout:attempt";

#[derive(Debug, Clone, PartialEq, Eq)]
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
        if let (Some(storage), Some(json)) = (session_storage(), self.to_json()) {
            let _ = storage.set_item(KEY, &json);
        }
    }

    pub fn load() -> Option<Self> {
        let json = session_storage()?.get_item(KEY).ok()??;
        Self::from_json(&json)
    }

    /// `{"organization_id":…,"amount_cents":…,"saved_at_ms":…}`, then each optional field
    /// only when it is set.
    fn to_json(&self) -> Option<String> {
        let mut writer = json::Writer::default()
            .string("organization_id", &self.organization_id)
            .unsigned("amount_cents", self.amount_cents)?
            .unsigned("saved_at_ms", self.saved_at_ms)?;
        if let Some(cents) = self.baseline_cents {
            writer = writer.integer("baseline_cents", cents)?;
        }
        if let Some(id) = &self.session_id {
            writer = writer.string("session_id", id);
        }
        writer.finish()
    }

    /// Reads what `to_json` wrote; anything else, whole or in part, is no attempt.
    fn from_json(text: &str) -> Option<Self> {
        let value = json::parse(text)?;
        Some(Self {
            organization_id: json::string(&value, "organization_id")?,
            amount_cents: json::unsigned(&value, "amount_cents")?,
            saved_at_ms: json::unsigned(&value, "saved_at_ms")?,
            baseline_cents: json::optional(&value, "baseline_cents", json::integer)?,
            session_id: json::optional(&value, "session_id", json::string)?,
        })
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}
