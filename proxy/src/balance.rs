//! `GET /api/billing/balance/{organization_id}`: the balance and currency only, for an
//! organization the request is bound to. Each organization's answer, an error too, is cached
//! briefly, and concurrent misses share one upstream call, so a polling page cannot burn the
//! key's shared quota. With Redis, the replicas share the cache and the call as well (see
//! `SharedState::balance`).

use crate::upstream::with_server_timing;
use crate::{
    AppState,
    client_ip::ClientKey,
    error::{AppError, Limit},
    recent::RecentMap,
    tenant::{Caller, Route},
};
use axum::response::{IntoResponse, Response};
use axum::{
    Json,
    extract::{ConnectInfo, Path, State},
    http::HeaderMap,
};
use closient_checkout_core::{BalanceResponse, OrganizationId};
use std::sync::OnceLock;
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::OnceCell;

/// The route's template, as routed and as the metrics label it.
pub const ROUTE: &str = "/api/billing/balance/{organization_id}";

pub const CACHE_FOR: Duration = Duration::from_secs(2);
/// Organizations cached at most; the least recently asked for is forgotten first.
const MAX_ENTRIES: usize = 10_000;

type Answer = Result<BalanceResponse, AppError>;

/// One upstream call's answer and when it came; waiters of a call in flight share its cell.
#[derive(Debug, Default)]
struct Slot(OnceCell<(Instant, Answer)>);

impl Slot {
    /// In flight, or answered less than `CACHE_FOR` ago.
    fn is_live(&self, now: Instant) -> bool {
        self.0
            .get()
            .is_none_or(|(at, _)| now.duration_since(*at) < CACHE_FOR)
    }
}

#[derive(Debug)]
pub struct BalanceCache(Mutex<RecentMap<OrganizationId, Arc<Slot>>>);

impl Default for BalanceCache {
    fn default() -> Self {
        Self(Mutex::new(RecentMap::new(MAX_ENTRIES)))
    }
}

impl BalanceCache {
    /// The cached answer, else the one of the call in flight, else `fetch`'s.
    async fn get_or_fetch(
        &self,
        id: &OrganizationId,
        fetch: impl Future<Output = Answer>,
    ) -> Answer {
        let slot = {
            let now = Instant::now();
            let mut slots = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let slot = slots.get_or_insert_with(id, Arc::default);
            if !slot.is_live(now) {
                *slot = Arc::default();
            }
            slot.clone()
        };
        // A caller that goes away mid-call leaves the cell empty; the next waiter calls again.
        let (_, answer) = slot
            .0
            .get_or_init(|| async { (Instant::now(), fetch.await) })
            .await;
        answer.clone()
    }
}

pub async fn balance(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Caller(grant): Caller,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let id = OrganizationId::parse_exact(&raw_id).map_err(|e| {
        AppError::Invalid(vec![closient_checkout_core::FieldError::broken(
            closient_checkout_core::field::ORGANIZATION_ID,
            e.code(),
            &e,
            None,
        )])
    })?;
    grant.authorize(&id, Route::Balance)?;
    let client = ClientKey::from(state.config.trusted_proxies.client_ip(peer, &headers));
    state.rate_limit(Limit::Balances, client).await?;
    // Set only when this request made the upstream call: a cached answer took none.
    let upstream = OnceLock::new();
    let fetch = async {
        let called = Instant::now();
        let answer = state
            .call_upstream(ROUTE, state.upstream.balance(&id))
            .await;
        let _ = upstream.set(called.elapsed());
        answer
    };
    let shared = state.shared.balance(&id, fetch);
    let answer = state.balances.get_or_fetch(&id, shared).await.map(Json);
    Ok(match upstream.get() {
        Some(&took) => with_server_timing(answer, took),
        None => answer.into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use closient_checkout_core::organization::{ALPHABET, LENGTH};

    /// The `n`th organization id: `n` written in the id alphabet, padded to its length.
    fn organization(mut n: usize) -> OrganizationId {
        let alphabet = ALPHABET.as_bytes();
        let mut id = vec![alphabet[0]; LENGTH];
        for place in id.iter_mut().rev() {
            *place = alphabet[n % alphabet.len()];
            n /= alphabet.len();
        }
        OrganizationId::parse(std::str::from_utf8(&id).expect("ASCII")).expect("a valid id")
    }

    #[tokio::test]
    async fn a_hundred_thousand_organizations_leave_the_cache_at_its_cap_oldest_forgotten() {
        let cache = BalanceCache::default();
        let answer = || async {
            Ok(BalanceResponse {
                balance: closient_checkout_core::Money::from_cents(100),
                currency: "USD".to_owned(),
            })
        };
        for n in 0..100_000 {
            cache
                .get_or_fetch(&organization(n), answer())
                .await
                .expect("answered");
        }
        let slots = cache.0.lock().expect("lock");
        assert_eq!(slots.len(), MAX_ENTRIES);
        assert!(
            !slots.contains_key(&organization(0)),
            "the oldest is forgotten"
        );
        assert!(!slots.contains_key(&organization(100_000 - MAX_ENTRIES - 1)));
        assert!((100_000 - MAX_ENTRIES..100_000).all(|n| slots.contains_key(&organization(n))));
    }
}
