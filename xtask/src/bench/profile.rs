//! Where checkout-proxy's time goes, when it misses a goal against nginx: a short run of each
//! proxy at concurrency 1 under a profiler that counts instructions. `perf` where this machine
//! gives it the hardware's instruction counter (`perf stat -e instructions true`), attached to
//! the running servers; else valgrind's callgrind, which counts every instruction exactly,
//! on a proxy and a single-process nginx started under it. The figures: instructions per
//! request of each, and checkout-proxy's by where they run (self cost, by crate or library).

use super::bench_dir;
use super::proxy::{self, Cores, Load, Target, Wrk, proxy_args};
use crate::servers::{STOP_TIMEOUT, free_port};
use crate::tools::process::{capture, find_on_path};
use crate::{Result, thousands};
use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Long enough for a few thousand requests under callgrind, which runs about 50x slower.
const RUN: Duration = Duration::from_secs(5);
/// Where the proxy's instructions go, at most this many places.
const TOP: usize = 8;

/// Each function's object, symbol and share of the instructions.
type Functions = Vec<(String, String, f64)>;

/// What a profiled run needs of the measurement.
pub(super) struct Setup<'a> {
    pub(super) wrk: &'a Wrk<'a>,
    pub(super) cores: &'a Cores,
    pub(super) proxy_bin: &'a Path,
    /// The measured servers, which perf attaches to.
    pub(super) proxy_pid: u32,
    pub(super) proxy: SocketAddr,
    pub(super) nginx: &'a Path,
    pub(super) nginx_workers: &'a [u32],
    pub(super) nginx_addr: SocketAddr,
    pub(super) mock: SocketAddr,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Profile {
    tool: &'static str,
    proxy_requests: u64,
    proxy_per_request: f64,
    nginx_per_request: f64,
    /// Shares of checkout-proxy's instructions, largest first.
    places: Vec<(String, f64)>,
    files: String,
}

impl Profile {
    pub(super) fn summary(&self) -> String {
        let places: Vec<String> = self
            .places
            .iter()
            .map(|(place, share)| format!("{place} {:.1}%", share * 100.0))
            .collect();
        format!(
            "Profile ({}, {} s at concurrency 1, {} requests through checkout-proxy): \
             checkout-proxy runs {} instructions per request, nginx {} ({:.1}x). Where \
             checkout-proxy's run (self cost): {}. Files: {}.",
            self.tool,
            RUN.as_secs(),
            thousands(self.proxy_requests),
            thousands(self.proxy_per_request.round() as u64),
            thousands(self.nginx_per_request.round() as u64),
            self.proxy_per_request / self.nginx_per_request,
            places.join(", "),
            self.files
        )
    }
}

pub(super) fn run(setup: &mut Setup) -> Result<Profile> {
    if perf_counts_instructions() {
        perf(setup)
    } else if find_on_path("valgrind").is_some() {
        callgrind(setup)
    } else {
        Err("neither perf with an instruction counter nor valgrind is on this machine".to_owned())
    }
}

fn perf_counts_instructions() -> bool {
    find_on_path("perf").is_some()
        && Command::new("perf")
            .args(["stat", "-e", "instructions", "true"])
            .output()
            .is_ok_and(|output| {
                output.status.success()
                    && !String::from_utf8_lossy(&output.stderr).contains("not supported")
            })
}

/// perf attached to the measured servers while wrk loads each.
fn perf(setup: &mut Setup) -> Result<Profile> {
    let body = proxy::checkout_body(setup.proxy);
    let proxy_target = Target::new(
        "profile-proxy",
        format!("http://{}/api/billing/checkout", setup.proxy),
        &body,
        None,
    )?;
    let nginx_target = Target::new(
        "profile-nginx",
        format!("http://{}/api/billing/checkout", setup.nginx_addr),
        &body,
        None,
    )?;
    let (proxy_load, proxy_report) = perf_record("proxy", &[setup.proxy_pid], || {
        setup.wrk.run(&proxy_target, 1, RUN)
    })?;
    let (nginx_load, nginx_report) = perf_record("nginx", setup.nginx_workers, || {
        setup.wrk.run(&nginx_target, 1, RUN)
    })?;
    let (proxy_total, proxy_entries) = read_perf_report(&proxy_report)?;
    let (nginx_total, _) = read_perf_report(&nginx_report)?;
    Ok(Profile {
        tool: "perf, instructions in user and kernel space",
        proxy_requests: proxy_load.requests,
        proxy_per_request: proxy_total / proxy_load.requests as f64,
        nginx_per_request: nginx_total / nginx_load.requests as f64,
        places: places(&proxy_entries),
        files: "target/bench/perf-{proxy,nginx}.data".to_owned(),
    })
}

