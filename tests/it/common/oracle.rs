//! The no-data-lost oracle of the fault catalog (research/faults.md, section (a)): what a failed
//! `wt` command must leave exactly as it found it. Take a [`Snapshot`] before driving `wt` into
//! a fault, then assert on it afterwards:
//!
//! - [`Snapshot::assert_nothing_lost`]: every commit reachable from a ref (local or remote)
//!   before is still reachable from a ref after, whatever the command did;
//! - [`Snapshot::assert_unchanged`]: a failed command also left every local ref (remote-tracking
//!   refs aside: a fetch that succeeded before the failure may renew them), every ref of the
//!   remote, each watched worktree's status (ignored files included) and the queue file byte for
//!   byte alone; [`Snapshot::assert_identical`] holds remote-tracking refs to that too;
//! - [`assert_no_half_state`]: no merge journal, no worktree locked "initializing" or otherwise,
//!   no rebase left in progress and no stale `index.lock` in any worktree.

use super::Env;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Every commit reachable from any local ref, worktree HEAD or the remote's refs.
    commits: BTreeSet<String>,
    /// Local refs without remote-tracking ones.
    refs: String,
    /// Every ref, remote-tracking ones included.
    all_refs: String,
    remote_refs: String,
    /// `git status --porcelain=v2 --ignored --untracked-files=all` of each watched worktree.
    statuses: Vec<(PathBuf, String)>,
    /// Watched files (the queue) and their bytes; None when absent.
    files: Vec<(PathBuf, Option<Vec<u8>>)>,
}

impl Snapshot {
    /// Refs, reachable commits and the status of each of `worktrees` (lane dirs, the main
    /// checkout), as they are now.
    pub fn take(env: &Env, worktrees: &[&Path]) -> Snapshot {
        Snapshot {
            commits: reachable(env),
            refs: local_refs(env),
            all_refs: env.refs(),
            remote_refs: remote_refs(env),
            statuses: worktrees
                .iter()
                .map(|d| (d.to_path_buf(), env.status_of(d)))
                .collect(),
            files: Vec::new(),
        }
    }

    /// Also watch a file (the queue), byte for byte.
    pub fn with_file(mut self, path: &Path) -> Snapshot {
        self.files.push((path.to_path_buf(), fs::read(path).ok()));
        self
    }

    /// Every commit reachable before is still reachable from some ref (a rewritten lane keeps
    /// its old commits in the branch reflog only, which does not count: they must be on a ref,
    /// or on the remote).
    #[track_caller]
    pub fn assert_nothing_lost(&self, env: &Env) {
        let now = reachable(env);
        let lost: Vec<&String> = self.commits.difference(&now).collect();
        assert!(lost.is_empty(), "commits no ref reaches any more: {lost:?}");
    }

    /// After a successful rebase of `branch`: every commit no ref reaches any more has an
    /// equivalent (same patch) on `branch`, so the rewrite lost no work.
    #[track_caller]
    pub fn assert_only_rebased_away(&self, env: &Env, branch: &str) {
        let now = reachable(env);
        for sha in self.commits.difference(&now) {
            let r = env.git_run(&env.main, &["cherry", branch, sha, &format!("{sha}~1")]);
            assert!(
                r.code == 0 && r.stdout.starts_with('-'),
                "commit {sha} is gone and {branch} has no equivalent: {}{}",
                r.stdout,
                r.stderr
            );
        }
    }

    /// Nothing lost, and refs (local and remote), watched worktrees and files exactly as before.
    #[track_caller]
    pub fn assert_unchanged(&self, env: &Env) {
        self.assert_nothing_lost(env);
        assert_eq!(local_refs(env), self.refs, "local refs changed");
        assert_eq!(remote_refs(env), self.remote_refs, "remote refs changed");
        for (dir, status) in &self.statuses {
            assert_eq!(
                &env.status_of(dir),
                status,
                "status of {} changed",
                dir.display()
            );
        }
        self.assert_files_unchanged();
    }

    /// As `assert_unchanged`, and remote-tracking refs too (nothing was fetched either).
    #[track_caller]
    pub fn assert_identical(&self, env: &Env) {
        self.assert_unchanged(env);
        assert_eq!(env.refs(), self.all_refs, "remote-tracking refs changed");
    }

    /// Only the remote and the watched files: for commands that may move local refs.
    #[track_caller]
    pub fn assert_remote_unchanged(&self, env: &Env) {
        assert_eq!(remote_refs(env), self.remote_refs, "remote refs changed");
    }

    #[track_caller]
    pub fn assert_files_unchanged(&self) {
        for (path, bytes) in &self.files {
            assert!(
                fs::read(path).ok() == *bytes,
                "{} changed (or appeared, or vanished)",
                path.display()
            );
        }
    }
}

/// Every ref of the main repository except remote-tracking ones.
fn local_refs(env: &Env) -> String {
    env.refs()
        .lines()
        .filter(|l| !l.starts_with("refs/remotes/"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The remote's refs; empty when the remote is gone or not a local path.
fn remote_refs(env: &Env) -> String {
    if !env.origin.join("HEAD").exists() {
        return String::new();
    }
    env.remote_refs()
}

/// Commits reachable from every ref and worktree HEAD of the main repository and the remote.
fn reachable(env: &Env) -> BTreeSet<String> {
    let mut all: BTreeSet<String> = env
        .git(&["rev-list", "--all"])
        .lines()
        .map(str::to_string)
        .collect();
    if env.origin.join("HEAD").exists() {
        let remote = env.git_run(&env.origin, &["rev-list", "--all"]);
        all.extend(remote.stdout.lines().map(str::to_string));
    }
    all
}

/// No journal, no locked worktree, no rebase in progress, no stale index.lock: what an
/// interrupted command must not leave behind once its rerun has finished.
#[track_caller]
pub fn assert_no_half_state(env: &Env) {
    let journal = env.main.join(".git/wt/journal");
    let left: Vec<_> = fs::read_dir(&journal)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "merge journal left behind: {left:?}");
    let list = env.worktrees();
    assert!(!list.contains("\nlocked"), "a worktree is locked:\n{list}");
    assert!(
        !list.contains("prunable"),
        "a worktree is prunable:\n{list}"
    );
    let admin = env.main.join(".git/worktrees");
    for e in fs::read_dir(&admin).into_iter().flatten().flatten() {
        for junk in [
            "rebase-merge",
            "rebase-apply",
            "MERGE_HEAD",
            "index.lock",
            "locked",
        ] {
            let p = e.path().join(junk);
            assert!(!p.exists(), "{} left behind", p.display());
        }
    }
    for junk in ["rebase-merge", "MERGE_HEAD", "index.lock"] {
        let p = env.main.join(".git").join(junk);
        assert!(!p.exists(), "{} left behind", p.display());
    }
}
