//! The mock's shared state: fault queues, request counters, checkout sessions and balances.
//! Tests drive it in-process through `MockState`; other processes through the admin routes.

use crate::config::MockConfig;
use crate::faults::Fault;
use crate::rate_limit::{Quota, QuotaReading};
use closient_checkout_core::return_url::SESSION_ID_PLACEHOLDER;
use closient_checkout_core::{AmountCents, CheckoutSessionId, Money, OrganizationId};
use closient_checkout_server_common::tenant_token::TenantSecret;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// The base path of the API, as the real service mounts it.
pub const BASE_PATH: &str = "/billing/api/v1";

/// The API routes that faults and counters are kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Checkout,
    Balance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    Open,
    Paid,
    Canceled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    #[serde(serialize_with = "session_id_as_str")]
    pub id: CheckoutSessionId,
    pub organization_id: OrganizationId,
    pub amount_cents: u64,
    pub status: SessionStatus,
}

/// What `GET /__mock/stats` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub checkout_requests: u64,
    pub balance_requests: u64,
    /// In the order they were created.
    pub sessions: Vec<SessionInfo>,
}

/// Cheap to clone: every clone shares the same state.
#[derive(Clone)]
pub struct MockState {
    inner: Arc<Inner>,
}

struct Inner {
    origin: String,
    api_key: String,
    tenant_secret: Option<TenantSecret>,
    credit_delay: Option<Duration>,
    starting_balance_cents: i64,
    rate_limit: u32,
    bench: bool,
    /// Keyed per process, so the tokens below look random without a random-number crate.
    hasher: RandomState,
    /// Outside `Data` so that ids stay unique across resets.
    next_token: AtomicU64,
    data: Mutex<Data>,
}

#[derive(Default)]
struct Data {
    checkout_faults: VecDeque<Fault>,
    balance_faults: VecDeque<Fault>,
    checkout_requests: u64,
    balance_requests: u64,
    sessions: Vec<Session>,
    balances: HashMap<OrganizationId, i64>,
    quota: Quota,
    /// Bumped by every reset, so a credit scheduled before one is not applied after it.
    generation: u64,
}

struct Session {
    info: SessionInfo,
    success_url: String,
    cancel_url: String,
}

/// Why a hosted-page request finds no usable session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionProblem {
    Unknown,
    Finished,
}

/// How a session ends on the hosted page: the customer paid or canceled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionEnd {
    Paid,
    Canceled,
}

