//! The top-up form: organization, amount, and a single-flight submit that ends on the hosted
//! checkout page. The rules come from `core`, the words from `messages`, the request loop from
//! `submit`; this is the view and the order of events.

mod state;
mod text_field;

use crate::{
    attempt::SavedAttempt,
    config::WidgetConfig,
    messages,
    money_format::MoneyFormat,
    outcome::Problem,
    services::{Services, now_ms},
    submit::{Phase, attempt_checkout},
    timer::{Timeout, Wake},
};
use closient_checkout_core::{
    AmountCents, CheckoutRequest, OrganizationId, OrganizationIdError, field, return_urls,
    session_id_in_url,
};
use leptos::{prelude::*, task::spawn_local};
use state::{FieldState, FormState, Rules, Which};
use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};
use text_field::{TextInput, text_field};
use wasm_bindgen::JsCast;

/// How long a framed page waits for the top window to leave before offering the link.
const FRAMED_NAVIGATION_GRACE_MS: u32 = 1_500;

/// What a link may prefill. Only the editable organization field takes it; it never locks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefill {
    pub organization: Option<String>,
    pub amount: Option<String>,
}

/// Gives each mounted form its own element ids.
fn next_id_prefix() -> String {
    thread_local!(static COUNT: Cell<u32> = const { Cell::new(0) });
    COUNT.with(|count| {
        count.set(count.get() + 1);
        format!("closient-checkout-{}", count.get())
    })
}

