//! Reads about a commit on local base that the remote does not have: what it changes and what
//! it says, so that wt can recognise its own queue commit by content (issue 17), and whether a
//! failed network call means the remote could not be reached at all.

use crate::git::run::GitError;
use git2::{Oid, Repository};
use std::path::Path;

/// A commit with exactly one parent, and what it changes.
pub struct OneCommit {
    pub parent: Oid,
    /// The first line of its message.
    pub subject: String,
    /// Every path it changes against its parent.
    pub paths: Vec<String>,
}

/// `commit` with its one parent and the paths it changes; None for a merge, a root commit or
/// one that cannot be read.
pub fn one_commit(repo: &Repository, commit: Oid) -> Option<OneCommit> {
    let c = repo.find_commit(commit).ok()?;
    if c.parent_count() != 1 {
        return None;
    }
    let parent = c.parent(0).ok()?;
    let diff = repo
        .diff_tree_to_tree(Some(&parent.tree().ok()?), Some(&c.tree().ok()?), None)
        .ok()?;
    let mut paths = Vec::new();
    for d in diff.deltas() {
        for f in [d.old_file().path(), d.new_file().path()]
            .into_iter()
            .flatten()
        {
            let p = f.to_string_lossy().into_owned();
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
    }
    Some(OneCommit {
        parent: parent.id(),
        subject: c.summary().ok().flatten().unwrap_or("").to_string(),
        paths,
    })
}

/// The bytes of `path` in `commit`'s tree.
pub fn file_at(repo: &Repository, commit: Oid, path: &Path) -> Option<Vec<u8>> {
    let tree = repo.find_commit(commit).ok()?.tree().ok()?;
    let entry = tree.get_path(path).ok()?;
    Some(repo.find_blob(entry.id()).ok()?.content().to_vec())
}

/// Whether a failed fetch, push or ls-remote means the remote could not be reached (down,
/// unreachable, timed out), as opposed to a remote that answered and said no.
pub fn unreachable(e: &GitError) -> bool {
    if e.timed_out {
        return true;
    }
    let s = e.stderr.to_ascii_lowercase();
    [
        "could not read from remote",
        "unable to access",
        "could not resolve host",
        "connection refused",
        "connection timed out",
        "network is unreachable",
        "does not appear to be a git repository",
        "unable to connect",
        "early eof",
        "the remote end hung up unexpectedly",
    ]
    .iter()
    .any(|m| s.contains(m))
}
