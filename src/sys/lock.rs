//! The repository lock (SPEC section 4): an OS file lock on `<common dir>/wt/lock`, a file of its
//! own (never the file being replaced), so that several agents on one machine serialize. The OS
//! drops it when the process dies, so a killed `wt` never leaves a stale lock behind.
//!
//! Lane locks (`<common dir>/wt/lanes/<lane>.lock`) are the same kind of lock for one lane: long
//! work in a lane (a merge's checks) holds its lane alone, and the repository lock only around
//! what must be serialized (fetch, ref and main-checkout updates, the queue edit). Order: a lane
//! lock is always taken before the repository lock, never while holding it, so two `wt`s never
//! wait for each other in a circle.

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
        Self::acquire_with_notice(wt_dir, wait, what, |_| {})
    }

    /// As `acquire`, telling `notice` (one line each) when the lock is busy at first, so that
    /// people know why nothing happens yet, and how long it took once it is theirs.
    pub fn acquire_with_notice(
        wt_dir: &Path,
        wait: Duration,
        what: &str,
        notice: impl FnMut(&str),
    ) -> Result<RepoLock> {
        fs::create_dir_all(wt_dir)?;
        Self::acquire_at(
            &wt_dir.join("lock"),
            "the repository lock",
            wait,
            what,
            notice,
        )
    }

    /// The lock of one lane (`lane` is a validated lane id), with the same waiting rules; exit
    /// code 5 when another `wt` keeps it longer than `wait`.
    pub fn lane(
        wt_dir: &Path,
        lane: &str,
        wait: Duration,
        what: &str,
        notice: impl FnMut(&str),
    ) -> Result<RepoLock> {
        let dir = wt_dir.join("lanes");
        fs::create_dir_all(&dir)?;
        let label = format!("lane {lane}");
        Self::acquire_at(
            &dir.join(format!("{lane}.lock")),
            &label,
            wait,
            what,
            notice,
        )
    }

    fn acquire_at(
        path: &Path,
        label: &str,
        wait: Duration,
        what: &str,
        mut notice: impl FnMut(&str),
    ) -> Result<RepoLock> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let start = Instant::now();
        let deadline = start + wait;
        let mut waited = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    if !waited {
                        let holder = read_holder(&mut file);
                        notice(&format!(
                            "waiting up to {}s for {label} ({holder})",
                            wait.as_secs()
                        ));
                        waited = true;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file);
                    return Err(Error::busy(format!(
                        "another wt holds {label} ({holder}); waited {}s",
                        wait.as_secs()
                    ))
                    .detail(format!("lock file: {}", path.display()))
                    .hint("wait for it to finish, or pass --wait SECONDS"));
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(Error::git(format!("cannot lock {}: {e}", path.display())))
                }
            }
        }
        if waited {
            // why: how long one wt kept another waiting is what tells a team its lanes are
            // serialized somewhere they should not be (bench/soak.sh sums these lines).
            notice(&format!(
                "waited {:.1}s for {label}",
                start.elapsed().as_secs_f64()
            ));
        }
        // why: the holder's pid and command make the busy message useful; content is advisory.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "pid {} {what}", std::process::id());
        Ok(RepoLock { file })
    }
}

/// Who holds the lock, from what the last `wt` to take it wrote: `pid 123 setup`. When that
/// process is gone, the holder is some other program (e.g. `flock`), so the text would mislead.
fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut text);
    let text = text.trim();
    let alive = text
        .strip_prefix("pid ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|pid| pid.parse::<i32>().ok())
        // SAFETY: signal 0 only checks that the process exists; nothing is sent.
        .is_some_and(|pid| {
            pid > 0
                && (unsafe { libc::kill(pid, 0) } == 0
                    || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
        });
    if alive {
        text.to_string()
    } else {
        "held by a process that did not say who it is".to_string()
    }
}

impl Drop for RepoLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}
