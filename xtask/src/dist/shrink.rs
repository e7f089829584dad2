//! What the release build does to Trunk's output before it is measured: shorter names between
//! the wasm and its JS loader, a minified loader, and the page's integrity hashes to match.
//!
//! Trunk writes the Subresource Integrity hashes into index.html before any hook could run,
//! so every file changed here gets its hash replaced there.

use super::dead_classes;
use crate::Result;
use crate::files::{read, read_text, utf8, write};
use crate::tools::Tools;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The wasm module and its JS loader in dist/, and the page that loads them.
#[derive(Debug)]
pub struct Files<'a> {
    pub index: &'a Path,
    pub wasm: &'a Path,
    pub js: &'a Path,
}

/// Every rewrite runs on the real output of the pinned wasm-bindgen in each `cargo xtask test`
/// (its dist step), and fails, naming its step, when a pattern it relies on matches nothing:
/// a new wasm-bindgen cannot change the loader unnoticed.
pub fn run(tools: &Tools, files: &Files<'_>) -> Result<()> {
    let before = [integrity(&read(files.wasm)?), integrity(&read(files.js)?)];
    code(tools, "dist", files.wasm, files.js)?;
    let after = [integrity(&read(files.wasm)?), integrity(&read(files.js)?)];

    let mut index = read_text(files.index)?;
    for (old, new) in before.iter().zip(&after) {
        if !index.contains(old.as_str()) {
            return Err(format!(
                "dist, updating the integrity hashes: {} has no integrity {old}",
                files.index.display()
            ));
        }
        index = index.replace(old.as_str(), new);
    }
    write(files.index, index)
}

/// The rewrites of a wasm module and its loader, which no page pins by integrity (the npm
/// package's); `build` names the build in the error of a failing step.
pub fn code(tools: &Tools, build: &str, wasm: &Path, js: &Path) -> Result<()> {
    let step = |name: &'static str| move |e: String| format!("{build}, {name}: {e}");
    shorten_names(tools, wasm, js).map_err(step("shortening the wasm's names"))?;
    minify_loader(tools, js).map_err(step("minifying the loader"))
}

/// wasm-bindgen names every import and export after its Rust path and a hash, once in the wasm
/// and again in the loader: 2 to 3 KB of gzip that compresses badly. binaryen renames them to
/// a letter or two and prints the mapping, which is applied to the loader here.
///
/// The same run drops the exports that only dead loader classes call (see `dead_classes`), and
/// optimizes further than Trunk's `-Oz`: restructuring the control flow
/// (`--flatten --rereloop`) before two more `-Oz` rounds saves about 1 KB of gzip, and the
/// producers and target-features sections are only metadata.
fn shorten_names(tools: &Tools, wasm_file: &Path, js: &Path) -> Result<()> {
    let wasm = utf8(wasm_file)?;
    let loader = read_text(js)?;
    let stripped = dead_classes::strip(&loader)
        .map_err(|e| format!("dropping the loader's dead classes: {e}"))?;
    let remove_dead = format!("--pass-arg=remove-exports@{}", stripped.exports.join(","));
    let mut args = vec![wasm];
    if !stripped.exports.is_empty() {
        args.extend(["--remove-exports", remove_dead.as_str()]);
    }
    args.extend([
        "--minify-imports-and-exports-and-modules",
        "--strip-producers",
        "--strip-target-features",
        "--flatten",
        "--rereloop",
        "-Oz",
        "-Oz",
        "--output",
        wasm,
    ]);
    let printed = tools.output("wasm-opt", &args)?;
    let mapping = Mapping::parse(&printed)?;
    // Every import module becomes one short name, which the mapping does not print.
    let new_modules = import_modules(&read(wasm_file)?)?;
    let [new_module] = new_modules.iter().collect::<Vec<_>>()[..] else {
        return Err(format!(
            "expected one import module after renaming, found {new_modules:?}"
        ));
    };
    let loader = mapping.apply(&stripped.loader, new_module)?;
    write(js, loader)
}

