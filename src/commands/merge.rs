//! `wt merge LANE`: the playbook's merge sequence (SPEC section 6), stopping at the first failure
//! with nothing half-done:
//!
//! 1. lock; preflight the lane (clean, on its branch, no operation in progress);
//! 2. the main checkout is on base and clean;
//! 3. fetch; rebase the lane onto the remote base (a conflict is aborted and restored, exit 4);
//! 4. policies on the rebased branch;
//! 5. the lane's checks (as `wt check`);
//! 6. push the lane with its lease, push the lane tip to base as a plain fast-forward, and only
//!    then fast-forward base in the main checkout; when the base push is rejected because base
//!    moved, nothing local has changed: back to 3, a bounded number of times;
//! 7. mark the claimed task done; record the handoff;
//! 8. print what was merged and the new base commit.
//!
//! Base is never forced, never checked out in a lane worktree, and never gets a merge commit.
//! A journal written before step 6 lets a rerun after a crash finish the job exactly once.
//! Without a remote, steps 3 and 6 use the local base branch.

use super::LaneWords;
use crate::commands::check;
use crate::commands::handoff::{self, Subject};
use crate::commands::preflight;
use crate::commands::queue::{self, ClaimedTask};
use crate::commands::sync::{self, short, short_sha, Ready};
use crate::config::{Config, Lane, Words};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::git::ops::{self, Lease};
use crate::git::status::{self, StatusOptions, Untracked};
use crate::git::{BaseRef, RepoInfo};
use crate::lane::journal::{self, Journal, Phase};
use crate::lane::policy::{self, Violation};
use crate::lane::state;
use crate::sys::files;
use crate::ui::quote_path as sh;
use crate::ui::Check;
use clap::Args;
use git2::{Oid, Repository};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct MergeArgs {
    #[command(flatten)]
    pub lane: LaneWords,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Allow the branch to delete test files; the reason goes into the handoff.
    #[arg(long, value_name = "REASON")]
    pub allow_test_removal: Option<String>,
    /// How many times to rebase and retry when base moves during the merge.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
}

/// What `wt merge --json` prints after a merge.
#[derive(Serialize)]
struct Summary {
    lane: String,
    /// Always true here; false in a [`Refusal`].
    merged: bool,
    branch: String,
    base: String,
    base_before: String,
    base_after: String,
    task: Option<String>,
    commits: Vec<handoff::CommitLine>,
    files: Vec<handoff::FileLine>,
    #[serde(serialize_with = "crate::ui::lossy_path")]
    handoff: PathBuf,
}

pub fn run(ctx: &Context, args: MergeArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
    if args.dry_run {
        return dry_run(ctx, cfg, lane, &args);
    }
    let _lock = ctx.lock(&format!("merge {}", lane.id))?;
    let info = ctx.repo()?;
    let base = ctx.base()?;
    if let Some(qc) = &cfg.queue {
        if qc.commit {
            crate::queue::store::undo_interrupted(ctx, info, &base, &qc.path)?;
        }
    }
    if let Some(j) = journal::read(info, &lane.id)? {
        if let Some(j) = landed_already(ctx, info, &base, j)? {
            ctx.ui.status(&format!(
                "finishing the interrupted merge of {}: {} is already on {}",
                lane.id,
                short_sha(&j.tip),
                base.upstream_name()
            ));
            main_checkout_ready(info, &base)?;
            return finish(ctx, info, &base, lane, j);
        }
    }
    sync::recover_interrupted(ctx, info, lane)?;
    let task = queue::claimed_task(ctx, lane)?;
    step(ctx, 1, &format!("preflight {}", lane.id));
    dependencies_done(task.as_ref())?;
    let ready = preflight_lane(ctx, info, lane, &base)?;
    step(ctx, 2, "main checkout");
    main_checkout_ready(info, &base)?;
    let j = land(ctx, cfg, info, &base, ready, task.as_ref(), &args)?;
    finish(ctx, info, &base, lane, j)
}

fn step(ctx: &Context, n: u32, what: &str) {
    ctx.ui.step(&format!("{n}/8 {what}"));
}

