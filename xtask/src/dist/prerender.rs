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
//!
//! The form is rendered in each language the widget speaks, each in a shadow host with its
//! `lang`; an inline script in `<head>` (`language.js`) keeps the visitor's before the first
//! paint, so the wasm's arrival changes no word. The proxy's policy allows that script by its
//! hash, read from the page it serves.

use super::reproducible::content_hash;
use crate::tools::{Tools, process::find_on_path};
use crate::{Result, files, repo_root};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How the widget's stylesheet file is named in `dist/`, before its content hash.
pub const STYLESHEET_PREFIX: &str = "checkout-";

/// The mount element of the hosted page, as `index.html` opens it.
const MOUNT: &str = r#"<div id="closient-checkout">"#;

/// The languages the form is pre-rendered in, as `lang` tags, English first: the language of
/// any other locale (`Language::for_locale`). `tests/prerendered_languages.rs` checks that
/// these are the widget's.
pub const LANGUAGES: [&str; 2] = ["en", "de"];

/// Where `language.js` takes the list of languages.
const LANGUAGES_PLACEHOLDER: &str = "[/* languages */]";

/// What a page puts inside the mount element (or `<closient-checkout>`) for the first paint,
/// with the stylesheet at `stylesheet`.
pub fn markup(root: &str, stylesheet: &str) -> String {
    shadow_host("", root, stylesheet)
}

fn shadow_host(attributes: &str, root: &str, stylesheet: &str) -> String {
    format!(
        r#"<div{attributes}><template shadowrootmode="open"><link rel="stylesheet" href="{stylesheet}">{root}</template></div>"#
    )
}

/// The `<script>` that chooses the page's language (`language.js`), without its comments.
fn language_script() -> Result<String> {
    let source = include_str!("language.js");
    let languages = serde_json::to_string(&LANGUAGES).map_err(|e| e.to_string())?;
    if !source.contains(LANGUAGES_PLACEHOLDER) {
        return Err(format!("language.js has no {LANGUAGES_PLACEHOLDER}"));
    }
    let code: Vec<&str> = source
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
        .collect();
    Ok(format!(
        "<script>{}</script>",
        code.join("\n").replace(LANGUAGES_PLACEHOLDER, &languages)
    ))
}

/// Writes the widget's stylesheet into `dist`, and into its `index.html` the script that chooses
/// the language and the form rendered in each; returns the stylesheet's path, and the English
/// form's root markup for the npm package.
pub fn run(tools: &Tools, dist: &Path, index: &Path) -> Result<(PathBuf, String)> {
    let styles = files::read(&repo_root().join("www/checkout.css"))?;
    let name = format!("{STYLESHEET_PREFIX}{}.css", content_hash(&[&styles]));
    let stylesheet = dist.join(&name);
    files::write(&stylesheet, &styles)?;

    // The page renders with the script in place, as a visitor of each language sees it.
    let page = files::read_text(index)?;
    let page = insert_before(&page, "</head>", &language_script()?)
        .ok_or_else(|| format!("{} has no </head>", index.display()))?;
    files::write(index, &page)?;

    let chromium = find_on_path("chromium").ok_or("chromium is not on PATH")?;
    let script = repo_root().join("xtask/src/dist/prerender.js");
    let dist_arg = dist.to_string_lossy();
    let printed = tools.output(
        "node",
        &[
            &script.to_string_lossy(),
            &dist_arg,
            &chromium.to_string_lossy(),
            &LANGUAGES.join(","),
        ],
    )?;
    let mut roots: BTreeMap<String, String> = serde_json::from_str(&printed)
        .map_err(|e| format!("prerender.js printed no map of languages to markup: {e}"))?;
    let mut hosts = String::new();
    for language in LANGUAGES {
        let root = roots
            .get(language)
            .ok_or_else(|| format!("no form was rendered in {language}"))?;
        if !root.starts_with(r#"<div class="cc-root""#) || !root.contains("<form") {
            let start: String = root.chars().take(200).collect();
            return Err(format!("the rendered form is not the widget's: {start}"));
        }
        let lang = format!(r#" lang="{language}""#);
        hosts.push_str(&shadow_host(&lang, root, &format!("./{name}")));
    }
    let with_form = insert_after(&page, MOUNT, &hosts)
        .ok_or_else(|| format!("{} has no {MOUNT}", index.display()))?;
    files::write(index, with_form)?;
    let english = roots.remove(LANGUAGES[0]).unwrap_or_default();
    Ok((stylesheet, english))
}

fn insert_before(page: &str, marker: &str, insert: &str) -> Option<String> {
    let at = page.find(marker)?;
    Some(format!("{}{insert}{}", &page[..at], &page[at..]))
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
        assert_eq!(
            insert_before("<head></head>", "</head>", "<script></script>").as_deref(),
            Some("<head><script></script></head>")
        );
    }

    #[test]
    fn the_language_script_lists_the_languages_and_leaves_out_its_comments() {
        let script = language_script().expect("the script");
        assert!(script.starts_with("<script>{"), "{script}");
        assert!(
            script.contains(r#"const LANGUAGES = ["en","de"];"#),
            "{script}"
        );
        assert!(!script.contains("//"), "no comment: {script}");
        assert_eq!(script.matches("</script>").count(), 1);
    }
}
