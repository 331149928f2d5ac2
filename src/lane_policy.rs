//! The bridge between a lane's branch and the pure `policy` module: reads what the branch changed
//! (against its merge base with base) and returns what the policies say. `wt preflight` shows the
//! result as checks; `wt merge` refuses on any violation; `wt check` runs the triggered gates.

use crate::config::{Config, Lane};
use crate::error::Result;
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
}

/// Evaluate every policy on the branch `head` of `lane`, compared with `base_tip`.
pub fn evaluate(
    _cfg: &Config,
    _lane: &Lane,
    _repo: &Repository,
    _head: Oid,
    _base_tip: Oid,
    _allow_test_removal: Option<&str>,
) -> Result<Outcome> {
    Ok(Outcome::default())
}
