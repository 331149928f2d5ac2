//! What is true of a lane right now: its registered worktree, checked-out branch, head,
//! ahead/behind base, dirty counts and in-progress operation. Reads only; shared by status,
//! preflight and teardown.

use crate::config::Lane;
use crate::error::Result;
use crate::git::status::{self, Dirty, Operation, StatusOptions};
use crate::git::worktrees::{self, WorktreeEntry};
use git2::{Oid, Repository};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct LaneState {
    /// The worktree registered at the lane's path, if any.
    pub entry: Option<WorktreeEntry>,
    /// Registered, its directory is there, and the directory's `.git` leads back to git's record.
    pub exists: bool,
    /// Registered and its directory is there, but the directory's `.git` is gone or points
    /// elsewhere (F10): not provably this lane's worktree.
    pub broken: bool,
    /// Something is at the lane's path that is not a worktree registered there.
    pub foreign: bool,
    /// The lane's path is a symlink (never followed).
    pub symlink: bool,
    pub ahead_behind: Option<(usize, usize)>,
    pub dirty: Option<Dirty>,
    pub operation: Option<Operation>,
}

impl LaneState {
    pub fn branch(&self) -> Option<&str> {
        self.entry.as_ref().and_then(|e| e.branch())
    }

    pub fn head(&self) -> Option<Oid> {
        self.entry.as_ref().and_then(|e| e.head)
    }

    pub fn on_lane_branch(&self, lane: &Lane) -> bool {
        self.branch() == Some(lane.branch.as_str())
    }
}

/// Where the lane's path stands relative to git's worktree list; no per-lane process.
pub fn locate(lane: &Lane, entries: &[WorktreeEntry]) -> LaneState {
    let symlink = std::fs::symlink_metadata(&lane.path).is_ok_and(|m| m.file_type().is_symlink());
    let entry = if symlink {
        None
    } else {
        worktrees::find_by_path(entries, &lane.path).cloned()
    };
    let exists = entry.as_ref().is_some_and(|e| !e.missing && e.intact);
    let broken = entry.as_ref().is_some_and(|e| !e.missing && !e.intact);
    let foreign = entry.is_none() && (symlink || lane.path.exists());
    let operation = entry.as_ref().and_then(|e| e.operation());
    LaneState {
        entry,
        exists,
        broken,
        foreign,
        symlink,
        ahead_behind: None,
        dirty: None,
        operation,
    }
}

/// Fill in ahead/behind (git2) and dirty counts (`git status`) for an existing lane.
pub fn inspect(
    state: &mut LaneState,
    repo: &Repository,
    base_tip: Option<Oid>,
    opts: &StatusOptions,
) -> Result<()> {
    let Some(entry) = state.entry.as_ref().filter(|_| state.exists) else {
        return Ok(());
    };
    let path = entry.path.clone();
    count_ahead_behind(state, repo, base_tip);
    state.dirty = Some(status::read(&path, opts)?);
    Ok(())
}

/// Fill in ahead/behind alone (git2), for an existing lane.
pub fn count_ahead_behind(state: &mut LaneState, repo: &Repository, base_tip: Option<Oid>) {
    let head = state
        .entry
        .as_ref()
        .filter(|_| state.exists)
        .and_then(|e| e.head);
    if let (Some(head), Some(base)) = (head, base_tip) {
        state.ahead_behind = repo.graph_ahead_behind(head, base).ok();
    }
}

/// Every worktree of the repository.
pub fn worktree_list(repo: &Repository, main: &Path, common_dir: &Path) -> Vec<WorktreeEntry> {
    worktrees::list(repo, main, common_dir)
}
