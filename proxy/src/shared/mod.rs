//! The state replicas share: the per-client rate limits, idempotency records, the upstream's
//! `Retry-After` and the balance cache. Without `--redis-url` it lives in this process; with
//! it, in Redis, and in this process again whenever Redis does not answer in time (see
//! `redis::COMMAND_DEADLINE`). Routes call `SharedState` alone and never ask which is in use.

pub mod idempotency;
mod memory;
mod redis;

use crate::{
    client_ip::ClientKey,
    config::Config,
    error::{AppError, Limit},
};
use closient_checkout_core::{BalanceResponse, OrganizationId};
use idempotency::{Answer, Begun, Claim, RecordKey};
use std::{future::Future, sync::Arc, time::Duration};

pub use self::redis::COMMAND_DEADLINE;

/// How often a replica looks for the balance another replica is fetching: a small part of an
/// upstream call, a few Redis commands a second per waiting replica.
const BALANCE_POLL: Duration = Duration::from_millis(20);

#[derive(Debug)]
pub struct SharedState {
    local: memory::Memory,
    redis: Option<redis::RedisStore>,
    checkouts_per_minute: u32,
    balances_per_minute: u32,
    idempotency_ttl: Duration,
    /// How long a claim on a key holds before another request may take it: the holder's
    /// request cannot outlive its deadline.
    claim_ttl: Duration,
}

impl SharedState {
    pub fn new(config: &Config) -> Result<Self, String> {
        let flags = &config.flags;
        Ok(Self {
            local: memory::Memory::new(flags.rate_limit, flags.balance_rate_limit),
            redis: flags
                .redis_url
                .as_ref()
                .map(|url| redis::RedisStore::new(url, &flags.redis_prefix))
                .transpose()?,
            checkouts_per_minute: flags.rate_limit,
            balances_per_minute: flags.balance_rate_limit,
            idempotency_ttl: flags.idempotency_ttl,
            claim_ttl: config.request_timeout(),
        })
    }

    /// Whether Redis answered its last command; `None` without `--redis-url`.
    pub fn redis_up(&self) -> Option<bool> {
        self.redis.as_ref().map(redis::RedisStore::is_up)
    }

    /// Redis commands that failed or missed their deadline since start-up; `None` without
    /// `--redis-url`.
    pub fn redis_errors(&self) -> Option<u64> {
        self.redis.as_ref().map(redis::RedisStore::errors)
    }

    /// Redis's answer when it gave one in time, else `None` (and the caller uses its own).
    async fn remote<'a, T, Fut>(
        &'a self,
        op: impl FnOnce(&'a redis::RedisStore) -> Fut,
    ) -> Option<T>
    where
        Fut: Future<Output = ::redis::RedisResult<T>> + 'a,
    {
        let store = self.redis.as_ref()?;
        store.run(op(store)).await
    }

    /// Takes one request from `client`'s bucket for `limit`, or says how long until one is
    /// free. A bucket holds the per-minute figure, so that is a client's burst.
    pub async fn rate_limit(&self, limit: Limit, client: ClientKey) -> Result<(), Duration> {
        let per_minute = match limit {
            Limit::Checkouts => self.checkouts_per_minute,
            Limit::Balances => self.balances_per_minute,
            Limit::InFlight | Limit::Upstream => return Ok(()),
        };
        if per_minute == 0 {
            return Ok(());
        }
        match self
            .remote(|r| r.take_token(limit.label(), client, per_minute))
            .await
        {
            Some(wait) => wait,
            None => self.local.take_token(limit, client),
        }
    }

    /// How long until the upstream may be called again after its last 429, if it may not now.
    pub async fn upstream_wait(&self) -> Option<Duration> {
        match self.remote(redis::RedisStore::upstream_wait).await {
            Some(wait) => wait,
            None => self.local.upstream_wait(),
        }
    }

    /// After an upstream 429: no request calls the upstream again for `wait`.
    pub async fn hold_upstream(&self, wait: Duration) {
        if self.remote(|r| r.hold_upstream(wait)).await.is_none() {
            self.local.hold_upstream(wait);
        }
    }

    /// Starts the request with this record key and body hash: a claim to call the upstream,
    /// or what to answer instead.
    pub async fn begin(self: &Arc<Self>, key: RecordKey) -> Begun {
        let remote = self.remote(|r| r.begin(&key, self.claim_ttl)).await;
        let (found, on_redis) = match remote {
            Some(found) => (found, true),
            None => (self.local.begin(&key, self.claim_ttl), false),
        };
        idempotency::begun(found, key, on_redis, self)
    }

