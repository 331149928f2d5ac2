//! What a branch changed against its merge base with base, read in-process: the paths with their
//! change kind, and the commits oldest first with the paths each touched.
//!
//! Two readings of the net change. [`changed_paths`] is libgit2's diff with its rename detection,
//! as `git diff -M` shows it, for reports people read (handoff, merge summary). [`net_changes`]
//! walks the two trees itself, pairs renames by identical content, and asks libgit2 for similarity
//! only among the paths the caller names: what the policies need, at a cost that follows what the
//! branch changed rather than the size of the repository. Per-commit paths ([`branch_commits`])
//! use the same walk, without renames.

use git2::{
    Delta, DiffFindOptions, DiffOptions, ObjectType, Oid, Repository, Sort, Tree, TreeEntry,
};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
    /// Renamed from the given path.
    Renamed(String),
}

#[derive(Debug, Clone)]
pub struct ChangedPath {
    pub path: String,
    pub kind: ChangeKind,
}

#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub sha: Oid,
    pub subject: String,
    /// What the commit changed against its first parent: every changed file under the
    /// directories the caller descends into (both sides of a rename, as a deletion and an
    /// addition), and each changed directory it does not descend into as `dir/`.
    pub paths: Vec<String>,
}

/// Paths changed between the merge base of `head` and `base` and `head`, with libgit2's rename
/// detection (as configured by `diff.renames`).
pub fn changed_paths(repo: &Repository, head: Option<Oid>, base: Option<Oid>) -> Vec<ChangedPath> {
    let (Some(head), Some(base)) = (head, base) else {
        return Vec::new();
    };
    let Ok(merge_base) = repo.merge_base(head, base) else {
        return Vec::new();
    };
    let tree = |oid: Oid| repo.find_commit(oid).and_then(|c| c.tree()).ok();
    let (Some(old_tree), Some(new_tree)) = (tree(merge_base), tree(head)) else {
        return Vec::new();
    };
    let mut opts = DiffOptions::new();
    let Ok(mut diff) = repo.diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut opts))
    else {
        return Vec::new();
    };
    let _ = diff.find_similar(None);
    diff.deltas()
        .filter_map(|d| {
            let path = |f: git2::DiffFile| f.path().map(|p| p.to_string_lossy().into_owned());
            let kind = match d.status() {
                Delta::Added | Delta::Copied => ChangeKind::Added,
                Delta::Deleted => {
                    return Some(ChangedPath {
                        path: path(d.old_file())?,
                        kind: ChangeKind::Deleted,
                    })
                }
                Delta::Renamed => ChangeKind::Renamed(path(d.old_file()).unwrap_or_default()),
                _ => ChangeKind::Modified,
            };
            Some(ChangedPath {
                path: path(d.new_file())?,
                kind,
            })
        })
        .collect()
}

/// Whether the trees of commits `a` and `b` differ in the file `path` (relative to the root) and
/// nowhere else. False when either cannot be read.
pub fn differ_only_in(repo: &Repository, a: Oid, b: Oid, path: &std::path::Path) -> bool {
    let tree = |oid: Oid| repo.find_commit(oid).and_then(|c| c.tree()).ok();
    let (Some(old), Some(new)) = (tree(a), tree(b)) else {
        return false;
    };
    let Ok(diff) = repo.diff_tree_to_tree(Some(&old), Some(&new), None) else {
        return false;
    };
    diff.deltas()
        .all(|d| d.old_file().path() == Some(path) && d.new_file().path() == Some(path))
}

/// The net change from commit `old` to commit `new`, in git's path order. Renames are paired by
/// identical content (as git's exact rename detection does), and by libgit2's similarity only
/// between a deleted and an added path that both satisfy `similar`: a caller that only cares
/// whether some files moved names them, and pays for nothing else.
pub fn net_changes(
    repo: &Repository,
    old: Oid,
    new: Oid,
    similar: &dyn Fn(&str) -> bool,
) -> Result<Vec<ChangedPath>, git2::Error> {
    let old_tree = repo.find_commit(old)?.tree()?;
    let new_tree = repo.find_commit(new)?.tree()?;
    let mut found = Vec::new();
    TreeWalk::new(repo, &|_| true).trees(Some(&old_tree), Some(&new_tree), &mut found)?;
    let mut changes: Vec<ChangedPath> = found.iter().map(Difference::change).collect();
    pair_identical(&mut changes, &found);
    pair_similar(repo, &old_tree, &new_tree, &mut changes, similar)?;
    Ok(changes)
}

