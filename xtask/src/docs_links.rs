//! The `docs links` step: every relative link and anchor in `README.md` and `docs/*.md` resolves.
//!
//! A link is a Markdown target (`[text](target)`, images too) or an HTML `href`, `src` or
//! `srcset` outside code blocks and code spans. One with a scheme (`https:`, `mailto:`) or that
//! starts with `//` is left alone. The rest must name a file or folder that exists, relative to
//! the page, and an anchor must be one of the target page's headings, as GitHub makes them:
//! lowercase, spaces to hyphens, other punctuation dropped, `-1`, `-2` on repeats.

use crate::{Result, repo_root};
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Checks the pages of the repository and prints how many links it followed.
pub fn check() -> Result<()> {
    let root = repo_root();
    let (links, problems) = check_pages(root, &pages(root)?)?;
    if problems.is_empty() {
        println!("docs links: {links} relative links resolve");
        Ok(())
    } else {
        Err(format!(
            "{} broken link(s) in the docs:\n  {}",
            problems.len(),
            problems.join("\n  ")
        ))
    }
}

/// `README.md` and every `docs/*.md`, sorted.
fn pages(root: &Path) -> Result<Vec<PathBuf>> {
    let docs = root.join("docs");
    let mut pages = vec![root.join("README.md")];
    let entries =
        fs::read_dir(&docs).map_err(|e| format!("cannot read {}: {e}", docs.display()))?;
    let mut found = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", docs.display()))?
            .path();
        if path.extension().is_some_and(|ext| ext == "md") {
            found.push(path);
        }
    }
    found.sort();
    pages.extend(found);
    Ok(pages)
}

/// The number of relative links in `pages`, and a line for each that does not resolve.
fn check_pages(root: &Path, pages: &[PathBuf]) -> Result<(usize, Vec<String>)> {
    let mut count = 0;
    let mut problems = Vec::new();
    for page in pages {
        let text = read(page)?;
        let shown = page
            .strip_prefix(root)
            .unwrap_or(page)
            .display()
            .to_string();
        for target in links(&text) {
            if is_external(&target) {
                continue;
            }
            count += 1;
            if let Err(problem) = resolve(page, &text, &target) {
                problems.push(format!("{shown}: {target}: {problem}"));
            }
        }
    }
    Ok((count, problems))
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Ok when `target`, a relative link on `page` (whose text is `text`), names something there.
fn resolve(page: &Path, text: &str, target: &str) -> std::result::Result<(), String> {
    let (path, anchor) = match target.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (target, None),
    };
    let (file, contents) = if path.is_empty() {
        (page.to_path_buf(), Some(text.to_owned()))
    } else {
        let file = page.parent().unwrap_or(Path::new(".")).join(path);
        if !file.exists() {
            return Err("no such file".to_owned());
        }
        let is_markdown = file.extension().is_some_and(|ext| ext == "md");
        let contents = is_markdown
            .then(|| fs::read_to_string(&file).ok())
            .flatten();
        (file, contents)
    };
    let Some(anchor) = anchor else {
        return Ok(());
    };
    let Some(contents) = contents else {
        return Err(format!(
            "an anchor into {}, which is not a Markdown page",
            file.display()
        ));
    };
    if anchors(&contents).contains(anchor) {
        Ok(())
    } else {
        Err(format!("no heading with the anchor #{anchor}"))
    }
}

fn is_external(target: &str) -> bool {
    if target.starts_with("//") {
        return true;
    }
    // A scheme: letters, digits, `+`, `-` or `.` before the first `:`, and no `/` before it.
    target.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// The lines of `text` outside fenced code blocks.
fn prose_lines(text: &str) -> Vec<&str> {
    let mut fence: Option<&str> = None;
    let mut lines = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"]
            .into_iter()
            .find(|marker| trimmed.starts_with(marker));
        match (fence, marker) {
            (None, Some(marker)) => fence = Some(marker),
            (Some(open), Some(marker)) if open == marker => fence = None,
            (None, None) => lines.push(line),
            _ => {}
        }
    }
    lines
}

