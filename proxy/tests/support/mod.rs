//! A proxy router wired to an in-process mock of the Closient API on loopback, and small
//! helpers to call it as a browser on the widget's page would.

#![allow(dead_code, missing_debug_implementations)]

pub mod redis_server;

use axum::{
    Router,
    body::Body,
    extract::connect_info::MockConnectInfo,
    http::{Request, Response},
};
use checkout_proxy::{
    AppState, app,
    config::{Args, Config},
};
use clap::Parser;
use closient_checkout_server_common::tenant_token::{self, Claims, TenantSecret};
use closient_mock::{MockConfig, RunningMock};
use http_body_util::BodyExt;
use std::{
    io::Write,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};
use tower::ServiceExt;

pub const KEY: &str = "csb_testkey_0123456789abcdef";
pub const ORG: &str = "7dHk2mPqRsTuVwXyZaBcDe";
/// The default public origin of a proxy listening on its default loopback address.
pub const PAGE: &str = "http://127.0.0.1:8080";

pub struct Harness {
    pub router: Router,
    pub mock: RunningMock,
}

pub async fn harness(extra: &[&str]) -> Harness {
    harness_env(extra, &[]).await
}

/// A harness whose proxy also reads `env` (the tenant secrets).
pub async fn harness_env(extra: &[&str], env: &[(&str, &str)]) -> Harness {
    let mock = closient_mock::start(MockConfig::new(KEY))
        .await
        .expect("mock starts");
    let base = mock.base_url();
    let router = router_env(&proxy_args(&mock, &base, extra), env);
    Harness { router, mock }
}

/// `count` proxies, each with its own state, in front of one mock: the replicas of one
/// deployment. They share what they share through `extra` (`--redis-url`) alone.
pub async fn replicas(
    count: usize,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Vec<Router>, RunningMock) {
    let mock = closient_mock::start(MockConfig::new(KEY))
        .await
        .expect("mock starts");
    let base = mock.base_url();
    let routers = (0..count)
        .map(|_| router_env(&proxy_args(&mock, &base, extra), env))
        .collect();
    (routers, mock)
}

pub fn router(args: &[&str]) -> Router {
    router_env(args, &[])
}

fn router_env(args: &[&str], env: &[(&str, &str)]) -> Router {
    app(AppState::new(config_env(args, env)).expect("state")).layer(MockConnectInfo(PEER))
}

/// The TCP peer of every request through a harness's router: not loopback, not trusted.
pub const PEER: SocketAddr = SocketAddr::new(
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9)),
    40_000,
);

/// The checked configuration for `args` (the binary's name first), the key from `KEY`.
pub fn config_env(args: &[&str], env: &[(&str, &str)]) -> Config {
    let args = Args::try_parse_from(args).expect("valid flags");
    Config::new(args.flags, |name| {
        if name == "CLOSIENT_API_KEY" {
            return Some(KEY.to_owned());
        }
        env.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .expect("valid config")
}

/// The flags of a harness's proxy in front of `mock`, then `extra`; the upstream timeout is
/// 1 s unless `extra` gives one.
pub fn proxy_args<'a>(mock: &'a RunningMock, base: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "checkout-proxy",
        "--upstream",
        base,
        "--checkout-origin",
        mock.origin(),
    ];
    if !extra.contains(&"--upstream-timeout") {
        args.extend(["--upstream-timeout", "1s"]);
    }
    args.extend_from_slice(extra);
    args
}

pub fn checkout_body(amount_cents: u64) -> String {
    format!(
        r#"{{"organization_id":"{ORG}","amount_cents":{amount_cents},"success_url":"{PAGE}/?checkout=success&session_id={{CHECKOUT_SESSION_ID}}","cancel_url":"{PAGE}/?checkout=cancel&amount_cents={amount_cents}"}}"#
    )
}

/// A same-origin `fetch` from the widget's page.
pub fn post(body: impl Into<String>) -> Request<Body> {
    Request::post("/api/billing/checkout")
        .header("origin", PAGE)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body(Body::from(body.into()))
        .expect("request")
}

pub fn get(path: &str) -> Request<Body> {
    Request::get(path)
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .expect("request")
}

/// A folder of static files for `--static-dir`, removed when dropped (also when a test fails).
pub struct Site(PathBuf);

