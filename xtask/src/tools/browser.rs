//! Chromium and a matching ChromeDriver, for the browser tests: found on the machine, or
//! installed from Debian's packages.

use super::{
    Tally, apt,
    process::{capture, find_on_path},
};
use crate::{Result, secs};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

impl Tally {
    /// Finds Chromium and a matching ChromeDriver, installing both on Debian when running as
    /// root, and returns the ChromeDriver path.
    pub(super) fn browser(&mut self) -> Result<PathBuf> {
        if let Some(chromedriver) = find_browser() {
            println!("chromium {}: cached", browser_version(&chromedriver));
            self.cached += 1;
            return Ok(chromedriver);
        }
        println!("chromium: installing from Debian packages (about 2 min)...");
        let started = Instant::now();
        apt::install(
            &["chromium", "chromium-driver"],
            "Chromium and a matching ChromeDriver are needed for the browser tests",
        )?;
        let chromedriver = find_browser().ok_or("chromium and chromedriver still not found")?;
        println!(
            "chromium {}: installed in {}",
            browser_version(&chromedriver),
            secs(started.elapsed())
        );
        self.installed += 1;
        Ok(chromedriver)
    }
}

/// The ChromeDriver path when both Chromium and ChromeDriver are installed.
fn find_browser() -> Option<PathBuf> {
    let chromium = Path::new("/usr/bin/chromium");
    let chromedriver = Path::new("/usr/bin/chromedriver");
    if chromium.is_file() && chromedriver.is_file() {
        return Some(chromedriver.to_path_buf());
    }
    find_on_path("chromium")?;
    find_on_path("chromedriver")
}

/// ChromeDriver's version, which matches Chromium's when both come from one distribution.
fn browser_version(chromedriver: &Path) -> String {
    // `ChromeDriver 156.0.8078.108 (...)`
    capture(Command::new(chromedriver).arg("--version"))
        .ok()
        .and_then(|out| out.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "(unknown version)".to_owned())
}
