//! The option names live in Rust (`OptionName`); the JS side repeats them where a page's tools
//! read them: the element's observed attributes, the options' type, the element's doc comment
//! and its JSX attributes. This reads each of those files and fails on any name missing or extra, so a new
//! option cannot be added to one place alone.
#![cfg(not(target_arch = "wasm32"))]

use closient_checkout::OptionName;
use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end:?} after {start:?}"));
    &text[from..from + to]
}

/// Every `'name'` or `` `name` `` quoted in `text`.
fn quoted(text: &str, quote: char) -> BTreeSet<String> {
    text.split(quote)
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn attributes() -> BTreeSet<String> {
    OptionName::all()
        .map(OptionName::attribute)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_element_observes_every_attribute() {
    let element = read("npm/element.js");
    let list = between(&element, "const ATTRIBUTES = [", "];");
    assert_eq!(quoted(list, '\''), attributes());
}

#[test]
fn the_element_type_lists_every_attribute() {
    let types = read("npm/element.d.ts");
    let comment = between(&types, "Its attributes are the options of `mount`", ");");
    let listed: BTreeSet<String> = quoted(comment, '`')
        .into_iter()
        .filter(|name| name != "mount")
        .collect();
    assert_eq!(listed, attributes());
}

#[test]
fn the_options_type_declares_every_option() {
    let types = read("npm/index.d.ts");
    let body = between(&types, "export interface CheckoutOptions {", "\n}");
    let declared: BTreeSet<String> = body
        .lines()
        .filter_map(|line| line.trim().split_once("?:"))
        .map(|(name, _)| name.to_owned())
        .collect();
    let options: BTreeSet<String> = OptionName::all()
        .map(|option| option.js_name().to_owned())
        .collect();
    assert_eq!(declared, options);
}

#[test]
fn the_jsx_attributes_declare_every_attribute() {
    let types = read("npm/react.d.ts");
    let body = between(&types, "export interface ClosientCheckoutAttributes", "\n}");
    let declared: BTreeSet<String> = body
        .lines()
        .filter_map(|line| line.trim().split_once("?:"))
        .map(|(name, _)| name.trim_matches('\'').to_owned())
        .filter(|name| !name.starts_with("onclosient-checkout:"))
        .collect();
    assert_eq!(declared, attributes());
}

/// Every code core knows is in the package's `ErrorCode` type and its README's table.
#[test]
fn the_package_lists_every_error_code() {
    let types = read("npm/index.d.ts");
    let declared = quoted(between(&types, "export type ErrorCode =", ";"), '\'');
    let readme = read("npm/README.md");
    let tabled = quoted(
        between(&readme, "## The `error` event's codes", "A code the API"),
        '`',
    );
    for name in closient_checkout_core::ErrorCode::known_names() {
        assert!(declared.contains(name), "{name} is not in ErrorCode");
        assert!(tabled.contains(name), "{name} is not in npm/README.md");
    }
}
