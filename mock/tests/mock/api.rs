//! The fake billing API: key check, validation, answers and rate-limit headers.

use crate::support::{
    Answer, CANCEL_URL, KEY, ORG, ORIGIN, SUCCESS_URL, balance, checkout, checkout_body, config,
    get, mock, open_session, send,
};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use closient_checkout_core::{BalanceResponse, CheckoutSessionId, Money, OrganizationId};
use closient_mock::{Fault, MockConfig, MockState, Route, SessionStatus, router};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn both_routes_refuse_a_missing_or_wrong_key() {
    let (state, app) = mock();
    for key in [
        None,
        Some("csb_wrong"),
        Some(""),
        Some(&KEY[..KEY.len() - 1]),
    ] {
        for answer in [
            send(&app, checkout(checkout_body(2500), key)).await,
            send(&app, balance(ORG, key)).await,
        ] {
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{key:?}");
            assert_eq!(answer.error_code(), "UNAUTHORIZED");
            assert_eq!(answer.json()["error"]["details"], json!(null));
            assert!(!answer.body.contains(KEY));
        }
    }
    assert!(state.stats().sessions.is_empty());
}

#[tokio::test]
async fn an_amount_below_500_is_a_400_like_the_real_api() {
    let (state, app) = mock();
    for amount in [499, 0, -2500, 100_000_000] {
        let answer = send(&app, checkout(checkout_body(amount), Some(KEY))).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{amount}");
        assert_eq!(answer.error_code(), "BAD_REQUEST");
    }
    assert!(state.stats().sessions.is_empty());
    let answer = send(&app, checkout(checkout_body(500), Some(KEY))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_a_400() {
    let (_, app) = mock();
    for body in ["", "nope", "[1, 2]", "\"text\"", "{\"organization_id\":"] {
        let answer = send(&app, checkout(body, Some(KEY))).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(answer.error_code(), "BAD_REQUEST");
    }
}

fn fields(answer: &Answer) -> Vec<String> {
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(answer.error_code(), "VALIDATION_ERROR");
    answer.json()["error"]["details"]
        .as_array()
        .expect("details are a list")
        .iter()
        .map(|detail| {
            assert!(detail["message"].as_str().is_some_and(|m| !m.is_empty()));
            detail["field"].as_str().expect("a field name").to_owned()
        })
        .collect()
}

#[tokio::test]
async fn every_invalid_field_is_listed_in_one_422() {
    let (state, app) = mock();
    let body = json!({
        "organization_id": "7dHk2mPqRsTuVwXyZaBcD0",
        "amount_cents": 2500,
        "success_url": "/topup?checkout=success",
        "cancel_url": CANCEL_URL,
    });
    let answer = send(&app, checkout(body.to_string(), Some(KEY))).await;
    assert_eq!(fields(&answer), ["organization_id", "success_url"]);

    let answer = send(&app, checkout("{}", Some(KEY))).await;
    assert_eq!(
        fields(&answer),
        [
            "organization_id",
            "amount_cents",
            "success_url",
            "cancel_url"
        ]
    );
    assert_eq!(
        answer.json()["error"]["details"][0]["message"],
        "is required"
    );

    let body = json!({
        "organization_id": format!(" {ORG}"),
        "amount_cents": "2500",
        "success_url": SUCCESS_URL,
        "cancel_url": "javascript:alert(1)",
    });
    let answer = send(&app, checkout(body.to_string(), Some(KEY))).await;
    assert_eq!(
        fields(&answer),
        ["organization_id", "amount_cents", "cancel_url"]
    );

    // A bad field wins over a low amount; a fractional amount is a bad field.
    for amount in [json!(499), json!(25.5)] {
        let body = json!({
            "organization_id": 42,
            "amount_cents": amount,
            "success_url": SUCCESS_URL,
            "cancel_url": CANCEL_URL,
        });
        let answer = send(&app, checkout(body.to_string(), Some(KEY))).await;
        let expected: &[&str] = if amount.is_i64() {
            &["organization_id"]
        } else {
            &["organization_id", "amount_cents"]
        };
        assert_eq!(fields(&answer), expected);
    }
    assert!(state.stats().sessions.is_empty());
}

#[tokio::test]
async fn a_checkout_answers_a_hosted_page_url_with_a_fragment() {
    let (state, app) = mock();
    let (first_url, first_id) = open_session(&app).await;
    let (second_url, second_id) = open_session(&app).await;

    for (url, id) in [(&first_url, &first_id), (&second_url, &second_id)] {
        assert!(url.starts_with(&format!("{ORIGIN}/pay/cs_test_")), "{url}");
        let (_, fragment) = url.split_once('#').expect("a fragment");
        assert!(fragment.len() > 3, "{url}");
        CheckoutSessionId::parse(id).expect("core accepts the id");
        assert_eq!(id.len(), "cs_test_".len() + 24, "{id}");
    }
    assert_ne!(first_id, second_id);
    assert_ne!(first_url, second_url);

    let stats = state.stats();
    assert_eq!(stats.checkout_requests, 2);
    let sessions: Vec<_> = stats
        .sessions
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.organization_id.as_str(),
                s.amount_cents,
                s.status,
            )
        })
        .collect();
    assert_eq!(
        sessions,
        [
            (first_id.as_str(), ORG, 2500, SessionStatus::Open),
            (second_id.as_str(), ORG, 2500, SessionStatus::Open),
        ]
    );
}

