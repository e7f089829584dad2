//! `cargo xtask dist`: the release bundle in `dist/` and the npm package in `target/npm/`,
//! checked and measured.

mod compress;
mod dead_classes;
pub mod npm;
mod prerender;
pub mod reproducible;
mod shrink;

pub use compress::{Sizes, precompress, served};

use crate::tools::{self, Needs, Tools};
use crate::{Result, repo_root, thousands};
use std::fs;
use std::path::{Path, PathBuf};

pub fn run() -> Result<()> {
    build(&tools::bootstrap(Needs::Build)?)
}

/// The most the widget's wasm and its JS loader may weigh together as served, Brotli, in bytes,
/// in `dist/` and, with the package's entries, in `target/npm/`: each must be within it.
/// Raised only in a commit that names the feature and its measured cost; lowered whenever a
/// change makes room.
pub const SERVED_WASM_JS_BROTLI_GATE: u64 = 114_300;

/// Builds `dist/` with Trunk, shrinks and precompresses it, and prints the sizes a visitor
/// downloads; then the npm package (`npm::build`). Both builds remap their source paths
/// (`reproducible`), so the same commit gives the same bytes on any machine.
pub fn build(tools: &Tools) -> Result<()> {
    let rustflags = reproducible::remap_rustflags(tools)?;
    tools.run_with_env(
        "trunk",
        &["build", "--release"],
        &[("CARGO_ENCODED_RUSTFLAGS", &rustflags)],
    )?;
    let dist = repo_root().join("dist");
    let bundle = Bundle::read(&dist)?;
    shrink::run(
        tools,
        &shrink::Files {
            index: &bundle.index,
            wasm: &bundle.wasm,
            js: &bundle.js,
        },
    )?;
    let bundle = reproducible::name_by_content(bundle)?;
    let (stylesheet, form) = prerender::run(tools, &dist, &bundle.index)?;
    let mut rows = Vec::new();
    for file in bundle.files().into_iter().chain([stylesheet.as_path()]) {
        rows.push((name(file), compress::precompress(file)?));
    }
    print_sizes("dist/", &rows);
    let served = bundle.served_code()?;
    println!("{}", served.verdict());
    if !served.within_gate() {
        eprintln!("warning: dist/ is over the size gate, which cargo xtask test fails on");
    }
    println!();
    npm::build(tools, &rustflags, &form)
}

/// The test run's check that what ships names no folder of the machine that built it.
pub fn check_machine_paths() -> Result<()> {
    reproducible::check_no_machine_paths(&repo_root().join("dist"), &npm::tarball()?)
}

/// The size gate of `cargo xtask test`: the built wasm and JS as served, from `dist/` and from
/// the npm package, each within the gate.
pub fn check_size() -> Result<()> {
    let dist = Bundle::read(&repo_root().join("dist"))?.served_code()?;
    let npm = npm::served_code(&npm::dir())?;
    println!("dist/: {}", dist.verdict());
    println!("npm package: {}", npm.verdict());
    let over: Vec<String> = [("dist/", dist), ("the npm package", npm)]
        .iter()
        .filter(|(_, code)| !code.within_gate())
        .map(|(what, code)| {
            format!(
                "the wasm and JS of {what} are {} B Brotli, over the gate of {} B by {} B",
                thousands(code.sizes.brotli),
                thousands(SERVED_WASM_JS_BROTLI_GATE),
                thousands(code.sizes.brotli - SERVED_WASM_JS_BROTLI_GATE)
            )
        })
        .collect();
    if over.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} (SERVED_WASM_JS_BROTLI_GATE in xtask/src/dist.rs)",
            over.join("; ")
        ))
    }
}

/// The wasm plus its JS, as a visitor downloads them.
#[derive(Debug, Clone, Copy)]
pub struct ServedCode {
    pub wasm: Sizes,
    pub js: Sizes,
    pub sizes: Sizes,
}

impl ServedCode {
    pub fn within_gate(&self) -> bool {
        self.sizes.brotli <= SERVED_WASM_JS_BROTLI_GATE
    }

    fn verdict(&self) -> String {
        format!(
            "wasm + JS as served: {} B Brotli, gate {} B: {} ({} B gzip, no gate)",
            thousands(self.sizes.brotli),
            thousands(SERVED_WASM_JS_BROTLI_GATE),
            if self.within_gate() { "within" } else { "OVER" },
            thousands(self.sizes.gzip),
        )
    }
}

