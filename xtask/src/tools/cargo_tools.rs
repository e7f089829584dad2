//! Tools built with `cargo install`, each version into its own folder of the cache.

use super::{Tally, install_into, lock::locked_version, process::capture};
use crate::{Result, files, repo_root};
use std::path::{Path, PathBuf};
use std::process::Command;

// 0.22 needs a newer rustc than this project's pinned toolchain.
const TRUNK_VERSION: &str = "0.21.14";
const WASM_PACK_VERSION: &str = "0.15.1";
const TWIGGY_VERSION: &str = "0.8.0";
const CARGO_DENY_VERSION: &str = "0.20.2";
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// A tool installed with `cargo install` into its own folder of the cache.
#[derive(Debug)]
pub(super) struct CargoTool {
    krate: &'static str,
    version: String,
    binary: &'static str,
    locked: bool,
    estimate: &'static str,
}

impl CargoTool {
    pub(super) fn trunk() -> Self {
        Self {
            krate: "trunk",
            version: TRUNK_VERSION.to_owned(),
            binary: "trunk",
            locked: true,
            estimate: "about 8 min",
        }
    }

    /// The CLI must match the `wasm-bindgen` library in Cargo.lock exactly, so the lock file is
    /// the only place its version is written.
    pub(super) fn wasm_bindgen() -> Result<Self> {
        let lock_path = repo_root().join("Cargo.lock");
        let lock = files::read_text(&lock_path)?;
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

    pub(super) fn twiggy() -> Self {
        Self {
            krate: "twiggy",
            version: TWIGGY_VERSION.to_owned(),
            binary: "twiggy",
            locked: true,
            estimate: "about 2 min",
        }
    }

    pub(super) fn wasm_pack() -> Self {
        Self {
            krate: "wasm-pack",
            version: WASM_PACK_VERSION.to_owned(),
            binary: "wasm-pack",
            locked: true,
            estimate: "about 3 min",
        }
    }

    pub(super) fn cargo_deny() -> Self {
        Self {
            krate: "cargo-deny",
            version: CARGO_DENY_VERSION.to_owned(),
            binary: "cargo-deny",
            locked: true,
            estimate: "about 3 min",
        }
    }

    pub(super) fn cargo_fuzz() -> Self {
        Self {
            krate: "cargo-fuzz",
            version: CARGO_FUZZ_VERSION.to_owned(),
            binary: "cargo-fuzz",
            locked: true,
            estimate: "about 2 min",
        }
    }
}

impl Tally {
    /// Returns the folder holding the tool's binary.
    pub(super) fn cargo_tool(&mut self, cache: &Path, tool: &CargoTool) -> Result<PathBuf> {
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
}
