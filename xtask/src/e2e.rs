//! The `e2e` step: full-flow tests in headless Chromium (`e2e/`, Node's built-in test runner with
//! Playwright) against the release build in `dist/`, the real proxy and the mock on loopback,
//! and nginx serving `dist/` under a path prefix with the committed `deploy/nginx` recipe; and
//! the npm package of `target/npm/`: in the example dashboard, on strict host pages, and packed
//! into a scratch project that type-checks it and builds it with Vite (`e2e/consumer/`).

use crate::tools::{self, Needs, Tools};
use crate::{Result, dist, repo_root, secs};
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime};

/// `cargo xtask e2e`: the release build, then the suite.
pub fn run_alone() -> Result<()> {
    let tools = tools::bootstrap(Needs::BuildAndTest)?;
    dist::build(&tools)?;
    run(&tools)
}

/// Installs the npm packages, makes sure nginx and Redis are there, builds the servers, runs
/// the suite.
pub fn run(tools: &Tools) -> Result<()> {
    let root = repo_root();
    let e2e = root.join("e2e");
    npm_ci(&e2e)?;
    let nginx = nginx()?;
    let redis = crate::tools::redis::redis_server()?;
    let chromium = chromium(tools)?;
    tools.run(
        "cargo",
        &["build", "-p", "checkout-proxy", "-p", "closient-mock"],
    )?;

    let binaries = root.join("target").join("debug");
    let dist = root.join("dist");
    let npm = dist::npm::dir();
    for built in [dist.join("index.html"), npm.join("package.json")] {
        if !built.is_file() {
            return Err(format!(
                "{} is missing: the dist step builds it (cargo xtask dist)",
                built.display()
            ));
        }
    }
    // The harness builds its sites and nginx configs with this binary's `site` and
    // `nginx-config`, not through cargo again.
    let xtask = env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    println!("$ node --test --test-concurrency=1 e2e/");
    let started = Instant::now();
    let status = Command::new("node")
        .current_dir(root)
        .args(["--test", "--test-concurrency=1", "e2e/"])
        .env("CHECKOUT_PROXY_BIN", binaries.join("checkout-proxy"))
        .env("CLOSIENT_MOCK_BIN", binaries.join("closient-mock"))
        .env("CHECKOUT_DIST", &dist)
        .env("CHECKOUT_NPM", &npm)
        .env("NGINX_BIN", &nginx)
        .env("REDIS_SERVER", &redis)
        .env("XTASK_BIN", &xtask)
        .env("CHROMIUM", &chromium)
        .env("E2E_ARTIFACTS", root.join("target").join("e2e"))
        .status()
        .map_err(|e| format!("cannot start `node`: {e}"))?;
    println!("e2e suite: {}", secs(started.elapsed()));
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "the e2e suite failed ({status}); screenshots and console logs of failing tests are in {}",
            root.join("target").join("e2e").display()
        ))
    }
}

/// `npm ci`, unless npm's own record of the installed tree is newer than the lock file.
pub(crate) fn npm_ci(e2e: &Path) -> Result<()> {
    let installed = e2e.join("node_modules").join(".package-lock.json");
    let newest_input = [e2e.join("package.json"), e2e.join("package-lock.json")]
        .iter()
        .map(|file| modified(file))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .max();
    let up_to_date = installed.is_file()
        && modified(&installed).ok() >= newest_input
        && e2e
            .join("node_modules")
            .join("playwright-core")
            .join("package.json")
            .is_file();
    if up_to_date {
        println!("e2e npm packages: up to date (npm ci skipped)");
        return Ok(());
    }
    println!("e2e npm packages: installing with npm ci");
    let status = Command::new("npm")
        .current_dir(e2e)
        .args(["ci", "--no-audit", "--no-fund"])
        .status()
        .map_err(|e| format!("cannot start `npm`: {e}"))?;
    if !status.success() {
        return Err(format!("`npm ci` in {} failed ({status})", e2e.display()));
    }
    println!("e2e npm packages: installed");
    Ok(())
}

fn modified(file: &Path) -> Result<SystemTime> {
    file.metadata()
        .and_then(|meta| meta.modified())
        .map_err(|e| format!("cannot read {}: {e}", file.display()))
}

/// The Debian packages of nginx and of its brotli_static module, installed in one apt call.
const NGINX_PACKAGES: [&str; 2] = ["nginx-light", "libnginx-mod-http-brotli-static"];

/// nginx with its brotli_static module, for the static-hosting test and the benchmark's
/// baseline proxy: found on PATH or in /usr/sbin (Debian puts it there, off a normal user's
/// PATH); installed with apt as root on Debian; otherwise the command to run.
pub(crate) fn nginx() -> Result<PathBuf> {
    if let Some(found) = find_nginx().filter(|nginx| brotli_static_module(nginx).is_some()) {
        println!("nginx: {} (with brotli_static)", found.display());
        return Ok(found);
    }
    println!("nginx: installing from Debian packages...");
    let started = Instant::now();
    tools::apt::install(
        &NGINX_PACKAGES,
        "nginx with its brotli_static module is needed for the e2e static-hosting test and \
         the benchmark (or set NGINX_BIN to an nginx that has it)",
    )?;
    let found = find_nginx().ok_or("nginx-light installed, but nginx still not found")?;
    let module = brotli_static_module(&found).ok_or_else(|| {
        format!(
            "{} installed, but {} has no brotli_static module",
            NGINX_PACKAGES[1],
            found.display()
        )
    })?;
    println!(
        "nginx: installed in {} ({}, {})",
        secs(started.elapsed()),
        found.display(),
        module.display()
    );
    Ok(found)
}

/// The brotli_static module in the modules folder `nginx` was built with (`nginx -V` prints it;
/// without `--modules-path` it is `<prefix>/modules`), where the e2e harness loads it from.
pub(crate) fn brotli_static_module(nginx: &Path) -> Option<PathBuf> {
    let built = Command::new(nginx).arg("-V").output().ok()?;
    let built = String::from_utf8_lossy(&built.stderr);
    let option = |name: &str| {
        built
            .split_whitespace()
            .find_map(|word| word.strip_prefix(name).map(PathBuf::from))
    };
    let modules = option("--modules-path=").unwrap_or_else(|| {
        option("--prefix=")
            .unwrap_or_else(|| PathBuf::from("/usr/local/nginx"))
            .join("modules")
    });
    Some(modules.join("ngx_http_brotli_static_module.so")).filter(|module| module.is_file())
}

pub(crate) fn find_nginx() -> Option<PathBuf> {
    if let Some(set) = env::var_os("NGINX_BIN").filter(|value| !value.is_empty()) {
        return Some(PathBuf::from(set));
    }
    env::split_paths(&env::var_os("PATH").unwrap_or_default())
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file())
}

/// The Chromium next to the ChromeDriver the tool bootstrap found (it checks for both).
pub(crate) fn chromium(tools: &Tools) -> Result<PathBuf> {
    if let Some(set) = env::var_os("CHROMIUM").filter(|value| !value.is_empty()) {
        return Ok(PathBuf::from(set));
    }
    let beside_driver = tools
        .chromedriver()
        .and_then(Path::parent)
        .map(|dir| dir.join("chromium"));
    beside_driver
        .into_iter()
        .chain(
            env::split_paths(&env::var_os("PATH").unwrap_or_default())
                .map(|dir| dir.join("chromium")),
        )
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            "Chromium not found for the e2e tests: set CHROMIUM to its path, or install it \
             (on Debian: sudo apt-get install -y chromium chromium-driver)"
                .to_owned()
        })
}
