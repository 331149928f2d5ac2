//! Preflight as data: is the lane ready for work? One finding per check (worktree, branch,
//! operation, conflicts, clean, base, each policy rule, the queue and the claimed task), each ok,
//! warn or fail with a one-line fix (SPEC section 5). Reads only, takes no lock, and costs about
//! one `git status`: it runs at the start of every agent cycle. `wt merge` judges its step 1
//! with these same checks.

use crate::config::{Config, Lane};
use crate::error::Result;
use crate::git::diff::{self, ChangeKind};
use crate::git::status::{self, Dirty, StatusOptions};
use crate::git::{ops, BaseRef, GitError, Oid, RepoInfo, Repository};
use crate::lane::findings::Check;
use crate::lane::policy::{self, Outcome, Rule};
use crate::lane::state::{self, LaneState};
use crate::lane::{task, Site};
use crate::sys::quote::quote_path;
use std::thread::ScopedJoinHandle;

pub struct Options {
    pub allow_dirty: bool,
    pub strict: bool,
    /// Judge the branch's policies too. `wt merge` turns this off: it judges them on the rebased
    /// branch, with its `--allow-test-removal` reason.
    pub policies: bool,
}

/// What [`evaluate`] found: the checks, and the policy outcome when policies were judged.
/// What `wt preflight` reports: every finding, and each policy violation in full (the findings
/// show the first of each group).
pub struct Preflight {
    pub checks: Vec<Check>,
    pub violations: Vec<policy::Violation>,
}

/// `wt preflight`: the config and lane findings, an optional fetch, then [`evaluate`].
pub fn preflight(site: &Site, lane: &Lane, opts: &Options, fetch_first: bool) -> Result<Preflight> {
    with_lane_status(lane, |early| {
        let mut checks = vec![Check::ok(
            "config",
            &format!("{} is valid", site.cfg.file.display()),
        )];
        checks.push(Check::ok(
            "lane",
            &format!("{} (role {}, branch {})", lane.id, lane.role, lane.branch),
        ));
        if fetch_first {
            checks.push(fetch(site.info, site.base));
        }
        let evaluation = judge(site, lane, opts, early)?;
        checks.extend(evaluation.checks);
        let violations = evaluation.policy.map(|o| o.violations).unwrap_or_default();
        Ok(Preflight { checks, violations })
    })
}

pub struct Evaluation {
    pub checks: Vec<Check>,
    pub policy: Option<Outcome>,
}

fn fetch(info: &RepoInfo, base: &BaseRef) -> Check {
    let Some(remote) = &base.remote else {
        return Check::ok("fetch", "no remote: comparing with the local base");
    };
    let fetched = ops::fetch(&info.main, remote)
        .and_then(|()| crate::git::reviews::fetch(&info.main, remote));
    match fetched {
        Ok(_) => Check::ok("fetch", &format!("fetched {remote} (base and reviews)")),
        Err(e) => Check::fail(
            "fetch",
            &format!(
                "cannot fetch {remote}: {}",
                e.stderr.lines().last().unwrap_or("no answer")
            ),
            "check the remote and your network, then run again",
        ),
    }
}

/// What preflight asks `git status` for.
const LANE_STATUS: StatusOptions = StatusOptions::WITH_UNTRACKED;

/// The checks that look at the lane itself; `wt merge` runs these too.
pub fn evaluate(site: &Site, lane: &Lane, opts: &Options) -> Result<Evaluation> {
    with_lane_status(lane, |early| judge(site, lane, opts, early))
}

/// The lane's `git status`, being read on another thread.
type Early<'s> = Option<ScopedJoinHandle<'s, std::result::Result<Dirty, GitError>>>;

/// Runs `body` while the lane's `git status` is read.
// why: that `git status` is most of preflight's time, so it starts first, and wt's own reads
// (base, worktrees, ahead/behind, policies, the queue) run while it works. It only reads, never
// through a symlink, and cannot climb out of the directory (see `status::read`); its answer is
// used only once the directory has proved to be the lane's worktree.
fn with_lane_status<T>(lane: &Lane, body: impl for<'s> FnOnce(Early<'s>) -> T) -> T {
    let real_dir = std::fs::symlink_metadata(&lane.path).is_ok_and(|m| m.is_dir());
    std::thread::scope(|s| {
        let early = real_dir.then(|| s.spawn(|| status::read(&lane.path, &LANE_STATUS)));
        body(early)
    })
}

