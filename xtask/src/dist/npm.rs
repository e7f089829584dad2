//! The npm package in `target/npm/`: the widget's lib built for the web (as wasm-pack's
//! `--target web` would, see `build`), its wasm and loader shrunk as `dist/`'s are, the hand-written entries, types and `package.json` of
//! `npm/`, and the precompressed twins of the code, which the size gate measures and the
//! tarball leaves out (bundlers read the plain files).

use super::{ServedCode, Sizes, compress, prerender, print_sizes, shrink};
use crate::files::{copy, create_dir, read_text, utf8, write};
use crate::tools::Tools;
use crate::{Result, repo_root};
use std::fs;
use std::path::{Path, PathBuf};

/// What wasm-bindgen writes, by the names `npm/index.js` and `npm/element.js` import.
const LOADER: &str = "closient_checkout.js";
const WASM: &str = "closient_checkout_bg.wasm";
/// Copied from `npm/`; the entries are then minified (a page loads them), the types and the
/// README stay as written.
const HAND_WRITTEN: [&str; 8] = [
    "index.js",
    "element.js",
    "react.js",
    "first-paint.js",
    "index.d.ts",
    "element.d.ts",
    "react.d.ts",
    "README.md",
];
/// Written by the build: the form's first paint as a JS string, for `first-paint.js`.
const PRERENDERED_JS: &str = "prerendered.js";
const ENTRIES: [&str; 5] = [
    "index.js",
    "element.js",
    "react.js",
    "first-paint.js",
    PRERENDERED_JS,
];
/// The code a page loads from the package, each file with its twins: the wasm, its loader,
/// the two entries and the first paint (a page that only mounts skips `element.js`; the gate
/// counts it). Not `react.js`: only a React app loads it, and React itself dwarfs it.
const CODE: [&str; 6] = [
    WASM,
    LOADER,
    "index.js",
    "element.js",
    "first-paint.js",
    PRERENDERED_JS,
];
/// wasm-bindgen's output folder, copied from.
const BINDGEN_OUT: &str = "target/npm-bindgen";

/// `target/npm/`.
pub fn dir() -> PathBuf {
    repo_root().join("target").join("npm")
}

/// `target/npm-pack/`, where `npm pack` writes the package's tarball.
fn pack_dir() -> PathBuf {
    repo_root().join("target").join("npm-pack")
}

/// The tarball of the last build: the one file in `target/npm-pack/`.
pub fn tarball() -> Result<PathBuf> {
    let dir = pack_dir();
    let mut tarballs =
        super::entries(&dir).map_err(|e| format!("{e} (cargo xtask dist writes it)"))?;
    tarballs.retain(|path| path.extension().is_some_and(|ext| ext == "tgz"));
    match tarballs.as_slice() {
        [tarball] => Ok(tarball.clone()),
        _ => Err(format!(
            "{} must hold exactly one .tgz, found {}",
            dir.display(),
            tarballs.len()
        )),
    }
}

