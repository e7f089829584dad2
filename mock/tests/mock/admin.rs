//! `/__mock/*`: faults, stats and reset over HTTP, for tests in other processes.

use crate::support::{
    KEY, ORG, assert_answers_normally, balance, balance_of, checkout, checkout_body, get, mock,
    open_session, post, send,
};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use closient_checkout_core::OrganizationId;
use serde_json::json;

#[tokio::test]
async fn posted_faults_are_queued_per_route() {
    let (_, app) = mock();
    let body = json!({"checkout": ["rate_limited:2", "server_error"], "balance": ["garbage"]});
    let answer = send(&app, post("/__mock/faults", &body.to_string())).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    // A second post appends.
    let answer = send(
        &app,
        post("/__mock/faults", r#"{"checkout": ["unauthorized"]}"#),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);

    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            send(&app, checkout(checkout_body(2500), Some(KEY)))
                .await
                .status
                .as_u16(),
        );
    }
    assert_eq!(statuses, [429, 500, 401, 200]);
    assert_eq!(
        send(&app, balance(ORG, Some(KEY))).await.body,
        "<html>oops</html>"
    );
}

#[tokio::test]
async fn a_malformed_fault_request_is_refused_whole() {
    let (state, app) = mock();
    for body in [
        r#"{"checkout": ["server_error", "explode"]}"#,
        r#"{"chekout": ["server_error"]}"#,
        r#"{"checkout": "server_error"}"#,
        "server_error",
    ] {
        let answer = send(&app, post("/__mock/faults", body)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.error_code(), "BAD_REQUEST");
    }
    let answer = send(&app, post("/__mock/faults", r#"{"balance": ["slow:x"]}"#)).await;
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("slow:MILLIS"))
    );
    assert_eq!(
        send(&app, checkout(checkout_body(2500), Some(KEY)))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(state.stats().checkout_requests, 1);
}

#[tokio::test]
async fn delete_clears_the_queued_faults() {
    let (_, app) = mock();
    send(
        &app,
        post(
            "/__mock/faults",
            r#"{"checkout": ["server_error"], "balance": ["drop"]}"#,
        ),
    )
    .await;
    let delete = Request::delete("/__mock/faults")
        .body(Body::empty())
        .expect("a request");
    assert_eq!(send(&app, delete).await.status, StatusCode::NO_CONTENT);
    assert_answers_normally(&app).await;
}

#[tokio::test]
async fn stats_list_the_counters_and_sessions() {
    let (_, app) = mock();
    let (_, paid) = open_session(&app).await;
    let (_, open) = open_session(&app).await;
    send(&app, post(&format!("/pay/{paid}/pay"), "")).await;
    send(&app, checkout(checkout_body(499), Some(KEY))).await;
    send(&app, balance(ORG, None)).await;

    let answer = send(&app, get("/__mock/stats")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        json!({
            "checkout_requests": 3,
            "balance_requests": 1,
            "sessions": [
                {"id": paid, "organization_id": ORG, "amount_cents": 2500, "status": "paid"},
                {"id": open, "organization_id": ORG, "amount_cents": 2500, "status": "open"},
            ],
        })
    );
}

#[tokio::test]
async fn reset_forgets_faults_counters_sessions_and_balances() {
    let (state, app) = mock();
    state.set_balance_cents(&OrganizationId::parse(ORG).expect("valid"), 99);
    open_session(&app).await;
    send(
        &app,
        post("/__mock/faults", r#"{"checkout": ["server_error"]}"#),
    )
    .await;

    assert_eq!(
        send(&app, post("/__mock/reset", "")).await.status,
        StatusCode::NO_CONTENT
    );
    let stats = state.stats();
    assert_eq!((stats.checkout_requests, stats.balance_requests), (0, 0));
    assert!(stats.sessions.is_empty());
    assert_eq!(balance_of(&app).await, "150.00");
    assert_eq!(
        send(&app, checkout(checkout_body(2500), Some(KEY)))
            .await
            .status,
        StatusCode::OK
    );
}
