//! Debian's `redis-server`, which the proxy's replicas share in the tests, the e2e suite, the
//! soak and the bench: found as `REDIS_SERVER`, on PATH or where Debian puts it, else installed.

use super::apt;
use crate::Result;
use std::path::PathBuf;
use std::process::Command;

/// `redis-server`'s path, installed first where it is missing.
pub fn server() -> Result<PathBuf> {
    if let Some(found) = find() {
        return Ok(found);
    }
    println!("redis-server: installing from Debian packages...");
    apt::install(
        &["redis-server"],
        "redis-server is needed to run the proxy's replicas",
    )?;
    find().ok_or_else(|| "redis-server is still not found after its install".to_owned())
}

fn find() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("REDIS_SERVER").map(PathBuf::from),
        Some(PathBuf::from("redis-server")),
        Some(PathBuf::from("/usr/bin/redis-server")),
    ];
    candidates.into_iter().flatten().find(|bin| {
        Command::new(bin)
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success())
    })
}
