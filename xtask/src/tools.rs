//! Tool bootstrap: makes the pinned build and test tools available, installing what is missing.
//!
//! Installed tools live in a per-user cache outside the repository, one folder per tool and
//! version, so a fresh clone (as in CI) reuses them instead of rebuilding minutes of tools.

use crate::{Result, repo_root, secs};
use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
// 0.22 needs a newer rustc than the stable toolchain this project builds with.
const TRUNK_VERSION: &str = "0.21.14";
const WASM_PACK_VERSION: &str = "0.15.1";
const TWIGGY_VERSION: &str = "0.8.0";
// Debian's binaryen 108 produces wasm that fails at runtime (`WebAssembly.Table.set`); npm's
// binaryen ships a current wasm-opt.
const BINARYEN: NpmTool = NpmTool {
    package: "binaryen",
    version: "132",
    binary: "wasm-opt",
};
// wasm-bindgen writes a readable JS loader; the release build minifies it.
const TERSER: NpmTool = NpmTool {
    package: "terser",
    version: "5.37.0",
    binary: "terser",
};

/// Which tools a command needs: the release build needs fewer than the full test run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    Build,
    BuildAndTest,
    /// The build and twiggy, for `cargo xtask size` alone.
    Size,
}

/// The bootstrapped tools: commands started through `run` find them first on PATH.
#[derive(Debug)]
pub struct Tools {
    path: OsString,
    chromedriver: Option<PathBuf>,
}

