//! The mock served on a real loopback port: `start`, the `drop` fault, control over HTTP and
//! shutting down.

use crate::support::{config, raw_balance, raw_checkout, raw_request};
use closient_mock::{Fault, MockConfig, Route, start};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;

fn any_port() -> MockConfig {
    MockConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..config()
    }
}

#[tokio::test]
async fn start_binds_a_free_port_and_names_its_urls() {
    let mock = start(any_port()).await.expect("the mock starts");
    let addr = mock.local_addr();
    assert_ne!(addr.port(), 0);
    assert_eq!(mock.origin(), format!("http://127.0.0.1:{}", addr.port()));
    assert_eq!(
        mock.base_url(),
        format!("http://127.0.0.1:{}/billing/api/v1", addr.port())
    );
    let answer = raw_checkout(addr).await;
    let text = answer.text();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains(&format!(
            "\"checkout_url\":\"{}/pay/cs_test_",
            mock.origin()
        )),
        "{text}"
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn an_empty_key_is_refused_at_start() {
    let config = MockConfig {
        api_key: String::new(),
        ..any_port()
    };
    let error = start(config).await.expect_err("no key, no mock");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn drop_closes_the_connection_without_any_answer() {
    let mock = start(any_port()).await.expect("the mock starts");
    let addr = mock.local_addr();
    mock.state().push_faults(Route::Checkout, [Fault::Drop]);
    mock.state().push_faults(Route::Balance, [Fault::Drop]);

    let answer = raw_checkout(addr).await;
    assert!(answer.bytes.is_empty(), "got {:?}", answer.text());
    let answer = raw_balance(addr).await;
    assert!(answer.bytes.is_empty(), "got {:?}", answer.text());
    assert!(
        answer.error.is_none(),
        "a request read whole ends in a clean close"
    );

    // The server itself is fine: the next request is answered.
    let answer = raw_balance(addr).await;
    assert!(
        answer.text().starts_with("HTTP/1.1 200"),
        "{}",
        answer.text()
    );
    assert_eq!(mock.state().stats().balance_requests, 2);
}

#[tokio::test]
async fn other_processes_control_the_mock_over_http() {
    let mock = start(any_port()).await.expect("the mock starts");
    let addr = mock.local_addr();
    let answer = raw_request(
        addr,
        "POST",
        "/__mock/faults",
        &[("Content-Type", "application/json")],
        r#"{"balance": ["drop", "server_error"]}"#,
    )
    .await;
    assert!(
        answer.text().starts_with("HTTP/1.1 204"),
        "{}",
        answer.text()
    );

    let dropped = raw_balance(addr).await;
    assert!(dropped.bytes.is_empty());
    let failed = raw_balance(addr).await;
    assert!(
        failed.text().starts_with("HTTP/1.1 500"),
        "{}",
        failed.text()
    );

    let stats = raw_request(addr, "GET", "/__mock/stats", &[], "").await;
    let text = stats.text();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .expect("a body");
    let json: serde_json::Value = serde_json::from_str(body).expect("JSON stats");
    assert_eq!(json["balance_requests"], 2);
    assert_eq!(json["checkout_requests"], 0);
}

async fn refuses_connections(addr: SocketAddr) -> bool {
    for _ in 0..100 {
        if TcpStream::connect(addr).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn shutdown_and_drop_both_stop_the_server() {
    let mock = start(any_port()).await.expect("the mock starts");
    let addr = mock.local_addr();
    mock.shutdown().await;
    assert!(refuses_connections(addr).await);

    let mock = start(any_port()).await.expect("the mock starts");
    let addr = mock.local_addr();
    drop(mock);
    assert!(refuses_connections(addr).await);
}
