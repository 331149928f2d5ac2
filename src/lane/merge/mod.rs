//! `wt merge LANE`: the playbook's merge sequence (SPEC section 6), stopping at the first failure
//! with nothing half-done:
//!
//! 1. lock; the task's dependencies are done; preflight the lane (clean, on its branch, no
//!    operation in progress);
//! 2. the main checkout is on base and clean;
//! 3. fetch; rebase the lane onto the remote base (a conflict is aborted and restored, exit 4);
//! 4. policies on the rebased branch;
//! 5. the lane's checks (as `wt check`);
//! 6. push the lane with its lease, push the lane tip to base as a plain fast-forward, and only
//!    then fast-forward base in the main checkout; when the base push is rejected because base
//!    moved, nothing local has changed: back to 3, a bounded number of times;
//! 7. mark the claimed task done; record the handoff;
//! 8. what was merged and the new base commit.
//!
//! Base is never forced, never checked out in a lane worktree, and never gets a merge commit.
//! A journal written before step 6 lets a rerun after a crash finish the job exactly once.
//! Without a remote, steps 3 and 6 use the local base branch.
//!
//! One walk serves the merge and its dry run: [`walk`] runs the steps in order and asks a
//! [`Walker`] to do each one that changes something. [`real::Real`] does it; [`plan::Plan`]
//! writes down what would be done and changes nothing. Every refusal is judged by the walk
//! itself, so the dry run cannot drift from the merge.

mod gates;
mod many;
mod plan;
mod real;

use crate::config::Lane;
use crate::error::{Error, Result};
use crate::git::ops::Lease;
use crate::git::{Oid, Repository};
use crate::lane::checks::{self, Command};
use crate::lane::journal::{self, Journal};
use crate::lane::policy::{self, Violation};
use crate::lane::ready::Ready;
use crate::lane::task::{self, ClaimedTask};
use crate::lane::{push, rebase, Events, Site};
use serde::Serialize;
use std::path::PathBuf;

pub use many::{all_ready, merge_lanes, LaneOutcome, Many};
pub use plan::PlanStep;

/// What the merge may do beyond its defaults.
pub struct MergeOptions {
    /// `--allow-test-removal REASON`: the branch may delete test files; the reason goes into
    /// the handoff.
    pub allow_test_removal: Option<String>,
    /// How many times to rebase and retry when base moves during the merge.
    pub retries: u32,
    /// The defect evidence (remembered for the lane, with the merge's own flags on top).
    pub evidence: crate::lane::evidence::Evidence,
}

/// What a merge (or its plan) leaves for the report, success or not.
#[derive(Default)]
pub struct Trail {
    /// The plan's steps (the dry run only).
    pub steps: Vec<PlanStep>,
    /// The policy violations that stopped (or would stop) the merge at step 4.
    pub violations: Vec<Violation>,
    /// The last tip whose checks passed in this merge (a retry after base moved may not need
    /// them again, see `checks_still_hold`).
    pub checked: Option<Oid>,
}

/// A merge that landed.
pub struct Merged {
    pub journal: Journal,
    /// The handoff the merge recorded.
    pub handoff: PathBuf,
    pub commits: Vec<crate::lane::handoff::CommitLine>,
    pub files: Vec<crate::lane::handoff::FileLine>,
}

/// Merge `lane`; the caller holds the lane's lock (`sys::lock::RepoLock::lane`), and the merge
/// takes the repository lock itself: around every step but the checks, which run with the lane
/// alone held so that other lanes keep syncing and merging meanwhile. `trail` keeps the
/// violations of a policy refusal for the report.
pub fn merge(
    site: &Site,
    events: &dyn Events,
    lane: &Lane,
    opts: &MergeOptions,
    trail: &mut Trail,
) -> Result<Merged> {
    let mut walker = real::Real {
        site,
        events,
        what: format!("merge {}", lane.id),
        held: None,
    };
    let merged = walk(site, events, lane, opts, &mut walker, trail)?;
    Ok(merged.expect("the real walk lands or fails"))
}

/// The plan of a merge of `lane`, judged on the refs as they are (the remote is read with
/// `ls-remote`, nothing is fetched); nothing changes. Ok when the merge would go ahead, else the
/// error the merge would stop with; either way `trail` holds the steps.
pub fn plan(site: &Site, lane: &Lane, opts: &MergeOptions, trail: &mut Trail) -> Result<()> {
    let events = crate::sys::events::Silent;
    let mut walker = plan::Plan::new(site);
    let result = walk(site, &events, lane, opts, &mut walker, trail);
    trail.steps = walker.steps;
    result.map(drop)
}

