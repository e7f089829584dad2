//! Three replicas sharing a real `redis-server`, in front of one mock: replays and reuse across
//! replicas, concurrent duplicates, a per-client limit held across them, the upstream's
//! Retry-After, Redis stopped and started under them, and nothing secret in Redis.
//!
//! Needs `redis-server` (REDIS_SERVER or PATH); without it these tests fail and say how to
//! install it.

mod support;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use closient_checkout_server_common::tenant_token;
use closient_mock::{Fault, Route, RunningMock};
use std::time::{Duration, Instant};
use support::{redis_server::RedisServer, *};

const PREFIX: &str = "test-prefix:";

fn upstream_calls(mock: &RunningMock) -> u64 {
    mock.state().stats().checkout_requests
}

async fn deployment(redis: &RedisServer, extra: &[&str]) -> (Vec<Router>, RunningMock) {
    let url = redis.url();
    let mut args = vec!["--redis-url", url.as_str(), "--redis-prefix", PREFIX];
    args.extend_from_slice(extra);
    replicas(3, &args, &[]).await
}

#[tokio::test]
async fn a_replay_comes_from_another_replica_and_reuse_is_refused_on_a_third() {
    let redis = RedisServer::start();
    let (replicas, mock) = deployment(&redis, &[]).await;
    let first = call(&replicas[0], keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let replayed = call(&replicas[1], keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(replayed.status, 200);
    assert_eq!(replayed.body, first.body);
    assert_eq!(
        replayed.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    let reused = call(&replicas[2], keyed(checkout_body(3000), KEY_A)).await;
    assert_eq!(reused.status, 422);
    assert_eq!(reused.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(upstream_calls(&mock), 1);
}

#[tokio::test]
async fn six_concurrent_duplicates_across_replicas_make_one_upstream_call() {
    let redis = RedisServer::start();
    let (replicas, mock) = deployment(&redis, &["--upstream-timeout", "3s"]).await;
    mock.state()
        .push_faults(Route::Checkout, [Fault::Slow(Duration::from_millis(600))]);
    let calls = (0..6).map(|n| {
        let replica = replicas[n % 3].clone();
        tokio::spawn(async move { call(&replica, keyed(checkout_body(2500), KEY_A)).await })
    });
    let mut answers = Vec::new();
    for handle in calls.collect::<Vec<_>>() {
        answers.push(handle.await.expect("a request"));
    }
    let created: Vec<_> = answers.iter().filter(|a| a.status == 200).collect();
    let in_use = answers.iter().filter(|a| a.status == 409).count();
    assert_eq!(
        created.len(),
        1,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert_eq!(in_use, 5);
    for answer in answers.iter().filter(|a| a.status == 409) {
        assert_eq!(answer.code(), "IDEMPOTENCY_KEY_IN_USE");
        assert!(answer.header("retry-after").is_some());
    }
    assert_eq!(upstream_calls(&mock), 1);
    // Each of the five, retried, gets the one answer.
    for replica in &replicas {
        let retry = call(replica, keyed(checkout_body(2500), KEY_A)).await;
        assert_eq!(retry.body, created[0].body);
        assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    }
    assert_eq!(upstream_calls(&mock), 1);
}

#[tokio::test]
async fn a_client_limit_of_10_holds_across_3_replicas() {
    let redis = RedisServer::start();
    let (replicas, mock) = deployment(&redis, &["--rate-limit", "10"]).await;
    let mut statuses = Vec::new();
    for n in 0..30 {
        let answer = call(&replicas[n % 3], post(checkout_body(2500))).await;
        if answer.status == 429 {
            assert_eq!(answer.code(), "RATE_LIMITED");
            assert!(answer.header("retry-after").is_some());
        }
        statuses.push(answer.status);
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 429).count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(upstream_calls(&mock), 10);
}

#[tokio::test]
async fn an_upstream_retry_after_holds_off_every_replica() {
    let redis = RedisServer::start();
    let (replicas, mock) = deployment(&redis, &[]).await;
    mock.state().push_faults(
        Route::Checkout,
        [Fault::RateLimited {
            retry_after_secs: 30,
        }],
    );
    let limited = call(&replicas[0], post(checkout_body(2500))).await;
    assert_eq!(limited.status, 429);
    for replica in &replicas[1..] {
        let held = call(replica, post(checkout_body(2500))).await;
        assert_eq!(held.status, 429);
        assert_eq!(held.code(), "RATE_LIMITED");
        let wait = held.retry_after();
        assert!((25..=30).contains(&wait), "the time left: {wait}");
    }
    assert_eq!(upstream_calls(&mock), 1, "no replica called while held");
}

/// Concurrent reads of one balance across the replicas make one upstream call, and later
/// reads within the cache's 2 s none.
#[tokio::test]
async fn the_balance_cache_and_its_single_flight_are_shared() {
    let redis = RedisServer::start();
    let (replicas, mock) = deployment(&redis, &["--organization", ORG]).await;
    mock.state()
        .push_faults(Route::Balance, [Fault::Slow(Duration::from_millis(300))]);
    let path = format!("/api/billing/balance/{ORG}");
    let reads: Vec<_> = (0..6)
        .map(|n| {
            let replica = replicas[n % 3].clone();
            let path = path.clone();
            tokio::spawn(async move { call(&replica, get(&path)).await })
        })
        .collect();
    let mut bodies = Vec::new();
    for read in reads {
        let answer = read.await.expect("a read");
        assert_eq!(answer.status, 200, "{}", answer.body);
        bodies.push(answer.body);
    }
    assert!(bodies.iter().all(|body| *body == bodies[0]), "{bodies:?}");
    assert_eq!(mock.state().stats().balance_requests, 1);
    for replica in &replicas {
        assert_eq!(call(replica, get(&path)).await.body, bodies[0]);
    }
    assert_eq!(mock.state().stats().balance_requests, 1, "cached for all");
}

/// Stopped, each replica answers on its own state within the deadline and logs the outage
/// once; started again, they share again without a restart.
#[tokio::test]
async fn redis_stopped_and_started_again_leaves_every_replica_answering() {
    let logs = Captured::default();
    let _guard = logs.trace();
    let mut redis = RedisServer::start();
    let (replicas, mock) = deployment(&redis, &["--rate-limit", "0"]).await;
    let before = call(&replicas[0], keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(before.status, 200);

    redis.stop();
    let mut calls = 0;
    for round in 0..5 {
        for (n, replica) in replicas.iter().enumerate() {
            let started = Instant::now();
            let health = call(replica, get("/healthz")).await;
            assert_eq!(health.status, 200);
            let key = format!("outage-{n}");
            let checkout = call(replica, keyed(checkout_body(2500), &key)).await;
            let took = started.elapsed();
            // The first call of a replica's outage waits for Redis's answer, or the deadline.
            assert!(took < Duration::from_millis(800), "{took:?}");
            if round == 0 {
                assert_eq!(checkout.status, 200, "{}", checkout.body);
                assert_eq!(checkout.header("idempotent-replayed"), None);
            } else {
                // The replica's own record: the retry is still deduplicated on one replica.
                assert_eq!(checkout.status, 200, "{}", checkout.body);
                assert_eq!(
                    checkout.header("idempotent-replayed").as_deref(),
                    Some("true")
                );
            }
            calls += 2;
        }
    }
    assert_eq!(upstream_calls(&mock), 1 + 3);
    let down = logs.text().matches("Redis unreachable").count();
    assert!(
        (1..=3).contains(&down),
        "once per replica, not per request ({calls}): {down}"
    );

    redis.restart();
    // Each replica tries Redis again once a second; the first try re-makes its connection.
    let deadline = Instant::now() + Duration::from_secs(10);
    while logs.text().matches("Redis reachable again").count() < 3 {
        assert!(
            Instant::now() < deadline,
            "the replicas did not find Redis again"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        for replica in &replicas {
            assert_eq!(call(replica, post(checkout_body(2500))).await.status, 200);
        }
    }
    let calls_before = upstream_calls(&mock);
    let shared = call(&replicas[1], keyed(checkout_body(2500), "after")).await;
    assert_eq!(shared.status, 200);
    for replica in [&replicas[0], &replicas[2]] {
        let replayed = call(replica, keyed(checkout_body(2500), "after")).await;
        assert_eq!(replayed.body, shared.body);
        assert_eq!(
            replayed.header("idempotent-replayed").as_deref(),
            Some("true")
        );
    }
    assert_eq!(upstream_calls(&mock), calls_before + 1);
}

/// A tenant deployment's traffic, then every key and value in Redis: each key under the prefix
/// with a TTL, and no API key, tenant secret, token, idempotency key or request body.
#[tokio::test]
async fn nothing_secret_is_ever_in_redis() {
    const TENANT_SECRET: &str = "CANARY-TENANT-SECRET-c4n4ry-8a61f2d94e";
    let redis = RedisServer::start();
    let url = redis.url();
    let (replicas, mock) = replicas(
        3,
        &[
            "--redis-url",
            &url,
            "--redis-prefix",
            PREFIX,
            "--organization",
            ORG,
        ],
        &[(tenant_token::SECRET_VAR, TENANT_SECRET)],
    )
    .await;
    let token = signed(TENANT_SECRET, &claims());
    let bearer = |mut request: Request<Body>| {
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("value"),
        );
        request
    };
    mock.state().push_faults(
        Route::Checkout,
        [Fault::RateLimited {
            retry_after_secs: 1,
        }],
    );
    for (n, replica) in replicas.iter().enumerate() {
        let _ = call(replica, bearer(keyed(checkout_body(2500), KEY_A))).await;
        if n == 0 {
            tokio::time::sleep(Duration::from_millis(1_100)).await;
        }
        let balance = call(replica, bearer(get(&format!("/api/billing/balance/{ORG}")))).await;
        assert_eq!(balance.status, StatusCode::OK.as_u16(), "{}", balance.body);
    }
    let created = call(&replicas[0], bearer(keyed(checkout_body(2500), KEY_A))).await;
    assert_eq!(created.status, 200, "{}", created.body);

    let dump = redis.dump().await;
    assert!(
        dump.iter().any(|(key, ..)| key.contains("idempotency"))
            && dump.iter().any(|(key, ..)| key.contains("rate")),
        "the traffic left records: {dump:?}"
    );
    let body = checkout_body(2500);
    for (key, value, ttl) in &dump {
        assert!(key.starts_with(PREFIX), "{key}");
        assert!(*ttl > 0, "{key} has no TTL");
        for secret in [KEY, TENANT_SECRET, token.as_str(), KEY_A, body.as_str()] {
            assert!(
                !key.contains(secret) && !value.contains(secret),
                "{key} = {value}"
            );
        }
        assert!(
            !value.contains("success_url"),
            "no request body: {key} = {value}"
        );
    }
}
