//! Sizes as served: the wasm, JS and CSS of `dist/` and of the npm package in `target/npm/`,
//! each raw and as its gzip and Brotli twins stand on disk. The wasm and JS of each, Brotli,
//! are held to the gate of `cargo xtask test`.

use super::Row;
use super::report::Check;
use crate::dist::{self, ServedCode};
use crate::{Result, repo_root, thousands};
use serde_json::{Value, json};

/// The two ways the widget is shipped.
#[derive(Debug)]
pub(super) struct Sizes {
    dist: Shipped,
    npm: Shipped,
}

#[derive(Debug)]
struct Shipped {
    code: ServedCode,
    /// The npm package has no stylesheet: its styles are inside the wasm.
    css: Option<dist::Sizes>,
}

pub(super) fn measure() -> Result<Sizes> {
    let bundle = dist::Bundle::read(&repo_root().join("dist"))?;
    Ok(Sizes {
        dist: Shipped {
            code: bundle.served_code()?,
            css: Some(dist::served(&bundle.css)?),
        },
        npm: Shipped {
            code: dist::npm::served_code(&dist::npm::dir())?,
            css: None,
        },
    })
}

impl Sizes {
    pub(super) fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for (name, shipped) in [("dist/", &self.dist), ("npm package", &self.npm)] {
            rows.push(Row::figure(
                format!("size, {name} wasm (raw / gzip / Brotli)"),
                three(shipped.code.wasm),
            ));
            rows.push(Row::figure(
                format!("size, {name} JS (raw / gzip / Brotli)"),
                three(shipped.code.js),
            ));
            rows.push(Row::figure(
                format!("size, {name} CSS (raw / gzip / Brotli)"),
                shipped
                    .css
                    .map_or_else(|| "none (inside the wasm)".to_owned(), three),
            ));
            let brotli = shipped.code.sizes.brotli;
            let gate = dist::SERVED_WASM_JS_BROTLI_GATE;
            rows.push(
                Row::figure(
                    format!("size, {name} wasm + JS, Brotli"),
                    format!("{} B", thousands(brotli)),
                )
                .gate(Check::new(
                    format!("<= {} B", thousands(gate)),
                    shipped.code.within_gate(),
                    format!("{} B", thousands(brotli.saturating_sub(gate))),
                )),
            );
        }
        rows
    }

    pub(super) fn notes(&self) -> Vec<String> {
        vec![
            "Sizes are the files as they stand in dist/ and target/npm/ with their twins; the \
             npm package's JS is its loader and its two entries. It has no CSS file: the \
             styles are inside the wasm, so `size.npm.css` is null."
                .to_owned(),
        ]
    }

    pub(super) fn json(&self) -> Value {
        let shipped = |shipped: &Shipped| {
            json!({
                "wasm": sizes(shipped.code.wasm),
                "js": sizes(shipped.code.js),
                "css": shipped.css.map_or(Value::Null, sizes),
            })
        };
        json!({ "dist": shipped(&self.dist), "npm": shipped(&self.npm) })
    }
}

fn sizes(sizes: dist::Sizes) -> Value {
    json!({ "raw": sizes.raw, "gzip": sizes.gzip, "brotli": sizes.brotli })
}

fn three(sizes: dist::Sizes) -> String {
    format!(
        "{} / {} / {} B",
        thousands(sizes.raw),
        thousands(sizes.gzip),
        thousands(sizes.brotli)
    )
}
