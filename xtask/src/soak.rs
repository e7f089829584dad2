//! `cargo xtask soak [SECONDS]`: the release proxy under load and faults, on loopback, for a
//! bounded time (60 s by default, at most 150) and a bounded number of requests.
//!
//! Many concurrent clients send checkouts, balance reads and refused requests through the
//! proxy, each checkout from a client of its own (`X-Forwarded-For` from a trusted loopback
//! peer) so that the rate limiter's map fills past its cap, while the mock answers with a mix
//! of 429s, 5xx, answers slower than the upstream timeout, dropped connections, garbage and
//! oversized bodies. Alongside, slow-loris clients send their headers a byte at a time, slow
//! clients stall their bodies, a probe asks for `/healthz` every 200 ms and another loads the
//! page every 100 ms. Unless `--no-attack` is given, one client also holds 512 connections that
//! each send a checkout's headers and one byte of a 16,000-byte body, and opens each again a
//! second after its answer: the page and the other clients must keep being served.
//!
//! With `--redis`, two replicas share a Redis server the run starts: the clients take turns
//! between them, each replica is probed, and Redis is stopped halfway and started again after
//! `REDIS_OUTAGE`. The replicas must answer as documented throughout.
//!
//! It fails (exit 1) when the proxy exits or panics, when an answer is neither an allowlisted
//! `checkout_url` (or a balance) nor a well-formed envelope with a status the README documents
//! for that request, when a request outlives its timeout plus `MARGIN`, when peak RSS passes
//! `PEAK_RSS_BOUND_KIB`, when `/healthz` or the page fails to answer 200 in time, or when the
//! shutdown at the
//! end does not drain the requests in flight within its deadline. It prints the count of each
//! outcome, the p50 and p99 latencies and the peak RSS.

use crate::servers::{self, Server, free_port};
use crate::{Result, files, repo_root, thousands};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use ureq::http;

/// Requests at most, whatever the time: a bound on the run and on the fault queue.
const MAX_REQUESTS: usize = 100_000;
const WORKERS: usize = 32;
/// Each worker starts a request this often at most: 1,600 a second in all, so the requests
/// last the run. Unpaced, answers that cost nothing (a 429 while the upstream's pause holds)
/// let the clients take the machine's two cores from the servers they load.
const WORKER_PACE: Duration = Duration::from_millis(20);
const SLOW_LORIS_CLIENTS: usize = 12;
const SLOW_BODY_CLIENTS: usize = 4;
/// The slow-body attack: connections from one client, over this many threads.
const ATTACK_CONNECTIONS: usize = 512;
const ATTACK_THREADS: usize = 16;
/// The one client the attack comes from, forwarded by the trusted loopback peer.
const ATTACKER: &str = "10.252.0.1";
/// Requests in flight when the proxy is told to stop; each must still be answered.
const DRAIN_REQUESTS: usize = 8;

/// The proxy's settings for the run: a short upstream timeout, so that the `slow` faults past
/// it are many, and a body deadline within the proxy's own deadline (the upstream timeout plus
/// 5 s), which would otherwise answer a stalled body first. The rest are the defaults.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(2);
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(3);
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How much later than its timeout a request may end, for scheduling on a busy machine.
const MARGIN: Duration = Duration::from_millis(1_500);
/// How long `/healthz`, or the page, may take while all of that goes on.
const HEALTHZ_DEADLINE: Duration = Duration::from_secs(1);
/// The page the soak's proxy serves from its `--static-dir`.
const PAGE: &str = "<!doctype html><title>soak</title><p>The widget's page.</p>";
/// The proxy's peak resident memory (VmHWM) may not pass this, in KiB. A 60 s run measures
/// about 15 MiB; the bound leaves room for allocator slack, not for a leak or an upstream
/// answer read whole.
const PEAK_RSS_BOUND_KIB: u64 = 32 * 1024;

/// Not a real key: the mock accepts whatever it is started with.
const KEY: &str = "csb_soak_notasecret";
const ORGANIZATION: &str = "7dHk2mPqRsTuVwXyZaBcDe";

/// What the mock does to the upstream calls, out of 100; `slow:0` answers normally.
const FAULT_MIX: &[(&str, usize)] = &[
    ("slow:0", 55),
    ("rate_limited:1", 8),
    ("server_error", 5),
    ("unavailable", 5),
    // Past the upstream timeout, and within it.
    ("slow:3000", 4),
    ("slow:300", 4),
    ("drop", 5),
    ("garbage", 4),
    ("oversized", 4),
    ("foreign_url", 3),
    ("redirect", 2),
    ("unauthorized", 1),
];

/// The answers the README documents for a request that reaches the upstream, besides success.
const UPSTREAM_ERRORS: &[(u16, &str)] = &[
    (429, "RATE_LIMITED"),
    (500, "INTERNAL_ERROR"),
    (502, "UPSTREAM_UNAVAILABLE"),
    (503, "SERVICE_UNAVAILABLE"),
    (504, "UPSTREAM_TIMEOUT"),
];

/// How long Redis is away in a `--redis` run, from the middle of it.
const REDIS_OUTAGE: Duration = Duration::from_secs(5);

