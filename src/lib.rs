//! Closient Checkout: a widget that tops up a Closient prepaid ad balance through Stripe
//! Checkout, via a same-origin proxy that holds the API key. The rules (ids, amounts, the API's
//! bodies, retries, which URLs may be followed) live in `closient-checkout-core`.
//!
//! One top-up, step by step, and the module of each step:
//! 1. `embed` mounts the widget (from JS, as `<closient-checkout>`, or on the Trunk page) into
//!    a shadow root, reads its options (`config::options`) and checks them (`config`), and
//!    `views::root` picks the view from the query string (core's `page_view`, beside the
//!    `return_urls` that write it). The words come from `language`.
//! 2. The form (`views::form`) keeps what is typed (`views::form::state`), checks it with core's
//!    rules as the person types, and shows the balance (`views::form::balance`).
//! 3. Submit builds the `CheckoutRequest` with its return URLs, and `flow::submit` posts it
//!    through `browser::transport`, reads each answer with `flow::outcome`, and retries as
//!    core's `RetryPolicy` decides. The words for every state are in `views::messages`.
//! 4. With a checkout URL on the allowlist, `views::form::checkout` saves the attempt
//!    (`flow::attempt`, in `sessionStorage` through `browser::storage`), tells the page
//!    (`browser::events`, which it may cancel to open the URL itself) and sends the top window
//!    there (`browser::navigation`); a frame that will not let go gets the links of
//!    `views::form::framed`.
//! 5. Back from Stripe, `views::success` polls the balance until it shows the credit; a
//!    cancelled payment gets the form again, refilled.
//!
//! `browser/` is all that touches `web_sys`, `flow/` the plain logic of an attempt, `views/`
//! the components.

// Talc in place of the standard dlmalloc: the same job in about 0.5 KB less gzip. In the lib,
// so the hosted page's binary and the npm package's cdylib both get it.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub mod browser;
pub mod config;
pub mod embed;
pub mod flow;
pub mod language;
pub mod views;

pub use browser::platform::Platform;
pub use config::{OptionError, OptionName, Options, WidgetConfig};
pub use embed::{Handle, mount_attributes};
pub use views::{
    form::{CheckoutForm, Prefill},
    success::SuccessView,
};

/// Finds the mount element by id and renders the widget into it, configured by its `data-`
/// attributes: the Trunk page's way in.
pub fn mount_by_id(id: &str) -> Option<Handle> {
    let element = web_sys::window()?.document()?.get_element_by_id(id)?;
    Some(mount_attributes(element, "data-"))
}