fn oid(sha: &str) -> Result<Oid> {
    Oid::from_str(sha)
        .map_err(|_| Error::git(format!("the merge journal names a bad commit `{sha}`")))
}

/// A journal left by a killed merge: if base already has its tip, the journal (advanced to
/// `Landed`) to finish from; otherwise nothing landed, so it is dropped and the merge starts over.
fn landed_already(
    ctx: &Context,
    info: &RepoInfo,
    base: &BaseRef,
    mut j: Journal,
) -> Result<Option<Journal>> {
    let upstream = sync::fetch_base(ctx, info, base)?;
    let repo = info.open()?;
    if j.phase >= Phase::Landed || ops::is_ancestor(&repo, oid(&j.tip)?, upstream) {
        j.phase = j.phase.max(Phase::Landed);
        journal::write(info, &j)?;
        return Ok(Some(j));
    }
    ctx.ui.warn(&format!(
        "an interrupted merge of {} ({}) never reached {}; starting over",
        j.lane,
        short_sha(&j.tip),
        base.upstream_name()
    ));
    journal::remove(info, &j.lane)?;
    Ok(None)
}

/// Step 1: the preflight checks must pass (behind base is only a warning: step 3 rebases).
/// Policies wait for step 4: they judge the rebased branch, with `--allow-test-removal`.
fn preflight_lane<'a>(
    ctx: &Context,
    info: &RepoInfo,
    lane: &'a Lane,
    base: &BaseRef,
) -> Result<Ready<'a>> {
    let opts = preflight::Options {
        allow_dirty: false,
        strict: false,
        policies: false,
    };
    let checks = preflight::evaluate(ctx, lane, base, &opts)?.checks;
    let failed: Vec<&Check> = checks.iter().filter(|c| c.failed()).collect();
    if let Some(first) = failed.first() {
        let err = Error::refused(format!(
            "preflight of {} failed ({}: {}); nothing was changed",
            lane.id, first.name, first.detail
        ))
        .details(
            failed
                .iter()
                .skip(1)
                .map(|c| format!("{}: {}", c.name, c.detail)),
        );
        // why: the first check's fix may only point at another failed check's (a detached HEAD
        // "while rebasing" defers to the rebase's own fix); show each distinct fix.
        let mut fixes: Vec<&str> = Vec::new();
        for c in &failed {
            if !c.fix.is_empty() && !fixes.contains(&c.fix.as_str()) {
                fixes.push(&c.fix);
            }
        }
        return Err(fixes.into_iter().fold(err, |e, f| e.hint(f)));
    }
    let repo = info.open()?;
    let entries = state::worktree_list(&repo, &info.main, &info.common_dir);
    sync::ready(lane, &entries)
}

/// A task merges after the tasks it depends on (the playbook's dependency order).
fn dependencies_done(task: Option<&ClaimedTask>) -> Result<()> {
    match task {
        Some(t) if !t.depends_on_satisfied => Err(Error::refused(format!(
            "task {} depends on tasks that are not done ({}); nothing was changed",
            t.id,
            t.depends_on.join(", ")
        ))
        .hint("merge those first; `wt queue show` lists their status")),
        _ => Ok(()),
    }
}

/// Step 2: base is checked out in the main checkout, with no change and no operation there.
fn main_checkout_ready(info: &RepoInfo, base: &BaseRef) -> Result<()> {
    let repo = info.open()?;
    let entries = state::worktree_list(&repo, &info.main, &info.common_dir);
    let main = &entries[0];
    let at = sh(&info.main);
    if main.branch() != Some(base.name.as_str()) {
        let on = main
            .branch()
            .map_or("detached".to_string(), |b| format!("on {b}"));
        return Err(Error::refused(format!(
            "the main checkout ({at}) is {on}, not on {}; nothing was changed",
            base.name
        ))
        .hint(format!("git -C {at} switch {}", base.name)));
    }
    if let Some(op) = main.operation() {
        return Err(Error::refused(format!(
            "a {} is in progress in the main checkout ({at}); nothing was changed",
            op.as_str()
        ))
        .hint(format!(
            "finish it, or `git -C {at} {}`",
            op.abort_command().trim_start_matches("git ")
        )));
    }
    let dirty = status::read(
        &info.main,
        &StatusOptions {
            untracked: Untracked::Normal,
            ignored: false,
        },
    )?;
    if !dirty.is_clean() {
        return Err(Error::refused(format!(
            "the main checkout ({at}) is not clean ({} staged, {} unstaged, {} untracked); nothing was changed",
            dirty.staged, dirty.unstaged, dirty.untracked
        ))
        .details(dirty.paths.iter().take(10).cloned())
        .hint(format!("commit, stash or remove them in {at}, then run wt merge again")));
    }
    Ok(())
}

