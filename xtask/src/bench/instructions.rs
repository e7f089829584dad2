//! checkout-proxy's instructions per checkout under callgrind: the proxy's gate. Unlike a
//! throughput on a machine shared with other builds, an instruction count barely moves from
//! run to run, so a gate close to today's figure fails on a real regression only.
//!
//! The release proxy runs under valgrind's callgrind in front of the mock (not under it). One
//! keep-alive connection sends `WARMUP` checkouts, then `CHECKOUTS`, one at a time; SIGTERM
//! ends the process and callgrind writes its total. A second run sends `2 * CHECKOUTS` after
//! the same warm-up. The difference of the two totals is `CHECKOUTS` checkouts' instructions:
//! start-up, the warm-up and shutdown cancel out. Counting from outside the process needs no
//! `callgrind_control`, which waits for an idle server to run before it answers.

use super::proxy::{self, proxy_args};
use super::{Row, at_most, bench_dir};
use crate::servers::{Binaries, STOP_TIMEOUT, free_port};
use crate::tools::{apt, process::find_on_path};
use crate::{Result, thousands};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Today's figure: `cargo xtask bench --instructions` on 2026-12-07 with the proxy of commit
/// 9ff24eb (metrics and request ids included; 170,060 before them), valgrind 3.19 on x86-64.
/// Four runs gave 176,772 to 178,807: a run moves by about 1%.
const BASELINE: u64 = 178_000;
/// The gate: today's figure plus 10%.
const GATE: f64 = BASELINE as f64 * 1.1;
/// Opens the upstream connection and fills what the first requests fill.
const WARMUP: u64 = 20;
const CHECKOUTS: u64 = 200;
/// One checkout under callgrind takes a few milliseconds; a stuck one fails the run.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub(super) struct Measured {
    per_checkout: f64,
    /// Each run's total: `CHECKOUTS` and twice as many after the warm-up.
    totals: [u64; 2],
}

pub(super) fn measure(binaries: &Binaries) -> Result<Measured> {
    valgrind()?;
    let mock = free_port()?;
    let mut command = Command::new(&binaries.mock);
    command
        .args(["--listen", &mock.to_string(), "--bench"])
        .env("CLOSIENT_API_KEY", "csb_bench_notasecret");
    let mut mock_server = proxy::start("mock-instructions", command, mock, "/__mock/stats")?;
    let single = run(&binaries.proxy, mock, CHECKOUTS, "single")?;
    let double = run(&binaries.proxy, mock, 2 * CHECKOUTS, "double")?;
    mock_server.stop(STOP_TIMEOUT)?;
    let measured = Measured {
        per_checkout: double.saturating_sub(single) as f64 / CHECKOUTS as f64,
        totals: [single, double],
    };
    println!(
        "checkout-proxy under callgrind: {} and {} instructions in all, {} per checkout",
        thousands(single),
        thousands(double),
        thousands(measured.per_checkout.round() as u64)
    );
    Ok(measured)
}

/// valgrind from Debian's packages when it is not on PATH.
fn valgrind() -> Result<()> {
    if find_on_path("valgrind").is_some() {
        return Ok(());
    }
    println!("valgrind: installing from Debian packages...");
    apt::install(
        &["valgrind"],
        "valgrind's callgrind counts the proxy's instructions per checkout for cargo xtask bench",
    )
}

