//! `cargo xtask bench`: what a visitor downloads, how soon the form can be used, and what the
//! proxy adds to a checkout call, each next to a baseline measured in the same run. The budgets
//! below are gates: the command exits 1 when one fails. Everything runs on loopback, and every
//! loop is bounded in count and in time.

mod browser;
mod proxy;

use crate::tools::{self, Needs};
use crate::{Result, dist, e2e, repo_root, secs, thousands};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

// The budgets, the gates of this command.

/// The median time to an interactive form with CPU and network throttling, in ms.
const THROTTLED_MEDIAN_BUDGET_MS: f64 = 1_500.0;
/// How much later the proxy's median checkout answer may come than the mock's own, in ms.
const PROXY_P50_OVERHEAD_BUDGET_MS: f64 = 5.0;

// Reference points from the toolchain notes: a minimal Leptos 0.8 CSR page after wasm-opt -Oz.

const MINIMAL_LEPTOS_WASM_RAW: u64 = 98_600;
const MINIMAL_LEPTOS_WASM_GZIP: u64 = 40_500;
const MINIMAL_LEPTOS_WASM_BROTLI: u64 = 34_400;
const MINIMAL_LEPTOS_JS_GZIP: u64 = 6_600;

// How much is measured.

/// Page loads per page and condition, after one discarded warm-up load.
const BROWSER_RUNS: usize = 10;
/// The whole browser measurement, servers included.
const BROWSER_DEADLINE: Duration = Duration::from_secs(150);
/// Checkout requests per measured batch, one batch sequential and one concurrent, for the
/// proxy and again for the direct call. The mock allows 300 a minute; it is reset before each.
const PROXY_REQUESTS: usize = 300;
const PROXY_CONCURRENCY: usize = 8;
/// Requests before each measured batch, to open connections (the proxy's upstream pool too).
const PROXY_WARMUP: usize = 20;
/// Any one batch.
const PROXY_BATCH_DEADLINE: Duration = Duration::from_secs(30);

