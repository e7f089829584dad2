//! Secret hygiene, end to end: the real binary runs with recognisable canaries as its API key
//! and its tenant secrets, at trace level, and is driven through every way a request can fail
//! (each refusal, each upstream fault, the upstream gone, a panic in a handler). No canary may
//! appear in any answer, status line, header or body, nor in any line the process writes.
//!
//! The panic comes from `GET /api/debug/panic`, a route that exists only in debug builds and
//! only with `CHECKOUT_DEBUG_PANIC_ROUTE=1`: the proxy has no panic a request can reach, and
//! the test must not pretend otherwise.

mod support;

use closient_checkout_server_common::tenant_token::{
    Audience, Claims, PREVIOUS_SECRET_FILE_VAR, PREVIOUS_SECRET_VAR, SECRET_FILE_VAR, SECRET_VAR,
};
use closient_mock::{Fault, MockConfig, Route};
use std::{
    io::{BufRead, BufReader, Read},
    net::SocketAddr,
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};
use support::exchange;

const API_KEY: &str = "CANARY-API-KEY-c4n4ry-51d3b7e0";
const TENANT_SECRET: &str = "CANARY-TENANT-SECRET-c4n4ry-8a61f2d94e";
const PREVIOUS_SECRET: &str = "CANARY-PREVIOUS-SECRET-c4n4ry-0b7c33a1";
const CANARIES: [&str; 3] = [API_KEY, TENANT_SECRET, PREVIOUS_SECRET];
const ORG: &str = "7dHk2mPqRsTuVwXyZaBcDe";
const OTHER_ORG: &str = "22222222222222222222ab";
const BINARY: &str = env!("CARGO_BIN_EXE_checkout-proxy");

fn token(secret: &str, organization: &str, audience: &str, lifetime: i64) -> String {
    let now = support::now();
    let claims = Claims {
        sub: organization.to_owned(),
        iat: now - 60,
        exp: now.saturating_add_signed(lifetime),
        aud: Audience::One(audience.to_owned()),
        max_cents: Some(100_000),
        nbf: None,
    };
    support::signed(secret, &claims)
}

/// Every line the process writes, on both streams, as it writes them.
fn collect_lines(stream: impl Read + Send + 'static, lines: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
}

/// One request, written as a browser on the page (or an attacker) would, and its whole answer.
struct Probe {
    what: &'static str,
    method: &'static str,
    path: String,
    headers: Vec<String>,
    body: String,
    /// How much of the body to send when the client stalls on purpose.
    stall_after: Option<usize>,
}

impl Probe {
    fn new(what: &'static str, method: &'static str, path: impl Into<String>) -> Self {
        Self {
            what,
            method,
            path: path.into(),
            headers: Vec::new(),
            body: String::new(),
            stall_after: None,
        }
    }

    fn header(mut self, line: impl Into<String>) -> Self {
        self.headers.push(line.into());
        self
    }

    fn json(self, body: impl Into<String>) -> Self {
        let mut probe = self.header("Content-Type: application/json");
        probe.body = body.into();
        probe
    }

    fn bytes(&self, addr: SocketAddr) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.path);
        if !self.headers.iter().any(|h| h.starts_with("Host:")) {
            head.push_str(&format!("Host: {addr}\r\n"));
        }
        for header in &self.headers {
            head.push_str(header);
            head.push_str("\r\n");
        }
        let body = match self.stall_after {
            Some(sent) => &self.body[..sent],
            None => &self.body,
        };
        format!(
            "{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.body.len()
        )
        .into_bytes()
    }
}

async fn send(addr: SocketAddr, probe: &Probe) -> String {
    exchange(addr, &probe.bytes(addr), Duration::from_secs(5))
        .await
        .0
}

/// The `n`th of a few organization ids, apart from `ORG`.
fn organization(n: usize) -> String {
    let alphabet = closient_checkout_core::organization::ALPHABET.as_bytes();
    format!(
        "7dHk2mPqRsTuVwXyZaBc{}{}",
        char::from(alphabet[n / alphabet.len()]),
        char::from(alphabet[n % alphabet.len()])
    )
}

#[tokio::test]
async fn no_canary_reaches_an_answer_or_a_log_line_on_any_error_path() {
    every_error_path_without_a_canary("text").await;
}

/// JSON lines write each field's value apart, escaped another way: the canaries are checked
/// in that form too.
#[tokio::test]
async fn no_canary_reaches_a_json_log_line_on_any_error_path() {
    every_error_path_without_a_canary("json").await;
}

