//! Proxy against nginx: the same `POST /api/billing/checkout` three ways in one run, each loaded
//! by wrk on its own core while the servers share the others. Straight to the mock, started
//! with `--bench` (no rate limit, no delays); through nginx `proxy_pass`, configured as a careful
//! operator would (HTTP/1.1 to the upstream with a keepalive pool, the key added with
//! `proxy_set_header`, one worker per core, no access log); and through checkout-proxy
//! (`--rate-limit 0`, release build). After a warm-up, 10 s at concurrency 32 give the
//! throughput, and 10 s at concurrency 1 the latency, where no queue hides it. When
//! checkout-proxy misses a goal, a profiled run says where its time goes.

use super::profile::{self, Profile};
use super::{
    ADDED_P50_GATE_MS, ADDED_P50_GOAL_MS, REDIS_ADDED_P50_GOAL_MS, Row, THROUGHPUT_GOAL, at_least,
    at_most, bench_dir, rounded,
};
use crate::servers::{self, Binaries, Server, free_port};
use crate::tools::process::{find_on_path, stdout_within};
use crate::{Result, e2e, files, nginx, thousands};
use serde_json::{Value, json};
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

/// Not a real key: the mock accepts whatever it is started with, and the proxies send it.
const KEY: &str = "csb_bench_notasecret";
const ORGANIZATION: &str = "7dHk2mPqRsTuVwXyZaBcDe";
/// Opens the connections, the proxies' upstream pools among them, and fills the caches.
const WARMUP: Duration = Duration::from_secs(2);
const RUN: Duration = Duration::from_secs(10);
const CONNECTIONS: u32 = 32;
/// How long a server may take to answer its first request; valgrind makes start-up slow.
pub(super) const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Longer than any wrk run here: a wrk that hangs is stopped.
const WRK_GRACE: Duration = Duration::from_secs(15);

/// One wrk run: what it sent and the latencies it saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Load {
    pub(super) requests: u64,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Load {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

/// One path's figures: its throughput run and its latency run.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Figures {
    throughput: Load,
    latency: Load,
}

#[derive(Debug)]
pub(super) struct Measured {
    direct: Figures,
    nginx: Figures,
    proxy: Figures,
    /// Summed over the master and its workers.
    nginx_rss_mb: f64,
    nginx_workers: usize,
    proxy_rss_mb: f64,
    /// Keyed checkouts at concurrency 1: through a proxy alone, and through one sharing Redis.
    shared: Result<(Load, Load)>,
    cores: Cores,
    /// Only when checkout-proxy missed a goal.
    profile: Option<Result<Profile>>,
}

