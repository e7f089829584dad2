//! Injected faults through the in-process API; `drop` is in `server.rs`, as it needs a real
//! connection.

use crate::support::{
    Answer, KEY, ORG, ORIGIN, assert_answers_normally, balance, checkout, checkout_body, mock, send,
};
use axum::http::StatusCode;
use closient_mock::{Fault, Route};
use serde_json::json;
use std::time::Duration;

/// The answer to a valid checkout request that meets the fault.
async fn with_fault(fault: &str) -> Answer {
    let (state, app) = mock();
    state.push_faults(Route::Checkout, [fault.parse::<Fault>().expect("a fault")]);
    let answer = send(&app, checkout(checkout_body(2500), Some(KEY))).await;
    assert_eq!(state.stats().checkout_requests, 1);
    // The fault was used up: the next request is answered normally.
    let next = send(&app, checkout(checkout_body(2500), Some(KEY))).await;
    assert_eq!(next.status, StatusCode::OK, "{fault}: {}", next.body);
    answer
}

#[tokio::test]
async fn rate_limited_is_a_429_with_retry_after() {
    let answer = with_fault("rate_limited:2").await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.error_code(), "RATE_LIMITED");
    assert_eq!(answer.header("retry-after"), "2");
    assert_eq!(answer.header("ratelimit-remaining"), "0");
    assert_eq!(answer.header("ratelimit-reset"), "2");
    assert_eq!(answer.header("x-ratelimit-remaining"), "0");
}

#[tokio::test]
async fn server_error_and_unavailable_are_5xx_envelopes() {
    let answer = with_fault("server_error").await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.error_code(), "INTERNAL_ERROR");
    assert_eq!(answer.header("ratelimit-limit"), "300");

    let answer = with_fault("unavailable").await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.error_code(), "SERVICE_UNAVAILABLE");
    assert!(answer.headers.get("retry-after").is_none());
}

#[tokio::test]
async fn garbage_is_a_200_with_html() {
    let answer = with_fault("garbage").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(answer.body, "<html>oops</html>");
}

#[tokio::test]
async fn foreign_url_is_a_200_pointing_off_the_mock() {
    let answer = with_fault("foreign_url").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "application/json");
    assert_eq!(
        answer.json(),
        json!({"checkout_url": "https://evil.example/pay/cs_test_x"})
    );
}

#[tokio::test]
async fn redirect_is_a_302_elsewhere_on_the_mock() {
    let answer = with_fault("redirect").await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(answer.header("location"), format!("{ORIGIN}/elsewhere"));
}

#[tokio::test]
async fn unauthorized_is_a_401_despite_the_right_key() {
    let answer = with_fault("unauthorized").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.error_code(), "UNAUTHORIZED");
}

#[tokio::test]
async fn forbidden_is_a_403_despite_the_right_key() {
    let answer = with_fault("forbidden").await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.error_code(), "FORBIDDEN");
}

#[tokio::test]
async fn oversized_is_a_well_formed_checkout_answer_of_a_mebibyte() {
    let answer = with_fault("oversized").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body.len(), closient_mock::OVERSIZED_BYTES);
    assert_eq!(
        answer.json()["checkout_url"],
        format!("{ORIGIN}/pay/cs_test_oversized")
    );
}

#[tokio::test]
async fn another_rate_limit_is_applied_and_announced() {
    let state = closient_mock::MockState::new(&closient_mock::MockConfig {
        rate_limit: 2,
        ..crate::support::config()
    });
    let app = closient_mock::router(state);
    for _ in 0..2 {
        let answer = send(&app, balance(ORG, Some(KEY))).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.header("ratelimit-policy"), "2;w=60");
        assert_eq!(answer.header("ratelimit-limit"), "2");
    }
    let answer = send(&app, balance(ORG, Some(KEY))).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(start_paused = true)]
async fn slow_waits_and_then_answers_normally() {
    let (state, app) = mock();
    state.push_faults(Route::Balance, [Fault::Slow(Duration::from_millis(1_500))]);
    let started = tokio::time::Instant::now();
    let answer = send(&app, balance(ORG, Some(KEY))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["balance"], "150.00");
    assert_eq!(started.elapsed(), Duration::from_millis(1_500));

    // A slow answer is still a normal one: a wrong key is still refused.
    state.push_faults(Route::Balance, ["slow:10".parse().expect("a fault")]);
    let answer = send(&app, balance(ORG, Some("csb_wrong"))).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn each_route_uses_up_its_own_queue_in_order() {
    let (state, app) = mock();
    state.push_faults(
        Route::Checkout,
        [
            Fault::ServerError,
            Fault::RateLimited {
                retry_after_secs: 1,
            },
        ],
    );
    state.push_faults(Route::Balance, [Fault::Unavailable]);

    let statuses = [
        send(&app, balance(ORG, Some(KEY))).await.status,
        send(&app, balance(ORG, Some(KEY))).await.status,
        send(&app, checkout(checkout_body(2500), Some(KEY)))
            .await
            .status,
        send(&app, checkout(checkout_body(2500), Some(KEY)))
            .await
            .status,
        send(&app, checkout(checkout_body(2500), Some(KEY)))
            .await
            .status,
    ];
    assert_eq!(statuses.map(|s| s.as_u16()), [503, 200, 500, 429, 200]);
    let stats = state.stats();
    assert_eq!((stats.checkout_requests, stats.balance_requests), (3, 2));
    assert_eq!(stats.sessions.len(), 1);
}

#[tokio::test]
async fn cleared_faults_no_longer_apply() {
    let (state, app) = mock();
    state.push_faults(Route::Checkout, [Fault::ServerError]);
    state.push_faults(Route::Balance, [Fault::ServerError]);
    state.clear_faults();
    assert_answers_normally(&app).await;
}