/// The steps that change something, done ([`real::Real`]) or written down ([`plan::Plan`]).
trait Walker {
    /// Take the repository lock (held around every step but the checks).
    fn serialize(&mut self) -> Result<()>;
    /// Let the repository lock go while the lane's checks run; the lane stays held.
    fn unserialize(&mut self);
    /// A step begins (the merge tells the person watching).
    fn step(&mut self, n: u32, what: &str);
    /// Something the plan should say (the merge has no use for it).
    fn note(&mut self, n: u32, what: String);
    /// Undo what an interrupted wt left in the main checkout and the lane; with a journal of an
    /// interrupted merge, its landed tip to finish from.
    fn interrupted(&mut self, lane: &Lane) -> Result<Option<Journal>>;
    /// Step 3: fetch, and the commit to rebase onto.
    fn fetch(&mut self) -> Result<Oid>;
    /// Step 3: rebase the lane onto `onto`; its new tip.
    fn rebase(&mut self, ready: &Ready, onto: Oid) -> Result<Oid>;
    /// Step 5: run the checks on `tip`; an error when one fails.
    fn check(
        &mut self,
        ready: &Ready,
        tip: Oid,
        task: Option<&ClaimedTask>,
        commands: &[Command],
    ) -> Result<()>;
    /// Step 6: write the journal, push the lane and base.
    fn push(&mut self, ready: &Ready, landing: Landing) -> Result<Pushed>;
    /// Steps 6 (main checkout), 7 and 8, from a journal whose tip base has.
    fn finish(&mut self, lane: &Lane, j: Journal) -> Result<Option<Merged>>;
}

/// What one attempt of steps 3 to 5 produced.
struct Landing {
    tip: Oid,
    /// The lane push's lease; None without a remote.
    lease: Option<Lease>,
    journal: Journal,
}

enum Pushed {
    /// The journal, advanced to `Landed`.
    Landed(Box<Journal>),
    BaseMoved,
}

fn walk(
    site: &Site,
    events: &dyn Events,
    lane: &Lane,
    opts: &MergeOptions,
    w: &mut dyn Walker,
    trail: &mut Trail,
) -> Result<Option<Merged>> {
    w.note(1, "take the repository lock".to_string());
    w.serialize()?;
    if let Some(j) = w.interrupted(lane)? {
        gates::main_checkout_ready(site.info, site.base)?;
        return w.finish(lane, j);
    }
    let task = task::claimed_task(site.info, site.cfg, lane)?;
    w.step(1, &format!("preflight {}", lane.id));
    gates::dependencies_done(task.as_ref())?;
    gates::family_order(task.as_ref())?;
    let mut ready = gates::preflight_lane(site, lane)?;
    w.note(1, format!("preflight {}: ok", lane.id));
    w.step(2, "main checkout");
    gates::main_checkout_ready(site.info, site.base)?;
    w.note(2, format!("main checkout: on {}, clean", site.base.name));
    let attempts = opts.retries.saturating_add(1);
    for attempt in 1..=attempts {
        if attempt > 1 {
            events.warn(&format!(
                "{} moved while merging; rebasing again (attempt {attempt} of {attempts})",
                site.base.upstream_name()
            ));
        }
        let landing = prepare(site, events, w, &ready, task.as_ref(), opts, trail)?;
        let tip = landing.tip;
        match w.push(&ready, landing)? {
            Pushed::Landed(j) => return w.finish(lane, *j),
            Pushed::BaseMoved => ready.head = tip,
        }
    }
    Err(Error::git(format!(
        "{} kept moving: gave up after {attempts} attempt(s); base was not changed",
        site.base.upstream_name()
    ))
    .hint(format!(
        "run `wt merge {}` again, or pass --retries N",
        lane.id
    )))
}