/// `seconds` of load, 1 to 150 (with start-up and the drain, the whole command stays within 3
/// minutes once built); `attack`: with the slow-body attack; `redis`: two replicas sharing a
/// Redis that is restarted halfway.
pub fn run(seconds: u64, attack: bool, redis: bool) -> Result<()> {
    let binaries = servers::build_release()?;
    let logs = repo_root().join("target").join("soak");
    let site = logs.join("site");
    files::create_dir(&site)?;
    files::write(&site.join("index.html"), PAGE)?;
    let mock_addr = free_port()?;
    let proxy_addrs = (0..if redis { 2 } else { 1 })
        .map(|_| free_port())
        .collect::<Result<Vec<_>>>()?;
    let mut redis = if redis {
        Some(Redis::start(&logs.join("redis.log"))?)
    } else {
        None
    };
    let mock_origin = format!("http://{mock_addr}");
    let mut mock = Command::new(&binaries.mock);
    mock.args(["--listen", &mock_addr.to_string()])
        // Far past the real API's 300 a minute: the faults below are what the run is about.
        .args(["--rate-limit", "100000000"])
        .env("CLOSIENT_API_KEY", KEY);
    let mut mock = Server::start(mock, "mock", Some(&logs.join("mock.log")))?;
    mock.wait_ready(mock_addr, "/__mock/stats", READY_TIMEOUT)?;
    queue_faults(mock_addr)?;

    let mut proxies = Vec::new();
    for (n, addr) in proxy_addrs.iter().enumerate() {
        let mut proxy = Command::new(&binaries.proxy);
        proxy
            .args(["--listen", &addr.to_string()])
            .args(["--upstream", &format!("{mock_origin}/billing/api/v1")])
            .args(["--checkout-origin", &mock_origin])
            .args(["--organization", ORGANIZATION])
            .args(["--trusted-proxy", "127.0.0.1/32"])
            .arg("--static-dir")
            .arg(&site)
            .args([
                "--upstream-timeout",
                &format!("{}s", UPSTREAM_TIMEOUT.as_secs()),
            ])
            .args([
                "--body-read-timeout",
                &format!("{}s", BODY_READ_TIMEOUT.as_secs()),
            ])
            .env("CLOSIENT_API_KEY", KEY)
            .env_remove("CLOSIENT_API_KEY_FILE");
        // Each replica serves the page at every replica's origin, as behind one load balancer.
        for origin in &proxy_addrs {
            proxy.args(["--public-origin", &format!("http://{origin}")]);
        }
        if let Some(redis) = &redis {
            proxy.args(["--redis-url", &redis.url(), "--redis-prefix", "soak:"]);
        }
        let name = format!("proxy-{n}");
        let mut proxy = Server::start(proxy, &name, Some(&logs.join(format!("{name}.log"))))?;
        proxy.wait_ready(*addr, "/healthz", READY_TIMEOUT)?;
        proxies.push(proxy);
    }
    let replicas = proxy_addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" and ");
    println!(
        "==> soak: {seconds} s, {WORKERS} clients, {SLOW_LORIS_CLIENTS} slow-loris and \
         {SLOW_BODY_CLIENTS} slow-body clients, {}; proxy on {replicas}{}, mock on {mock_addr} \
         (logs in {})",
        if attack {
            format!("{ATTACK_CONNECTIONS} slow-body connections from one client")
        } else {
            "no attack".to_owned()
        },
        if redis.is_some() {
            format!(
                " sharing Redis, which is away for {} s from the middle of the run",
                REDIS_OUTAGE.as_secs()
            )
        } else {
            String::new()
        },
        logs.display()
    );

    let targets: Vec<Target> = proxy_addrs
        .iter()
        .map(|&proxy| Target {
            proxy,
            mock_origin: mock_origin.clone(),
        })
        .collect();
    let mut failures = Vec::new();
    let load = run_load(
        &targets,
        Duration::from_secs(seconds),
        attack,
        &mut proxies,
        redis.as_mut(),
        &mut failures,
    );
    let drain = drain(&targets[0], mock_addr, &mut proxies[0], &mut failures);
    drop(mock);
    for n in 0..proxies.len() {
        let log = fs::read_to_string(logs.join(format!("proxy-{n}.log"))).unwrap_or_default();
        if log.contains("panicked") {
            failures.push(format!(
                "proxy-{n}'s log has a panic (target/soak/proxy-{n}.log)"
            ));
        }
    }
    report(&load, drain.as_ref(), &mut failures);
    if failures.is_empty() {
        println!("soak: every check passed");
        Ok(())
    } else {
        for failure in &failures {
            eprintln!("FAILED: {failure}");
        }
        Err(format!("soak: {} checks failed", failures.len()))
    }
}

/// The replicas' Redis: on a port of its own, so it can be stopped and started again there.
struct Redis {
    port: u16,
    log: std::path::PathBuf,
    server: Option<Server>,
    /// When it was last stopped and started again, since the run began.
    outage: Option<(Duration, Duration)>,
}

