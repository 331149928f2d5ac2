//! The writes that make and unmake a lane, each one `git` call (hooks, the user's config):
//! branch create and delete (the delete is a compare-and-swap), worktree registration,
//! checkout and removal.

use crate::git::run::{git, GitError};
use git2::Oid;
use std::ffi::OsStr;
use std::path::Path;

/// How hard `git worktree remove` may push.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Force {
    /// Refuse a worktree with changes (git's default).
    No,
    /// `--force`: remove one with initialised submodules (wt checked them itself).
    Submodules,
    /// `-f -f`: also clear a "initializing" lock that a killed `git worktree add` left.
    Locked,
}

/// `git worktree remove`: unregister (and delete) the worktree at `path`, just that one; a
/// global prune would also drop worktrees whose directories are only temporarily absent.
pub fn remove_worktree(main: &Path, path: &Path, force: Force) -> Result<(), GitError> {
    let mut args: Vec<&OsStr> = vec!["worktree".as_ref(), "remove".as_ref()];
    match force {
        Force::No => {}
        Force::Submodules => args.push("--force".as_ref()),
        Force::Locked => args.extend([OsStr::new("-f"), OsStr::new("-f")]),
    }
    args.push(path.as_os_str());
    git(main).run(&args)?;
    Ok(())
}

/// `git branch`: create `branch` at `start`, tracking it (a remote lane branch) or not (base:
/// so that a later plain `git push` or `branch -d` cannot act on base).
pub fn create_branch(main: &Path, branch: &str, start: &str, track: bool) -> Result<(), GitError> {
    let mode = if track { "--track" } else { "--no-track" };
    git(main).run(["branch", mode, branch, start])?;
    Ok(())
}

/// Delete `refs/heads/<branch>` only if it still points at `expected` (compare-and-swap).
pub fn delete_branch_at(main: &Path, branch: &str, expected: Oid) -> Result<(), GitError> {
    let refname = format!("refs/heads/{branch}");
    git(main).run(["update-ref", "-d", &refname, &expected.to_string()])?;
    Ok(())
}

/// `git worktree add --no-checkout --lock`: register the worktree at `path` on `branch`,
/// locked with `reason`, without checking anything out yet.
pub fn register_worktree(
    main: &Path,
    path: &Path,
    branch: &str,
    reason: &str,
) -> Result<(), GitError> {
    git(main).run([
        OsStr::new("worktree"),
        "add".as_ref(),
        "--quiet".as_ref(),
        "--no-checkout".as_ref(),
        "--lock".as_ref(),
        "--reason".as_ref(),
        reason.as_ref(),
        path.as_os_str(),
        branch.as_ref(),
    ])?;
    Ok(())
}

/// Check out a registered worktree, unlock it, and run the `post-checkout` hook, as
/// `git worktree add` would have.
pub fn check_out_worktree(path: &Path) -> Result<(), GitError> {
    let here = git(path);
    // why: the same step `git worktree add` runs in a new worktree; its index and directory are
    // empty, so nothing can be overwritten.
    here.run(["reset", "--hard", "--quiet", "--no-recurse-submodules"])?;
    here.run([OsStr::new("worktree"), "unlock".as_ref(), path.as_os_str()])?;
    let head = here.read(["rev-parse", "HEAD"])?;
    here.run([
        "hook",
        "run",
        "--ignore-missing",
        "post-checkout",
        "--",
        "0000000000000000000000000000000000000000",
        head.as_str(),
        "1",
    ])?;
    crate::git::ops::refresh_index(path);
    Ok(())
}
