//! `lanes.toml`: discovery (always the main checkout's copy, never a lane's), layering (user file,
//! repo file, environment), validation with file:line:column errors, and the lanes it defines.
//! Never prints and never touches git beyond name checks.

mod lanes;
mod load;
pub mod names;
mod schema;
pub mod source;

pub use lanes::{expand, Lane, Words};
pub use load::{load, user_config_path, LoadOptions};

use std::path::PathBuf;

pub const FILE_NAME: &str = "lanes.toml";
pub const DEFAULT_BRANCH_TEMPLATE: &str = "agent/{role}{-lane}";
pub const DEFAULT_DIR_TEMPLATE: &str = "{prefix}-{role}{-lane}";

#[derive(Debug, Clone)]
pub struct Config {
    /// The file this came from.
    pub file: PathBuf,
    pub project: Project,
    pub queue: Option<QueueConfig>,
    pub contracts: Contracts,
    pub roles: Vec<Role>,
    pub gates: Vec<Gate>,
    pub policy: Policy,
    pub review: Review,
    /// Every lane of every role, in config order.
    pub lanes: Vec<Lane>,
    /// Where each role is named in the file (`lanes.toml:7:8`), for errors found after loading
    /// (a lane branch that is the detected base).
    pub role_at: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub prefix: String,
    /// None: detect from the remote's HEAD, then master/main.
    pub base: Option<String>,
    pub remote: String,
    /// Absolute; canonical when it exists.
    pub worktree_root: PathBuf,
    pub branch_template: String,
    pub dir_template: String,
}

#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// Relative to the main checkout.
    pub path: PathBuf,
    pub commit: bool,
    pub push: bool,
    pub set_status: Option<Vec<String>>,
    /// The priority of a task without `priority:` (lower is more urgent).
    pub default_priority: u32,
    /// `[queue.field_names]`: `wt`'s field name to the team's key, checked at load.
    pub field_names: Vec<(String, String)>,
    /// Every key `wt` does not know is an error, as a near miss is.
    pub strict_fields: bool,
    /// Globs of archive files (read-only tasks), relative to the main checkout.
    pub archive: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Contracts {
    pub paths: Vec<String>,
    pub owners: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    /// None for V1 (one lane); Some(n) for V2 lanes 1..=n.
    pub lanes: Option<u32>,
    pub owns: Vec<String>,
    pub checks: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Gate {
    pub when: Vec<String>,
    /// The command to run; empty for a gate that only `requires` paths.
    pub run: String,
    /// Globs of which the branch must change one when it touches `when` (docs that must move
    /// with behaviour).
    pub requires: Vec<String>,
}

/// `[review]`: whether every merge needs a current approval, and the routes that need one from
/// given roles.
#[derive(Debug, Clone, Default)]
pub struct Review {
    pub required: bool,
    pub routes: Vec<ReviewRoute>,
}

/// `[[review.route]]`: a branch touching `when` needs an approval from a lane of a role in `by`.
#[derive(Debug, Clone)]
pub struct ReviewRoute {
    pub when: Vec<String>,
    pub by: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub tests: Vec<String>,
    /// Ignored files that teardown must not delete (default `.env*`).
    pub precious: Vec<String>,
    /// Task kinds that need defect evidence to merge (default `bug`, `defect`).
    pub defect_kinds: Vec<String>,
    /// Globs that make a branch high-risk when it touches them.
    pub high_risk: Vec<String>,
}

impl Config {
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// Refuse a lane whose branch is the base branch (detected, so only known after loading):
    /// its worktree would hold base and a sync would push its commits straight to base, past
    /// every policy, check and the queue.
    pub fn refuse_base_as_lane(&self, base: &str) -> crate::error::Result<()> {
        match self.lanes.iter().find(|l| l.branch == base) {
            None => Ok(()),
            Some(lane) => {
                let at = self.role_at.get(&lane.role).cloned().unwrap_or_default();
                Err(crate::error::Error::usage(format!(
                    "{at}: lane {} would use the base branch `{base}` as its own branch",
                    lane.id
                ))
                .hint(load::BASE_FIX))
            }
        }
    }
}

/// Compile a repo-relative glob the way `owns`, `when`, `tests` and `precious` use it: `*` stays
/// inside one path segment, `**` crosses segments.
pub fn glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
}