impl Redis {
    fn start(log: &std::path::Path) -> Result<Self> {
        let mut redis = Self {
            port: free_port()?.port(),
            log: log.to_owned(),
            server: None,
            outage: None,
        };
        redis.server = Some(redis.spawn()?);
        Ok(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn spawn(&self) -> Result<Server> {
        let command = Command::new(crate::tools::redis::redis_server()?);
        Server::redis(command, self.port, &self.log, READY_TIMEOUT)
    }

    /// Stops Redis for `REDIS_OUTAGE` and starts it again, noting when, from `started`.
    fn restart(&mut self, started: Instant) -> Result<()> {
        let stopped = started.elapsed();
        if let Some(mut server) = self.server.take() {
            server.stop(Duration::from_secs(5))?;
        }
        thread::sleep(REDIS_OUTAGE);
        self.server = Some(self.spawn()?);
        self.outage = Some((stopped, started.elapsed()));
        Ok(())
    }
}

/// The faults for every upstream call the run can make, in an order that mixes them.
fn queue_faults(mock: SocketAddr) -> Result<()> {
    let mix: Vec<&str> = FAULT_MIX
        .iter()
        .flat_map(|(fault, share)| std::iter::repeat_n(*fault, *share))
        .collect();
    let mut random = Random(0x5eed_50a6);
    let mut queue = |count: usize, route: &str| -> Result<()> {
        let mut sent = 0;
        while sent < count {
            let batch: Vec<&str> = (0..10_000.min(count - sent))
                .map(|_| mix[random.below(mix.len())])
                .collect();
            let body = serde_json::json!({ route: batch }).to_string();
            let answer = faults(mock, http::Method::POST, body)
                .map_err(|e| format!("POST /__mock/faults: {e}"))?;
            if answer.status != 204 {
                return Err(format!("POST /__mock/faults answered {}", answer.status));
            }
            sent += batch.len();
        }
        Ok(())
    };
    queue(MAX_REQUESTS, "checkout")?;
    // Balances are cached for 2 s per organization: few calls reach the upstream.
    queue(1_000, "balance")
}

/// A request to the mock's fault queue.
fn faults(
    mock: SocketAddr,
    method: http::Method,
    body: String,
) -> std::result::Result<Answer, ureq::Error> {
    let request = http::Request::builder()
        .method(method)
        .uri(format!("http://{mock}/__mock/faults"))
        .header("content-type", "application/json")
        .body(body)?;
    send(&servers::http_agent(Duration::from_secs(5)), request)
}

/// Sends `request` and reads the whole answer.
fn send(
    agent: &ureq::Agent,
    request: http::Request<String>,
) -> std::result::Result<Answer, ureq::Error> {
    let mut answer = agent.run(request)?;
    Ok(Answer {
        status: answer.status().as_u16(),
        headers: answer
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body: answer.body_mut().read_to_vec()?,
    })
}

/// One answer: its status, headers (names in lower case) and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Where the clients send their requests, and what a valid checkout URL starts with.
#[derive(Debug, Clone)]
struct Target {
    proxy: SocketAddr,
    mock_origin: String,
}

impl Target {
    fn page(&self) -> String {
        format!("http://{}", self.proxy)
    }

    fn checkout_body(&self) -> String {
        let page = self.page();
        format!(
            r#"{{"organization_id":"{ORGANIZATION}","amount_cents":2500,"success_url":"{page}/?checkout=success&session_id={{CHECKOUT_SESSION_ID}}","cancel_url":"{page}/?checkout=cancel&amount_cents=2500"}}"#
        )
    }

    /// The head of a checkout as the widget's page sends it, from `client`, which promises
    /// `length` bytes of body: for the clients that then stall.
    fn raw_checkout(&self, client: &str, length: usize) -> String {
        format!(
            "POST /api/billing/checkout HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\n\
             Sec-Fetch-Site: same-origin\r\nContent-Type: application/json\r\n\
             X-Forwarded-For: {client}\r\nContent-Length: {length}\r\n\r\n",
            self.proxy,
            self.page()
        )
    }
}

/// The kinds of request the clients send, and the answers each may get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A valid checkout, from a client of its own.
    Checkout,
    /// A valid checkout from the worker's one client, which meets the proxy's rate limit.
    SameClientCheckout,
    Balance,
    ForeignOrigin,
    SameSite,
    ReboundHost,
    KeyTwice,
    InvalidAmount,
    NotJson,
    TooLarge,
    NotFound,
}

impl Kind {
    /// Out of 100.
    const MIX: &[(Kind, usize)] = &[
        (Kind::Checkout, 68),
        (Kind::SameClientCheckout, 5),
        (Kind::Balance, 10),
        (Kind::ForeignOrigin, 3),
        (Kind::SameSite, 2),
        (Kind::ReboundHost, 2),
        (Kind::KeyTwice, 2),
        (Kind::InvalidAmount, 3),
        (Kind::NotJson, 2),
        (Kind::TooLarge, 2),
        (Kind::NotFound, 1),
    ];

    /// The one refusal this request gets, for those that never reach the upstream.
    fn refusal(self) -> Option<(u16, &'static str)> {
        match self {
            Self::Checkout | Self::SameClientCheckout | Self::Balance => None,
            Self::ForeignOrigin | Self::SameSite | Self::ReboundHost => {
                Some((403, "FORBIDDEN_ORIGIN"))
            }
            Self::KeyTwice => Some((400, "BAD_REQUEST")),
            Self::InvalidAmount => Some((422, "VALIDATION_ERROR")),
            Self::NotJson => Some((415, "UNSUPPORTED_MEDIA_TYPE")),
            Self::TooLarge => Some((413, "PAYLOAD_TOO_LARGE")),
            Self::NotFound => Some((404, "NOT_FOUND")),
        }
    }

