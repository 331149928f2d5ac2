//! The bridge between a lane's branch and the pure `policy` module: reads what the branch changed
//! (against its merge base with base) and returns what the policies say. `wt preflight` shows the
//! result as checks; `wt merge` refuses on any violation; `wt check` runs the triggered gates.

use crate::config::{Config, Lane};
use crate::error::{Error, Result};
use crate::git::diff::{self, ChangeKind, ChangedPath};
use crate::git::{ops, Oid, ReadError, Repository};
use crate::policy::{self, Branch, Change, Commit, ContractRule, GateRule, RoleRule, Rules};
use std::path::{Component, Path};

pub use crate::policy::{Rule, Violation};

/// What the policies say about a lane's branch.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Outcome {
    /// Each violation: the rule, the offending paths, the owner to raise them with, a one-line
    /// message and a fix.
    pub violations: Vec<Violation>,
    /// The `run` commands of the `[[gate]]`s the branch triggers, in config order.
    pub gates: Vec<String>,
    /// Test files the branch deletes (allowed only with a reason).
    pub removed_tests: Vec<String>,
}

impl Outcome {
    /// The error refusing a merge of `lane` (exit 1), or `None` when no rule is broken.
    pub fn refusal(&self, lane: &str) -> Option<Error> {
        policy::refusal(lane, &self.violations)
    }
}

/// Evaluate every policy on the branch `head` of `lane`, compared with `base_tip`.
/// `allow_test_removal` is the `--allow-test-removal` reason, if any.
///
/// Reads only what a verdict needs: the net change with renames looked for among kept tests
/// alone (a test moved to a non-test path counts as deleted either way, and for every other rule
/// a rename is its two paths), and per-commit paths only under directories that can hold
/// contracts (the contract-order rule needs no more than "this commit changed something else").
pub fn evaluate(
    cfg: &Config,
    lane: &Lane,
    repo: &Repository,
    head: Oid,
    base_tip: Oid,
    allow_test_removal: Option<&str>,
) -> Result<Outcome> {
    let policy = policy::compile(&rules(cfg, repo.workdir()))?;
    let unreadable = |what: &str, e: ReadError| {
        Error::git(format!("cannot read {what} of {}", lane.branch)).detail(e.message().to_string())
    };
    let merge_base = ops::merge_base(repo, head, base_tip).ok_or_else(|| {
        // why: in a shallow clone the common commit may just not have been fetched.
        if ops::is_shallow(repo) {
            return Error::refused(format!(
                "the repository is shallow and {} shares no commit with base in the history fetched so far; nothing was changed",
                lane.branch
            ))
            .hint("fetch the full history (`git fetch --unshallow`), then run the command again");
        }
        Error::refused(format!(
            "{} shares no history with base (an unrelated branch, not made from base); nothing was changed",
            lane.branch
        ))
    })?;
    let changes = diff::net_changes(repo, merge_base, head, &|p| policy.is_kept_test(p))
        .map_err(|e| unreadable("the changes", e))?
        .into_iter()
        .map(change)
        .collect();
    let commits = diff::branch_commits(repo, head, merge_base, &|dir| {
        policy.may_hold_contracts(dir)
    })
    .map_err(|e| unreadable("the commits", e))?
    .into_iter()
    .map(|c| Commit {
        sha: c.sha.to_string(),
        subject: c.subject,
        paths: c.paths,
    })
    .collect();
    let branch = Branch {
        role: lane.role.clone(),
        changes,
        commits,
        allow_test_removal: allow_test_removal.map(str::to_string),
    };
    let report = policy.evaluate(&branch);
    Ok(Outcome {
        violations: report.violations,
        gates: report
            .gates
            .into_iter()
            .map(|g| g.run)
            .filter(|run| !run.trim().is_empty())
            .collect(),
        removed_tests: report.removed_tests,
    })
}

fn change(c: ChangedPath) -> Change {
    match c.kind {
        ChangeKind::Added => Change::added(c.path),
        ChangeKind::Modified => Change::modified(c.path),
        ChangeKind::Deleted => Change::deleted(c.path),
        ChangeKind::Renamed(from) => Change::renamed(from, c.path),
    }
}

/// The rules from lanes.toml. The config file and the queue file are protected: a lane may change
/// them only if its role owns them, since they decide how the lane itself is judged. `main` is the
/// main checkout, to protect a `--config` file kept elsewhere in the repository too.
pub fn rules(cfg: &Config, main: Option<&Path>) -> Rules {
    let queue = cfg.queue.as_ref().and_then(|q| repo_relative(&q.path));
    let config = main
        .and_then(|m| inside(&cfg.file, m))
        .and_then(|f| repo_relative(&f));
    let mut protected = vec![crate::config::FILE_NAME.to_string()];
    for path in queue.into_iter().chain(config) {
        if !protected.contains(&path) {
            protected.push(path);
        }
    }
    Rules {
        roles: cfg
            .roles
            .iter()
            .map(|r| RoleRule {
                name: r.name.clone(),
                owns: r.owns.clone(),
            })
            .collect(),
        contracts: ContractRule {
            paths: cfg.contracts.paths.clone(),
            owners: cfg.contracts.owners.clone(),
        },
        gates: cfg
            .gates
            .iter()
            .map(|g| GateRule {
                when: g.when.clone(),
                run: g.run.clone(),
                requires: g.requires.clone(),
            })
            .collect(),
        tests: cfg.policy.tests.clone(),
        protected,
    }
}

/// A repo-relative path as git's diff spells it (`doc/q.yaml`, never `./doc/q.yaml`), or `None`
/// for a path that leaves the repository.
fn repo_relative(path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `file` relative to `main`, when it lies inside the main checkout (both canonicalized: the
/// config path comes from the command line, the workdir from git).
fn inside(file: &Path, main: &Path) -> Option<std::path::PathBuf> {
    let file = file.canonicalize().ok()?;
    let main = main.canonicalize().ok()?;
    file.strip_prefix(&main).ok().map(Path::to_path_buf)
}