/// Steps 3 to 5 of one attempt, then the journal to write. On a policy or check failure the
/// lane is put back where this attempt found it.
fn prepare(
    site: &Site,
    events: &dyn Events,
    w: &mut dyn Walker,
    ready: &Ready,
    task: Option<&ClaimedTask>,
    opts: &MergeOptions,
    trail: &mut Trail,
) -> Result<Landing> {
    let (info, base, lane) = (site.info, site.base, ready.lane);
    w.step(
        3,
        &format!("fetch and rebase onto {}", base.upstream_name()),
    );
    let onto = w.fetch()?;
    // why: in a shallow clone base's history may stop short of the lane's, and every ancestry
    // answer below would be wrong; say so first.
    rebase::refuse_shallow_gap(ready, &base.upstream_name(), onto)?;
    rebase::refuse_unrelated(ready, base, onto)?;
    let repo = info.open()?;
    gates::local_base_behind(&repo, base, onto)?;
    let lease = match &base.remote {
        Some(remote) => Some(push::lease_for(&repo, remote, ready)?),
        None => None,
    };
    gates::nothing_to_merge(&repo, base, lane, ready.head, onto)?;
    let tip = w.rebase(ready, onto)?;
    gates::nothing_to_merge(&repo, base, lane, tip, onto)?;
    let undo = |e: Error| gates::put_back(events, lane, tip, ready.head, e);
    w.step(4, "policies");
    let reason = opts.allow_test_removal.as_deref();
    let mut outcome = policy::evaluate(site.cfg, lane, &repo, tip, onto, reason).map_err(undo)?;
    let evidence = &crate::lane::evidence::effective(info, lane, &opts.evidence);
    let quality =
        crate::lane::quality::judge(site, &repo, lane, task, evidence, tip, onto).map_err(undo)?;
    outcome.violations.extend(quality);
    if let Some(refused) = gates::policy_refusal(lane, &outcome) {
        trail.violations = outcome.violations;
        return Err(undo(refused));
    }
    w.note(4, "policies: no violation".to_string());
    let mut risks = gates::handoff_risks(reason, &outcome);
    if let Some(adr) = task.and_then(|t| t.exception.as_ref()) {
        risks.push(crate::lane::exception::risk_line(adr));
    }
    for r in &risks {
        w.note(4, format!("recorded in the handoff: {r}"));
    }
    w.step(5, "checks");
    let mut commands = checks::plan(site.cfg, lane, &outcome.gates, task);
    let defect = crate::lane::evidence::is_defect(site.cfg, task);
    if let Some(proof) = evidence.proof.as_ref().filter(|_| defect) {
        commands.push(checks::Command {
            source: checks::Source::Proof,
            command: proof.clone(),
        });
    }
    if checks_still_hold(site, &repo, trail.checked, tip) {
        events.status(
            "checks: not run again, they passed on this tree but for the queue file (base moved by queue changes alone)",
        );
    } else {
        // why: the checks may take minutes; other lanes sync and merge meanwhile, and if base
        // moves the push below is refused and the walk rebases and checks again.
        w.unserialize();
        w.check(ready, tip, task, &commands)
            .and_then(|()| w.serialize())
            .map_err(undo)?;
        w.note(5, "take the repository lock again".to_string());
        trail.checked = Some(tip);
    }
    gates::main_checkout_ready(info, base).map_err(undo)?;
    gates::main_files_in_the_way(info, &repo, base, tip).map_err(undo)?;
    // why: the checks may have run for minutes; what steps 6 and 7 need of the main checkout
    // (on base, clean, no lock file in the way) is judged again just before the push.
    gates::main_checkout_ready(info, base).map_err(undo)?;
    Ok(Landing {
        tip,
        lease,
        journal: Journal {
            lane: lane.id.clone(),
            branch: lane.branch.clone(),
            base: base.name.clone(),
            remote: base.remote.clone(),
            tip: tip.to_string(),
            base_before: onto.to_string(),
            task: task.map(|t| t.id.clone()),
            depends_on_satisfied: task.map(|t| t.depends_on_satisfied),
            started_at: crate::sys::clock::now(),
            phase: journal::Phase::Pushing,
            risks,
            evidence: defect.then(|| evidence.clone()),
        },
    })
}

/// Whether checks that passed on `checked` hold for `tip` as well: the two trees differ in the
/// queue file alone. Every claim and every done mark is a queue commit on base, so with many
/// agents base moves every second or two, mostly by bookkeeping; re-running minutes of checks
/// because a task changed hands elsewhere would starve every merge. A code change on base, or
/// any other file, still means the checks run again on the new tree.
fn checks_still_hold(
    site: &Site,
    repo: &crate::git::Repository,
    checked: Option<Oid>,
    tip: Oid,
) -> bool {
    let (Some(checked), Some(queue)) = (checked, site.cfg.queue.as_ref()) else {
        return false;
    };
    checked == tip || crate::git::diff::differ_only_in(repo, checked, tip, &queue.path)
}

/// Whether an unfinished merge of `lane` left its journal.
fn journal_of(site: &Site, lane: &Lane) -> bool {
    journal::read(site.info, &lane.id).ok().flatten().is_some()
}

/// A commit id the journal recorded.
fn oid(sha: &str) -> Result<Oid> {
    Oid::from_str(sha)
        .map_err(|_| Error::git(format!("the merge journal names a bad commit `{sha}`")))
}

/// The commits `tip` adds on top of `onto`.
fn commit_count(repo: &Repository, tip: Oid, onto: Oid) -> usize {
    crate::git::ops::only_in(repo, tip, &[onto]).len()
}

/// What `wt merge --json` prints when the policies refuse the branch (exit 1): the lane, and
/// every violation as `wt preflight --json` lists them.
#[derive(Serialize)]
pub struct Refusal<'a> {
    pub lane: &'a str,
    pub merged: bool,
    pub refused: &'static str,
    pub violations: &'a [Violation],
}
