//! `cargo xtask dist`: the release bundle in `dist/`, checked and measured.

mod dead_classes;
mod shrink;

use crate::tools::{self, Needs, Tools};
use crate::{Result, repo_root};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run() -> Result<()> {
    build(&tools::bootstrap(Needs::Build)?)
}

/// Builds `dist/` with Trunk, checks its shape and prints the sizes a visitor downloads.
pub fn build(tools: &Tools) -> Result<()> {
    tools.run("trunk", &["build", "--release"])?;
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

    let files = [&bundle.index, &bundle.wasm, &bundle.js];
    let width = files.iter().map(|file| name(file).len()).max().unwrap_or(0);
    let mut code_gzip = 0;
    for file in files {
        let raw = fs::metadata(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?
            .len();
        let gzip = gzip_size(file)?;
        if file != &bundle.index {
            code_gzip += gzip;
        }
        println!(
            "dist/{:<width$}  {raw:>9} B raw  {gzip:>9} B gzip",
            name(file)
        );
    }
    println!(
        "wasm + JS: {code_gzip} B gzip ({:.1} KiB)",
        code_gzip as f64 / 1024.0
    );
    Ok(())
}

/// The files a page needs: Trunk's page, the one wasm module and its one JS loader.
#[derive(Debug)]
pub struct Bundle {
    pub index: PathBuf,
    pub wasm: PathBuf,
    pub js: PathBuf,
}

impl Bundle {
    /// Looks only at the top level: copied static assets live in subfolders.
    pub fn read(dist: &Path) -> Result<Self> {
        let entries =
            fs::read_dir(dist).map_err(|e| format!("cannot read {}: {e}", dist.display()))?;
        let mut files = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
                .path();
            if path.is_file() {
                files.push(path);
            }
        }
        Self::from_files(files)
    }

    fn from_files(files: Vec<PathBuf>) -> Result<Self> {
        let index = files
            .iter()
            .find(|file| name(file) == "index.html")
            .ok_or("dist/ has no index.html")?
            .clone();
        let only = |extension: &str| -> Result<PathBuf> {
            let matching: Vec<&PathBuf> = files
                .iter()
                .filter(|file| file.extension().is_some_and(|ext| ext == extension))
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
        })
    }
}

fn name(file: &Path) -> String {
    file.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What the file weighs over a compressing connection, measured with the system gzip.
pub fn gzip_size(file: &Path) -> Result<u64> {
    let output = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(file)
        .output()
        .map_err(|e| format!("cannot start gzip: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "gzip failed on {}: {}",
            file.display(),
            output.status
        ));
    }
    Ok(output.stdout.len() as u64)
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
        let bundle = Bundle::from_files(files(&["index.html", "app-1f.js", "app-1f_bg.wasm"]))
            .expect("a complete bundle is accepted");
        assert_eq!(bundle.wasm, PathBuf::from("dist/app-1f_bg.wasm"));
        assert_eq!(bundle.js, PathBuf::from("dist/app-1f.js"));
    }

    #[test]
    fn rejects_a_missing_page_or_extra_code() {
        assert!(Bundle::from_files(files(&["app.js", "app_bg.wasm"])).is_err());
        assert!(Bundle::from_files(files(&["index.html", "a.js", "b.js", "a_bg.wasm"])).is_err());
        assert!(Bundle::from_files(files(&["index.html", "a.js"])).is_err());
    }
}
