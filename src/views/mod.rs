//! The components, and the choice between them: the form (also after a cancelled checkout),
//! the success view, or an explanation of a misconfigured mount element.

pub mod form;
pub mod messages;
pub mod success;

use crate::{
    browser::platform::Platform,
    config::{ConfigError, WidgetConfig},
    flow::attempt::SavedAttempt,
};
use closient_checkout_core::PageView;
use form::{CheckoutForm, Prefill};
use leptos::{either::EitherOf3, prelude::*};
use success::SuccessView;

/// The view for the page's query string. `EitherOf3` rather than `into_any()`: the type-erased
/// view costs the wasm several KB.
pub fn root(config: Result<WidgetConfig, ConfigError>, view: PageView) -> impl IntoView {
    let config = match config {
        Ok(config) => config,
        Err(error) => return EitherOf3::A(config_error(&error)),
    };
    let platform = Platform::browser(&config);
    let attempt = SavedAttempt::load();
    let (organization, amount_cents, cancelled) = match view {
        PageView::Success(session) => {
            return EitherOf3::B(view! { <SuccessView config platform session attempt /> });
        }
        PageView::Form {
            organization,
            amount_cents,
        } => (organization, amount_cents, false),
        // The URL carries what was typed; the saved attempt fills what it lacks.
        PageView::Cancelled {
            organization,
            amount_cents,
        } => (
            organization.or_else(|| attempt.as_ref().map(|a| a.organization_id.clone())),
            amount_cents.or_else(|| attempt.as_ref().map(|a| a.amount_cents)),
            true,
        ),
    };
    let prefill = prefill(&config, organization, amount_cents);
    EitherOf3::C(view! { <CheckoutForm config platform prefill cancelled /> })
}

/// In place of a form that would fail later: which attribute is wrong, and what it must hold.
fn config_error(error: &ConfigError) -> impl IntoView + use<> {
    let (attribute, expected) = (error.attribute, error.expected);
    view! {
        <p class="cc-config-error" role="alert">
            "This checkout is not set up correctly: " {attribute} " " {expected} "."
        </p>
    }
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
