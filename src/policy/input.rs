//! What the policy check reads: the rules (mapped from `lanes.toml` by the config loader) and one
//! branch's facts (gathered by the `git` module). Plain data with small constructors; this file
//! owns no policy logic and must never read files, call git or print.

/// The rules a branch is judged by, in config order. Order matters twice: among roles whose
/// patterns match a path equally well, the first role in config order is named as the owner, and
/// gate indices in the report point into `gates`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// `[[role]]` tables: name and `owns` globs.
    pub roles: Vec<RoleRule>,
    /// `[contracts]`: contract globs and the roles allowed to change them.
    pub contracts: ContractRule,
    /// `[[gate]]` tables: `when` globs and the `run` command.
    pub gates: Vec<GateRule>,
    /// `[policy] tests`: globs of files a branch may not delete.
    pub tests: Vec<String>,
    /// Repo-relative literal paths (not globs) that judge a merge: `lanes.toml` and the queue
    /// file. A lane may change one only if its role owns it through `owns`.
    pub protected: Vec<String>,
}

/// One `[[role]]`: its name and the globs it owns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleRule {
    pub name: String,
    pub owns: Vec<String>,
}

/// `[contracts]`: globs of contract files and the roles that may change them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractRule {
    pub paths: Vec<String>,
    pub owners: Vec<String>,
}

/// One `[[gate]]`: the command to run when the branch changes a path matching `when`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateRule {
    pub when: Vec<String>,
    /// Empty for a gate that only requires paths.
    pub run: String,
    /// Globs of which the branch must change one when it triggers the gate.
    pub requires: Vec<String>,
}

/// How a path changed between the merge base and the branch tip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
    /// The file now at `Change::path` was at `from` (git's `R` status). `from` no longer exists,
    /// so it counts as a changed path for ownership, and as a deletion unless the new path is a
    /// kept test too.
    Renamed {
        from: String,
    },
}

/// One entry of `git diff --name-status -M <merge-base> <tip>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Repo-relative, `/`-separated: the path at the tip (for a deletion, the deleted path).
    pub path: String,
    pub kind: ChangeKind,
}

impl Change {
    pub fn added(path: impl Into<String>) -> Self {
        Change {
            path: path.into(),
            kind: ChangeKind::Added,
        }
    }
    pub fn modified(path: impl Into<String>) -> Self {
        Change {
            path: path.into(),
            kind: ChangeKind::Modified,
        }
    }
    pub fn deleted(path: impl Into<String>) -> Self {
        Change {
            path: path.into(),
            kind: ChangeKind::Deleted,
        }
    }
    pub fn renamed(from: impl Into<String>, to: impl Into<String>) -> Self {
        Change {
            path: to.into(),
            kind: ChangeKind::Renamed { from: from.into() },
        }
    }

    /// Every path this change touches: the path itself and, for a rename, where it came from.
    pub fn touched(&self) -> impl Iterator<Item = &str> {
        let from = match &self.kind {
            ChangeKind::Renamed { from } => Some(from.as_str()),
            _ => None,
        };
        std::iter::once(self.path.as_str()).chain(from)
    }

    /// The path that no longer exists at the tip, if any.
    pub fn removed_path(&self) -> Option<&str> {
        match &self.kind {
            ChangeKind::Deleted => Some(&self.path),
            ChangeKind::Renamed { from } => Some(from),
            ChangeKind::Added | ChangeKind::Modified => None,
        }
    }
}

/// One commit of the branch. `paths` lists every path the commit touched, both sides of a rename;
/// only the contract-order rule reads them, so a reader may list a changed directory that
/// [`Policy::may_hold_contracts`](super::Policy::may_hold_contracts) rules out as one `dir/`
/// entry instead of its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    pub sha: String,
    pub subject: String,
    pub paths: Vec<String>,
}

/// The branch under judgement: its lane's role, its net changes against the merge base with
/// base, its commits oldest first, and the `--allow-test-removal` reason if one was given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Branch {
    pub role: String,
    pub changes: Vec<Change>,
    pub commits: Vec<Commit>,
    pub allow_test_removal: Option<String>,
}
