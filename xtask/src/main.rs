//! Project automation, run as `cargo xtask <command>` from anywhere in the repository.

// A command-line tool: reporting on stdout is its job.
#![allow(clippy::print_stdout)]

mod audit;
mod bench;
mod demo;
mod dist;
mod e2e;
mod files;
mod fuzz;
mod pipeline;
mod servers;
mod size;
mod soak;
mod tools;
mod verify_build;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Failures carry a message written for the person running the command.
type Result<T> = std::result::Result<T, String>;

/// The commands and their one-line descriptions, in usage order. A new command gets a row here
/// and an arm in `main`.
const COMMANDS: &[(&str, &str)] = &[
    (
        "demo",
        "run the product: the release widget, the proxy and a mock Closient API on loopback",
    ),
    (
        "test",
        "run every check: formatting, lints, host and browser tests, the release build",
    ),
    (
        "dist",
        "build the release bundle into dist/ and print its sizes",
    ),
    (
        "e2e",
        "build dist/ and run the full-flow browser tests in e2e/ (proxy, mock, nginx)",
    ),
    (
        "size",
        "the top contributors to the wasm by retained size, and the bytes of each crate",
    ),
    (
        "bench",
        "the proxy against nginx, the widget against a vanilla form, clicks, polling, sizes; exit 1 on a gate",
    ),
    (
        "fuzz",
        "run each fuzz target of fuzz/ (`fuzz [SECONDS]`, 60 s each); exit 1 if any crashed",
    ),
    (
        "audit",
        "check Cargo.lock against a local clone of the RustSec advisories (`audit --db <path>`)",
    ),
    (
        "verify-build",
        "build the release twice, here and in a fresh clone elsewhere; exit 1 unless every shipped file is identical",
    ),
    (
        "soak",
        "the release proxy under load, faults and slow clients (`soak [SECONDS] [--no-attack]`, 60 s, with a slow-body attack unless told not to); exit 1 on a failure",
    ),
];

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("demo") => exit_code(demo::run()),
        Some("test") => pipeline::run(),
        Some("dist") => exit_code(dist::run()),
        Some("e2e") => exit_code(e2e::run_alone()),
        Some("size") => exit_code(size::run()),
        Some("bench") => bench::run(),
        Some("fuzz") => exit_code(fuzz::run(&rest_of_args())),
        Some("audit") => exit_code(audit::run(&rest_of_args())),
        Some("soak") => exit_code(soak::run(&rest_of_args())),
        Some("verify-build") => exit_code(verify_build::run()),
        Some("help" | "--help" | "-h") => {
            print_usage();
            ExitCode::SUCCESS
        }
        unknown => {
            if let Some(command) = unknown {
                eprintln!("unknown command `{command}`\n");
            }
            print_usage();
            ExitCode::from(2)
        }
    }
}

/// The arguments after the command's name.
fn rest_of_args() -> Vec<String> {
    std::env::args().skip(2).collect()
}

fn print_usage() {
    eprintln!("usage: cargo xtask <command>\n\ncommands:");
    for (name, description) in COMMANDS {
        eprintln!("  {name:<12} {description}");
    }
}

fn exit_code(outcome: Result<()>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root, whatever directory the command was started from.
fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the xtask crate lives one level below the workspace root")
}

/// `70000` -> `70,000`.
fn thousands(count: u64) -> String {
    let digits = count.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn secs(elapsed: Duration) -> String {
    format!("{:.1}s", elapsed.as_secs_f64())
}
