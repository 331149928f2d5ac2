//! Judges one branch against compiled rules: ownership, contract owners, contract order, kept
//! tests, protected files and gates. Owns the decisions of which rule governs which path; must
//! never compile globs (that is `compile`), word messages for grouped violations (that is
//! `report`), call git or print.

use crate::git::short_sha;
use std::collections::{HashMap, HashSet};

use globset::Candidate;

use super::compile::Policy;
use super::input::{Branch, Change, ChangeKind, Commit};
use super::report::{Groups, Report, Rule, TriggeredGate, Violation, Words};

/// Runs every policy over `branch`.
pub(crate) fn evaluate(policy: &Policy, branch: &Branch) -> Report {
    let touched = unique_touched(&branch.changes);
    let mut judge = Judge::new(policy, branch);
    for path in &touched {
        judge.path(path);
    }
    let removed_tests = removed_tests(policy, &branch.changes);
    if reason(branch).is_none() {
        removed_tests
            .iter()
            .for_each(|p| judge.groups.add(Rule::TestRemoved, None, p));
    }
    let gates = judge.triggered_gates();
    let mut violations = judge.groups.into_violations();
    violations.extend(contract_order(policy, &branch.commits));
    violations.extend(required_docs(policy, &gates, &touched));
    // why: a stable sort keeps each rule's groups in owner order and puts the order violation
    // in its place among the rules.
    violations.sort_by_key(|v| v.rule);
    Report {
        violations,
        gates,
        removed_tests,
    }
}

/// Every path the branch changes (both sides of a rename), once each, in diff order.
fn unique_touched(changes: &[Change]) -> Vec<&str> {
    let mut seen = HashSet::with_capacity(changes.len());
    changes
        .iter()
        .flat_map(Change::touched)
        .filter(|p| seen.insert(*p))
        .collect()
}

/// The `--allow-test-removal` reason, if it says anything.
fn reason(branch: &Branch) -> Option<&str> {
    branch
        .allow_test_removal
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
}

/// Per-path state of one evaluation: grouped violations, gate hits and reusable match buffers.
struct Judge<'a> {
    policy: &'a Policy,
    branch: &'a Branch,
    lane: Option<usize>,
    groups: Groups,
    gate_paths: Vec<Vec<String>>,
    scratch: Vec<usize>,
}

impl<'a> Judge<'a> {
    fn new(policy: &'a Policy, branch: &'a Branch) -> Self {
        Judge {
            policy,
            branch,
            lane: policy.role_index(&branch.role),
            groups: Groups::default(),
            gate_paths: vec![Vec::new(); policy.rules.gates.len()],
            scratch: Vec::new(),
        }
    }

    /// Exactly one authority governs a path's permission: a protected file answers to the
    /// protected-file rule, a contract path to `[contracts] owners`, anything else to `owns`.
    /// Gates see every path.
    fn path(&mut self, path: &str) {
        let candidate = Candidate::new(path);
        self.gates(path, &candidate);
        if self.policy.protected.contains(path) {
            self.protected(path, &candidate);
        } else if self.policy.contracts.is_match_candidate(&candidate) {
            self.contract_owner(path);
        } else {
            self.ownership(path, &candidate);
        }
    }

    fn ownership(&mut self, path: &str, candidate: &Candidate<'_>) {
        let owners = self.policy.owners_of(candidate, &mut self.scratch);
        let allowed = owners.is_empty() || self.lane.is_some_and(|l| owners.contains(&l));
        if !allowed {
            let owner = self.policy.role_name(owners[0]);
            self.groups.add(Rule::Ownership, Some(owner), path);
        }
    }

    fn contract_owner(&mut self, path: &str) {
        let owners = &self.policy.rules.contracts.owners;
        if owners.contains(&self.branch.role) {
            return;
        }
        let named = (!owners.is_empty()).then(|| owners.join(", "));
        self.groups.add(Rule::ContractOwner, named.as_deref(), path);
    }

    /// Unlike plain ownership, an unowned protected file is refused: only an explicit owner may
    /// change what judges the merge.
    fn protected(&mut self, path: &str, candidate: &Candidate<'_>) {
        let owners = self.policy.owners_of(candidate, &mut self.scratch);
        if self.lane.is_some_and(|l| owners.contains(&l)) {
            return;
        }
        let owner = owners.first().map(|&r| self.policy.role_name(r));
        self.groups.add(Rule::ProtectedFile, owner, path);
    }

    fn gates(&mut self, path: &str, candidate: &Candidate<'_>) {
        self.policy
            .gates
            .matches_candidate_into(candidate, &mut self.scratch);
        for &glob in &self.scratch {
            let paths = &mut self.gate_paths[self.policy.gate_of[glob]];
            // why: two `when` globs of one gate may both match; list the path once.
            if paths.last().map(String::as_str) != Some(path) {
                paths.push(path.to_string());
            }
        }
    }

