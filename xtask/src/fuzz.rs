//! `cargo xtask fuzz [SECONDS]`: each libFuzzer target in `fuzz/` for a bounded time, then a
//! table of executions, corpus size and findings. Exits non-zero when any target crashed.
//!
//! A target starts from its committed seeds (`fuzz/seeds/<target>/`, only read) and a scratch
//! corpus in `target/fuzz/corpus/` that later runs reuse. Crash files go to
//! `target/fuzz/artifacts/<target>/` and libFuzzer's output to `target/fuzz/logs/`, so the run
//! never writes into the repository.

use crate::tools::{self, FUZZ_TOOLCHAIN, Needs, Tools, process::capture};
use crate::{Result, files, repo_root, thousands};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

/// An input that runs longer than this is a finding (a hang), reported within the budget.
const INPUT_TIMEOUT_SECS: u64 = 10;
/// How much of a failing target's log the report shows when it holds no panic.
const LOG_TAIL_LINES: usize = 30;

pub fn run(seconds: u64) -> Result<()> {
    let tools = tools::bootstrap(Needs::Fuzz)?;
    let out = repo_root().join("target").join("fuzz");
    let targets = list_targets(&tools)?;
    let binaries = build(&tools, &out)?;

    let mut reports = Vec::new();
    for target in &targets {
        println!("{target}: fuzzing for {seconds} s...");
        reports.push(fuzz_target(&binaries, &out, target, seconds)?);
    }
    print_report(&reports);

    let failed: Vec<&str> = reports
        .iter()
        .filter(|report| report.failed())
        .map(|report| report.target.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("findings in {}", failed.join(", ")))
    }
}

/// A cargo command on the fuzz toolchain, which the cargo that cargo-fuzz starts inherits.
fn nightly_cargo(tools: &Tools, args: &[&str]) -> Command {
    println!("$ cargo {}", args.join(" "));
    let mut command = tools.command("cargo");
    command.env("RUSTUP_TOOLCHAIN", FUZZ_TOOLCHAIN).args(args);
    command
}

fn list_targets(tools: &Tools) -> Result<Vec<String>> {
    let listed = capture(&mut nightly_cargo(
        tools,
        &["fuzz", "list", "--fuzz-dir", "fuzz"],
    ))?;
    let targets: Vec<String> = listed.lines().map(str::trim).map(str::to_owned).collect();
    for target in &targets {
        if !seeds_of(target).is_dir() {
            return Err(format!(
                "fuzz/seeds/{target}/ is missing: every target starts from committed seeds"
            ));
        }
    }
    Ok(targets)
}

fn seeds_of(target: &str) -> PathBuf {
    repo_root().join("fuzz").join("seeds").join(target)
}

/// Builds every target once, instrumented and with debug assertions, and returns the folder of
/// the binaries. They are then run directly, so that only our folders are handed to libFuzzer.
fn build(tools: &Tools, out: &Path) -> Result<PathBuf> {
    let host = capture(Command::new("rustc").current_dir(repo_root()).arg("-vV"))?
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or("`rustc -vV` names no host")?;
    let target_dir = out.join("build");
    let target_dir_arg = target_dir
        .to_str()
        .ok_or("the target folder is not UTF-8")?;
    let status = nightly_cargo(
        tools,
        &[
            "fuzz",
            "build",
            "--fuzz-dir",
            "fuzz",
            "--target-dir",
            target_dir_arg,
            "--target",
            &host,
        ],
    )
    .status()
    .map_err(|e| format!("cannot start cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the fuzz targets failed ({status})"));
    }
    Ok(target_dir.join(host).join("release"))
}

/// What one target's run found.
#[derive(Debug)]
struct Report {
    target: String,
    executions: Option<u64>,
    corpus: Option<u64>,
    /// The crash, leak, timeout or out-of-memory files this run wrote.
    findings: Vec<PathBuf>,
    /// libFuzzer's exit, when it was not a success.
    exit: Option<String>,
    log: PathBuf,
    binary: PathBuf,
}

impl Report {
    fn failed(&self) -> bool {
        !self.findings.is_empty() || self.exit.is_some()
    }
}

fn fuzz_target(binaries: &Path, out: &Path, target: &str, seconds: u64) -> Result<Report> {
    let io = |what: &str, path: &Path, e: std::io::Error| format!("{what} {}: {e}", path.display());
    let corpus = out.join("corpus").join(target);
    let artifacts = out.join("artifacts").join(target);
    let logs = out.join("logs");
    // Only this run's findings count; the corpus is kept, so later runs start further on.
    if artifacts.exists() {
        fs::remove_dir_all(&artifacts).map_err(|e| io("cannot remove", &artifacts, e))?;
    }
    for dir in [&corpus, &artifacts, &logs] {
        files::create_dir(dir)?;
    }
    let log = logs.join(format!("{target}.log"));
    let log_file = File::create(&log).map_err(|e| io("cannot create", &log, e))?;
    let log_err = log_file
        .try_clone()
        .map_err(|e| io("cannot write", &log, e))?;

    // libFuzzer joins the prefix and a file name as strings: the trailing slash is needed.
    let mut artifact_prefix = std::ffi::OsString::from("-artifact_prefix=");
    artifact_prefix.push(artifacts.join(""));
    let binary = binaries.join(target);
    // The first folder receives new inputs; the seeds after it are only read.
    let status = Command::new(&binary)
        .current_dir(repo_root())
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={INPUT_TIMEOUT_SECS}"))
        .arg("-print_final_stats=1")
        .arg(artifact_prefix)
        .arg(&corpus)
        .arg(seeds_of(target))
        .stdout(log_file)
        .stderr(log_err)
        .status()
        .map_err(|e| io("cannot start", &binary, e))?;

    let text = files::read(&log)?;
    let text = String::from_utf8_lossy(&text);
    let mut findings: Vec<PathBuf> = fs::read_dir(&artifacts)
        .map_err(|e| io("cannot read", &artifacts, e))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    findings.sort();
    Ok(Report {
        target: target.to_owned(),
        executions: final_stat(&text, "number_of_executed_units"),
        corpus: corpus_size(&text),
        findings,
        exit: (!status.success()).then(|| status.to_string()),
        log,
        binary,
    })
}