/// binaryen's mapping: imports as `[module, old, new]`, exports as `[old, new]`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Mapping {
    imports: Vec<(String, String, String)>,
    exports: Vec<(String, String)>,
}

impl Mapping {
    fn parse(printed: &str) -> Result<Self> {
        let json: serde_json::Value = serde_json::from_str(printed)
            .map_err(|e| format!("cannot read wasm-opt's name mapping: {e}"))?;
        let rows = |key: &str, width: usize| -> Result<Vec<Vec<String>>> {
            let rows = json
                .get(key)
                .and_then(serde_json::Value::as_array)
                .ok_or(format!("wasm-opt's name mapping has no {key}"))?;
            rows.iter()
                .map(|row| {
                    strings(row)
                        .filter(|cells| cells.len() == width)
                        .ok_or(format!("odd row in wasm-opt's {key} mapping: {row}"))
                })
                .collect()
        };
        Ok(Self {
            imports: rows("imports", 3)?
                .into_iter()
                .map(|row| (row[0].clone(), row[1].clone(), row[2].clone()))
                .collect(),
            exports: rows("exports", 2)?
                .into_iter()
                .map(|row| (row[0].clone(), row[1].clone()))
                .collect(),
        })
    }

    /// Renames in the loader: import names where it defines them, the module where it names
    /// it, exports where it reads them from `wasm.`. Fails unless every import is found and no
    /// old name is left, so a change in wasm-bindgen's output cannot slip through.
    fn apply(&self, loader: &str, new_module: &str) -> Result<String> {
        let mut loader = loader.to_owned();
        let modules: BTreeSet<&str> = self.imports.iter().map(|(m, _, _)| m.as_str()).collect();
        for module in modules {
            loader = loader.replace(&format!("\"{module}\""), &format!("\"{new_module}\""));
        }
        for (_, old, new) in &self.imports {
            let (renamed, count) = replace_word(&loader, old, new);
            if count == 0 {
                return Err(format!("the JS loader never defines the import {old}"));
            }
            loader = renamed;
        }
        // Some exports are for other hosts than the loader (`__instance_terminated`), but a
        // loader that calls none of them is not the loader this was written for.
        let mut calls = 0;
        for (old, new) in &self.exports {
            let (renamed, count) =
                replace_word(&loader, &format!("wasm.{old}"), &format!("wasm.{new}"));
            calls += count;
            loader = renamed;
        }
        if calls == 0 && !self.exports.is_empty() {
            return Err("the JS loader calls none of the wasm's exports as `wasm.name`".to_owned());
        }
        let left: Vec<&str> = self
            .imports
            .iter()
            .map(|(_, old, _)| old.as_str())
            .filter(|old| replace_word(&loader, old, "").1 > 0)
            .chain(
                self.exports
                    .iter()
                    .map(|(old, _)| old.as_str())
                    .filter(|old| replace_word(&loader, &format!("wasm.{old}"), "").1 > 0),
            )
            .collect();
        if left.is_empty() {
            Ok(loader)
        } else {
            Err(format!("the JS loader still uses {left:?}"))
        }
    }
}

/// A JSON array of strings.
fn strings(value: &serde_json::Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|cell| cell.as_str().map(str::to_owned))
        .collect()
}

/// Replaces `word` where it is not part of a longer JS identifier; returns the count.
fn replace_word(text: &str, word: &str, with: &str) -> (String, usize) {
    let identifier = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let (before, after) = (&rest[..at], &rest[at + word.len()..]);
        let bounded = !before.ends_with(identifier) && !after.starts_with(identifier);
        out.push_str(before);
        out.push_str(if bounded { with } else { word });
        count += usize::from(bounded);
        rest = after;
    }
    out.push_str(rest);
    (out, count)
}