    fn request(self, target: &Target, client: &str) -> http::Request<String> {
        use http::Request;
        let page = target.page();
        let checkout = format!("{page}/api/billing/checkout");
        let balance = format!("{page}/api/billing/balance/{ORGANIZATION}");
        let from_page = || {
            Request::post(&checkout)
                .header("origin", &page)
                .header("sec-fetch-site", "same-origin")
                .header("content-type", "application/json")
                .header("x-forwarded-for", client)
        };
        let body = target.checkout_body();
        match self {
            Self::Checkout | Self::SameClientCheckout => from_page().body(body),
            Self::Balance => Request::get(&balance)
                .header("sec-fetch-site", "same-origin")
                .header("x-forwarded-for", client)
                .body(String::new()),
            Self::ForeignOrigin => Request::post(&checkout)
                .header("origin", "https://evil.example")
                .header("content-type", "application/json")
                .body(body),
            Self::SameSite => Request::post(&checkout)
                .header("sec-fetch-site", "same-site")
                .body(body),
            Self::ReboundHost => Request::get(&balance)
                .header("host", "rebound.evil.example")
                .body(String::new()),
            Self::KeyTwice => from_page().body(body.replacen('{', r#"{"amount_cents":99,"#, 1)),
            Self::InvalidAmount => {
                from_page().body(body.replace(r#""amount_cents":2500"#, r#""amount_cents":5e2"#))
            }
            Self::NotJson => Request::post(&checkout)
                .header("origin", &page)
                .header("content-type", "text/plain")
                .body(body),
            Self::TooLarge => {
                let pad = format!(r#"{{"pad":"{}","#, "x".repeat(17 * 1024));
                from_page().body(body.replacen('{', &pad, 1))
            }
            Self::NotFound => Request::get(format!("{page}/api/nothing")).body(String::new()),
        }
        .expect("the soak's requests are well-formed")
    }

    /// The outcome's label when the answer is one this request may get, else what is wrong.
    fn judge(self, target: &Target, answer: &Answer) -> std::result::Result<String, String> {
        if answer.header("cache-control") != Some("no-store") {
            return Err(format!(
                "{self:?}: an /api/ answer without Cache-Control: no-store"
            ));
        }
        let json: Value = serde_json::from_slice(&answer.body)
            .map_err(|_| format!("{self:?}: {} with a body that is not JSON", answer.status))?;
        if answer.status == 200 {
            return match self {
                Self::Checkout | Self::SameClientCheckout => {
                    let url = json["checkout_url"].as_str().unwrap_or_default();
                    let allowed = format!("{}/pay/cs_test_", target.mock_origin);
                    if url.starts_with(&allowed) && !url.contains("cs_test_oversized") {
                        Ok("200 checkout_url".to_owned())
                    } else {
                        Err(format!(
                            "{self:?}: a checkout_url off the allowlist: {url:.100}"
                        ))
                    }
                }
                Self::Balance if json["balance"].is_string() && json["currency"] == "USD" => {
                    Ok("200 balance".to_owned())
                }
                _ => Err(format!("{self:?}: 200 {json:.200}")),
            };
        }
        let error = &json["error"];
        let code = error["code"].as_str().unwrap_or_default();
        if error["status"] != answer.status
            || !error["message"].is_string()
            || answer.header("content-type") != Some("application/json")
        {
            return Err(format!("{self:?}: not a well-formed envelope: {json:.200}"));
        }
        let documented = match self.refusal() {
            Some(refusal) => refusal == (answer.status, code),
            None => UPSTREAM_ERRORS.contains(&(answer.status, code)),
        };
        if !documented {
            return Err(format!(
                "{self:?}: {} {code}, not a documented answer",
                answer.status
            ));
        }
        if answer.status == 429 && answer.header("retry-after").is_none() {
            return Err(format!("{self:?}: 429 without Retry-After"));
        }
        Ok(format!("{} {code}", answer.status))
    }
}

/// A small, seeded generator: the same run each time, no dependency.
#[derive(Debug)]
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn kind(&mut self) -> Kind {
        let mut roll = self.below(100);
        for (kind, share) in Kind::MIX {
            if roll < *share {
                return *kind;
            }
            roll -= share;
        }
        Kind::Checkout
    }

    /// One of 200,000 clients, far more than the rate limiter keeps; one in ten on IPv6.
    fn client(&mut self) -> String {
        let n = self.below(200_000);
        if n.is_multiple_of(10) {
            format!("2001:db8:{:x}:{:x}::1", n >> 16, n & 0xffff)
        } else {
            format!("10.{}.{}.{}", n >> 16, (n >> 8) & 0xff, n & 0xff)
        }
    }
}

/// What the load phase saw.
#[derive(Debug, Default)]
struct Load {
    outcomes: BTreeMap<String, u64>,
    /// Every API request's latency, in ms.
    latencies_ms: Vec<f64>,
    slow_loris_cut_off: u64,
    slowest_cut_off: Duration,
    slow_bodies_cut_off: u64,
    healthz_polls: u64,
    healthz_slowest: Duration,
    /// Every page load's latency, in ms.
    page_ms: Vec<f64>,
    /// The attack's answers, by status (0: closed unanswered).
    attack: Option<BTreeMap<u16, u64>>,
    peak_rss_kib: Option<u64>,
    /// When Redis was stopped and when it answered again, in a `--redis` run.
    redis_outage: Option<(Duration, Duration)>,
}

fn run_load(
    targets: &[Target],
    duration: Duration,
    attack: bool,
    proxies: &mut [Server],
    mut redis: Option<&mut Redis>,
    failures: &mut Vec<String>,
) -> Load {
    let stop = AtomicBool::new(false);
    let sent = AtomicUsize::new(0);
    let started = Instant::now();
    let mut load = Load::default();
    // The clients of the first replica's own checks; the workers take turns between replicas.
    let target = &targets[0];
    thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|n| {
                let (stop, sent) = (&stop, &sent);
                let target = &targets[n % targets.len()];
                scope.spawn(move || worker(target, n as u64, stop, sent))
            })
            .collect();
        let loris: Vec<_> = (0..SLOW_LORIS_CLIENTS)
            .map(|_| scope.spawn(|| slow_loris(target, &stop)))
            .collect();
        let bodies: Vec<_> = (0..SLOW_BODY_CLIENTS)
            .map(|_| scope.spawn(|| slow_body(target, &stop)))
            .collect();
        let healthz: Vec<_> = targets
            .iter()
            .map(|target| scope.spawn(|| probe(target, &stop, &HEALTHZ)))
            .collect();
        let page = scope.spawn(|| probe(target, &stop, &PAGE_LOAD));
        let attackers: Vec<_> = (0..if attack { ATTACK_THREADS } else { 0 })
            .map(|_| scope.spawn(|| slow_body_attack(target, &stop)))
            .collect();

        'load: while started.elapsed() < duration && sent.load(Ordering::Relaxed) < MAX_REQUESTS {
            for proxy in proxies.iter_mut() {
                if let Err(exited) = proxy.running() {
                    failures.push(format!("during the soak, {exited}"));
                    break 'load;
                }
            }
            // Halfway through the time or the requests, whichever the run reaches first.
            let halfway = started.elapsed() >= duration / 2
                || sent.load(Ordering::Relaxed) >= MAX_REQUESTS / 2;
            if halfway && let Some(redis) = redis.take() {
                if let Err(error) = redis.restart(started) {
                    failures.push(format!("Redis could not be restarted: {error}"));
                }
                load.redis_outage = redis.outage;
            }
            thread::sleep(Duration::from_millis(200));
        }
        load.peak_rss_kib = proxies[0].peak_rss_kib().ok();
        stop.store(true, Ordering::Relaxed);

        // Each kind of client's threads, their records merged and their failures kept.
        let mut joined = |handles: Vec<thread::ScopedJoinHandle<'_, Outcomes>>| {
            let mut all = Outcomes::default();
            for handle in handles {
                all.merge(handle.join().unwrap_or_else(|_| Outcomes {
                    failures: vec!["a client thread panicked".to_owned()],
                    ..Outcomes::default()
                }));
            }
            failures.append(&mut all.failures);
            all
        };
        let workers = joined(workers);
        load.latencies_ms = workers.latencies_ms;
        load.outcomes = workers.counts;
        let loris = joined(loris);
        load.slow_loris_cut_off = loris.latencies_ms.len() as u64;
        load.slowest_cut_off = loris.slowest;
        load.slow_bodies_cut_off = joined(bodies).latencies_ms.len() as u64;
        let healthz = joined(healthz);
        load.healthz_polls = healthz.latencies_ms.len() as u64;
        load.healthz_slowest = healthz.slowest;
        load.page_ms = joined(vec![page]).latencies_ms;
        let attacked = joined(attackers);
        load.attack = attack.then(|| {
            let mut answers = BTreeMap::new();
            for (label, count) in attacked.counts {
                *answers
                    .entry(label.parse().unwrap_or_default())
                    .or_default() += count;
            }
            answers
        });
    });
    load
}

