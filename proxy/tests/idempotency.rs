//! Idempotent checkouts in one process, without Redis: a replay, a key reused with another
//! body, a duplicate in flight, a malformed key, what is kept and what is not, the scope of a
//! record, and the upstream's Retry-After held for the next calls.

mod support;

use closient_mock::{Fault, Route};
use std::time::Duration;
use support::*;

const OTHER_ORG: &str = "22222222222222222222ab";

fn upstream_calls(harness: &Harness) -> u64 {
    harness.mock.state().stats().checkout_requests
}

#[tokio::test]
async fn the_same_key_and_body_replays_the_answer_without_calling_again() {
    let harness = harness(&[]).await;
    let first = call(&harness.router, keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = call(&harness.router, keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body, "the same checkout URL");
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(
        again.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(upstream_calls(&harness), 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_422_before_the_upstream() {
    let harness = harness(&[]).await;
    let first = call(&harness.router, keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let reused = call(&harness.router, keyed(checkout_body(3000), KEY_A)).await;
    assert_eq!(reused.status, 422);
    assert_eq!(reused.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(upstream_calls(&harness), 1);
}

#[tokio::test]
async fn a_duplicate_while_the_first_is_upstream_is_409_with_retry_after() {
    let harness = harness(&["--upstream-timeout", "3s"]).await;
    harness
        .mock
        .state()
        .push_faults(Route::Checkout, [Fault::Slow(Duration::from_millis(800))]);
    let router = harness.router.clone();
    let first = tokio::spawn(async move { call(&router, keyed(checkout_body(2500), KEY_A)).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let duplicate = call(&harness.router, keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(duplicate.status, 409);
    assert_eq!(duplicate.code(), "IDEMPOTENCY_KEY_IN_USE");
    let wait = duplicate.retry_after();
    // The claim lasts the proxy's own deadline: the upstream timeout and 5 s.
    assert!((1..=8).contains(&wait), "{wait}");
    let first = first.await.expect("the first request");
    assert_eq!(first.status, 200, "{}", first.body);
    let retry = call(&harness.router, keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(upstream_calls(&harness), 1);
}

#[tokio::test]
async fn without_a_key_nothing_is_deduplicated() {
    let harness = harness(&[]).await;
    let first = call(&harness.router, post(checkout_body(2500))).await;
    let second = call(&harness.router, post(checkout_body(2500))).await;
    assert_eq!((first.status, second.status), (200, 200));
    assert_ne!(first.body, second.body, "two sessions");
    assert_eq!(second.header("idempotent-replayed"), None);
    assert_eq!(upstream_calls(&harness), 2);
}

#[tokio::test]
async fn a_malformed_key_is_400_before_the_upstream() {
    let harness = harness(&[]).await;
    let long = "k".repeat(256);
    let values: [&[u8]; 5] = [
        b"",
        long.as_bytes(),
        b"has space",
        b"caf\xc3\xa9",
        b"tab\there",
    ];
    for value in values {
        let mut request = post(checkout_body(2500));
        request.headers_mut().insert(
            "idempotency-key",
            axum::http::HeaderValue::from_bytes(value).expect("a header value"),
        );
        let answer = call(&harness.router, request).await;
        assert_eq!(answer.status, 400, "{value:?}");
        assert_eq!(answer.code(), "INVALID_IDEMPOTENCY_KEY", "{value:?}");
    }
    let mut twice = keyed(checkout_body(2500), KEY_A);
    twice
        .headers_mut()
        .append("idempotency-key", "another".parse().expect("value"));
    let answer = call(&harness.router, twice).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.code(), "INVALID_IDEMPOTENCY_KEY");
    let longest = call(
        &harness.router,
        keyed(checkout_body(2500), &"k".repeat(255)),
    )
    .await;
    assert_eq!(longest.status, 200, "255 characters are allowed");
    assert_eq!(upstream_calls(&harness), 1);
}

/// A 5xx, a timeout or a 429 is not final: the retry with the key calls the upstream again.
#[tokio::test]
async fn an_answer_that_is_not_final_is_not_kept() {
    let harness = harness(&[]).await;
    harness.mock.state().push_faults(
        Route::Checkout,
        [
            Fault::ServerError,
            Fault::Slow(Duration::from_millis(1_500)),
        ],
    );
    let failed = call(&harness.router, keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(failed.status, 500);
    let timed_out = call(&harness.router, keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(timed_out.status, 504);
    let retry = call(&harness.router, keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(retry.status, 200, "{}", retry.body);
    assert_eq!(retry.header("idempotent-replayed"), None);
    assert_eq!(upstream_calls(&harness), 3);
}

/// One key used for two organizations is two records.
#[tokio::test]
async fn records_are_scoped_to_the_organization() {
    let harness = harness(&["--organization", ORG, "--organization", OTHER_ORG]).await;
    let ours = call(&harness.router, keyed(checkout_body(2500), KEY_A)).await;
    assert_eq!(ours.status, 200, "{}", ours.body);
    let theirs = call(
        &harness.router,
        keyed(checkout_body(2500).replace(ORG, OTHER_ORG), KEY_A),
    )
    .await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert_eq!(theirs.header("idempotent-replayed"), None);
    assert_eq!(upstream_calls(&harness), 2);
}

/// After an upstream 429, no call is made until its Retry-After has passed; each request is
/// answered 429 with the time left.
#[tokio::test]
async fn an_upstream_429_holds_off_the_next_calls_for_its_retry_after() {
    let harness = harness(&[]).await;
    harness.mock.state().push_faults(
        Route::Checkout,
        [Fault::RateLimited {
            retry_after_secs: 2,
        }],
    );
    let limited = call(&harness.router, post(checkout_body(2500))).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after").as_deref(), Some("2"));
    let held = call(&harness.router, post(checkout_body(2500))).await;
    assert_eq!(held.status, 429);
    assert_eq!(held.code(), "RATE_LIMITED");
    let wait = held.retry_after();
    assert!((1..=2).contains(&wait), "{wait}");
    assert_eq!(upstream_calls(&harness), 1, "no call while held");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let after = call(&harness.router, post(checkout_body(2500))).await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(upstream_calls(&harness), 2);
}