fn judge(site: &Site, lane: &Lane, opts: &Options, early: Early<'_>) -> Result<Evaluation> {
    let (cfg, info, base) = (site.cfg, site.info, site.base);
    let repo = info.open()?;
    let entries = state::worktree_list(&repo, &info.main, &info.common_dir);
    let mut state = state::locate(lane, &entries);
    let mut checks = vec![worktree_check(lane, &state)];
    let Some(dir) = state
        .entry
        .as_ref()
        .filter(|_| state.exists)
        .map(|e| e.path.clone())
    else {
        return Ok(Evaluation {
            checks,
            policy: None,
        });
    };
    let base_tip = base.tip(&repo);
    state::count_ahead_behind(&mut state, &repo, base_tip);
    let mut policy = match opts.policies {
        true => policy_checks(cfg, lane, &repo, base_tip, &site.base.upstream_name())?,
        false => (Vec::new(), None),
    };
    // why: one reading of the queue (remembered, or parsed once) serves the queue checks and
    // the quality rules' claimed task.
    let (queue_checks, claimed) = task::preflight_checks(site, lane);
    if opts.policies {
        let found = quality_checks(site, lane, &repo, base_tip, claimed.as_ref())?;
        policy.0.extend(found.0);
        if let Some(outcome) = policy.1.as_mut() {
            outcome.violations.extend(found.1);
        }
    }
    let early = early.map(|h| h.join().expect("the status reader does not panic"));
    let dirty = match early {
        Some(read) if dir == lane.path => read?,
        _ => status::read(&dir, &LANE_STATUS)?,
    };
    state.dirty = Some(dirty);
    checks.push(branch_check(lane, &state));
    checks.push(operation_check(lane, &state));
    checks.push(conflict_check(lane, &state, &repo, base_tip));
    checks.push(clean_check(lane, &state, opts.allow_dirty));
    checks.push(behind_check(lane, &state, base, opts.strict));
    checks.extend(policy.0);
    checks.extend(queue_checks);
    Ok(Evaluation {
        checks,
        policy: policy.1,
    })
}

fn worktree_check(lane: &Lane, state: &LaneState) -> Check {
    let path = quote_path(&lane.path);
    let setup = format!("wt setup {}", lane.id);
    if state.symlink {
        return Check::fail(
            "worktree",
            &format!("{path} is a symlink"),
            "remove the symlink, then run wt setup",
        );
    }
    match &state.entry {
        None if state.foreign => Check::fail(
            "worktree",
            &format!("{path} exists but is not a worktree of this repository"),
            "move it away, then run wt setup",
        ),
        None => Check::fail("worktree", &format!("no worktree at {path}"), &setup),
        Some(e) if e.missing => Check::fail(
            "worktree",
            &format!("{path} is registered but its directory is gone"),
            &setup,
        ),
        Some(_) if state.broken => Check::fail(
            "worktree",
            &format!("{path} has no .git file leading back to this repository"),
            &format!("git worktree repair {path}, if that directory is this lane's"),
        ),
        Some(e) => match &e.locked {
            Some(reason) if reason == "initializing" => {
                Check::fail("worktree", "left half-made by an interrupted setup", &setup)
            }
            Some(reason) => Check::fail(
                "worktree",
                &format!("locked: {reason}"),
                &format!("git worktree unlock {path}, when nobody is using it"),
            ),
            None => Check::ok("worktree", &lane.path.display().to_string()),
        },
    }
}

fn branch_check(lane: &Lane, state: &LaneState) -> Check {
    let switch = format!("git -C {} switch {}", quote_path(&lane.path), lane.branch);
    match state.entry.as_ref().and_then(|e| e.branch()) {
        Some(b) if b == lane.branch => Check::ok("branch", &format!("on {b}")),
        Some(b) => Check::fail("branch", &format!("on {b}, not {}", lane.branch), &switch),
        None => match state.entry.as_ref().and_then(|e| e.rebasing_branch()) {
            Some(b) => Check::fail(
                "branch",
                &format!("HEAD detached while rebasing {b}"),
                "finish or abort the rebase (see operation)",
            ),
            None => Check::fail("branch", "HEAD is detached", &switch),
        },
    }
}