/// One client thread's record.
#[derive(Debug, Default)]
struct Outcomes {
    counts: BTreeMap<String, u64>,
    latencies_ms: Vec<f64>,
    slowest: Duration,
    failures: Vec<String>,
}

impl Outcomes {
    fn merge(&mut self, other: Outcomes) {
        for (label, count) in other.counts {
            *self.counts.entry(label).or_default() += count;
        }
        self.latencies_ms.extend(other.latencies_ms);
        self.slowest = self.slowest.max(other.slowest);
        self.failures.extend(other.failures);
    }

    fn record(&mut self, elapsed: Duration) {
        self.latencies_ms.push(elapsed.as_secs_f64() * 1000.0);
        self.slowest = self.slowest.max(elapsed);
    }

    /// Keeps the first few failures of a kind: one broken rule would otherwise print thousands.
    fn fail(&mut self, failure: String) {
        if self.failures.len() < 5 {
            self.failures.push(failure);
        }
    }
}

fn worker(target: &Target, seed: u64, stop: &AtomicBool, sent: &AtomicUsize) -> Outcomes {
    let mut random = Random(0x9e37_79b9_7f4a_7c15 ^ (seed + 1));
    let own_client = format!("10.255.0.{seed}");
    // One agent per worker: its connections are kept alive, as a browser's are.
    let agent = servers::http_agent(UPSTREAM_TIMEOUT + MARGIN * 4);
    let limit = UPSTREAM_TIMEOUT + MARGIN;
    let mut outcomes = Outcomes::default();
    let mut due = Instant::now();
    while !stop.load(Ordering::Relaxed) && sent.fetch_add(1, Ordering::Relaxed) < MAX_REQUESTS {
        due += WORKER_PACE;
        thread::sleep(due.saturating_duration_since(Instant::now()));
        let kind = random.kind();
        let from = match kind {
            Kind::SameClientCheckout => own_client.clone(),
            _ => random.client(),
        };
        let request = kind.request(target, &from);
        let started = Instant::now();
        let answer = send(&agent, request);
        let elapsed = started.elapsed();
        outcomes.record(elapsed);
        if elapsed > limit {
            outcomes.fail(format!(
                "{kind:?} took {} ms, over the upstream timeout plus the margin ({} ms)",
                elapsed.as_millis(),
                limit.as_millis()
            ));
        }
        match answer {
            Ok(answer) => match kind.judge(target, &answer) {
                Ok(label) => *outcomes.counts.entry(label).or_default() += 1,
                Err(failure) => outcomes.fail(failure),
            },
            Err(error) => outcomes.fail(format!("{kind:?}: no answer: {error}")),
        }
    }
    outcomes
}

