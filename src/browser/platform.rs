//! What the views and the flow talk to: the HTTP transport, navigation, time and randomness.
//! Tests replace the transport and the navigator to observe them, and shorten the waits.

use super::{
    events::Events,
    navigation::{BrowserNavigator, Navigator},
    transport::{FetchTransport, Transport, read_balance},
};
use crate::config::WidgetConfig;
use closient_checkout_core::{Money, OrganizationId, POLL_DELAYS_MS, RetryPolicy};
use std::rc::Rc;

/// What a balance read came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    Known(Money),
    /// The proxy does not serve balances to this page (no tenant binding): asking again is
    /// no use.
    NotServed,
    /// Not now: no answer, or one that could not be read.
    Unavailable,
}

#[derive(Clone)]
pub struct Platform {
    pub transport: Rc<dyn Transport>,
    pub navigator: Rc<dyn Navigator>,
    pub policy: RetryPolicy,
    /// A sample from `[0, 1)` for backoff jitter.
    pub random: fn() -> f64,
    /// The page URL that return URLs are built from when no `return_url` is configured.
    pub page_url: fn() -> String,
    /// Waits before each balance poll on the success view.
    pub poll_delays_ms: Vec<u32>,
    /// The embedding page's view of the top-up.
    pub events: Events,
}

impl Platform {
    pub fn browser(config: &WidgetConfig, events: Events) -> Self {
        Self {
            transport: Rc::new(FetchTransport {
                timeout_ms: config.timeout_ms,
                token: config.token.clone(),
            }),
            navigator: Rc::new(BrowserNavigator),
            policy: RetryPolicy::default(),
            random: js_sys::Math::random,
            page_url: current_page_url,
            poll_delays_ms: POLL_DELAYS_MS.to_vec(),
            events,
        }
    }

    /// The organization's balance through the proxy.
    pub async fn balance(&self, config: &WidgetConfig, organization: &OrganizationId) -> Balance {
        let url = format!(
            "{}/{organization}",
            config.balance_path.trim_end_matches('/')
        );
        match self.transport.get_json(&url).await {
            Ok(reply) if reply.status == 403 => Balance::NotServed,
            Ok(reply) => {
                read_balance(&reply).map_or(Balance::Unavailable, |b| Balance::Known(b.balance))
            }
            Err(_) => Balance::Unavailable,
        }
    }
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

pub fn current_page_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    // `Date.now()` is a whole number of milliseconds held in a float.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ms = js_sys::Date::now() as u64;
    ms
}
