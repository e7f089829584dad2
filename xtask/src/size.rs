//! `cargo xtask size`: where the widget's wasm bytes go, so size work starts from data. The top
//! contributors by retained size (what removing an item and everything only it keeps alive would
//! save), the crate each belongs to, and the shallow bytes per crate.
//!
//! The shipped build has no names, so this builds a copy with them: the same profile and
//! wasm-bindgen, then `wasm-opt -Oz -g`, close to the shipped sizes but not byte for byte.

use crate::tools::{self, Needs, Tools};
use crate::{Result, repo_root, thousands};
use std::collections::BTreeMap;
use std::path::Path;

const APP: &str = "closient-checkout-app";
const TOP: usize = 25;

pub fn run() -> Result<()> {
    let tools = tools::bootstrap(Needs::Size)?;
    let out = repo_root().join("target").join("size");
    let named = build_named(&tools, &out)?;
    let named = named.to_str().ok_or("the target folder is not UTF-8")?;
    let csv = tools.output(
        "twiggy",
        &["top", "--retained", "-n", "100000", "-f", "csv", named],
    )?;
    let items = parse(&csv)?;
    print_report(&items);
    Ok(())
}

fn build_named(tools: &Tools, out: &Path) -> Result<std::path::PathBuf> {
    tools.run(
        "cargo",
        &[
            "build",
            "--quiet",
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
            "--bin",
            APP,
        ],
    )?;
    let built = repo_root()
        .join("target/wasm32-unknown-unknown/wasm-release")
        .join(format!("{APP}.wasm"));
    let utf8 = |path: &Path| {
        path.to_str()
            .map(str::to_owned)
            .ok_or("a path is not UTF-8")
    };
    tools.run(
        "wasm-bindgen",
        &[
            &utf8(&built)?,
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            &utf8(out)?,
        ],
    )?;
    let bound = out.join(format!("{APP}_bg.wasm"));
    let named = out.join("named.wasm");
    tools.run(
        "wasm-opt",
        &[&utf8(&bound)?, "-Oz", "-g", "--output", &utf8(&named)?],
    )?;
    Ok(named)
}

/// One row of twiggy's table.
#[derive(Debug, PartialEq, Eq)]
struct Item {
    name: String,
    shallow: u64,
    retained: u64,
}

/// twiggy's CSV: `Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent`, the
/// name quoted when it holds commas.
fn parse(csv: &str) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    for line in csv.lines().skip(1).filter(|line| !line.is_empty()) {
        // The four numbers never hold commas, so they are the last four fields.
        let mut fields = line.rsplitn(5, ',');
        let number = |field: Option<&str>| -> Result<u64> {
            field
                .and_then(|f| f.trim().parse().ok())
                .ok_or_else(|| format!("odd twiggy line: {line}"))
        };
        fields.next();
        let retained = number(fields.next())?;
        fields.next();
        let shallow = number(fields.next())?;
        let name = fields
            .next()
            .ok_or_else(|| format!("odd twiggy line: {line}"))?;
        let name = name
            .strip_prefix('"')
            .and_then(|n| n.strip_suffix('"'))
            .unwrap_or(name)
            .replace("\"\"", "\"");
        items.push(Item {
            name,
            shallow,
            retained,
        });
    }
    Ok(items)
}

fn print_report(items: &[Item]) {
    // The names section exists only in this copy; the table and element segments are roots
    // that retain every function called through a pointer, which says nothing about one crate.
    let code: Vec<&Item> = items
        .iter()
        .filter(|item| {
            !item.name.contains("names\" subsection")
                && !item.name.starts_with("table[")
                && !item.name.starts_with("elem[")
        })
        .collect();
    println!("\ntop {TOP} by retained size (shallow size beside it):");
    println!("{:>9}  {:>9}  {:<22}  item", "retained", "shallow", "crate");
    for item in code.iter().take(TOP) {
        println!(
            "{:>9}  {:>9}  {:<22}  {}",
            thousands(item.retained),
            thousands(item.shallow),
            crate_of(&item.name),
            short(&item.name)
        );
    }

    let mut by_crate: BTreeMap<String, u64> = BTreeMap::new();
    for item in &code {
        *by_crate.entry(crate_of(&item.name)).or_default() += item.shallow;
    }
    let mut by_crate: Vec<(String, u64)> = by_crate.into_iter().collect();
    by_crate.sort_by_key(|(_, bytes)| std::cmp::Reverse(*bytes));
    let total: u64 = code.iter().map(|item| item.shallow).sum();
    println!("\nshallow bytes per crate (all {} B):", thousands(total));
    for (krate, bytes) in by_crate.iter().take(TOP) {
        println!("{:>9}  {krate}", thousands(*bytes));
    }
}