impl Site {
    /// `label` keeps the folders of tests that run at once apart.
    pub fn new(label: &str, files: &[(&str, &[u8])]) -> Self {
        let dir =
            std::env::temp_dir().join(format!("checkout-proxy-{label}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).expect("static file");
        }
        Self(dir)
    }

    pub fn dir(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct Answer {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    /// `Retry-After`, in seconds.
    #[track_caller]
    pub fn retry_after(&self) -> u64 {
        self.header("retry-after")
            .and_then(|value| value.parse().ok())
            .expect("Retry-After in seconds")
    }

    /// Checks that this is the envelope of a refusal with `status` and `code`.
    #[track_caller]
    pub fn assert_refused(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code().as_str()),
            (status, code),
            "{:.200}",
            self.body
        );
    }

    /// The envelope's code, after checking the envelope's shape and status.
    pub fn code(&self) -> String {
        let json = self.json();
        assert_eq!(json["error"]["status"], self.status, "{}", self.body);
        assert!(json["error"]["message"].is_string(), "{}", self.body);
        assert_eq!(
            self.headers.get("content-type").map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
        json["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

pub async fn call(router: &Router, request: Request<Body>) -> Answer {
    let response: Response<Body> = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Log output captured in memory, at every level.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Sends this thread's logs here until the guard is dropped: a `#[tokio::test]` runs on one
    /// thread, so its requests log here and other tests' do not.
    pub fn trace(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("capture lock").clone()).expect("utf-8 logs")
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("capture lock")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The proxy served on a loopback port by `server::serve`, in front of its own mock.
pub struct Served {
    pub addr: SocketAddr,
    pub mock: RunningMock,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<checkout_proxy::server::Stopped>,
}

pub async fn serve(extra: &[&str]) -> Served {
    let mock = closient_mock::start(MockConfig::new(KEY))
        .await
        .expect("mock starts");
    let base = mock.base_url();
    let config = config_env(&proxy_args(&mock, &base, extra), &[]);
    let serving = config.serving.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("bound");
    let router = app(AppState::new(config).expect("state"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(checkout_proxy::server::serve(
        listener,
        router,
        serving,
        async {
            let _ = stopped.await;
        },
    ));
    Served {
        addr,
        mock,
        stop: Some(stop),
        server,
    }
}

impl Served {
    /// Stops accepting and waits for the drain to end.
    pub async fn shutdown(&mut self) -> checkout_proxy::server::Stopped {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.server).await.expect("the server task")
    }
}

/// Writes `request` on a new connection and reads until the server closes it, or for
/// `patience` at most: what came back, and whether the server closed the connection.
pub async fn exchange(
    addr: SocketAddr,
    request: &[u8],
    patience: std::time::Duration,
) -> (String, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    stream.write_all(request).await.expect("written");
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(patience, stream.read_to_end(&mut answer))
        .await
        .is_ok();
    (String::from_utf8_lossy(&answer).into_owned(), closed)
}

/// Seconds since the epoch, as tokens count time.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Claims for `ORG` on the harness's page, issued now, living 15 minutes.
pub fn claims() -> Claims {
    Claims {
        sub: ORG.to_owned(),
        iat: now(),
        exp: now() + 900,
        aud: tenant_token::Audience::One(PAGE.to_owned()),
        max_cents: None,
        nbf: None,
    }
}

/// A checkout of `body` that carries the `Idempotency-Key` `key`.
pub fn keyed(body: impl Into<String>, key: &str) -> Request<Body> {
    let mut request = post(body);
    request
        .headers_mut()
        .insert("idempotency-key", key.parse().expect("a header value"));
    request
}

/// An idempotency key as the widget makes one.
pub const KEY_A: &str = "0b7f3c1e-9d2a-4c55-8e7b-2f1a6d9c4e30";

/// `claims` signed with `secret`, as a dashboard's back end would mint them.
pub fn signed(secret: &str, claims: &Claims) -> String {
    let secret = TenantSecret::from_env(
        &|name| (name == tenant_token::SECRET_VAR).then(|| secret.to_owned()),
        tenant_token::SECRET_VAR,
        tenant_token::SECRET_FILE_VAR,
    )
    .expect("valid secret")
    .expect("set");
    tenant_token::mint(&secret, claims).expect("minted")
}