pub(super) fn measure(binaries: &Binaries) -> Result<Measured> {
    let wrk = find_on_path("wrk").ok_or("wrk is not on PATH (the tool bootstrap installs it)")?;
    let nginx = e2e::nginx()?;
    let cores = Cores::of_this_machine();
    println!("{}", cores.describe());
    let mock = free_port()?;
    let mut command = cores.server(&binaries.mock);
    command
        .args(["--listen", &mock.to_string(), "--bench"])
        .env("CLOSIENT_API_KEY", KEY);
    let mut mock_server = start("mock", command, mock, "/__mock/stats")?;

    let nginx_addr = free_port()?;
    let nginx_config = write_nginx_config(&nginx_config(nginx_addr, mock, cores.servers, true))?;
    let command = cores.server_command(&nginx, &nginx_config.args());
    let mut nginx_server = start("nginx", command, nginx_addr, "/healthz")?;

    let proxy = free_port()?;
    let command = proxy_command(&cores, &binaries.proxy, proxy, mock);
    let mut proxy_server = start("proxy", command, proxy, "/healthz")?;

    // Return URLs on checkout-proxy's origin, which it accepts on a loopback address; nginx and
    // the mock pass them on as they are.
    let body = checkout_body(proxy);
    let targets = [
        Target::new(
            "direct",
            format!("http://{mock}/billing/api/v1/billing/checkout"),
            &body,
            Some(KEY),
        )?,
        Target::new(
            "nginx",
            format!("http://{nginx_addr}/api/billing/checkout"),
            &body,
            None,
        )?,
        Target::new(
            "checkout-proxy",
            format!("http://{proxy}/api/billing/checkout"),
            &body,
            None,
        )?,
    ];
    let wrk = Wrk { wrk, cores: &cores };
    for target in &targets {
        wrk.run(target, CONNECTIONS, WARMUP)?;
    }
    // Each run of a kind follows the same run of the other paths, so drift touches all three.
    let mut throughput = Vec::new();
    for target in &targets {
        throughput.push(wrk.run(target, CONNECTIONS, RUN)?);
    }
    let mut latency = Vec::new();
    for target in &targets {
        latency.push(wrk.run(target, 1, RUN)?);
    }
    let shared = shared_state(&wrk, &cores, &binaries.proxy, mock);
    for server in [&mut mock_server, &mut nginx_server, &mut proxy_server] {
        server.running()?;
    }
    let workers = children(nginx_server.pid());
    let nginx_rss_kb: u64 = std::iter::once(nginx_server.pid())
        .chain(workers.iter().copied())
        .map(servers::peak_rss_kib)
        .sum::<Result<u64>>()?;
    let path = |at: usize| Figures {
        throughput: throughput[at],
        latency: latency[at],
    };
    let mut measured = Measured {
        direct: path(0),
        nginx: path(1),
        proxy: path(2),
        nginx_rss_mb: nginx_rss_kb as f64 / 1024.0,
        nginx_workers: workers.len(),
        proxy_rss_mb: proxy_server.peak_rss_kib()? as f64 / 1024.0,
        shared,
        cores: cores.clone(),
        profile: None,
    };
    if !measured.meets_goals() {
        println!("checkout-proxy misses a goal: profiling it");
        measured.profile = Some(profile::run(&mut profile::Setup {
            wrk: &wrk,
            cores: &cores,
            proxy_bin: &binaries.proxy,
            proxy_pid: proxy_server.pid(),
            proxy,
            nginx: &nginx,
            nginx_workers: &workers,
            nginx_addr,
            mock,
        }));
    }
    Ok(measured)
}

/// A rate limit no load here reaches, so that each checkout takes its token all the same.
const UNREACHED_RATE_LIMIT: u32 = 100_000_000;

/// What sharing state through Redis adds to a checkout: a proxy that keeps its state itself,
/// then one that keeps it in a Redis started here, each with a per-client limit and a new
/// `Idempotency-Key` every checkout (its token, its claim and its record, and the upstream's
/// pause, each a Redis command), loaded at concurrency 1 one after the other.
fn shared_state(
    wrk: &Wrk<'_>,
    cores: &Cores,
    proxy_bin: &Path,
    mock: SocketAddr,
) -> Result<(Load, Load)> {
    let redis_addr = free_port()?;
    let command = cores.server(&crate::tools::redis::redis_server()?);
    let log = bench_dir().join("redis.log");
    let mut redis = Server::redis(command, redis_addr.port(), &log, START_TIMEOUT)?;
    let mut loads = Vec::new();
    for (name, redis_url) in [
        ("keyed", None),
        ("keyed-redis", Some(format!("redis://{redis_addr}"))),
    ] {
        let addr = free_port()?;
        let mut command = cores.server(proxy_bin);
        limited_proxy_args(&mut command, addr, mock, UNREACHED_RATE_LIMIT);
        if let Some(url) = &redis_url {
            command.args(["--redis-url", url]);
        }
        let mut server = start(name, command, addr, "/healthz")?;
        let url = format!("http://{addr}/api/billing/checkout");
        let target = Target::keyed(name, url, &checkout_body(addr))?;
        wrk.run(&target, 1, WARMUP)?;
        loads.push(wrk.run(&target, 1, RUN)?);
        server.running()?;
    }
    redis.running()?;
    Ok((loads[0], loads[1]))
}

impl Measured {
    fn throughput_ratio(&self) -> f64 {
        self.proxy.throughput.rps() / self.nginx.throughput.rps()
    }

