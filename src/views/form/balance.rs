//! The balance of the organization in the form: looked up whenever the field comes to hold a
//! new valid id, and shown under it. The same figure is saved as the success view's baseline.

use super::state::FormState;
use crate::{
    browser::platform::{Balance, Platform},
    config::WidgetConfig,
    views::{ViewTasks, text::Text},
};
use closient_checkout_core::OrganizationId;
use leptos::prelude::*;
use std::{cell::RefCell, rc::Rc};

/// Looks the balance up for what the field holds now, unless it is the id looked up last or
/// the one whose balance is known. Touching the field changes it, not its id.
pub fn lookup(
    state: RwSignal<FormState>,
    config: &WidgetConfig,
    platform: &Platform,
) -> impl Fn() + Clone + 'static {
    let (config, platform) = (config.clone(), platform.clone());
    let tasks = ViewTasks::current();
    let last = Rc::new(RefCell::new(None::<OrganizationId>));
    move || {
        let id = state.with_untracked(FormState::organization_id).ok();
        let previous = last.replace(id.clone());
        let Some(new) = id.filter(|id| previous.as_ref() != Some(id)) else {
            return;
        };
        if state.with_untracked(|s| s.balance.as_ref().is_some_and(|(known, _)| *known == new)) {
            return;
        }
        let (config, platform) = (config.clone(), platform.clone());
        tasks.spawn(async move {
            let Balance::Known(fetched) = platform.balance(&config, &new).await else {
                return;
            };
            // A slow answer for an id that is no longer in the field is dropped.
            if state
                .with_untracked(FormState::organization_id)
                .is_ok_and(|now| now == new)
            {
                state.update(|s| s.balance = Some((new, fetched)));
            }
        });
    }
}

/// "Current balance: $150.00", while the field holds the id the balance is for.
pub fn line(state: RwSignal<FormState>, text: Text) -> impl IntoView {
    move || {
        let shown = state.with(|s| {
            s.balance
                .clone()
                .filter(|(id, _)| s.organization_id().is_ok_and(|now| now == *id))
        });
        shown.map(|(_, money)| {
            view! {
                <p class="cc-balance" part="balance">
                    {text.get("form.balance")} " " <strong>{text.money(money)}</strong>
                </p>
            }
        })
    }
}