#[tokio::test]
async fn the_balance_has_the_real_shape_and_follows_set_balance() {
    let (state, app) = mock();
    let answer = send(&app, balance(ORG, Some(KEY))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "application/json");
    assert_eq!(
        answer.json(),
        json!({"balance": "150.00", "currency": "USD", "total_spent": "0.00", "active_campaigns": 0})
    );
    let parsed: BalanceResponse = serde_json::from_str(&answer.body).expect("core reads it");
    assert_eq!(parsed.balance, Money::from_cents(15_000));

    let organization = OrganizationId::parse(ORG).expect("valid");
    state.set_balance_cents(&organization, -310);
    assert_eq!(state.balance_cents(&organization), -310);
    let answer = send(&app, balance(ORG, Some(KEY))).await;
    assert_eq!(answer.json()["balance"], "-3.10");

    let other = "23456789ABCDEFGHJKLMNP";
    assert_eq!(
        send(&app, balance(other, Some(KEY))).await.json()["balance"],
        "150.00"
    );
    assert_eq!(state.stats().balance_requests, 3);
}

#[tokio::test]
async fn an_invalid_organization_in_the_balance_path_is_a_422() {
    let (_, app) = mock();
    for bad in ["abc", "7dHk2mPqRsTuVwXyZaBcDl", "7dHk2mPqRsTuVwXyZaBcDeX"] {
        let answer = send(&app, balance(bad, Some(KEY))).await;
        assert_eq!(fields(&answer), ["organization_id"], "{bad}");
    }
}

fn assert_rate_limit_headers(answer: &Answer) -> u64 {
    assert_eq!(answer.header("ratelimit-policy"), "300;w=60");
    assert_eq!(answer.header("ratelimit-limit"), "300");
    assert_eq!(answer.header("x-ratelimit-limit"), "300");
    let remaining = answer.header("ratelimit-remaining");
    assert_eq!(answer.header("x-ratelimit-remaining"), remaining);
    let reset: u64 = answer.header("ratelimit-reset").parse().expect("seconds");
    assert_eq!(answer.header("x-ratelimit-reset"), reset.to_string());
    assert!((1..=60).contains(&reset), "{reset}");
    remaining.parse().expect("a count")
}

#[tokio::test]
async fn every_api_answer_carries_the_rate_limit_headers() {
    let (_, app) = mock();
    let requests = [
        checkout(checkout_body(2500), Some(KEY)),
        checkout(checkout_body(2500), None),
        checkout(checkout_body(499), Some(KEY)),
        checkout("{}", Some(KEY)),
        balance(ORG, Some(KEY)),
        balance("abc", Some(KEY)),
        get("/billing/api/v1/billing/nothing"),
        Request::delete("/billing/api/v1/billing/checkout")
            .body(Body::empty())
            .expect("a request"),
    ];
    let expected = [200, 401, 400, 422, 200, 422, 404, 405];
    for (index, (request, status)) in requests.into_iter().zip(expected).enumerate() {
        let answer = send(&app, request).await;
        assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
        if status >= 400 {
            answer.error_code();
        }
        assert_eq!(assert_rate_limit_headers(&answer), 299 - index as u64);
    }
    // The hosted page is Stripe's, not the API's.
    let answer = send(&app, get("/pay/cs_test_unknown")).await;
    assert!(answer.headers.get("ratelimit-limit").is_none());
}

#[tokio::test(start_paused = true)]
async fn the_301st_request_in_a_minute_is_refused_until_the_window_resets() {
    let (state, app) = mock();
    for _ in 0..300 {
        assert_eq!(
            send(&app, balance(ORG, Some(KEY))).await.status,
            StatusCode::OK
        );
    }
    let answer = send(&app, checkout(checkout_body(2500), Some(KEY))).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.error_code(), "RATE_LIMITED");
    assert_eq!(answer.header("retry-after"), "60");
    assert_eq!(assert_rate_limit_headers(&answer), 0);
    assert!(state.stats().sessions.is_empty());

    tokio::time::advance(Duration::from_secs(60)).await;
    let answer = send(&app, balance(ORG, Some(KEY))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(assert_rate_limit_headers(&answer), 299);
}

#[tokio::test(start_paused = true)]
async fn a_bench_mock_has_no_rate_limit_and_no_slow_answers() {
    let state = MockState::new(&MockConfig {
        bench: true,
        ..config()
    });
    let app = router(state.clone());
    for _ in 0..400 {
        let answer = send(&app, balance(ORG, Some(KEY))).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(answer.headers.get("ratelimit-limit").is_none());
    }
    state.push_faults(Route::Checkout, [Fault::Slow(Duration::from_secs(30))]);
    let started = tokio::time::Instant::now();
    let answer = send(&app, checkout(checkout_body(2500), Some(KEY))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "the paused clock never moved"
    );
}
