//! The components, and the choice between them: the form (also after a cancelled checkout),
//! the success view, or an explanation of a misconfigured mount element.

pub mod form;
pub mod messages;
pub mod success;
pub mod text;

use crate::{
    browser::{events::Events, platform::Platform, timer},
    config::WidgetConfig,
    flow::attempt::SavedAttempt,
};
use closient_checkout_core::PageView;
use form::{CheckoutForm, FormState, Prefill};
use leptos::{either::Either, prelude::*};
use success::SuccessView;

/// Starts the async work of one view (requests, waits), each task running until it ends or
/// the view is unmounted, whichever comes first: an unmounted widget sends no more requests and
/// leaves no timer behind. Event handlers run outside any owner, so the view's is kept, and
/// weakly: a strong one held by the view's own closures would keep it from ever cleaning up.
#[derive(Clone)]
pub struct ViewTasks(Option<WeakOwner>);

impl std::fmt::Debug for ViewTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ViewTasks").finish_non_exhaustive()
    }
}

impl ViewTasks {
    /// The tasks of the view being built now.
    pub fn current() -> Self {
        Self(Owner::current().map(|owner| owner.downgrade()))
    }

    /// Runs `f` after `ms`, unless the view is unmounted first: the wait is a task like the
    /// others, and dropping it clears its timer. Boxed, so every caller shares one task type.
    pub fn after(&self, ms: u32, f: Box<dyn FnOnce()>) {
        self.spawn(async move {
            timer::wait(ms, &timer::Wake::default()).await;
            f();
        });
    }

    pub fn spawn(&self, task: impl Future<Output = ()> + 'static) {
        let Some(owner) = self.0.as_ref().and_then(WeakOwner::upgrade) else {
            return;
        };
        let (abort, registration) = futures_util::future::AbortHandle::new_pair();
        owner.with(|| on_cleanup(move || abort.abort()));
        leptos::task::spawn_local(async move {
            let _ = futures_util::future::Abortable::new(task, registration).await;
        });
    }
}

/// An option the page set that cannot be used, as the page spelled it, and what it must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misconfigured {
    pub attribute: String,
    /// The option's name in the JS API, for the `error` event.
    pub option: &'static str,
    pub expected: &'static str,
}

/// A mount's configuration: what its options came to, or which of them is wrong.
pub type Configured = Result<WidgetConfig, Misconfigured>;

/// The view for the page's query string, rendered again in place whenever `config` changes
/// (an `update()`). What was typed lives in a signal outside that rendering, so it stays;
/// `typed` is what a pre-rendered form held when the widget took it over. `ready` is set, and
/// the page told, once the first valid configuration is on screen.
pub fn root(
    config: ArcRwSignal<Configured>,
    events: Events,
    view: fn(&str) -> PageView,
    typed: Prefill,
) -> impl IntoView {
    let state = RwSignal::new(FormState::default());
    state.update(|s| {
        s.organization.text = typed.organization.unwrap_or_default();
        s.amount.text = typed.amount_text.unwrap_or_default();
    });
    let ready = RwSignal::new(false);
    // A fixed organization fills the field too, but it is not what the person typed.
    let fixed = StoredValue::new(false);
    // The view is read once per name: the address no longer holds a return once it was read,
    // and an `update()` must not turn the success view into the form.
    let seen = StoredValue::new(None::<(String, PageView)>);
    move || {
        let config = match config.get() {
            Ok(config) => config,
            Err(error) => return Either::Left(config_error(&error)),
        };
        if !ready.get_untracked() {
            // Later, so a listener added right after `mount` returns still hears it; and not
            // at all from a widget unmounted (or configured again) before then.
            let events = events.clone();
            ViewTasks::current().after(
                0,
                Box::new(move || {
                    ready.set(true);
                    events.ready();
                }),
            );
        }
        let typed = state.with_untracked(|s| Prefill {
            organization: Some(s.organization.text.clone())
                .filter(|text| !fixed.get_value() && !text.is_empty()),
            amount: None,
            amount_text: Some(s.amount.text.clone()).filter(|text| !text.is_empty()),
        });
        fixed.set_value(config.organization.is_some());
        let shown = match seen.get_value() {
            Some((name, shown)) if name == config.name => shown,
            _ => {
                let shown = view(&config.name);
                seen.set_value(Some((config.name.clone(), shown.clone())));
                shown
            }
        };
        Either::Right(page(config, events.clone(), shown, typed, state, ready))
    }
}

/// The success view, or the form (also after a cancelled checkout) refilled from the URL, the
/// saved attempt and what was typed. `Either` rather than `into_any()`: the type-erased view
/// costs the wasm several KB.
fn page(
    config: WidgetConfig,
    events: Events,
    view: PageView,
    typed: Prefill,
    state: RwSignal<FormState>,
    ready: RwSignal<bool>,
) -> impl IntoView + use<> {
    let platform = Platform::browser(&config, events);
    let attempt = SavedAttempt::load(&config.name);
    let (organization, amount_cents, cancelled) = match view {
        PageView::Success(session) => {
            return Either::Left(view! { <SuccessView config platform session attempt /> });
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
    // What the person typed wins over what the URL carries.
    let prefill = Prefill {
        organization: typed.organization.or(organization),
        amount: amount_cents.and_then(|cents| config.limits.check(cents).ok()),
        amount_text: typed.amount_text,
    };
    Either::Right(view! { <CheckoutForm config platform prefill cancelled state ready /> })
}

/// In place of a form that would fail later: which option is wrong, and what it must hold.
/// In English: the words are for the page's developer, and a wrong option may be the locale.
fn config_error(error: &Misconfigured) -> impl IntoView + use<> {
    let (attribute, expected) = (error.attribute.clone(), error.expected);
    view! {
        <p class="cc-config-error" part="config-error" role="alert">
            "This checkout is not set up correctly: " {attribute} " " {expected} "."
        </p>
    }
}
