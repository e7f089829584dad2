//! `cargo xtask bench`: the product next to what a user would pick instead. The proxy against
//! nginx `proxy_pass` in front of the same upstream; the widget's start-up (visible, ready,
//! blocking time, layout shift) against a vanilla-JS form and a static snapshot of its own
//! page; what the widget and the proxy add to one top-up's click; how the success view polls
//! the balance; and the bundle as served. One table, printed and written to `target/bench/` as
//! `bench.md` and `bench.json`.
//!
//! Every figure is reported against its goal, with the gap. Only the gates make the command
//! exit 1: the served size, the proxy's added latency against nginx's from the same run, and
//! the proxy's instructions per checkout under callgrind (its throughput against nginx's is a
//! goal: on a shared machine it moves with the neighbours' load). Everything runs on loopback,
//! and every wait is bounded.

mod browser;
mod instructions;
mod profile;
mod proxy;
mod report;
mod sizes;

use crate::servers;
use crate::tools::{self, Needs};
use crate::{Result, dist, e2e, files, repo_root};
use report::{Check, Row};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

// The gates: the command exits 1 when one fails.

/// How much more checkout-proxy may add to the direct p50 at concurrency 1 than nginx adds, ms.
const ADDED_P50_GATE_MS: f64 = 0.2;

// The goals, reported with their gap.

/// checkout-proxy's requests per second at concurrency 32, as a share of nginx's.
const THROUGHPUT_GOAL: f64 = 1.0;
const ADDED_P50_GOAL_MS: f64 = 0.05;
/// How much sharing state through Redis may add to a keyed checkout's p50 on loopback, ms.
const REDIS_ADDED_P50_GOAL_MS: f64 = 0.3;
/// The widget's median time to a visible form on the slow phone, over the vanilla form's.
const VISIBLE_OVER_VANILLA_GOAL_MS: f64 = 50.0;
/// The widget's median time to a ready form on the slow phone, over the vanilla form's.
const READY_OVER_VANILLA_GOAL_MS: f64 = 150.0;
/// The widget's median start-up blocking time on the slow phone.
const SLOW_BLOCKING_GOAL_MS: f64 = 50.0;
const CLICK_TO_NAVIGATION_GOAL_MS: f64 = 10.0;

pub fn run() -> ExitCode {
    let started = Instant::now();
    passed(measure().and_then(|results| {
        let report = report::Report::new(&results, started.elapsed());
        report.print();
        report.write(&bench_dir())?;
        let failed = report.failed_gates();
        let errors = results.errors();
        println!(
            "bench: {} gates passed, {} failed{}",
            report.gates() - failed,
            failed,
            if errors.is_empty() {
                String::new()
            } else {
                format!("; not measured: {}", errors.join("; "))
            }
        );
        Ok(failed == 0 && errors.is_empty())
    }))
}

/// `cargo xtask bench --instructions`: the proxy's instructions per checkout and their gate,
/// alone.
pub fn run_instructions() -> ExitCode {
    passed(servers::build_release().and_then(|binaries| {
        files::create_dir(&bench_dir())?;
        let (line, passed) = instructions::measure(&binaries)?.summary();
        println!("{line}");
        Ok(passed)
    }))
}