/// Connections that send their headers a byte every 200 ms and never finish them: each must be
/// closed by the proxy, unanswered, by the header deadline.
fn slow_loris(target: &Target, stop: &AtomicBool) -> Outcomes {
    let limit = HEADER_READ_TIMEOUT + MARGIN;
    let mut outcomes = Outcomes::default();
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut stream) = connect(target.proxy, Duration::from_secs(1)) else {
            outcomes.fail("a slow-loris client could not connect".to_owned());
            thread::sleep(Duration::from_millis(200));
            continue;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
        let head = format!(
            "GET /healthz HTTP/1.1\r\nHost: {}\r\nX-Slow: ",
            target.proxy
        );
        let mut bytes = head.bytes().chain(std::iter::repeat(b'a'));
        let started = Instant::now();
        let closed = loop {
            if started.elapsed() > limit + Duration::from_secs(5) {
                break false;
            }
            let byte = bytes.next().unwrap_or(b'a');
            if stream.write_all(&[byte]).is_err() {
                break true;
            }
            let mut answer = [0u8; 64];
            match stream.read(&mut answer) {
                Ok(0) => break true,
                Ok(_) => {
                    outcomes.fail("a slow-loris client got an answer to half a header".to_owned());
                    break true;
                }
                Err(error) if is_timeout(&error) => {}
                Err(_) => break true,
            }
        };
        let elapsed = started.elapsed();
        if !closed || elapsed > limit {
            outcomes.fail(format!(
                "a slow-loris connection was open for {} ms, past the header deadline plus the \
                 margin ({} ms)",
                elapsed.as_millis(),
                limit.as_millis()
            ));
        }
        outcomes.record(elapsed);
    }
    outcomes
}

/// Checkouts whose body stops after a few bytes: each must be answered 408 by the body
/// deadline.
fn slow_body(target: &Target, stop: &AtomicBool) -> Outcomes {
    let limit = BODY_READ_TIMEOUT + MARGIN;
    let mut outcomes = Outcomes::default();
    while !stop.load(Ordering::Relaxed) {
        // Content-Length promises the whole body; a tenth of it is sent.
        let body = target.checkout_body();
        let sent = &body[..body.len() - body.len() * 9 / 10];
        let request = target.raw_checkout("10.254.0.1", body.len()) + sent;
        let started = Instant::now();
        let answer = connect(target.proxy, limit + MARGIN).and_then(|mut stream| {
            stream.write_all(request.as_bytes())?;
            let mut head = [0; 12];
            stream.read_exact(&mut head)?;
            Ok(status_of(&head))
        });
        let elapsed = started.elapsed();
        match answer {
            Ok(408) if elapsed <= limit => outcomes.record(elapsed),
            Ok(status) => outcomes.fail(format!(
                "a stalled body got {status} after {} ms, not 408 within {} ms",
                elapsed.as_millis(),
                limit.as_millis()
            )),
            Err(error) => outcomes.fail(format!("a stalled body got no answer: {error}")),
        }
    }
    outcomes
}

/// What a probe asks for, how often, and the body it must answer with (`None`: any).
struct Probe {
    path: &'static str,
    every: Duration,
    body: Option<&'static str>,
}

/// `/healthz` every 200 ms: it must answer 200 within `HEALTHZ_DEADLINE`.
const HEALTHZ: Probe = Probe {
    path: "/healthz",
    every: Duration::from_millis(200),
    body: None,
};

/// The page every 100 ms: it must answer 200 with its file within `HEALTHZ_DEADLINE` whatever
/// else goes on.
const PAGE_LOAD: Probe = Probe {
    path: "/index.html",
    every: Duration::from_millis(100),
    body: Some(PAGE),
};

/// Asks for `probe.path` on a new connection every `probe.every` until `stop`.
fn probe(target: &Target, stop: &AtomicBool, probe: &Probe) -> Outcomes {
    let url = format!("{}{}", target.page(), probe.path);
    let mut outcomes = Outcomes::default();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        // A new agent, so a new connection each time, as a new visitor's.
        let request = http::Request::get(&url).body(String::new());
        let answer = send(
            &servers::http_agent(HEALTHZ_DEADLINE),
            request.expect("a well-formed URL"),
        );
        let elapsed = started.elapsed();
        match answer {
            Ok(answer)
                if answer.status == 200
                    && probe.body.is_none_or(|body| answer.body == body.as_bytes())
                    && elapsed <= HEALTHZ_DEADLINE =>
            {
                outcomes.record(elapsed);
            }
            Ok(answer) => outcomes.fail(format!(
                "{} answered {} after {} ms",
                probe.path,
                answer.status,
                elapsed.as_millis()
            )),
            Err(error) => outcomes.fail(format!("{} did not answer: {error}", probe.path)),
        }
        thread::sleep(probe.every);
    }
    outcomes
}