    fn added(&self, path: &Figures) -> (f64, f64) {
        (
            path.latency.p50_ms - self.direct.latency.p50_ms,
            path.latency.p99_ms - self.direct.latency.p99_ms,
        )
    }

    /// checkout-proxy's added p50 less nginx's.
    fn added_p50_over_nginx(&self) -> f64 {
        self.added(&self.proxy).0 - self.added(&self.nginx).0
    }

    fn meets_goals(&self) -> bool {
        self.throughput_ratio() >= THROUGHPUT_GOAL
            && self.added_p50_over_nginx() <= ADDED_P50_GOAL_MS
    }

    pub(super) fn rows(&self) -> Vec<Row> {
        let rps = |path: &Figures| format!("{}/s", thousands(path.throughput.rps().round() as u64));
        let ratio = self.throughput_ratio();
        let times = |ratio: f64| format!("{ratio:.2}x nginx");
        let latency =
            |path: &Figures| format!("{:.3} / {:.3} ms", path.latency.p50_ms, path.latency.p99_ms);
        let adds = |path: &Figures| {
            let (p50, p99) = self.added(path);
            format!("{} (adds {p50:+.3} / {p99:+.3})", latency(path))
        };
        let over = self.added_p50_over_nginx();
        let over_ms = |value: f64| format!("{value:+.3} ms");
        vec![
            Row::figure(
                "proxy, requests/s at concurrency 32, direct",
                rps(&self.direct),
            ),
            Row::figure(
                "proxy, requests/s at concurrency 32, nginx",
                rps(&self.nginx),
            ),
            Row::figure(
                "proxy, requests/s at concurrency 32, checkout-proxy",
                format!("{} ({})", rps(&self.proxy), times(ratio)),
            )
            .goal(at_least(
                ratio,
                THROUGHPUT_GOAL,
                format!(">= {}", times(THROUGHPUT_GOAL)),
                |short| format!("{short:.2}x"),
            )),
            Row::figure(
                "proxy, p50 / p99 at concurrency 1, direct",
                latency(&self.direct),
            ),
            Row::figure(
                "proxy, p50 / p99 at concurrency 1, nginx",
                adds(&self.nginx),
            ),
            Row::figure(
                "proxy, p50 / p99 at concurrency 1, checkout-proxy",
                adds(&self.proxy),
            ),
            Row::figure("proxy, added p50, checkout-proxy over nginx", over_ms(over))
                .goal(at_most(
                    over,
                    ADDED_P50_GOAL_MS,
                    format!("<= {}", over_ms(ADDED_P50_GOAL_MS)),
                    over_ms,
                ))
                .gate(at_most(
                    over,
                    ADDED_P50_GATE_MS,
                    format!("<= {}", over_ms(ADDED_P50_GATE_MS)),
                    over_ms,
                )),
            self.shared_row(),
            Row::figure(
                format!(
                    "proxy, peak RSS, nginx (master and {} worker{})",
                    self.nginx_workers,
                    if self.nginx_workers == 1 { "" } else { "s" }
                ),
                format!("{:.1} MiB", self.nginx_rss_mb),
            ),
            Row::figure(
                "proxy, peak RSS, checkout-proxy",
                format!("{:.1} MiB", self.proxy_rss_mb),
            ),
        ]
    }

    /// What Redis adds to a keyed checkout's p50, against the goal.
    fn shared_row(&self) -> Row {
        let name = "proxy, keyed checkouts at concurrency 1, p50 / p99: alone, then sharing Redis";
        let (alone, redis) = match &self.shared {
            Ok(loads) => loads,
            Err(error) => return Row::figure(name, format!("not measured: {error}")),
        };
        let added = redis.p50_ms - alone.p50_ms;
        let over_ms = |value: f64| format!("{value:+.3} ms");
        Row::figure(
            name,
            format!(
                "{:.3} / {:.3} ms, then {:.3} / {:.3} ms (adds {})",
                alone.p50_ms,
                alone.p99_ms,
                redis.p50_ms,
                redis.p99_ms,
                over_ms(added)
            ),
        )
        .goal(at_most(
            added,
            REDIS_ADDED_P50_GOAL_MS,
            format!("<= {}", over_ms(REDIS_ADDED_P50_GOAL_MS)),
            over_ms,
        ))
    }

