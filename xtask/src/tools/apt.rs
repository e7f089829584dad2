//! System packages from Debian's apt, which only root may install: anywhere else, or for
//! anyone else, the caller gets the exact command to run.

use super::process::is_root;
use crate::Result;
use std::path::Path;
use std::process::Command;

/// Installs `packages`; `why` says what they are needed for, in the message shown when this
/// machine cannot install them itself.
pub fn install(packages: &[&str], why: &str) -> Result<()> {
    let command = format!("apt-get install -y {}", packages.join(" "));
    if !(is_root() && Path::new("/etc/debian_version").exists()) {
        return Err(format!(
            "{why}. On Debian or Ubuntu: sudo {command} (elsewhere, install them by hand and \
             put them on PATH)"
        ));
    }
    let apt = |args: &[&str]| -> Result<bool> {
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(args)
            .status()
            .map(|status| status.success())
            .map_err(|e| format!("cannot start `apt-get`: {e}"))
    };
    let install = [&["install", "-y", "-q"][..], packages].concat();
    // The package lists may be stale or absent on a fresh machine: update once and try again.
    if apt(&install)? || (apt(&["update", "-q"])? && apt(&install)?) {
        Ok(())
    } else {
        Err(format!("`{command}` failed"))
    }
}