fn operation_check(lane: &Lane, state: &LaneState) -> Check {
    match state.operation {
        None => Check::ok("operation", "no rebase, merge or cherry-pick in progress"),
        Some(op) => Check::fail(
            "operation",
            &format!("a {} is in progress", op.as_str()),
            &format!(
                "finish it, or abort it: git -C {} {}",
                quote_path(&lane.path),
                op.abort_command().trim_start_matches("git ")
            ),
        ),
    }
}

fn conflict_check(
    lane: &Lane,
    state: &LaneState,
    repo: &Repository,
    base_tip: Option<Oid>,
) -> Check {
    let dirty = state.dirty.clone().unwrap_or_default();
    if dirty.unmerged > 0 {
        return Check::fail(
            "conflicts",
            &format!("{} unmerged path(s)", dirty.unmerged),
            "resolve them and `git add` each file",
        );
    }
    let mut candidates = branch_files(repo, state.head(), base_tip);
    candidates.extend(dirty.paths.iter().cloned());
    let marked = crate::lane::markers::scan(&lane.path, &candidates);
    if marked.is_empty() {
        Check::ok("conflicts", "no unmerged paths or conflict markers")
    } else {
        Check::fail(
            "conflicts",
            &format!("conflict markers in {}", marked.join(", ")),
            "remove the <<<<<<< / >>>>>>> blocks and commit",
        )
    }
}

/// The files the branch adds or changes against its merge base with base (renames unpaired:
/// only the paths that exist at the tip matter here).
fn branch_files(repo: &Repository, head: Option<Oid>, base_tip: Option<Oid>) -> Vec<String> {
    let (Some(head), Some(base)) = (head, base_tip) else {
        return Vec::new();
    };
    let changes = ops::merge_base(repo, head, base)
        .and_then(|merge_base| diff::net_changes(repo, merge_base, head, &|_| false).ok());
    changes
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.kind != ChangeKind::Deleted)
        .map(|c| c.path)
        .collect()
}

fn clean_check(lane: &Lane, state: &LaneState, allow_dirty: bool) -> Check {
    let dirty = state.dirty.clone().unwrap_or_default();
    if dirty.is_clean() {
        return Check::ok("clean", "working tree clean");
    }
    let detail = format!(
        "{} staged, {} unstaged, {} untracked",
        dirty.staged, dirty.unstaged, dirty.untracked
    );
    let fix = format!(
        "commit them, or stash them: git -C {} stash -u",
        quote_path(&lane.path)
    );
    if allow_dirty {
        Check::warn("clean", &detail, &fix)
    } else {
        Check::fail("clean", &detail, &fix)
    }
}

fn behind_check(lane: &Lane, state: &LaneState, base: &BaseRef, strict: bool) -> Check {
    let upstream = base.upstream_name();
    match state.ahead_behind {
        None => Check::fail(
            "base",
            &format!("cannot compare with {upstream}"),
            "fetch the remote, or set [project] base",
        ),
        Some((_, 0)) => Check::ok("base", &format!("up to date with {upstream}")),
        Some((_, behind)) => {
            let detail = format!("{behind} commit(s) behind {upstream}");
            let fix = format!("run `wt sync {}`", lane.id);
            if strict {
                Check::fail("base", &detail, &fix)
            } else {
                Check::warn("base", &detail, &fix)
            }
        }
    }
}

/// One check per policy rule on the lane branch (its ref, not the worktree's HEAD: the branch is
/// what merges), and the outcome they came from.
fn policy_checks(
    cfg: &Config,
    lane: &Lane,
    repo: &Repository,
    base_tip: Option<Oid>,
    upstream: &str,
) -> Result<(Vec<Check>, Option<Outcome>)> {
    let head = ops::resolve(repo, &format!("refs/heads/{}", lane.branch));
    let (Some(head), Some(base)) = (head, base_tip) else {
        let check = Check::fail(
            "policies",
            "cannot compare the branch with base",
            "fetch, or run wt setup",
        );
        return Ok((vec![check], None));
    };
    // why: a branch with no history in common with base (an unrelated branch with the lane's
    // name) is a failed check with its fix, not an error that hides every other check.
    if !ops::is_shallow(repo) && ops::merge_base(repo, head, base).is_none() {
        let check = Check::fail(
            "policies",
            &format!(
                "{} shares no history with base (an unrelated branch, not made from base)",
                lane.branch
            ),
            &format!(
                "keep it under another name and start the lane from base: `git -C {at} branch -m {b} {b}-unrelated && git -C {at} switch -c {b} --no-track {upstream}`",
                at = crate::sys::quote::quote_path(&lane.path),
                b = lane.branch
            ),
        );
        return Ok((vec![check], None));
    }
    let outcome = policy::evaluate(cfg, lane, repo, head, base, None)?;
    let docs = cfg.gates.iter().any(|g| !g.requires.is_empty());
    Ok((policy_rule_checks(&outcome, docs), Some(outcome)))
}

