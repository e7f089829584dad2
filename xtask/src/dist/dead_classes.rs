//! Classes in wasm-bindgen's loader that no code can ever instantiate, and the wasm exports only
//! they call.
//!
//! Leptos always links `wasm-streams`, whose `#[wasm_bindgen]` stream adapters stay exported
//! even when nothing uses them. wasm-bindgen writes a class for each, and a class with neither a
//! `constructor` nor a `static __wrap` (how Rust hands an instance to JS) can have no instance:
//! its methods, and the wasm functions behind them, are dead. Dropping them saves about 2 KB of
//! gzip.

use crate::Result;

/// The loader without its dead classes, and the wasm exports that only they used.
#[derive(Debug, PartialEq, Eq)]
pub struct Stripped {
    pub loader: String,
    pub exports: Vec<String>,
}

/// Removes each dead class with its `Symbol.dispose` line and its `FinalizationRegistry`.
/// Fails if anything left in the loader still names a removed class or export.
pub fn strip(loader: &str) -> Result<Stripped> {
    let lines: Vec<&str> = loader.split_inclusive('\n').collect();
    let mut dead = Vec::new();
    let mut removed = String::new();
    let mut kept = String::new();
    let mut at = 0;
    while at < lines.len() {
        let Some(name) = class_name(lines[at]) else {
            kept.push_str(lines[at]);
            at += 1;
            continue;
        };
        let end = (at..lines.len())
            .find(|&i| lines[i].trim_end() == "}")
            .ok_or_else(|| format!("the loader's class {name} never ends"))?;
        let block = lines[at..=end].concat();
        if block.contains("constructor(") || block.contains("static __wrap(") {
            kept.push_str(&block);
        } else {
            dead.push(name.to_owned());
            removed.push_str(&block);
        }
        at = end + 1;
    }

    let mut loader = String::new();
    let mut lines = kept.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let Some(name) = dead.iter().find(|name| belongs_to(line, name)) else {
            loader.push_str(line);
            continue;
        };
        removed.push_str(line);
        // `const NameFinalization = (...)` runs on until the line that closes the statement.
        if line.starts_with("const ") {
            while !removed.trim_end().ends_with(';') {
                let next = lines
                    .next()
                    .ok_or_else(|| format!("the loader's {name}Finalization never ends"))?;
                removed.push_str(next);
            }
        }
    }

    if dead.is_empty() {
        return Err(
            "no class without a constructor was found: if the loader no longer has any, \
                    remove this step (xtask/src/dist/dead_classes.rs)"
                .to_owned(),
        );
    }
    let exports = wasm_names(&removed);
    let still_used: Vec<&String> = dead
        .iter()
        .chain(&exports)
        .filter(|name| names_word(&loader, name))
        .collect();
    if !still_used.is_empty() {
        return Err(format!(
            "the loader still uses {still_used:?}, which belong to classes it cannot construct"
        ));
    }
    Ok(Stripped { loader, exports })
}

/// `Name` from `export class Name {`.
fn class_name(line: &str) -> Option<&str> {
    line.strip_prefix("export class ")?
        .strip_suffix(" {\n")
        .filter(|name| !name.is_empty() && name.chars().all(is_identifier))
}

/// The loader's other lines about a class: its `Symbol.dispose` and its finalization registry.
fn belongs_to(line: &str, class: &str) -> bool {
    line.starts_with(&format!("if (Symbol.dispose) {class}.prototype"))
        || line.starts_with(&format!("const {class}Finalization = "))
}

/// The exports a piece of the loader calls, as `wasm.name`, each once.
fn wasm_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .split("wasm.")
        .skip(1)
        .map(|rest| rest.chars().take_while(|&c| is_identifier(c)).collect())
        .filter(|name: &String| !name.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether `word` occurs in `text` other than inside a longer identifier.
fn names_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        !text[..at].ends_with(is_identifier) && !text[at + word.len()..].starts_with(is_identifier)
    })
}

fn is_identifier(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of wasm-bindgen's output: one class nothing can create, one that Rust hands
    /// out through `__wrap`, and one JS may construct.
    const LOADER: &str = "\
export class Sink {
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_sink_free(ptr, 0);
    }
    write(chunk) {
        const ret = wasm.sink_write(this.__wbg_ptr, chunk);
        return ret;
    }
}
if (Symbol.dispose) Sink.prototype[Symbol.dispose] = Sink.prototype.free;

export class Handle {
    static __wrap(ptr) {
        const obj = Object.create(Handle.prototype);
        return obj;
    }
    unmount() {
        wasm.handle_unmount(this.__wbg_ptr);
    }
}

export class Widget {
    constructor() {
        wasm.widget_new();
    }
}

function sink_writer() { return 1; }
const SinkFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_sink_free(ptr, 1));
const HandleFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_handle_free(ptr, 1));
wasm.__wbindgen_start();
";

    #[test]
    fn drops_only_the_class_nothing_can_create() {
        let stripped = strip(LOADER).expect("strippable");
        assert_eq!(stripped.exports, ["__wbg_sink_free", "sink_write"]);
        assert!(!stripped.loader.contains("Sink"), "{}", stripped.loader);
        for kept in [
            "export class Handle",
            "export class Widget",
            "function sink_writer",
            "HandleFinalization = ",
            "wasm.__wbindgen_start();",
        ] {
            assert!(stripped.loader.contains(kept), "lost {kept}");
        }
    }

    #[test]
    fn a_loader_without_dead_classes_is_refused_so_the_step_is_not_silently_idle() {
        let live = "export class Widget {\n    constructor() {}\n}\nwasm.start();\n";
        let error = strip(live).expect_err("nothing to strip");
        assert!(error.contains("dead_classes.rs"), "{error}");
    }

    #[test]
    fn refuses_when_live_code_still_calls_a_dead_export() {
        let loader = format!("{LOADER}function flush() {{ wasm.sink_write(0, 0); }}\n");
        let error = strip(&loader).expect_err("a live call");
        assert!(error.contains("sink_write"), "{error}");
    }
}