/// `perf record` on `pids` for as long as `load` runs; the load and `perf report`'s text.
fn perf_record(
    name: &str,
    pids: &[u32],
    load: impl FnOnce() -> Result<Load>,
) -> Result<(Load, String)> {
    let data = bench_dir().join(format!("perf-{name}.data"));
    let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
    let mut perf = Command::new("perf")
        .args(["record", "-e", "instructions", "-o"])
        .arg(&data)
        .args(["-p", &pids.join(",")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start perf: {e}"))?;
    // perf needs a moment to attach before the load starts.
    thread::sleep(Duration::from_millis(500));
    let loaded = load();
    // SIGINT is how perf record is told to write its file and stop.
    if let Ok(pid) = i32::try_from(perf.id()) {
        let _ = signal::kill(Pid::from_raw(pid), Signal::SIGINT);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(perf.try_wait(), Ok(Some(_))) {
        if Instant::now() > deadline {
            let _ = perf.kill();
            return Err("perf record did not stop".to_owned());
        }
        thread::sleep(Duration::from_millis(50));
    }
    let loaded = loaded?;
    let report = capture(
        Command::new("perf")
            .args([
                "report",
                "--stdio",
                "--no-children",
                "--sort",
                "dso,sym",
                "-i",
            ])
            .arg(&data),
    )?;
    Ok((loaded, report))
}

/// The event count and the `(object, symbol, share)` lines of `perf report --sort dso,sym`.
fn read_perf_report(report: &str) -> Result<(f64, Functions)> {
    let total = report
        .lines()
        .find_map(|line| line.strip_prefix("# Event count (approx.):"))
        .and_then(|count| count.trim().parse::<f64>().ok())
        .ok_or("perf report gave no event count")?;
    let entries = report
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (share, rest) = line.trim().split_once('%')?;
            let share = share.parse::<f64>().ok()? / 100.0;
            let (object, rest) = rest.trim().split_once(char::is_whitespace)?;
            let symbol = rest.trim().split_once("] ")?.1;
            Some((object.to_owned(), symbol.trim().to_owned(), share))
        })
        .collect();
    Ok((total, entries))
}

/// A proxy and a single-process nginx started under callgrind, each loaded, then stopped, which
/// is when callgrind writes its counts.
fn callgrind(setup: &mut Setup) -> Result<Profile> {
    let proxy_out = bench_dir().join("callgrind-proxy.out");
    let proxy_addr = free_port()?;
    let mut command = valgrind(setup.cores, &proxy_out);
    command.arg(setup.proxy_bin);
    proxy_args(&mut command, proxy_addr, setup.mock);
    let mut server = proxy::start("proxy-callgrind", command, proxy_addr, "/healthz")?;
    let target = Target::new(
        "proxy-callgrind",
        format!("http://{proxy_addr}/api/billing/checkout"),
        &proxy::checkout_body(proxy_addr),
        None,
    )?;
    let proxy_load = setup.wrk.run(&target, 1, RUN)?;
    server.stop(STOP_TIMEOUT)?;

    let nginx_out = bench_dir().join("callgrind-nginx.out");
    let nginx_addr = free_port()?;
    let files = proxy::write_nginx_config(&proxy::nginx_config(nginx_addr, setup.mock, 1, false))?;
    let mut command = valgrind(setup.cores, &nginx_out);
    command.arg(setup.nginx).args(files.args());
    let mut server = proxy::start("nginx-callgrind", command, nginx_addr, "/healthz")?;
    let target = Target::new(
        "nginx-callgrind",
        format!("http://{nginx_addr}/api/billing/checkout"),
        &proxy::checkout_body(proxy_addr),
        None,
    )?;
    let nginx_load = setup.wrk.run(&target, 1, RUN)?;
    server.stop(STOP_TIMEOUT)?;

    let (proxy_total, proxy_entries) = annotate(&proxy_out)?;
    let (nginx_total, _) = annotate(&nginx_out)?;
    Ok(Profile {
        tool: "callgrind",
        proxy_requests: proxy_load.requests,
        proxy_per_request: proxy_total / proxy_load.requests as f64,
        nginx_per_request: nginx_total / nginx_load.requests as f64,
        places: places(&proxy_entries),
        files: "target/bench/callgrind-{proxy,nginx}.out (callgrind_annotate reads them)"
            .to_owned(),
    })
}

/// valgrind's callgrind on the servers' cores, writing to `out`. Start-up is counted too: a
/// few million instructions, under 2% of a run.
fn valgrind(cores: &Cores, out: &Path) -> Command {
    let mut command = cores.server(Path::new("valgrind"));
    command
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()));
    command
}

/// The total and the `(object, symbol, share)` of every function of a callgrind file.
fn annotate(file: &Path) -> Result<(f64, Functions)> {
    let text = capture(
        Command::new("callgrind_annotate")
            .arg("--threshold=100")
            .arg(file),
    )?;
    read_annotation(&text)
}

