//! The top-up form: organization, amount, and a single-flight submit that ends on the hosted
//! checkout page. The rules come from `core`, the words from `messages`, the request loop from
//! `submit`; this is the view and the order of events.

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
    AmountCents, CheckoutRequest, Money, OrganizationId, OrganizationIdError, field, return_urls,
    session_id_in_url,
};
use leptos::{prelude::*, task::spawn_local};
use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};
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

/// Everything the form shows, in one signal. Each signal type costs the bundle about 0.6 KB of
/// gzip, and re-rendering this small form on any change is cheap.
#[derive(Debug, Clone)]
struct FormState {
    organization: FieldState,
    amount: FieldState,
    phase: Phase,
    /// The balance of the organization in the form, once known: shown, and saved as the baseline.
    balance: Option<(OrganizationId, Money)>,
}

/// One text field: what is typed, whether the person has been there, and what the server said
/// about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FieldState {
    text: String,
    touched: bool,
    /// The server's message for this field from the last attempt, until the field is edited.
    server_error: Option<String>,
}

impl FieldState {
    fn new(text: String) -> Self {
        Self {
            text,
            ..Self::default()
        }
    }

    /// The field's own problem once touched, else the server's.
    fn error<E>(&self, parsed: Result<(), E>, show: impl FnOnce(&E) -> String) -> Option<String> {
        match parsed {
            Err(error) if self.touched => Some(show(&error)),
            _ => self
                .server_error
                .as_deref()
                .map(messages::server_field_error),
        }
    }

    /// What a person typing does: new text, touched, and the server's word no longer applies.
    fn edit(&mut self, text: String) {
        *self = Self {
            text,
            touched: true,
            server_error: None,
        };
    }
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
    let ids = Ids::new(&next_id_prefix());
    let money =
        StoredValue::new_local(MoneyFormat::new(config.locale.as_deref(), &config.currency));
    let format = move |cents: i64| money.with_value(|m| m.cents(cents));
    let limits = config.limits;
    let fixed_organization = config.organization.clone();
    let is_fixed = fixed_organization.is_some();

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

    let amount = move || state.with(|s| AmountCents::parse(&s.amount.text, &limits));
    let organization_error = move || -> Option<String> {
        if is_fixed {
            return None;
        }
        state.with(|s| match OrganizationId::parse(&s.organization.text) {
            // An untouched empty field is not an error yet, nor does the server's word apply.
            Err(OrganizationIdError::Empty) if !s.organization.touched => None,
            parsed => s
                .organization
                .error(parsed.map(drop), messages::organization_error),
        })
    };
    let amount_error = move || -> Option<String> {
        state.with(|s| {
            let parsed = AmountCents::parse(&s.amount.text, &limits).map(drop);
            s.amount
                .error(parsed, |error| messages::amount_error(error, &format))
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
            let amount = state.with_untracked(|s| AmountCents::parse(&s.amount.text, &limits));
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
        Phase::Idle { notice } => notice.filter(|text| {
            text != messages::CORRECT_FIELDS
                || organization_error().is_some()
                || amount_error().is_some()
        }),
    };
    let busy =
        move || state.with(|s| !matches!(s.phase, Phase::Idle { .. } | Phase::Countdown { .. }));
    let balance_line = move || {
        let shown = state.with(|s| {
            s.balance.clone().filter(|(id, _)| {
                OrganizationId::parse(&s.organization.text).is_ok_and(|now| now == *id)
            })
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

    let organization_described = DescribedBy::new(&ids.organization_hint, &ids.organization_error);
    let amount_described = DescribedBy::new(&ids.amount_hint, &ids.amount_error);
    view! {
        <form class="cc-form" novalidate on:submit=on_submit aria-labelledby=ids.title.clone()>
            {cancelled.then(|| view! {
                <div class="cc-notice">
                    <h2 class="cc-notice-title">"No charge was made"</h2>
                    <p>"The payment was cancelled. Your details are kept below; try again when you are ready."</p>
                </div>
            })}
            <h2 class="cc-title" id=ids.title.clone()>"Add funds to your ad balance"</h2>
            <div class="cc-field">
                <label for=ids.organization.clone()>"Organization ID"</label>
                <input
                    id=ids.organization.clone()
                    name="organization_id"
                    type="text"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    maxlength="64"
                    readonly=is_fixed
                    aria-readonly=is_fixed.then_some("true")
                    aria-invalid=move || organization_error().is_some().to_string()
                    aria-describedby=move || organization_described.get(organization_error().is_some())
                    prop:value=move || state.with(|s| s.organization.text.clone())
                    on:input=move |event| {
                        state.update(|s| s.organization.edit(event_target_value(&event)));
                        look_up_balance();
                    }
                    on:blur=move |_| {
                        if !state.with_untracked(|s| s.organization.touched) {
                            state.update(|s| s.organization.touched = true);
                        }
                    }
                />
                <p class="cc-hint" id=ids.organization_hint.clone()>
                    {if is_fixed { "Set by this page." } else { "22 letters and digits, from your organization settings." }}
                </p>
                <p class="cc-error" id=ids.organization_error.clone()>{organization_error}</p>
                {balance_line}
            </div>
            <fieldset class="cc-field">
                <legend>"Amount"</legend>
                <div class="cc-presets">{presets}</div>
                <label for=ids.amount.clone()>"Custom amount (" {config.currency.clone()} ")"</label>
                <input
                    id=ids.amount.clone()
                    name="amount"
                    type="text"
                    inputmode="decimal"
                    autocomplete="transaction-amount"
                    maxlength="32"
                    aria-invalid=move || amount_error().is_some().to_string()
                    aria-describedby=move || amount_described.get(amount_error().is_some())
                    prop:value=move || state.with(|s| s.amount.text.clone())
                    on:input=move |event| state.update(|s| s.amount.edit(event_target_value(&event)))
                />
                <p class="cc-hint" id=ids.amount_hint.clone()>{range_hint}</p>
                <p class="cc-error" id=ids.amount_error.clone()>{amount_error}</p>
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

#[derive(Debug, Clone)]
struct Ids {
    title: String,
    organization: String,
    organization_hint: String,
    organization_error: String,
    amount: String,
    amount_hint: String,
    amount_error: String,
}

impl Ids {
    fn new(prefix: &str) -> Self {
        let id = |name: &str| format!("{prefix}-{name}");
        Self {
            title: id("title"),
            organization: id("organization"),
            organization_hint: id("organization-hint"),
            organization_error: id("organization-error"),
            amount: id("amount"),
            amount_hint: id("amount-hint"),
            amount_error: id("amount-error"),
        }
    }
}

/// A field's `aria-describedby`, both values built once: the hint, and the hint with the error
/// while there is one.
#[derive(Debug, Clone)]
struct DescribedBy {
    valid: String,
    invalid: String,
}

impl DescribedBy {
    fn new(hint: &str, error: &str) -> Self {
        Self {
            valid: hint.to_owned(),
            invalid: format!("{hint} {error}"),
        }
    }

    fn get(&self, invalid: bool) -> String {
        if invalid {
            self.invalid.clone()
        } else {
            self.valid.clone()
        }
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
    state.with_untracked(|s| OrganizationId::parse(&s.organization.text))
}

pub fn cents_i64(amount: AmountCents) -> i64 {
    i64::try_from(amount.cents()).unwrap_or(i64::MAX)
}
