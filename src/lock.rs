//! The repository lock (SPEC section 4): an OS file lock on `<common dir>/wt/lock`, a file of its
//! own (never the file being replaced), so that several agents on one machine serialize. The OS
//! drops it when the process dies, so a killed `wt` never leaves a stale lock behind.

use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

pub struct RepoLock {
    file: File,
}

impl RepoLock {
    /// Wait up to `wait` for the lock; exit code 5 when another `wt` keeps it longer.
    pub fn acquire(wt_dir: &Path, wait: Duration, what: &str) -> Result<RepoLock> {
        fs::create_dir_all(wt_dir)?;
        let path = wt_dir.join("lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file);
                    return Err(Error::busy(format!(
                        "another wt holds the repository lock ({holder}); waited {}s",
                        wait.as_secs()
                    ))
                    .hint("wait for it to finish, or pass --wait SECONDS"));
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(Error::git(format!("cannot lock {}: {e}", path.display())))
                }
            }
        }
        // why: the holder's pid and command make the busy message useful; content is advisory.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "pid {} {what}", std::process::id());
        Ok(RepoLock { file })
    }
}

fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut text);
    if text.trim().is_empty() {
        "unknown holder".to_string()
    } else {
        text.trim().to_string()
    }
}

impl Drop for RepoLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}