/// Lines `  22,423,452 ( 7.50%)  ./string/memmove.S:__memcpy_avx [/usr/lib/libc.so.6]`, the
/// first of them the program's total.
fn read_annotation(text: &str) -> Result<(f64, Functions)> {
    let mut total = None;
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some((count, rest)) = line.split_once(" (") else {
            continue;
        };
        let Ok(count) = count.replace(',', "").parse::<f64>() else {
            continue;
        };
        let Some((_, place)) = rest.split_once(')') else {
            continue;
        };
        let place = place.trim();
        if place == "PROGRAM TOTALS" {
            total = Some(count);
            continue;
        }
        let Some(total) = total else { continue };
        let (place, object) = match place.rsplit_once(" [") {
            Some((place, object)) => (place, object.trim_end_matches(']')),
            None => (place, ""),
        };
        // `file:function`; Rust's paths hold `::`, a file name never a colon.
        let (source, symbol) = place.split_once(':').unwrap_or(("", place));
        // glibc's functions carry its source paths (`./malloc/...`) when the object is left out.
        let object = if object.is_empty() && source.starts_with("./") {
            "libc"
        } else {
            object
        };
        entries.push((object.to_owned(), symbol.to_owned(), count / total));
    }
    let total = total.ok_or("callgrind_annotate gave no program total")?;
    Ok((total, entries))
}

/// The `TOP` largest shares, by crate or library.
fn places(entries: &[(String, String, f64)]) -> Vec<(String, f64)> {
    let mut shares: HashMap<String, f64> = HashMap::new();
    for (object, symbol, share) in entries {
        *shares.entry(place(object, symbol)).or_default() += share;
    }
    let mut shares: Vec<(String, f64)> = shares.into_iter().collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    shares.truncate(TOP);
    shares
}

/// Where one function's instructions count: a library's part, or the crate of a Rust symbol.
fn place(object: &str, symbol: &str) -> String {
    if object.contains("kernel") {
        return "the kernel".to_owned();
    }
    if object.contains("libc") || object.contains("ld-linux") {
        let allocator = [
            "malloc",
            "free",
            "realloc",
            "calloc",
            "memalign",
            "consolidate",
            "unlink_chunk",
            "tcache",
        ];
        return if allocator.iter().any(|name| symbol.contains(name)) {
            "libc malloc and free"
        } else if symbol.trim_start_matches('_').starts_with("mem") {
            "libc memcpy, memmove and memset"
        } else {
            "libc, other"
        }
        .to_owned();
    }
    let path = symbol.trim_start_matches(['<', '&', '*', '(', ' ']);
    let path = path
        .strip_prefix("dyn ")
        .or_else(|| path.strip_prefix("mut "))
        .unwrap_or(path);
    let krate = path
        .split("::")
        .next()
        .unwrap_or_default()
        .split(['<', ' '])
        .next()
        .unwrap_or_default();
    match krate {
        "core" | "alloc" | "std" | "__rustc" => "Rust core, alloc and std".to_owned(),
        "" | "???" => "unresolved".to_owned(),
        unknown if unknown.starts_with("0x") => "unresolved".to_owned(),
        krate => krate.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{place, places, read_annotation, read_perf_report};

    #[test]
    fn reads_callgrind_annotate_and_groups_by_crate_and_library() {
        let text = "\
--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
1,000 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                   file:function
--------------------------------------------------------------------------------
300 (30.00%)  ./malloc/./malloc/malloc.c:_int_free [/usr/lib/x86_64-linux-gnu/libc.so.6]
200 (20.00%)  ./malloc/./malloc/arena.c:free
150 (15.00%)  ???:<hyper::proto::h1::role::Server as hyper::Http1Transaction>::parse [/x/proxy]
100 (10.00%)  ???:core::fmt::write [/x/checkout-proxy]
 50 ( 5.00%)  ???:closient_checkout_core::url::split_origin [/x/checkout-proxy]
";
        let (total, entries) = read_annotation(text).expect("an annotation");
        assert!((total - 1_000.0).abs() < 1e-9);
        let grouped = places(&entries);
        assert_eq!(grouped[0].0, "libc malloc and free");
        assert!((grouped[0].1 - 0.5).abs() < 1e-9);
        assert_eq!(grouped[1].0, "hyper");
        assert_eq!(grouped[2].0, "Rust core, alloc and std");
        assert_eq!(grouped[3].0, "closient_checkout_core");
    }

    #[test]
    fn reads_perf_report() {
        let report = "\
# Samples: 6K of event 'instructions'
# Event count (approx.): 2000000
#
# Overhead  Shared Object      Symbol
     5.00%  libc.so.6          [.] __memmove_avx512_unaligned_erms
     4.00%  [kernel.kallsyms]  [k] _raw_spin_unlock_irqrestore
     1.00%  checkout-proxy     [.] <url::parser::Parser>::parse_path
";
        let (total, entries) = read_perf_report(report).expect("a report");
        assert!((total - 2e6).abs() < 1e-9);
        assert_eq!(entries.len(), 3);
        assert_eq!(
            place(&entries[0].0, &entries[0].1),
            "libc memcpy, memmove and memset"
        );
        assert_eq!(place(&entries[1].0, &entries[1].1), "the kernel");
        assert_eq!(place(&entries[2].0, &entries[2].1), "url");
    }
}
