//! Policies: ownership, contract-first, gates, kept tests and protected files (SPEC section 7).
//! Pure functions over plain inputs: the config loader maps `lanes.toml` onto [`Rules`], the
//! `git` module gathers a [`Branch`], and [`evaluate`] returns a [`Report`]. This module never
//! touches git, the file system or the terminal.
//!
//! Decisions, in the order a path meets them:
//!
//! - **Globs** are repo-relative, case-sensitive, `*` stays within one directory (as in
//!   `.gitignore`), `**` spans any depth. `compile` builds every matcher once; a bad glob is a
//!   [`GlobError`] naming its list and index, for the config loader to point at the byte.
//! - **One authority per path.** A protected file (`lanes.toml`, the queue file) answers only to
//!   the protected-file rule; a path under `[contracts] paths` only to `[contracts] owners` (the
//!   contract section is the ownership of those paths, whatever `owns` says); any other path to
//!   `owns`. So one path never yields two permission violations.
//! - **Ownership**: a path is owned by the roles holding its most specific matching glob (see
//!   `specificity`: longer literal prefix, then more literal characters, then lighter wildcards,
//!   `**` weighing 2). A path no role owns is free to change. Roles whose globs tie exactly are
//!   co-owners: any of them may change the path (the playbook's co-edited file, kept honest by the
//!   rebase before every fast-forward merge); another lane's violation names the first co-owner
//!   in config order.
//! - **Protected files** may change only if the lane's role owns them through `owns`; unlike plain
//!   ownership, an unowned protected file is refused.
//! - **Contract order**: commits (oldest first) that change contract paths must precede every
//!   commit that changes other paths. A commit touching both is allowed only while no
//!   implementation commit precedes it; it then counts as implementation, so later contract
//!   commits are refused. One violation names the first offending commit and the first
//!   implementation commit it follows, and lists the contract paths of all offenders.
//! - **Kept tests**: a deleted path matching `[policy] tests` is refused unless
//!   `allow_test_removal` holds a non-blank reason; either way it is listed in `removed_tests` for
//!   the handoff. A test renamed to a path that still matches is a move, not a deletion; renamed
//!   elsewhere, its old path counts as deleted.
//! - **Gates** see every changed path, both sides of a rename included (deleting a contract must
//!   run codegen too).
//! - **Grouping**: violations are grouped per (rule, owner), paths kept in full and in diff order,
//!   and sorted by rule, then owner.

mod compile;
mod input;
mod report;
mod rules;
mod specificity;

#[cfg(test)]
mod tests;

pub use compile::{compile, GlobError, GlobList, Policy};
pub use input::{Branch, Change, ChangeKind, Commit, ContractRule, GateRule, RoleRule, Rules};
pub use report::{refusal, Report, Rule, TriggeredGate, Violation};

impl Policy {
    /// Judges one branch. Compile once, then evaluate as many branches as needed.
    pub fn evaluate(&self, branch: &Branch) -> Report {
        rules::evaluate(self, branch)
    }
}

/// Compiles `rules` and judges `branch` in one call.
pub fn evaluate(rules: &Rules, branch: &Branch) -> Result<Report, GlobError> {
    Ok(compile(rules)?.evaluate(branch))
}