/// The quality rules (reviews, defect evidence, high-risk checks, commands not prose) as
/// warnings: preflight runs at the start of a cycle, when they cannot hold yet; `wt merge`
/// refuses on them.
fn quality_checks(
    site: &Site,
    lane: &Lane,
    repo: &Repository,
    base_tip: Option<Oid>,
    claimed: Option<&task::ClaimedTask>,
) -> Result<(Vec<Check>, Vec<policy::Violation>)> {
    let head = ops::resolve(repo, &format!("refs/heads/{}", lane.branch));
    let (Some(head), Some(base)) = (head, base_tip) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let ev = crate::lane::evidence::load(site.info, lane);
    let found = crate::lane::quality::judge(site, repo, lane, claimed, &ev, head, base)?;
    let groups: [(&str, Rule); 4] = [
        ("reviews", Rule::Review),
        ("defect evidence", Rule::DefectEvidence),
        ("high risk", Rule::HighRisk),
        ("acceptance checks", Rule::ProseCheck),
    ];
    let cfg = site.cfg;
    let reviewing = cfg.review.required || !cfg.review.routes.is_empty();
    // why: a rule with nothing to say stays out of the report, except reviews when they are on.
    let checks = groups
        .iter()
        .filter_map(|(name, rule)| {
            let hits: Vec<_> = found.iter().filter(|v| v.rule == *rule).collect();
            match hits.first() {
                None if *rule == Rule::Review && reviewing => {
                    Some(Check::ok(name, "approved, nothing missing for the merge"))
                }
                None => None,
                Some(first) => Some(Check::warn(
                    name,
                    &with_more(&first.message, hits.len()),
                    &first.fix,
                )),
            }
        })
        .collect();
    Ok((checks, found))
}

fn with_more(message: &str, hits: usize) -> String {
    match hits {
        0 | 1 => message.to_string(),
        n => format!("{message} (+{} more)", n - 1),
    }
}

/// Each policy rule as a check, so a report shows which rules passed as well as which failed.
fn policy_rule_checks(outcome: &Outcome, docs: bool) -> Vec<Check> {
    let groups: [(&str, &[Rule]); 5] = [
        ("ownership", &[Rule::Ownership]),
        ("protected files", &[Rule::ProtectedFile]),
        ("contracts", &[Rule::ContractOwner, Rule::ContractOrder]),
        ("tests kept", &[Rule::TestRemoved]),
        ("docs", &[Rule::RequiredDocs]),
    ];
    let mut checks: Vec<Check> = groups
        .iter()
        .filter(|(name, _)| docs || *name != "docs")
        .map(|(name, rules)| {
            let hits: Vec<_> = outcome
                .violations
                .iter()
                .filter(|v| rules.contains(&v.rule))
                .collect();
            match hits.first() {
                None => Check::ok(name, "no violation"),
                // why: docs that must move are the last thing a lane writes; preflight runs
                // at the start of a cycle, so it warns and `wt merge` refuses.
                Some(first) if first.rule == Rule::RequiredDocs => {
                    Check::warn(name, &with_more(&first.message, hits.len()), &first.fix)
                }
                Some(first) => {
                    Check::fail(name, &with_more(&first.message, hits.len()), &first.fix)
                }
            }
        })
        .collect();
    checks.push(match outcome.gates.len() {
        0 => Check::ok("gates", "no gate triggered"),
        n => Check::ok(
            "gates",
            &format!("{n} gate(s) triggered; `wt check` runs them"),
        ),
    });
    checks
}