impl MockState {
    /// The origin is taken from `config.listen`; `start` passes the address actually bound.
    pub fn new(config: &MockConfig) -> Self {
        let mut ip = config.listen.ip();
        // A wildcard address is not somewhere a browser can be sent.
        if ip.is_unspecified() {
            ip = if ip.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            };
        }
        let origin = format!(
            "http://{}",
            std::net::SocketAddr::new(ip, config.listen.port())
        );
        Self {
            inner: Arc::new(Inner {
                origin,
                api_key: config.api_key.clone(),
                tenant_secret: config.tenant_secret.clone(),
                credit_delay: config.credit_delay,
                starting_balance_cents: config.starting_balance_cents,
                rate_limit: config.rate_limit,
                bench: config.bench,
                hasher: RandomState::new(),
                next_token: AtomicU64::new(0),
                data: Mutex::new(Data::default()),
            }),
        }
    }

    /// `http://HOST:PORT`, where the hosted page lives.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// `http://HOST:PORT/billing/api/v1`.
    pub fn base_url(&self) -> String {
        format!("{}{BASE_PATH}", self.inner.origin)
    }

    /// Appends faults to the route's queue; each one is used up by one request of that route.
    pub fn push_faults(&self, route: Route, faults: impl IntoIterator<Item = Fault>) {
        let mut data = self.data();
        let queue = match route {
            Route::Checkout => &mut data.checkout_faults,
            Route::Balance => &mut data.balance_faults,
        };
        queue.extend(faults);
    }

    pub fn clear_faults(&self) {
        let mut data = self.data();
        data.checkout_faults.clear();
        data.balance_faults.clear();
    }

    /// Forgets faults, counters, sessions, balances and the rate-limit window, and cancels
    /// credits that are still waiting.
    pub fn reset(&self) {
        let mut data = self.data();
        let generation = data.generation + 1;
        *data = Data {
            generation,
            ..Data::default()
        };
    }

    pub fn stats(&self) -> Stats {
        let data = self.data();
        Stats {
            checkout_requests: data.checkout_requests,
            balance_requests: data.balance_requests,
            sessions: data.sessions.iter().map(|s| s.info.clone()).collect(),
        }
    }

    pub fn balance_cents(&self, organization: &OrganizationId) -> i64 {
        self.data()
            .balances
            .get(organization)
            .copied()
            .unwrap_or(self.inner.starting_balance_cents)
    }

    pub fn set_balance_cents(&self, organization: &OrganizationId, cents: i64) {
        self.data().balances.insert(organization.clone(), cents);
    }

    pub(crate) fn tenant_secret(&self) -> Option<&TenantSecret> {
        self.inner.tenant_secret.as_ref()
    }

    pub(crate) fn key_matches(&self, given: Option<&[u8]>) -> bool {
        !self.inner.api_key.is_empty() && given == Some(self.inner.api_key.as_bytes())
    }

    /// Counts a request of the route and takes the next fault queued for it.
    pub(crate) fn begin_request(&self, route: Route) -> Option<Fault> {
        let mut data = self.data();
        match route {
            Route::Checkout => {
                data.checkout_requests += 1;
                data.checkout_faults.pop_front()
            }
            Route::Balance => {
                data.balance_requests += 1;
                data.balance_faults.pop_front()
            }
        }
    }

    /// Started with `MockConfig::bench`.
    pub(crate) fn bench(&self) -> bool {
        self.inner.bench
    }

    pub(crate) fn take_quota(&self) -> QuotaReading {
        self.data()
            .quota
            .take(Instant::now(), self.inner.rate_limit)
    }

    /// Opens a session and returns its hosted-page URL, fragment included as Stripe's has one.
    pub(crate) fn open_session(
        &self,
        organization_id: OrganizationId,
        amount: AmountCents,
        success_url: String,
        cancel_url: String,
    ) -> String {
        let id = CheckoutSessionId::parse(&format!("cs_test_{}", self.token(24)))
            .unwrap_or_else(|_| unreachable!("the token is made of letters and digits"));
        let url = format!("{}/pay/{id}#fid{}", self.inner.origin, self.token(32));
        self.data().sessions.push(Session {
            info: SessionInfo {
                id,
                organization_id,
                amount_cents: amount.cents(),
                status: SessionStatus::Open,
            },
            success_url,
            cancel_url,
        });
        url
    }

    /// The session behind a hosted page, if it can still be paid or canceled.
    pub(crate) fn open_session_info(&self, id: &str) -> Result<SessionInfo, SessionProblem> {
        let data = self.data();
        let session = data
            .sessions
            .iter()
            .find(|s| s.info.id.as_str() == id)
            .ok_or(SessionProblem::Unknown)?;
        match session.info.status {
            SessionStatus::Open => Ok(session.info.clone()),
            SessionStatus::Paid | SessionStatus::Canceled => Err(SessionProblem::Finished),
        }
    }

    /// Closes an open session and returns where to send the customer. A payment is credited
    /// `credit_delay` later, the way Stripe's webhook reaches the real service after the redirect.
    pub(crate) fn finish_session(
        &self,
        id: &str,
        end: SessionEnd,
    ) -> Result<String, SessionProblem> {
        let mut data = self.data();
        let generation = data.generation;
        let session = data
            .sessions
            .iter_mut()
            .find(|s| s.info.id.as_str() == id)
            .ok_or(SessionProblem::Unknown)?;
        if session.info.status != SessionStatus::Open {
            return Err(SessionProblem::Finished);
        }
        match end {
            SessionEnd::Canceled => {
                session.info.status = SessionStatus::Canceled;
                Ok(session.cancel_url.clone())
            }
            SessionEnd::Paid => {
                session.info.status = SessionStatus::Paid;
                let redirect = session
                    .success_url
                    .replace(SESSION_ID_PLACEHOLDER, session.info.id.as_str());
                let organization = session.info.organization_id.clone();
                let cents = Money::from_unsigned_cents(session.info.amount_cents).cents();
                drop(data);
                self.credit_later(generation, organization, cents);
                Ok(redirect)
            }
        }
    }

    fn credit_later(&self, generation: u64, organization: OrganizationId, cents: i64) {
        let Some(delay) = self.inner.credit_delay else {
            return;
        };
        let state = self.clone();
        // Timed from the payment, not from whenever the task first runs.
        let due = Instant::now() + delay;
        tokio::spawn(async move {
            tokio::time::sleep_until(due).await;
            let starting = state.inner.starting_balance_cents;
            let mut data = state.data();
            if data.generation == generation {
                let balance = data.balances.entry(organization).or_insert(starting);
                *balance = balance.saturating_add(cents);
            }
        });
    }

    /// Letters and digits derived from a keyed hash of a counter: unique per call and not
    /// guessable from earlier ones, which is all a fake session id needs.
    fn token(&self, length: usize) -> String {
        const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let counter = self.inner.next_token.fetch_add(1, Ordering::Relaxed);
        let mut token = String::with_capacity(length);
        let mut round = 0u64;
        while token.len() < length {
            let mut word = self.inner.hasher.hash_one((counter, round));
            round += 1;
            // 62^10 < 2^64: ten digits per hash.
            for _ in 0..10 {
                if token.len() == length {
                    break;
                }
                token.push(char::from(DIGITS[(word % 62) as usize]));
                word /= 62;
            }
        }
        token
    }

    fn data(&self) -> MutexGuard<'_, Data> {
        // The lock is never held across a panic point that leaves the data half-written.
        self.inner
            .data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MockState {
    /// Leaves the API key out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockState")
            .field("origin", &self.inner.origin)
            .field("credit_delay", &self.inner.credit_delay)
            .finish_non_exhaustive()
    }
}

fn session_id_as_str<S: serde::Serializer>(
    id: &CheckoutSessionId,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(id.as_str())
}
