//! What an operator watches. The metrics and the JSON log lines through the real binary (each
//! run a process of its own, so the counts are this test's alone); the request id through the
//! router, with the log lines captured.

mod support;

use axum::{body::Body, http::Request};
use closient_mock::{Fault, MockConfig, Route};
use std::{
    collections::{BTreeMap, HashMap},
    io::{BufRead, BufReader},
    net::SocketAddr,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};
use support::*;

const BINARY: &str = env!("CARGO_BIN_EXE_checkout-proxy");
const CHECKOUT: &str = "/api/billing/checkout";
const BALANCE: &str = "/api/billing/balance/{organization_id}";

fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

/// The binary in front of a mock, its stdout read line by line as it is written.
struct Running {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(mock: &closient_mock::RunningMock, args: &[&str]) -> Self {
        let addr = free_port();
        let mut child = Command::new(BINARY)
            .args(["--listen", &addr.to_string()])
            .args(["--upstream", &mock.base_url()])
            .args(["--checkout-origin", mock.origin(), "--organization", ORG])
            .args(args)
            .env("CLOSIENT_API_KEY", KEY)
            .env_remove("CLOSIENT_API_KEY_FILE")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .spawn()
            .expect("starts");
        let (sender, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let running = Self { child, addr, lines };
        let mut seen = Vec::new();
        while !seen
            .iter()
            .any(|line: &String| line.contains("listening on"))
        {
            seen.push(
                running
                    .lines
                    .recv_timeout(Duration::from_secs(20))
                    .unwrap_or_else(|_| panic!("the proxy starts: {seen:?}")),
            );
        }
        running
    }

    /// Stops the process with SIGTERM and returns every line it wrote after starting.
    fn stop(mut self) -> Vec<String> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert_eq!(self.child.wait().expect("exits").code(), Some(0));
        let (sender, lines) = mpsc::channel();
        drop(sender);
        std::mem::replace(&mut self.lines, lines).iter().collect()
    }
}

/// A test that fails part way leaves no process behind.
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP/1.1 answer: status, headers by lower-case name, body.
struct Raw {
    status: u16,
    headers: HashMap<String, String>,
    body: String,
}

async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[&str], body: &str) -> Raw {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let (answer, _) = exchange(addr, request.as_bytes(), Duration::from_secs(5)).await;
    let (head, body) = answer.split_once("\r\n\r\n").expect("a whole answer");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.get(9..12))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
        .collect();
    Raw {
        status,
        headers,
        body: body.to_owned(),
    }
}

async fn checkout(addr: SocketAddr, headers: &[&str]) -> Raw {
    let body = checkout_body(2500).replace(PAGE, &format!("http://{addr}"));
    let mut all = vec!["Content-Type: application/json"];
    all.extend_from_slice(headers);
    send(addr, "POST", CHECKOUT, &all, &body).await
}

async fn balance(addr: SocketAddr) -> Raw {
    let path = format!("/api/billing/balance/{ORG}");
    send(addr, "GET", &path, &["Sec-Fetch-Site: same-origin"], "").await
}

/// One sample of the exposition: `name{label="value",...} number`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The exposition text, parsed: its `# TYPE` lines by metric, and its samples. Every line must
/// be a comment or a sample.
fn parse_exposition(text: &str) -> (HashMap<String, String>, Vec<Sample>) {
    let mut types = HashMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
            types.insert(name.to_owned(), kind.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line:?}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line:?}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => {
                let labels = labels.strip_suffix('}').expect("closed labels");
                let labels = labels
                    .split(',')
                    .map(|pair| {
                        let (key, value) = pair.split_once("=\"").expect("key=\"value\"");
                        let value = value.strip_suffix('"').expect("quoted value");
                        (key.to_owned(), value.to_owned())
                    })
                    .collect();
                (name, labels)
            }
            None => (series, BTreeMap::new()),
        };
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{line:?}"
        );
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    (types, samples)
}

