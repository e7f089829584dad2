//! The balance of the organization in the form: a resource keyed by the field's valid id, so
//! it is read again only when the id changes, and an answer for an id the field no longer holds
//! is dropped by the resource itself. The same figure is saved as the success view's baseline.

use crate::{
    browser::platform::{Balance, Platform},
    config::WidgetConfig,
    views::text::Text,
};
use closient_checkout_core::{Money, OrganizationId};
use leptos::prelude::*;

/// The balance read for an id, with that id.
pub type Known = Option<(OrganizationId, Money)>;

/// Reads the balance of `organization` whenever it holds a new valid id.
pub fn resource(
    organization: Memo<Option<OrganizationId>>,
    config: &WidgetConfig,
    platform: &Platform,
) -> LocalResource<Known> {
    let (config, platform) = (config.clone(), platform.clone());
    LocalResource::new(move || {
        let (id, config, platform) = (organization.get(), config.clone(), platform.clone());
        async move {
            let id = id?;
            match platform.balance(&config, &id).await {
                Balance::Known(money) => Some((id, money)),
                Balance::NotServed | Balance::Unavailable => None,
            }
        }
    })
}

/// The balance known for the id the field holds now.
pub fn current(
    balance: LocalResource<Known>,
    organization: Memo<Option<OrganizationId>>,
) -> Option<Money> {
    let (id, money) = balance.get().flatten()?;
    organization
        .with(|now| now.as_ref() == Some(&id))
        .then_some(money)
}

/// "Current balance: $150.00", while the field holds the id the balance is for.
pub fn line(
    balance: LocalResource<Known>,
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
