//! The worktree list, read in-process from the admin dirs under `<common dir>/worktrees/`, with
//! the facts `wt` decides on: path, branch, head, lock reason, whether the directory is gone.

use crate::git::status::Operation;
use git2::{Oid, Repository};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct WorktreeEntry {
    /// The admin id under `<common dir>/worktrees/`; None for the main checkout.
    pub id: Option<String>,
    /// The working directory as git recorded it.
    pub path: PathBuf,
    /// `path` with symlinks resolved (as recorded when it cannot be), for comparing paths.
    canonical: PathBuf,
    /// Where this worktree's HEAD, index and in-progress operation state live.
    pub admin_dir: PathBuf,
    /// `refs/heads/...` when HEAD is symbolic.
    pub head_ref: Option<String>,
    pub head: Option<Oid>,
    /// Some(reason) when locked; the reason may be empty.
    pub locked: Option<String>,
    /// The working directory no longer exists.
    pub missing: bool,
    /// The directory's own `.git` leads back to this entry's admin dir. False when the `.git`
    /// file was deleted, replaced by a clone, or points at another worktree: such a directory is
    /// not provably this worktree and wt must neither run git in it nor delete it.
    pub intact: bool,
}

impl WorktreeEntry {
    /// The branch name without `refs/heads/`.
    pub fn branch(&self) -> Option<&str> {
        self.head_ref
            .as_deref()
            .and_then(|r| r.strip_prefix("refs/heads/"))
    }

    pub fn operation(&self) -> Option<Operation> {
        Operation::detect(&self.admin_dir)
    }

    /// The branch being rebased while HEAD is detached by a rebase.
    pub fn rebasing_branch(&self) -> Option<String> {
        ["rebase-merge", "rebase-apply"].iter().find_map(|d| {
            let text = fs::read_to_string(self.admin_dir.join(d).join("head-name")).ok()?;
            text.trim().strip_prefix("refs/heads/").map(str::to_string)
        })
    }
}

/// Every worktree of the repository, the main checkout first.
pub fn list(repo: &Repository, main: &Path, common_dir: &Path) -> Vec<WorktreeEntry> {
    let mut entries = vec![entry(
        repo,
        None,
        main.to_path_buf(),
        common_dir.to_path_buf(),
    )];
    let Ok(admin_root) = fs::read_dir(common_dir.join("worktrees")) else {
        return entries;
    };
    let mut linked: Vec<WorktreeEntry> = admin_root
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let admin = e.path();
            let id = e.file_name().to_str()?.to_string();
            // why: bytes, not a String: git accepts any bytes in a worktree path.
            let gitdir = fs::read(admin.join("gitdir")).ok()?;
            let end = gitdir
                .iter()
                .rposition(|b| !matches!(b, b'\n' | b'\r'))
                .map_or(0, |i| i + 1);
            let dot_git = PathBuf::from(std::ffi::OsStr::from_bytes(&gitdir[..end]));
            let dot_git = if dot_git.is_relative() {
                admin.join(dot_git)
            } else {
                dot_git
            };
            let path = dot_git.parent()?.to_path_buf();
            Some(entry(repo, Some(id), path, admin))
        })
        .collect();
    linked.sort_by(|a, b| a.path.cmp(&b.path));
    entries.extend(linked);
    entries
}

fn entry(
    repo: &Repository,
    id: Option<String>,
    path: PathBuf,
    admin_dir: PathBuf,
) -> WorktreeEntry {
    let head_text = fs::read_to_string(admin_dir.join("HEAD")).unwrap_or_default();
    let head_text = head_text.trim();
    let (head_ref, head) = match head_text.strip_prefix("ref: ") {
        Some(r) => (Some(r.to_string()), repo.refname_to_id(r).ok()),
        None => (None, Oid::from_str(head_text).ok()),
    };
    let locked = if id.is_some() {
        fs::read_to_string(admin_dir.join("locked"))
            .ok()
            .map(|r| r.trim().to_string())
    } else {
        None
    };
    let missing = !path.exists();
    let intact = !missing && leads_back(&path, &admin_dir, id.is_none());
    WorktreeEntry {
        id,
        canonical: canonical_or_self(&path),
        path,
        admin_dir,
        head_ref,
        head,
        locked,
        missing,
        intact,
    }
}

/// Whether `<path>/.git` is this worktree's link to `admin_dir`: the git dir itself for the main
/// checkout, else a regular file (never a symlink) whose `gitdir:` line names `admin_dir`.
/// Read from the file rather than through repository discovery, which would climb into a parent
/// repository when the `.git` file is gone.
fn leads_back(path: &Path, admin_dir: &Path, main: bool) -> bool {
    let dot_git = path.join(".git");
    let Ok(meta) = fs::symlink_metadata(&dot_git) else {
        return false;
    };
    let target = if main {
        if !meta.is_dir() {
            return false;
        }
        dot_git
    } else {
        if !meta.is_file() {
            return false;
        }
        let Ok(text) = fs::read_to_string(&dot_git) else {
            return false;
        };
        let Some(line) = text.lines().next().and_then(|l| l.strip_prefix("gitdir:")) else {
            return false;
        };
        let named = PathBuf::from(line.trim());
        if named.is_relative() {
            path.join(named)
        } else {
            named
        }
    };
    canonical_or_self(&target) == canonical_or_self(admin_dir)
}

/// The worktree registered at `path`, compared canonically.
pub fn find_by_path<'a>(entries: &'a [WorktreeEntry], path: &Path) -> Option<&'a WorktreeEntry> {
    let want = canonical_or_self(path);
    entries.iter().find(|e| e.canonical == want)
}

/// The worktree that has `branch` checked out (or is rebasing it).
pub fn find_by_branch<'a>(entries: &'a [WorktreeEntry], branch: &str) -> Option<&'a WorktreeEntry> {
    entries
        .iter()
        .find(|e| e.branch() == Some(branch) || e.rebasing_branch().as_deref() == Some(branch))
}

fn canonical_or_self(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}