async fn every_error_path_without_a_canary(log_format: &str) {
    let mock = closient_mock::start(MockConfig::new(API_KEY))
        .await
        .expect("mock starts");
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let page = format!("http://{addr}");
    let balance_organizations: Vec<String> = (0..11).map(organization).collect();
    let mut child = Command::new(BINARY)
        .args([
            "--listen",
            &addr.to_string(),
            "--upstream",
            &mock.base_url(),
        ])
        .args(["--checkout-origin", mock.origin(), "--organization", ORG])
        .args(
            balance_organizations
                .iter()
                .flat_map(|id| ["--organization", id.as_str()]),
        )
        .args(["--upstream-timeout", "1s", "--body-read-timeout", "300ms"])
        .args(["--rate-limit", "2", "--balance-rate-limit", "2"])
        .args([
            "--trusted-proxy",
            "127.0.0.1/32",
            "--log-format",
            log_format,
        ])
        .env("CLOSIENT_API_KEY", API_KEY)
        .env(SECRET_VAR, TENANT_SECRET)
        .env(PREVIOUS_SECRET_VAR, PREVIOUS_SECRET)
        .env("CHECKOUT_DEBUG_PANIC_ROUTE", "1")
        .env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "1")
        .env_remove("CLOSIENT_API_KEY_FILE")
        .env_remove(SECRET_FILE_VAR)
        .env_remove(PREVIOUS_SECRET_FILE_VAR)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let (sender, lines) = mpsc::channel();
    collect_lines(child.stdout.take().expect("stdout"), sender.clone());
    collect_lines(child.stderr.take().expect("stderr"), sender);
    let mut log = Vec::new();
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the proxy starts");
        let ready = line.contains("listening on");
        log.push(line);
        if ready {
            break;
        }
    }

    let valid = token(TENANT_SECRET, ORG, &page, 600);
    let bearer = |token: &str| format!("Authorization: Bearer {token}");
    let body = |amount: u64, organization: &str| {
        format!(
            r#"{{"organization_id":"{organization}","amount_cents":{amount},"success_url":"{page}/?checkout=success","cancel_url":"{page}/?checkout=cancel"}}"#
        )
    };
    // Each probe its own client, so that only the rate-limit probes meet the rate limit.
    let mut next_client = 0u8;
    let mut client = move || {
        next_client += 1;
        format!("X-Forwarded-For: 198.51.100.{next_client}")
    };
    let checkout = |what, client: String| {
        Probe::new(what, "POST", "/api/billing/checkout")
            .header(format!("Origin: {page}"))
            .header("Sec-Fetch-Site: same-origin")
            .header(client)
    };
    let mut probes = vec![
        Probe::new("wrong method", "GET", "/api/billing/checkout"),
        Probe::new("foreign origin", "POST", "/api/billing/checkout")
            .header("Origin: https://evil.example")
            .header(bearer(&valid))
            .json(body(2500, ORG)),
        Probe::new("rebound host", "GET", format!("/api/billing/balance/{ORG}"))
            .header("Host: rebound.evil.example"),
        checkout("no token", client()).json(body(2500, ORG)),
        checkout("foreign token", client())
            .header(bearer(&token(
                "another-secret-of-32-bytes-or-more!!",
                ORG,
                &page,
                600,
            )))
            .json(body(2500, ORG)),
        checkout("expired token", client())
            .header(bearer(&token(TENANT_SECRET, ORG, &page, -600)))
            .json(body(2500, ORG)),
        checkout("previous secret's token", client())
            .header(bearer(&token(PREVIOUS_SECRET, ORG, &page, 600)))
            .json(body(2500, ORG)),
        checkout("not JSON type", client())
            .header(bearer(&valid))
            .header("Content-Type: text/plain"),
        checkout("too large", client())
            .header(bearer(&valid))
            .json("x".repeat(17 * 1024)),
        checkout("not JSON", client())
            .header(bearer(&valid))
            .json("{"),
        checkout("a key twice", client())
            .header(bearer(&valid))
            .json(body(2500, ORG).replacen('{', r#"{"amount_cents":1,"#, 1)),
        checkout("invalid fields", client())
            .header(bearer(&valid))
            .json(body(1, "0OIl")),
        checkout("another organization", client())
            .header(bearer(&token(TENANT_SECRET, OTHER_ORG, &page, 600)))
            .json(body(2500, OTHER_ORG)),
        Probe {
            stall_after: Some(10),
            ..checkout("a body too slow", client())
                .header(bearer(&valid))
                .json(body(2500, ORG))
        },
        Probe::new("nothing here", "GET", "/api/nothing"),
        Probe::new("not HTTP", "GET", "/\u{1}"),
    ];
    // The panic route exists in debug builds only (`cargo test --release` has none).
    if cfg!(debug_assertions) {
        probes.push(Probe::new(
            "a panic in a handler",
            "GET",
            "/api/debug/panic",
        ));
    }
    let limited = client();
    for _ in 0..3 {
        probes.push(
            checkout("over the rate limit", limited.clone())
                .header(bearer(&valid))
                .json(body(2500, ORG)),
        );
    }
    let mut answers = Vec::new();
    for probe in &probes {
        answers.push((probe.what, send(addr, probe).await));
    }

    // One fault per upstream call, in this order, on each route. The 429 comes last: its
    // Retry-After holds off every upstream call until it has passed.
    let faults = [
        Fault::Unauthorized,
        Fault::Forbidden,
        Fault::ServerError,
        Fault::Unavailable,
        Fault::Drop,
        Fault::Garbage,
        Fault::Oversized,
        Fault::ForeignUrl,
        Fault::Redirect,
        Fault::Slow(Duration::from_millis(1_500)),
        Fault::RateLimited {
            retry_after_secs: 1,
        },
    ];
    mock.state().push_faults(Route::Checkout, faults.clone());
    mock.state().push_faults(Route::Balance, faults.clone());
    for _ in &faults {
        let probe = checkout("an upstream fault", client())
            .header(bearer(&valid))
            .json(body(2500, ORG));
        answers.push((probe.what, send(addr, &probe).await));
    }
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // Each balance probe for an organization of its own: the cache would answer a second
    // probe for one organization with the first one's answer.
    for organization in &balance_organizations {
        let probe = Probe::new(
            "an upstream fault on a balance",
            "GET",
            format!("/api/billing/balance/{organization}"),
        )
        .header("Sec-Fetch-Site: same-origin")
        .header(client())
        .header(bearer(&token(TENANT_SECRET, organization, &page, 600)));
        answers.push((probe.what, send(addr, &probe).await));
    }
    mock.shutdown().await;
    let gone = checkout("the upstream gone", client())
        .header(bearer(&valid))
        .json(body(2500, ORG));
    answers.push((gone.what, send(addr, &gone).await));

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    let status = child.wait().expect("exits");
    log.extend(lines.iter());
    assert_eq!(status.code(), Some(0), "{}", log.join("\n"));

    let statuses: Vec<(&str, &str)> = answers
        .iter()
        .map(|(what, answer)| (*what, answer.get(9..12).unwrap_or("none")))
        .collect();
    // Every path was taken: each status the design gives an error, and a success for the
    // previous secret's token (so the secrets were in use, not merely set).
    for expected in [
        "200", "400", "401", "403", "404", "405", "408", "413", "415", "422", "429", "500", "502",
        "503", "504",
    ] {
        assert!(
            statuses.iter().any(|(_, status)| *status == expected),
            "no {expected} among {statuses:?}"
        );
    }
    let log_text = log.join("\n");
    let panicked = answers
        .iter()
        .find(|(what, _)| *what == "a panic in a handler");
    assert_eq!(panicked.is_some(), cfg!(debug_assertions));
    if let Some((_, panic_answer)) = panicked {
        assert!(panic_answer.starts_with("HTTP/1.1 500"), "{panic_answer}");
        assert!(
            panic_answer.contains(r#""code":"INTERNAL_ERROR""#),
            "{panic_answer}"
        );
        assert!(
            log_text.contains("panicked"),
            "the panic is logged: {log_text}"
        );
    }
    assert!(
        log_text.contains("tenant token refused"),
        "refusals are logged"
    );
    assert!(log.len() > 100, "trace level: {} lines", log.len());
    if log_format == "json" {
        for line in &log {
            let object = serde_json::from_str::<serde_json::Value>(line);
            assert!(
                object.is_ok_and(|o| o.is_object()),
                "not a JSON object: {line}"
            );
        }
    }

    for canary in CANARIES {
        for (what, answer) in &answers {
            assert!(!answer.contains(canary), "{what}: {answer}");
        }
        for line in &log {
            assert!(!line.contains(canary), "a log line: {line}");
        }
    }
    let signature = valid.rsplit('.').next().expect("a signature");
    assert!(!log_text.contains(signature), "a token in the logs");
}