impl Tools {
    /// A command started in the repository root with the tools' environment.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        // Trunk would otherwise download any tool whose version it does not find on PATH.
        command
            .current_dir(repo_root())
            .env("PATH", &self.path)
            .env("TRUNK_OFFLINE", "true");
        if let Some(chromedriver) = &self.chromedriver {
            command.env("CHROMEDRIVER", chromedriver);
        }
        command
    }

    /// Runs a program with the terminal attached, echoing the command line first.
    pub fn run(&self, program: &str, args: &[&str]) -> Result<()> {
        let line = std::iter::once(program)
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        println!("$ {line}");
        let status = self
            .command(program)
            .args(args)
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
    let chromedriver = match needs {
        Needs::BuildAndTest => Some(tally.browser()?),
        Needs::Build | Needs::Size => None,
    };
    tally.wasm_target()?;

    let mut dirs = vec![
        tally.cargo_tool(&cache, &CargoTool::trunk())?,
        tally.cargo_tool(&cache, &CargoTool::wasm_bindgen()?)?,
    ];
    match needs {
        Needs::BuildAndTest => dirs.push(tally.cargo_tool(&cache, &CargoTool::wasm_pack())?),
        Needs::Size => dirs.push(tally.cargo_tool(&cache, &CargoTool::twiggy())?),
        Needs::Build => {}
    }
    dirs.push(tally.npm_tool(&cache, &BINARYEN)?);
    dirs.push(tally.npm_tool(&cache, &TERSER)?);
    dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    // Appended, not prepended: chromedriver usually sits in /usr/bin, which must not shadow the
    // rustup `cargo` and `rustc` earlier on PATH. Every runner also gets its path explicitly.
    if let Some(dir) = chromedriver.as_deref().and_then(Path::parent) {
        dirs.push(dir.to_path_buf());
    }
    let path = env::join_paths(dirs).map_err(|e| format!("cannot build PATH: {e}"))?;

    println!(
        "tools ready in {} ({} cached, {} installed)",
        secs(started.elapsed()),
        tally.cached,
        tally.installed
    );
    Ok(Tools { path, chromedriver })
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

/// A tool installed with `cargo install` into its own folder of the cache.
#[derive(Debug)]
struct CargoTool {
    krate: &'static str,
    version: String,
    binary: &'static str,
    locked: bool,
    estimate: &'static str,
}

impl CargoTool {
    fn trunk() -> Self {
        Self {
            krate: "trunk",
            version: TRUNK_VERSION.to_owned(),
            binary: "trunk",
            locked: true,
            estimate: "about 7 min",
        }
    }

    /// The CLI must match the `wasm-bindgen` library in Cargo.lock exactly, so the lock file is
    /// the only place its version is written.
    fn wasm_bindgen() -> Result<Self> {
        let lock_path = repo_root().join("Cargo.lock");
        let lock = fs::read_to_string(&lock_path)
            .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
        Ok(Self {
            krate: "wasm-bindgen-cli",
            version: locked_version(&lock, "wasm-bindgen")?,
            binary: "wasm-bindgen",
            // `--locked` fails: its published lock file names a dependency version the registry
            // cannot supply.
            locked: false,
            estimate: "about 3 min",
        })
    }

    fn twiggy() -> Self {
        Self {
            krate: "twiggy",
            version: TWIGGY_VERSION.to_owned(),
            binary: "twiggy",
            locked: true,
            estimate: "about 2 min",
        }
    }

    fn wasm_pack() -> Self {
        Self {
            krate: "wasm-pack",
            version: WASM_PACK_VERSION.to_owned(),
            binary: "wasm-pack",
            locked: true,
            estimate: "about 2 min",
        }
    }
}

/// A tool installed with npm into its own folder of the cache.
#[derive(Debug)]
struct NpmTool {
    package: &'static str,
    version: &'static str,
    binary: &'static str,
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

    /// Returns the folder holding the tool's binary.
    fn cargo_tool(&mut self, cache: &Path, tool: &CargoTool) -> Result<PathBuf> {
        let dir = cache.join(format!("{}-{}", tool.krate, tool.version));
        let bin_dir = dir.join("bin");
        let binary = bin_dir.join(tool.binary);
        self.provide(
            &format!("{} {}", tool.krate, tool.version),
            tool.estimate,
            || Ok(binary.is_file()),
            || {
                install_into(&dir, |root| {
                    let mut command = Command::new("cargo");
                    command
                        .current_dir(repo_root())
                        .args(["install", tool.krate, "--version", &tool.version])
                        .arg("--root")
                        .arg(root);
                    if tool.locked {
                        command.arg("--locked");
                    }
                    // The tools ship fat-LTO, one-codegen-unit release profiles: minutes of
                    // build on 2 cores for a few percent of speed in tools that mostly wait on
                    // cargo and rustc.
                    command
                        .env("CARGO_PROFILE_RELEASE_LTO", "false")
                        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16");
                    capture(&mut command).map(drop)
                })
            },
        )?;
        Ok(bin_dir)
    }

    /// Returns the folder holding the tool's binary.
    fn npm_tool(&mut self, cache: &Path, tool: &NpmTool) -> Result<PathBuf> {
        let dir = cache.join(format!("{}-{}", tool.package, tool.version));
        let bin_dir = dir.join("node_modules").join(".bin");
        let binary = bin_dir.join(tool.binary);
        self.provide(
            &format!("{} {}", tool.binary, tool.version),
            "under 1 min",
            || Ok(binary.is_file()),
            || {
                install_into(&dir, |root| {
                    // `--prefix` keeps npm from climbing to a package.json in a parent folder.
                    let mut command = Command::new("npm");
                    command
                        .current_dir(root)
                        .args([
                            "install",
                            "--no-save",
                            "--no-audit",
                            "--no-fund",
                            "--prefix",
                        ])
                        .arg(root)
                        .arg(format!("{}@{}", tool.package, tool.version));
                    capture(&mut command).map(drop)
                })
            },
        )?;
        Ok(bin_dir)
    }

    /// Finds Chromium and a matching ChromeDriver, installing both on Debian when running as
    /// root, and returns the ChromeDriver path.
    fn browser(&mut self) -> Result<PathBuf> {
        if let Some(chromedriver) = find_browser() {
            println!("chromium {}: cached", browser_version(&chromedriver));
            self.cached += 1;
            return Ok(chromedriver);
        }
        if !(is_root() && Path::new("/etc/debian_version").exists()) {
            return Err(
                "Chromium and ChromeDriver are needed for the browser tests. \
                 On Debian or Ubuntu: sudo apt-get install -y chromium chromium-driver \
                 (elsewhere, put `chromium` and a matching `chromedriver` on PATH)"
                    .to_owned(),
            );
        }
        println!("chromium: installing from Debian packages (about 2 min)...");
        let started = Instant::now();
        let apt = |args: &[&str]| {
            let mut command = Command::new("apt-get");
            command.env("DEBIAN_FRONTEND", "noninteractive").args(args);
            capture(&mut command)
        };
        apt(&["update"])?;
        apt(&["install", "-y", "chromium", "chromium-driver"])?;
        let chromedriver = find_browser().ok_or("chromium and chromedriver still not found")?;
        println!(
            "chromium {}: installed in {}",
            browser_version(&chromedriver),
            secs(started.elapsed())
        );
        self.installed += 1;
        Ok(chromedriver)
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
    fs::create_dir_all(&partial).map_err(|e| io("cannot create", &partial, e))?;
    install(&partial)?;
    fs::rename(&partial, dir).map_err(|e| io("cannot move into place", dir, e))
}

/// Runs a command with its output captured, returning stdout; on failure the output is shown.
fn capture(command: &mut Command) -> Result<String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command
        .output()
        .map_err(|e| format!("cannot start `{program}`: {e}"))?;
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stdout));
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        return Err(format!("`{program}` failed ({})", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The ChromeDriver path when both Chromium and ChromeDriver are installed.
fn find_browser() -> Option<PathBuf> {
    let chromium = Path::new("/usr/bin/chromium");
    let chromedriver = Path::new("/usr/bin/chromedriver");
    if chromium.is_file() && chromedriver.is_file() {
        return Some(chromedriver.to_path_buf());
    }
    find_on_path("chromium")?;
    find_on_path("chromedriver")
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// ChromeDriver's version, which matches Chromium's when both come from one distribution.
fn browser_version(chromedriver: &Path) -> String {
    // `ChromeDriver 156.0.8078.108 (...)`
    capture(Command::new(chromedriver).arg("--version"))
        .ok()
        .and_then(|out| out.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "(unknown version)".to_owned())
}

fn is_root() -> bool {
    capture(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0")
}

/// The version of `package` in a Cargo.lock; an error unless exactly one version is locked.
fn locked_version(lock: &str, package: &str) -> Result<String> {
    let name_line = format!("name = \"{package}\"");
    let versions: Vec<&str> = lock
        .split("[[package]]")
        .filter(|entry| entry.lines().any(|line| line.trim() == name_line))
        .filter_map(|entry| {
            entry
                .lines()
                .find_map(|line| line.trim().strip_prefix("version = \"")?.strip_suffix('"'))
        })
        .collect();
    match versions.as_slice() {
        [version] => Ok((*version).to_owned()),
        [] => Err(format!("Cargo.lock has no `{package}` package")),
        many => Err(format!(
            "Cargo.lock has several `{package}` versions ({}); the CLI must match exactly one",
            many.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    const LOCK: &str = r#"
[[package]]
name = "wasm-bindgen-backend"
version = "0.2.99"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn reads_the_exact_package_version() {
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen"),
            Ok("0.2.130".to_owned())
        );
    }

    #[test]
    fn rejects_a_missing_or_ambiguous_package() {
        assert!(locked_version(LOCK, "trunk").is_err());
        let twice =
            format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.131\"\n");
        assert!(locked_version(&twice, "wasm-bindgen").is_err());
    }
}
