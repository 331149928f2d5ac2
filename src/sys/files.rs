//! wt's own files under `<common dir>/wt/` (check records, merge journals, handoffs): written
//! atomically (temp file in the same directory, fsync, rename), so a crash leaves the old file or
//! the new one, never half of one. Also the time stamps they carry.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

/// Replace `path` with `bytes` atomically, creating its directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("a record path has a directory"))?;
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".wt-tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // why: the rename is durable only once the directory entry is on disk too.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Remove `path`; a file that is already gone is not an error.
pub fn remove(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// `2026-01-01T00:00:00Z`
pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// `20260101T000000Z` from an RFC 3339 time: safe in a file name.
pub fn file_stamp(rfc3339: &str) -> String {
    rfc3339.chars().filter(|c| *c != '-' && *c != ':').collect()
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

    #[test]
    fn stamps_are_file_names() {
        assert_eq!(file_stamp("2026-01-01T00:00:00Z"), "20260101T000000Z");
    }
}
