//! `cargo xtask audit --db <path>`: the RustSec advisories against Cargo.lock, through cargo-deny
//! and the reasoned ignores in deny.toml. These machines cannot download the database, so it is
//! read from a local clone whose path is given, and the check stays offline.
//!
//! cargo-deny finds the default database at `<db-path>/advisory-db-<hash of its URL>`. The path
//! given may be that folder's parent or the clone itself, which is then linked under that name
//! in `target/audit/db/`; a copy of deny.toml with the `db-path` goes to `target/audit/`.

use crate::tools::{self, Needs, Tools};
use crate::{Result, files, repo_root};
use std::fs;
use std::path::{Path, PathBuf};

/// The folder name cargo-deny gives the clone of `https://github.com/rustsec/advisory-db`.
const DB_FOLDER: &str = "advisory-db-3157b0e258782691";

pub fn run(db: &Path) -> Result<()> {
    let out = repo_root().join("target").join("audit");
    files::create_dir(&out)?;
    let db_path = db_path(db, &out.join("db"))?;

    let deny_toml = repo_root().join("deny.toml");
    let config = files::read_text(&deny_toml)?;
    let config_path = out.join("deny.toml");
    files::write(&config_path, with_db_path(&config, &db_path)?)?;
    let config_arg = files::utf8(&config_path)?;

    let tools = tools::bootstrap(Needs::Audit)?;
    cargo_deny(&tools, &["--config", config_arg, "check", "advisories"])
}

/// cargo-deny, offline, over every workspace crate's dependencies. It reads the crates of every
/// platform, which builds for this one may not have downloaded, so they are fetched first.
pub fn cargo_deny(tools: &Tools, args: &[&str]) -> Result<()> {
    tools.run("cargo", &["fetch", "--locked"])?;
    let mut deny = vec!["deny", "--offline", "--locked", "--workspace"];
    deny.extend_from_slice(args);
    tools.run("cargo", &deny)
}

/// The folder to give cargo-deny as `db-path`, linking the clone into `links` when it was given
/// itself rather than its parent.
fn db_path(db: &Path, links: &Path) -> Result<PathBuf> {
    let db = std::path::absolute(db).map_err(|e| format!("bad path {}: {e}", db.display()))?;
    let is_clone = |dir: &Path| dir.join("crates").is_dir();
    if is_clone(&db.join(DB_FOLDER)) {
        return Ok(db);
    }
    if !is_clone(&db) {
        return Err(format!(
            "{} is not a clone of the RustSec advisory database: neither it nor {DB_FOLDER}/ in \
             it has a crates/ folder",
            db.display()
        ));
    }
    let link = links.join(DB_FOLDER);
    let io = |what: &str, e: std::io::Error| format!("{what} {}: {e}", link.display());
    fs::create_dir_all(links).map_err(|e| io("cannot create the folder of", e))?;
    if link.symlink_metadata().is_ok() {
        fs::remove_file(&link).map_err(|e| io("cannot replace", e))?;
    }
    link_dir(&db, &link).map_err(|e| io("cannot create", e))?;
    Ok(links.to_path_buf())
}

#[cfg(unix)]
fn link_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn link_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_dir(target, link)
}

/// The config with `db-path` as the first key of its `[advisories]` table.
fn with_db_path(config: &str, db_path: &Path) -> Result<String> {
    let path = db_path.to_str().ok_or("the database path is not UTF-8")?;
    // A literal string is read as written, backslashes included, but cannot hold a quote.
    if path.contains(['\'', '\n', '\r']) {
        return Err(format!(
            "the database path {path:?} holds a quote or a line break"
        ));
    }
    if config
        .lines()
        .any(|line| line.trim_start().starts_with("db-path"))
    {
        return Err("deny.toml sets db-path itself; the audit sets it from --db".to_owned());
    }
    let mut out = String::with_capacity(config.len() + path.len() + 16);
    let mut found = false;
    for line in config.lines() {
        out.push_str(line);
        out.push('\n');
        if line.trim() == "[advisories]" {
            out.push_str(&format!("db-path = '{path}'\n"));
            found = true;
        }
    }
    if found {
        Ok(out)
    } else {
        Err("deny.toml has no [advisories] table".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_goes_first_into_the_advisories_table() {
        let config = "[advisories]\nignore = []\n\n[bans]\nwildcards = \"deny\"\n";
        assert_eq!(
            with_db_path(config, Path::new("/tmp/d b")),
            Ok(
                "[advisories]\ndb-path = '/tmp/d b'\nignore = []\n\n[bans]\nwildcards = \"deny\"\n"
                    .to_owned()
            )
        );
        assert!(with_db_path("[bans]\n", Path::new("/tmp/db")).is_err());
        assert!(with_db_path(config, Path::new("/tmp/it's")).is_err());
        let own = "[advisories]\ndb-path = '/elsewhere'\n";
        assert!(with_db_path(own, Path::new("/tmp/db")).is_err());
    }

    #[test]
    fn a_clone_or_its_parent_is_found_and_anything_else_refused() {
        let scratch = std::env::temp_dir().join(format!("xtask-audit-{}", std::process::id()));
        let clone = scratch.join("advisory-db");
        let parent = scratch.join("parent");
        let links = scratch.join("links");
        for dir in [clone.join("crates"), parent.join(DB_FOLDER).join("crates")] {
            fs::create_dir_all(dir).expect("scratch folders");
        }

        assert_eq!(db_path(&parent, &links), Ok(parent.clone()));
        // Twice: a link left by the last run is replaced.
        for _ in 0..2 {
            assert_eq!(db_path(&clone, &links), Ok(links.clone()));
            let linked = fs::read_link(links.join(DB_FOLDER)).expect("a link");
            assert_eq!(linked, clone);
        }
        assert!(db_path(&scratch, &links).is_err());
        assert!(db_path(&scratch.join("missing"), &links).is_err());
        fs::remove_dir_all(&scratch).expect("cleanup");
    }
}
