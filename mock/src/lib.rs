//! A fake Closient billing API and a fake Stripe hosted checkout page, for the demo and the
//! tests. It is never linked into the production proxy.
//!
//! In-process: `start` serves on a loopback port and returns a handle whose `state()` queues
//! faults and reads what happened; `router` gives the bare router for `oneshot` tests. Other
//! processes control a running mock over HTTP under `/__mock/`.

mod admin;
mod api;
mod faults;
mod hosted_page;
mod rate_limit;
mod server;
mod state;

pub use faults::{Fault, FaultParseError};
pub use server::{RunningMock, start};
pub use state::{BASE_PATH, MockState, Route, SessionInfo, SessionStatus, Stats};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

#[derive(Clone)]
pub struct MockConfig {
    /// Port 0 picks a free port.
    pub listen: SocketAddr,
    /// The only `X-API-Key` the API accepts; never logged nor shown by `Debug`.
    pub api_key: String,
    /// How long after "payment" the balance is credited, like Stripe's webhook.
    pub credit_delay: Duration,
    /// Every organization's balance until a payment or `set_balance_cents` changes it.
    pub starting_balance_cents: i64,
}

impl MockConfig {
    /// Any free loopback port, a 3 s credit delay and a USD 150.00 starting balance.
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            api_key: api_key.into(),
            credit_delay: Duration::from_secs(3),
            starting_balance_cents: 15_000,
        }
    }
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("listen", &self.listen)
            .field("api_key", &"<redacted>")
            .field("credit_delay", &self.credit_delay)
            .field("starting_balance_cents", &self.starting_balance_cents)
            .finish()
    }
}

/// Every route of the mock. The `drop` fault needs the server of `start`: served by anything
/// else, its response is a bare 500.
pub fn router(state: MockState) -> Router {
    Router::new()
        .nest(BASE_PATH, api::routes(state.clone()))
        .merge(hosted_page::routes(state.clone()))
        .merge(admin::routes(state))
        .layer(middleware::from_fn(log_request))
}

/// One line per request. Only the method, path and status: headers carry the API key.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if response
        .extensions()
        .get::<faults::DropConnection>()
        .is_some()
    {
        tracing::info!("{method} {path} dropped");
    } else {
        tracing::info!("{method} {path} {}", response.status().as_u16());
    }
    response
}