/// One thread's share of the attack: connections from `ATTACKER` that each send a checkout's
/// headers and the first byte of its 16,000-byte body, then nothing. Each one answered or
/// closed is opened again a second later. Counts the answers by status (0: none).
fn slow_body_attack(target: &Target, stop: &AtomicBool) -> Outcomes {
    let request = target.raw_checkout(ATTACKER, 16_000) + "{";
    let open = || {
        let mut stream = connect(target.proxy, Duration::from_secs(2)).ok()?;
        stream.write_all(request.as_bytes()).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_millis(5)))
            .ok()?;
        Some(stream)
    };
    let mut outcomes = Outcomes::default();
    // Each connection, and when it may be opened again: a second after its answer, so that
    // the attack holds its connections rather than floods the listen backlog (a connection
    // flood is for the firewall in front).
    let mut streams: Vec<(Option<std::net::TcpStream>, Instant)> = (0..ATTACK_CONNECTIONS
        / ATTACK_THREADS)
        .map(|_| (open(), Instant::now()))
        .collect();
    while !stop.load(Ordering::Relaxed) {
        for (slot, reopen_at) in &mut streams {
            let Some(stream) = slot else {
                if Instant::now() >= *reopen_at {
                    *slot = open();
                } else {
                    thread::sleep(Duration::from_millis(1));
                }
                continue;
            };
            let mut head = [0u8; 12];
            let status = match stream.read(&mut head) {
                Ok(n) if n >= 12 => status_of(&head),
                Err(error) if is_timeout(&error) => continue,
                _ => 0,
            };
            *outcomes.counts.entry(status.to_string()).or_default() += 1;
            *slot = None;
            *reopen_at = Instant::now() + Duration::from_secs(1);
        }
    }
    outcomes
}

/// The status in the first 12 bytes of an answer, `HTTP/1.1 408`; 0 when there is none.
fn status_of(head: &[u8; 12]) -> u16 {
    std::str::from_utf8(&head[9..])
        .ok()
        .and_then(|status| status.parse().ok())
        .unwrap_or(0)
}

/// A raw connection, for the clients that misbehave on purpose as no HTTP library does.
fn connect(addr: SocketAddr, timeout: Duration) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(stream)
}

