//! Tool bootstrap: makes the pinned build and test tools available, installing what is missing.
//!
//! Installed tools live in a per-user cache outside the repository, one folder per tool and
//! version, so a fresh clone (as in CI) reuses them instead of rebuilding minutes of tools.

pub mod apt;
mod browser;
mod cargo_tools;
mod lock;
mod npm_tools;
pub mod process;
pub mod redis;

use crate::{Result, files, repo_root, secs};
use cargo_tools::CargoTool;
use npm_tools::{BINARYEN, PLAYWRIGHT, TERSER};
use process::capture;
use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// `cargo fuzz` needs nightly's sanitizer and coverage flags; only the fuzz command uses it.
/// Dated, as the stable toolchain is exact: later dates are not all served to these machines.
pub const FUZZ_TOOLCHAIN: &str = "nightly-2026-05-19";

/// Which tools a command needs: the release build needs fewer than the full test run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    Build,
    BuildAndTest,
    /// The build and twiggy, for `cargo xtask size` alone.
    Size,
    /// A nightly toolchain and cargo-fuzz, for `cargo xtask fuzz` alone.
    Fuzz,
    /// cargo-deny alone, for `cargo xtask audit`.
    Audit,
    /// The release build, the browser and wrk, for `cargo xtask bench`.
    Bench,
}

/// The bootstrapped tools: commands started through `run` find them first on PATH.
#[derive(Debug)]
pub struct Tools {
    path: OsString,
    chromedriver: Option<PathBuf>,
    /// Where Node finds the packages the build's own scripts require.
    node_path: OsString,
}

impl Tools {
    /// A command started in the repository root with the tools' environment.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        // Trunk would otherwise download any tool whose version it does not find on PATH.
        command
            .current_dir(repo_root())
            .env("PATH", &self.path)
            .env("TRUNK_OFFLINE", "true");
        if let Some(chromedriver) = &self.chromedriver {
            command.env("CHROMEDRIVER", chromedriver);
        }
        if !self.node_path.is_empty() {
            command.env("NODE_PATH", &self.node_path);
        }
        command
    }

    /// Runs a program with the terminal attached, echoing the command line first.
    pub fn run(&self, program: &str, args: &[&str]) -> Result<()> {
        self.run_with_env(program, args, &[])
    }

    /// Runs a program like `run`, with `vars` added to the tools' environment.
    pub fn run_with_env(&self, program: &str, args: &[&str], vars: &[(&str, &str)]) -> Result<()> {
        let line = std::iter::once(program)
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        println!("$ {line}");
        let status = self
            .command(program)
            .args(args)
            .envs(vars.iter().copied())
            .status()
            .map_err(|e| format!("cannot start `{program}`: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{line}` failed ({status})"))
        }
    }

    /// Runs a program like `run`, returning what it printed on stdout.
    pub fn output(&self, program: &str, args: &[&str]) -> Result<String> {
        println!("$ {program} {}", args.join(" "));
        capture(self.command(program).args(args))
    }

    pub fn chromedriver(&self) -> Option<&Path> {
        self.chromedriver.as_deref()
    }
}

/// Makes every tool in `needs` available, printing one line per tool and a closing tally.
pub fn bootstrap(needs: Needs) -> Result<Tools> {
    let started = Instant::now();
    let cache = cache_dir()?;
    let mut tally = Tally::default();

    // The browser goes first: when it cannot be installed the run stops before minutes of builds.
    // The release build needs it too: it renders the form's first paint (`dist::prerender`).
    let chromedriver = match needs {
        Needs::Build | Needs::BuildAndTest | Needs::Bench => Some(tally.browser()?),
        Needs::Size | Needs::Fuzz | Needs::Audit => None,
    };
    let mut dirs = match needs {
        Needs::Build | Needs::Bench => tally.web_tools(&cache, None)?,
        // The browser tests run a second time through wasm-pack.
        Needs::BuildAndTest => tally.web_tools(&cache, Some(&CargoTool::wasm_pack()))?,
        Needs::Size => tally.web_tools(&cache, Some(&CargoTool::twiggy()))?,
        Needs::Fuzz => {
            tally.toolchain(FUZZ_TOOLCHAIN)?;
            vec![tally.cargo_tool(&cache, &CargoTool::cargo_fuzz())?]
        }
        Needs::Audit => Vec::new(),
    };
    if needs == Needs::Bench {
        tally.wrk()?;
    }
    // A check of the test run, and all that the advisory audit needs.
    if matches!(needs, Needs::BuildAndTest | Needs::Audit) {
        dirs.push(tally.cargo_tool(&cache, &CargoTool::cargo_deny())?);
    }
    dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    // Appended, not prepended: chromedriver usually sits in /usr/bin, which must not shadow the
    // rustup `cargo` and `rustc` earlier on PATH. Every runner also gets its path explicitly.
    if let Some(dir) = chromedriver.as_deref().and_then(Path::parent) {
        dirs.push(dir.to_path_buf());
    }
    // Each npm tool's `node_modules` is the parent of its `.bin`.
    let node_path = env::join_paths(
        dirs.iter()
            .filter(|dir| dir.ends_with("node_modules/.bin"))
            .filter_map(|dir| dir.parent()),
    )
    .map_err(|e| format!("cannot build NODE_PATH: {e}"))?;
    let path = env::join_paths(dirs).map_err(|e| format!("cannot build PATH: {e}"))?;

    println!(
        "tools ready in {} ({} cached, {} installed)",
        secs(started.elapsed()),
        tally.cached,
        tally.installed
    );
    Ok(Tools {
        path,
        chromedriver,
        node_path,
    })
}

