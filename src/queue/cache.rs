//! A small result derived from the queue file, remembered between runs in
//! `<common dir>/wt/queue-summary.json`. `wt preflight` and `wt status` run at the start of every
//! agent cycle, and parsing a 5,000-task queue costs about 20 ms: several times a small
//! repository's whole `git status`. The remembered result is used only while everything it was
//! made from is unchanged: the queue file (size, inode, modification and change times), the
//! lanes, the base tip and the wt version.
//!
//! Like git's index, a file modified within the same clock tick as our read could keep its
//! times; so a result is only stored once the file is two seconds old ("racily clean" otherwise),
//! and only if the file did not change while it was being read. A lost or torn cache file is
//! simply recomputed; it is never fsynced.

use crate::config::Lane;
use crate::sys::files::{self, Durability};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A file younger than this is not cached.
const RACY: Duration = Duration::from_secs(2);

/// What the remembered result depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Key {
    wt: String,
    queue: PathBuf,
    file: FileId,
    lanes: Vec<(String, String, Option<u32>, String)>,
    base_tip: Option<String>,
    /// The archive files (`[queue] archive`), each with its identity: archived tasks satisfy
    /// dependencies, so a changed, added or removed archive changes the result.
    archives: Vec<(PathBuf, Option<FileId>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FileId {
    len: u64,
    ino: u64,
    dev: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileId {
    fn of(path: &Path) -> Option<(FileId, SystemTime)> {
        let meta = std::fs::metadata(path).ok()?;
        let id = FileId {
            len: meta.len(),
            ino: meta.ino(),
            dev: meta.dev(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        };
        Some((id, meta.modified().ok()?))
    }
}

#[derive(Serialize, Deserialize)]
struct Stored<T> {
    key: Key,
    value: T,
}

/// The cache entry for one queue file as it is now.
pub struct Cache {
    path: PathBuf,
    queue: PathBuf,
    key: Key,
    modified: SystemTime,
}

impl Cache {
    /// `None` when the queue file cannot be looked at (the caller's read then reports why).
    pub fn new(
        common_dir: &Path,
        queue: &Path,
        lanes: &[Lane],
        base_tip: Option<String>,
        archives: Vec<PathBuf>,
    ) -> Option<Cache> {
        let (file, modified) = FileId::of(queue)?;
        let archives = archives
            .into_iter()
            .map(|path| {
                let id = FileId::of(&path).map(|(id, _)| id);
                (path, id)
            })
            .collect();
        let key = Key {
            wt: env!("CARGO_PKG_VERSION").to_string(),
            queue: queue.to_path_buf(),
            file,
            lanes: lanes
                .iter()
                .map(|l| (l.id.clone(), l.role.clone(), l.index, l.branch.clone()))
                .collect(),
            base_tip,
            archives,
        };
        Some(Cache {
            path: common_dir.join("wt").join("queue-summary.json"),
            queue: queue.to_path_buf(),
            key,
            modified,
        })
    }

    /// The value stored for exactly this key, if any.
    pub fn get<T: DeserializeOwned>(&self) -> Option<T> {
        let bytes = std::fs::read(&self.path).ok()?;
        let stored: Stored<T> = serde_json::from_slice(&bytes).ok()?;
        (stored.key == self.key).then_some(stored.value)
    }

    /// Remember `value`, when the queue file is old enough and still the one the key describes.
    /// Best effort: a cache that cannot be written only costs speed.
    pub fn put<T: Serialize>(&self, value: &T) {
        let old_enough = SystemTime::now()
            .duration_since(self.modified)
            .is_ok_and(|age| age >= RACY);
        let unchanged = FileId::of(&self.queue).is_some_and(|(id, _)| id == self.key.file);
        if !(old_enough && unchanged) {
            return;
        }
        let stored = Stored {
            key: self.key.clone(),
            value,
        };
        if let Ok(bytes) = serde_json::to_vec(&stored) {
            let _ = files::replace(&self.path, &bytes, Durability::Cache);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(id: &str) -> Lane {
        Lane {
            id: id.into(),
            role: "A".into(),
            index: None,
            branch: format!("agent/{id}"),
            path: PathBuf::from("/x"),
        }
    }

    fn age(path: &Path, secs: u64) {
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(secs))
            .unwrap();
    }

    #[test]
    fn a_changed_added_or_removed_archive_file_is_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let q = dir.path().join("queue.yaml");
        let a = dir.path().join("archive.yaml");
        std::fs::write(&q, "version: 1\ntasks: []\n").unwrap();
        std::fs::write(&a, "version: 1\ntasks: []\n").unwrap();
        age(&q, 10);
        let cache =
            |archives: Vec<PathBuf>| Cache::new(dir.path(), &q, &[], None, archives).unwrap();
        cache(vec![a.clone()]).put(&1u32);
        assert_eq!(cache(vec![a.clone()]).get::<u32>(), Some(1));
        assert_eq!(cache(Vec::new()).get::<u32>(), None, "archive gone");
        std::fs::write(&a, "version: 1\ntasks: [] # edited\n").unwrap();
        assert_eq!(cache(vec![a.clone()]).get::<u32>(), None, "archive edited");
    }

    #[test]
    fn a_value_is_kept_only_for_the_same_file_lanes_and_base() {
        let dir = tempfile::tempdir().unwrap();
        let q = dir.path().join("queue.yaml");
        std::fs::write(&q, "version: 1\ntasks: []\n").unwrap();
        let lanes = [lane("A")];
        let tip = Some("abc".to_string());
        let cache = |lanes: &[Lane], tip: &Option<String>| {
            Cache::new(dir.path(), &q, lanes, tip.clone(), Vec::new()).unwrap()
        };
        cache(&lanes, &tip).put(&7u32);
        assert_eq!(
            cache(&lanes, &tip).get::<u32>(),
            None,
            "a fresh file is racy"
        );
        age(&q, 10);
        cache(&lanes, &tip).put(&7u32);
        assert_eq!(cache(&lanes, &tip).get::<u32>(), Some(7));
        assert_eq!(cache(&[lane("B")], &tip).get::<u32>(), None, "other lanes");
        assert_eq!(cache(&lanes, &None).get::<u32>(), None, "other base tip");
        std::fs::write(&q, "version: 1\ntasks: [ ]\n").unwrap();
        age(&q, 10);
        assert_eq!(cache(&lanes, &tip).get::<u32>(), None, "the file changed");
    }

    #[test]
    fn a_file_changed_while_it_was_read_is_not_cached() {
        let dir = tempfile::tempdir().unwrap();
        let q = dir.path().join("queue.yaml");
        std::fs::write(&q, "a").unwrap();
        age(&q, 10);
        let c = Cache::new(dir.path(), &q, &[], None, Vec::new()).unwrap();
        std::fs::write(&q, "b").unwrap();
        age(&q, 10);
        c.put(&1u32);
        let again = Cache::new(dir.path(), &q, &[], None, Vec::new()).unwrap();
        assert_eq!(again.get::<u32>(), None);
        assert!(!dir.path().join("wt/queue-summary.json").exists());
    }

    #[test]
    fn a_torn_cache_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let q = dir.path().join("queue.yaml");
        std::fs::write(&q, "a").unwrap();
        age(&q, 10);
        let c = Cache::new(dir.path(), &q, &[], None, Vec::new()).unwrap();
        c.put(&1u32);
        let path = dir.path().join("wt/queue-summary.json");
        let text = std::fs::read(&path).unwrap();
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        assert_eq!(c.get::<u32>(), None);
    }
}
