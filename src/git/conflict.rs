//! Telling the state git wrote when a rebase stopped on a conflict (unmerged index entries,
//! files with its conflict markers, the clean part of the stopped pick staged) apart from a
//! person's edits made since. `git rebase --abort` discards both; only the first is safe to
//! discard without asking.
//!
//! How: git's own merge of the stopped commit is computed again with `git merge-tree` (the
//! same merge machinery the rebase used, on the same three commits). Every path the worktree's
//! status lists must hold exactly what that merge produced: a cleanly merged path in the index
//! and on disk; a conflicted path on disk with the same lines, conflict marker labels aside
//! (the rebase names its sides "HEAD" and "<sha> (<subject>)", merge-tree names them by the
//! arguments it was given). Anything else is someone's edit.

use crate::git::run::{git, GitError};
use crate::git::status::{self, StatusOptions};
use git2::{Oid, Repository};
use std::path::Path;

/// What the worktree at `dir`, stopped in a rebase, holds beyond git's own conflict state:
/// `Ok(vec![])` when nothing (aborting loses nobody's work), else the paths that differ.
/// `None` when it cannot be told (no stopped pick to compare with): treat as someone's work.
pub fn edits_beyond_conflict(dir: &Path) -> Result<Option<Vec<String>>, GitError> {
    let g = git(dir);
    let Some(stopped) = stopped_pick(dir) else {
        return Ok(None);
    };
    let Ok(parent) = g.read(["rev-parse", "--verify", "--quiet", &format!("{stopped}^")]) else {
        return Ok(None);
    };
    let out = g.output([
        "merge-tree",
        "--write-tree",
        "--no-messages",
        &format!("--merge-base={parent}"),
        "HEAD",
        &stopped,
    ])?;
    if out.code > 1 {
        return Ok(None);
    }
    let text = out.stdout_str();
    let Some(tree) = text
        .lines()
        .next()
        .and_then(|l| Oid::from_str(l.trim()).ok())
    else {
        return Ok(None);
    };
    let conflicted: Vec<&str> = text.lines().skip(1).filter(|l| !l.is_empty()).collect();
    let dirty = status::read(dir, &StatusOptions::TRACKED)?;
    let Ok(repo) = Repository::open(dir) else {
        return Ok(None);
    };
    let (Ok(tree), Ok(index)) = (repo.find_tree(tree), repo.index()) else {
        return Ok(None);
    };
    let Ok(head_tree) = repo.head().and_then(|h| h.peel_to_tree()) else {
        return Ok(None);
    };
    let blob_at = |t: &git2::Tree, path: &str| {
        t.get_path(Path::new(path))
            .ok()
            .and_then(|e| repo.find_blob(e.id()).ok())
            .map(|b| b.content().to_vec())
    };
    let mut differ = Vec::new();
    for path in &dirty.paths {
        let merged = blob_at(&tree, path);
        let at_head = blob_at(&head_tree, path);
        let on_disk = std::fs::read(dir.join(path)).ok();
        // why: merge-tree lists a conflicted path with its stages; only such a path may carry
        // markers that differ by label.
        let conflicted = conflicted.iter().any(|l| l.ends_with(&format!("\t{path}")));
        let is_merged = |content: &Option<Vec<u8>>| match (&merged, content) {
            (Some(m), Some(c)) if conflicted => same_but_labels(m, c),
            (m, c) => m == c,
        };
        // The index: git's conflict stages, or the merged or HEAD's version (git killed before
        // it wrote the index).
        let unmerged = index.get_path(Path::new(path), 0).is_none()
            && (1..=3).any(|stage| index.get_path(Path::new(path), stage).is_some());
        let staged = index
            .get_path(Path::new(path), 0)
            .and_then(|e| repo.find_blob(e.id).ok())
            .map(|b| b.content().to_vec());
        let index_is_gits = unmerged || staged == merged || staged == at_head;
        // The file: what the merge wrote, or HEAD's version (not written yet).
        let file_is_gits = is_merged(&on_disk) || on_disk == at_head;
        if !(index_is_gits && file_is_gits) {
            differ.push(path.clone());
        }
    }
    Ok(Some(differ))
}

