//! Tools from the npm registry, each version into its own folder of the cache.

use super::{Tally, install_into, process::capture};
use crate::Result;
use std::path::{Path, PathBuf};
use std::process::Command;

// Debian's binaryen 108 produces wasm that fails at runtime (`WebAssembly.Table.set`); npm's
// binaryen ships a current wasm-opt.
pub(super) const BINARYEN: NpmTool = NpmTool {
    package: "binaryen",
    version: "132",
    binary: "wasm-opt",
};
// wasm-bindgen writes a readable JS loader; the release build minifies it.
pub(super) const TERSER: NpmTool = NpmTool {
    package: "terser",
    version: "5.37.0",
    binary: "terser",
};

// Drives Chromium for the release build's first paint (`dist::prerender`); the version the
// e2e tests' lockfile pins.
pub(super) const PLAYWRIGHT: NpmTool = NpmTool {
    package: "playwright-core",
    version: "1.65.1",
    binary: "playwright-core",
};

/// A tool installed with npm into its own folder of the cache.
#[derive(Debug)]
pub(super) struct NpmTool {
    package: &'static str,
    version: &'static str,
    binary: &'static str,
}

impl Tally {
    /// Returns the folder holding the tool's binary.
    pub(super) fn npm_tool(&mut self, cache: &Path, tool: &NpmTool) -> Result<PathBuf> {
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
}
