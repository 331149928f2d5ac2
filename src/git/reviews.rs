//! Where reviews live in git: one ref per review, `refs/wt/reviews/<lane>/<seq>-<reviewer>`,
//! pointing at a blob that holds the verdict (JSON, written and read by `lane::review`). The refs
//! travel to and from the remote with explicit refspecs, so every clone sees every review after a
//! fetch. Also the patch fingerprint a review is bound to: the ordered `git patch-id --stable`
//! of each commit of the lane's change, which a rebase that keeps every patch leaves as it was.

use crate::git::run::{git, GitError};
use git2::{DiffOptions, Oid, Repository, Sort};
use std::path::Path;

/// The namespace of every review ref.
pub const NAMESPACE: &str = "refs/wt/reviews";

/// The ref folder of `lane`'s reviews.
pub fn lane_prefix(lane: &str) -> String {
    format!("{NAMESPACE}/{lane}/")
}

/// The fingerprint of the change `merge_base..tip`: one stable patch id per commit, oldest first,
/// hashed together (as a git blob id, so anybody can recompute it). A new commit, a changed
/// commit or a dropped one changes it; a rebase that reapplies the same patches does not.
pub fn patch_fingerprint(
    repo: &Repository,
    merge_base: Oid,
    tip: Oid,
) -> Result<String, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.push(tip)?;
    walk.hide(merge_base)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    let mut ids = String::new();
    for oid in walk {
        let commit = repo.find_commit(oid?)?;
        let parent_tree = match commit.parent(0) {
            Ok(parent) => Some(parent.tree()?),
            Err(_) => None,
        };
        let mut opts = DiffOptions::new();
        let diff =
            repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&commit.tree()?), Some(&mut opts))?;
        // why: a commit that changes nothing (an empty commit) has no patch; it still counts as
        // a commit of the change.
        let id = match diff.deltas().len() {
            0 => format!("empty:{}", commit.message().unwrap_or("")),
            _ => diff.patchid(None)?.to_string(),
        };
        ids.push_str(&id);
        ids.push('\n');
    }
    Ok(crate::git::blob_id(ids.as_bytes()))
}

/// Store `bytes` as a blob and point the new ref `refname` at it; fails when the ref exists.
pub fn write(repo: &Repository, refname: &str, bytes: &[u8]) -> Result<(), git2::Error> {
    let blob = repo.blob(bytes)?;
    repo.reference(refname, blob, false, "wt review")?;
    Ok(())
}

/// Every ref under `prefix` (ending in `/`) with the bytes of the blob it points at, sorted by
/// ref name. Refs that do not point at a blob are left out.
pub fn read_all(repo: &Repository, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let Ok(refs) = repo.references_glob(&format!("{prefix}**")) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = refs
        .filter_map(|r| r.ok())
        .filter_map(|r| {
            let name = r.name().ok()?.to_string();
            let blob = r.peel_to_blob().ok()?;
            Some((name, blob.content().to_vec()))
        })
        .collect();
    out.sort();
    out
}

/// Delete the local ref `refname` (gone already is fine).
pub fn delete_local(repo: &Repository, refname: &str) -> Result<(), git2::Error> {
    match repo.find_reference(refname) {
        Ok(mut r) => r.delete(),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// `git push <remote> <ref>:<ref>`: publish one new review (never forced: a ref of the same name
/// already on the remote makes the push fail).
pub fn push(dir: &Path, remote: &str, refname: &str) -> Result<(), GitError> {
    git(dir)
        .network()
        .run(["push", "--quiet", remote, &format!("{refname}:{refname}")])?;
    Ok(())
}

/// `git push <remote> --delete <refs>...`: drop reviews that are spent (their lane merged).
pub fn push_delete(dir: &Path, remote: &str, refnames: &[String]) -> Result<(), GitError> {
    if refnames.is_empty() {
        return Ok(());
    }
    let mut args = vec!["push", "--quiet", remote, "--delete"];
    args.extend(refnames.iter().map(String::as_str));
    git(dir).network().run(&args)?;
    Ok(())
}

/// `git fetch --prune <remote> +refs/wt/reviews/*:refs/wt/reviews/*`: every review on the remote,
/// and none that the remote dropped.
pub fn fetch(dir: &Path, remote: &str) -> Result<(), GitError> {
    let spec = format!("+{NAMESPACE}/*:{NAMESPACE}/*");
    git(dir)
        .network()
        .run(["fetch", "--quiet", "--prune", "--no-tags", remote, &spec])?;
    Ok(())
}
