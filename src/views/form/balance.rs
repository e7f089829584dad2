//! The balance of the organization in the form: read by an effect of the field's valid id (a
//! memo), so it is read again only when the id changes; an answer for an id the field no longer
//! holds is dropped. A `LocalResource` would drop it by itself, but costs the bundle 7.5 KB of
//! Brotli more than this effect and signal (measured: 118,986 B against 111,501 B for dist/).
//! The same figure is saved as the success view's baseline.

use crate::{
    browser::platform::{Balance, Platform},
    config::WidgetConfig,
    views::{ViewTasks, text::Text},
};
use closient_checkout_core::{Money, OrganizationId};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The balance read for an id, with that id.
pub type Known = Option<(OrganizationId, Money)>;

/// Reads the balance of `organization` whenever it holds a new valid id; the read is a task
/// of the form, so it ends with it.
pub fn read(
    organization: Memo<Option<OrganizationId>>,
    config: &WidgetConfig,
    platform: &Platform,
) -> RwSignal<Known> {
    let (config, platform) = (config.clone(), platform.clone());
    let known = RwSignal::new(None);
    let tasks = ViewTasks::current();
    Effect::new(move |_| {
        let Some(id) = organization.get() else {
            return;
        };
        let (config, platform) = (config.clone(), platform.clone());
        tasks.spawn(async move {
            let read = platform.balance(&config, &id).await;
            if let Balance::Known(money) = read
                && organization.get_untracked().as_ref() == Some(&id)
            {
                known.set(Some((id, money)));
            }
        });
    });
    // A widget back from checkout announces the credited balance: every form showing that
    // organization shows it too, rather than the balance from before the payment.
    let credited = window_event_listener_untyped("closient-checkout:credited", move |event| {
        if let Some((id, cents)) = credit_of(&event)
            && organization.get_untracked().as_ref() == Some(&id)
        {
            known.set(Some((id, Money::from_cents(cents))));
        }
    });
    on_cleanup(move || credited.remove());
    known
}

/// The organization and balance a `credited` event carries: two fields read from the detail
/// object. The event's `Serialize` struct with `Deserialize` through serde-wasm-bindgen would be
/// the one contract, but costs 818 B of Brotli more (measured: 112,272 B against 111,454 B).
fn credit_of(event: &web_sys::Event) -> Option<(OrganizationId, i64)> {
    let detail = event.dyn_ref::<web_sys::CustomEvent>()?.detail();
    let field = |name: &str| js_sys::Reflect::get(&detail, &name.into()).ok();
    let id = OrganizationId::parse(&field("organizationId")?.as_string()?).ok()?;
    let cents = field("balanceCents")?.as_f64()?;
    // A whole number of cents, as the widget writes it.
    #[allow(clippy::cast_possible_truncation)]
    let whole = cents as i64;
    #[allow(clippy::cast_precision_loss)]
    (whole as f64 == cents).then_some((id, whole))
}

/// The balance known for the id the field holds now.
pub fn current(
    balance: RwSignal<Known>,
    organization: Memo<Option<OrganizationId>>,
) -> Option<Money> {
    let (id, money) = balance.get()?;
    organization
        .with(|now| now.as_ref() == Some(&id))
        .then_some(money)
}

/// "Current balance: $150.00", while the field holds the id the balance is for.
pub fn line(
    balance: RwSignal<Known>,
    organization: Memo<Option<OrganizationId>>,
    text: Text,
) -> impl IntoView {
    move || {
        current(balance, organization).map(|money| {
            view! {
                <p class="cc-balance" part="balance">
                    {text.get("form.balance")} " " <strong>{text.money(money)}</strong>
                </p>
            }
        })
    }
}
