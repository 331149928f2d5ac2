//! `wt next`: for each lane, what state it is in and the one step that moves it on, with the
//! exact command (an argv list) to run. Reads only: no lock, no fetch, nothing written. The same
//! judgement gives `wt status` its NEXT column.
//!
//! The order of the questions is the playbook's cycle: a lane that is not set up is set up; an
//! operation left in progress is resolved first; then the claimed task (blocked by an unmet
//! dependency, still being worked on, behind base, checks not passed on its head, a review
//! missing, ready to merge); without a claimed task, a blocked task of its own whose blocker is
//! done is taken up again, else the next ready task is claimed, else the lane waits (naming what
//! for), else, with nothing left for it, it is torn down.

use crate::config::Lane;
use crate::error::Result;
use crate::git::ops;
use crate::git::status::{Operation, StatusOptions};
use crate::lane::state::{self, LaneState};
use crate::lane::Site;
use crate::lane::{checks, quality, review};
use crate::queue::LaneWork;
use serde::Serialize;

/// The one next step of a lane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Setup,
    Resolve,
    Claim,
    Continue,
    Sync,
    Check,
    Review,
    Merge,
    Blocked,
    Teardown,
    /// Not set up, and nothing left for it: nothing to do.
    Idle,
}

impl Action {
    /// The one word the status board shows.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Setup => "setup",
            Action::Resolve => "resolve",
            Action::Claim => "claim",
            Action::Continue => "continue",
            Action::Sync => "sync",
            Action::Check => "check",
            Action::Review => "review",
            Action::Merge => "merge",
            Action::Blocked => "blocked",
            Action::Teardown => "teardown",
            Action::Idle => "idle",
        }
    }
}

/// What `wt next --json` prints per lane.
#[derive(Debug, Clone, Serialize)]
pub struct Next {
    pub lane: String,
    /// What the lane is: `absent`, `conflicted`, `blocked`, `waiting`, `working`, `behind`,
    /// `unchecked`, `failed`, `unreviewed`, `checked`, `idle`, `finished`.
    pub state: &'static str,
    pub action: Action,
    /// The exact command to run, as argv; empty when the step is the agent's own work or a wait.
    pub command: Vec<String>,
    pub task: Option<String>,
    pub reason: String,
}

/// What the judgement needs to know of a lane, read beforehand.
pub struct Facts<'a> {
    pub lane: &'a Lane,
    pub state: &'a LaneState,
    pub work: &'a LaneWork,
    /// A queue was read (without one, `work` is Nothing and means nothing).
    pub has_queue: bool,
    /// The last `wt check` record's verdict, if it ran on the lane's current head.
    pub checked: Option<bool>,
    /// `Some(approved)` when the merge needs a review; None when it needs none.
    pub review: Option<bool>,
    /// Who claims, in a `claim` command.
    pub owner: &'a str,
}

