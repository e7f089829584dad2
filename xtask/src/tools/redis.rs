//! `redis-server` for the proxy's tests of replicas sharing Redis: found, or installed from
//! Debian's package, like nginx for the e2e suite.

use crate::{Result, secs};
use std::{env, path::PathBuf, time::Instant};

/// `REDIS_SERVER`, else `redis-server` on PATH or in /usr/bin; else installed with apt as
/// root on Debian; otherwise the command to run.
pub fn redis_server() -> Result<PathBuf> {
    if let Some(found) = find() {
        println!("redis-server: {}", found.display());
        return Ok(found);
    }
    println!("redis-server: installing from Debian packages...");
    let started = Instant::now();
    super::apt::install(
        &["redis-server"],
        "redis-server is needed for the proxy's tests of replicas sharing Redis (or set \
         REDIS_SERVER to one)",
    )?;
    let found = find().ok_or("redis-server installed, but still not found")?;
    println!(
        "redis-server: installed in {} ({})",
        secs(started.elapsed()),
        found.display()
    );
    Ok(found)
}

fn find() -> Option<PathBuf> {
    if let Some(set) = env::var_os("REDIS_SERVER").filter(|value| !value.is_empty()) {
        return Some(PathBuf::from(set));
    }
    env::split_paths(&env::var_os("PATH").unwrap_or_default())
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}