    pub(super) fn notes(&self) -> Vec<String> {
        let mut notes = vec![format!(
            "Proxy: wrk with a Lua POST body, {} s of warm-up then {} s per run; {}. nginx's \
             configuration is in target/bench/nginx/nginx.conf; each server's log is in \
             target/bench/. Peak RSS is VmHWM after the runs.",
            WARMUP.as_secs(),
            RUN.as_secs(),
            self.cores.describe()
        )];
        match &self.profile {
            Some(Ok(profile)) => notes.push(profile.summary()),
            Some(Err(error)) => notes.push(format!("Profile: not taken: {error}")),
            None => {}
        }
        notes
    }

    /// `proxy` of `bench.json`: wrk's latencies are whole microseconds.
    pub(super) fn json(&self) -> Value {
        let figures = |path: &Figures| {
            json!({
                "rps": rounded(path.throughput.rps(), 1),
                "p50_ms": rounded(path.latency.p50_ms, 3),
                "p99_ms": rounded(path.latency.p99_ms, 3),
            })
        };
        let proxied = |path: &Figures, rss_mb: f64| {
            let mut value = figures(path);
            let (p50, p99) = self.added(path);
            value["added_p50_ms"] = json!(rounded(p50, 3));
            value["added_p99_ms"] = json!(rounded(p99, 3));
            value["peak_rss_mb"] = json!(rounded(rss_mb, 2));
            value
        };
        let keyed = |load: &Load| {
            json!({
                "p50_ms": rounded(load.p50_ms, 3),
                "p99_ms": rounded(load.p99_ms, 3),
            })
        };
        json!({
            "direct": figures(&self.direct),
            "nginx": proxied(&self.nginx, self.nginx_rss_mb),
            "checkout_proxy": proxied(&self.proxy, self.proxy_rss_mb),
            "keyed": self.shared.as_ref().ok().map(|(alone, redis)| json!({
                "alone": keyed(alone),
                "sharing_redis": keyed(redis),
            })),
        })
    }
}

/// `{"organization_id":...}` with return URLs on `origin`.
pub(super) fn checkout_body(origin: SocketAddr) -> String {
    format!(
        r#"{{"organization_id":"{ORGANIZATION}","amount_cents":2500,"success_url":"http://{origin}/?checkout=success&session_id={{CHECKOUT_SESSION_ID}}","cancel_url":"http://{origin}/?checkout=cancel&amount_cents=2500"}}"#
    )
}

/// checkout-proxy in front of the mock at `mock`, with its key and no rate limit.
pub(super) fn proxy_command(
    cores: &Cores,
    proxy: &Path,
    listen: SocketAddr,
    mock: SocketAddr,
) -> Command {
    let mut command = cores.server(proxy);
    proxy_args(&mut command, listen, mock);
    command
}

/// checkout-proxy's flags in front of the mock at `mock`: no rate limit.
pub(super) fn proxy_args(command: &mut Command, listen: SocketAddr, mock: SocketAddr) {
    limited_proxy_args(command, listen, mock, 0);
}

/// The same with a per-client limit of `rate_limit` checkouts a minute.
fn limited_proxy_args(
    command: &mut Command,
    listen: SocketAddr,
    mock: SocketAddr,
    rate_limit: u32,
) {
    command
        .args(["--listen", &listen.to_string()])
        .args(["--upstream", &format!("http://{mock}/billing/api/v1")])
        .args(["--checkout-origin", &format!("http://{mock}")])
        .args(["--rate-limit", &rate_limit.to_string()])
        // wrk's connections all come from one address, where a browser holds one or two.
        .args(["--max-api-requests-per-client", "1024"])
        .env("CLOSIENT_API_KEY", KEY)
        .env_remove("CLOSIENT_API_KEY_FILE")
        .env_remove("CHECKOUT_TENANT_SECRET")
        .env_remove("CHECKOUT_TENANT_SECRET_FILE");
}