/// Exit 0 when every gate passed, else 1, with the error that stopped the run.
fn passed(run: Result<bool>) -> ExitCode {
    match run {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What one run measured: each part, or why it could not be measured.
#[derive(Debug)]
struct Results {
    sizes: Result<sizes::Sizes>,
    proxy: Result<proxy::Measured>,
    instructions: Result<instructions::Measured>,
    browser: Result<browser::Measured>,
}

impl Results {
    fn errors(&self) -> Vec<String> {
        [
            ("sizes", self.sizes.as_ref().err()),
            ("proxy against nginx", self.proxy.as_ref().err()),
            ("proxy instructions", self.instructions.as_ref().err()),
            ("browser", self.browser.as_ref().err()),
        ]
        .into_iter()
        .filter_map(|(part, error)| error.map(|message| format!("{part} ({message})")))
        .collect()
    }
}

/// Builds what is measured, then measures each part; a part that fails leaves the others.
fn measure() -> Result<Results> {
    let tools = tools::bootstrap(Needs::Bench)?;
    println!("\n==> the release build (dist/ and the npm package)");
    dist::build(&tools)?;
    println!("\n==> the servers, release build");
    let binaries = servers::build_release()?;
    files::create_dir(&bench_dir())?;

    println!("\n==> sizes as served");
    let sizes = sizes::measure();
    println!("\n==> proxy against nginx: POST /api/billing/checkout three ways, loaded by wrk");
    let proxy = proxy::measure(&binaries);
    if let Err(message) = &proxy {
        eprintln!("error: proxy against nginx: {message}");
    }
    println!("\n==> the proxy's instructions per checkout, under callgrind");
    let instructions = instructions::measure(&binaries);
    if let Err(message) = &instructions {
        eprintln!("error: proxy instructions: {message}");
    }
    println!("\n==> the browser: start-up, click to navigation, balance polling");
    e2e::npm_ci(&repo_root().join("e2e"))?;
    let browser = e2e::chromium(&tools).and_then(|chromium| browser::measure(&binaries, &chromium));
    if let Err(message) = &browser {
        eprintln!("error: browser: {message}");
    }
    Ok(Results {
        sizes,
        proxy,
        instructions,
        browser,
    })
}

/// `target/bench/`: the table, the servers' logs and the profiles.
fn bench_dir() -> PathBuf {
    repo_root().join("target").join("bench")
}

/// Milliseconds: whole ones grouped by thousands from 100 on, else with `decimals`.
fn ms(value: f64, decimals: usize) -> String {
    if value.abs() >= 100.0 {
        format!("{} ms", signed_thousands(value).trim_start_matches('+'))
    } else {
        format!("{value:.decimals$} ms")
    }
}

/// A whole number with its sign, grouped by thousands: `+1,234`, `-56`.
fn signed_thousands(value: f64) -> String {
    let sign = if value < 0.0 { '-' } else { '+' };
    format!("{sign}{}", crate::thousands(value.abs().round() as u64))
}

/// The value at quantile `q` (0 to 1) of `values`, interpolated between the two nearest ranks.
/// The median of ten values is the mean of the fifth and sixth.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    let position = q.clamp(0.0, 1.0) * last as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let (low, high) = (sorted[below], sorted[above.min(last)]);
    low + (high - low) * (position - below as f64)
}

/// `value` to `decimals` places, as `bench.json` gives figures: no more precision than was
/// measured, and no binary noise such as `0.012000000000000004`.
fn rounded(value: f64, decimals: i32) -> f64 {
    let scale = 10_f64.powi(decimals);
    (value * scale).round() / scale
}

/// A figure held to "at most `limit`": met, or missed by how much.
fn at_most(value: f64, limit: f64, text: String, gap: impl Fn(f64) -> String) -> Check {
    Check::new(text, value <= limit, gap(value - limit))
}

/// A figure held to "at least `limit`".
fn at_least(value: f64, limit: f64, text: String, gap: impl Fn(f64) -> String) -> Check {
    Check::new(text, value >= limit, gap(limit - value))
}

#[cfg(test)]
mod tests {
    use super::{at_least, at_most, ms, quantile, rounded, signed_thousands};

    #[test]
    fn quantiles_interpolate_between_ranks() {
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((quantile(&ten, 0.5) - 5.5).abs() < 1e-9);
        assert!((quantile(&ten, 0.9) - 9.1).abs() < 1e-9);
        assert!((quantile(&[7.0], 0.99) - 7.0).abs() < 1e-9);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn json_figures_are_rounded_to_what_was_measured() {
        assert_eq!(rounded(0.048 - 0.036, 3).to_string(), "0.012");
        assert_eq!(rounded(10_893.305_2, 1), 10_893.3);
        assert_eq!(rounded(28.487_000_000_000_002, 2), 28.49);
    }

    #[test]
    fn milliseconds_and_signs_read_well() {
        assert_eq!(ms(1_052.4, 0), "1,052 ms");
        assert_eq!(ms(0.224, 2), "0.22 ms");
        assert_eq!(ms(-150.2, 1), "-150 ms");
        assert_eq!(signed_thousands(-8_562.4), "-8,562");
        assert_eq!(signed_thousands(163.0), "+163");
    }

    #[test]
    fn checks_say_whether_a_limit_is_met_and_by_how_much_it_is_missed() {
        let gap = |over: f64| format!("{over:+.1}");
        let met = at_most(700.0, 800.0, "<= 800".to_owned(), gap);
        assert!(met.met);
        let missed = at_most(900.0, 800.0, "<= 800".to_owned(), gap);
        assert_eq!((missed.met, missed.gap.as_str()), (false, "+100.0"));
        let short = at_least(0.5, 0.8, ">= 0.8".to_owned(), gap);
        assert_eq!((short.met, short.gap.as_str()), (false, "+0.3"));
    }
}