/// After the fetch: local base must be an ancestor of the remote base, or the fast-forward of
/// the main checkout after the push could not happen.
fn local_base_behind(repo: &Repository, base: &BaseRef, upstream: Oid) -> Result<()> {
    let Some(remote) = &base.remote else {
        return Ok(());
    };
    let Some(local) = ops::resolve(repo, &base.local_ref()) else {
        return Ok(());
    };
    if ops::is_ancestor(repo, local, upstream) {
        return Ok(());
    }
    let extra = ops::only_in(repo, local, &[upstream]);
    Err(Error::refused(format!(
        "{} has {} commit(s) that {remote}/{} does not have; nothing was changed",
        base.name,
        extra.len(),
        base.name
    ))
    .details(extra.iter().map(|(sha, s)| format!("{} {s}", short(*sha))))
    .hint(format!(
        "push them first (`git push {remote} {}`), or move them to a lane",
        base.name
    )))
}

/// Steps 3 to 6, retried while base keeps moving. Returns the journal at `Landed`.
fn land(
    ctx: &Context,
    cfg: &Config,
    info: &RepoInfo,
    base: &BaseRef,
    mut ready: Ready,
    task: Option<&ClaimedTask>,
    args: &MergeArgs,
) -> Result<Journal> {
    let attempts = args.retries.saturating_add(1);
    for attempt in 1..=attempts {
        if attempt > 1 {
            ctx.ui.warn(&format!(
                "{} moved while merging; rebasing again (attempt {attempt} of {attempts})",
                base.upstream_name()
            ));
        }
        let landing = prepare(ctx, cfg, info, base, &ready, task, args)?;
        match push(ctx, info, base, &ready, &landing)? {
            Pushed::Landed(j) => return Ok(*j),
            Pushed::BaseMoved => ready.head = landing.tip,
        }
    }
    Err(Error::git(format!(
        "{} kept moving: gave up after {attempts} attempt(s); base was not changed",
        base.upstream_name()
    ))
    .hint(format!(
        "run `wt merge {}` again, or pass --retries N",
        ready.lane.id
    )))
}