/// nginx `proxy_pass` to the mock as an operator who tuned it would write it, in
/// `target/bench/nginx/` (`nginx.conf`, or `nginx-profiled.conf` without a master).
pub(super) fn nginx_config(
    listen: SocketAddr,
    upstream: SocketAddr,
    workers: usize,
    master: bool,
) -> nginx::Config {
    nginx::Config {
        listen,
        workers,
        master,
        serve: nginx::Serve::Baseline {
            upstream,
            key: KEY.to_owned(),
        },
    }
}

pub(super) fn write_nginx_config(config: &nginx::Config) -> Result<nginx::Written> {
    let name = if config.master {
        "nginx.conf"
    } else {
        "nginx-profiled.conf"
    };
    config.write(&bench_dir().join("nginx").join(name))
}

/// Which cores run what: wrk on the last one and the servers on the rest, when `taskset` can
/// pin them and there are at least two.
#[derive(Debug, Clone)]
pub(super) struct Cores {
    load: Option<String>,
    servers_list: Option<String>,
    /// How many cores the servers may use: nginx gets one worker per core.
    pub(super) servers: usize,
}

impl Cores {
    fn of_this_machine() -> Self {
        let count = thread::available_parallelism().map_or(1, usize::from);
        if count >= 2 && find_on_path("taskset").is_some() {
            let last = count - 1;
            Self {
                load: Some(last.to_string()),
                servers_list: Some(if last == 1 {
                    "0".to_owned()
                } else {
                    format!("0-{}", last - 1)
                }),
                servers: last,
            }
        } else {
            Self {
                load: None,
                servers_list: None,
                servers: count,
            }
        }
    }

    fn describe(&self) -> String {
        match (&self.load, &self.servers_list) {
            (Some(load), Some(servers)) => {
                format!("wrk pinned to core {load}, the servers to cores {servers} (taskset)")
            }
            _ => "nothing pinned (no taskset, or a single core)".to_owned(),
        }
    }

    fn pinned(list: Option<&String>, program: &Path) -> Command {
        match list {
            Some(list) => {
                let mut command = Command::new("taskset");
                command.args(["-c", list]).arg(program);
                command
            }
            None => Command::new(program),
        }
    }

    /// `program` on the servers' cores.
    pub(super) fn server(&self, program: &Path) -> Command {
        Self::pinned(self.servers_list.as_ref(), program)
    }

    pub(super) fn server_command(&self, program: &Path, args: &[String]) -> Command {
        let mut command = self.server(program);
        command.args(args);
        command
    }

    fn load(&self, program: &Path) -> Command {
        Self::pinned(self.load.as_ref(), program)
    }
}

/// A path to load: its URL and the wrk script that sends its POST.
pub(super) struct Target {
    name: &'static str,
    url: String,
    script: PathBuf,
}

impl Target {
    pub(super) fn new(
        name: &'static str,
        url: String,
        body: &str,
        key: Option<&str>,
    ) -> Result<Self> {
        Self::written(name, url, wrk_script(body, key, false))
    }

    /// A checkout that carries an `Idempotency-Key` of its own each time, as each click does.
    fn keyed(name: &'static str, url: String, body: &str) -> Result<Self> {
        Self::written(name, url, wrk_script(body, None, true))
    }

    fn written(name: &'static str, url: String, script_text: String) -> Result<Self> {
        let script = bench_dir().join(format!("wrk-{name}.lua"));
        files::write(&script, script_text)?;
        Ok(Self { name, url, script })
    }
}