/// `text` with its code spans (`` `x` ``, ``` ``x`` ```) removed; an unclosed run of
/// backticks stays as it is, as in Markdown.
fn without_code_spans(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let run = rest[start..].chars().take_while(|&c| c == '`').count();
        let ticks = &rest[start..start + run];
        let after = &rest[start + run..];
        match find_closing(after, run) {
            Some(end) => rest = &after[end + run..],
            None => {
                out.push_str(ticks);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where a run of exactly `run` backticks starts in `text`.
fn find_closing(text: &str, run: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let len = bytes[i..].iter().take_while(|&&b| b == b'`').count();
            if len == run {
                return Some(i);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    None
}

/// Every link target of the page, in order.
fn links(text: &str) -> Vec<String> {
    let prose = without_code_spans(&prose_lines(text).join("\n"));
    let mut targets = Vec::new();
    // Markdown: `](target)` or `](target "title")`.
    let mut rest = prose.as_str();
    while let Some(start) = rest.find("](") {
        rest = &rest[start + 2..];
        let end = rest.find(')').unwrap_or(rest.len());
        let inside = rest[..end].trim();
        // `<a target with spaces>`, else up to a title.
        let target = match inside.strip_prefix('<') {
            Some(bracketed) => bracketed.split_once('>').map_or(bracketed, |(t, _)| t),
            None => inside.split_whitespace().next().unwrap_or(""),
        };
        if !target.is_empty() {
            targets.push(target.to_owned());
        }
    }
    // HTML: href="...", src="...", srcset="..." (each candidate's URL).
    for attribute in ["href=\"", "src=\"", "srcset=\""] {
        let mut rest = prose.as_str();
        while let Some(start) = rest.find(attribute) {
            let preceded_by_name = rest[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            if !preceded_by_name {
                let value = &rest[..end];
                if attribute == "srcset=\"" {
                    for candidate in value.split(',') {
                        if let Some(url) = candidate.split_whitespace().next() {
                            targets.push(url.to_owned());
                        }
                    }
                } else if !value.is_empty() {
                    targets.push(value.to_owned());
                }
            }
        }
    }
    targets
}

/// The anchors GitHub gives the page's headings.
fn anchors(text: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    for line in prose_lines(text) {
        let Some(heading) = heading_text(line) else {
            continue;
        };
        let base = slug(&heading);
        let mut anchor = base.clone();
        let mut n = 0;
        while seen.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        seen.insert(anchor);
    }
    seen
}

/// The text of an ATX heading (`## Text ##`), with links reduced to their text.
fn heading_text(line: &str) -> Option<String> {
    let trimmed = line
        .strip_prefix("   ")
        .or(line.strip_prefix("  "))
        .unwrap_or(line);
    let trimmed = trimmed.strip_prefix(' ').unwrap_or(trimmed);
    let level = trimmed.chars().take_while(|&c| c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim_end();
    Some(link_texts(text))
}

/// `[text](target)` -> `text`.
fn link_texts(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// GitHub's anchor for a heading: lowercase; letters, digits, `-` and `_` kept; each space a
/// hyphen; everything else dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_githubs() {
        assert_eq!(slug("The first paint"), "the-first-paint");
        assert_eq!(
            slug("Tenants: who may top up and read which organization"),
            "tenants-who-may-top-up-and-read-which-organization"
        );
        assert_eq!(
            slug("What `cargo xtask test` runs"),
            "what-cargo-xtask-test-runs"
        );
        assert_eq!(slug("Über, Größe & co."), "über-größe--co");
        assert_eq!(
            slug("snake_case and kebab-case"),
            "snake_case-and-kebab-case"
        );
    }

    #[test]
    fn repeated_headings_are_numbered_and_code_is_no_heading() {
        let page =
            "# Top\n## Top\n```sh\n# a comment\n```\n#[derive(Debug)]\n## [Linked](x.md) part ##\n";
        let found = anchors(page);
        for anchor in ["top", "top-1", "linked-part"] {
            assert!(found.contains(anchor), "{anchor} in {found:?}");
        }
        assert!(!found.contains("a-comment"));
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn finds_links_outside_code_only() {
        let page = "See [a](a.md#x) and [two\nlines](b.md), `[c](c.md)` and ``[d](d.md)``.\n\
                    ![pic](p.png \"title\")\n<img src=\"i.png\" alt=\"a picture\">\n\
                    <source srcset=\"s.png 2x, t.png\"> data-src=\"no.png\"\n\
                    ```md\n[f](f.md)\n```\n  ```\n  [g](g.md)\n  ```\n[h](<h h.md>)";
        assert_eq!(
            links(page),
            [
                "a.md#x", "b.md", "p.png", "h h.md", "i.png", "s.png", "t.png"
            ]
        );
    }

    #[test]
    fn external_links_are_left_alone() {
        for target in [
            "https://example.com/x",
            "mailto:a@b.c",
            "//cdn.example/x.js",
        ] {
            assert!(is_external(target), "{target}");
        }
        for target in ["docs/a.md", "#anchor", "a.md#b:c", "../README.md"] {
            assert!(!is_external(target), "{target}");
        }
    }

    #[test]
    fn reports_missing_files_and_anchors() {
        let dir = std::env::temp_dir().join(format!("docs-links-{}", std::process::id()));
        fs::create_dir_all(dir.join("docs")).expect("scratch folder");
        fs::write(
            dir.join("README.md"),
            "# Front\n[ok](docs/a.md#part-one) [self](#front) [gone](docs/b.md) \
             [bad](docs/a.md#part-two) [dir](docs/)\n",
        )
        .expect("README");
        fs::write(
            dir.join("docs/a.md"),
            "# A\n## Part one\n[up](../README.md#nope)\n",
        )
        .expect("a");
        let pages = pages(&dir).expect("pages");
        let (count, problems) = check_pages(&dir, &pages).expect("checked");
        fs::remove_dir_all(&dir).expect("cleaned up");
        assert_eq!(count, 6);
        assert_eq!(
            problems,
            [
                "README.md: docs/b.md: no such file",
                "README.md: docs/a.md#part-two: no heading with the anchor #part-two",
                "docs/a.md: ../README.md#nope: no heading with the anchor #nope",
            ]
        );
    }

    /// The repository's own pages: `cargo test` fails on a broken link as the step does.
    #[test]
    fn the_repositorys_docs_links_resolve() {
        let root = repo_root();
        let (count, problems) = check_pages(root, &pages(root).expect("pages")).expect("checked");
        assert!(count > 0, "no relative links found");
        assert!(
            problems.is_empty(),
            "broken links:\n{}",
            problems.join("\n")
        );
    }
}