const WT: &str = "wt";

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// The next step of one lane.
pub fn decide(f: &Facts) -> Next {
    let lane = f.lane;
    let id = lane.id.as_str();
    let path = lane.path.display().to_string();
    let task = f.work.task().map(str::to_string);
    let next = |state, action, command, reason: String| Next {
        lane: id.to_string(),
        state,
        action,
        command,
        task: task.clone(),
        reason,
    };
    let st = f.state;
    if !st.exists {
        if f.has_queue && matches!(f.work, LaneWork::Nothing) {
            let reason = format!("{id} is not set up and has no open task");
            return next("absent", Action::Idle, Vec::new(), reason);
        }
        let reason = match st.oddity() {
            Some(odd) => format!("{path} {odd}"),
            None => format!("{id} has no worktree at {path}"),
        };
        return next("absent", Action::Setup, argv(&[WT, "setup", id]), reason);
    }
    if let Some(op) = st.operation {
        let verb = match op {
            Operation::Rebase => "rebase",
            Operation::Merge => "merge",
            Operation::CherryPick => "cherry-pick",
            Operation::Revert => "revert",
        };
        let reason = format!(
            "a {verb} is in progress in {path}: fix the conflicts, `git add` them, then continue (or `git -C {path} {verb} --abort`)"
        );
        let command = crate::git::ops::continue_command(&lane.path, verb);
        return next("conflicted", Action::Resolve, command, reason);
    }
    let dirty = st.dirty.as_ref().is_some_and(|d| !d.is_clean());
    let (ahead, behind) = st.ahead_behind.unwrap_or((0, 0));
    match f.work {
        LaneWork::Claimed {
            task: t,
            unmet,
            exception,
            merges_after,
        } => {
            if let (Some((dep, status)), None) = (unmet.first(), exception) {
                let reason = format!("{t} depends on {dep}, which is {status}, not done");
                let command = argv(&[WT, "queue", "set", t, "blocked", "--by", dep]);
                return next("blocked", Action::Blocked, command, reason);
            }
            let step = progress(f, Some(t), dirty, ahead, behind, &next);
            match merges_after.first() {
                Some(first) if step.action == Action::Merge => {
                    let reason = format!("{t} merges after {first}, which is not done");
                    next("waiting", Action::Blocked, Vec::new(), reason)
                }
                _ => step,
            }
        }
        LaneWork::Resume { task: t, claimed } => {
            let (command, how) = if *claimed {
                (
                    argv(&[WT, "queue", "set", t, "in_progress"]),
                    "take it up again",
                )
            } else {
                (
                    argv(&[WT, "queue", "set", t, "todo"]),
                    "release it so it can be claimed",
                )
            };
            let reason = format!("{t} is blocked, but what it waited for is done: {how}");
            next("blocked", Action::Continue, command, reason)
        }
        LaneWork::Ready { task: t } => {
            let reason = format!("no task claimed; {t} is the next ready task");
            let command = argv(&[WT, "queue", "claim", id, "--task", t, "--owner", f.owner]);
            next("idle", Action::Claim, command, reason)
        }
        LaneWork::Blocked {
            task: t,
            by,
            by_status,
            reason,
        } => {
            let why = match (by, by_status, reason) {
                (Some(b), Some(s), _) => format!("{t} is blocked by {b} ({s})"),
                (Some(b), None, _) => format!("{t} is blocked by {b}"),
                (None, _, Some(r)) => format!("{t} is blocked: {r}"),
                (None, _, None) => format!("{t} is blocked"),
            };
            next("blocked", Action::Blocked, Vec::new(), why)
        }
        LaneWork::Waiting {
            task: t,
            dependency,
            status,
        } => {
            let reason = format!("{t} waits on unmet dependency {dependency} ({status})");
            next("waiting", Action::Blocked, Vec::new(), reason)
        }
        LaneWork::Nothing if ahead > 0 || dirty || !f.has_queue => {
            progress(f, None, dirty, ahead, behind, &next)
        }
        LaneWork::Nothing => {
            let reason = format!(
                "{} has no todo, in_progress or blocked task left",
                lane.role
            );
            next(
                "finished",
                Action::Teardown,
                argv(&[WT, "teardown", id]),
                reason,
            )
        }
    }
}

