//! Closient Checkout: a widget that tops up a Closient prepaid ad balance through Stripe
//! Checkout, via a same-origin proxy that holds the API key. The rules (ids, amounts, the API's
//! bodies, retries, which URLs may be followed) live in `closient-checkout-core`.
//!
//! One top-up, step by step, and the module of each step:
//! 1. `mount` reads the options from the mount element (`config`) and picks the view from the
//!    query string (core's `page_view`, beside the `return_urls` that write it): `views::root`.
//! 2. The form (`views::form`) keeps what is typed (`views::form::state`), checks it with core's
//!    rules as the person types, and shows the balance (`views::form::balance`).
//! 3. Submit builds the `CheckoutRequest` with its return URLs, and `flow::submit` posts it
//!    through `browser::transport`, reads each answer with `flow::outcome`, and retries as
//!    core's `RetryPolicy` decides. The words for every state are in `views::messages`.
//! 4. With a checkout URL on the allowlist, `views::form::checkout` saves the attempt
//!    (`flow::attempt`, in `sessionStorage` through `browser::storage`) and sends the top
//!    window there (`browser::navigation`); a frame that will not let go gets the links of
//!    `views::form::framed`.
//! 5. Back from Stripe, `views::success` polls the balance until it shows the credit; a
//!    cancelled payment gets the form again, refilled.
//!
//! `browser/` is all that touches `web_sys`, `flow/` the plain logic of an attempt, `views/`
//! the components.

pub mod browser;
pub mod config;
pub mod flow;
pub mod views;

pub use browser::platform::Platform;
pub use config::{ConfigError, WidgetConfig};
pub use views::{
    form::{CheckoutForm, Prefill},
    success::SuccessView,
};

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Mounts the widget into `element`, configured by its `data-` attributes; the page's query
/// string chooses the view and may prefill the editable fields. Keep the returned handle alive
/// as long as the widget should live.
pub fn mount(element: web_sys::HtmlElement) -> leptos::mount::UnmountHandle<impl Mountable> {
    let source = element.clone();
    let config = WidgetConfig::from_attributes(|name| source.get_attribute(name));
    let view = current_view();
    leptos::mount::mount_to(element, move || views::root(config, view))
}

fn current_view() -> closient_checkout_core::PageView {
    let params = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok());
    closient_checkout_core::page_view(|name| params.as_ref().and_then(|p| p.get(name)))
}

/// Finds the mount element by id, as the Trunk page and static hosting use it.
pub fn mount_by_id(id: &str) -> Option<leptos::mount::UnmountHandle<impl Mountable>> {
    let element = web_sys::window()?.document()?.get_element_by_id(id)?;
    Some(mount(element.dyn_into().ok()?))
}