/// Steps 3 to 5 of one attempt, then the journal. Returns the tip to land. On a policy or check
/// failure the lane is put back where this attempt found it.
fn prepare(
    ctx: &Context,
    cfg: &Config,
    info: &RepoInfo,
    base: &BaseRef,
    ready: &Ready,
    task: Option<&ClaimedTask>,
    args: &MergeArgs,
) -> Result<Landing> {
    let lane = ready.lane;
    step(
        ctx,
        3,
        &format!("fetch and rebase onto {}", base.upstream_name()),
    );
    let onto = sync::fetch_base(ctx, info, base)?;
    // why: in a shallow clone base's history may stop short of the lane's, and every ancestry
    // answer below would be wrong; say so first.
    sync::refuse_shallow_gap(ready, &base.upstream_name(), onto)?;
    let repo = info.open()?;
    local_base_behind(&repo, base, onto)?;
    let lease = match &base.remote {
        Some(remote) => Some(sync::lease_for(&repo, remote, ready)?),
        None => None,
    };
    nothing_to_merge(&repo, base, lane, ready.head, onto)?;
    let tip = sync::rebase_onto(ready, base, onto, false)?;
    nothing_to_merge(&repo, base, lane, tip, onto)?;
    let undo = |e: Error| put_back(ctx, lane, tip, ready.head, e);
    step(ctx, 4, "policies");
    let reason = args.allow_test_removal.as_deref();
    let outcome = policy::evaluate(cfg, lane, &repo, tip, onto, reason).map_err(undo)?;
    if let Some(refused) = policy_refusal(lane, &outcome) {
        if ctx.ui.json_mode() {
            ctx.ui.json(&Refusal {
                lane: &lane.id,
                merged: false,
                refused: "policies",
                violations: &outcome.violations,
            });
        }
        return Err(undo(refused));
    }
    let risks = handoff_risks(reason, &outcome);
    step(ctx, 5, "checks");
    let commands = check::plan(cfg, lane, &outcome.gates, task);
    let record = check::run_checks(ctx, info, lane, tip, task, &commands, true).map_err(undo)?;
    if !record.ok {
        return Err(put_back(
            ctx,
            lane,
            tip,
            ready.head,
            check::failure(lane, &record),
        ));
    }
    main_files_in_the_way(info, &repo, base, tip).map_err(undo)?;
    let j = Journal {
        lane: lane.id.clone(),
        branch: lane.branch.clone(),
        base: base.name.clone(),
        remote: base.remote.clone(),
        tip: tip.to_string(),
        base_before: onto.to_string(),
        task: task.map(|t| t.id.clone()),
        depends_on_satisfied: task.map(|t| t.depends_on_satisfied),
        started_at: files::now(),
        phase: Phase::Pushing,
        risks,
    };
    journal::write(info, &j)?;
    Ok(Landing {
        tip,
        lease,
        journal: j,
    })
}

/// Ignored files in the main checkout that the fast-forward to `tip` would replace without a
/// word (git's default): refuse before anything is pushed.
fn main_files_in_the_way(
    info: &RepoInfo,
    repo: &Repository,
    base: &BaseRef,
    tip: Oid,
) -> Result<()> {
    let Some(local) = ops::resolve(repo, &base.local_ref()) else {
        return Ok(());
    };
    let in_the_way = ops::ignored_in_the_way(&info.main, local, tip);
    if in_the_way.is_empty() {
        return Ok(());
    }
    Err(Error::refused(format!(
        "fast-forwarding {} in the main checkout would overwrite {} ignored file(s) there; nothing was pushed",
        base.name,
        in_the_way.len()
    ))
    .details(in_the_way)
    .hint(format!(
        "move them out of {} (git would replace them without asking), then run wt merge again",
        sh(&info.main)
    )))
}

fn nothing_to_merge(
    repo: &Repository,
    base: &BaseRef,
    lane: &Lane,
    head: Oid,
    onto: Oid,
) -> Result<()> {
    if !ops::is_ancestor(repo, head, onto) {
        return Ok(());
    }
    Err(Error::refused(format!(
        "{} has nothing to merge: {} has no commits that {} lacks",
        lane.id,
        lane.branch,
        base.upstream_name()
    ))
    .hint(format!("commit work in {} first", lane.path.display())))
}

/// What `wt merge --json` prints when the policies refuse the branch (exit 1): the lane, and
/// every violation as `wt preflight --json` lists them.
#[derive(Serialize)]
struct Refusal<'a> {
    lane: &'a str,
    merged: bool,
    refused: &'static str,
    violations: &'a [Violation],
}

/// Step 4: any violation refuses the merge, naming each rule with its owner and fix.
fn policy_refusal(lane: &Lane, outcome: &policy::Outcome) -> Option<Error> {
    let mut e = outcome.refusal(&lane.id)?;
    e.message.push_str("; nothing was pushed");
    Some(e)
}

/// The handoff's risk lines: removed tests, with the reason that allowed them.
fn handoff_risks(reason: Option<&str>, outcome: &policy::Outcome) -> Vec<String> {
    match reason {
        Some(reason) if !outcome.removed_tests.is_empty() => vec![format!(
            "test files removed ({}): {}",
            reason.trim(),
            outcome.removed_tests.join(", ")
        )],
        _ => Vec::new(),
    }
}

