//! Working-tree state: `git status --porcelain=v2 -z` parsed into counts and paths (the binary
//! uses the untracked cache and fsmonitor, libgit2 does not), and in-progress operations read
//! from the worktree's admin dir.

use crate::git::run::{git, GitError};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    Rebase,
    Merge,
    CherryPick,
    Revert,
}

impl Operation {
    pub fn detect(admin_dir: &Path) -> Option<Operation> {
        let has = |name: &str| admin_dir.join(name).exists();
        if has("rebase-merge") || has("rebase-apply") {
            Some(Operation::Rebase)
        } else if has("MERGE_HEAD") {
            Some(Operation::Merge)
        } else if has("CHERRY_PICK_HEAD") {
            Some(Operation::CherryPick)
        } else if has("REVERT_HEAD") {
            Some(Operation::Revert)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Rebase => "rebase",
            Operation::Merge => "merge",
            Operation::CherryPick => "cherry-pick",
            Operation::Revert => "revert",
        }
    }

    /// The command that abandons this operation.
    pub fn abort_command(self) -> &'static str {
        match self {
            Operation::Rebase => "git rebase --abort",
            Operation::Merge => "git merge --abort",
            Operation::CherryPick => "git cherry-pick --abort",
            Operation::Revert => "git revert --abort",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Dirty {
    pub staged: usize,
    pub unstaged: usize,
    pub untracked: usize,
    /// Paths with a conflict git left unresolved (`UU` and the like).
    pub unmerged: usize,
    /// Paths with any change, for messages (untracked dirs end in `/`).
    #[serde(skip)]
    pub paths: Vec<String>,
    /// Ignored paths, only when asked for.
    #[serde(skip)]
    pub ignored: Vec<String>,
    /// Submodules with new commits or changes inside.
    #[serde(skip)]
    pub submodules_changed: Vec<String>,
}

impl Dirty {
    pub fn is_clean(&self) -> bool {
        self.untracked == 0 && !self.tracked_changed()
    }

    /// A tracked file is staged, changed or unmerged (untracked files aside).
    pub fn tracked_changed(&self) -> bool {
        self.staged + self.unstaged + self.unmerged > 0
    }
}

pub struct StatusOptions {
    pub untracked: Untracked,
    pub ignored: bool,
}

impl StatusOptions {
    /// Tracked files only: the untracked walk is skipped (for checks that allow untracked files).
    pub const TRACKED: StatusOptions = StatusOptions {
        untracked: Untracked::No,
        ignored: false,
    };
    /// Tracked files and untracked ones as `git status` lists them.
    pub const WITH_UNTRACKED: StatusOptions = StatusOptions {
        untracked: Untracked::Normal,
        ignored: false,
    };
}

/// How much of the untracked files to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Untracked {
    /// None: the walk over every directory is skipped (for checks that allow untracked files).
    No,
    /// Untracked directories collapsed to one entry each.
    Normal,
    /// Every untracked file.
    All,
}

pub fn read(dir: &Path, opts: &StatusOptions) -> Result<Dirty, GitError> {
    // why: --no-optional-locks, so that a read never holds `index.lock` and makes an agent's own
    // `git commit` in that lane fail with "index.lock: File exists".
    let mut args = vec!["--no-optional-locks", "status", "--porcelain=v2", "-z"];
    match opts.untracked {
        Untracked::No => args.push("--untracked-files=no"),
        Untracked::Normal => args.push("--untracked-files=normal"),
        Untracked::All => args.push("--untracked-files=all"),
    }
    if opts.ignored {
        // why: `matching` names an ignored directory once instead of listing all it holds.
        args.push("--ignored=matching");
    }
    let mut cmd = git(dir);
    // why: if `dir` lost its `.git` file, git would climb into whatever repository holds it and
    // report that one's status as the lane's (F10); the ceiling stops the search at `dir`.
    if let Some(parent) = dir
        .parent()
        .filter(|p| !p.as_os_str().as_encoded_bytes().contains(&b':'))
    {
        cmd = cmd.env("GIT_CEILING_DIRECTORIES", parent);
    }
    let out = cmd.run(&args)?;
    Ok(parse(&out.stdout))
}

pub fn parse(raw: &[u8]) -> Dirty {
    let mut dirty = Dirty::default();
    let mut records = raw.split(|b| *b == 0).filter(|r| !r.is_empty());
    while let Some(record) = records.next() {
        let text = String::from_utf8_lossy(record);
        match record[0] {
            b'1' => ordinary(&mut dirty, &text, 8),
            b'2' => {
                ordinary(&mut dirty, &text, 9);
                // why: a rename record is followed by its original path as a separate field.
                records.next();
            }
            b'u' => {
                dirty.unmerged += 1;
                dirty.paths.push(field(&text, 10).to_string());
            }
            b'?' => {
                dirty.untracked += 1;
                dirty.paths.push(text[2..].to_string());
            }
            b'!' => dirty.ignored.push(text[2..].to_string()),
            _ => {}
        }
    }
    dirty
}

/// `1 XY sub mH mI mW hH hI path` (9 fields, path last); renames have one more field.
fn ordinary(dirty: &mut Dirty, text: &str, path_field: usize) {
    let xy = field(text, 1).as_bytes();
    if xy.first().is_some_and(|c| *c != b'.') {
        dirty.staged += 1;
    }
    if xy.get(1).is_some_and(|c| *c != b'.') {
        dirty.unstaged += 1;
    }
    let path = field(text, path_field).to_string();
    let sub = field(text, 2);
    if sub.starts_with('S') && sub != "S..." {
        dirty.submodules_changed.push(path.clone());
    }
    dirty.paths.push(path);
}

/// The n-th space-separated field; the last one (a path) may itself contain spaces.
fn field(text: &str, n: usize) -> &str {
    text.splitn(n + 1, ' ').nth(n).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_kind_and_keeps_paths_with_spaces() {
        let raw = b"1 M. N... 100644 100644 100644 a a f.txt\x001 .M N... 100644 100644 100644 a a dir/my file.txt\x002 R. N... 100644 100644 100644 a a R100 new.txt\x00old.txt\x00? un tracked\x00u UU N... 1 1 1 1 a a a c.txt\x00";
        let d = parse(raw);
        assert_eq!(
            (d.staged, d.unstaged, d.untracked, d.unmerged),
            (2, 1, 1, 1)
        );
        assert_eq!(
            d.paths,
            ["f.txt", "dir/my file.txt", "new.txt", "un tracked", "c.txt"]
        );
    }

    #[test]
    fn notices_changed_submodules() {
        let raw = b"1 .M SC.. 160000 160000 160000 a a sub\x00";
        assert_eq!(parse(raw).submodules_changed, ["sub"]);
    }
}
