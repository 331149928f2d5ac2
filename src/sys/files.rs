//! wt's own files under `<common dir>/wt/` (check records, merge journals, handoffs): written
//! atomically (temp file in the same directory, fsync, rename), so a crash leaves the old file or
//! the new one, never half of one.

use std::fs;
use std::io::Write;
use std::path::Path;

/// Whether a write must survive a power cut, or only a crash of wt.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync the file and its directory: records, journals, the queue file.
    Synced,
    /// No fsync: a cache, where a lost write only costs speed.
    Cache,
}

/// Replace `path` with `bytes` atomically, creating its directory: a durable record.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes, Durability::Synced)
}

/// Replace `path` with `bytes`: a temp file (`.wt-tmp*`, so that a run after a kill can find
/// leftovers) in the same directory, renamed over the old file, whose permissions it keeps.
pub fn replace(path: &Path, bytes: &[u8], durability: Durability) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let prefix = match durability {
        Durability::Synced => TEMP_PREFIX,
        Durability::Cache => CACHE_TEMP_PREFIX,
    };
    let mut tmp = tempfile::Builder::new().prefix(prefix).tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if durability == Durability::Synced {
        tmp.as_file().sync_all()?;
    }
    if let Ok(meta) = fs::metadata(path) {
        let _ = fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(path).map_err(|e| e.error)?;
    // why: the rename is durable only once the directory entry is on disk too.
    if durability == Durability::Synced {
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// The name every temp file of wt starts with.
pub const TEMP_PREFIX: &str = ".wt-tmp";
/// The temp files of cache writes, which a wt without the repository lock may be making.
pub const CACHE_TEMP_PREFIX: &str = ".wt-tmp-cache";

/// Remove the temp files (`.wt-tmp*`) a killed wt left directly in `dir`; with `min_age`, only
/// those older than that (a directory another wt may be writing without the repository lock).
/// Cache temp files are always held to `CACHE_MIN_AGE`: any wt may be writing one. Returns how
/// many went. Best effort: a file that cannot be removed is left.
pub const CACHE_MIN_AGE: std::time::Duration = std::time::Duration::from_secs(60);

pub fn sweep_temp(dir: &Path, min_age: Option<std::time::Duration>) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        if !e
            .file_name()
            .as_encoded_bytes()
            .starts_with(TEMP_PREFIX.as_bytes())
        {
            continue;
        }
        let Ok(meta) = e.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let cache = e
            .file_name()
            .as_encoded_bytes()
            .starts_with(CACHE_TEMP_PREFIX.as_bytes());
        let min_age = if cache { Some(CACHE_MIN_AGE) } else { min_age };
        let old_enough = min_age.is_none_or(|age| {
            meta.modified()
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|d| d >= age)
        });
        if old_enough && fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Remove `path`; a file that is already gone is not an error.
pub fn remove(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// For `#[serde(serialize_with)]` on path fields of JSON output: a path that is not UTF-8 (git
/// allows any bytes) is shown with U+FFFD in place of its bad bytes instead of failing the
/// whole document.
pub fn lossy_path<S: serde::Serializer>(path: &std::path::Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_then_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wt/checks/A.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp file left behind");
        remove(&path).unwrap();
        remove(&path).unwrap();
    }
}