/// One process under callgrind: the warm-up, then `checkouts`; its instruction total.
fn run(proxy_bin: &Path, mock: SocketAddr, checkouts: u64, name: &str) -> Result<u64> {
    let out = bench_dir().join(format!("callgrind-checkouts-{name}.out"));
    let addr = free_port()?;
    let mut command = Command::new("valgrind");
    command
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(proxy_bin);
    proxy_args(&mut command, addr, mock);
    let mut server = proxy::start(
        &format!("proxy-callgrind-{name}"),
        command,
        addr,
        "/healthz",
    )?;
    send_checkouts(addr, WARMUP + checkouts)?;
    server.stop(STOP_TIMEOUT)?;
    let text =
        std::fs::read_to_string(&out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    total(&text).ok_or_else(|| format!("{} has no instruction total", out.display()))
}

/// `count` checkouts, one after the other on one connection; each must be answered 200.
fn send_checkouts(addr: SocketAddr, count: u64) -> Result<()> {
    let body = proxy::checkout_body(addr);
    let request = format!(
        "POST /api/billing/checkout HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let failed = |e: std::io::Error| format!("a checkout through http://{addr}: {e}");
    let stream = TcpStream::connect(addr).map_err(failed)?;
    stream
        .set_read_timeout(Some(READ_TIMEOUT))
        .map_err(failed)?;
    let mut writer = stream.try_clone().map_err(failed)?;
    let mut reader = BufReader::new(stream);
    for _ in 0..count {
        writer.write_all(request.as_bytes()).map_err(failed)?;
        read_answer(&mut reader).map_err(|e| format!("a checkout through http://{addr}: {e}"))?;
    }
    Ok(())
}

/// Reads one answer with a `Content-Length`; an error unless it is a 200.
fn read_answer(reader: &mut impl BufRead) -> std::result::Result<(), String> {
    let mut line = String::new();
    let mut status = None;
    let mut length = None;
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("the connection closed mid-answer".to_owned());
        }
        let text = line.trim_end();
        if text.is_empty() {
            break;
        }
        if status.is_none() {
            status = Some(text.to_owned());
        } else if let Some((name, value)) = text.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let status = status.unwrap_or_default();
    let length = length.ok_or_else(|| format!("no Content-Length after {status:?}"))?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    if !status.starts_with("HTTP/1.1 200") {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    Ok(())
}

/// The `totals:` (or, from older valgrinds, `summary:`) line of a callgrind file: the first
/// event, instructions, summed over every thread.
fn total(callgrind_out: &str) -> Option<u64> {
    callgrind_out.lines().rev().find_map(|line| {
        let count = line
            .strip_prefix("totals:")
            .or_else(|| line.strip_prefix("summary:"))?;
        count.split_whitespace().next()?.parse().ok()
    })
}

impl Measured {
    pub(super) fn rows(&self) -> Vec<Row> {
        let count = |value: f64| thousands(value.round() as u64);
        vec![
            Row::figure(
                "proxy, instructions per checkout (callgrind)",
                count(self.per_checkout),
            )
            .gate(at_most(
                self.per_checkout,
                GATE,
                format!(
                    "<= {} (today's {} + 10%)",
                    count(GATE),
                    count(BASELINE as f64)
                ),
                |over| format!("{} instructions", count(over)),
            )),
        ]
    }

    pub(super) fn notes(&self) -> Vec<String> {
        vec![format!(
            "Instructions per checkout: the release proxy under callgrind in front of the mock, \
             {WARMUP} checkouts of warm-up then {CHECKOUTS} in one run and {} in another, one at \
             a time on one connection; the figure is the difference of the two totals ({} and \
             {}) over {CHECKOUTS}. Files: target/bench/callgrind-checkouts-*.out.",
            2 * CHECKOUTS,
            thousands(self.totals[0]),
            thousands(self.totals[1]),
        )]
    }

    pub(super) fn json(&self) -> Value {
        json!({
            "per_checkout": self.per_checkout.round(),
            "gate": GATE.round(),
            "baseline": BASELINE,
        })
    }

    /// One line for `--instructions` alone, and whether the gate passed.
    pub(super) fn summary(&self) -> (String, bool) {
        let passed = self.per_checkout <= GATE;
        let line = format!(
            "proxy, instructions per checkout (callgrind): {}, gate <= {} (today's {} + 10%): {}",
            thousands(self.per_checkout.round() as u64),
            thousands(GATE.round() as u64),
            thousands(BASELINE),
            if passed { "gate passed" } else { "GATE FAILED" }
        );
        (line, passed)
    }
}

#[cfg(test)]
mod tests {
    use super::{BASELINE, GATE, Measured, read_answer, total};

    #[test]
    fn the_gate_is_the_baseline_plus_ten_percent() {
        let at = |per_checkout: f64| Measured {
            per_checkout,
            totals: [0, 0],
        };
        assert!((GATE - BASELINE as f64 * 1.1).abs() < 1.0);
        assert!(at(GATE).summary().1);
        let (line, passed) = at(GATE + 1.0).summary();
        assert!(!passed && line.ends_with("GATE FAILED"), "{line}");
        let json = at(180_000.4).json();
        assert_eq!(json["per_checkout"], 180_000.0);
        assert_eq!(json["baseline"], BASELINE);
        assert_eq!(at(180_000.0).rows().len(), 1);
    }

    #[test]
    fn reads_the_total_of_a_callgrind_file() {
        let file = "# callgrind format\nevents: Ir\nsummary: 1234\nfn=(1) main\n5 1000\n\
                    totals: 98765432\n";
        assert_eq!(total(file), Some(98_765_432));
        assert_eq!(total("events: Ir\nsummary: 1234\n"), Some(1_234));
        assert_eq!(total("events: Ir\n"), None);
    }

    #[test]
    fn an_answer_is_read_to_its_end_and_must_be_a_200() {
        let two =
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 429 Too Many Requests\r\n\
                    Content-Length: 5\r\n\r\nslow!";
        let mut reader = &two[..];
        assert_eq!(read_answer(&mut reader), Ok(()));
        let refused = read_answer(&mut reader).expect_err("a 429");
        assert!(
            refused.contains("429") && refused.contains("slow!"),
            "{refused}"
        );
        assert!(read_answer(&mut &b"HTTP/1.1 200 OK\r\n\r\n"[..]).is_err());
    }
}