    /// An organization's balance answer: the one some replica fetched less than
    /// `balance::CACHE_FOR` ago, else `fetch`'s, one replica fetching at a time while the others
    /// wait for its answer (up to the proxy's request timeout). In one process the balance
    /// cache in front of this does both.
    pub async fn balance(
        &self,
        id: &OrganizationId,
        fetch: impl Future<Output = Result<BalanceResponse, AppError>>,
    ) -> Result<BalanceResponse, AppError> {
        let deadline = tokio::time::Instant::now() + self.claim_ttl;
        while tokio::time::Instant::now() < deadline {
            match self.remote(|r| r.balance_begin(id, self.claim_ttl)).await {
                None => break,
                Some(redis::Flight::Cached(answer)) => return answer,
                Some(redis::Flight::Claimed) => {
                    let answer = fetch.await;
                    self.remote(|r| r.balance_put(id, &answer, crate::balance::CACHE_FOR))
                        .await;
                    return answer;
                }
                Some(redis::Flight::Busy) => tokio::time::sleep(BALANCE_POLL).await,
            }
        }
        fetch.await
    }

    /// Ends a claim: keeps the final `answer` for the TTL, or frees the key for a retry.
    pub(crate) async fn finish(&self, claim: &Claim, answer: Option<&Answer>) {
        let ttl = self.idempotency_ttl;
        if claim.on_redis {
            let done = self.remote(|r| r.finish(&claim.key, answer, ttl)).await;
            if done.is_some() {
                return;
            }
        }
        self.local.finish(&claim.key, answer, ttl);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::time::Instant;

    fn shared(args: &[&str]) -> Arc<SharedState> {
        let args = crate::config::Args::try_parse_from(
            ["checkout-proxy", "--rate-limit", "1"].iter().chain(args),
        )
        .expect("flags");
        let config = Config::new(args.flags, |name| {
            (name == "CLOSIENT_API_KEY").then(|| "csb_test_key".to_owned())
        })
        .expect("config");
        Arc::new(SharedState::new(&config).expect("state"))
    }

    fn client() -> ClientKey {
        ClientKey::from(std::net::IpAddr::from([203, 0, 113, 7]))
    }

    /// Nothing listens on the port: the first command fails fast and is counted, the state is
    /// the replica's own, and the next requests do not try Redis again within the probe
    /// interval.
    #[tokio::test]
    async fn without_redis_a_replica_answers_from_its_own_state_and_counts_once() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let url = format!("redis://127.0.0.1:{port}");
        let shared = shared(&["--redis-url", &url]);
        assert_eq!(shared.redis_up(), Some(true), "up until it fails");
        let started = Instant::now();
        assert_eq!(shared.rate_limit(Limit::Checkouts, client()).await, Ok(()));
        assert!(
            started.elapsed() <= COMMAND_DEADLINE * 2,
            "{:?}",
            started.elapsed()
        );
        assert_eq!(shared.redis_up(), Some(false));
        assert_eq!(shared.redis_errors(), Some(1));
        // The replica's own bucket of one: taken above, so this one waits.
        assert!(shared.rate_limit(Limit::Checkouts, client()).await.is_err());
        assert_eq!(shared.redis_errors(), Some(1), "not tried again so soon");
    }

    /// A Redis that takes the connection and never answers costs a request the deadline, no
    /// more.
    #[tokio::test]
    async fn a_silent_redis_costs_one_request_the_deadline() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("redis://{}", silent.local_addr().expect("bound"));
        let shared = shared(&["--redis-url", &url]);
        let started = Instant::now();
        assert_eq!(shared.upstream_wait().await, None);
        let took = started.elapsed();
        assert!(
            took >= COMMAND_DEADLINE && took < COMMAND_DEADLINE * 3,
            "{took:?}"
        );
        assert_eq!(shared.redis_up(), Some(false));
        let started = Instant::now();
        assert_eq!(shared.rate_limit(Limit::Checkouts, client()).await, Ok(()));
        assert!(started.elapsed() < COMMAND_DEADLINE / 2, "no second wait");
        drop(silent);
    }

    #[tokio::test]
    async fn without_a_url_there_is_no_redis_to_report() {
        let shared = shared(&[]);
        assert_eq!((shared.redis_up(), shared.redis_errors()), (None, None));
        assert_eq!(shared.rate_limit(Limit::Checkouts, client()).await, Ok(()));
        assert!(shared.rate_limit(Limit::Checkouts, client()).await.is_err());
    }
}
