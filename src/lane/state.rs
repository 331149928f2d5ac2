//! What is true of a lane right now: its registered worktree, checked-out branch, head,
//! ahead/behind base, dirty counts and in-progress operation. Reads only; shared by status,
//! preflight and teardown.

use crate::config::Lane;
use crate::error::{Error, Result};
use crate::git::status::{self, Dirty, Operation, StatusOptions};
use crate::git::worktrees::{self, WorktreeEntry};
use crate::git::RepoInfo;
use crate::git::{ops, Oid, Repository};
use crate::lane::{task, Site};
use crate::sys::parallel;
use std::collections::HashMap;
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
        state.ahead_behind = ops::ahead_behind(repo, head, base);
    }
}

/// Every worktree of the repository.
pub fn worktree_list(repo: &Repository, main: &Path, common_dir: &Path) -> Vec<WorktreeEntry> {
    worktrees::list(repo, main, common_dir)
}

/// The lane's checked-out commit; the lane must be set up.
pub fn lane_head(info: &RepoInfo, repo: &Repository, lane: &Lane) -> Result<Oid> {
    let entries = worktree_list(repo, &info.main, &info.common_dir);
    let state = locate(lane, &entries);
    match state.head().filter(|_| state.exists) {
        Some(head) => Ok(head),
        None => Err(Error::refused(format!(
            "{} has no worktree at {}",
            lane.id,
            lane.path.display()
        ))
        .hint(format!("wt setup {}", lane.id))),
    }
}

/// How many lanes `wt status` reads at once, at least (more on machines with more cores).
const STATUS_WORKERS: usize = 8;

/// Every lane's state (with the error that kept part of it unread) and each lane's claimed task.
pub struct Survey {
    pub states: Vec<(LaneState, Option<Error>)>,
    /// Lane id to what the queue holds for it (its claimed task, if any, among others); None
    /// without a readable queue.
    pub work: Option<HashMap<String, crate::queue::LaneWork>>,
}

/// Read `lanes` in parallel: worktree list and base tip once, then each lane's state.
pub fn survey(site: &Site, lanes: &[&Lane], opts: &StatusOptions) -> Result<Survey> {
    let info = site.info;
    let repo = info.open()?;
    let base_tip = site.base.tip(&repo);
    let entries = worktree_list(&repo, &info.main, &info.common_dir);
    // why: a lane's `git status` spends about half its time waiting on the file system, so
    // more of them at once than there are cores still pays: on a 50,000-file repo with 8 lanes
    // and 2 cores, 8 at once took 0.60x the time of a sequential git loop, 2 at once 0.89x.
    let workers = parallel::workers_at_least(lanes.len(), STATUS_WORKERS);
    // why: the queue is read (or its summary recalled) while the lanes' git processes work.
    let (states, work) = std::thread::scope(|s| {
        let states = s.spawn(|| {
            let open = || info.open();
            parallel::map_init(workers, lanes, open, |repo, lane| {
                let mut state = locate(lane, &entries);
                let read = match repo {
                    Ok(repo) => inspect(&mut state, repo, base_tip, opts),
                    Err(e) => Err(e.clone()),
                };
                (state, read.err())
            })
        });
        let work = task::lane_work(site);
        (states.join().expect("lane readers do not panic"), work)
    });
    Ok(Survey { states, work })
}

impl LaneState {
    /// Something about the lane's directory a person should be warned of.
    pub fn oddity(&self) -> Option<&'static str> {
        if self.symlink {
            Some("is a symlink, never followed")
        } else if self.broken {
            Some("has no .git file leading back to this repository")
        } else if self.foreign {
            Some("exists but is not this lane's worktree")
        } else if self
            .entry
            .as_ref()
            .is_some_and(|e| e.locked.as_deref() == Some("initializing"))
        {
            Some("was left half-made by an interrupted setup: run `wt setup`")
        } else {
            None
        }
    }
}