/// A table of files with their raw, gzip and Brotli bytes, and the sums.
pub fn print_sizes(folder: &str, rows: &[(String, Sizes)]) {
    let width = rows
        .iter()
        .map(|(file, _)| folder.len() + file.len())
        .max()
        .unwrap_or(0)
        .max(5);
    let line = |label: &str, sizes: Sizes| {
        println!(
            "{label:<width$}  {:>9} B raw  {:>9} B gzip  {:>9} B brotli",
            thousands(sizes.raw),
            thousands(sizes.gzip),
            thousands(sizes.brotli)
        );
    };
    for (file, sizes) in rows {
        line(&format!("{folder}{file}"), *sizes);
    }
    line(
        "total",
        rows.iter()
            .map(|(_, sizes)| *sizes)
            .fold(Sizes::default(), |a, b| a + b),
    );
}

/// The files a page needs: Trunk's page, the one wasm module, its one JS loader and the
/// stylesheet.
#[derive(Debug)]
pub struct Bundle {
    pub index: PathBuf,
    pub wasm: PathBuf,
    pub js: PathBuf,
    pub css: PathBuf,
}

impl Bundle {
    /// Looks only at the top level: copied static assets live in subfolders.
    pub fn read(dist: &Path) -> Result<Self> {
        let mut files = entries(dist)?;
        files.retain(|path| path.is_file());
        Self::from_files(files)
    }

    fn from_files(files: Vec<PathBuf>) -> Result<Self> {
        let index = files
            .iter()
            .find(|file| name(file) == "index.html")
            .ok_or("dist/ has no index.html")?
            .clone();
        // The widget's own stylesheet, for the first paint, is not the page's.
        let only = |extension: &str| -> Result<PathBuf> {
            let matching: Vec<&PathBuf> = files
                .iter()
                .filter(|file| file.extension().is_some_and(|ext| ext == extension))
                .filter(|file| !name(file).starts_with(prerender::STYLESHEET_PREFIX))
                .collect();
            match matching.as_slice() {
                [file] => Ok((*file).clone()),
                _ => Err(format!(
                    "dist/ must hold exactly one .{extension} file, found {}: [{}]",
                    matching.len(),
                    matching
                        .iter()
                        .map(|file| name(file))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        };
        Ok(Self {
            index,
            wasm: only("wasm")?,
            js: only("js")?,
            css: only("css")?,
        })
    }

    fn files(&self) -> [&Path; 4] {
        [&self.index, &self.wasm, &self.js, &self.css]
    }

    /// The code's sizes as its precompressed twins stand in `dist/`.
    pub fn served_code(&self) -> Result<ServedCode> {
        let (wasm, js) = (compress::served(&self.wasm)?, compress::served(&self.js)?);
        Ok(ServedCode {
            wasm,
            js,
            sizes: wasm + js,
        })
    }
}

/// What `dir` holds, files and folders, in no particular order.
pub fn entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let read_error = |e: std::io::Error| format!("cannot read {}: {e}", dir.display());
    fs::read_dir(dir)
        .map_err(read_error)?
        .map(|entry| entry.map(|entry| entry.path()).map_err(read_error))
        .collect()
}

fn name(file: &Path) -> String {
    file.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::Bundle;
    use std::path::PathBuf;

    fn files(names: &[&str]) -> Vec<PathBuf> {
        names
            .iter()
            .map(|name| PathBuf::from("dist").join(name))
            .collect()
    }

    #[test]
    fn accepts_a_page_with_one_module_and_one_loader() {
        let bundle = Bundle::from_files(files(&[
            "index.html",
            "app-1f.js",
            "app-1f_bg.wasm",
            "app-1f_bg.wasm.br",
            "page-2e.css",
            "checkout-3d.css",
        ]))
        .expect("a complete bundle is accepted");
        assert_eq!(bundle.wasm, PathBuf::from("dist/app-1f_bg.wasm"));
        assert_eq!(bundle.js, PathBuf::from("dist/app-1f.js"));
        assert_eq!(
            bundle.css,
            PathBuf::from("dist/page-2e.css"),
            "the page's, not the widget's"
        );
    }

    #[test]
    fn rejects_a_missing_page_or_extra_code() {
        assert!(Bundle::from_files(files(&["app.js", "app_bg.wasm", "a.css"])).is_err());
        assert!(
            Bundle::from_files(files(&["index.html", "a.js", "b.js", "a_bg.wasm", "a.css"]))
                .is_err()
        );
        assert!(Bundle::from_files(files(&["index.html", "a.js", "a.css"])).is_err());
        assert!(Bundle::from_files(files(&["index.html", "a.js", "a_bg.wasm"])).is_err());
    }
}
