//! The context packet of `wt task LANE`: everything an agent needs to work on the lane's claimed
//! task, as data (`ui::packet` writes it as a Markdown brief): the task and its dependencies with
//! their state, what the role owns and what it must not touch, the checks that will run, the
//! rules that apply, and the commands that finish the task.

use crate::config::Lane;
use crate::error::{Error, Result};
use crate::lane::{policy, Site};
use crate::queue;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Packet {
    pub lane: String,
    pub role: String,
    pub branch: String,
    /// The lane's worktree directory.
    pub path: String,
    /// The base branch it is merged into (`origin/master`).
    pub base: String,
    pub task: Brief,
    /// Globs of the paths this role owns.
    pub owns: Vec<String>,
    /// What it must not change: another role's paths, contracts it does not own, the files that
    /// judge a merge.
    pub must_not_touch: Vec<Fence>,
    /// Commands `wt check` runs: the role's checks, then the task's acceptance checks; gates
    /// (run when the branch changes their paths) are listed in `gates`.
    pub checks: Vec<String>,
    pub gates: Vec<Gate>,
    pub rules: Vec<RuleNote>,
    /// The commands that finish the task, in order.
    pub finish: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Brief {
    pub id: String,
    pub title: String,
    pub status: String,
    pub owner: Option<String>,
    pub description: Option<String>,
    pub notes: Option<String>,
    pub acceptance_checks: Vec<String>,
    pub depends_on: Vec<Dependency>,
    /// Every dependency is done.
    pub depends_on_satisfied: bool,
    pub parent_id: Option<String>,
    pub slice: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dependency {
    pub id: String,
    pub title: Option<String>,
    /// Its status, or `missing` when no such task is in the queue.
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fence {
    pub path: String,
    /// Whom to ask: the owning role(s), or why it is off limits.
    pub owner: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gate {
    pub when: Vec<String>,
    /// The command run when the branch changes `when`; empty for a gate that only requires paths.
    pub run: String,
    /// Paths of which the branch must change one when it changes `when`.
    pub requires: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleNote {
    /// A short stable name: `dependencies`, `contract-first`, `ownership`, `protected-files`,
    /// `kept-tests`, `fast-forward`.
    pub rule: String,
    pub text: String,
}

/// The packet of the lane's claimed task; refused (exit 1) with the claim command when it has
/// none.
pub fn packet(site: &Site, lane: &Lane) -> Result<Packet> {
    let cfg = site.cfg;
    let no_task = || {
        Error::refused(format!("{} has no claimed task", lane.id))
            .hint(format!("wt queue claim {} --owner NAME", lane.id))
    };
    let file = queue::store::try_load(site.info, cfg).ok_or_else(|| {
        Error::refused(format!(
            "{} has no claimed task: no [queue] in lanes.toml",
            lane.id
        ))
        .hint("add a [queue] table with the queue file's path, then wt queue claim")
    })??;
    let q = &file.queue;
    let task = queue::lane_task(q, &lane.role, lane.index, &lane.branch).ok_or_else(no_task)?;
    let depends_on: Vec<Dependency> = task
        .depends_on
        .iter()
        .map(|d| {
            let found = q.task(d);
            Dependency {
                id: d.clone(),
                title: found.map(|t| t.title.clone()),
                status: found.map_or("missing", |t| t.status.as_str()).to_string(),
            }
        })
        .collect();
    let unmet: Vec<&Dependency> = depends_on.iter().filter(|d| d.status != "done").collect();
    let role = cfg.role(&lane.role);
    let owns = role.map(|r| r.owns.clone()).unwrap_or_default();
    let mut checks = role.map(|r| r.checks.clone()).unwrap_or_default();
    for c in &task.acceptance_checks {
        if !checks.contains(c) {
            checks.push(c.clone());
        }
    }
    let rules = policy::rules(cfg, Some(&site.info.main));
    let mut fences = Vec::new();
    for r in &cfg.roles {
        if r.name == lane.role {
            continue;
        }
        for glob in &r.owns {
            if !owns.contains(glob) {
                fences.push(Fence {
                    path: glob.clone(),
                    owner: r.name.clone(),
                });
            }
        }
    }
    let contract_owner = cfg.contracts.owners.contains(&lane.role);
    if !contract_owner {
        for glob in &cfg.contracts.paths {
            fences.push(Fence {
                path: glob.clone(),
                owner: format!("contracts, owned by {}", cfg.contracts.owners.join(", ")),
            });
        }
    }
    for p in &rules.protected {
        if !owns.iter().any(|g| g == p) {
            fences.push(Fence {
                path: p.clone(),
                owner: "protected: decides how merges are judged".to_string(),
            });
        }
    }
    let mut notes = Vec::new();
    let mut note = |rule: &str, text: String| {
        notes.push(RuleNote {
            rule: rule.to_string(),
            text,
        })
    };
    if unmet.is_empty() {
        note(
            "dependencies",
            if depends_on.is_empty() {
                "This task depends on no other task.".to_string()
            } else {
                "Every dependency is done and on base.".to_string()
            },
        );
    } else {
        let list: Vec<String> = unmet
            .iter()
            .map(|d| format!("{} ({})", d.id, d.status))
            .collect();
        note(
            "dependencies",
            format!(
                "Not ready to merge: {} must be done first. If you cannot go on, run `wt queue set {} blocked --by {}`.",
                list.join(", "),
                task.id,
                unmet[0].id
            ),
        );
    }
    note(
        "ownership",
        format!(
            "Change only paths {} owns ({}); a path no role owns is free. `wt preflight {}` and `wt merge` refuse changes to another role's paths.",
            lane.role,
            if owns.is_empty() { "none listed".to_string() } else { owns.join(", ") },
            lane.id
        ),
    );
    if !cfg.contracts.paths.is_empty() {
        let who = if contract_owner {
            format!("{} owns the contracts", lane.role)
        } else {
            format!("only {} may change them", cfg.contracts.owners.join(", "))
        };
        note(
            "contract-first",
            format!(
                "Contracts ({}) merge first: in the branch, commits that change them come before any other commit; {who}.",
                cfg.contracts.paths.join(", ")
            ),
        );
    }
    quality_notes(cfg, lane, &mut note);
    if !rules.tests.is_empty() {
        note(
            "kept-tests",
            format!(
                "Do not delete tests ({}); `wt merge` refuses unless given `--allow-test-removal REASON`.",
                rules.tests.join(", ")
            ),
        );
    }
    note(
        "fast-forward",
        format!(
            "Never merge {} into the lane: `wt sync {}` rebases it. Base moves only by `wt merge`, fast-forward, which marks the task done.",
            site.base.upstream_name(),
            lane.id
        ),
    );
    Ok(Packet {
        lane: lane.id.clone(),
        role: lane.role.clone(),
        branch: lane.branch.clone(),
        path: lane.path.display().to_string(),
        base: site.base.upstream_name(),
        task: Brief {
            id: task.id.clone(),
            title: task.title.clone(),
            status: task.status.as_str().to_string(),
            owner: task.owner.clone(),
            description: task.description.clone(),
            notes: task.notes.clone(),
            acceptance_checks: task.acceptance_checks.clone(),
            depends_on_satisfied: unmet.is_empty(),
            depends_on,
            parent_id: task.parent_id.clone(),
            slice: task.slice.clone(),
        },
        owns,
        must_not_touch: fences,
        checks,
        gates: cfg
            .gates
            .iter()
            .map(|g| Gate {
                when: g.when.clone(),
                run: g.run.clone(),
                requires: g.requires.clone(),
            })
            .collect(),
        rules: notes,
        finish: vec![
            "git add -- <your paths> && git commit".to_string(),
            format!("wt sync {}", lane.id),
            format!("wt check {}", lane.id),
            format!("wt merge {}", lane.id),
            format!("wt handoff {}", lane.id),
        ],
    })
}

/// The quality rules of lanes.toml that apply to a merge of this lane: review, defect evidence,
/// high-risk reality checks and docs that must move with behaviour.
fn quality_notes(cfg: &crate::config::Config, lane: &Lane, note: &mut dyn FnMut(&str, String)) {
    let list = |items: &[String]| items.join(", ");
    if cfg.review.required {
        note(
            "review",
            format!(
                "Every merge needs a current approval from another lane (`wt review {} --approve --by REVIEWER-LANE --completion implemented|design-only`); a new or changed commit makes it stale, and a newer `--request-changes` blocks.",
                lane.id
            ),
        );
    }
    for route in &cfg.review.routes {
        note(
            "review",
            format!(
                "A branch that changes {} needs an approval from a lane of {}.",
                list(&route.when),
                list(&route.by)
            ),
        );
    }
    if !cfg.policy.defect_kinds.is_empty() {
        note(
            "defect-evidence",
            format!(
                "A task of kind {} needs defect evidence to merge: the root cause (one sentence), the owning layer (a path the branch changes) and a proof command that passes in the rebased lane.",
                cfg.policy.defect_kinds.join(" or ")
            ),
        );
    }
    if !cfg.policy.high_risk.is_empty() {
        let approval = if cfg.review.required || !cfg.review.routes.is_empty() {
            ", and its approval must say `--completion implemented`"
        } else {
            ""
        };
        note(
            "high-risk",
            format!(
                "A branch that changes {} is high-risk: its acceptance checks need a code-anchor command (`rg -q ...`, `grep -q ...`) and a runtime-path command{approval}; a deferred runtime path is `blocked`, never done.",
                list(&cfg.policy.high_risk)
            ),
        );
    }
    for g in cfg.gates.iter().filter(|g| !g.requires.is_empty()) {
        note(
            "docs-move",
            format!(
                "A branch that changes {} must also change one of {}.",
                list(&g.when),
                list(&g.requires)
            ),
        );
    }
}
