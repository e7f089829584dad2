//! `GET /api/billing/balance/{organization_id}`: the balance and currency only, for an
//! organization the request is bound to. Each organization's answer, an error too, is cached
//! briefly, and concurrent misses share one upstream call, so a polling page cannot burn the
//! key's shared quota.

use crate::upstream::with_server_timing;
use crate::{AppState, client_ip::client_ip, error::AppError, origin_guard, tenant::Route};
use axum::response::{IntoResponse, Response};
use axum::{
    Json,
    extract::{ConnectInfo, Path, State},
    http::HeaderMap,
};
use closient_checkout_core::{BalanceResponse, OrganizationId};
use std::sync::OnceLock;
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::OnceCell;

pub const CACHE_FOR: Duration = Duration::from_secs(2);
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

#[derive(Debug, Default)]
pub struct BalanceCache(Mutex<HashMap<OrganizationId, Arc<Slot>>>);

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
            match slots.get(id) {
                Some(slot) if slot.is_live(now) => slot.clone(),
                _ => {
                    if slots.len() >= MAX_ENTRIES {
                        slots.retain(|_, slot| slot.is_live(now));
                    }
                    let slot = Arc::new(Slot::default());
                    slots.insert(id.clone(), slot.clone());
                    slot
                }
            }
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
    Path(raw_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    origin_guard::check(&headers, &state.config.public_origins)?;
    let grant = state.config.access.authenticate(&headers)?;
    let id = OrganizationId::parse_exact(&raw_id).map_err(|e| {
        AppError::validation(vec![closient_checkout_core::FieldError {
            field: closient_checkout_core::field::ORGANIZATION_ID.to_owned(),
            message: format!("{} {e}", closient_checkout_core::field::ORGANIZATION_ID),
        }])
    })?;
    grant.authorize(&id, Route::Balance)?;
    let client = client_ip(peer, &headers, state.config.trust_forwarded_for);
    state
        .balance_limiter
        .check(client, Instant::now())
        .map_err(|wait| {
            AppError::rate_limited(wait, "Too many balance requests; wait a moment.")
        })?;
    // Set only when this request made the upstream call: a cached answer took none.
    let upstream = OnceLock::new();
    let fetch = async {
        let called = Instant::now();
        let answer = state.upstream.balance(&id).await;
        let _ = upstream.set(called.elapsed());
        answer
    };
    let answer = state.balances.get_or_fetch(&id, fetch).await.map(Json);
    Ok(match upstream.get() {
        Some(&took) => with_server_timing(answer, took),
        None => answer.into_response(),
    })
}