/// The commits on `head` that are not on `base`, oldest first, each with the paths it touched
/// against its first parent. The walk enters a changed directory only when `descend` accepts
/// it (its path with a trailing `/`); a caller that needs no paths passes `&|_| false`.
pub fn branch_commits(
    repo: &Repository,
    head: Oid,
    base: Oid,
    descend: &dyn Fn(&str) -> bool,
) -> Result<Vec<CommitInfo>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.push(head)?;
    walk.hide(base)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    let mut trees = TreeWalk::new(repo, descend);
    let mut commits = Vec::new();
    for oid in walk {
        let oid = oid?;
        let commit = repo.find_commit(oid)?;
        let parent_tree = match commit.parent(0) {
            Ok(parent) => Some(parent.tree()?),
            Err(_) => None,
        };
        let mut found = Vec::new();
        trees.trees(parent_tree.as_ref(), Some(&commit.tree()?), &mut found)?;
        commits.push(CommitInfo {
            sha: oid,
            subject: commit.summary().ok().flatten().unwrap_or("").to_string(),
            paths: found.into_iter().map(|d| d.path).collect(),
        });
    }
    Ok(commits)
}

/// One difference between two trees: a file (or submodule) whose id or mode differs, or a
/// changed directory the walk did not enter (`path` ends in `/`).
struct Difference {
    path: String,
    /// The entry's id on each side; `None` where it does not exist.
    old: Option<Oid>,
    new: Option<Oid>,
    /// The file type bits of the entry's mode (regular file, symlink, submodule), newest side.
    kind: i32,
}

impl Difference {
    fn change(&self) -> ChangedPath {
        let kind = match (self.old, self.new) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Deleted,
            _ => ChangeKind::Modified,
        };
        ChangedPath {
            path: self.path.clone(),
            kind,
        }
    }
}

/// A merge-join of two trees in git's entry order that enters only subtrees whose ids differ.
// why: libgit2's tree-to-tree diff expands every subtree of both sides, so each commit of a
// 50,000-file repository costs a walk of 100,000 entries whatever it changed; this walk costs
// what the commit touched.
struct TreeWalk<'r, 'd> {
    repo: &'r Repository,
    descend: &'d dyn Fn(&str) -> bool,
    /// The directory being walked, with its trailing `/`.
    prefix: Vec<u8>,
}

impl<'r, 'd> TreeWalk<'r, 'd> {
    fn new(repo: &'r Repository, descend: &'d dyn Fn(&str) -> bool) -> Self {
        TreeWalk {
            repo,
            descend,
            prefix: Vec::new(),
        }
    }