fn is_timeout(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// What the shutdown at the end did.
#[derive(Debug)]
struct Drain {
    took: Duration,
    answered: usize,
}

/// Stops the proxy with checkouts in flight: each must be answered, and the proxy must exit 0
/// within its shutdown deadline.
fn drain(
    target: &Target,
    mock: SocketAddr,
    proxy: &mut Server,
    failures: &mut Vec<String>,
) -> Option<Drain> {
    if proxy.exited().is_some() {
        return None;
    }
    // Each of these checkouts waits a second upstream, well within the upstream timeout.
    let queued = faults(mock, http::Method::DELETE, String::new()).and_then(|_| {
        let slow = vec!["slow:1000"; DRAIN_REQUESTS];
        let body = serde_json::json!({ "checkout": slow }).to_string();
        faults(mock, http::Method::POST, body)
    });
    if let Err(error) = queued {
        failures.push(format!("the drain's faults could not be queued: {error}"));
        return None;
    }
    let (took, answers) = thread::scope(|scope| {
        let in_flight: Vec<_> = (0..DRAIN_REQUESTS)
            .map(|n| {
                scope.spawn(move || {
                    let request = Kind::Checkout.request(target, &format!("10.253.0.{n}"));
                    send(&servers::http_agent(SHUTDOWN_TIMEOUT), request)
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(500));
        let took = proxy.stop(SHUTDOWN_TIMEOUT + MARGIN);
        let answers: Vec<_> = in_flight
            .into_iter()
            .map(|handle| handle.join().ok())
            .collect();
        (took, answers)
    });
    let answered = answers
        .iter()
        .flatten()
        .filter(|answer| answer.as_ref().is_ok_and(|a| a.status == 200))
        .count();
    if answered != DRAIN_REQUESTS {
        failures.push(format!(
            "the shutdown answered {answered} of the {DRAIN_REQUESTS} checkouts in flight"
        ));
    }
    match took {
        Ok(took) => Some(Drain { took, answered }),
        Err(failure) => {
            failures.push(failure);
            None
        }
    }
}

fn report(load: &Load, drain: Option<&Drain>, failures: &mut Vec<String>) {
    println!("\n==> outcomes");
    let total: u64 = load.outcomes.values().sum();
    let mut outcomes: Vec<_> = load.outcomes.iter().collect();
    outcomes.sort_by(|a, b| b.1.cmp(a.1));
    for (label, count) in outcomes {
        println!("{:>9}  {label}", thousands(*count));
    }
    println!("{:>9}  answers in all", thousands(total));
    println!(
        "{:>9}  slow-loris connections cut off (slowest after {} ms; deadline {} s)",
        thousands(load.slow_loris_cut_off),
        load.slowest_cut_off.as_millis(),
        HEADER_READ_TIMEOUT.as_secs()
    );
    println!(
        "{:>9}  stalled bodies answered 408 (deadline {} s)",
        thousands(load.slow_bodies_cut_off),
        BODY_READ_TIMEOUT.as_secs()
    );
    println!(
        "{:>9}  /healthz probes answered (slowest {} ms)",
        thousands(load.healthz_polls),
        load.healthz_slowest.as_millis()
    );
    if let Some((stopped, back)) = load.redis_outage {
        println!(
            "{:>9}  Redis stopped at {:.1} s and answering again at {:.1} s, the replicas serving \
             throughout",
            "",
            stopped.as_secs_f64(),
            back.as_secs_f64()
        );
    }
    if let Some(attack) = &load.attack {
        let answers: Vec<String> = attack
            .iter()
            .map(|(status, count)| match status {
                0 => format!("{} closed unanswered", thousands(*count)),
                status => format!("{} {status}", thousands(*count)),
            })
            .collect();
        println!(
            "slow-body attack, {ATTACK_CONNECTIONS} connections from one client: {}",
            answers.join(", ")
        );
    }

    let (p50, p99, max) = percentiles(&load.latencies_ms);
    println!(
        "\nlatency of the API requests: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.0} ms \
         (limit {} ms)",
        (UPSTREAM_TIMEOUT + MARGIN).as_millis()
    );
    let (p50, p99, max) = percentiles(&load.page_ms);
    println!(
        "latency of the page: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.0} ms over {} loads \
         (limit {} ms)",
        load.page_ms.len(),
        HEALTHZ_DEADLINE.as_millis()
    );
    match load.peak_rss_kib {
        Some(peak) => {
            println!(
                "peak RSS of the proxy: {:.1} MiB (bound {} MiB)",
                peak as f64 / 1024.0,
                PEAK_RSS_BOUND_KIB / 1024
            );
            if peak > PEAK_RSS_BOUND_KIB {
                failures.push(format!(
                    "peak RSS {peak} KiB is over the bound of {PEAK_RSS_BOUND_KIB} KiB"
                ));
            }
        }
        None => failures.push("the proxy's peak RSS could not be read".to_owned()),
    }
    if let Some(drain) = drain {
        println!(
            "shutdown: {} checkouts in flight answered, exit 0 after {} ms (deadline {} s)",
            drain.answered,
            drain.took.as_millis(),
            SHUTDOWN_TIMEOUT.as_secs()
        );
    }
    if load.slow_loris_cut_off == 0
        || load.slow_bodies_cut_off == 0
        || load.healthz_polls == 0
        || load.page_ms.is_empty()
    {
        failures.push("a kind of client never completed a round: the run was too short".to_owned());
    }
}

/// The p50, p99 and largest of `latencies`.
fn percentiles(latencies: &[f64]) -> (f64, f64, f64) {
    let mut sorted = latencies.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| {
        sorted
            .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    (
        at(0.5),
        at(0.99),
        sorted.last().copied().unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mixes_add_up_to_a_hundred() {
        assert_eq!(FAULT_MIX.iter().map(|(_, share)| share).sum::<usize>(), 100);
        assert_eq!(Kind::MIX.iter().map(|(_, share)| share).sum::<usize>(), 100);
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        Answer {
            status,
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// An error answer: `status`, and an envelope with `code` that says it is `said`.
    fn refusal(status: u16, headers: &[(&str, &str)], code: &str, said: u16) -> Answer {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"m","status":{said}}}}}"#);
        answer(status, headers, &body)
    }

    #[test]
    fn judges_answers_by_what_the_readme_documents() {
        let target = Target {
            proxy: "127.0.0.1:8080".parse().expect("addr"),
            mock_origin: "http://127.0.0.1:9100".to_owned(),
        };
        let json = [
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
        ];
        let ok = answer(
            200,
            &json,
            r#"{"checkout_url":"http://127.0.0.1:9100/pay/cs_test_1#x"}"#,
        );
        assert_eq!(
            Kind::Checkout.judge(&target, &ok),
            Ok("200 checkout_url".to_owned())
        );
        let foreign = answer(
            200,
            &json,
            r#"{"checkout_url":"https://evil.example/pay/cs_test_1"}"#,
        );
        assert!(Kind::Checkout.judge(&target, &foreign).is_err());
        let timeout = refusal(504, &json, "UPSTREAM_TIMEOUT", 504);
        assert_eq!(
            Kind::Balance.judge(&target, &timeout),
            Ok("504 UPSTREAM_TIMEOUT".to_owned())
        );
        assert!(
            Kind::KeyTwice.judge(&target, &timeout).is_err(),
            "a refusal has one answer"
        );
        let mismatched = refusal(502, &json, "UPSTREAM_UNAVAILABLE", 500);
        assert!(Kind::Checkout.judge(&target, &mismatched).is_err());
        let stored = refusal(
            502,
            &[("content-type", "application/json")],
            "UPSTREAM_UNAVAILABLE",
            502,
        );
        assert!(Kind::Checkout.judge(&target, &stored).is_err());
        let limited = refusal(429, &json, "RATE_LIMITED", 429);
        assert!(
            Kind::Checkout.judge(&target, &limited).is_err(),
            "no Retry-After"
        );
    }
}
