//! What a mock is started with.

use closient_checkout_server_common::tenant_token::TenantSecret;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

#[derive(Clone)]
pub struct MockConfig {
    /// Port 0 picks a free port.
    pub listen: SocketAddr,
    /// The only `X-API-Key` the API accepts; never logged nor shown by `Debug`.
    pub api_key: String,
    /// How long after "payment" the balance is credited, like Stripe's webhook; `None` never
    /// credits it, as when the webhook never reaches the API.
    pub credit_delay: Option<Duration>,
    /// Every organization's balance until a payment or `set_balance_cents` changes it.
    pub starting_balance_cents: i64,
    /// What the dashboard route signs tenant tokens with; without it that route answers 404.
    pub tenant_secret: Option<TenantSecret>,
    /// API requests a minute before the API answers 429; the real API's 300 unless a load
    /// test needs more to reach the faults it injects.
    pub rate_limit: u32,
    /// For benchmarks: no rate limit (nor its headers), a queued `slow` fault answers at once,
    /// and no line is logged per request, so an API call costs only the mock's own work.
    pub bench: bool,
}

impl MockConfig {
    /// Any free loopback port, a 3 s credit delay, a USD 150.00 starting balance and the real
    /// API's rate limit.
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            api_key: api_key.into(),
            credit_delay: Some(Duration::from_secs(3)),
            starting_balance_cents: 15_000,
            tenant_secret: None,
            rate_limit: crate::rate_limit::API_LIMIT,
            bench: false,
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
            .field("tenant_secret", &self.tenant_secret)
            .field("rate_limit", &self.rate_limit)
            .field("bench", &self.bench)
            .finish()
    }
}
