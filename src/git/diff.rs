//! What a branch changed against its merge base with base, read in-process: the paths with their
//! change kind, and the commits oldest first with the paths each touched.

use git2::{Delta, DiffOptions, Oid, Repository, Sort};

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
    pub paths: Vec<String>,
}

/// Paths changed between the merge base of `head` and `base` and `head`.
pub fn changed_paths(repo: &Repository, head: Option<Oid>, base: Option<Oid>) -> Vec<ChangedPath> {
    let (Some(head), Some(base)) = (head, base) else {
        return Vec::new();
    };
    let Ok(merge_base) = repo.merge_base(head, base) else {
        return Vec::new();
    };
    diff_commits(repo, Some(merge_base), head, true)
}

fn diff_commits(repo: &Repository, old: Option<Oid>, new: Oid, renames: bool) -> Vec<ChangedPath> {
    let tree = |oid: Oid| repo.find_commit(oid).and_then(|c| c.tree()).ok();
    let old_tree = old.and_then(tree);
    let Some(new_tree) = tree(new) else {
        return Vec::new();
    };
    let mut opts = DiffOptions::new();
    let Ok(mut diff) = repo.diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut opts))
    else {
        return Vec::new();
    };
    if renames {
        let _ = diff.find_similar(None);
    }
    diff.deltas()
        .filter_map(|d| {
            let new_path = d.new_file().path()?.to_string_lossy().into_owned();
            let old_path = d
                .old_file()
                .path()
                .map(|p| p.to_string_lossy().into_owned());
            let kind = match d.status() {
                Delta::Added | Delta::Copied => ChangeKind::Added,
                Delta::Deleted => ChangeKind::Deleted,
                Delta::Renamed => ChangeKind::Renamed(old_path.unwrap_or_default()),
                _ => ChangeKind::Modified,
            };
            let path = if kind == ChangeKind::Deleted {
                d.old_file().path()?.to_string_lossy().into_owned()
            } else {
                new_path
            };
            Some(ChangedPath { path, kind })
        })
        .collect()
}

/// The commits on `head` that are not on `base`, oldest first, each with the paths it touched.
pub fn branch_commits(
    repo: &Repository,
    head: Oid,
    base: Oid,
) -> Result<Vec<CommitInfo>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.push(head)?;
    walk.hide(base)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    let mut commits = Vec::new();
    for oid in walk {
        let oid = oid?;
        let commit = repo.find_commit(oid)?;
        let parent = commit.parent_id(0).ok();
        let paths = diff_commits(repo, parent, oid, false)
            .into_iter()
            .map(|c| c.path)
            .collect();
        commits.push(CommitInfo {
            sha: oid,
            subject: commit.summary().ok().flatten().unwrap_or("").to_string(),
            paths,
        });
    }
    Ok(commits)
}
