//! The fake hosted checkout page: what it shows, where Pay and Cancel go, single use, and the
//! delayed credit.

use crate::support::{CANCEL_URL, ORG, balance_of, config, get, mock, open_session, post, send};
use axum::http::StatusCode;
use closient_checkout_core::OrganizationId;
use closient_mock::{MockConfig, MockState, SessionStatus, router};
use std::time::Duration;

#[tokio::test]
async fn the_page_shows_the_amount_organization_and_session() {
    let (_, app) = mock();
    let (_, id) = open_session(&app).await;
    let answer = send(&app, get(&format!("/pay/{id}"))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "text/html; charset=utf-8");
    let page = &answer.body;
    for expected in [
        "<html lang=\"en\">",
        "<title>Test checkout</title>",
        "<h1>Test checkout</h1>",
        "$25.00",
        ORG,
        &format!("<code data-session-id>{id}</code>"),
        &format!(
            "<form method=\"post\" action=\"/pay/{id}/pay\"><button type=\"submit\">Pay $25.00</button></form>"
        ),
        &format!(
            "<form method=\"post\" action=\"/pay/{id}/cancel\"><button type=\"submit\">Cancel</button></form>"
        ),
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }
    assert!(!page.contains("<script"));
}

fn status_of(state: &MockState, id: &str) -> SessionStatus {
    state
        .stats()
        .sessions
        .iter()
        .find(|s| s.id.as_str() == id)
        .map(|s| s.status)
        .expect("the session exists")
}

#[tokio::test]
async fn pay_redirects_with_the_session_id_and_uses_the_session_up() {
    let (state, app) = mock();
    let (_, id) = open_session(&app).await;
    let answer = send(&app, post(&format!("/pay/{id}/pay"), "")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        answer.header("location"),
        format!("https://shop.example/topup?checkout=success&session_id={id}")
    );
    assert_eq!(status_of(&state, &id), SessionStatus::Paid);

    for request in [
        get(&format!("/pay/{id}")),
        post(&format!("/pay/{id}/pay"), ""),
        post(&format!("/pay/{id}/cancel"), ""),
    ] {
        let answer = send(&app, request).await;
        assert_eq!(answer.status, StatusCode::GONE);
        assert!(answer.body.contains("no longer valid"), "{}", answer.body);
        assert!(answer.body.contains("<html lang=\"en\">"));
    }
    assert_eq!(status_of(&state, &id), SessionStatus::Paid);
}

#[tokio::test]
async fn cancel_redirects_to_the_cancel_url_and_uses_the_session_up() {
    let (state, app) = mock();
    let (_, id) = open_session(&app).await;
    let answer = send(&app, post(&format!("/pay/{id}/cancel"), "")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.header("location"), CANCEL_URL);
    assert_eq!(status_of(&state, &id), SessionStatus::Canceled);
    let answer = send(&app, post(&format!("/pay/{id}/pay"), "")).await;
    assert_eq!(answer.status, StatusCode::GONE);
}

#[tokio::test]
async fn an_unknown_session_is_a_404_page_that_does_not_echo_the_id() {
    let (_, app) = mock();
    open_session(&app).await;
    let probe = "cs_test_%3Cscript%3E";
    for request in [
        get(&format!("/pay/{probe}")),
        post(&format!("/pay/{probe}/pay"), ""),
        post(&format!("/pay/{probe}/cancel"), ""),
    ] {
        let answer = send(&app, request).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(answer.header("content-type"), "text/html; charset=utf-8");
        assert!(answer.body.contains("not found"), "{}", answer.body);
        assert!(!answer.body.contains("script"));
    }
}

async fn wait_for(delay: Duration) {
    tokio::time::advance(delay).await;
    // Let the credit task, woken by the clock, run.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn paying_credits_the_balance_only_after_the_delay() {
    let config = MockConfig {
        credit_delay: Some(Duration::from_secs(3)),
        ..config()
    };
    let state = MockState::new(&config);
    let app = router(state.clone());
    let (_, id) = open_session(&app).await;
    send(&app, post(&format!("/pay/{id}/pay"), "")).await;
    assert_eq!(balance_of(&app).await, "150.00");
    wait_for(Duration::from_millis(2_999)).await;
    assert_eq!(balance_of(&app).await, "150.00");
    wait_for(Duration::from_millis(1)).await;
    assert_eq!(balance_of(&app).await, "175.00");

    // Canceling credits nothing.
    let (_, id) = open_session(&app).await;
    send(&app, post(&format!("/pay/{id}/cancel"), "")).await;
    wait_for(Duration::from_secs(10)).await;
    assert_eq!(balance_of(&app).await, "175.00");
}

#[tokio::test(start_paused = true)]
async fn a_credit_delay_of_never_never_credits() {
    let config = MockConfig {
        credit_delay: None,
        ..config()
    };
    let app = router(MockState::new(&config));
    let (_, id) = open_session(&app).await;
    send(&app, post(&format!("/pay/{id}/pay"), "")).await;
    wait_for(Duration::from_secs(3_600)).await;
    assert_eq!(balance_of(&app).await, "150.00");
}

#[tokio::test(start_paused = true)]
async fn a_reset_cancels_a_credit_still_waiting() {
    let (state, app) = mock();
    let organization = OrganizationId::parse(ORG).expect("valid");
    let (_, id) = open_session(&app).await;
    send(&app, post(&format!("/pay/{id}/pay"), "")).await;
    state.reset();
    wait_for(Duration::from_secs(10)).await;
    assert_eq!(state.balance_cents(&organization), 15_000);
    let answer = send(&app, get(&format!("/pay/{id}"))).await;
    assert_eq!(
        answer.status,
        StatusCode::NOT_FOUND,
        "a reset forgets sessions"
    );
}
