//! Time to an interactive form: `e2e/bench/time-to-form.js` loads the release widget through the
//! real proxy and mock in headless Chromium, and a static page with the same form markup and no
//! wasm (the baseline), and reports each load's milliseconds from navigation start to the amount
//! field being present and enabled.

use super::{
    BROWSER_DEADLINE, BROWSER_RUNS, Binaries, Row, THROTTLED_MEDIAN_BUDGET_MS, gate_text_ms, ms,
    quantile, signed,
};
use crate::{Result, repo_root};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const SCRIPT: &str = "e2e/bench/time-to-form.js";
/// What the script's own deadline may overrun by (closing the browser and the servers).
const GRACE: Duration = Duration::from_secs(15);

/// Milliseconds of each load, per page, unthrottled and throttled.
#[derive(Debug, Default)]
pub(super) struct Loads {
    wasm_unthrottled: Vec<f64>,
    static_unthrottled: Vec<f64>,
    wasm_throttled: Vec<f64>,
    static_throttled: Vec<f64>,
}

pub(super) fn measure(binaries: &Binaries, chromium: &Path) -> Result<Loads> {
    let root = repo_root();
    println!("$ node {SCRIPT}");
    let mut child = Command::new("node")
        .current_dir(root)
        .arg(SCRIPT)
        .env("CHECKOUT_PROXY_BIN", &binaries.proxy)
        .env("CLOSIENT_MOCK_BIN", &binaries.mock)
        .env("CHECKOUT_DIST", root.join("dist"))
        .env("CHROMIUM", chromium)
        .env("BENCH_RUNS", BROWSER_RUNS.to_string())
        .env(
            "BENCH_DEADLINE_MS",
            BROWSER_DEADLINE.as_millis().to_string(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start `node`: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout from node")?;
    let reader = thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });

    let deadline = Instant::now() + BROWSER_DEADLINE + GRACE;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(100)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{SCRIPT} still running after {} s; stopped",
                    (BROWSER_DEADLINE + GRACE).as_secs()
                ));
            }
            Err(e) => return Err(format!("cannot wait for node: {e}")),
        }
    };
    let text = reader
        .join()
        .map_err(|_| "the output reader panicked".to_owned())?
        .map_err(|e| format!("cannot read node's output: {e}"))?;
    if !status.success() {
        return Err(format!("{SCRIPT} failed ({status})"));
    }
    Loads::parse(&text)
}

impl Loads {
    /// Lines `samples <page> <condition> <ms> ...`; every page and condition must be there,
    /// with `BROWSER_RUNS` values.
    fn parse(text: &str) -> Result<Self> {
        let mut loads = Self::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some("samples") {
                continue;
            }
            let (Some(page), Some(condition)) = (words.next(), words.next()) else {
                return Err(format!("unreadable line from {SCRIPT}: {line}"));
            };
            let values = words
                .map(|word| word.parse::<f64>())
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|_| format!("unreadable line from {SCRIPT}: {line}"))?;
            let slot = match (page, condition) {
                ("wasm", "unthrottled") => &mut loads.wasm_unthrottled,
                ("static", "unthrottled") => &mut loads.static_unthrottled,
                ("wasm", "throttled") => &mut loads.wasm_throttled,
                ("static", "throttled") => &mut loads.static_throttled,
                _ => return Err(format!("unexpected line from {SCRIPT}: {line}")),
            };
            *slot = values;
        }
        for (name, values) in [
            ("wasm unthrottled", &loads.wasm_unthrottled),
            ("static unthrottled", &loads.static_unthrottled),
            ("wasm throttled", &loads.wasm_throttled),
            ("static throttled", &loads.static_throttled),
        ] {
            if values.len() != BROWSER_RUNS {
                return Err(format!(
                    "{SCRIPT} gave {} {name} loads, not {BROWSER_RUNS}",
                    values.len()
                ));
            }
        }
        Ok(loads)
    }

    pub(super) fn rows(&self) -> Vec<Row> {
        let against_static = |wasm: &[f64], plain: &[f64], q: f64| {
            let (wasm, plain) = (quantile(wasm, q), quantile(plain, q));
            (
                ms(wasm, 0),
                format!("static page {} ({})", ms(plain, 0), signed(wasm - plain)),
                wasm,
            )
        };
        let figure = |name: &str, wasm: &[f64], plain: &[f64], q: f64| {
            let (value, baseline, _) = against_static(wasm, plain, q);
            Row::figure(name, value, baseline)
        };
        let (value, baseline, throttled_median) =
            against_static(&self.wasm_throttled, &self.static_throttled, 0.5);
        vec![
            figure(
                "time to form, unthrottled median",
                &self.wasm_unthrottled,
                &self.static_unthrottled,
                0.5,
            ),
            figure(
                "time to form, unthrottled p90",
                &self.wasm_unthrottled,
                &self.static_unthrottled,
                0.9,
            ),
            Row::gated(
                "time to form, throttled median",
                value,
                baseline,
                gate_text_ms(THROTTLED_MEDIAN_BUDGET_MS),
                throttled_median <= THROTTLED_MEDIAN_BUDGET_MS,
            ),
            figure(
                "time to form, throttled p90",
                &self.wasm_throttled,
                &self.static_throttled,
                0.9,
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::{BROWSER_RUNS, Loads};

    fn line(page: &str, condition: &str, value: f64) -> String {
        let values = vec![format!("{value:.1}"); BROWSER_RUNS].join(" ");
        format!("samples {page} {condition} {values}\n")
    }

    #[test]
    fn reads_every_page_and_condition() {
        let text = [
            line("static", "unthrottled", 20.0),
            "some other line\n".to_owned(),
            line("wasm", "unthrottled", 70.0),
            line("static", "throttled", 300.0),
            line("wasm", "throttled", 700.0),
        ]
        .concat();
        let loads = Loads::parse(&text).expect("complete output is read");
        assert_eq!(loads.wasm_throttled, vec![700.0; BROWSER_RUNS]);
        assert_eq!(loads.static_unthrottled, vec![20.0; BROWSER_RUNS]);
    }

    #[test]
    fn rejects_missing_or_short_output() {
        assert!(Loads::parse(&line("wasm", "throttled", 700.0)).is_err());
        let short = "samples wasm throttled 1 2 3\n";
        assert!(Loads::parse(short).is_err());
        assert!(Loads::parse("samples wasm slow 1\n").is_err());
    }
}
