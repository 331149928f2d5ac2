//! The raw shape of `lanes.toml` as serde reads it. Unknown keys are errors everywhere (a
//! misspelled key must not silently switch a rule off); values that later errors must point at
//! keep their spans.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub project: RawProject,
    pub queue: Option<RawQueue>,
    #[serde(default)]
    pub contracts: RawContracts,
    #[serde(default)]
    pub role: Vec<RawRole>,
    #[serde(default)]
    pub gate: Vec<RawGate>,
    #[serde(default)]
    pub policy: RawPolicy,
    #[serde(default)]
    pub review: RawReview,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawProject {
    pub prefix: Option<Spanned<String>>,
    pub base: Option<Spanned<String>>,
    pub remote: Option<Spanned<String>>,
    pub worktree_root: Option<Spanned<String>>,
    pub branch_template: Option<Spanned<String>>,
    pub dir_template: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    pub path: Spanned<String>,
    pub commit: Option<bool>,
    pub push: Option<bool>,
    pub set_status: Option<Spanned<Vec<String>>>,
    pub default_priority: Option<u32>,
    /// `wt`'s field name to the team's key.
    pub field_names: Option<std::collections::BTreeMap<String, Spanned<String>>>,
    pub strict_fields: Option<bool>,
    pub archive: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawContracts {
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    #[serde(default)]
    pub owners: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    pub name: Spanned<String>,
    pub lanes: Option<Spanned<u32>>,
    #[serde(default)]
    pub owns: Vec<Spanned<String>>,
    #[serde(default)]
    pub checks: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGate {
    pub when: Vec<Spanned<String>>,
    pub run: Option<String>,
    /// Paths (globs) of which the branch must change one when it touches `when`.
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawReview {
    pub required: Option<bool>,
    #[serde(default)]
    pub route: Vec<RawRoute>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    pub when: Vec<Spanned<String>>,
    pub by: Spanned<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    #[serde(default)]
    pub tests: Vec<Spanned<String>>,
    pub precious: Option<Vec<Spanned<String>>>,
    pub defect_kinds: Option<Vec<String>>,
    #[serde(default)]
    pub high_risk: Vec<Spanned<String>>,
}

/// The per-user file: only settings that belong to a machine.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawUserConfig {
    #[serde(default)]
    pub project: RawUserProject,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawUserProject {
    pub worktree_root: Option<String>,
}
