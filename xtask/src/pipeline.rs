//! `cargo xtask test`: every check the project has, in one command.
//!
//! A failing step does not stop the ones after it, so one run shows every failure.

use crate::tools::{self, Needs, Tools};
use crate::{Result, audit, dist, docs_links, e2e, secs};
use std::process::ExitCode;
use std::time::Instant;

type Action<'a> = Box<dyn Fn() -> Result<()> + 'a>;

pub fn run() -> ExitCode {
    // Without the tools no step can mean anything, so a bootstrap failure stops the run.
    let tools = match tools::bootstrap(Needs::BuildAndTest) {
        Ok(tools) => tools,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };

    let results: Vec<(bool, String)> = steps(&tools)
        .into_iter()
        .map(|(name, action)| {
            println!("\n==> {name}");
            let started = Instant::now();
            let outcome = action();
            if let Err(message) = &outcome {
                eprintln!("error: {message}");
            }
            let line = format!(
                "{name}: {} in {}",
                if outcome.is_ok() { "ok" } else { "FAILED" },
                secs(started.elapsed())
            );
            println!("{line}");
            (outcome.is_ok(), line)
        })
        .collect();

    println!();
    for (_, line) in &results {
        println!("{line}");
    }
    let failed = results.iter().filter(|(ok, _)| !ok).count();
    println!("steps: {} passed, {failed} failed", results.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn steps(tools: &Tools) -> Vec<(&'static str, Action<'_>)> {
    let cargo = move |args: &'static [&'static str]| -> Action<'_> {
        Box::new(move || tools.run("cargo", args))
    };
    vec![
        ("fmt", cargo(&["fmt", "--all", "--check"])),
        ("docs links", Box::new(docs_links::check)),
        (
            "clippy",
            cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ),
        (
            "clippy wasm",
            cargo(&[
                "clippy",
                "-p",
                "closient-checkout",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ),
        // The proxy's replica tests start their own redis-server: installed first if missing.
        (
            "test",
            Box::new(|| {
                let redis = tools::redis::redis_server()?;
                let redis = redis.to_str().ok_or("the redis-server path is not UTF-8")?;
                tools.run_with_env(
                    "cargo",
                    &["test", "--workspace"],
                    &[("REDIS_SERVER", redis)],
                )
            }),
        ),
        // Browser tests through the wasm-bindgen-test-runner set in .cargo/config.toml.
        (
            "test wasm",
            cargo(&[
                "test",
                "-p",
                "closient-checkout",
                "--target",
                "wasm32-unknown-unknown",
            ]),
        ),
        ("wasm-pack test", Box::new(|| wasm_pack_test(tools))),
        ("dist", Box::new(|| dist::build(tools))),
        // Sizes are deterministic for the pinned toolchain and tools, so this gate cannot flake.
        ("size gate", Box::new(dist::check_size)),
        // `cargo xtask verify-build` compares two whole builds; this is its cheap half.
        ("no machine paths", Box::new(dist::check_machine_paths)),
        ("e2e", Box::new(|| e2e::run(tools))),
        // The license, ban and source rules of deny.toml; advisories are `cargo xtask audit`'s.
        (
            "deny",
            Box::new(|| audit::cargo_deny(tools, &["check", "licenses", "bans", "sources"])),
        ),
    ]
}

/// The widget's browser tests again, through wasm-pack as its npm package is built.
fn wasm_pack_test(tools: &Tools) -> Result<()> {
    let chromedriver = tools
        .chromedriver()
        .ok_or("the test bootstrap did not provide chromedriver")?
        .to_str()
        .ok_or("the chromedriver path is not UTF-8")?;
    // `--chromedriver` and `--mode no-install` keep wasm-pack from downloading chromedriver or
    // wasm-bindgen: it uses the bootstrapped ones (wasm-bindgen from PATH, version-checked) or
    // fails. `-p` after `--` goes to wasm-pack's cargo calls: in the workspace root they would
    // otherwise build every default member for wasm.
    tools.run(
        "wasm-pack",
        &[
            "test",
            "--headless",
            "--chrome",
            "--chromedriver",
            chromedriver,
            "--mode",
            "no-install",
            "--",
            "-p",
            "closient-checkout",
        ],
    )
}
