//! Finding the repository: the main checkout (whose `.git` is a directory), the common git dir,
//! the remote and the base branch. Reads only.

use crate::error::{Error, Result};
use git2::{Oid, Repository};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct RepoInfo {
    /// The main checkout's working directory (canonical).
    pub main: PathBuf,
    /// The git dir shared by every worktree (`<main>/.git`).
    pub common_dir: PathBuf,
}

/// Find the repository that `start` is inside, from the main checkout or any linked worktree.
pub fn discover(start: &Path) -> Result<RepoInfo> {
    read_like_git();
    let repo = Repository::discover(start).map_err(|e| {
        // why: git refuses a repository another user owns ("dubious ownership"); the fix is the
        // user's to choose, and wt never writes safe.directory itself.
        if e.code() == git2::ErrorCode::Owner {
            return Error::usage(format!(
                "{} belongs to another user; git will not work in it for you",
                start.display()
            ))
            .detail(e.message().to_string())
            .hint("run wt as the repository's owner, or, if you trust it, `git config --global --add safe.directory <path>`");
        }
        Error::usage(format!(
            "{} is not inside a git repository",
            start.display()
        ))
        .detail(e.message().to_string())
        .hint("run wt inside your repository, or pass -C PATH")
    })?;
    let common_dir = canonical(repo.commondir());
    let main_repo = Repository::open(&common_dir).map_err(|e| {
        Error::git(format!("cannot open {}", common_dir.display())).detail(e.message().to_string())
    })?;
    let main = match main_repo.workdir() {
        Some(dir) if !main_repo.is_bare() => canonical(dir),
        _ => {
            return Err(Error::usage(format!(
                "{} is a bare repository: wt needs a main checkout",
                common_dir.display()
            ))
            .hint("clone it without --bare and run wt in that checkout"))
        }
    };
    Ok(RepoInfo { main, common_dir })
}

/// libgit2 re-hashes every object it reads (SHA-1 with collision detection) unless told not to;
/// git itself does not on ordinary reads, leaving integrity to pack checksums and `git fsck`.
// why: the hashing was nearly half the time of reading a 500-commit branch for the policies,
// and wt never writes objects through libgit2.
fn read_like_git() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

pub fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

impl RepoInfo {
    /// A fresh handle on the main repository. git2 handles are not Sync: one per thread.
    pub fn open(&self) -> Result<Repository> {
        Repository::open(&self.common_dir).map_err(|e| {
            Error::git(format!("cannot open {}", self.common_dir.display()))
                .detail(e.message().to_string())
        })
    }

    /// `<common dir>/wt/<name>`: where wt keeps its lock, journals and records.
    pub fn wt_dir(&self, name: &str) -> PathBuf {
        self.common_dir.join("wt").join(name)
    }
}

/// The base branch and where its tip is read from.
#[derive(Debug, Clone)]
pub struct BaseRef {
    pub name: String,
    /// `origin`, when the repository has that remote.
    pub remote: Option<String>,
}

impl BaseRef {
    pub fn local_ref(&self) -> String {
        format!("refs/heads/{}", self.name)
    }

    /// `refs/remotes/origin/master`, when there is a remote.
    pub fn remote_ref(&self) -> Option<String> {
        self.remote
            .as_ref()
            .map(|r| format!("refs/remotes/{r}/{}", self.name))
    }

    /// `origin/master`, or `master` without a remote: what lanes are rebased onto.
    pub fn upstream_name(&self) -> String {
        match &self.remote {
            Some(r) => format!("{r}/{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The commit lanes are compared with: the remote-tracking base when it exists, else local.
    pub fn tip(&self, repo: &Repository) -> Option<Oid> {
        self.remote_ref()
            .and_then(|r| repo.refname_to_id(&r).ok())
            .or_else(|| repo.refname_to_id(&self.local_ref()).ok())
    }

    pub fn upstream_ref(&self) -> String {
        self.remote_ref().unwrap_or_else(|| self.local_ref())
    }
}

/// Whether `name` is a configured remote.
/// The repository as seen from one of its worktrees (a lane's own HEAD and index).
pub fn open_worktree(path: &Path) -> Result<Repository> {
    Repository::open(path).map_err(|e| {
        Error::git(format!("cannot open {}", path.display())).detail(e.message().to_string())
    })
}

pub fn has_remote(repo: &Repository, name: &str) -> bool {
    repo.find_remote(name).is_ok()
}

/// The base branch: configured, else the remote's HEAD, else `master` or `main`.
pub fn detect_base(repo: &Repository, configured: Option<&str>, remote: &str) -> Result<BaseRef> {
    let remote = has_remote(repo, remote).then(|| remote.to_string());
    if let Some(name) = configured {
        return Ok(BaseRef {
            name: name.to_string(),
            remote,
        });
    }
    if let Some(r) = &remote {
        let head = format!("refs/remotes/{r}/HEAD");
        if let Ok(reference) = repo.find_reference(&head) {
            if let Ok(Some(target)) = reference.symbolic_target() {
                let prefix = format!("refs/remotes/{r}/");
                if let Some(name) = target.strip_prefix(&prefix) {
                    return Ok(BaseRef {
                        name: name.to_string(),
                        remote,
                    });
                }
            }
        }
    }
    for name in ["master", "main"] {
        let local = repo.refname_to_id(&format!("refs/heads/{name}")).is_ok();
        let remote_has = remote.as_ref().is_some_and(|r| {
            repo.refname_to_id(&format!("refs/remotes/{r}/{name}"))
                .is_ok()
        });
        if local || remote_has {
            return Ok(BaseRef {
                name: name.to_string(),
                remote,
            });
        }
    }
    Err(
        Error::usage("cannot tell the base branch: no master or main, and no remote HEAD")
            .hint("set `base = \"BRANCH\"` under [project] in lanes.toml"),
    )
}