/// `$CLOSIENT_CHECKOUT_TOOLS`, else the XDG cache folder, else `~/.cache`.
fn cache_dir() -> Result<PathBuf> {
    let set = |name| env::var_os(name).filter(|value| !value.is_empty());
    let dir = match set("CLOSIENT_CHECKOUT_TOOLS") {
        Some(dir) => PathBuf::from(dir),
        None => set("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| set("HOME").map(|home| Path::new(&home).join(".cache")))
            .ok_or("cannot find a cache folder: set CLOSIENT_CHECKOUT_TOOLS or HOME")?
            .join("closient-checkout")
            .join("tools"),
    };
    // Children run in the repository root, so a relative folder must not change meaning.
    std::path::absolute(&dir).map_err(|e| format!("bad tools folder {}: {e}", dir.display()))
}

/// Counts what the bootstrap found and what it had to install.
#[derive(Debug, Default)]
struct Tally {
    cached: usize,
    installed: usize,
}

impl Tally {
    /// Reports one tool, running `install` only when `present` says it is missing.
    fn provide(
        &mut self,
        label: &str,
        estimate: &str,
        present: impl Fn() -> Result<bool>,
        install: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        if present()? {
            println!("{label}: cached");
            self.cached += 1;
            return Ok(());
        }
        println!("{label}: installing ({estimate})...");
        let started = Instant::now();
        install()?;
        if !present()? {
            return Err(format!("{label}: installed, but still not found"));
        }
        println!("{label}: installed in {}", secs(started.elapsed()));
        self.installed += 1;
        Ok(())
    }

    /// The wasm build's tools, with `extra` after the two every build needs.
    fn web_tools(&mut self, cache: &Path, extra: Option<&CargoTool>) -> Result<Vec<PathBuf>> {
        self.wasm_target()?;
        let mut dirs = vec![
            self.cargo_tool(cache, &CargoTool::trunk())?,
            self.cargo_tool(cache, &CargoTool::wasm_bindgen()?)?,
        ];
        if let Some(extra) = extra {
            dirs.push(self.cargo_tool(cache, extra)?);
        }
        dirs.push(self.npm_tool(cache, &BINARYEN)?);
        dirs.push(self.npm_tool(cache, &TERSER)?);
        dirs.push(self.npm_tool(cache, &PLAYWRIGHT)?);
        Ok(dirs)
    }

    /// A toolchain besides the pinned one, which only `cargo +<name>` selects.
    fn toolchain(&mut self, name: &str) -> Result<()> {
        let rustup = |args: &[&str]| {
            let mut command = Command::new("rustup");
            command.args(args);
            command
        };
        self.provide(
            &format!("rust toolchain {name}"),
            "about 1 min",
            || {
                let listed = capture(&mut rustup(&["toolchain", "list"]))?;
                let prefix = format!("{name}-");
                Ok(listed.lines().any(|line| {
                    line.split_whitespace().next().is_some_and(|toolchain| {
                        toolchain == name || toolchain.starts_with(&prefix)
                    })
                }))
            },
            || {
                capture(&mut rustup(&[
                    "toolchain",
                    "install",
                    name,
                    "--profile",
                    "minimal",
                ]))
                .map(drop)
            },
        )
    }

    /// The benchmark's load generator, from Debian's packages.
    fn wrk(&mut self) -> Result<()> {
        self.provide(
            "wrk",
            "seconds",
            || Ok(process::find_on_path("wrk").is_some()),
            || apt::install(&["wrk"], "wrk is the load generator of cargo xtask bench"),
        )
    }

    fn wasm_target(&mut self) -> Result<()> {
        // Run in the repository root so rustup answers for the toolchain rust-toolchain.toml picks.
        let rustup = |args: &[&str]| {
            let mut command = Command::new("rustup");
            command.current_dir(repo_root()).args(args);
            command
        };
        self.provide(
            &format!("rust target {WASM_TARGET}"),
            "under 1 min",
            || {
                let listed = capture(&mut rustup(&["target", "list", "--installed"]))?;
                Ok(listed.lines().any(|line| line.trim() == WASM_TARGET))
            },
            || capture(&mut rustup(&["target", "add", WASM_TARGET])).map(drop),
        )
    }
}

/// Installs into a temporary sibling of `dir` and renames it into place only on success, so an
/// interrupted install never looks cached.
fn install_into(dir: &Path, install: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let name = dir
        .file_name()
        .ok_or_else(|| format!("bad tool folder {}", dir.display()))?;
    let mut partial_name = name.to_owned();
    partial_name.push(".partial");
    let partial = dir.with_file_name(partial_name);
    let io = |what: &str, path: &Path, e: std::io::Error| format!("{what} {}: {e}", path.display());

    // Leftovers of an interrupted run: a partial folder, or a folder without the binary.
    for stale in [&partial, dir] {
        if stale.exists() {
            fs::remove_dir_all(stale).map_err(|e| io("cannot remove", stale, e))?;
        }
    }
    files::create_dir(&partial)?;
    install(&partial)?;
    fs::rename(&partial, dir).map_err(|e| io("cannot move into place", dir, e))
}