/// A lane with work on it (a claimed task, or commits without one): commit, sync, check,
/// review, merge.
fn progress(
    f: &Facts,
    task: Option<&str>,
    dirty: bool,
    ahead: usize,
    behind: usize,
    next: &dyn Fn(&'static str, Action, Vec<String>, String) -> Next,
) -> Next {
    let id = f.lane.id.as_str();
    let path = f.lane.path.display();
    let what = task.map_or("the work".to_string(), str::to_string);
    if dirty {
        let reason = format!("uncommitted changes in {path}: finish {what} and commit");
        return next("working", Action::Continue, Vec::new(), reason);
    }
    if ahead == 0 {
        let reason = format!("no commits on top of base yet: work on {what} in {path}");
        return next("working", Action::Continue, Vec::new(), reason);
    }
    if behind > 0 {
        let reason = format!("{behind} commit(s) behind base: rebase onto it");
        return next("behind", Action::Sync, argv(&[WT, "sync", id]), reason);
    }
    match f.checked {
        None => {
            let reason = format!("checks have not run on the head of {id}");
            return next("unchecked", Action::Check, argv(&[WT, "check", id]), reason);
        }
        Some(false) => {
            let reason = format!("checks failed on the head of {id}: fix, commit, check again");
            return next("failed", Action::Check, argv(&[WT, "check", id]), reason);
        }
        Some(true) => {}
    }
    if f.review == Some(false) {
        let reason = format!("the merge of {id} needs an approval from another lane");
        let command = argv(&[WT, "review", id, "--approve", "--by", "LANE"]);
        return next("unreviewed", Action::Review, command, reason);
    }
    let reason = match task {
        Some(t) => format!("checks passed on the head of {id}: merge it and mark {t} done"),
        None => format!("checks passed; {id} has commits but no claimed task"),
    };
    next("checked", Action::Merge, argv(&[WT, "merge", id]), reason)
}

/// The verdict of the last `wt check` of `lane`, if it ran on the lane's current head.
pub fn checked(site: &Site, lane: &Lane, state: &LaneState) -> Option<bool> {
    let head = state.head()?.to_string();
    checks::load(site.info, &lane.id)
        .filter(|r| r.head == head)
        .map(|r| r.ok)
}

/// `Some(approved)` when the lane's branch needs a review before it merges (`[review] required`,
/// or a route its changes trigger), judged as `wt merge` would on the last fetched base; None when
/// it needs none or there is no branch to judge.
fn reviewed(site: &Site, lane: &Lane, state: &LaneState) -> Option<bool> {
    // why: `wt status` asks this of every lane; without any review config there is nothing to
    // judge, so skip the repository open and the branch diff on that hot path.
    if !site.cfg.review.required && site.cfg.review.routes.is_empty() {
        return None;
    }
    let head = state.head()?;
    let repo = site.info.open().ok()?;
    let base = site.base;
    let base_tip = base
        .remote_ref()
        .and_then(|r| ops::resolve(&repo, &r))
        .or_else(|| ops::resolve(&repo, &base.local_ref()))?;
    let paths = quality::changed_paths(&repo, head, base_tip);
    if !review::reviews_on(site.cfg, &paths) {
        return None;
    }
    let patch = review::fingerprint(&repo, head, base_tip).ok()?;
    let reviews = review::read(&repo, &lane.id, patch.as_deref());
    let facts = review::Facts {
        lane,
        task: None,
        paths: &paths,
        reviews: &reviews,
        needs_implemented: false,
    };
    Some(review::judge(site.cfg, &facts).is_empty())
}

/// What `wt status` and `wt next` ask each lane's `git status` for.
pub const STATUS_OPTIONS: StatusOptions = StatusOptions::WITH_UNTRACKED;

/// The next step of each of `lanes`; `owner` names who claims in a `claim` command (the lane id
/// when None).
pub fn next(site: &Site, lanes: &[&Lane], owner: Option<&str>) -> Result<Vec<Next>> {
    let survey = state::survey(site, lanes, &STATUS_OPTIONS)?;
    let mut out = Vec::new();
    for (lane, (st, _err)) in lanes.iter().zip(&survey.states) {
        out.push(of(site, lane, st, survey.work.as_ref(), owner));
    }
    Ok(out)
}

/// The next step of one surveyed lane.
pub fn of(
    site: &Site,
    lane: &Lane,
    st: &LaneState,
    work: Option<&std::collections::HashMap<String, LaneWork>>,
    owner: Option<&str>,
) -> Next {
    let has_queue = work.is_some();
    let work = work
        .and_then(|w| w.get(&lane.id))
        .cloned()
        .unwrap_or(LaneWork::Nothing);
    let facts = Facts {
        lane,
        state: st,
        work: &work,
        has_queue,
        checked: checked(site, lane, st),
        review: reviewed(site, lane, st),
        owner: owner.unwrap_or(&lane.id),
    };
    decide(&facts)
}