    fn trees(
        &mut self,
        old: Option<&Tree>,
        new: Option<&Tree>,
        out: &mut Vec<Difference>,
    ) -> Result<(), git2::Error> {
        // why: entries are read in place by index; copying every entry of every tree visited
        // cost more than reading the trees.
        let (mut i, mut j) = (0, 0);
        loop {
            let (a, b) = (entry_at(old, i), entry_at(new, j));
            let order = match (&a, &b) {
                (Some(a), Some(b)) => git_order(a, b),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => return Ok(()),
            };
            match order {
                Ordering::Less => {
                    self.entry(a.as_ref(), None, out)?;
                    i += 1;
                }
                Ordering::Greater => {
                    self.entry(None, b.as_ref(), out)?;
                    j += 1;
                }
                Ordering::Equal => {
                    let (a, b) = (a.expect("compared"), b.expect("compared"));
                    if a.id() != b.id() || a.filemode() != b.filemode() {
                        self.entry(Some(&a), Some(&b), out)?;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
    }

    /// One changed entry: the same name on both sides (both trees or both not), or one side.
    fn entry(
        &mut self,
        old: Option<&TreeEntry>,
        new: Option<&TreeEntry>,
        out: &mut Vec<Difference>,
    ) -> Result<(), git2::Error> {
        let Some(entry) = new.or(old) else {
            return Ok(());
        };
        let tree = is_tree(entry);
        let len = self.prefix.len();
        self.prefix.extend_from_slice(entry.name_bytes());
        if tree {
            self.prefix.push(b'/');
        }
        let path = String::from_utf8_lossy(&self.prefix).into_owned();
        let result = if tree && (self.descend)(&path) {
            let repo = self.repo;
            let subtree = |e: Option<&TreeEntry>| e.map(|e| repo.find_tree(e.id())).transpose();
            match (subtree(old), subtree(new)) {
                (Ok(old_tree), Ok(new_tree)) => {
                    self.trees(old_tree.as_ref(), new_tree.as_ref(), out)
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        } else {
            out.push(Difference {
                path,
                old: old.map(TreeEntry::id),
                new: new.map(TreeEntry::id),
                kind: entry.filemode() & FILE_TYPE,
            });
            Ok(())
        };
        self.prefix.truncate(len);
        result
    }
}

/// The file type bits of a git mode: `0o100000` file, `0o120000` symlink, `0o160000` submodule.
const FILE_TYPE: i32 = 0o170000;

fn entry_at<'t>(tree: Option<&'t Tree<'_>>, i: usize) -> Option<TreeEntry<'t>> {
    tree.and_then(|t| t.get(i))
}

fn is_tree(entry: &TreeEntry) -> bool {
    entry.kind() == Some(ObjectType::Tree)
}

/// Git's order of tree entries: by name, a tree's name compared as if it ended in `/`. A file
/// and a directory of the same name are therefore two entries, as git's diff shows a type
/// change: the file deleted, the directory's files added.
fn git_order(a: &TreeEntry, b: &TreeEntry) -> Ordering {
    let a_key = a.name_bytes().iter().chain(is_tree(a).then_some(&b'/'));
    let b_key = b.name_bytes().iter().chain(is_tree(b).then_some(&b'/'));
    a_key.cmp(b_key)
}

/// Turns a deleted path and an added path with the same content into one rename (at the added
/// path's place), preferring an added path with the same file name, as git does.
fn pair_identical(changes: &mut Vec<ChangedPath>, found: &[Difference]) {
    // why: keyed by type too, so that a symlink and a file with the same bytes never pair.
    let mut added: HashMap<(Oid, i32), Vec<usize>> = HashMap::new();
    for (i, d) in found.iter().enumerate() {
        if let (None, Some(id)) = (d.old, d.new) {
            added.entry((id, d.kind)).or_default().push(i);
        }
    }
    if added.is_empty() {
        return;
    }
    let mut gone = vec![false; changes.len()];
    for (i, d) in found.iter().enumerate() {
        let (Some(id), None) = (d.old, d.new) else {
            continue;
        };
        let Some(candidates) = added.get_mut(&(id, d.kind)) else {
            continue;
        };
        let pick = candidates
            .iter()
            .position(|&a| file_name(&found[a].path) == file_name(&d.path))
            .unwrap_or(0);
        let Some(&to) = candidates.get(pick) else {
            continue;
        };
        candidates.remove(pick);
        changes[to].kind = ChangeKind::Renamed(d.path.clone());
        gone[i] = true;
    }
    let mut keep = gone.into_iter().map(|g| !g);
    changes.retain(|_| keep.next().unwrap_or(true));
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Asks libgit2's rename detection about the deleted and added paths that satisfy `similar`
/// and were not paired by content, and pairs what it finds.
fn pair_similar(
    repo: &Repository,
    old_tree: &Tree,
    new_tree: &Tree,
    changes: &mut Vec<ChangedPath>,
    similar: &dyn Fn(&str) -> bool,
) -> Result<(), git2::Error> {
    let wanted = |kind: &ChangeKind| {
        let mut paths = changes
            .iter()
            .filter(|c| &c.kind == kind && similar(&c.path))
            .map(|c| c.path.clone())
            .peekable();
        paths.peek().is_some().then(|| paths.collect::<Vec<_>>())
    };
    let (Some(deleted), Some(added)) = (wanted(&ChangeKind::Deleted), wanted(&ChangeKind::Added))
    else {
        return Ok(());
    };
    let mut opts = DiffOptions::new();
    // why: the paths are literal file names, not pathspec patterns.
    opts.disable_pathspec_match(true);
    for path in deleted.iter().chain(&added) {
        opts.pathspec(path);
    }
    let mut diff = repo.diff_tree_to_tree(Some(old_tree), Some(new_tree), Some(&mut opts))?;
    // why: renames whatever `diff.renames` says, so that no user setting changes a verdict.
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;
    let renames: HashMap<String, String> = diff
        .deltas()
        .filter(|d| d.status() == Delta::Renamed)
        .filter_map(|d| {
            let path = |f: git2::DiffFile| f.path().map(|p| p.to_string_lossy().into_owned());
            Some((path(d.new_file())?, path(d.old_file())?))
        })
        .collect();
    let mut moved: HashSet<String> = HashSet::new();
    for c in changes.iter_mut() {
        if c.kind != ChangeKind::Added {
            continue;
        }
        if let Some(from) = renames.get(&c.path) {
            moved.insert(from.clone());
            c.kind = ChangeKind::Renamed(from.clone());
        }
    }
    changes.retain(|c| !(c.kind == ChangeKind::Deleted && moved.contains(&c.path)));
    Ok(())
}
