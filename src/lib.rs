//! Closient Checkout: a widget that tops up a Closient prepaid ad balance through Stripe
//! Checkout, via a same-origin proxy that holds the API key.
//!
//! `mount` puts the form into an element and reads its options from the element's `data-`
//! attributes (see `config`). The rules themselves live in `closient-checkout-core`.

pub mod config;
pub mod form;
pub mod messages;
pub mod money_format;
pub mod navigation;
pub mod outcome;
pub mod timer;
pub mod transport;

pub use config::{ConfigError, WidgetConfig};
pub use form::{CheckoutForm, Prefill, Services};

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Mounts the widget into `element`, configured by its `data-` attributes and prefilled from
/// the page's query string. Keep the returned handle alive as long as the widget should live.
pub fn mount(element: web_sys::HtmlElement) -> leptos::mount::UnmountHandle<impl Mountable> {
    let source = element.clone();
    let config = WidgetConfig::from_attributes(|name| source.get_attribute(name));
    let prefill = prefill_from_query();
    leptos::mount::mount_to(element, move || match config {
        Ok(config) => {
            let services = Services::browser(&config);
            view! { <CheckoutForm config services prefill /> }.into_any()
        }
        Err(error) => view! {
            <p class="cc-config-error" role="alert">
                "This checkout is not set up correctly: " {error.to_string()}
            </p>
        }
        .into_any(),
    })
}

/// The query string may prefill the editable fields (a link from an email, say), never lock them.
fn prefill_from_query() -> Prefill {
    let params = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok());
    let get = |name: &str| params.as_ref().and_then(|p| p.get(name));
    Prefill {
        organization: get(closient_checkout_core::field::ORGANIZATION_ID),
        amount: get(closient_checkout_core::field::AMOUNT_CENTS)
            .and_then(|cents| cents.parse::<u64>().ok())
            .and_then(|cents| {
                closient_checkout_core::AmountLimits::default()
                    .check(cents)
                    .ok()
            })
            .map(closient_checkout_core::AmountCents::to_input_string),
    }
}

/// Finds the mount element by id, as the Trunk page and static hosting use it.
pub fn mount_by_id(id: &str) -> Option<leptos::mount::UnmountHandle<impl Mountable>> {
    let element = web_sys::window()?.document()?.get_element_by_id(id)?;
    Some(mount(element.dyn_into().ok()?))
}