/// A `stat::<name>: <value>` line of `-print_final_stats`.
fn final_stat(log: &str, name: &str) -> Option<u64> {
    let prefix = format!("stat::{name}:");
    log.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.trim().parse().ok())
}

/// The corpus size on libFuzzer's last status line (`... corp: 276/6346b ...`).
fn corpus_size(log: &str) -> Option<u64> {
    log.lines()
        .rev()
        .find_map(|line| line.split_once(" corp: "))
        .and_then(|(_, rest)| rest.split('/').next())
        .and_then(|count| count.parse().ok())
}

/// What explains a failure: the panic and its message, libFuzzer's summary and the file it
/// wrote; without a panic (a sanitizer report, a timeout), the end of the log.
fn highlights(log: &str) -> Vec<&str> {
    let lines: Vec<&str> = log.lines().collect();
    let mut picked = Vec::new();
    let mut message_lines = 0u8;
    for line in &lines {
        if line.contains("panicked at ") {
            // The panic's line, then an assertion's message and its `left` and `right`.
            message_lines = 4;
        } else if line.starts_with("stack backtrace:") {
            message_lines = 0;
            continue;
        } else if message_lines == 0
            && !line.starts_with("SUMMARY:")
            && !line.contains("Test unit written to")
        {
            continue;
        }
        message_lines = message_lines.saturating_sub(1);
        picked.push(*line);
    }
    if picked.iter().any(|line| line.contains("panicked at ")) {
        picked
    } else {
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].to_vec()
    }
}

fn print_report(reports: &[Report]) {
    let count = |value: Option<u64>| value.map_or_else(|| "-".to_owned(), thousands);
    let width = reports
        .iter()
        .map(|report| report.target.len())
        .max()
        .unwrap_or(0)
        .max("target".len());
    println!(
        "\n{:<width$}  {:>13}  {:>7}  findings",
        "target", "executions", "corpus"
    );
    for report in reports {
        let findings = match (&report.exit, report.findings.len()) {
            (None, 0) => "none".to_owned(),
            (Some(exit), 0) => format!("none written, but libFuzzer {exit}"),
            (_, found) => found.to_string(),
        };
        println!(
            "{:<width$}  {:>13}  {:>7}  {findings}",
            report.target,
            count(report.executions),
            count(report.corpus),
        );
    }

    for report in reports.iter().filter(|report| report.failed()) {
        println!("\n{}: see {}", report.target, report.log.display());
        let log = fs::read(&report.log).unwrap_or_default();
        let log = String::from_utf8_lossy(&log);
        for line in highlights(&log) {
            println!("  {line}");
        }
        for finding in &report.findings {
            println!(
                "  reproduce: {} {}",
                report.binary.display(),
                finding.display()
            );
        }
    }
    let failed = reports.iter().filter(|report| report.failed()).count();
    println!("\nfuzz: {} targets, {failed} with findings", reports.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
INFO: Seed: 1234
#2\tINITED cov: 120 ft: 130 corp: 9/212b exec/s: 0 rss: 40Mb
#65536\tpulse  cov: 301 ft: 900 corp: 140/4096b lim: 4096 exec/s: 21845 rss: 52Mb
#1200345\tDONE   cov: 310 ft: 950 corp: 152/4500b lim: 4096 exec/s: 40011 rss: 60Mb
Done 1200345 runs in 31 second(s)
stat::number_of_executed_units: 1200345
stat::average_exec_per_sec:     40011
";

    #[test]
    fn reads_executions_and_the_last_corpus_size() {
        assert_eq!(final_stat(LOG, "number_of_executed_units"), Some(1_200_345));
        assert_eq!(final_stat(LOG, "peak_rss_mb"), None);
        assert_eq!(corpus_size(LOG), Some(152));
        assert_eq!(corpus_size("no status line"), None);
    }

    #[test]
    fn a_failure_is_shown_by_its_panic_or_else_the_end_of_the_log() {
        let crash = "\
INFO: Seed: 1
thread '<unnamed>' panicked at fuzz_targets/url_allowlist.rs:40:9:
assertion `left == right` failed: \"https://a@b/\" read as \"https://a@b\"
  left: None
 right: Some(\"https://b\")
stack backtrace:
   0: __rustc::rust_begin_unwind
SUMMARY: libFuzzer: deadly signal
artifact_prefix='a/'; Test unit written to a/crash-1
stat::number_of_executed_units: 13
";
        assert_eq!(
            highlights(crash),
            [
                "thread '<unnamed>' panicked at fuzz_targets/url_allowlist.rs:40:9:",
                "assertion `left == right` failed: \"https://a@b/\" read as \"https://a@b\"",
                "  left: None",
                " right: Some(\"https://b\")",
                "SUMMARY: libFuzzer: deadly signal",
                "artifact_prefix='a/'; Test unit written to a/crash-1",
            ]
        );
        let leak = (0..40).map(|i| format!("line {i}\n")).collect::<String>();
        let shown = highlights(&leak);
        assert_eq!(shown.len(), LOG_TAIL_LINES);
        assert_eq!(shown.last(), Some(&"line 39"));
    }
}