#[component]
pub fn CheckoutForm(
    config: WidgetConfig,
    services: Services,
    #[prop(optional)] prefill: Prefill,
    /// Back from a cancelled checkout: say so, and offer to try again.
    #[prop(optional)]
    cancelled: bool,
) -> impl IntoView {
    let id_prefix = next_id_prefix();
    let fixed_organization = config.organization.clone();
    let is_fixed = fixed_organization.is_some();
    let rules = Rules {
        limits: config.limits,
        fixed_organization: is_fixed,
        money: StoredValue::new_local(MoneyFormat::new(config.locale.as_deref(), &config.currency)),
    };
    let format = move |cents: i64| rules.format(cents);
    let limits = config.limits;

    let state = RwSignal::new(FormState {
        organization: FieldState::new(match &fixed_organization {
            Some(id) => id.to_string(),
            None => prefill.organization.unwrap_or_default(),
        }),
        amount: FieldState::new(prefill.amount.unwrap_or_default()),
        phase: Phase::Idle { notice: None },
        balance: None,
    });
    let set_phase = move |phase: Phase| state.update(|s| s.phase = phase);
    let phase = move || state.with(|s| s.phase.clone());
    let phase_untracked = move || state.with_untracked(|s| s.phase.clone());
    // The single-flight guard: set synchronously before the first await.
    let in_flight = Rc::new(Cell::new(false));
    let wake = Wake::default();

    let amount = move || state.with(|s| s.amount_cents(&rules));
    let has_error = move || {
        state.with(|s| {
            s.error(Which::Organization, &rules).is_some()
                || s.error(Which::Amount, &rules).is_some()
        })
    };

    // Fetch the balance whenever the organization field comes to hold a new valid id: for what
    // it starts with, then after each edit. Touching the field changes it, not its id.
    let look_up_balance = {
        let (config, services) = (config.clone(), services.clone());
        let last = Rc::new(RefCell::new(None::<OrganizationId>));
        move || {
            let id = organization_untracked(state).ok();
            let previous = last.replace(id.clone());
            let Some(new) = id.filter(|id| previous.as_ref() != Some(id)) else {
                return;
            };
            if state.with_untracked(|s| s.balance.as_ref().is_some_and(|(known, _)| *known == new))
            {
                return;
            }
            let (config, services) = (config.clone(), services.clone());
            spawn_local(async move {
                let fetched = services.balance(&config, &new).await;
                // A slow answer for an id that is no longer in the field is dropped.
                if organization_untracked(state).is_ok_and(|now| now == new) {
                    state.update(|s| s.balance = fetched.map(|money| (new, money)));
                }
            });
        }
    };
    look_up_balance();

    // Back from the hosted page through the back-forward cache: nothing may stay pending.
    let pageshow = {
        let (in_flight, wake) = (in_flight.clone(), wake.clone());
        window_event_listener(leptos::ev::pageshow, move |event| {
            if event.persisted() {
                wake.wake();
                in_flight.set(false);
                if !matches!(phase_untracked(), Phase::Idle { .. }) {
                    set_phase(Phase::Idle { notice: None });
                }
            }
        })
    };
    on_cleanup(move || pageshow.remove());

    let leave_for_checkout = {
        let services = services.clone();
        move |url: String, request: &CheckoutRequest| {
            let baseline = state.with_untracked(|s| {
                s.balance
                    .as_ref()
                    .filter(|(id, _)| *id == request.organization_id)
                    .map(|(_, m)| m.cents())
            });
            SavedAttempt {
                organization_id: request.organization_id.to_string(),
                amount_cents: request.amount_cents.cents(),
                saved_at_ms: now_ms(),
                baseline_cents: baseline,
                session_id: session_id_in_url(&url).map(|id| id.to_string()),
            }
            .save();
            set_phase(Phase::Redirecting);
            let navigated = services.navigator.navigate(&url);
            if navigated.is_err() {
                set_phase(Phase::Blocked { url });
            } else if services.navigator.is_framed() {
                // A cross-origin frame's top navigation can be dropped silently once the click's
                // activation has expired: if this page is still here, offer the link.
                let fallback = Timeout::start(FRAMED_NAVIGATION_GRACE_MS, move || {
                    if phase_untracked() == Phase::Redirecting {
                        set_phase(Phase::Blocked { url });
                    }
                });
                std::mem::forget(fallback);
            }
        }
    };

    let run = {
        let (config, services, in_flight, wake) = (
            config.clone(),
            services.clone(),
            in_flight.clone(),
            wake.clone(),
        );
        move |request: CheckoutRequest| {
            let (config, services, in_flight, wake) = (
                config.clone(),
                services.clone(),
                in_flight.clone(),
                wake.clone(),
            );
            let leave_for_checkout = leave_for_checkout.clone();
            spawn_local(async move {
                match attempt_checkout(&config, &services, &request, set_phase, &wake).await {
                    Ok(url) => leave_for_checkout(url, &request),
                    Err(problem) => {
                        state.update(|s| {
                            if let Problem::Fields(errors) = &problem {
                                let server_error = |name: &str| {
                                    errors
                                        .iter()
                                        .find(|e| e.field == name)
                                        .map(|e| e.message.clone())
                                };
                                s.organization.server_error = server_error(field::ORGANIZATION_ID);
                                s.amount.server_error = server_error(field::AMOUNT_CENTS);
                            }
                            s.phase = Phase::Idle {
                                notice: Some(messages::problem(&problem)),
                            };
                        });
                        in_flight.set(false);
                    }
                }
            });
        }
    };

    let on_submit = {
        let services = services.clone();
        let return_url = config.return_url.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            if matches!(phase_untracked(), Phase::Countdown { .. }) {
                // A click during a countdown retries now, once.
                wake.wake();
                return;
            }
            if in_flight.get() {
                return;
            }
            state.update(|s| {
                s.organization.touched = true;
                s.amount.touched = true;
            });
            let organization = fixed_organization
                .clone()
                .map_or_else(|| organization_untracked(state), Ok);
            let amount = state.with_untracked(|s| s.amount_cents(&rules));
            let (Ok(organization_id), Ok(amount_cents)) = (organization.clone(), amount) else {
                set_phase(Phase::Idle {
                    notice: Some(messages::CORRECT_FIELDS.to_owned()),
                });
                focus_control(
                    &event,
                    if organization.is_err() {
                        "[name=organization_id]"
                    } else {
                        "[name=amount]"
                    },
                );
                return;
            };
            in_flight.set(true);
            state.update(|s| {
                s.phase = Phase::Idle { notice: None };
                s.organization.server_error = None;
                s.amount.server_error = None;
            });
            let typed = (!is_fixed).then_some(&organization_id);
            let page = return_url.clone().unwrap_or_else(services.page_url);
            let urls = return_urls(&page, amount_cents, typed);
            run(CheckoutRequest {
                organization_id,
                amount_cents,
                success_url: urls.success_url,
                cancel_url: urls.cancel_url,
            });
        }
    };

    let submit_label = move || match phase() {
        Phase::Sending => "Connecting\u{2026}".to_owned(),
        Phase::Retrying => "Trying again\u{2026}".to_owned(),
        Phase::Countdown { secs_left } => format!("Retry now ({})", messages::seconds(secs_left)),
        Phase::Redirecting | Phase::Blocked { .. } => {
            "Redirecting to secure checkout\u{2026}".to_owned()
        }
        Phase::Idle { .. } => match amount() {
            Ok(amount) if cancelled => {
                format!("Try again: add {} to balance", format(cents_i64(amount)))
            }
            Ok(amount) => format!("Add {} to balance", format(cents_i64(amount))),
            Err(_) if cancelled => "Try again".to_owned(),
            Err(_) => "Add funds".to_owned(),
        },
    };
    let status = move || match phase() {
        Phase::Sending => Some("Starting a secure checkout\u{2026}".to_owned()),
        Phase::Retrying => {
            Some("The payment service did not answer; trying again\u{2026}".to_owned())
        }
        Phase::Countdown { secs_left } => Some(format!(
            "Too many requests just now. Trying again in {}\u{2026}",
            messages::seconds(secs_left)
        )),
        Phase::Redirecting => Some("Redirecting to secure checkout\u{2026}".to_owned()),
        Phase::Blocked { .. } => Some(
            "This page is shown inside another site, which stopped the move to the checkout \
             page. Use the link below to continue."
                .to_owned(),
        ),
        Phase::Idle { notice } => {
            notice.filter(|text| text != messages::CORRECT_FIELDS || has_error())
        }
    };
    let busy =
        move || state.with(|s| !matches!(s.phase, Phase::Idle { .. } | Phase::Countdown { .. }));
    let balance_line = move || {
        let shown = state.with(|s| {
            s.balance
                .clone()
                .filter(|(id, _)| s.organization_id().is_ok_and(|now| now == *id))
        });
        shown.map(|(_, money)| {
            view! {
                <p class="cc-balance">"Current balance: " <strong>{format(money.cents())}</strong></p>
            }
        })
    };

    let presets = config
        .presets
        .iter()
        .map(|&cents| {
            let label = format(i64::try_from(cents).unwrap_or(i64::MAX));
            let pressed = move || amount().is_ok_and(|a| a.cents() == cents);
            view! {
                <button
                    type="button"
                    class="cc-preset"
                    aria-pressed=move || pressed().to_string()
                    on:click=move |_| {
                        let text = limits.check(cents).map(AmountCents::to_input_string);
                        state.update(|s| s.amount.edit(text.unwrap_or_default()));
                    }
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    let range_hint = format!(
        "Between {} and {}.",
        format(cents_i64(limits.min())),
        format(cents_i64(limits.max()))
    );

    let organization_field = text_field(
        state,
        rules,
        TextInput {
            which: Which::Organization,
            id: format!("{id_prefix}-organization"),
            name: "organization_id",
            label: "Organization ID".to_owned(),
            hint: if is_fixed {
                "Set by this page."
            } else {
                "22 letters and digits, from your organization settings."
            }
            .to_owned(),
            inputmode: None,
            autocomplete: "off",
            maxlength: "64",
            readonly: is_fixed,
        },
        Rc::new(look_up_balance.clone()),
    );
    let amount_field = text_field(
        state,
        rules,
        TextInput {
            which: Which::Amount,
            id: format!("{id_prefix}-amount"),
            name: "amount",
            label: format!("Custom amount ({})", config.currency),
            hint: range_hint,
            inputmode: Some("decimal"),
            autocomplete: "transaction-amount",
            maxlength: "32",
            readonly: false,
        },
        Rc::new(|| ()),
    );
    let title_id = format!("{id_prefix}-title");
    view! {
        <form class="cc-form" novalidate on:submit=on_submit aria-labelledby=title_id.clone()>
            {cancelled.then(|| view! {
                <div class="cc-notice">
                    <h2 class="cc-notice-title">"No charge was made"</h2>
                    <p>"The payment was cancelled. Your details are kept below; try again when you are ready."</p>
                </div>
            })}
            <h2 class="cc-title" id=title_id.clone()>"Add funds to your ad balance"</h2>
            <div class="cc-field">
                {organization_field}
                {balance_line}
            </div>
            <fieldset class="cc-field">
                <legend>"Amount"</legend>
                <div class="cc-presets">{presets}</div>
                {amount_field}
            </fieldset>
            <button type="submit" class="cc-submit" aria-disabled=move || busy().to_string()>
                {submit_label}
            </button>
            <p class="cc-status" role="status" aria-live="polite">{status}</p>
            {move || match phase() {
                Phase::Blocked { url } => Some(view! {
                    <p class="cc-continue">
                        <a href=url.clone() target="_top">"Continue to secure checkout"</a>
                        " or "
                        <a href=url target="_blank" rel="noopener">"open it in a new tab"</a>
                    </p>
                }),
                _ => None,
            }}
        </form>
    }
}

/// Focuses the control of the submitted form that `selector` finds.
fn focus_control(event: &leptos::ev::SubmitEvent, selector: &str) {
    let control = event
        .target()
        .and_then(|form| form.dyn_into::<web_sys::Element>().ok())
        .and_then(|form| form.query_selector(selector).ok().flatten())
        .and_then(|control| control.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(control) = control {
        let _ = control.focus();
    }
}

fn organization_untracked(
    state: RwSignal<FormState>,
) -> Result<OrganizationId, OrganizationIdError> {
    state.with_untracked(FormState::organization_id)
}

pub fn cents_i64(amount: AmountCents) -> i64 {
    i64::try_from(amount.cents()).unwrap_or(i64::MAX)
}
