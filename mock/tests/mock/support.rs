//! Helpers shared by the tests: requests for `oneshot`, and a raw HTTP/1.1 client for the tests
//! that need a real connection.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use closient_mock::{MockConfig, MockState, router};
use serde_json::Value;
use std::io;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;

pub const KEY: &str = "csb_testkey_Q7v9Zx2";
pub const ORG: &str = "7dHk2mPqRsTuVwXyZaBcDe";
pub const ORIGIN: &str = "http://127.0.0.1:9100";
pub const SUCCESS_URL: &str =
    "https://shop.example/topup?checkout=success&session_id={CHECKOUT_SESSION_ID}";
pub const CANCEL_URL: &str = "https://shop.example/topup?checkout=cancel&amount_cents=2500";

pub fn config() -> MockConfig {
    MockConfig {
        listen: ORIGIN
            .trim_start_matches("http://")
            .parse()
            .expect("an address"),
        ..MockConfig::new(KEY)
    }
}

pub fn mock() -> (MockState, Router) {
    let state = MockState::new(&config());
    let app = router(state.clone());
    (state, app)
}

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .expect("an ASCII header")
    }

    /// The envelope's `code`, after checking the envelope's shape.
    pub fn error_code(&self) -> String {
        assert_eq!(self.header("content-type"), "application/json");
        let error = &self.json()["error"];
        assert_eq!(error["status"], self.status.as_u16(), "{}", self.body);
        assert!(error["message"].is_string(), "{}", self.body);
        error["code"].as_str().expect("a code").to_owned()
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body is readable");
    Answer {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).expect("the body is UTF-8"),
    }
}

pub fn checkout_body(amount_cents: i64) -> String {
    serde_json::json!({
        "organization_id": ORG,
        "amount_cents": amount_cents,
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
    })
    .to_string()
}

pub fn checkout(body: impl Into<String>, key: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/billing/api/v1/billing/checkout")
        .header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    request.body(Body::from(body.into())).expect("a request")
}

pub fn balance(organization: &str, key: Option<&str>) -> Request<Body> {
    let mut request = Request::get(format!("/billing/api/v1/billing/balance/{organization}"));
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    request.body(Body::empty()).expect("a request")
}

pub fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).expect("a request")
}

pub fn post(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .body(Body::from(body.to_owned()))
        .expect("a request")
}

/// Opens a session for 25.00 and returns its checkout URL and session id.
pub async fn open_session(app: &Router) -> (String, String) {
    let answer = send(app, checkout(checkout_body(2500), Some(KEY))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let url = answer.json()["checkout_url"]
        .as_str()
        .expect("a checkout_url")
        .to_owned();
    let id = url
        .split_once("/pay/")
        .and_then(|(_, rest)| rest.split_once('#'))
        .map(|(id, _)| id.to_owned())
        .expect("a /pay/ID#fragment URL");
    (url, id)
}

pub async fn balance_of(app: &Router) -> String {
    let answer = send(app, balance(ORG, Some(KEY))).await;
    answer.json()["balance"]
        .as_str()
        .expect("a balance")
        .to_owned()
}

/// What came back on a real connection: every byte received, and the read error, if any,
/// that ended it.
#[derive(Debug)]
pub struct RawAnswer {
    pub bytes: Vec<u8>,
    pub error: Option<io::Error>,
}

impl RawAnswer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Sends one HTTP/1.1 request on a new connection and reads until the server closes it.
pub async fn raw_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> RawAnswer {
    let mut stream = TcpStream::connect(addr).await.expect("the mock accepts");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request is sent");
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) => return RawAnswer { bytes, error: None },
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            Err(error) => {
                return RawAnswer {
                    bytes,
                    error: Some(error),
                };
            }
        }
    }
}

/// A valid checkout request with the key, over a real connection.
pub async fn raw_checkout(addr: SocketAddr) -> RawAnswer {
    let headers = [("X-API-Key", KEY), ("Content-Type", "application/json")];
    raw_request(
        addr,
        "POST",
        "/billing/api/v1/billing/checkout",
        &headers,
        &checkout_body(2500),
    )
    .await
}

/// A balance read with the key, over a real connection.
pub async fn raw_balance(addr: SocketAddr) -> RawAnswer {
    let path = format!("/billing/api/v1/billing/balance/{ORG}");
    raw_request(addr, "GET", &path, &[("X-API-Key", KEY)], "").await
}

/// Both API routes answer 200: no fault is left queued.
pub async fn assert_answers_normally(app: &Router) {
    assert_eq!(
        send(app, checkout(checkout_body(2500), Some(KEY)))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(app, balance(ORG, Some(KEY))).await.status,
        StatusCode::OK
    );
}
