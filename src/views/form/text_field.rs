//! One labelled text input with its hint and its live error message. Both of the form's fields
//! are built by this one non-generic function, so the bundle carries their element code once.

use super::state::{FormField, FormSettings, FormState};
use closient_checkout_core::{AmountCents, AmountError};
use leptos::prelude::*;

/// How one text input differs from the other.
#[derive(Debug)]
pub struct TextInput {
    pub which: FormField,
    /// The element id; the hint and the error take it with `-hint` and `-error`.
    pub id: String,
    pub name: &'static str,
    pub label: String,
    pub hint: String,
    pub inputmode: Option<&'static str>,
    pub autocomplete: &'static str,
    pub maxlength: &'static str,
    pub readonly: bool,
}

/// The label, the input, its hint and its error. `amount` is the form's memo of the parsed
/// amount, which the amount field's error is worded from.
pub fn text_field(
    state: RwSignal<FormState>,
    settings: FormSettings,
    input: TextInput,
    amount: Memo<Result<AmountCents, AmountError>>,
) -> impl IntoView {
    let TextInput {
        which,
        id,
        name,
        label,
        hint,
        inputmode,
        autocomplete,
        maxlength,
        readonly,
    } = input;
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    // `aria-describedby` names the error only while there is one.
    let described = (hint_id.clone(), format!("{hint_id} {error_id}"));
    let error = move || amount.with(|amount| state.with(|s| s.error(which, &settings, amount)));
    view! {
        <label for=id.clone() part="label">{label}</label>
        <input
            id=id
            part="input"
            name=name
            type="text"
            inputmode=inputmode
            autocomplete=autocomplete
            autocapitalize="off"
            spellcheck="false"
            maxlength=maxlength
            readonly=readonly
            aria-readonly=readonly.then_some("true")
            aria-invalid=move || error().is_some().to_string()
            aria-describedby=move || {
                if error().is_some() { described.1.clone() } else { described.0.clone() }
            }
            prop:value=move || state.with(|s| s.field(which).text.clone())
            on:input=move |event| {
                state.update(|s| s.field_mut(which).edit(event_target_value(&event)));
            }
            on:blur=move |_| {
                if !state.with_untracked(|s| s.field(which).touched) {
                    state.update(|s| s.field_mut(which).touched = true);
                }
            }
        />
        <p class="cc-hint" part="hint" id=hint_id>{hint}</p>
        <p class="cc-error" part="error" id=error_id>{error}</p>
    }
}
