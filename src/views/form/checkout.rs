//! Leaving for the hosted checkout page: the attempt is saved for the way back, the embedding
//! page may take the URL over (a cancelled `redirect` event), and otherwise the top window goes
//! to the URL exactly as received. In a frame that does not let go, the person gets the link
//! instead (`framed`).

use super::state::FormState;
use crate::{
    browser::platform::{Platform, now_ms},
    config::WidgetConfig,
    flow::{attempt::SavedAttempt, submit::Phase},
    views::ViewTasks,
};
use closient_checkout_core::{CheckoutRequest, session_id_in_url};
use leptos::prelude::*;

/// How long a framed page waits for the top window to leave before offering the link.
const FRAMED_NAVIGATION_GRACE_MS: u32 = 1_500;

/// The embedding page opens the checkout URL itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakenOver;

/// `tasks` are the form's: a wait for a framed page's navigation ends with the form.
/// `baseline` is the balance shown for the request's organization, if any.
pub fn leave(
    state: RwSignal<FormState>,
    baseline: Option<i64>,
    config: &WidgetConfig,
    platform: &Platform,
    tasks: &ViewTasks,
    url: String,
    request: &CheckoutRequest,
) -> Result<(), TakenOver> {
    SavedAttempt {
        organization_id: request.organization_id.to_string(),
        amount_cents: request.amount_cents.cents(),
        saved_at_ms: now_ms(),
        baseline_cents: baseline,
        session_id: session_id_in_url(&url).map(|id| id.to_string()),
    }
    .save(&config.name);
    let set_phase = move |phase| state.update(|s| s.phase = phase);
    if !platform.events.redirect(&url) {
        set_phase(Phase::Idle { notice: None });
        return Err(TakenOver);
    }
    set_phase(Phase::Redirecting);
    if platform.navigator.navigate(&url).is_err() {
        set_phase(Phase::Blocked { url });
    } else if platform.navigator.is_framed() {
        // A cross-origin frame's top navigation can be dropped silently once the click's
        // activation has expired: if this page is still here, offer the link.
        tasks.after(
            FRAMED_NAVIGATION_GRACE_MS,
            Box::new(move || {
                if state.with_untracked(|s| s.phase == Phase::Redirecting) {
                    state.update(|s| s.phase = Phase::Blocked { url });
                }
            }),
        );
    }
    Ok(())
}
