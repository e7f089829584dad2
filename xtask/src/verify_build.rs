//! `cargo xtask verify-build`: the release build twice, here and in a fresh clone at another
//! path with its own cargo home and target folder, and the SHA-256 of every shipped file of
//! both: `dist/` and the npm tarball. Any difference fails the command, and the first one is
//! shown.
//!
//! The clone shares the tool cache: the tools are pinned by version, and rebuilding them would
//! add a quarter of an hour without checking anything of this project's.

use crate::dist::{self, npm, reproducible};
use crate::tools::{self, Needs, process::capture};
use crate::{Result, files, repo_root};
use sha2::{Digest as _, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run() -> Result<()> {
    let root = repo_root();
    let changed = capture(
        Command::new("git")
            .current_dir(root)
            .args(["status", "--porcelain"]),
    )?;
    if !changed.trim().is_empty() {
        return Err(format!(
            "the checkout has uncommitted changes, which a clone would not build:\n{changed}\
             commit or stash them first"
        ));
    }

    println!("==> build 1: this checkout ({})", root.display());
    dist::build(&tools::bootstrap(Needs::Build)?)?;
    dist::check_machine_paths()?;
    let here = shipped(root, &npm::tarball()?)?;

    let scratch = std::env::temp_dir().join(format!("closient-verify-{}", std::process::id()));
    let clone = scratch.join("checkout");
    let cargo_home = scratch.join("cargo-home");
    if scratch.exists() {
        fs::remove_dir_all(&scratch)
            .map_err(|e| format!("cannot remove {}: {e}", scratch.display()))?;
    }
    println!(
        "\n==> build 2: a clone in {}, cargo home {}",
        clone.display(),
        cargo_home.display()
    );
    let mut git = Command::new("git");
    git.args(["clone", "--quiet", "--no-hardlinks"])
        .arg(root)
        .arg(&clone);
    capture(&mut git)?;
    let status = Command::new("cargo")
        .current_dir(&clone)
        .args(["xtask", "dist"])
        .env("CARGO_HOME", &cargo_home)
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .map_err(|e| format!("cannot start cargo in the clone: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the clone's build failed ({status}); it is left in {}",
            scratch.display()
        ));
    }
    let tarball = find_tarball(&clone)?;
    let there = shipped(&clone, &tarball)?;

    println!("\n{:<52} {:<64}  build 2", "file", "build 1 (SHA-256)");
    for (file, first) in &here {
        let second = there
            .iter()
            .find(|(name, _)| name == file)
            .map(|(_, hash)| hash);
        let shown = match second {
            Some(second) if second == first => "same",
            Some(second) => second.as_str(),
            None => "(missing)",
        };
        println!("{file:<52} {first}  {shown}");
    }
    compare(&here, &there, root, &clone)?;
    fs::remove_dir_all(&scratch)
        .map_err(|e| format!("cannot remove {}: {e}", scratch.display()))?;
    println!(
        "\nverify-build: {} shipped files, byte-identical in both builds",
        here.len()
    );
    Ok(())
}

/// The one tarball of `target/npm-pack/` under `checkout`.
fn find_tarball(checkout: &Path) -> Result<PathBuf> {
    reproducible::files_under(&checkout.join("target").join("npm-pack"))?
        .into_iter()
        .find(|file| file.extension().is_some_and(|ext| ext == "tgz"))
        .ok_or_else(|| format!("{} has no npm tarball", checkout.display()))
}

/// Every shipped file by its name relative to the checkout, with its SHA-256 in hex.
fn shipped(checkout: &Path, tarball: &Path) -> Result<Vec<(String, String)>> {
    let mut files = reproducible::files_under(&checkout.join("dist"))?;
    files.push(tarball.to_path_buf());
    files
        .iter()
        .map(|file| {
            let bytes = files::read(file)?;
            let name = file
                .strip_prefix(checkout)
                .unwrap_or(file)
                .display()
                .to_string();
            Ok((name, hex(&Sha256::digest(&bytes))))
        })
        .collect()
}

/// Fails at the first file that is missing from one build or differs, with the first byte
/// where the two differ and the text around it in each.
fn compare(
    here: &[(String, String)],
    there: &[(String, String)],
    root: &Path,
    clone: &Path,
) -> Result<()> {
    let names = |files: &[(String, String)]| -> Vec<String> {
        files.iter().map(|(name, _)| name.clone()).collect()
    };
    if names(here) != names(there) {
        let only = |a: &[(String, String)], b: &[(String, String)]| -> Vec<String> {
            let b = names(b);
            names(a).into_iter().filter(|n| !b.contains(n)).collect()
        };
        return Err(format!(
            "the builds ship different files: only in build 1: {:?}; only in build 2: {:?}",
            only(here, there),
            only(there, here)
        ));
    }
    let Some((file, _)) = here
        .iter()
        .zip(there)
        .find(|(a, b)| a.1 != b.1)
        .map(|(a, _)| a)
    else {
        return Ok(());
    };
    let read = |dir: &Path| {
        fs::read(dir.join(file))
            .map_err(|e| format!("cannot read {file} in {}: {e}", dir.display()))
    };
    let (first, second) = (read(root)?, read(clone)?);
    let at = first
        .iter()
        .zip(&second)
        .position(|(a, b)| a != b)
        .unwrap_or(first.len().min(second.len()));
    Err(format!(
        "{file} differs ({} B and {} B), first at byte {at}:\n  build 1: {}\n  build 2: {}",
        first.len(),
        second.len(),
        reproducible::excerpt(&first, at, 32, 64),
        reproducible::excerpt(&second, at, 32, 64)
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(name, hash)| ((*name).to_owned(), (*hash).to_owned()))
            .collect()
    }

    #[test]
    fn identical_builds_pass_and_a_missing_file_is_named() {
        let one = files(&[("dist/index.html", "aa"), ("dist/app_bg.wasm", "bb")]);
        assert!(compare(&one, &one, Path::new("/"), Path::new("/")).is_ok());
        let other = files(&[("dist/index.html", "aa")]);
        let error = compare(&one, &other, Path::new("/"), Path::new("/")).expect_err("differs");
        assert!(
            error.contains("only in build 1: [\"dist/app_bg.wasm\"]"),
            "{error}"
        );
    }

    #[test]
    fn the_first_different_file_is_shown_at_its_first_different_byte() {
        let dir = std::env::temp_dir().join(format!("xtask-verify-{}", std::process::id()));
        let (a, b) = (dir.join("a"), dir.join("b"));
        for (side, text) in [
            (&a, "src at tachys-0.2.19/src/a.rs"),
            (&b, "src at /home/x/src/a.rs"),
        ] {
            fs::create_dir_all(side.join("dist")).expect("temp dir");
            fs::write(side.join("dist").join("app.wasm"), text).expect("write");
        }
        let error = compare(
            &files(&[("dist/app.wasm", "11")]),
            &files(&[("dist/app.wasm", "22")]),
            &a,
            &b,
        )
        .expect_err("differs");
        assert!(
            error.starts_with("dist/app.wasm differs (29 B and 23 B), first at byte 7:"),
            "{error}"
        );
        assert!(
            error.contains("build 2: src at /home/x/src/a.rs"),
            "{error}"
        );
        fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn hashes_are_lowercase_hex() {
        assert_eq!(hex(&[0x00, 0xab, 0x1f]), "00ab1f");
    }
}