/// The value of the one sample of `name` with exactly `labels`, if there is one.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let found: Vec<f64> = samples
        .iter()
        .filter(|s| s.name == name && s.labels == wanted)
        .map(|s| s.value)
        .collect();
    assert!(found.len() <= 1, "{name} {labels:?} twice");
    found.first().copied()
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_counted_by_route_status_and_limit() {
    let mock = closient_mock::start(MockConfig::new(KEY))
        .await
        .expect("mock starts");
    let metrics = free_port();
    let proxy = Running::start(
        &mock,
        &[
            "--metrics-listen",
            &metrics.to_string(),
            "--rate-limit",
            "3",
            "--balance-rate-limit",
            "2",
        ],
    );
    let addr = proxy.addr;
    // The second balance read is the cached answer: no second upstream call. The third is
    // over the balance limit.
    assert_eq!(balance(addr).await.status, 200);
    assert_eq!(balance(addr).await.status, 200);
    assert_eq!(balance(addr).await.status, 429);
    // Two checkouts, the upstream's 429 relayed, then the proxy's own limit (which comes
    // before the pause the upstream asked for).
    let mut statuses = vec![
        checkout(addr, &[]).await.status,
        checkout(addr, &[]).await.status,
    ];
    mock.state().push_faults(
        Route::Checkout,
        [Fault::RateLimited {
            retry_after_secs: 3,
        }],
    );
    statuses.push(checkout(addr, &[]).await.status);
    statuses.push(checkout(addr, &[]).await.status);
    assert_eq!(statuses, [200, 200, 429, 429]);
    assert_eq!(send(addr, "GET", "/healthz", &[], "").await.status, 200);
    let public = send(addr, "GET", "/metrics", &[], "").await;
    assert_eq!(public.status, 404, "the public listener serves no metrics");
    assert!(!public.body.contains("checkout_proxy_"), "{}", public.body);
    assert_eq!(
        send(metrics, "GET", "/nothing", &[], "").await.status,
        404,
        "the metrics listener serves /metrics only"
    );

    let scraped = send(metrics, "GET", "/metrics", &[], "").await;
    assert_eq!(scraped.status, 200);
    assert_eq!(
        scraped.headers.get("content-type").map(String::as_str),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let (types, samples) = parse_exposition(&scraped.body);
    for (name, kind) in [
        ("checkout_proxy_requests_total", "counter"),
        ("checkout_proxy_upstream_duration_seconds", "histogram"),
        ("checkout_proxy_rate_limited_total", "counter"),
        ("checkout_proxy_idempotent_replays_total", "counter"),
        ("checkout_proxy_redis_up", "gauge"),
        ("checkout_proxy_redis_errors_total", "counter"),
    ] {
        assert_eq!(types.get(name).map(String::as_str), Some(kind), "{name}");
    }

    let requests = |route, status| {
        value(
            &samples,
            "checkout_proxy_requests_total",
            &[("route", route), ("status", status)],
        )
    };
    assert_eq!(requests(CHECKOUT, "200"), Some(2.0));
    assert_eq!(requests(CHECKOUT, "429"), Some(2.0));
    assert_eq!(requests(BALANCE, "200"), Some(2.0));
    assert_eq!(requests(BALANCE, "429"), Some(1.0));
    assert_eq!(requests("/healthz", "200"), Some(1.0));
    assert_eq!(requests("fallback", "404"), Some(1.0));
    let routes: std::collections::BTreeSet<&str> = samples
        .iter()
        .filter(|s| s.name == "checkout_proxy_requests_total")
        .map(|s| s.labels["route"].as_str())
        .collect();
    assert_eq!(
        routes,
        [CHECKOUT, BALANCE, "/healthz", "fallback"].into(),
        "route templates only, never a raw path"
    );

    let limited = |limit| {
        value(
            &samples,
            "checkout_proxy_rate_limited_total",
            &[("limit", limit)],
        )
    };
    assert_eq!(limited("checkout"), Some(1.0));
    assert_eq!(limited("upstream"), Some(1.0));
    assert_eq!(limited("balance"), Some(1.0));
    assert_eq!(limited("in_flight"), Some(0.0));
    assert_eq!(
        value(&samples, "checkout_proxy_idempotent_replays_total", &[]),
        Some(0.0)
    );
    assert_eq!(
        value(&samples, "checkout_proxy_redis_errors_total", &[]),
        Some(0.0)
    );
    assert!(
        samples.iter().all(|s| s.name != "checkout_proxy_redis_up"),
        "no shared store configured, no sample"
    );

    // Each upstream call once: three checkouts (the 429 included) and one balance read.
    for (route, calls) in [(CHECKOUT, 3.0), (BALANCE, 1.0)] {
        let histogram = "checkout_proxy_upstream_duration_seconds";
        let count = value(&samples, &format!("{histogram}_count"), &[("route", route)]);
        assert_eq!(count, Some(calls), "{route}");
        let sum = value(&samples, &format!("{histogram}_sum"), &[("route", route)]);
        assert!(sum.is_some_and(|sum| sum > 0.0 && sum < 5.0), "{sum:?}");
        let mut buckets: Vec<(f64, f64)> = samples
            .iter()
            .filter(|s| s.name == format!("{histogram}_bucket") && s.labels["route"] == route)
            .map(|s| {
                let le = match s.labels["le"].as_str() {
                    "+Inf" => f64::INFINITY,
                    le => le.parse().expect("a bound"),
                };
                (le, s.value)
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(buckets.len() > 5, "{buckets:?}");
        assert!(
            buckets.windows(2).all(|w| w[0].1 <= w[1].1),
            "cumulative: {buckets:?}"
        );
        assert_eq!(buckets.last(), Some(&(f64::INFINITY, calls)));
        assert_eq!(
            buckets.iter().find(|(le, _)| *le == 60.0).map(|b| b.1),
            Some(calls),
            "every call under a minute"
        );
    }
    proxy.stop();
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_request_id() {
    let mock = closient_mock::start(MockConfig::new(KEY))
        .await
        .expect("mock starts");
    let proxy = Running::start(
        &mock,
        &["--log-format", "json", "--trusted-proxy", "127.0.0.1/32"],
    );
    let given = checkout(proxy.addr, &["X-Request-Id: lb-4f1e-0001"]).await;
    assert_eq!(given.status, 200, "{}", given.body);
    assert_eq!(given.headers["x-request-id"], "lb-4f1e-0001");
    let made = send(proxy.addr, "GET", "/nothing", &[], "").await;
    assert_eq!(made.status, 404);
    let made_id = made.headers["x-request-id"].clone();
    assert_eq!(made_id.len(), 32, "{made_id}");
    let lines = proxy.stop();

    let objects: Vec<serde_json::Map<String, serde_json::Value>> = lines
        .iter()
        .map(|line| match serde_json::from_str(line) {
            Ok(serde_json::Value::Object(object)) => object,
            _ => panic!("not a JSON object: {line}"),
        })
        .collect();
    assert!(
        objects
            .iter()
            .all(|o| o["timestamp"].is_string() && o["level"].is_string()),
        "{lines:?}"
    );
    let requests: Vec<_> = objects
        .iter()
        .filter(|o| o["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 2, "{lines:?}");
    let line = requests[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["method"], "POST");
    assert_eq!(line["path"], CHECKOUT);
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].is_u64(), "{line:?}");
    assert_eq!(line["request_id"], "lb-4f1e-0001");
    let line = requests[1];
    assert_eq!(
        (&line["status"], &line["code"]),
        (&404.into(), &"NOT_FOUND".into())
    );
    assert_eq!(line["request_id"], made_id.as_str());
}

/// The id of an answer, checked to be one the proxy made: 32 hex digits.
fn made_id(answer: &Answer) -> String {
    let id = answer.header("x-request-id").expect("an X-Request-Id");
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    id
}

fn with_request_id(path: &str, id: &[u8]) -> Request<Body> {
    let id = axum::http::HeaderValue::from_bytes(id).expect("a header value");
    Request::get(path)
        .header("sec-fetch-site", "same-origin")
        .header("x-request-id", id)
        .body(Body::empty())
        .expect("request")
}

#[tokio::test]
async fn each_answer_has_a_request_id_of_its_own() {
    let site = Site::new("request-id", &[("index.html", b"<!doctype html>")]);
    let h = harness(&["--static-dir", site.dir()]).await;
    let ok = call(&h.router, post(checkout_body(2500))).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let error = call(&h.router, get("/api/nothing")).await;
    assert_eq!(error.status, 404);
    let refused = call(&h.router, get(CHECKOUT)).await;
    assert_eq!(refused.status, 405);
    let page = call(&h.router, get("/")).await;
    assert_eq!(page.status, 200);
    let ids: std::collections::HashSet<String> = [&ok, &error, &refused, &page]
        .into_iter()
        .map(made_id)
        .collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
}

/// Through the binary: in this process, a capture of one test's logs can miss lines while
/// other tests log without one (the log calls' cached interest is shared).
#[tokio::test]
async fn the_text_request_line_carries_the_request_id() {
    let mock = closient_mock::start(MockConfig::new(KEY))
        .await
        .expect("mock starts");
    let proxy = Running::start(&mock, &[]);
    let answer = checkout(proxy.addr, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let id = answer.headers["x-request-id"].clone();
    let lines = proxy.stop();
    let logged = lines.iter().any(|line| {
        line.contains(" request method=POST ") && line.ends_with(&format!("request_id=\"{id}\""))
    });
    assert!(logged, "{id} not on the request's line: {lines:?}");
}

#[tokio::test]
async fn a_request_id_is_taken_only_from_a_trusted_proxy_and_only_well_formed() {
    // The harness's peer is 203.0.113.9.
    let trusting = router(&["checkout-proxy", "--trusted-proxy", "203.0.113.0/24"]);
    let kept = call(&trusting, with_request_id("/healthz", b"lb-4f1e-0001")).await;
    assert_eq!(kept.header("x-request-id").as_deref(), Some("lb-4f1e-0001"));
    let long = "a".repeat(129);
    for malformed in [&b"two words"[..], "caf\u{e9}".as_bytes(), long.as_bytes()] {
        let replaced = call(&trusting, with_request_id("/healthz", malformed)).await;
        made_id(&replaced);
    }
    let untrusting = router(&["checkout-proxy", "--trusted-proxy", "10.0.0.0/8"]);
    let ignored = call(&untrusting, with_request_id("/healthz", b"lb-4f1e-0001")).await;
    made_id(&ignored);
}

#[tokio::test]
async fn the_public_listener_answers_404_for_metrics() {
    let answer = call(&router(&["checkout-proxy"]), get("/metrics")).await;
    assert_eq!(answer.status, 404);
    assert!(!answer.body.contains("checkout_proxy_"), "{}", answer.body);
}

/// The shared store's metrics through an outage: up while Redis answers, down and counting
/// errors while it does not, up again once it is back; and a replay counted.
#[tokio::test]
async fn the_shared_stores_metrics_follow_redis_down_and_back() {
    let mock = closient_mock::start(MockConfig::new(KEY))
        .await
        .expect("mock starts");
    let mut redis = support::redis_server::RedisServer::start();
    let metrics = free_port();
    let proxy = Running::start(
        &mock,
        &[
            "--metrics-listen",
            &metrics.to_string(),
            "--redis-url",
            &redis.url(),
        ],
    );
    let addr = proxy.addr;
    let scrape = || async {
        let scraped = send(metrics, "GET", "/metrics", &[], "").await;
        let (_, samples) = parse_exposition(&scraped.body);
        let read = |name| value(&samples, name, &[]);
        (
            read("checkout_proxy_redis_up"),
            read("checkout_proxy_redis_errors_total"),
            read("checkout_proxy_idempotent_replays_total"),
        )
    };
    let keyed = ["Idempotency-Key: 5d1e0c8a-2b4f-4e7a-9c3d-1f6a8b2e4d70"];
    assert_eq!(checkout(addr, &keyed).await.status, 200);
    let again = checkout(addr, &keyed).await;
    assert_eq!(
        again.headers.get("idempotent-replayed").map(String::as_str),
        Some("true")
    );
    assert_eq!(scrape().await, (Some(1.0), Some(0.0), Some(1.0)));

    redis.stop();
    assert_eq!(
        checkout(addr, &[]).await.status,
        200,
        "answered from its own state"
    );
    let (up, errors, _) = scrape().await;
    assert_eq!(up, Some(0.0));
    assert!(errors.is_some_and(|errors| errors >= 1.0), "{errors:?}");

    redis.restart();
    // A replica tries Redis again once a second while requests come in.
    let deadline = Instant::now() + Duration::from_secs(10);
    while scrape().await.0 != Some(1.0) {
        assert!(
            Instant::now() < deadline,
            "redis_up stayed 0 with Redis back"
        );
        assert_eq!(checkout(addr, &[]).await.status, 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    proxy.stop();
}
