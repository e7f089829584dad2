//! The shared state kept in this process: all of it without Redis, and a replica's own while
//! Redis does not answer.

use super::idempotency::{Answer, Found, Hash, RecordKey};
use crate::{client_ip::ClientKey, error::Limit, rate_limit::RateLimiter, recent::RecentMap};
use std::{
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// Idempotency records kept at most; past it the least recently used is forgotten, and a
/// retry with its key calls the upstream again.
const MAX_RECORDS: usize = 100_000;

#[derive(Debug)]
pub(super) struct Memory {
    checkouts: RateLimiter,
    balances: RateLimiter,
    upstream_until: Mutex<Option<Instant>>,
    records: Mutex<RecentMap<Hash, Record>>,
}

#[derive(Debug, Clone)]
struct Record {
    body: Hash,
    answer: Option<Answer>,
    until: Instant,
}

impl Memory {
    pub fn new(checkouts_per_minute: u32, balances_per_minute: u32) -> Self {
        Self {
            checkouts: RateLimiter::new(checkouts_per_minute),
            balances: RateLimiter::new(balances_per_minute),
            upstream_until: Mutex::default(),
            records: Mutex::new(RecentMap::new(MAX_RECORDS)),
        }
    }

    pub fn take_token(&self, limit: Limit, client: ClientKey) -> Result<(), Duration> {
        let limiter = match limit {
            Limit::Balances => &self.balances,
            _ => &self.checkouts,
        };
        limiter.check(client, Instant::now())
    }

    pub fn upstream_wait(&self) -> Option<Duration> {
        let until = *self
            .upstream_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        until
            .map(|until| until.saturating_duration_since(Instant::now()))
            .filter(|left| !left.is_zero())
    }

    pub fn hold_upstream(&self, wait: Duration) {
        *self
            .upstream_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now() + wait);
    }

    pub fn begin(&self, key: &RecordKey, claim_ttl: Duration) -> Found {
        let now = Instant::now();
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let mut claimed = false;
        let record = records.get_or_insert_with(&key.record, || {
            claimed = true;
            Record {
                body: key.body,
                answer: None,
                until: now + claim_ttl,
            }
        });
        if !claimed && record.until <= now {
            claimed = true;
            *record = Record {
                body: key.body,
                answer: None,
                until: now + claim_ttl,
            };
        }
        match (claimed, &record.answer) {
            (true, _) => Found::Claimed,
            (false, None) => Found::Pending {
                body: record.body,
                left: record.until - now,
            },
            (false, Some(answer)) => Found::Done {
                body: record.body,
                answer: answer.clone(),
            },
        }
    }

    pub fn finish(&self, key: &RecordKey, answer: Option<&Answer>, ttl: Duration) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let record = records.get_or_insert_with(&key.record, || Record {
            body: key.body,
            answer: None,
            until: Instant::now(),
        });
        match answer {
            Some(answer) => {
                *record = Record {
                    body: key.body,
                    answer: Some(answer.clone()),
                    until: Instant::now() + ttl,
                }
            }
            // Expired: the next request with the key claims it.
            None if record.answer.is_none() => record.until = Instant::now(),
            None => {}
        }
    }
}
