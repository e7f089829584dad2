//! The top-up form: organization, amount, and a single-flight submit that ends on the hosted
//! checkout page. The rules come from `core`, the words from `messages`, the request loop from
//! `flow::submit`; this is the view and the order of events. Its pieces: what it holds
//! (`state`), its two text fields (`text_field`), the balance under the organization
//! (`balance`), the hand-off to checkout (`checkout`) and the links of a framed page (`framed`).

mod balance;
mod checkout;
mod framed;
mod state;
mod text_field;

use crate::{
    browser::{events::ErrorDetail, platform::Platform, timer::Wake},
    config::WidgetConfig,
    flow::{
        outcome::{Problem, Refusal},
        submit::{Phase, attempt_checkout},
    },
    views::{ViewTasks, messages, text::Text},
};
use closient_checkout_core::{AmountCents, CheckoutRequest, field, return_urls};
use leptos::{prelude::*, reactive::actions::ActionAbortHandle};
pub use state::FormState;
use state::{FieldState, FormField, FormSettings};
use std::cell::Cell;
use text_field::{TextInput, text_field};
use wasm_bindgen::JsCast;

/// What a link may prefill: the editable fields, never a fixed organization, and never locked.
/// An amount comes as cents or as text already typed (kept across an `update`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefill {
    pub organization: Option<String>,
    pub amount: Option<AmountCents>,
    pub amount_text: Option<String>,
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
    platform: Platform,
    #[prop(optional)] prefill: Prefill,
    /// Back from a cancelled checkout: say so, and offer to try again.
    #[prop(optional)]
    cancelled: bool,
    /// Where the fields are kept; a signal of the mount's, so that what was typed outlives a
    /// new rendering of the form. Its own otherwise.
    #[prop(optional)]
    state: Option<RwSignal<FormState>>,
    /// False until the widget is ready; the button says so meanwhile. Ready when absent.
    #[prop(optional)]
    ready: Option<RwSignal<bool>>,
) -> impl IntoView {
    let id_prefix = next_id_prefix();
    let fixed_organization = config.organization.clone();
    let is_fixed = fixed_organization.is_some();
    let text = Text::new(&config);
    let settings = FormSettings {
        limits: config.limits,
        fixed_organization: is_fixed,
        text,
    };
    let format = move |amount: AmountCents| text.money(amount.money());
    let limits = config.limits;
    let separators = text.separators();

    let state = state.unwrap_or_default();
    state.set(FormState {
        organization: FieldState::new(match &fixed_organization {
            Some(id) => id.to_string(),
            None => prefill.organization.unwrap_or_default(),
        }),
        amount: FieldState::new(
            prefill
                .amount_text
                .or_else(|| {
                    prefill
                        .amount
                        .map(|cents| cents.to_input_string_with(separators))
                })
                .unwrap_or_default(),
        ),
        phase: Phase::Idle { notice: None },
    });
    let set_phase = move |phase: Phase| state.update(|s| s.phase = phase);
    let phase = move || state.with(|s| s.phase.clone());
    let phase_untracked = move || state.with_untracked(|s| s.phase.clone());
    let wake = Wake::default();

    // Parsed once per edit, for the label, the presets and the field's message alike.
    let amount = Memo::new(move |_| state.with(|s| s.amount_cents(&settings)));
    let organization = Memo::new(move |_| state.with(|s| s.organization_id().ok()));
    let balance = balance::read(organization, &config, &platform);
    let has_error = move || {
        amount.with(|amount| {
            state.with(|s| {
                s.error(FormField::Organization, &settings, amount)
                    .is_some()
                    || s.error(FormField::Amount, &settings, amount).is_some()
            })
        })
    };

    // One checkout at a time: `pending()` while a request is under way, and the phase once it
    // has sent the browser away. Its own result is handled inside, so its value is `()`.
    let tasks = ViewTasks::current();
    let checkout = {
        let (config, platform, wake) = (config.clone(), platform.clone(), wake.clone());
        Action::new_local(move |request: &CheckoutRequest| {
            let (config, platform, wake, tasks) = (
                config.clone(),
                platform.clone(),
                wake.clone(),
                tasks.clone(),
            );
            let request = request.clone();
            async move {
                match attempt_checkout(&config, &platform, &request, set_phase, &wake).await {
                    Ok(url) => {
                        let baseline = untrack(|| balance::current(balance, organization))
                            .map(|money| money.cents());
                        // On `Err` the page opens the URL itself; this form stays usable.
                        let _ = checkout::leave(
                            state, baseline, &config, &platform, &tasks, url, &request,
                        );
                    }
                    Err(refusal) => {
                        platform.events.error(&ErrorDetail {
                            code: &refusal.code(),
                            status: refusal.status(),
                            retryable: refusal.retryable(),
                            option: None,
                        });
                        state.update(|s| show_problem(s, &refusal, text));
                    }
                }
            }
        })
    };
    // The request under way ends with the form, or when the page comes back from the
    // back-forward cache, where it may have been frozen mid-flight.
    let under_way = StoredValue::new_local(None::<ActionAbortHandle>);
    let abort = move || {
        if let Some(handle) = under_way.try_update_value(Option::take).flatten() {
            handle.abort();
        }
    };
    on_cleanup(abort);
    let pageshow = {
        let wake = wake.clone();
        window_event_listener(leptos::ev::pageshow, move |event| {
            if event.persisted() {
                wake.wake();
                abort();
                if !matches!(phase_untracked(), Phase::Idle { .. }) {
                    set_phase(Phase::Idle { notice: None });
                }
            }
        })
    };
    on_cleanup(move || pageshow.remove());

    let on_submit = {
        let (page_url, events) = (platform.page_url, platform.events.clone());
        let (return_url, name) = (config.return_url.clone(), config.name.clone());
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let phase = phase_untracked();
            if matches!(phase, Phase::Countdown { .. }) {
                // A click during a countdown retries now, once.
                wake.wake();
                return;
            }
            if checkout.pending().get_untracked()
                || matches!(phase, Phase::Redirecting | Phase::Blocked { .. })
            {
                return;
            }
            state.update(|s| {
                s.organization.touched = true;
                s.amount.touched = true;
            });
            let organization = fixed_organization
                .clone()
                .map_or_else(|| state.with_untracked(FormState::organization_id), Ok);
            let (organization_id, amount_cents) = match (organization, amount.get_untracked()) {
                (Ok(organization), Ok(amount)) => (organization, amount),
                (organization, amount) => {
                    set_phase(Phase::Idle {
                        notice: Some(text.get("form.correct_fields")),
                    });
                    let (field, code, control) = match (organization, amount) {
                        (Err(error), _) => ("organizationId", error.code(), "organization_id"),
                        (_, Err(error)) => ("amount", error.code(), "amount"),
                        (Ok(_), Ok(_)) => unreachable!("both were valid above"),
                    };
                    events.invalid(field, code);
                    focus_control(&event, &format!("[name={control}]"));
                    return;
                }
            };
            state.update(|s| {
                s.phase = Phase::Idle { notice: None };
                s.organization.server_error = None;
                s.amount.server_error = None;
            });
            events.submit(organization_id.as_str(), amount_cents.cents());
            let typed = (!is_fixed).then_some(&organization_id);
            let page = return_url.clone().unwrap_or_else(page_url);
            let urls = return_urls(&page, amount_cents, typed, &name);
            under_way.set_value(Some(checkout.dispatch_local(CheckoutRequest {
                organization_id,
                amount_cents,
                success_url: urls.success_url,
                cancel_url: urls.cancel_url,
            })));
        }
    };

    let starting = move || ready.is_some_and(|ready| !ready.get());
    let submit_label = move || {
        if starting() {
            return text.get("submit.starting");
        }
        messages::submit_label(&phase(), amount.get().ok().map(format), cancelled, text)
    };
    let status = move || match phase() {
        // "Correct the fields" goes once nothing is left to correct.
        Phase::Idle { notice } => {
            notice.filter(|notice| *notice != text.get("form.correct_fields") || has_error())
        }
        busy => messages::progress(&busy, text),
    };
    let busy = move || {
        starting()
            || state.with(|s| !matches!(s.phase, Phase::Idle { .. } | Phase::Countdown { .. }))
    };

    let presets = config
        .presets
        .iter()
        .map(|&preset| {
            let pressed = move || amount.with(|a| a.as_ref().is_ok_and(|a| *a == preset));
            view! {
                <button
                    type="button"
                    class="cc-preset"
                    part="preset"
                    aria-pressed=move || pressed().to_string()
                    on:click=move |_| {
                        state.update(|s| s.amount.edit(preset.to_input_string_with(separators)));
                    }
                >
                    {format(preset)}
                </button>
            }
        })
        .collect_view();
    let range_hint = text.fill(
        "form.amount.hint",
        &[
            ("min", &format(limits.min())),
            ("max", &format(limits.max())),
        ],
    );

    let organization_field = text_field(
        state,
        settings,
        TextInput {
            which: FormField::Organization,
            id: format!("{id_prefix}-organization"),
            name: "organization_id",
            label: text.get("form.organization.label"),
            hint: text.get(if is_fixed {
                "form.organization.hint_fixed"
            } else {
                "form.organization.hint"
            }),
            inputmode: None,
            autocomplete: "off",
            maxlength: "64",
            readonly: is_fixed,
        },
        amount,
    );
    let amount_field = text_field(
        state,
        settings,
        TextInput {
            which: FormField::Amount,
            id: format!("{id_prefix}-amount"),
            name: "amount",
            label: text.fill("form.amount.label", &[("currency", &config.currency)]),
            hint: range_hint,
            inputmode: Some("decimal"),
            autocomplete: "transaction-amount",
            maxlength: "32",
            readonly: false,
        },
        amount,
    );
    let title_id = format!("{id_prefix}-title");
    view! {
        <form
            class="cc-form"
            part="form"
            // Until the wasm has taken over a pre-rendered form, a submit must go nowhere: a
            // dialog-method form outside a dialog submits nothing, where a plain one would GET
            // the page with the amount in its address.
            method="dialog"
            novalidate
            on:submit=on_submit
            aria-labelledby=title_id.clone()
        >
            {cancelled.then(|| view! {
                <div class="cc-notice" part="notice">
                    <h2 class="cc-notice-title">{text.get("form.cancelled.title")}</h2>
                    <p>{text.get("form.cancelled.body")}</p>
                </div>
            })}
            <h2 class="cc-title" part="title" id=title_id.clone()>{text.get("form.title")}</h2>
            <div class="cc-field">
                {organization_field}
                {balance::line(balance, organization, text)}
            </div>
            <fieldset class="cc-field">
                <legend>{text.get("form.amount.legend")}</legend>
                <div class="cc-presets">{presets}</div>
                {amount_field}
            </fieldset>
            <button
                type="submit"
                class="cc-submit"
                part="submit"
                aria-disabled=move || busy().to_string()
            >
                {submit_label}
            </button>
            <p class="cc-status" part="status" role="status" aria-live="polite">{status}</p>
            {move || match phase() {
                Phase::Blocked { url } => Some(framed::continue_links(url, text)),
                _ => None,
            }}
        </form>
    }
}

/// An attempt ended without checkout: the server's field messages go to their fields, and the
/// notice says what happened. What was typed stays.
fn show_problem(state: &mut FormState, refusal: &Refusal, text: Text) {
    let problem = &refusal.problem;
    if let Problem::Fields(errors) = problem {
        let server_error = |name: &str| errors.iter().find(|e| e.field == name).cloned();
        state.organization.server_error = server_error(field::ORGANIZATION_ID);
        state.amount.server_error = server_error(field::AMOUNT_CENTS);
    }
    state.phase = Phase::Idle {
        notice: Some(messages::problem(problem, text)),
    };
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
