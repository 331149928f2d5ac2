//! The bridge between a lane's branch and the pure `policy` module: reads what the branch changed
//! (against its merge base with base) and returns what the policies say. `wt preflight` shows the
//! result as checks; `wt merge` refuses on any violation; `wt check` runs the triggered gates.

use crate::config::{Config, Lane};
use crate::error::{Error, Result};
use crate::git::diff::{self, ChangeKind, ChangedPath};
use crate::policy::{self, Branch, Change, Commit, ContractRule, GateRule, RoleRule, Rules};
use git2::{Oid, Repository};

/// What the policies say about a lane's branch.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Outcome {
    /// Each violation: a one-line message naming the rule, paths and owner, and a fix.
    pub violations: Vec<Violation>,
    /// The `run` commands of the `[[gate]]`s the branch triggers, in config order.
    pub gates: Vec<String>,
    /// Test files the branch deletes (allowed only with a reason).
    pub removed_tests: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Violation {
    pub rule: String,
    pub message: String,
    pub fix: String,
    pub paths: Vec<String>,
    pub owner: Option<String>,
}

/// Evaluate every policy on the branch `head` of `lane`, compared with `base_tip`.
pub fn evaluate(
    cfg: &Config,
    lane: &Lane,
    repo: &Repository,
    head: Oid,
    base_tip: Oid,
    allow_test_removal: Option<&str>,
) -> Result<Outcome> {
    let merge_base = repo.merge_base(head, base_tip).map_err(|e| {
        Error::git(format!("{} shares no history with base", lane.branch))
            .detail(e.message().to_string())
    })?;
    let changes = diff::changed_paths(repo, Some(head), Some(base_tip))
        .into_iter()
        .map(change)
        .collect();
    let commits = diff::branch_commits(repo, head, merge_base)
        .map_err(|e| {
            Error::git(format!("cannot list the commits of {}", lane.branch))
                .detail(e.message().to_string())
        })?
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
    let report = policy::evaluate(&rules(cfg), &branch)?;
    Ok(Outcome {
        violations: report
            .violations
            .into_iter()
            .map(|v| Violation {
                rule: serde_json::to_value(v.rule)
                    .ok()
                    .and_then(|r| r.as_str().map(str::to_string))
                    .unwrap_or_default(),
                message: v.message,
                fix: v.fix,
                paths: v.paths,
                owner: v.owner,
            })
            .collect(),
        gates: report.gates.into_iter().map(|g| g.run).collect(),
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
/// them only if its role owns them, since they decide how the lane itself is judged.
pub fn rules(cfg: &Config) -> Rules {
    let mut protected = vec![crate::config::FILE_NAME.to_string()];
    if let Some(q) = &cfg.queue {
        protected.push(q.path.to_string_lossy().replace('\\', "/"));
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
            })
            .collect(),
        tests: cfg.policy.tests.clone(),
        protected,
    }
}
