//! A per-client token bucket for the checkout route. State is per replica and in memory: a
//! restart forgets it, and N replicas allow N times the rate (documented in the README).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Buckets kept before full ones are forgotten, so the map stays bounded.
const MAX_CLIENTS: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
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
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket, or says how long until one is free.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_CLIENTS {
            buckets.retain(|_, b| refilled(*b, now, per_second, capacity) < capacity);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
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
        let (client, other) = (
            "10.0.0.1".parse().expect("ip"),
            "10.0.0.2".parse().expect("ip"),
        );
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
        let client = "10.0.0.1".parse().expect("ip");
        assert!((0..1_000).all(|_| limiter.check(client, Instant::now()).is_ok()));
    }
}