/// The module names of a wasm module's imports.
fn import_modules(wasm: &[u8]) -> Result<BTreeSet<String>> {
    let unreadable = |e: wasmparser::BinaryReaderError| format!("cannot read the wasm: {e}");
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::ImportSection(imports) = payload.map_err(unreadable)? {
            return imports
                .into_imports()
                .map(|import| import.map(|import| import.module.to_owned()))
                .collect::<std::result::Result<_, _>>()
                .map_err(unreadable);
        }
    }
    Ok(BTreeSet::new())
}

/// Minifies a JS module in place: wasm-bindgen's loader, or the npm package's entries.
pub(super) fn minify_loader(tools: &Tools, js: &Path) -> Result<()> {
    // Written outside dist/, which must hold exactly one .js file.
    let minified = crate::repo_root().join("target").join("loader.min.js");
    tools.run(
        "terser",
        &[
            utf8(js)?,
            "--module",
            "--compress",
            "--mangle",
            "--output",
            utf8(&minified)?,
        ],
    )?;
    fs::rename(&minified, js)
        .map_err(|e| format!("cannot move {} into place: {e}", minified.display()))
}

/// A Subresource Integrity value, as Trunk writes it.
fn integrity(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha384::digest(bytes);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrity_is_trunks_sha384_in_base64() {
        // `printf 'alert(1)' | openssl dgst -sha384 -binary | base64`
        assert_eq!(
            integrity(b"alert(1)"),
            "sha384-HT2E9NfWiuQ/w1PRai+hTyqW16NIoCGA/m8VQDUopfAtcz6YQjtsMmQd5uRbVDpW"
        );
    }

    #[test]
    fn words_are_replaced_only_whole() {
        assert_eq!(
            replace_word(
                "f(__wbg_a_1, __wbg_a_12, x__wbg_a_1, __wbg_a_1)",
                "__wbg_a_1",
                "b"
            ),
            ("f(b, __wbg_a_12, x__wbg_a_1, b)".to_owned(), 2)
        );
    }

    const PRINTED: &str = r#"{
 "imports": [
  ["./app_bg.js", "__wbg_now_2c95c9de01293173", "a"],
  ["./app_bg.js", "__wbindgen_init_externref_table", "b"]
 ],
"exports": [
  ["memory", "c"],
  ["__wbindgen_start", "d"]
 ]
}"#;

    #[test]
    fn the_mapping_renames_the_loader_and_misses_nothing() {
        let mapping = Mapping::parse(PRINTED).expect("readable");
        let loader = r#"const import0 = { __wbg_now_2c95c9de01293173: function() { return Date.now(); },
__wbindgen_init_externref_table: function() {} };
const memory = wasm.memory.buffer; wasm.__wbindgen_start();
return { "./app_bg.js": import0 };"#;
        assert_eq!(
            mapping.apply(loader, "z").expect("renamed"),
            r#"const import0 = { a: function() { return Date.now(); },
b: function() {} };
const memory = wasm.c.buffer; wasm.d();
return { "z": import0 };"#
        );
        assert!(
            mapping.apply("const import0 = { b: 1 };", "z").is_err(),
            "an import the loader never defines"
        );
        let without_exports = loader
            .replace("wasm.__wbindgen_start();", "")
            .replace("wasm.memory", "memory");
        let error = mapping
            .apply(&without_exports, "z")
            .expect_err("a loader that calls no export");
        assert!(error.contains("none of the wasm's exports"), "{error}");
    }

    #[test]
    fn reads_the_import_modules_of_a_wasm() {
        // (module (import "a" "b" (func)) (import "a" "m" (memory 1)))
        let wasm = [
            0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // magic, version
            1, 4, 1, 0x60, 0, 0, // type section: one () -> ()
            2, 14, 2, 1, b'a', 1, b'b', 0, 0, 1, b'a', 1, b'm', 2, 0, 1,
        ];
        assert_eq!(
            import_modules(&wasm).expect("readable"),
            BTreeSet::from(["a".to_owned()])
        );
    }
}