    fn triggered_gates(&mut self) -> Vec<TriggeredGate> {
        let hits = std::mem::take(&mut self.gate_paths).into_iter().enumerate();
        hits.filter(|(_, paths)| !paths.is_empty())
            .map(|(index, paths)| {
                let run = self.policy.rules.gates[index].run.clone();
                TriggeredGate { index, run, paths }
            })
            .collect()
    }
}

/// Docs that must move with behaviour: each triggered gate with `requires` needs the branch to
/// change at least one path matching them.
fn required_docs(policy: &Policy, gates: &[TriggeredGate], touched: &[&str]) -> Vec<Violation> {
    let mut out = Vec::new();
    for g in gates {
        let required = &policy.rules.gates[g.index].requires;
        let set = &policy.gate_requires[g.index];
        if required.is_empty() || touched.iter().any(|p| set.is_match(p)) {
            continue;
        }
        let w = Words::of(&g.paths);
        let wanted = required.join(", ");
        let one = if required.len() == 1 { "" } else { "one of " };
        out.push(Violation {
            rule: Rule::RequiredDocs,
            paths: g.paths.clone(),
            owner: None,
            message: format!(
                "{} changed, and [[gate]] #{} requires {one}{wanted} to change with {}",
                w.subject,
                g.index + 1,
                w.it
            ),
            fix: format!(
                "update {one}{wanted} on this branch to match the change, commit, then run the command again"
            ),
        });
    }
    out
}

/// Deleted kept tests. A test renamed to a path that is still a kept test was moved, not
/// deleted; renamed to anything else, it was deleted.
fn removed_tests(policy: &Policy, changes: &[Change]) -> Vec<String> {
    let is_test = |p: &str| policy.tests.is_match(p);
    let removed = changes.iter().filter_map(|c| match &c.kind {
        ChangeKind::Deleted if is_test(&c.path) => Some(c.path.clone()),
        ChangeKind::Renamed { from } if is_test(from) && !is_test(&c.path) => Some(from.clone()),
        _ => None,
    });
    removed.collect()
}

/// Contract commits must come before any commit that changes other paths. A commit touching
/// both counts as implementation from itself on: allowed while no implementation commit precedes
/// it, and every contract commit after it is refused. Commits touching nothing are ignored.
fn contract_order(policy: &Policy, commits: &[Commit]) -> Option<Violation> {
    let mut is_contract = ContractCache {
        policy,
        seen: HashMap::new(),
    };
    let mut first_impl: Option<&Commit> = None;
    let mut offenders: Vec<&Commit> = Vec::new();
    let mut paths: Vec<String> = Vec::new();
    let mut listed = HashSet::new();
    for commit in commits {
        let (contract, other): (Vec<&String>, Vec<&String>) =
            commit.paths.iter().partition(|p| is_contract.check(p));
        if first_impl.is_some() && !contract.is_empty() {
            offenders.push(commit);
            paths.extend(contract.into_iter().filter(|p| listed.insert(*p)).cloned());
        }
        if first_impl.is_none() && !other.is_empty() {
            first_impl = Some(commit);
        }
    }
    let first_offender = offenders.first()?;
    Some(order_violation(
        first_offender,
        first_impl?,
        offenders.len(),
        paths,
    ))
}

/// Contract membership per path, since the same paths recur across commits.
struct ContractCache<'a> {
    policy: &'a Policy,
    seen: HashMap<&'a str, bool>,
}

impl<'a> ContractCache<'a> {
    fn check(&mut self, path: &'a str) -> bool {
        let contracts = &self.policy.contracts;
        *self
            .seen
            .entry(path)
            .or_insert_with(|| contracts.is_match(path))
    }
}

fn order_violation(
    offender: &Commit,
    first_impl: &Commit,
    offenders: usize,
    paths: Vec<String>,
) -> Violation {
    let w = Words::of(&paths);
    let more = match offenders {
        1 => String::new(),
        2 => " (and 1 more commit)".to_string(),
        n => format!(" (and {} more commits)", n - 1),
    };
    let message = format!(
        "commit {} \"{}\" changes contract {} after implementation commit {} \"{}\"{more}: \
         contracts must come first",
        short_sha(&offender.sha),
        offender.subject,
        w.subject,
        short_sha(&first_impl.sha),
        first_impl.subject,
    );
    let fix = "reorder the branch (git rebase -i) so contract commits come before the others, \
               or merge the contract change first"
        .to_string();
    Violation {
        rule: Rule::ContractOrder,
        paths,
        owner: None,
        message,
        fix,
    }
}