/// Builds `target/npm/` with the release `rustflags` and the pre-rendered `form` (see
/// `prerender`), prints its sizes, and packs it into `target/npm-pack/`.
pub fn build(tools: &Tools, rustflags: &str, form: &str) -> Result<()> {
    let root = repo_root();
    let out = dir();
    let staging = root.join(BINDGEN_OUT);
    for stale in [&staging, &out, &pack_dir()] {
        if stale.exists() {
            fs::remove_dir_all(stale)
                .map_err(|e| format!("cannot remove {}: {e}", stale.display()))?;
        }
    }
    let krate = Crate::read(tools)?;
    // The lib as a cdylib alone. wasm-pack would run `cargo build --lib`, which builds the crate
    // as both of its crate types (cdylib and rlib: the tests and the Trunk entry link the rlib)
    // in one rustc run, and that cdylib comes out about 19 KB of gzip larger than the same code
    // built as a cdylib only. So this does wasm-pack's two steps itself: `cargo rustc` with the
    // crate type, then the wasm-bindgen CLI (the bootstrapped one, matching Cargo.lock) for the
    // web, as `wasm-pack build --target web --no-typescript` does.
    tools.run_with_env(
        "cargo",
        &[
            "rustc",
            "-p",
            "closient-checkout",
            "--lib",
            "--crate-type",
            "cdylib",
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
        ],
        &[("CARGO_ENCODED_RUSTFLAGS", rustflags)],
    )?;
    let built = krate
        .target_directory
        .join("wasm32-unknown-unknown")
        .join("wasm-release")
        .join("closient_checkout.wasm");
    tools.run(
        "wasm-bindgen",
        &[
            utf8(&built)?,
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            utf8(&staging)?,
            "--out-name",
            "closient_checkout",
        ],
    )?;

    create_dir(&out)?;
    for file in [LOADER, WASM] {
        copy(&staging.join(file), &out.join(file))?;
    }
    let (wasm, loader) = (out.join(WASM), out.join(LOADER));
    // What Trunk's `data-wasm-opt="z"` does for dist/, before the rewrites dist/ gets too.
    tools.run("wasm-opt", &[utf8(&wasm)?, "-Oz", "--output", utf8(&wasm)?])?;
    shrink::code(tools, "npm package", &wasm, &loader)?;
    for file in HAND_WRITTEN {
        copy(&root.join("npm").join(file), &out.join(file))?;
    }
    let markup = prerender::markup(form, "checkout.css");
    let quoted = serde_json::to_string(&markup).map_err(|e| format!("the first paint: {e}"))?;
    write(
        &out.join(PRERENDERED_JS),
        format!("export default {quoted};\n"),
    )?;
    for entry in ENTRIES {
        shrink::minify_loader(tools, &out.join(entry))
            .map_err(|e| format!("npm package, minifying {entry}: {e}"))?;
    }
    // The first paint for a page that renders its HTML on a server: the markup to put inside
    // the element, whose stylesheet link the page points at where it serves `checkout.css`.
    copy(&root.join("www/checkout.css"), &out.join("checkout.css"))?;
    write(&out.join("prerendered.html"), &markup)?;
    let template = read_text(&root.join("npm").join("package.json"))?;
    let manifest = package_json(&template, &krate)?;
    write(&out.join("package.json"), &manifest)?;
    check_files(&out, &manifest)?;

    let mut rows = Vec::new();
    for file in CODE {
        rows.push((file.to_owned(), compress::precompress(&out.join(file))?));
    }
    print_sizes("target/npm/", &rows);
    let served = served_code(&out)?;
    println!("npm package: {}", served.verdict());
    if !served.within_gate() {
        eprintln!(
            "warning: the npm package is over the size gate, which cargo xtask test fails on"
        );
    }
    pack(tools, &out)
}

/// `npm pack` of `dir` into `target/npm-pack/`. npm writes its entries sorted, owned by 0 and
/// dated 1985-10-26, but keeps each file's mode, which the builder's umask chose: every file
/// is made 0644 first, so the tarball is the same bytes on any machine.
fn pack(tools: &Tools, dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    for file in super::reproducible::files_under(dir)? {
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644))
            .map_err(|e| format!("cannot set the mode of {}: {e}", file.display()))?;
    }
    let into = pack_dir();
    create_dir(&into)?;
    let printed = tools.output(
        "npm",
        &[
            "pack",
            utf8(dir)?,
            "--pack-destination",
            utf8(&into)?,
            "--json",
            "--ignore-scripts",
        ],
    )?;
    let json: serde_json::Value = serde_json::from_str(&printed)
        .map_err(|e| format!("cannot read what npm pack printed: {e}"))?;
    let packed = &json[0];
    println!(
        "npm package: {} ({} files, {} B)",
        packed["filename"].as_str().unwrap_or("?"),
        packed["entryCount"],
        packed["size"]
    );
    tarball().map(drop)
}

/// The package's code as its precompressed twins stand in `dir`.
pub fn served_code(dir: &Path) -> Result<ServedCode> {
    let wasm = compress::served(&dir.join(WASM))?;
    let mut js = Sizes::default();
    for file in &CODE[1..] {
        js = js + compress::served(&dir.join(file))?;
    }
    Ok(ServedCode {
        wasm,
        js,
        sizes: wasm + js,
    })
}

/// The widget crate's fields that the package repeats, and where cargo builds it.
#[derive(Debug)]
struct Crate {
    version: String,
    license: String,
    description: String,
    target_directory: PathBuf,
}

impl Crate {
    fn read(tools: &Tools) -> Result<Self> {
        let printed = tools.output(
            "cargo",
            &[
                "metadata",
                "--no-deps",
                "--format-version",
                "1",
                "--offline",
            ],
        )?;
        let json: serde_json::Value = serde_json::from_str(&printed)
            .map_err(|e| format!("cannot read cargo metadata: {e}"))?;
        let package = json
            .get("packages")
            .and_then(serde_json::Value::as_array)
            .and_then(|packages| {
                packages
                    .iter()
                    .find(|package| package["name"] == "closient-checkout")
            })
            .ok_or("cargo metadata lists no closient-checkout package")?;
        let field = |name: &str| {
            package[name]
                .as_str()
                .map(str::to_owned)
                .ok_or(format!("the closient-checkout package has no {name}"))
        };
        let target_directory = json["target_directory"]
            .as_str()
            .map(PathBuf::from)
            .ok_or("cargo metadata names no target directory")?;
        Ok(Self {
            version: field("version")?,
            license: field("license")?,
            description: field("description")?,
            target_directory,
        })
    }
}

