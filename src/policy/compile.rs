//! Turns `Rules` into matchers once per run: every glob is compiled here, a bad one is reported
//! with the list and index it came from, and the owner lookup (most specific pattern wins) lives
//! here. Must never judge a branch (that is `rules`) and never read the config file itself (the
//! config loader maps a `GlobError` back to a line and column).

use std::collections::HashSet;
use std::fmt;

use globset::{Candidate, GlobBuilder, GlobSet, GlobSetBuilder};

use super::input::Rules;
use super::specificity::Specificity;
use crate::error::Error;

/// Which config list a glob came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobList {
    /// `owns` of the `[[role]]` at index `role` (config order).
    RoleOwns { role: usize, name: String },
    /// `[contracts] paths`.
    ContractPaths,
    /// `when` of the `[[gate]]` at index `gate`.
    GateWhen { gate: usize },
    /// `[policy] tests`.
    PolicyTests,
    /// `requires` of the `[[gate]]` at index `gate`.
    GateRequires { gate: usize },
}

/// A glob that does not compile: where it is (list and index in that list), its text, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError {
    pub list: GlobList,
    pub index: usize,
    pub glob: String,
    pub reason: String,
}

impl fmt::Display for GlobList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobList::RoleOwns { name, .. } => write!(f, "[[role]] {name} owns"),
            GlobList::ContractPaths => f.write_str("[contracts] paths"),
            GlobList::GateWhen { gate } => write!(f, "[[gate]] #{} when", gate + 1),
            GlobList::PolicyTests => f.write_str("[policy] tests"),
            GlobList::GateRequires { gate } => write!(f, "[[gate]] #{} requires", gate + 1),
        }
    }
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (list, index, glob, reason) = (&self.list, self.index, &self.glob, &self.reason);
        write!(f, "{list}[{index}]: bad glob \"{glob}\": {reason}")
    }
}

impl std::error::Error for GlobError {}

impl From<GlobError> for Error {
    fn from(e: GlobError) -> Self {
        Error::usage(e.to_string()).hint(
            "globs are repo-relative: `*` stays within one directory, `**` spans any depth, \
             `?`, `[abc]` and `{a,b}` as usual; write `[*]` for a literal `*`",
        )
    }
}

/// The compiled rules, ready to judge any number of branches.
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) rules: Rules,
    owns: GlobSet,
    /// For each glob of `owns`, in order: the role index and how specific the glob is.
    owns_rank: Vec<(usize, Specificity)>,
    pub(crate) contracts: GlobSet,
    pub(crate) gates: GlobSet,
    /// For each glob of `gates`, in order: the gate index.
    pub(crate) gate_of: Vec<usize>,
    /// For each gate, in order: its `requires` globs (an empty set when it has none).
    pub(crate) gate_requires: Vec<GlobSet>,
    pub(crate) tests: GlobSet,
    pub(crate) protected: HashSet<String>,
    /// The literal text each contract glob starts with, for [`Policy::may_hold_contracts`].
    contract_prefixes: Vec<String>,
}

/// Compiles every glob of `rules`, failing on the first bad one in config order.
pub fn compile(rules: &Rules) -> Result<Policy, GlobError> {
    let owns = owns_entries(rules);
    let gates = gate_entries(rules);
    Ok(Policy {
        owns: build_set(owns.iter().cloned())?,
        owns_rank: owns
            .iter()
            .map(|(list, _, g)| (role_of(list), Specificity::of(g)))
            .collect(),
        contracts: build_set(listed(GlobList::ContractPaths, &rules.contracts.paths))?,
        gates: build_set(gates.iter().cloned())?,
        gate_of: gates.iter().map(|(list, _, _)| gate_of(list)).collect(),
        gate_requires: rules
            .gates
            .iter()
            .enumerate()
            .map(|(gate, g)| build_set(listed(GlobList::GateRequires { gate }, &g.requires)))
            .collect::<Result<_, _>>()?,
        tests: build_set(listed(GlobList::PolicyTests, &rules.tests))?,
        protected: rules.protected.iter().cloned().collect(),
        contract_prefixes: rules
            .contracts
            .paths
            .iter()
            .map(|g| literal_prefix(g).to_string())
            .collect(),
        rules: rules.clone(),
    })
}

