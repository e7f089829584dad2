//! The form in the first paint: `dist/index.html` carries the widget's form as declarative
//! shadow DOM, so it is on screen, labelled and styled, before the wasm arrives; the wasm then
//! takes that shadow root over with what was typed into it (`embed.rs`).
//!
//! The markup is what the built widget itself renders, in headless Chromium (`prerender.js`),
//! so it cannot drift from the views. It is a build-time render rather than hydration: Leptos's
//! hydration would compile a second path into every view and bring its `prop:value`, which
//! overwrites what was typed, while a takeover costs the wasm one small function.
//!
//! Its styles come from a stylesheet file beside the page (`checkout-<hash>.css`, the same
//! rules the wasm adopts), which the page's `style-src 'self'` allows.

use super::reproducible::content_hash;
use crate::tools::{Tools, process::find_on_path};
use crate::{Result, files, repo_root};
use std::path::{Path, PathBuf};

/// How the widget's stylesheet file is named in `dist/`, before its content hash.
pub const STYLESHEET_PREFIX: &str = "checkout-";

/// The mount element of the hosted page, as `index.html` opens it.
const MOUNT: &str = r#"<div id="closient-checkout">"#;

/// What a page puts inside the mount element (or `<closient-checkout>`) for the first paint,
/// with the stylesheet at `stylesheet`.
pub fn markup(root: &str, stylesheet: &str) -> String {
    format!(
        r#"<div><template shadowrootmode="open"><link rel="stylesheet" href="{stylesheet}">{root}</template></div>"#
    )
}

/// Writes the widget's stylesheet into `dist` and the rendered form into its `index.html`;
/// returns the stylesheet's path, and the form's root markup for the npm package.
pub fn run(tools: &Tools, dist: &Path, index: &Path) -> Result<(PathBuf, String)> {
    let styles = files::read(&repo_root().join("www/checkout.css"))?;
    let name = format!("{STYLESHEET_PREFIX}{}.css", content_hash(&[&styles]));
    let stylesheet = dist.join(&name);
    files::write(&stylesheet, &styles)?;

    let chromium = find_on_path("chromium").ok_or("chromium is not on PATH")?;
    let script = repo_root().join("xtask/src/dist/prerender.js");
    let dist_arg = dist.to_string_lossy();
    let root = tools.output(
        "node",
        &[
            &script.to_string_lossy(),
            &dist_arg,
            &chromium.to_string_lossy(),
        ],
    )?;
    if !root.starts_with(r#"<div class="cc-root">"#) || !root.contains("<form") {
        let start: String = root.chars().take(200).collect();
        return Err(format!("the rendered form is not the widget's: {start}"));
    }
    let page = files::read_text(index)?;
    let with_form = insert_after(&page, MOUNT, &markup(&root, &format!("./{name}")))
        .ok_or_else(|| format!("{} has no {MOUNT}", index.display()))?;
    files::write(index, with_form)?;
    Ok((stylesheet, root))
}

fn insert_after(page: &str, marker: &str, insert: &str) -> Option<String> {
    let at = page.find(marker)? + marker.len();
    Some(format!("{}{insert}{}", &page[..at], &page[at..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_goes_first_inside_the_mount_element() {
        let page = r#"<main><div id="closient-checkout"><noscript>x</noscript></div></main>"#;
        let root = r#"<div class="cc-root"><form></form></div>"#;
        assert_eq!(
            insert_after(page, MOUNT, &markup(root, "./checkout-1.css")).as_deref(),
            Some(
                r#"<main><div id="closient-checkout"><div><template shadowrootmode="open"><link rel="stylesheet" href="./checkout-1.css"><div class="cc-root"><form></form></div></template></div><noscript>x</noscript></div></main>"#
            )
        );
        assert_eq!(insert_after("<main></main>", MOUNT, "x"), None);
    }
}
