//! `GET /api/billing/balance/{organization_id}`: the balance and currency only, each
//! organization's answer cached briefly so a polling page cannot burn the key's shared quota.

use crate::{AppState, error::AppError, origin_guard};
use axum::{
    Json,
    extract::{Path, State},
    http::HeaderMap,
};
use closient_checkout_core::{BalanceResponse, OrganizationId};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

pub const CACHE_FOR: Duration = Duration::from_secs(2);
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, Default)]
pub struct BalanceCache(Mutex<HashMap<OrganizationId, (Instant, BalanceResponse)>>);

impl BalanceCache {
    fn get(&self, id: &OrganizationId, now: Instant) -> Option<BalanceResponse> {
        let entries = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(id)
            .filter(|(at, _)| now.duration_since(*at) < CACHE_FOR)
            .map(|(_, b)| b.clone())
    }

    fn put(&self, id: OrganizationId, balance: BalanceResponse, now: Instant) {
        let mut entries = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| now.duration_since(*at) < CACHE_FOR);
        }
        entries.insert(id, (now, balance));
    }
}

pub async fn balance(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<BalanceResponse>, AppError> {
    origin_guard::check(&headers, &state.config.public_origins)?;
    let id = OrganizationId::parse_exact(&raw_id).map_err(|e| {
        AppError::validation(vec![closient_checkout_core::FieldError {
            field: closient_checkout_core::field::ORGANIZATION_ID.to_owned(),
            message: format!("{} {e}", closient_checkout_core::field::ORGANIZATION_ID),
        }])
    })?;
    state.check_organization(&id)?;
    if let Some(cached) = state.balances.get(&id, Instant::now()) {
        return Ok(Json(cached));
    }
    let balance = state.upstream.balance(&id).await?;
    state.balances.put(id, balance.clone(), Instant::now());
    Ok(Json(balance))
}