/// Every `owns` glob of every role, in config order, with where it came from.
fn owns_entries(rules: &Rules) -> Vec<(GlobList, usize, &str)> {
    let lists = rules.roles.iter().enumerate().map(|(role, r)| {
        (
            GlobList::RoleOwns {
                role,
                name: r.name.clone(),
            },
            &r.owns,
        )
    });
    lists
        .flat_map(|(list, globs)| listed(list, globs))
        .collect()
}

/// Every `when` glob of every gate, in config order, with where it came from.
fn gate_entries(rules: &Rules) -> Vec<(GlobList, usize, &str)> {
    let lists = rules
        .gates
        .iter()
        .enumerate()
        .map(|(gate, g)| (GlobList::GateWhen { gate }, &g.when));
    lists
        .flat_map(|(list, globs)| listed(list, globs))
        .collect()
}

fn role_of(list: &GlobList) -> usize {
    match list {
        GlobList::RoleOwns { role, .. } => *role,
        _ => unreachable!("owns entries come from roles"),
    }
}

fn gate_of(list: &GlobList) -> usize {
    match list {
        GlobList::GateWhen { gate } => *gate,
        _ => unreachable!("gate entries come from gates"),
    }
}

fn listed(list: GlobList, globs: &[String]) -> impl Iterator<Item = (GlobList, usize, &str)> {
    globs
        .iter()
        .enumerate()
        .map(move |(i, g)| (list.clone(), i, g.as_str()))
}

fn build_set<'a>(
    globs: impl Iterator<Item = (GlobList, usize, &'a str)>,
) -> Result<GlobSet, GlobError> {
    let mut set = GlobSetBuilder::new();
    let mut first = None;
    for (list, index, glob) in globs {
        let error = |reason: String| GlobError {
            list: list.clone(),
            index,
            glob: glob.to_string(),
            reason,
        };
        if glob.trim().is_empty() {
            return Err(error("an empty glob matches nothing; remove it".into()));
        }
        // why: `*` must not cross `/`, as in .gitignore and CODEOWNERS; `**` spans directories.
        let compiled = GlobBuilder::new(glob).literal_separator(true).build();
        set.add(compiled.map_err(|e| error(e.kind().to_string()))?);
        first.get_or_insert_with(|| error(String::new()));
    }
    // why: building the set only fails when the globs together exceed the regex size limit,
    // which no single glob reports; blame the list, starting at its first entry.
    set.build().map_err(|e| {
        let mut blame = first.expect("an empty set always builds");
        blame.reason = format!("the globs of this list are too many or too complex: {e}");
        blame
    })
}

/// The text before the first character that is not plainly literal (`*`, `?`, `[`, `{`, or an
/// escape): every path a glob matches starts with it.
fn literal_prefix(glob: &str) -> &str {
    let end = glob.find(['*', '?', '[', '{', '\\']).unwrap_or(glob.len());
    &glob[..end]
}

impl Policy {
    /// Whether `path` is a kept test (`[policy] tests`).
    pub fn is_kept_test(&self, path: &str) -> bool {
        self.tests.is_match(path)
    }

    /// Whether some path under the directory `dir` (repo-relative, ending in `/`) could be a
    /// contract path. Conservative: `false` only when every contract glob's literal start rules
    /// the directory out, so a reader of per-commit paths may skip that directory without
    /// changing the contract-order verdict.
    pub fn may_hold_contracts(&self, dir: &str) -> bool {
        self.contract_prefixes
            .iter()
            .any(|p| p.starts_with(dir) || dir.starts_with(p.as_str()))
    }

    /// The roles that own `path` (indices in config order): those holding its most specific
    /// matching glob. Empty when no role owns it; several when equally specific globs of
    /// different roles tie (co-owners, the first in config order named as primary).
    pub(crate) fn owners_of(&self, path: &Candidate<'_>, scratch: &mut Vec<usize>) -> Vec<usize> {
        self.owns.matches_candidate_into(path, scratch);
        let best = scratch.iter().map(|&g| self.owns_rank[g].1).max();
        let mut roles: Vec<usize> = scratch
            .iter()
            .filter(|&&g| Some(self.owns_rank[g].1) == best)
            .map(|&g| self.owns_rank[g].0)
            .collect();
        roles.sort_unstable();
        roles.dedup();
        roles
    }

    /// The role index of a role name, if the config has it.
    pub(crate) fn role_index(&self, name: &str) -> Option<usize> {
        self.rules.roles.iter().position(|r| r.name == name)
    }

    pub(crate) fn role_name(&self, role: usize) -> &str {
        &self.rules.roles[role].name
    }
}