pub fn run() -> ExitCode {
    let started = Instant::now();
    let rows = match measure() {
        Ok(rows) => rows,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    println!("\n==> results (bench took {})", secs(started.elapsed()));
    print_table(&rows);
    let failed = rows
        .iter()
        .filter(|row| row.gate.as_ref().is_some_and(|gate| !gate.passed))
        .count();
    let gated = rows.iter().filter(|row| row.gate.is_some()).count();
    println!("bench: {} gates passed, {failed} failed", gated - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Builds what is measured, then runs the three measurements. A measurement that cannot run
/// fails its own gate; a build that cannot run stops the command.
fn measure() -> Result<Vec<Row>> {
    let tools = tools::bootstrap(Needs::BuildAndTest)?;
    println!("\n==> size: the release build (dist/)");
    dist::build(&tools)?;
    let mut rows = size_rows()?;

    println!("\n==> the servers, release build");
    tools.run(
        "cargo",
        &[
            "build",
            "--release",
            "--quiet",
            "-p",
            "checkout-proxy",
            "-p",
            "closient-mock",
        ],
    )?;
    let binaries = Binaries::release()?;

    println!(
        "\n==> time to an interactive form: headless Chromium, {BROWSER_RUNS} cold loads each"
    );
    println!(
        "reference (toolchain notes, a comparable page): about 70 ms unthrottled, \
         650-690 ms throttled"
    );
    e2e::npm_ci(&repo_root().join("e2e"))?;
    let chromium = e2e::chromium(&tools)?;
    match browser::measure(&binaries, &chromium) {
        Ok(loads) => rows.extend(loads.rows()),
        Err(message) => {
            eprintln!("error: time to form: {message}");
            rows.push(Row::not_measured(
                "time to form, throttled median",
                gate_text_ms(THROTTLED_MEDIAN_BUDGET_MS),
            ));
        }
    }

    println!(
        "\n==> proxy overhead: POST /api/billing/checkout through the proxy vs straight to the mock"
    );
    match proxy::measure(&binaries) {
        Ok(batches) => rows.extend(batches.rows()),
        Err(message) => {
            eprintln!("error: proxy overhead: {message}");
            rows.push(Row::not_measured(
                "proxy p50, sequential",
                format!("overhead <= {PROXY_P50_OVERHEAD_BUDGET_MS} ms"),
            ));
        }
    }
    Ok(rows)
}

/// The release server binaries.
#[derive(Debug)]
struct Binaries {
    proxy: PathBuf,
    mock: PathBuf,
}

impl Binaries {
    fn release() -> Result<Self> {
        let dir = repo_root().join("target").join("release");
        let found = |name: &str| {
            let path = dir.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(format!("{} is missing after the build", path.display()))
            }
        };
        Ok(Self {
            proxy: found("checkout-proxy")?,
            mock: found("closient-mock")?,
        })
    }
}

// Size.

/// The sizes of the wasm and its loader as `dist/` serves them, against the gate of
/// `cargo xtask test` and the reference page.
fn size_rows() -> Result<Vec<Row>> {
    let code = dist::Bundle::read(&repo_root().join("dist"))?.served_code()?;
    let reference = |measured: u64, reference: u64| {
        format!(
            "{} minimal Leptos ({})",
            bytes(reference),
            signed_bytes(measured, reference)
        )
    };
    let gate = dist::SERVED_WASM_JS_BROTLI_GATE;
    Ok(vec![
        Row::figure(
            "wasm raw",
            bytes(code.wasm.raw),
            reference(code.wasm.raw, MINIMAL_LEPTOS_WASM_RAW),
        ),
        Row::figure(
            "wasm gzip",
            bytes(code.wasm.gzip),
            reference(code.wasm.gzip, MINIMAL_LEPTOS_WASM_GZIP),
        ),
        Row::figure(
            "wasm brotli",
            bytes(code.wasm.brotli),
            reference(code.wasm.brotli, MINIMAL_LEPTOS_WASM_BROTLI),
        ),
        Row::figure("JS raw", bytes(code.js.raw), "-".to_owned()),
        Row::figure(
            "JS gzip",
            bytes(code.js.gzip),
            reference(code.js.gzip, MINIMAL_LEPTOS_JS_GZIP),
        ),
        Row::figure("JS brotli", bytes(code.js.brotli), "-".to_owned()),
        Row::figure(
            "wasm + JS gzip",
            bytes(code.sizes.gzip),
            reference(
                code.sizes.gzip,
                MINIMAL_LEPTOS_WASM_GZIP + MINIMAL_LEPTOS_JS_GZIP,
            ),
        ),
        Row::gated(
            "wasm + JS brotli (served)",
            bytes(code.sizes.brotli),
            "-".to_owned(),
            format!("<= {}", bytes(gate)),
            code.within_gate(),
        ),
    ])
}

// The table.

/// One figure of the final table; `gate` is set when a budget applies to it.
#[derive(Debug)]
struct Row {
    figure: String,
    value: String,
    baseline: String,
    gate: Option<Gate>,
}

#[derive(Debug)]
struct Gate {
    text: String,
    passed: bool,
}

impl Row {
    fn figure(figure: &str, value: String, baseline: String) -> Self {
        Self {
            figure: figure.to_owned(),
            value,
            baseline,
            gate: None,
        }
    }

    fn gated(figure: &str, value: String, baseline: String, gate: String, passed: bool) -> Self {
        Self {
            figure: figure.to_owned(),
            value,
            baseline,
            gate: Some(Gate { text: gate, passed }),
        }
    }

    /// A gated figure whose measurement failed: the gate fails with it.
    fn not_measured(figure: &str, gate: String) -> Self {
        Self::gated(
            figure,
            "not measured".to_owned(),
            "-".to_owned(),
            gate,
            false,
        )
    }
}

fn print_table(rows: &[Row]) {
    let header = Row::figure("figure", "value".to_owned(), "baseline".to_owned());
    let width =
        |column: fn(&Row) -> usize| rows.iter().chain([&header]).map(column).max().unwrap_or(0);
    let figure = width(|row| row.figure.len());
    let value = width(|row| row.value.len());
    let baseline = width(|row| row.baseline.chars().count());
    let line = |row: &Row, gate: &str| {
        // `chars` for the baseline: it may hold a minus sign.
        let pad = baseline - row.baseline.chars().count();
        println!(
            "{:<figure$}  {:>value$}  {}{}  {gate}",
            row.figure,
            row.value,
            row.baseline,
            " ".repeat(pad)
        );
    };
    line(&header, "gate");
    for row in rows {
        let gate = match &row.gate {
            Some(gate) => format!(
                "{} {}",
                gate.text,
                if gate.passed { "pass" } else { "FAIL" }
            ),
            None => "-".to_owned(),
        };
        line(row, &gate);
    }
}

fn bytes(count: u64) -> String {
    format!("{} B", thousands(count))
}

/// `+1,234 B` or `-1,234 B`: how far a measured size is from its reference.
fn signed_bytes(measured: u64, reference: u64) -> String {
    if measured >= reference {
        format!("+{}", bytes(measured - reference))
    } else {
        format!("-{}", bytes(reference - measured))
    }
}

/// Milliseconds: whole ones grouped by thousands, or with `decimals` below 100.
fn ms(value: f64, decimals: usize) -> String {
    if value >= 100.0 || decimals == 0 {
        format!("{} ms", thousands(value.round() as u64))
    } else {
        format!("{value:.decimals$} ms")
    }
}

/// A whole number with its sign, grouped by thousands: `+1,234`, `-56`.
fn signed(value: f64) -> String {
    let sign = if value < 0.0 { '-' } else { '+' };
    format!("{sign}{}", thousands(value.abs().round() as u64))
}

fn gate_text_ms(budget: f64) -> String {
    format!("<= {} ms", thousands(budget.round() as u64))
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

#[cfg(test)]
mod tests {
    use super::{ms, quantile, signed, signed_bytes};
    use crate::thousands;

    #[test]
    fn quantiles_interpolate_between_ranks() {
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((quantile(&ten, 0.5) - 5.5).abs() < 1e-9);
        assert!((quantile(&ten, 0.9) - 9.1).abs() < 1e-9);
        assert!((quantile(&[7.0], 0.99) - 7.0).abs() < 1e-9);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn sizes_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(70_000), "70,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(signed_bytes(47_100, 40_500), "+6,600 B");
        assert_eq!(signed_bytes(40_500, 47_100), "-6,600 B");
        assert_eq!(signed(-8_562.4), "-8,562");
        assert_eq!(signed(163.0), "+163");
        assert_eq!(ms(1_052.4, 0), "1,052 ms");
        assert_eq!(ms(0.224, 2), "0.22 ms");
    }
}
