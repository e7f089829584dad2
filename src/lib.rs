//! Closient Checkout: a widget that tops up a Closient prepaid ad balance through Stripe
//! Checkout, via a same-origin proxy that holds the API key.
//!
//! `mount` puts the form into an element and reads its options from the element's `data-`
//! attributes (see `config`). The rules themselves live in `closient-checkout-core`.

pub mod attempt;
pub mod config;
pub mod form;
pub mod json;
pub mod messages;
pub mod money_format;
pub mod navigation;
pub mod outcome;
pub mod services;
pub mod submit;
pub mod success;
pub mod timer;
pub mod transport;
pub mod view;

pub use config::{ConfigError, WidgetConfig};
pub use form::{CheckoutForm, Prefill};
pub use services::Services;
pub use success::SuccessView;
pub use view::{View, choose_view};

use leptos::{either::EitherOf3, prelude::*};
use wasm_bindgen::JsCast;

/// Mounts the widget into `element`, configured by its `data-` attributes; the page's query
/// string chooses the view and may prefill the editable fields. Keep the returned handle alive
/// as long as the widget should live.
pub fn mount(element: web_sys::HtmlElement) -> leptos::mount::UnmountHandle<impl Mountable> {
    let source = element.clone();
    let config = WidgetConfig::from_attributes(|name| source.get_attribute(name));
    let view = current_view();
    // `EitherOf3` rather than `into_any()`: the type-erased view costs the wasm several KB.
    leptos::mount::mount_to(element, move || {
        let config = match config {
            Ok(config) => config,
            Err(error) => {
                return EitherOf3::A(view! {
                    <p class="cc-config-error" role="alert">
                        "This checkout is not set up correctly: " {error.attribute} " " {error.expected} "."
                    </p>
                });
            }
        };
        let services = Services::browser(&config);
        let attempt = attempt::SavedAttempt::load();
        let (organization, amount_cents, cancelled) = match view {
            View::Success(session) => {
                return EitherOf3::B(view! { <SuccessView config services session attempt /> });
            }
            View::Form {
                organization,
                amount_cents,
            } => (organization, amount_cents, false),
            // The URL carries what was typed; the saved attempt fills what it lacks.
            View::Cancelled {
                organization,
                amount_cents,
            } => (
                organization.or_else(|| attempt.as_ref().map(|a| a.organization_id.clone())),
                amount_cents.or_else(|| attempt.as_ref().map(|a| a.amount_cents)),
                true,
            ),
        };
        let prefill = prefill(&config, organization, amount_cents);
        EitherOf3::C(view! { <CheckoutForm config services prefill cancelled /> })
    })
}

fn current_view() -> View {
    let params = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok());
    choose_view(|name| params.as_ref().and_then(|p| p.get(name)))
}

/// A link may prefill the editable fields, never lock them; amounts outside the limits are
/// left out rather than shown as an error nobody typed.
fn prefill(
    config: &WidgetConfig,
    organization: Option<String>,
    amount_cents: Option<u64>,
) -> Prefill {
    Prefill {
        organization,
        amount: amount_cents
            .and_then(|cents| config.limits.check(cents).ok())
            .map(closient_checkout_core::AmountCents::to_input_string),
    }
}

/// Finds the mount element by id, as the Trunk page and static hosting use it.
pub fn mount_by_id(id: &str) -> Option<leptos::mount::UnmountHandle<impl Mountable>> {
    let element = web_sys::window()?.document()?.get_element_by_id(id)?;
    Some(mount(element.dyn_into().ok()?))
}
