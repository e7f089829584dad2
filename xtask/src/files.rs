//! `std::fs` with errors that name the file, for every command.

use crate::Result;
use std::fs;
use std::path::Path;

pub fn read(file: &Path) -> Result<Vec<u8>> {
    fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

pub fn read_text(file: &Path) -> Result<String> {
    fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

pub fn write(file: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    fs::write(file, contents).map_err(|e| format!("cannot write {}: {e}", file.display()))
}

pub fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

pub fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

/// Copies the tree under `from` into `to`, which is created.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    create_dir(to)?;
    let entries = fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", from.display()))?
            .path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            copy(&path, &target)?;
        }
    }
    Ok(())
}

/// Replaces the first `from` in `file`; an error if there is none.
pub fn replace_once(file: &Path, from: &str, to: &str) -> Result<()> {
    let text = read_text(file)?;
    if !text.contains(from) {
        return Err(format!("{} has no `{from}`", file.display()));
    }
    write(file, text.replacen(from, to, 1))
}

/// A path as the `&str` argument of a tool.
pub fn utf8(file: &Path) -> Result<&str> {
    file.to_str()
        .ok_or_else(|| format!("not a UTF-8 path: {}", file.display()))
}