/// The crate an item's code comes from: the first path of its name, or for an impl on a
/// primitive (`<f64 as core::fmt::Display>::fmt`) the trait's crate.
fn crate_of(name: &str) -> String {
    if name.starts_with("data segment") {
        return "(data)".to_owned();
    }
    let mut rest = name.trim_start_matches(['<', '&', '*', '(', '[']);
    for prefix in ["mut ", "const ", "dyn "] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let head: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let primitive = [
        "bool", "char", "str", "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8",
        "u16", "u32", "u64", "u128", "usize",
    ];
    if primitive.contains(&head.as_str()) {
        // Inherent methods of primitives live in core.
        return rest
            .split_once(" as ")
            .map_or_else(|| "core".to_owned(), |(_, traits)| crate_of(traits));
    }
    let follows = &rest[head.len()..];
    let hashed = follows
        .strip_prefix('[')
        .and_then(|f| f.split_once("]::"))
        .is_some_and(|(hash, _)| hash.bytes().all(|b| b.is_ascii_hexdigit()));
    if head.is_empty() || !(follows.starts_with("::") || hashed) {
        return "(unnamed)".to_owned();
    }
    head
}

/// The name without the crates' disambiguating hashes, cut to a readable length.
fn short(name: &str) -> String {
    let mut out = String::new();
    let mut rest = name;
    while let Some(at) = rest.find('[') {
        let hash = rest[at + 1..]
            .find(']')
            .map(|end| &rest[at + 1..at + 1 + end]);
        out.push_str(&rest[..at]);
        match hash {
            // A crate's 64-bit hash in hex, its leading zeros dropped, before a path separator.
            Some(hash)
                if (1..=16).contains(&hash.len())
                    && hash.bytes().all(|b| b.is_ascii_hexdigit())
                    && rest[at + hash.len() + 2..].starts_with("::") =>
            {
                rest = &rest[at + hash.len() + 2..];
            }
            _ => {
                out.push('[');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    if out.chars().count() > 110 {
        out = out.chars().take(107).collect::<String>() + "...";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_read_from_twiggys_csv() {
        let csv = "Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent\n\
                   \"<a[0123456789abcdef]::B<c, d>>::e\",10,0.5,30,1.5\n\
                   data segment \".rodata\",7,0.1,7,0.1\n";
        assert_eq!(
            parse(csv).expect("readable"),
            [
                Item {
                    name: "<a[0123456789abcdef]::B<c, d>>::e".to_owned(),
                    shallow: 10,
                    retained: 30
                },
                Item {
                    name: "data segment \".rodata\"".to_owned(),
                    shallow: 7,
                    retained: 7
                }
            ]
        );
    }

    #[test]
    fn items_are_put_on_their_crate() {
        for (name, krate) in [
            (
                "tachys[c8f7d00c50aae346]::html::event::On::attach",
                "tachys",
            ),
            (
                "<serde_wasm_bindgen[1f]::de::Deserializer as serde_core[2e]::de::Deserializer>::deserialize_any",
                "serde_wasm_bindgen",
            ),
            ("<f64 as core[37ee0ce0c4cd57d5]::fmt::Display>::fmt", "core"),
            ("<&mut leptos[1a]::X>::y", "leptos"),
            ("data segment \".rodata\"", "(data)"),
            ("code[949]", "(unnamed)"),
            ("<char>::escape_debug_ext", "core"),
        ] {
            assert_eq!(crate_of(name), krate, "{name}");
        }
    }

    #[test]
    fn hashes_are_dropped_from_names() {
        assert_eq!(
            short("<tachys[c8f7d00c50aae346]::On<gloo_net[3a5321a987c9e32]::E>>::attach[2]"),
            "<tachys::On<gloo_net::E>>::attach[2]"
        );
    }
}
