//! The same shipped bytes from any machine: the release build's source paths made relative,
//! and the check that no shipped file holds a path of the machine that built it.
//!
//! rustc writes the source file of every panic location into the wasm. Cargo names a
//! dependency's files by their absolute path under the cargo home, so without a remap the
//! wasm carries `/home/<user>/.cargo/registry/src/<index>/tachys-0.2.19/src/...`, differs from
//! one builder to the next, and tells every visitor the builder's user name. Cargo's
//! `trim-paths`, which would do this, is not stable in the pinned release; rustc's
//! `--remap-path-prefix` is.

use super::Bundle;
use crate::tools::Tools;
use crate::{Result, files, repo_root};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Substrings that only a build machine's file system puts in a file. The standard library's
/// own locations (`/rustc/<commit>/library/...`) are the same on every machine and may stay.
const MACHINE_PATHS: [&str; 5] = ["/home/", "/root/", "/tmp/", "cargo-home", ".cargo/registry"];

/// `CARGO_ENCODED_RUSTFLAGS` for a release build of the widget: the checkout and the folder
/// that holds each dependency's sources remapped to nothing, so that locations read
/// `src/...` and `<crate>-<version>/src/...`. Encoded flags also keep a builder's own
/// `RUSTFLAGS` out of what ships.
///
/// Cargo keeps these flags out of the crates' metadata hashes, so symbol hashes and type ids,
/// and with them the bytes, do not depend on where the sources were.
pub fn remap_rustflags(tools: &Tools) -> Result<String> {
    let printed = tools.output(
        "cargo",
        &[
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
            "wasm32-unknown-unknown",
        ],
    )?;
    let json: serde_json::Value =
        serde_json::from_str(&printed).map_err(|e| format!("cannot read cargo metadata: {e}"))?;
    let packages = json["packages"]
        .as_array()
        .ok_or("cargo metadata lists no packages")?;
    let mut prefixes = BTreeSet::new();
    for package in packages
        .iter()
        .filter(|package| !package["source"].is_null())
    {
        let manifest = package["manifest_path"]
            .as_str()
            .ok_or("cargo metadata gives a package without a manifest path")?;
        // <folder>/<crate>-<version>/Cargo.toml: the folder is what goes.
        if let Some(folder) = Path::new(manifest).parent().and_then(Path::parent) {
            prefixes.insert(folder.to_path_buf());
        }
    }
    let root = json["workspace_root"]
        .as_str()
        .ok_or("cargo metadata names no workspace root")?;
    prefixes.insert(PathBuf::from(root));
    Ok(remap_flags(prefixes))
}

