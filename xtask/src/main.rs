//! Project automation, run as `cargo xtask <command>` from anywhere in the repository.

// A command-line tool: reporting on stdout is its job.
#![allow(clippy::print_stdout)]

mod audit;
mod bench;
mod demo;
mod dist;
mod docs_links;
mod e2e;
mod files;
mod fuzz;
mod nginx;
mod pipeline;
mod servers;
mod site;
mod size;
mod soak;
mod tools;
mod verify_build;

use clap::{Parser, value_parser};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Failures carry a message written for the person running the command.
type Result<T> = std::result::Result<T, String>;

/// Project automation, run as `cargo xtask <command>` from anywhere in the repository.
#[derive(Debug, Parser)]
#[command(bin_name = "cargo xtask", arg_required_else_help = true)]
enum Command {
    /// Run the product: the release widget, the proxy and a mock Closient API on loopback
    Demo,
    /// Run every check: formatting, lints, host and browser tests, the release build
    Test,
    /// Build the release bundle into dist/ and print its sizes
    Dist,
    /// Build dist/ and run the full-flow browser tests in e2e/ (proxy, mock, nginx)
    E2e,
    /// The top contributors to the wasm by retained size, and the bytes of each crate
    Size,
    /// The proxy against nginx, the widget against a vanilla form, clicks, polling, sizes; exit 1
    /// on a gate
    Bench {
        /// Only the proxy's instructions per checkout under callgrind, and their gate
        #[arg(long)]
        instructions: bool,
    },
    /// Run each fuzz target of fuzz/; exit 1 if any crashed
    Fuzz {
        /// Seconds per target
        #[arg(default_value_t = 60, value_parser = value_parser!(u64).range(1..))]
        seconds: u64,
    },
    /// Check Cargo.lock against a local clone of the RustSec advisories
    Audit {
        /// The clone of the RustSec advisory database, or the folder that holds it
        #[arg(long, value_name = "PATH")]
        db: PathBuf,
    },
    /// Build a site to serve: dist/ with a checkout origin allowed, and optionally the example
    /// dashboard and the e2e host pages (run `cargo xtask dist` first)
    Site {
        /// Added to the checkout allowlist of every widget of the site
        #[arg(long, value_name = "ORIGIN")]
        checkout_origin: String,
        /// Where to write the site; absent or empty
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also the example dashboard (www/embed.*) and the npm package under npm/
        #[arg(long)]
        dashboard: bool,
        /// Also the host pages of e2e/hosts/ under hosts/
        #[arg(long)]
        host_pages: bool,
        /// The release build to copy [default: dist/]
        #[arg(long, value_name = "DIR")]
        dist: Option<PathBuf>,
        /// The npm package to copy [default: target/npm/]
        #[arg(long, value_name = "DIR")]
        npm: Option<PathBuf>,
    },
    /// Write an nginx config that serves a site with the shipped deploy/nginx recipe, its
    /// pid, logs and temp files beside it (run nginx with -p on that folder)
    NginxConfig {
        /// The address nginx listens on
        #[arg(long, value_name = "IP:PORT")]
        listen: SocketAddr,
        /// The site served under /billing/topup/
        #[arg(long, value_name = "DIR")]
        site: PathBuf,
        /// checkout-proxy's origin, where /api/ goes; repeated for replicas, which nginx
        /// balances
        #[arg(long = "proxy", value_name = "ORIGIN", required = true)]
        proxies: Vec<String>,
        /// The Content-Security-Policy header (`checkout-proxy --print-csp`); none by default
        #[arg(long, default_value = "")]
        csp: String,
        /// The nginx whose brotli_static module is loaded [default: NGINX_BIN, PATH, /usr/sbin]
        #[arg(long, value_name = "BIN")]
        nginx: Option<PathBuf>,
        /// The config file to write
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Build the release twice, here and in a fresh clone elsewhere; exit 1 unless every
    /// shipped file is identical
    VerifyBuild,
    /// The release proxy under load, faults and slow clients; exit 1 on a failure
    Soak {
        /// Seconds of load
        #[arg(default_value_t = 60, value_parser = value_parser!(u64).range(1..=150))]
        seconds: u64,
        /// Leave out the slow-body attack of 512 connections from one client
        #[arg(long)]
        no_attack: bool,
        /// Two replicas sharing a Redis, which is stopped halfway and started again
        #[arg(long)]
        redis: bool,
    },
}

fn main() -> ExitCode {
    match Command::parse() {
        Command::Demo => exit_code(demo::run()),
        Command::Test => pipeline::run(),
        Command::Dist => exit_code(dist::run()),
        Command::E2e => exit_code(e2e::run_alone()),
        Command::Size => exit_code(size::run()),
        Command::Bench { instructions } => {
            if instructions {
                bench::run_instructions()
            } else {
                bench::run()
            }
        }
        Command::Fuzz { seconds } => exit_code(fuzz::run(seconds)),
        Command::Audit { db } => exit_code(audit::run(&db)),
        Command::Soak {
            seconds,
            no_attack,
            redis,
        } => exit_code(soak::run(seconds, !no_attack, redis)),
        Command::VerifyBuild => exit_code(verify_build::run()),
        Command::NginxConfig {
            listen,
            site,
            proxies,
            csp,
            nginx,
            out,
        } => exit_code(nginx_config(listen, site, proxies, csp, nginx, &out)),
        Command::Site {
            checkout_origin,
            out,
            dashboard,
            host_pages,
            dist,
            npm,
        } => {
            let mut site = site::Site::new(&checkout_origin);
            site.dashboard = dashboard;
            site.host_pages = host_pages;
            site.dist = dist.unwrap_or(site.dist);
            site.npm = npm.unwrap_or(site.npm);
            exit_code(site.build(&out))
        }
    }
}

fn nginx_config(
    listen: SocketAddr,
    site: PathBuf,
    proxies: Vec<String>,
    csp: String,
    bin: Option<PathBuf>,
    out: &Path,
) -> Result<()> {
    let bin = bin
        .or_else(e2e::find_nginx)
        .ok_or("nginx not found: pass --nginx or set NGINX_BIN")?;
    let brotli_module = e2e::brotli_static_module(&bin)
        .ok_or_else(|| format!("{} has no brotli_static module", bin.display()))?;
    let site = std::path::absolute(&site)
        .map_err(|e| format!("cannot resolve {}: {e}", site.display()))?;
    nginx::Config {
        listen,
        workers: 1,
        master: true,
        serve: nginx::Serve::Recipe {
            site,
            proxies,
            csp,
            brotli_module,
        },
    }
    .write(out)
    .map(drop)
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

#[cfg(test)]
mod tests {
    use super::Command;
    use clap::{CommandFactory as _, Parser as _};
    use std::path::PathBuf;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Command::try_parse_from(std::iter::once("xtask").chain(args.iter().copied()))
    }

    #[test]
    fn the_commands_are_well_formed() {
        Command::command().debug_assert();
    }

    #[test]
    fn seconds_have_defaults_and_bounds() {
        assert!(matches!(
            parse(&["fuzz"]),
            Ok(Command::Fuzz { seconds: 60 })
        ));
        assert!(matches!(
            parse(&["fuzz", "30"]),
            Ok(Command::Fuzz { seconds: 30 })
        ));
        assert!(matches!(
            parse(&["soak"]),
            Ok(Command::Soak {
                seconds: 60,
                no_attack: false,
                redis: false
            })
        ));
        assert!(matches!(
            parse(&["soak", "--no-attack", "--redis", "5"]),
            Ok(Command::Soak {
                seconds: 5,
                no_attack: true,
                redis: true
            })
        ));
        for bad in [
            &["fuzz", "0"][..],
            &["fuzz", "-5"],
            &["fuzz", "1.5"],
            &["fuzz", "30s"],
            &["fuzz", "30", "40"],
            &["soak", "0"],
            &["soak", "151"],
            &["soak", "soon"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_database_path_is_required_and_alone() {
        for good in [&["audit", "--db", "/x/db"][..], &["audit", "--db=/x/db"]] {
            let Ok(Command::Audit { db }) = parse(good) else {
                panic!("{good:?}");
            };
            assert_eq!(db, PathBuf::from("/x/db"));
        }
        for bad in [
            &["audit"][..],
            &["audit", "--db"],
            &["audit", "--db="],
            &["audit", "--db", "--offline"],
            &["audit", "/x/db"],
            &["audit", "--db", "/x/db", "extra"],
            &["audit", "--database", "/x/db"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
