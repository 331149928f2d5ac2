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
//! - watched extras, asserted by both: the worktree list ([`Snapshot::with_worktree_list`]) and
//!   the file list of a directory that may not be a worktree ([`Snapshot::with_tree`]);
//! - [`Snapshot::assert_identical_after`]: `assert_identical` with the command named in every
//!   message (the queue tests' form);
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
    /// `git worktree list --porcelain`, when watched.
    worktrees: Option<String>,
    /// Watched directories and every path under them (`.git` internals aside).
    trees: Vec<(PathBuf, Vec<PathBuf>)>,
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
            worktrees: None,
            trees: Vec::new(),
        }
    }

    /// Also watch the worktree list.
    pub fn with_worktree_list(mut self, env: &Env) -> Snapshot {
        self.worktrees = Some(env.worktrees());
        self
    }

    /// Also watch the list of paths under `dir` (which need not be a worktree, or exist).
    pub fn with_tree(mut self, dir: &Path) -> Snapshot {
        self.trees.push((dir.to_path_buf(), files_under(dir)));
        self
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

    /// Nothing lost, and refs (local and remote), watched worktrees, files, the worktree list and
    /// trees exactly as before.
    #[track_caller]
    pub fn assert_unchanged(&self, env: &Env) {
        self.unchanged(env, "");
    }

    /// As `assert_unchanged`, and remote-tracking refs too (nothing was fetched either).
    #[track_caller]
    pub fn assert_identical(&self, env: &Env) {
        self.assert_identical_after(env, "");
    }

    /// As `assert_identical`, naming `what` (the command) in every message.
    #[track_caller]
    pub fn assert_identical_after(&self, env: &Env, what: &str) {
        self.unchanged(env, what);
        let at = prefix(what);
        assert_eq!(
            env.refs(),
            self.all_refs,
            "{at}remote-tracking refs changed"
        );
    }

    #[track_caller]
    fn unchanged(&self, env: &Env, what: &str) {
        let at = prefix(what);
        self.assert_nothing_lost(env);
        assert_eq!(local_refs(env), self.refs, "{at}local refs changed");
        assert_eq!(
            remote_refs(env),
            self.remote_refs,
            "{at}remote refs changed"
        );
        for (dir, status) in &self.statuses {
            assert_eq!(
                &env.status_of(dir),
                status,
                "{at}status of {} changed",
                dir.display()
            );
        }
        self.files_unchanged(what);
        if let Some(list) = &self.worktrees {
            assert_eq!(&env.worktrees(), list, "{at}the worktree list changed");
        }
        for (dir, files) in &self.trees {
            assert_eq!(
                &files_under(dir),
                files,
                "{at}files under {} changed",
                dir.display()
            );
        }
    }

    /// Only the remote and the watched files: for commands that may move local refs.
    #[track_caller]
    pub fn assert_remote_unchanged(&self, env: &Env) {
        assert_eq!(remote_refs(env), self.remote_refs, "remote refs changed");
    }

    #[track_caller]
    pub fn assert_files_unchanged(&self) {
        self.files_unchanged("");
    }

    #[track_caller]
    fn files_unchanged(&self, what: &str) {
        let at = prefix(what);
        for (path, bytes) in &self.files {
            let now = fs::read(path).ok();
            let show = |b: &Option<Vec<u8>>| match b {
                Some(b) => String::from_utf8_lossy(b).into_owned(),
                None => "(absent)".to_string(),
            };
            assert!(
                now == *bytes,
                "{at}{} changed (or appeared, or vanished)\n--- before\n{}\n--- after\n{}",
                path.display(),
                show(bytes),
                show(&now)
            );
        }
    }
}

/// `"what: "` for messages, nothing when `what` is empty.
fn prefix(what: &str) -> String {
    if what.is_empty() {
        String::new()
    } else {
        format!("{what}: ")
    }
}

/// `(every ref, the worktree list)`: what setup's refusals must leave as they were.
pub fn refs_and_worktrees(env: &Env) -> (String, String) {
    (env.refs(), env.worktrees())
}

/// `(local refs, remote refs)`, every ref each side has.
pub fn all_refs(env: &Env) -> (String, String) {
    (env.refs(), env.remote_refs())
}

/// Every path under `dir` (relative, sorted), `.git` internals excluded.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            out.push(path.strip_prefix(root).unwrap().to_path_buf());
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() && e.file_name() != ".git" {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
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