/// After a refusal at step 4 or 5: move the lane back to where this attempt found it (only if
/// the rebase moved it), and say so in the error.
fn put_back(ctx: &Context, lane: &Lane, tip: Oid, before: Oid, err: Error) -> Error {
    if tip == before {
        return err;
    }
    match ops::reset_keep(&lane.path, before) {
        Ok(()) => err.detail(format!(
            "{} was put back at {} (as before the rebase)",
            lane.id,
            short(before)
        )),
        Err(e) => {
            ctx.ui.warn(&format!(
                "{} stays rebased at {}: {}",
                lane.id,
                short(tip),
                e.stderr.lines().next().unwrap_or("reset failed")
            ));
            err
        }
    }
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

/// Step 6: push the lane with its lease, then the tip to base as a fast-forward (or, without a
/// remote, fast-forward the local base). Advances the journal to `Landed`.
fn push(
    ctx: &Context,
    info: &RepoInfo,
    base: &BaseRef,
    ready: &Ready,
    landing: &Landing,
) -> Result<Pushed> {
    let (tip, j) = (landing.tip, &landing.journal);
    step(
        ctx,
        6,
        &format!(
            "push {} and fast-forward {}",
            ready.lane.branch,
            base.upstream_name()
        ),
    );
    let drop_journal = |_: &Error| {
        let _ = journal::remove(info, &j.lane);
    };
    let (Some(remote), Some(lease)) = (&base.remote, landing.lease) else {
        ops::merge_ff_only(&info.main, tip)
            .map_err(|e| {
                e.context(format!(
                    "cannot fast-forward {} in the main checkout",
                    base.name
                ))
            })
            .inspect_err(drop_journal)?;
        return advance(info, j);
    };
    sync::push_lane(info, remote, ready, tip, lease).inspect_err(drop_journal)?;
    match ops::push_fast_forward(&info.main, remote, &base.name, tip) {
        Ok(Ok(())) => advance(info, j),
        Ok(Err(rejected)) => {
            journal::remove(info, &j.lane)?;
            if rejected.moved() || base_moved(info, remote, base, j) {
                return Ok(Pushed::BaseMoved);
            }
            Err(Error::git(format!(
                "{remote} refused the fast-forward of {}: {}; base was not changed",
                base.name, rejected.summary
            )))
        }
        // why: the journal stays: whether the push reached the remote is unknown, and the rerun
        // tells by looking at the remote base.
        Err(e) => Err(e
            .context(format!("cannot push {} to {remote}", base.name))
            .hint(format!(
                "run `wt merge {}` again when the remote answers",
                ready.lane.id
            ))),
    }
}

/// A push that lost a race inside the remote (its ref moved between the advertisement and the
/// update) is rejected with a reason other than "fetch first"; ask the remote where base is.
fn base_moved(info: &RepoInfo, remote: &str, base: &BaseRef, j: &Journal) -> bool {
    if ops::fetch(&info.main, remote).is_err() {
        return false;
    }
    let upstream = info
        .open()
        .ok()
        .and_then(|repo| ops::resolve(&repo, &base.upstream_ref()));
    upstream.is_some_and(|u| u.to_string() != j.base_before)
}

fn advance(info: &RepoInfo, j: &Journal) -> Result<Pushed> {
    let mut j = j.clone();
    j.phase = Phase::Landed;
    journal::write(info, &j)?;
    Ok(Pushed::Landed(Box::new(j)))
}

/// Steps 6 (local fast-forward), 7 and 8, from a journal at `Landed` or later.
fn finish(
    ctx: &Context,
    info: &RepoInfo,
    base: &BaseRef,
    lane: &Lane,
    mut j: Journal,
) -> Result<u8> {
    let tip = oid(&j.tip)?;
    fast_forward_main(ctx, info, base, tip);
    step(ctx, 7, "task and handoff");
    if j.phase < Phase::Marked {
        match &j.task {
            Some(task) => {
                queue::mark_done(ctx, lane, task, &j.tip).map_err(|e| {
                    let msg = format!(
                        "{} landed on {}, but marking {task} done failed: {}",
                        short_sha(&j.tip),
                        base.upstream_name(),
                        e.message
                    );
                    // why: exit 3, not the step's own code: base has changed, and the message
                    // says what is left to do.
                    Error {
                        message: msg,
                        kind: crate::error::Kind::Git,
                        ..e
                    }
                    .hint(format!("run `wt merge {}` again to finish", lane.id))
                })?;
                ctx.ui.success(&format!("{task} marked done"));
            }
            None => ctx.ui.warn(&format!(
                "{} has no claimed task: merged all the same, no task marked done",
                lane.id
            )),
        }
        j.phase = Phase::Marked;
        journal::write(info, &j)?;
    }
    let repo = info.open()?;
    let handoff_path = record_handoff(info, &repo, base, lane, &j)?;
    journal::remove(info, &lane.id)?;
    step(ctx, 8, "merged");
    report(ctx, info, &repo, base, lane, &j, handoff_path)
}

/// Bring base in the main checkout up to the landed tip (with a remote; without one step 6 did).
/// The work is on the remote already, so a failure here is a warning with the command to run.
fn fast_forward_main(ctx: &Context, info: &RepoInfo, base: &BaseRef, tip: Oid) {
    let Ok(repo) = info.open() else { return };
    let Some(local) = ops::resolve(&repo, &base.local_ref()) else {
        return;
    };
    let at = sh(&info.main);
    if ops::is_ancestor(&repo, tip, local) {
        return;
    }
    let fix = format!("git -C {at} merge --ff-only {}", short(tip));
    if !ops::is_ancestor(&repo, local, tip) {
        ctx.ui.warn(&format!(
            "{} in the main checkout has commits the merged tip lacks; not fast-forwarded",
            base.name
        ));
        return;
    }
    if let Err(e) = ops::merge_ff_only(&info.main, tip) {
        ctx.ui.warn(&format!(
            "could not fast-forward {} in the main checkout: {}; run `{fix}`",
            base.name,
            e.stderr.lines().next().unwrap_or("git merge failed")
        ));
    }
}

/// `<common dir>/wt/handoffs/<task or lane>-<time>.md`, named after the journal so a rerun
/// rewrites the same file instead of adding a second one.
fn record_handoff(
    info: &RepoInfo,
    repo: &Repository,
    base: &BaseRef,
    lane: &Lane,
    j: &Journal,
) -> Result<PathBuf> {
    let subject = Subject {
        lane,
        base_commit: oid(&j.base_before)?,
        head: oid(&j.tip)?,
        task_id: j.task.clone(),
        status: j.task.as_ref().map(|_| "done".to_string()),
        depends_on_satisfied: j.depends_on_satisfied,
        risks: j.risks.clone(),
        next: None,
    };
    let text = handoff::render(&handoff::collect(info, repo, base, subject));
    let name = j.task.as_deref().unwrap_or(&lane.id);
    let path = info
        .wt_dir("handoffs")
        .join(format!("{name}-{}.md", files::file_stamp(&j.started_at)));
    files::write_atomic(&path, text.as_bytes())?;
    // why: `wt handoff LANE` right after a merge has no new work to report; this pointer lets it
    // show the report the merge recorded instead of an empty one.
    let pointer = handoff::latest_pointer(info, lane);
    files::write_atomic(&pointer, path.to_string_lossy().as_bytes())?;
    Ok(path)
}

fn report(
    ctx: &Context,
    info: &RepoInfo,
    repo: &Repository,
    base: &BaseRef,
    lane: &Lane,
    j: &Journal,
    handoff_path: PathBuf,
) -> Result<u8> {
    let (tip, before) = (oid(&j.tip)?, oid(&j.base_before)?);
    let h = handoff::collect(
        info,
        repo,
        base,
        Subject {
            lane,
            base_commit: before,
            head: tip,
            task_id: None,
            status: None,
            depends_on_satisfied: None,
            risks: Vec::new(),
            next: None,
        },
    );
    ctx.ui.success(&format!(
        "merged {} into {}: {} is now {}",
        lane.id,
        base.upstream_name(),
        base.name,
        short(tip)
    ));
    ctx.ui
        .status(&format!("handoff recorded in {}", handoff_path.display()));
    if ctx.ui.json_mode() {
        ctx.ui.json(&Summary {
            lane: lane.id.clone(),
            merged: true,
            branch: lane.branch.clone(),
            base: base.upstream_name(),
            base_before: j.base_before.clone(),
            base_after: j.tip.clone(),
            task: j.task.clone(),
            commits: h.commits,
            files: h.files,
            handoff: handoff_path,
        });
        return Ok(0);
    }
    ctx.ui.data(&format!(
        "merged {} ({} commit(s)) into {}",
        lane.branch,
        h.commits.len(),
        base.upstream_name()
    ));
    for c in &h.commits {
        ctx.ui
            .data(&format!("  {} {}", short_sha(&c.sha), c.subject));
    }
    ctx.ui.data(&format!("files ({}):", h.files.len()));
    for f in &h.files {
        ctx.ui.data(&format!("  {}\t{}", f.status, f.path));
    }
    ctx.ui.data(&format!("{} is now {}", base.name, j.tip));
    Ok(0)
}

/// `--dry-run`: steps 1 to 8 as they would happen, judged on the refs as they are (the remote is
/// read with `ls-remote`, nothing is fetched); nothing changes. Exit 0 when the merge would go
/// ahead, else the error the merge would stop with.
pub fn dry_run(ctx: &Context, cfg: &Config, lane: &Lane, args: &MergeArgs) -> Result<u8> {
    let mut plan = Plan::default();
    let result = plan_merge(ctx, cfg, lane, args, &mut plan);
    plan.emit(ctx, &lane.id, result.is_ok());
    result?;
    ctx.ui
        .success("dry run: the merge would go ahead; nothing was changed");
    Ok(0)
}

#[derive(Default, Serialize)]
struct Plan {
    steps: Vec<PlanStep>,
    /// The policy violations that would stop the merge at step 4.
    violations: Vec<Violation>,
}

#[derive(Serialize)]
struct PlanStep {
    step: u32,
    action: String,
}

impl Plan {
    fn add(&mut self, step: u32, action: impl Into<String>) {
        self.steps.push(PlanStep {
            step,
            action: action.into(),
        });
    }

    fn emit(&self, ctx: &Context, lane: &str, would_merge: bool) {
        if ctx.ui.json_mode() {
            ctx.ui.json(&serde_json::json!({
                "lane": lane,
                "dry_run": true,
                "would_merge": would_merge,
                "steps": self.steps,
                "violations": self.violations,
            }));
            return;
        }
        for s in &self.steps {
            ctx.ui.data(&format!("{}. {}", s.step, s.action));
        }
    }
}

fn plan_merge(
    ctx: &Context,
    cfg: &Config,
    lane: &Lane,
    args: &MergeArgs,
    plan: &mut Plan,
) -> Result<()> {
    let info = ctx.repo()?;
    let base = ctx.base()?;
    plan.add(1, "take the repository lock");
    if let Some(j) = journal::read(info, &lane.id)? {
        plan.add(
            1,
            format!(
                "finish the interrupted merge of {} if {} has it, else discard its journal",
                short_sha(&j.tip),
                base.upstream_name()
            ),
        );
    }
    let ready = preflight_lane(ctx, info, lane, &base)?;
    plan.add(1, format!("preflight {}: ok", lane.id));
    main_checkout_ready(info, &base)?;
    plan.add(2, format!("main checkout: on {}, clean", base.name));
    let repo = info.open()?;
    let onto = ops::resolve(&repo, &base.upstream_ref())
        .ok_or_else(|| Error::git(format!("{} does not exist", base.upstream_name())))?;
    let lease = plan_fetch(info, &base, &ready, onto, plan)?;
    local_base_behind(&repo, &base, onto)?;
    nothing_to_merge(&repo, &base, lane, ready.head, onto)?;
    plan_rebase(&repo, &base, &ready, onto, plan);
    let task = queue::claimed_task(ctx, lane)?;
    dependencies_done(task.as_ref())?;
    let reason = args.allow_test_removal.as_deref();
    let outcome = policy::evaluate(cfg, lane, &repo, ready.head, onto, reason)?;
    if let Some(refused) = policy_refusal(lane, &outcome) {
        plan.violations = outcome.violations;
        return Err(refused);
    }
    plan.add(4, "policies: no violation");
    for r in handoff_risks(reason, &outcome) {
        plan.add(4, format!("recorded in the handoff: {r}"));
    }
    let commands = check::plan(cfg, lane, &outcome.gates, task.as_ref());
    plan.add(
        5,
        format!("run {} check(s) in {}", commands.len(), lane.path.display()),
    );
    for c in &commands {
        plan.add(5, format!("`{}` ({})", c.command, c.source.as_str()));
    }
    plan_push(&base, lane, lease, plan);
    plan.add(
        7,
        match &task {
            Some(t) => format!("mark {} done (merged_commit = the new base)", t.id),
            None => "no claimed task: merge all the same, with a warning".to_string(),
        },
    );
    let name = task.as_ref().map_or(lane.id.as_str(), |t| t.id.as_str());
    plan.add(
        7,
        format!(
            "record the handoff in {}",
            info.wt_dir("handoffs")
                .join(format!("{name}-<time>.md"))
                .display()
        ),
    );
    let commits = ops::only_in(&repo, ready.head, &[onto]).len();
    plan.add(
        8,
        format!("print the {commits} commit(s) and files merged, and the new base commit"),
    );
    Ok(())
}

/// Step 3 of the plan: where the remote is now (read, not fetched); returns the lane lease.
fn plan_fetch(
    info: &RepoInfo,
    base: &BaseRef,
    ready: &Ready,
    onto: Oid,
    plan: &mut Plan,
) -> Result<Option<Lease>> {
    let Some(remote) = &base.remote else {
        plan.add(3, format!("no remote: rebase onto the local {}", base.name));
        return Ok(None);
    };
    let base_ref = base.local_ref();
    let now = ops::ls_remote(&info.main, remote, &[&base_ref])
        .map_err(|e| e.context(format!("cannot reach {remote}; the merge would stop here")))?;
    let remote_base = now
        .iter()
        .find(|(name, _)| *name == base_ref)
        .map(|(_, o)| *o);
    plan.add(3, format!("fetch {remote}"));
    if remote_base.is_some_and(|r| r != onto) {
        plan.add(
            3,
            format!(
                "{}/{} moved since the last fetch (now {}): the merge rebases onto that; this plan uses {}",
                remote,
                base.name,
                short(remote_base.unwrap_or(onto)),
                short(onto)
            ),
        );
    }
    let repo = info.open()?;
    Ok(Some(sync::lease_for(&repo, remote, ready)?))
}

fn plan_rebase(repo: &Repository, base: &BaseRef, ready: &Ready, onto: Oid, plan: &mut Plan) {
    let branch = &ready.lane.branch;
    if ops::is_ancestor(repo, onto, ready.head) {
        plan.add(
            3,
            format!(
                "no rebase needed: {branch} already contains {} ({})",
                base.upstream_name(),
                short(onto)
            ),
        );
    } else {
        let n = ops::only_in(repo, ready.head, &[onto]).len();
        plan.add(
            3,
            format!(
                "rebase {n} commit(s) of {branch} onto {} ({}); a conflict stops the merge (exit 4) with the lane restored",
                base.upstream_name(),
                short(onto)
            ),
        );
    }
}

fn plan_push(base: &BaseRef, lane: &Lane, lease: Option<Lease>, plan: &mut Plan) {
    let (Some(remote), Some(lease)) = (&base.remote, lease) else {
        plan.add(
            6,
            format!(
                "fast-forward {} in the main checkout to the lane tip (git merge --ff-only)",
                base.name
            ),
        );
        return;
    };
    let expect = match lease {
        Lease::Absent => String::new(),
        Lease::At(o) => short(o),
    };
    plan.add(
        6,
        format!(
            "push {} to {remote} with --force-with-lease=refs/heads/{}:{expect}",
            lane.branch, lane.branch
        ),
    );
    plan.add(
        6,
        format!("push the lane tip to {remote} {} as a fast-forward (never forced; retried up to the --retries limit if {} moves)", base.name, base.name),
    );
    plan.add(
        6,
        format!(
            "then fast-forward {} in the main checkout (git merge --ff-only)",
            base.name
        ),
    );
}