/// One flag per folder, shortest first: rustc applies the last flag that matches, so a folder
/// inside another (a cargo home inside the checkout) keeps its own, longer, remap.
fn remap_flags(prefixes: BTreeSet<PathBuf>) -> String {
    let mut prefixes: Vec<PathBuf> = prefixes.into_iter().collect();
    prefixes.sort_by_key(|prefix| prefix.as_os_str().len());
    prefixes
        .iter()
        .map(|prefix| format!("--remap-path-prefix={}/=", prefix.display()))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Names the wasm and its loader after what they hold, and the page after them.
///
/// Trunk names both after a hash of the wasm as cargo wrote it, before wasm-bindgen and the
/// rewrites. That wasm holds an import that wasm-bindgen drops, whose name Leptos's
/// `wasm_split` macro derives from the path of the crate's manifest: the shipped wasm is the same
/// from any checkout, but its name, and so the page, would not be. The hash of the shipped
/// bytes also changes exactly when they do, which is what a cache-busting name is for.
pub fn name_by_content(bundle: Bundle) -> Result<Bundle> {
    let (wasm, js) = (files::read(&bundle.wasm)?, files::read(&bundle.js)?);
    let trunk_base = stem(&bundle.js)?;
    let app = trunk_base
        .rsplit_once('-')
        .map(|(app, _)| app)
        .ok_or_else(|| format!("{trunk_base}.js is not named <app>-<hash>.js"))?;
    if stem(&bundle.wasm)? != format!("{trunk_base}_bg") {
        return Err(format!(
            "{} is not named after its loader {trunk_base}.js",
            bundle.wasm.display()
        ));
    }
    let base = format!("{app}-{}", content_hash(&[&wasm, &js]));

    let mut index = files::read_text(&bundle.index)?;
    for file in [format!("{trunk_base}.js"), format!("{trunk_base}_bg.wasm")] {
        if !index.contains(&format!("./{file}")) {
            return Err(format!("{} does not load ./{file}", bundle.index.display()));
        }
    }
    index = index.replace(&trunk_base, &base);
    files::write(&bundle.index, index)?;
    let renamed = Bundle {
        wasm: bundle.wasm.with_file_name(format!("{base}_bg.wasm")),
        js: bundle.js.with_file_name(format!("{base}.js")),
        ..bundle
    };
    for (from, to) in [(&bundle.wasm, &renamed.wasm), (&bundle.js, &renamed.js)] {
        fs::rename(from, to)
            .map_err(|e| format!("cannot rename {} to {}: {e}", from.display(), to.display()))?;
    }
    Ok(renamed)
}

/// 16 hex digits of the SHA-256 of `parts` in order: a name that changes when the bytes do.
pub fn content_hash(parts: &[&[u8]]) -> String {
    let digest = parts
        .iter()
        .fold(Sha256::new(), |hash, part| hash.chain_update(part))
        .finalize();
    digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn stem(file: &Path) -> Result<String> {
    file.file_stem()
        .and_then(|stem| stem.to_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("not a UTF-8 file name: {}", file.display()))
}

/// Fails, naming the file, the path and its context, when a shipped file holds a path of this
/// machine: the originals in `dist/` (their `.br` and `.gz` twins are made from them) and the
/// whole unpacked stream of the npm tarball, its headers included.
pub fn check_no_machine_paths(dist: &Path, tarball: &Path) -> Result<()> {
    let needles = needles();
    let mut found = Vec::new();
    let mut checked = 0;
    for file in files_under(dist)? {
        if file
            .extension()
            .is_some_and(|ext| ext == "br" || ext == "gz")
        {
            continue;
        }
        let bytes = files::read(&file)?;
        found.extend(find(&file, &bytes, &needles));
        checked += 1;
    }
    let packed = files::read(tarball)?;
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(packed.as_slice())
        .read_to_end(&mut tar)
        .map_err(|e| format!("cannot unpack {}: {e}", tarball.display()))?;
    found.extend(find(tarball, &tar, &needles));
    if found.is_empty() {
        println!(
            "no path of this machine in the {checked} originals of {} nor in {} ({})",
            dist.display(),
            tarball.display(),
            needles.join(", ")
        );
        Ok(())
    } else {
        Err(format!(
            "shipped files hold paths of this machine:\n  {}",
            found.join("\n  ")
        ))
    }
}

/// The fixed substrings, and this checkout's and this cargo home's paths.
fn needles() -> Vec<String> {
    let mut needles: Vec<String> = MACHINE_PATHS.iter().map(|s| (*s).to_owned()).collect();
    needles.push(repo_root().display().to_string());
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    if let Some(home) = cargo_home {
        needles.push(home.display().to_string());
    }
    needles
}

/// Each needle's first place in `bytes`, with the printable text around it.
fn find(file: &Path, bytes: &[u8], needles: &[String]) -> Vec<String> {
    needles
        .iter()
        .filter_map(|needle| {
            let at = bytes
                .windows(needle.len())
                .position(|window| window == needle.as_bytes())?;
            let context = excerpt(bytes, at, 40, 80);
            Some(format!(
                "{}: `{needle}` at byte {at}: {context}",
                file.display()
            ))
        })
        .collect()
}

/// `before` bytes before `at` and `after` from it, printable ones as they are and the others
/// as dots.
pub fn excerpt(bytes: &[u8], at: usize, before: usize, after: usize) -> String {
    bytes[at.saturating_sub(before)..at.saturating_add(after).min(bytes.len())]
        .iter()
        .map(|&byte| {
            if byte.is_ascii_graphic() || byte == b' ' {
                char::from(byte)
            } else {
                '.'
            }
        })
        .collect()
}

/// Every file below `dir`, sorted by path.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for path in super::entries(&folder)? {
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_folders_are_remapped_after_the_folders_around_them() {
        let flags = remap_flags(BTreeSet::from([
            PathBuf::from("/tmp/clone/cargo-home/registry/src/index.crates.io-1949cf8c6b5b557f"),
            PathBuf::from("/tmp/clone"),
        ]));
        assert_eq!(
            flags.split('\u{1f}').collect::<Vec<_>>(),
            [
                "--remap-path-prefix=/tmp/clone/=",
                "--remap-path-prefix=/tmp/clone/cargo-home/registry/src/index.crates.io-1949cf8c6b5b557f/=",
            ]
        );
    }

    #[test]
    fn finds_a_registry_path_and_lets_the_standard_library_pass() {
        let needles: Vec<String> = MACHINE_PATHS.iter().map(|s| (*s).to_owned()).collect();
        let shipped = b"\x00\x01/home/alice/.cargo/registry/src/index/tachys-0.2.19/src/lib.rs\x00";
        let found = find(Path::new("app_bg.wasm"), shipped, &needles);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("app_bg.wasm: `/home/` at byte 2: "));
        assert!(found[0].contains("tachys-0.2.19/src/lib.rs"));
        let remapped = b"tachys-0.2.19/src/lib.rs\x00/rustc/58cf8f9c3/library/core/src/cell.rs";
        assert!(find(Path::new("app_bg.wasm"), remapped, &needles).is_empty());
    }

    #[test]
    fn the_code_and_the_page_are_named_after_what_the_code_holds() {
        let dir = env::temp_dir().join(format!("xtask-names-{}", std::process::id()));
        let write = |name: &str, text: &str| {
            let file = dir.join(name);
            fs::write(&file, text).expect("write");
            file
        };
        let named = |wasm_text: &str| {
            fs::create_dir_all(&dir).expect("temp dir");
            let bundle = Bundle {
                index: write(
                    "index.html",
                    "import('./app-1f.js'); init('./app-1f_bg.wasm'); <link href=\"./app-1f.js\">",
                ),
                wasm: write("app-1f_bg.wasm", wasm_text),
                js: write("app-1f.js", "export {}"),
                css: write("page.css", ""),
            };
            let renamed = name_by_content(bundle).expect("renamed");
            let index = fs::read_to_string(&renamed.index).expect("index");
            fs::remove_dir_all(&dir).expect("clean up");
            (renamed, index)
        };
        let (renamed, index) = named("one wasm");
        let base = stem(&renamed.js).expect("stem");
        assert!(
            base.starts_with("app-") && base.len() == "app-".len() + 16,
            "{base}"
        );
        assert_eq!(
            renamed.wasm.file_name(),
            Some(format!("{base}_bg.wasm").as_ref())
        );
        assert_eq!(
            index,
            format!("import('./{base}.js'); init('./{base}_bg.wasm'); <link href=\"./{base}.js\">")
        );
        assert_eq!(named("one wasm").1, index, "the same bytes, the same names");
        assert_ne!(named("another wasm").1, index, "other bytes, other names");
    }

    #[test]
    fn the_check_reads_every_original_and_the_unpacked_tarball() {
        use std::io::Write as _;
        let dir = env::temp_dir().join(format!("xtask-paths-{}", std::process::id()));
        let dist = dir.join("dist");
        fs::create_dir_all(dist.join("assets")).expect("temp dir");
        fs::write(dist.join("index.html"), "<p>clean</p>").expect("write");
        let tarball = dir.join("package.tgz");
        let pack = |text: &[u8]| {
            let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gzip.write_all(text).expect("gzip");
            fs::write(&tarball, gzip.finish().expect("gzip")).expect("write");
        };
        pack(b"package/index.js\x00export {};");
        assert!(check_no_machine_paths(&dist, &tarball).is_ok());

        fs::write(dist.join("assets").join("a.js"), "at /tmp/build/src/a.rs").expect("write");
        let error = check_no_machine_paths(&dist, &tarball).expect_err("a nested file is read");
        assert!(error.contains("a.js: `/tmp/`"), "{error}");
        fs::remove_file(dist.join("assets").join("a.js")).expect("clean up");

        pack(b"package/index.js\x00// built in /root/checkout");
        let error = check_no_machine_paths(&dist, &tarball).expect_err("the tarball is read");
        assert!(error.contains("package.tgz: `/root/`"), "{error}");
        fs::remove_dir_all(&dir).expect("clean up");
    }
}
