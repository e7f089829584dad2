//! A per-client token bucket for the checkout route. State is per replica and in memory: a
//! restart forgets it, and N replicas allow N times the rate (documented in docs/security.md).

use crate::{client_ip::ClientKey, recent::RecentMap};
use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

/// Buckets kept at most. A client whose bucket was forgotten starts again with a full one, so
/// the least recently seen client is forgotten first: its bucket is the likeliest to be full.
const MAX_CLIENTS: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<RecentMap<ClientKey, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `per_minute == 0` allows everything.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(RecentMap::new(MAX_CLIENTS)),
        }
    }

    /// Takes one request from `client`'s bucket, or says how long until one is free.
    pub fn check(&self, client: ClientKey, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.get_or_insert_with(&client, || Bucket {
            tokens: capacity,
            updated: now,
        });
        bucket.tokens = refilled(*bucket, now, per_second, capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

fn refilled(bucket: Bucket, now: Instant, per_second: f64, capacity: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * per_second).min(capacity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_then_says_when_to_come_back() {
        let limiter = RateLimiter::new(30);
        let (client, other) = (key("10.0.0.1"), key("10.0.0.2"));
        let start = Instant::now();
        for _ in 0..30 {
            assert_eq!(limiter.check(client, start), Ok(()));
        }
        let wait = limiter.check(client, start).expect_err("over the limit");
        assert!(
            wait <= Duration::from_secs(2) && wait > Duration::from_millis(1_900),
            "{wait:?}"
        );
        assert_eq!(
            limiter.check(other, start),
            Ok(()),
            "clients are counted apart"
        );
        assert_eq!(
            limiter.check(client, start + Duration::from_secs(2)),
            Ok(()),
            "tokens come back"
        );
    }

    #[test]
    fn zero_turns_it_off() {
        let limiter = RateLimiter::new(0);
        let client = key("10.0.0.1");
        assert!((0..1_000).all(|_| limiter.check(client, Instant::now()).is_ok()));
    }

    /// Latency under this load is measured by `cargo xtask soak`, not here.
    #[test]
    fn a_hundred_thousand_clients_leave_the_map_at_its_cap_oldest_forgotten() {
        let limiter = RateLimiter::new(30);
        let now = Instant::now();
        let clients: Vec<ClientKey> = (0..100_000u32)
            .map(|n| ClientKey::from(std::net::IpAddr::from(std::net::Ipv4Addr::from(n))))
            .collect();
        // The first client spends its whole bucket: the cap forgets it all the same once it is
        // the oldest, or a flood of new clients could grow the map past any bound.
        for _ in 0..30 {
            assert_eq!(limiter.check(clients[0], now), Ok(()));
        }
        for client in &clients[1..] {
            assert_eq!(limiter.check(*client, now), Ok(()));
        }
        let buckets = limiter.buckets.lock().expect("lock");
        assert_eq!(buckets.len(), MAX_CLIENTS);
        assert!(
            !buckets.contains_key(&clients[0]),
            "the oldest is forgotten"
        );
        assert!(!buckets.contains_key(&clients[100_000 - MAX_CLIENTS - 1]));
        assert!(
            clients[100_000 - MAX_CLIENTS..]
                .iter()
                .all(|client| buckets.contains_key(client)),
            "the most recent ones are kept"
        );
    }

    fn key(text: &str) -> ClientKey {
        ClientKey::from(text.parse::<std::net::IpAddr>().expect("ip"))
    }
}