/// `npm/package.json` with the crate's version, license and description in place of its
/// `CRATE_...` placeholders; each placeholder must be there exactly once.
fn package_json(template: &str, krate: &Crate) -> Result<String> {
    let mut manifest = template.to_owned();
    for (placeholder, value) in [
        ("CRATE_VERSION", &krate.version),
        ("CRATE_LICENSE", &krate.license),
        ("CRATE_DESCRIPTION", &krate.description),
    ] {
        let quoted = format!("\"{placeholder}\"");
        if manifest.matches(&quoted).count() != 1 {
            return Err(format!(
                "npm/package.json must hold {quoted} exactly once, as a value"
            ));
        }
        let value = serde_json::Value::String(value.clone()).to_string();
        manifest = manifest.replace(&quoted, &value);
    }
    serde_json::from_str::<serde_json::Value>(&manifest)
        .map_err(|e| format!("npm/package.json is not JSON once filled in: {e}"))?;
    Ok(manifest)
}

/// Every file that `files` names without a wildcard exists, and nothing tells npm to leave
/// files out: wasm-pack writes a `.gitignore` of `*`, with which `npm pack` ships no wasm.
fn check_files(dir: &Path, manifest: &str) -> Result<()> {
    let json: serde_json::Value =
        serde_json::from_str(manifest).map_err(|e| format!("package.json: {e}"))?;
    let files = json["files"]
        .as_array()
        .ok_or("package.json has no `files` list")?;
    for file in files.iter().filter_map(serde_json::Value::as_str) {
        if !file.contains('*') && !dir.join(file).is_file() {
            return Err(format!(
                "package.json lists {file} in `files`, but target/npm/ has no such file"
            ));
        }
    }
    for ignore in [".gitignore", ".npmignore"] {
        if dir.join(ignore).exists() {
            return Err(format!("target/npm/ must not hold a {ignore}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate() -> Crate {
        Crate {
            version: "0.3.1".to_owned(),
            license: "MIT OR Apache-2.0".to_owned(),
            description: "A \"quoted\" widget".to_owned(),
            target_directory: PathBuf::from("target"),
        }
    }

    #[test]
    fn the_committed_template_fills_in_to_a_package_with_its_entries() {
        let template = read_text(&repo_root().join("npm").join("package.json")).expect("template");
        let manifest = package_json(&template, &krate()).expect("fills in");
        let json: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
        assert_eq!(json["name"], "closient-checkout");
        assert_eq!(json["version"], "0.3.1");
        assert_eq!(json["license"], "MIT OR Apache-2.0");
        assert_eq!(json["description"], "A \"quoted\" widget");
        assert_eq!(json["type"], "module");
        assert_eq!(json["exports"]["."]["default"], "./index.js");
        assert_eq!(json["exports"]["./element"]["types"], "./element.d.ts");
        assert_eq!(json["exports"]["./react"]["types"], "./react.d.ts");
        assert_eq!(json["peerDependenciesMeta"]["react"]["optional"], true);
        assert_eq!(json["sideEffects"][0], "./element.js");
        let files: Vec<&str> = json["files"]
            .as_array()
            .expect("files")
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        for file in [
            WASM,
            LOADER,
            "index.js",
            "element.js",
            "index.d.ts",
            "react.js",
        ] {
            assert!(files.contains(&file), "`files` lacks {file}");
        }
        // Bundlers read the plain files; the twins only doubled the download.
        assert!(
            files
                .iter()
                .all(|f| !f.ends_with(".br") && !f.ends_with(".gz")),
            "`files` ships precompressed twins: {files:?}"
        );
    }

    #[test]
    fn a_placeholder_missing_or_twice_is_refused() {
        let once = r#"{"version": "CRATE_VERSION", "license": "CRATE_LICENSE", "description": "CRATE_DESCRIPTION"}"#;
        assert!(package_json(once, &krate()).is_ok());
        assert!(package_json(r#"{"version": "CRATE_VERSION"}"#, &krate()).is_err());
        let twice = once.replace("CRATE_LICENSE", "CRATE_VERSION");
        assert!(package_json(&twice, &krate()).is_err());
    }

    #[test]
    fn files_must_exist_and_no_ignore_file_may_hide_them() {
        let dir = std::env::temp_dir().join(format!("xtask-npm-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        fs::write(dir.join("index.js"), "export {};").expect("write");
        let manifest = r#"{"files": ["index.js", "*.br"]}"#;
        assert!(check_files(&dir, manifest).is_ok());
        assert!(check_files(&dir, r#"{"files": ["index.js", "a_bg.wasm"]}"#).is_err());
        fs::write(dir.join(".gitignore"), "*").expect("write");
        assert!(check_files(&dir, manifest).is_err());
        fs::remove_dir_all(&dir).expect("clean up");
    }
}
