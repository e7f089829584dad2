//! `cargo xtask site`: the one builder of a site to serve, for the demo and the e2e suite.
//! `dist/` copied with a checkout origin added to the widget's allowlist through its own option
//! on the mount element (the query string can never set it); with `--dashboard`, beside it the
//! example dashboard (`www/embed.*`) with the npm package under `npm/`, allowed the same origin;
//! with `--host-pages`, the strict host pages of `e2e/hosts/` under `hosts/`.

use crate::files::{self, copy_dir};
use crate::{Result, dist, repo_root};
use std::fs;
use std::path::{Path, PathBuf};

/// The example dashboard's files in `www/`; it loads the npm package from `./npm/`.
const DASHBOARD: [&str; 3] = ["embed.html", "embed.js", "embed.css"];
/// Where the example dashboard takes the package's pre-rendered form.
const FIRST_PAINT: &str = "<!-- first paint -->";
/// The mount element of `dist/index.html`.
const MOUNT: &str = r#"<div id="closient-checkout""#;
/// The start of every widget's allowlist in the dashboard and the host pages.
const ORIGINS: &str = r#"checkout-origins="https://checkout.stripe.com"#;

/// What goes into a site, and from where.
#[derive(Debug, Clone)]
pub struct Site {
    /// Added to every widget's checkout allowlist.
    pub checkout_origin: String,
    /// The release build (`dist/` by default).
    pub dist: PathBuf,
    /// The npm package (`target/npm/` by default).
    pub npm: PathBuf,
    pub dashboard: bool,
    pub host_pages: bool,
}

impl Site {
    /// The built `dist/` and `target/npm/`, nothing beside the widget's page.
    pub fn new(checkout_origin: &str) -> Self {
        Self {
            checkout_origin: checkout_origin.to_owned(),
            dist: repo_root().join("dist"),
            npm: dist::npm::dir(),
            dashboard: false,
            host_pages: false,
        }
    }

    /// Writes the site into `out`, which must be absent or empty.
    pub fn build(&self, out: &Path) -> Result<()> {
        let index = self.dist.join("index.html");
        if !index.is_file() {
            return Err(format!(
                "{} is missing: run `cargo xtask dist` first",
                index.display()
            ));
        }
        let occupied = fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some());
        if occupied {
            return Err(format!(
                "{} is not empty: a site is written only into a new folder",
                out.display()
            ));
        }
        copy_dir(&self.dist, out)?;
        let index = out.join("index.html");
        files::replace_once(
            &index,
            MOUNT,
            &format!(
                r#"{MOUNT} data-checkout-origins="https://checkout.stripe.com {}""#,
                self.checkout_origin
            ),
        )?;
        // The servers prefer dist's precompressed twins, which hold the page as built.
        dist::precompress(&index)?;

        let mut pages = Vec::new();
        if self.dashboard {
            if !self.npm.join("index.js").is_file() {
                return Err(format!(
                    "{} has no index.js: run `cargo xtask dist` first",
                    self.npm.display()
                ));
            }
            copy_dir(&self.npm, &out.join("npm"))?;
            let www = repo_root().join("www");
            for file in DASHBOARD {
                files::copy(&www.join(file), &out.join(file))?;
            }
            // Each widget's place takes the package's pre-rendered form, as a dashboard
            // rendered on a server would.
            let first_paint = files::read_text(&self.npm.join("prerendered.html"))?
                .replace(r#"href="checkout.css""#, r#"href="./npm/checkout.css""#);
            let dashboard = out.join("embed.html");
            let page = files::read_text(&dashboard)?;
            files::write(&dashboard, page.replace(FIRST_PAINT, &first_paint))?;
            pages.push(dashboard);
        }
        if self.host_pages {
            let hosts = out.join("hosts");
            copy_dir(&repo_root().join("e2e").join("hosts"), &hosts)?;
            let mut html: Vec<PathBuf> = fs::read_dir(&hosts)
                .map_err(|e| format!("cannot read {}: {e}", hosts.display()))?
                .filter_map(|entry| Some(entry.ok()?.path()))
                .filter(|file| file.extension().is_some_and(|ext| ext == "html"))
                .collect();
            html.sort();
            pages.extend(html);
        }
        for page in pages {
            allow_checkout_origin(&page, &self.checkout_origin)?;
        }
        Ok(())
    }
}

/// Adds `origin` to the `checkout-origins` attribute of every widget of an HTML file.
fn allow_checkout_origin(file: &Path, origin: &str) -> Result<()> {
    let html = files::read_text(file)?;
    if !html.contains(ORIGINS) {
        return Err(format!("{} has no {ORIGINS}\"", file.display()));
    }
    files::write(file, html.replace(ORIGINS, &format!("{ORIGINS} {origin}")))
}

#[cfg(test)]
mod tests {
    use super::allow_checkout_origin;

    #[test]
    fn every_widget_of_a_page_allows_the_origin() {
        let dir = std::env::temp_dir().join(format!("xtask-site-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        let page = dir.join("page.html");
        let widget = r#"<closient-checkout checkout-origins="https://checkout.stripe.com">"#;
        std::fs::write(&page, format!("{widget}{widget}")).expect("written");
        allow_checkout_origin(&page, "http://127.0.0.1:9").expect("allowed");
        let html = std::fs::read_to_string(&page).expect("read");
        assert_eq!(
            html.matches("https://checkout.stripe.com http://127.0.0.1:9\"")
                .count(),
            2
        );
        std::fs::write(&page, "<p>no widget</p>").expect("written");
        assert!(allow_checkout_origin(&page, "http://127.0.0.1:9").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
