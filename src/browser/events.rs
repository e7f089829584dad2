//! The widget's DOM events, dispatched on the element it was mounted into so the embedding page
//! can follow a top-up: `closient-checkout:ready`, `:invalid`, `:submit`, `:redirect`
//! (cancelable), `:error` and `:credited`. They bubble and cross shadow roots.

use serde::Serialize;
use wasm_bindgen::JsValue;

const PREFIX: &str = "closient-checkout:";

/// Where the events go; `none()` for a widget that no page listens to (tests of the views).
#[derive(Debug, Clone, Default)]
pub struct Events {
    target: Option<web_sys::EventTarget>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invalid<'a> {
    field: &'a str,
    code: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Submit<'a> {
    organization_id: &'a str,
    amount_cents: u64,
}

#[derive(Serialize)]
struct Redirect<'a> {
    url: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail<'a> {
    pub code: &'a str,
    pub status: u16,
    pub retryable: bool,
    /// The option at fault, for `INVALID_OPTION`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Credited<'a> {
    organization_id: &'a str,
    amount_cents: u64,
    balance_cents: i64,
}

#[derive(Serialize)]
struct Nothing {}

impl Events {
    pub fn on(target: web_sys::EventTarget) -> Self {
        Self {
            target: Some(target),
        }
    }

    pub fn none() -> Self {
        Self::default()
    }

    /// The form is usable.
    pub fn ready(&self) {
        self.dispatch("ready", &Nothing {}, false);
    }

    /// A submit was refused before anything was sent; `field` is `organizationId` or `amount`.
    pub fn invalid(&self, field: &str, code: &str) {
        self.dispatch("invalid", &Invalid { field, code }, false);
    }

    pub fn submit(&self, organization_id: &str, amount_cents: u64) {
        self.dispatch(
            "submit",
            &Submit {
                organization_id,
                amount_cents,
            },
            false,
        );
    }

    /// Answers whether the widget may navigate: `false` when a listener called
    /// `preventDefault()` to open the URL itself.
    pub fn redirect(&self, url: &str) -> bool {
        self.dispatch("redirect", &Redirect { url }, true)
    }

    pub fn error(&self, detail: &ErrorDetail<'_>) {
        self.dispatch("error", detail, false);
    }

    /// `organization_id`'s balance shows the payment; other widgets showing it hear it too.
    pub fn credited(&self, organization_id: &str, amount_cents: u64, balance_cents: i64) {
        self.dispatch(
            "credited",
            &Credited {
                organization_id,
                amount_cents,
                balance_cents,
            },
            false,
        );
    }

    /// Answers `false` when the event was cancelable and a listener cancelled it.
    fn dispatch(&self, name: &str, detail: &impl Serialize, cancelable: bool) -> bool {
        let Some(target) = &self.target else {
            return true;
        };
        let detail = detail
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .unwrap_or(JsValue::NULL);
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_cancelable(cancelable);
        init.set_detail(&detail);
        web_sys::CustomEvent::new_with_event_init_dict(&format!("{PREFIX}{name}"), &init)
            .ok()
            .and_then(|event| target.dispatch_event(&event).ok())
            .unwrap_or(true)
    }
}