/// The commit the rebase was applying when it stopped: `REBASE_HEAD`, or (git killed before it
/// wrote that) the last pick in `rebase-merge/done`.
fn stopped_pick(dir: &Path) -> Option<String> {
    let g = git(dir);
    if let Ok(sha) = g.read(["rev-parse", "--verify", "--quiet", "REBASE_HEAD"]) {
        return Some(sha);
    }
    let done_path = g
        .read([
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            "rebase-merge/done",
        ])
        .ok()?;
    let done = std::fs::read_to_string(done_path).ok()?;
    let line = done.lines().rev().find(|l| !l.trim().is_empty())?;
    let mut words = line.split_whitespace();
    let verb = words.next()?;
    if !matches!(
        verb,
        "pick" | "p" | "reword" | "r" | "edit" | "e" | "squash" | "s" | "fixup" | "f"
    ) {
        return None;
    }
    let abbrev = words.find(|w| !w.starts_with('-'))?;
    g.read([
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{abbrev}^{{commit}}"),
    ])
    .ok()
}

/// Equal line for line, except that conflict marker lines are compared without their labels.
fn same_but_labels(a: &[u8], b: &[u8]) -> bool {
    let norm = |line: &[u8]| -> Vec<u8> {
        for marker in [&b"<<<<<<<"[..], b">>>>>>>", b"|||||||"] {
            if line.starts_with(marker) {
                return marker.to_vec();
            }
        }
        line.to_vec()
    };
    let (la, lb): (Vec<&[u8]>, Vec<&[u8]>) = (
        a.split(|c| *c == b'\n').collect(),
        b.split(|c| *c == b'\n').collect(),
    );
    la.len() == lb.len() && la.iter().zip(&lb).all(|(x, y)| norm(x) == norm(y))
}

/// A commit the rebase in progress in the worktree whose admin dir is `admin_dir` recorded under
/// `name` (`orig-head`: the branch tip it started from; `onto`), with either backend.
pub fn rebase_state(admin_dir: &Path, name: &str) -> Option<Oid> {
    ["rebase-merge", "rebase-apply"].iter().find_map(|d| {
        let text = std::fs::read_to_string(admin_dir.join(d).join(name)).ok()?;
        Oid::from_str(text.trim()).ok()
    })
}

/// Commits someone made on top of a rebase that an interrupted wt left in progress in the
/// worktree whose admin dir is `admin_dir` (its HEAD is detached there, so `git commit` keeps
/// working): `git rebase --abort` would drop them. Every commit between the rebase's `onto` and
/// HEAD must be a pick of one of the branch's own commits (`orig-head` beyond `onto`), known by
/// its author, author time and message, which a pick keeps; the others are returned, newest
/// first, as (sha, subject). Empty when the state cannot be read (no rebase to judge).
pub fn commits_on_a_stopped_rebase(repo: &Repository, admin_dir: &Path) -> Vec<(Oid, String)> {
    let read = |name: &str| rebase_state(admin_dir, name);
    let head = std::fs::read_to_string(admin_dir.join("HEAD"))
        .ok()
        .and_then(|t| Oid::from_str(t.trim()).ok());
    let (Some(onto), Some(orig), Some(head)) = (read("onto"), read("orig-head"), head) else {
        return Vec::new();
    };
    let key = |oid: Oid| -> Option<(String, i64, Vec<u8>)> {
        let c = repo.find_commit(oid).ok()?;
        let a = c.author();
        let email = String::from_utf8_lossy(a.email_bytes()).into_owned();
        Some((email, a.when().seconds(), c.message_bytes().to_vec()))
    };
    let picks: std::collections::HashSet<_> = crate::git::ops::only_in(repo, orig, &[onto])
        .into_iter()
        .filter_map(|(oid, _)| key(oid))
        .collect();
    crate::git::ops::only_in(repo, head, &[onto])
        .into_iter()
        .filter(|(oid, _)| key(*oid).is_none_or(|k| !picks.contains(&k)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_do_not_count_but_lines_do() {
        let git = b"a\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> 1a2b3c4 (work)\nb\n";
        let tree = b"a\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> REBASE_HEAD\nb\n";
        assert!(same_but_labels(git, tree));
        let edited = b"a\n<<<<<<< HEAD\nx\n=======\ny2\n>>>>>>> 1a2b3c4 (work)\nb\n";
        assert!(!same_but_labels(edited, tree));
    }
}