/// A wrk script: the POST (with `X-API-Key` when given, and a new `Idempotency-Key` each time
/// when `keyed`), and a summary line that `parse_wrk` reads.
fn wrk_script(body: &str, key: Option<&str>, keyed: bool) -> String {
    let key = key.map_or(String::new(), |key| {
        format!("wrk.headers[\"X-API-Key\"] = \"{key}\"\n")
    });
    let keyed = if keyed {
        "clicks = 0
request = function()
  clicks = clicks + 1
  wrk.headers[\"Idempotency-Key\"] = string.format(\"bench-%d-%d\", os.time(), clicks)
  return wrk.format()
end
"
    } else {
        ""
    };
    format!(
        "-- Written by cargo xtask bench.
wrk.method = \"POST\"
wrk.body = [[{body}]]
wrk.headers[\"Content-Type\"] = \"application/json\"
{key}{keyed}done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(\"bench requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d non2xx=%d\\n\",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"
    )
}

/// wrk, pinned to the load core.
pub(super) struct Wrk<'a> {
    wrk: PathBuf,
    cores: &'a Cores,
}

impl Wrk<'_> {
    /// `connections` connections on one thread for `duration`; every answer must be a 2xx.
    pub(super) fn run(
        &self,
        target: &Target,
        connections: u32,
        duration: Duration,
    ) -> Result<Load> {
        let mut command = self.cores.load(&self.wrk);
        command
            .arg("-t1")
            .arg(format!("-c{connections}"))
            .arg(format!("-d{}s", duration.as_secs()))
            .args(["--timeout", "5s", "-s"])
            .arg(&target.script)
            .arg(&target.url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start wrk: {e}"))?;
        let output = stdout_within(child, duration + WRK_GRACE)?;
        let load = parse_wrk(&output).map_err(|e| format!("wrk against {}: {e}", target.name))?;
        println!(
            "{:<14} c={connections:<2} {:>3} s: {:>9}/s, p50 {:.3} ms, p99 {:.3} ms",
            target.name,
            duration.as_secs(),
            thousands(load.rps().round() as u64),
            load.p50_ms,
            load.p99_ms
        );
        Ok(load)
    }
}

/// The summary line of `wrk_script`; any error or non-2xx answer fails the run.
fn parse_wrk(output: &str) -> Result<Load> {
    let line = output
        .lines()
        .find_map(|line| line.strip_prefix("bench "))
        .ok_or_else(|| format!("no summary line in its output: {}", output.trim()))?;
    let field = |name: &str| -> Result<u64> {
        line.split_whitespace()
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .and_then(|value| value.parse().ok())
            .ok_or_else(|| format!("no {name} in {line:?}"))
    };
    let (errors, non_2xx) = (field("errors")?, field("non2xx")?);
    if errors > 0 || non_2xx > 0 {
        return Err(format!(
            "{errors} socket errors and {non_2xx} answers that were not 2xx (see the servers' \
             logs in target/bench/)"
        ));
    }
    let requests = field("requests")?;
    if requests == 0 {
        return Err("no request was answered".to_owned());
    }
    Ok(Load {
        requests,
        seconds: field("duration_us")? as f64 / 1e6,
        p50_ms: field("p50_us")? as f64 / 1000.0,
        p99_ms: field("p99_us")? as f64 / 1000.0,
    })
}

/// The processes whose parent is `pid`: nginx's workers.
fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            // `pid (name) state ppid ...`: the name may hold spaces and parentheses.
            fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

/// Starts a server logging to `target/bench/<name>.log` and waits for `path` to answer 200.
pub(super) fn start(name: &str, command: Command, addr: SocketAddr, path: &str) -> Result<Server> {
    let log = bench_dir().join(format!("{name}.log"));
    let mut server = Server::start(command, name, Some(&log))?;
    server.wait_ready(addr, path, START_TIMEOUT)?;
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::{Cores, Figures, Load, Measured, nginx_config, parse_wrk, wrk_script};
    use std::net::SocketAddr;
    use std::path::Path;

    #[test]
    fn reads_the_summary_of_a_clean_run() {
        let output = "Running 10s test @ http://127.0.0.1:1/\n\
            bench requests=120000 duration_us=10000000 p50_us=52 p99_us=310 errors=0 non2xx=0\n";
        let load = parse_wrk(output).expect("a clean run");
        assert_eq!(load.requests, 120_000);
        assert!((load.rps() - 12_000.0).abs() < 1e-6);
        assert!((load.p50_ms - 0.052).abs() < 1e-9);
        assert!((load.p99_ms - 0.31).abs() < 1e-9);
    }

    #[test]
    fn refuses_a_run_with_errors_or_without_a_summary() {
        let failed = "bench requests=10 duration_us=1000000 p50_us=1 p99_us=2 errors=0 non2xx=10\n";
        assert!(parse_wrk(failed).expect_err("non-2xx").contains("not 2xx"));
        let dropped = "bench requests=10 duration_us=1000000 p50_us=1 p99_us=2 errors=3 non2xx=0\n";
        assert!(parse_wrk(dropped).is_err());
        assert!(parse_wrk("unable to connect to 127.0.0.1:1 Connection refused").is_err());
    }

    #[test]
    fn the_script_posts_the_body_with_the_key_only_when_given() {
        let body = r#"{"amount_cents":2500}"#;
        let direct = wrk_script(body, Some("k"), false);
        assert!(
            direct.contains("wrk.body = [[{\"amount_cents\":2500}]]"),
            "{direct}"
        );
        assert!(direct.contains("wrk.headers[\"X-API-Key\"] = \"k\""));
        assert!(!wrk_script(body, None, false).contains("X-API-Key"));
        let keyed = wrk_script(body, None, true);
        assert!(
            keyed.contains("wrk.headers[\"Idempotency-Key\"]"),
            "{keyed}"
        );
        assert!(keyed.contains("return wrk.format()"), "{keyed}");
    }

    #[test]
    fn the_json_has_the_issues_shape_and_rounded_figures() {
        let figures = |rps: u64, p50_ms: f64, p99_ms: f64| Figures {
            throughput: Load {
                requests: rps * 10,
                seconds: 10.0,
                p50_ms: 1.0,
                p99_ms: 2.0,
            },
            latency: Load {
                requests: 1,
                seconds: 10.0,
                p50_ms,
                p99_ms,
            },
        };
        let measured = Measured {
            direct: figures(59_264, 0.033, 0.059),
            nginx: figures(31_694, 0.046, 0.092),
            proxy: figures(9_336, 0.103, 0.284),
            nginx_rss_mb: 11.476_562_5,
            nginx_workers: 1,
            proxy_rss_mb: 9.777,
            shared: Ok((
                figures(1, 0.110, 0.3).latency,
                figures(1, 0.3504, 0.6).latency,
            )),
            cores: Cores {
                load: None,
                servers_list: None,
                servers: 2,
            },
            profile: None,
        };
        let json = measured.json();
        let keys = |value: &serde_json::Value| {
            let mut keys: Vec<String> = value
                .as_object()
                .expect("an object")
                .keys()
                .cloned()
                .collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(&json), ["checkout_proxy", "direct", "keyed", "nginx"]);
        assert_eq!(json["keyed"]["sharing_redis"]["p50_ms"].to_string(), "0.35");
        let row = measured.shared_row();
        assert!(format!("{row:?}").contains("+0.240 ms"), "{row:?}");
        assert_eq!(keys(&json["direct"]), ["p50_ms", "p99_ms", "rps"]);
        assert_eq!(
            keys(&json["nginx"]),
            [
                "added_p50_ms",
                "added_p99_ms",
                "p50_ms",
                "p99_ms",
                "peak_rss_mb",
                "rps"
            ]
        );
        assert_eq!(json["nginx"]["added_p50_ms"].to_string(), "0.013");
        assert_eq!(json["checkout_proxy"]["added_p99_ms"].to_string(), "0.225");
        assert_eq!(json["nginx"]["peak_rss_mb"].to_string(), "11.48");
        assert_eq!(json["direct"]["rps"].to_string(), "59264.0");
    }

    #[test]
    fn nginx_is_configured_as_the_issue_asks() {
        let addr = |port| SocketAddr::from(([127, 0, 0, 1], port));
        let config = nginx_config(addr(8081), addr(9100), 3, true)
            .text(Path::new("/tmp/x"))
            .expect("a config");
        for line in [
            "worker_processes 3;",
            "access_log off;",
            "keepalive 64;",
            "server 127.0.0.1:9100;",
            "proxy_http_version 1.1;",
            "proxy_set_header Connection \"\";",
            "proxy_set_header X-API-Key \"csb_bench_notasecret\";",
            "listen 127.0.0.1:8081;",
        ] {
            assert!(config.contains(line), "{line} in\n{config}");
        }
    }
}
