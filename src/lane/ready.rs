//! Whether a lane may be changed: it exists, holds its branch, has no operation in progress, no
//! lock file git left behind, and no uncommitted change to tracked files. Every command that
//! rebases or pushes a lane asks this first; nothing here changes anything.

use crate::config::Lane;
use crate::error::{Error, Result};
use crate::git::status::{self, StatusOptions};
use crate::git::{Oid, WorktreeEntry};
use crate::lane::state;
use std::path::{Path, PathBuf};

/// A lane that passed the checks sync needs before it changes anything.
#[derive(Debug, Clone)]
pub struct Ready<'a> {
    pub lane: &'a Lane,
    /// The worktree's own git dir (where a rebase in progress keeps its state).
    pub admin_dir: PathBuf,
    pub head: Oid,
}

/// The lane exists, has its branch checked out, no operation in progress and no uncommitted
/// changes to tracked files. Untracked files are allowed: a rebase leaves them alone (and
/// refuses by itself when one is in the way).
pub fn ready<'a>(lane: &'a Lane, entries: &[WorktreeEntry]) -> Result<Ready<'a>> {
    let state = state::locate(lane, entries);
    let path = lane.path.display();
    let at = crate::sys::quote::quote_path(&lane.path);
    if state.symlink {
        return Err(Error::refused(format!(
            "{} is a symlink; wt never follows one, nothing was changed",
            lane.path.display()
        ))
        .hint("move the link away by hand; `wt setup` then recreates the lane there"));
    }
    if state.broken {
        return Err(Error::refused(format!(
            "{}: {path} has no .git file leading back to this repository (moved, or its .git lost); nothing was changed",
            lane.id
        ))
        .hint(format!(
            "if that directory is this lane's: `git worktree repair {at}`, then run the command again"
        )));
    }
    let entry = match &state.entry {
        Some(e) if state.exists => e,
        _ => {
            return Err(
                Error::refused(format!("{} has no worktree at {path}", lane.id))
                    .hint(format!("wt setup {}", lane.id)),
            )
        }
    };
    if let Some(op) = state.operation {
        return Err(Error::refused(format!(
            "{}: a {} is in progress in {path}",
            lane.id,
            op.as_str()
        ))
        .hint(format!(
            "finish it, or `git -C {at} {}`",
            op.abort_command().trim_start_matches("git ")
        )));
    }
    let head = match (state.branch(), entry.head) {
        (Some(b), Some(head)) if b == lane.branch => head,
        (Some(b), _) if b == lane.branch => {
            return Err(Error::refused(format!("{} has no commit yet", lane.branch)))
        }
        (other, _) => {
            return Err(Error::refused(format!(
                "{} is {}, not on {}",
                lane.id,
                other.map_or("detached".to_string(), |b| format!("on {b}")),
                lane.branch
            ))
            .hint(format!("git -C {at} switch {}", lane.branch)))
        }
    };
    refuse_stale_locks(lane, &entry.admin_dir)?;
    refuse_dirty(lane, &entry.path)?;
    Ok(Ready {
        lane,
        admin_dir: entry.admin_dir.clone(),
        head,
    })
}

/// The repository's common dir, from a linked worktree's admin dir.
pub fn common_dir(admin_dir: &Path) -> PathBuf {
    std::fs::read_to_string(admin_dir.join("commondir"))
        .map(|rel| admin_dir.join(rel.trim()))
        .unwrap_or_else(|_| admin_dir.join("../.."))
}

/// A lock file git left in the lane's way. With the branch's ref lock present git rebases the
/// lane, cannot move the branch, and its `rebase --abort` then exits 0 leaving the lane detached;
/// with `index.lock` it cannot start. wt cannot tell a crashed git from a running one, so it
/// never deletes them: it names the file and stops before changing anything.
fn refuse_stale_locks(lane: &Lane, admin_dir: &Path) -> Result<()> {
    let common = common_dir(admin_dir);
    let candidates = [
        admin_dir.join("index.lock"),
        admin_dir.join("HEAD.lock"),
        common
            .join("refs/heads")
            .join(format!("{}.lock", lane.branch)),
    ];
    let Some(lock) = candidates.iter().find(|p| p.exists()) else {
        return Ok(());
    };
    let lock = std::fs::canonicalize(lock).unwrap_or_else(|_| lock.clone());
    let age = std::fs::metadata(&lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map(|d| format!(", {}s old", d.as_secs()))
        .unwrap_or_default();
    Err(Error::refused(format!(
        "{}: git's lock file {} exists ({}{age}); nothing was changed",
        lane.id,
        lock.display(),
        "another git process is working there, or one crashed and left it"
    ))
    .hint(format!(
        "if no git process is running in this repository, delete it (`rm {}`), then run the command again",
        crate::sys::quote::quote_path(&lock)
    )))
}

fn refuse_dirty(lane: &Lane, dir: &std::path::Path) -> Result<()> {
    let dirty = status::read(dir, &StatusOptions::TRACKED)?;
    if !dirty.tracked_changed() {
        return Ok(());
    }
    Err(Error::refused(format!(
        "{} has uncommitted changes ({} staged, {} unstaged); nothing was changed",
        lane.id, dirty.staged, dirty.unstaged
    ))
    .details(dirty.paths.iter().take(10).cloned())
    .hint(format!(
        "commit them (or `git -C {} stash`), then run the command again",
        crate::sys::quote::quote_path(&lane.path)
    )))
}
