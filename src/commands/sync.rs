//! `wt sync [LANE...]`: fetch once, rebase each lane onto the remote base in its own worktree,
//! push it with a lease. Also the engine `wt merge` reuses for its step 3 and its lane push.
//!
//! Safety rules: a lane with uncommitted changes is refused, never autostashed; a conflict is
//! aborted and the lane restored as it was (HEAD, index, untracked files) unless the user asks to
//! keep it; a remote lane branch that holds commits this lane never had (someone else pushed) is
//! reported and never overwritten; fetches never run concurrently.
//!
//! The lease: the push expects, explicitly, the remote tip that the lane is known to include
//! (`--force-with-lease=refs/heads/<b>:<sha>`, empty when the branch is new), so a push that
//! lands between our fetch and our push is rejected. Which tip is safe is decided after the
//! fetch, by the `--force-if-includes` rule (the tip must be in the lane's history or its
//! reflog), not by trusting the remote-tracking ref as it was before the fetch: any fetch
//! (another lane's sync, the user's own `git fetch`) may already have renewed that ref with
//! someone else's push.

use super::LaneWords;
use crate::config::{Lane, Words};
use crate::context::Context;
use crate::error::{Error, Kind, Result};
use crate::git::ops::{self, Lease, Rebase};
use crate::git::status::{self, Operation, StatusOptions, Untracked};
use crate::git::{BaseRef, RepoInfo, WorktreeEntry};
use crate::lane::state;
use clap::Args;
use git2::{Oid, Repository};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    pub lanes: LaneWords,
    /// On a conflict, leave the rebase in progress instead of restoring the lane.
    #[arg(long)]
    pub keep_conflict: bool,
}

/// A lane that passed the checks sync needs before it changes anything.
#[derive(Debug, Clone)]
pub struct Ready<'a> {
    pub lane: &'a Lane,
    /// The worktree's own git dir (where a rebase in progress keeps its state).
    pub admin_dir: PathBuf,
    pub head: Oid,
}

#[derive(Serialize)]
struct LaneReport {
    lane: String,
    branch: String,
    /// rebased, up-to-date, refused, conflict or failed.
    status: &'static str,
    head_before: Option<String>,
    head: Option<String>,
    onto: Option<String>,
    pushed: bool,
    error: Option<String>,
}

pub fn run(ctx: &Context, args: SyncArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lanes = cfg.select_lanes(&Words::parse(&args.lanes.words)?)?;
    let _lock = ctx.lock("sync")?;
    let info = ctx.repo()?;
    let base = ctx.base()?;
    let mut outcomes: Vec<(&Lane, Option<Oid>, Result<Synced>)> = Vec::new();
    let mut lanes_left = Vec::new();
    for lane in &lanes {
        match recover_interrupted(ctx, info, lane) {
            Ok(()) => lanes_left.push(*lane),
            Err(e) => outcomes.push((lane, None, Err(e))),
        }
    }
    let repo = info.open()?;
    let entries = state::worktree_list(&repo, &info.main, &info.common_dir);
    // why: each check reads the lane's status with a git process; lanes are independent.
    let checked = crate::sys::parallel::map(&lanes_left, |lane| ready(lane, &entries));
    let mut todo = Vec::new();
    for (lane, r) in lanes_left.iter().zip(checked) {
        match r {
            Ok(r) => todo.push(r),
            Err(e) => outcomes.push((lane, None, Err(e))),
        }
    }
    if !todo.is_empty() {
        let onto = fetch_base(ctx, info, &base)?;
        // why: every rebase runs in its own worktree on its own branch, so they do not touch
        // each other; the pushes then go out together over one connection.
        let rebased = crate::sys::parallel::map(&todo, |ready| {
            rebase_lane(info, &base, ready, onto, args.keep_conflict)
        });
        let pushed = push_rebased(info, &base, &todo, &rebased);
        for ((ready, rebased), pushed) in todo.iter().zip(rebased).zip(pushed) {
            let synced = rebased.and_then(|(head, _)| {
                Ok(Synced {
                    head,
                    onto,
                    pushed: pushed?,
                })
            });
            outcomes.push((ready.lane, Some(ready.head), synced));
        }
    }
    // why: reports come in the order the lanes were named, whatever finished first.
    outcomes.sort_by_key(|(lane, ..)| lanes.iter().position(|l| l.id == lane.id));
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for (lane, head_before, synced) in outcomes {
        match synced {
            Ok(s) => reports.push(report_synced(ctx, info, &base, lane, head_before, &s)),
            Err(e) => {
                reports.push(failed_report(lane, head_before, &e));
                errors.push((lane.id.clone(), e));
            }
        }
    }
    if ctx.ui.json_mode() {
        ctx.ui.json(&reports);
    }
    finish(ctx, lanes.len(), errors)
}

/// One error is returned as it is; several are shown one by one and summed up.
fn finish(ctx: &Context, total: usize, mut errors: Vec<(String, Error)>) -> Result<u8> {
    match errors.len() {
        0 => Ok(0),
        1 => Err(errors.remove(0).1),
        n => {
            let kind = errors[0].1.kind;
            let names: Vec<String> = errors.iter().map(|(l, _)| l.clone()).collect();
            // why: every lane's message names its lane already.
            for (_, e) in errors {
                ctx.ui.error(&e);
            }
            Err(Error::new(
                kind,
                format!("sync failed for {n} of {total} lanes: {}", names.join(", ")),
            ))
        }
    }
}

fn failed_report(lane: &Lane, head: Option<Oid>, e: &Error) -> LaneReport {
    let status = match e.kind {
        Kind::Refused => "refused",
        Kind::Conflict => "conflict",
        _ => "failed",
    };
    LaneReport {
        lane: lane.id.clone(),
        branch: lane.branch.clone(),
        status,
        head_before: head.map(|h| h.to_string()),
        head: None,
        onto: None,
        pushed: false,
        error: Some(e.message.clone()),
    }
}

/// A lane rebased (or already up to date) and, with a remote, pushed.
struct Synced {
    head: Oid,
    onto: Oid,
    pushed: bool,
}

/// The lease (decided before the rebase, from the fetched remote) and the lane's new tip.
fn rebase_lane(
    info: &RepoInfo,
    base: &BaseRef,
    ready: &Ready,
    onto: Oid,
    keep_conflict: bool,
) -> Result<(Oid, Option<Lease>)> {
    let repo = info.open()?;
    let lease = match &base.remote {
        Some(remote) => Some(lease_for(&repo, remote, ready)?),
        None => None,
    };
    Ok((rebase_onto(ready, base, onto, keep_conflict)?, lease))
}

/// Push every rebased lane the remote does not have yet, in one `git push`; per lane, whether
/// it was pushed (false: the remote already had it, or there is no remote).
fn push_rebased(
    info: &RepoInfo,
    base: &BaseRef,
    todo: &[Ready],
    rebased: &[Result<(Oid, Option<Lease>)>],
) -> Vec<Result<bool>> {
    let Some(remote) = &base.remote else {
        return vec![Ok(false); todo.len()];
    };
    let wanted: Vec<(usize, ops::LeasedUpdate)> = todo
        .iter()
        .zip(rebased)
        .enumerate()
        .filter_map(|(i, (ready, r))| match r {
            Ok((head, Some(lease))) if *lease != Lease::At(*head) => Some((
                i,
                ops::LeasedUpdate {
                    branch: &ready.lane.branch,
                    commit: *head,
                    lease: *lease,
                },
            )),
            _ => None,
        })
        .collect();
    let mut results = vec![Ok(false); todo.len()];
    if wanted.is_empty() {
        return results;
    }
    let updates: Vec<ops::LeasedUpdate> = wanted.iter().map(|(_, u)| *u).collect();
    match ops::push_with_leases(&info.main, remote, &updates) {
        Ok(pushed) => {
            for ((i, _), r) in wanted.iter().zip(pushed) {
                results[*i] = pushed_or_refused(info, remote, &todo[*i], r);
            }
        }
        Err(e) => {
            for (i, u) in &wanted {
                let what = format!("cannot push {} to {remote}", u.branch);
                results[*i] = Err(e.clone().context(what));
            }
        }
    }
    results
}

fn report_synced(
    ctx: &Context,
    info: &RepoInfo,
    base: &BaseRef,
    lane: &Lane,
    head_before: Option<Oid>,
    s: &Synced,
) -> LaneReport {
    let rebased = Some(s.head) != head_before;
    let count = info
        .open()
        .map_or(0, |repo| ops::only_in(&repo, s.head, &[s.onto]).len());
    let upstream = base.upstream_name();
    let what = if rebased && count == 0 {
        format!("fast-forwarded to {upstream} ({})", short(s.onto))
    } else if rebased {
        format!(
            "rebased {count} commit(s) onto {upstream} ({})",
            short(s.onto)
        )
    } else {
        format!("up to date with {upstream}")
    };
    let push_note = match (&base.remote, s.pushed) {
        (None, _) => "no remote: nothing to push".to_string(),
        (Some(r), true) => format!("pushed {} to {r}", lane.branch),
        (Some(r), false) => format!("{r} already has it"),
    };
    ctx.ui.success(&format!("{}: {what}; {push_note}", lane.id));
    LaneReport {
        lane: lane.id.clone(),
        branch: lane.branch.clone(),
        status: if rebased { "rebased" } else { "up-to-date" },
        head_before: head_before.map(|h| h.to_string()),
        head: Some(s.head.to_string()),
        onto: Some(s.onto.to_string()),
        pushed: s.pushed,
        error: None,
    }
}

/// The lane exists, has its branch checked out, no operation in progress and no uncommitted
/// changes to tracked files. Untracked files are allowed: a rebase leaves them alone (and
/// refuses by itself when one is in the way).
pub fn ready<'a>(lane: &'a Lane, entries: &[WorktreeEntry]) -> Result<Ready<'a>> {
    let state = state::locate(lane, entries);
    let path = lane.path.display();
    let at = crate::ui::quote_path(&lane.path);
    if state.symlink {
        return Err(Error::refused(format!(
            "{} is a symlink; wt never follows one, nothing was changed",
            lane.path.display()
        ))
        .hint("move the link away by hand; `wt setup` then recreates the lane there"));
    }
    if state.broken {
        return Err(Error::refused(format!(
            "{}: {path} has no .git file leading back to this repository (moved, or its .git lost); nothing was changed",
            lane.id
        ))
        .hint(format!(
            "if that directory is this lane's: `git worktree repair {at}`, then run the command again"
        )));
    }
    let entry = match &state.entry {
        Some(e) if state.exists => e,
        _ => {
            return Err(
                Error::refused(format!("{} has no worktree at {path}", lane.id))
                    .hint(format!("wt setup {}", lane.id)),
            )
        }
    };
    if let Some(op) = state.operation {
        return Err(Error::refused(format!(
            "{}: a {} is in progress in {path}",
            lane.id,
            op.as_str()
        ))
        .hint(format!(
            "finish it, or `git -C {at} {}`",
            op.abort_command().trim_start_matches("git ")
        )));
    }
    let head = match (state.branch(), entry.head) {
        (Some(b), Some(head)) if b == lane.branch => head,
        (Some(b), _) if b == lane.branch => {
            return Err(Error::refused(format!("{} has no commit yet", lane.branch)))
        }
        (other, _) => {
            return Err(Error::refused(format!(
                "{} is {}, not on {}",
                lane.id,
                other.map_or("detached".to_string(), |b| format!("on {b}")),
                lane.branch
            ))
            .hint(format!("git -C {at} switch {}", lane.branch)))
        }
    };
    refuse_stale_locks(lane, &entry.admin_dir)?;
    refuse_dirty(lane, &entry.path)?;
    Ok(Ready {
        lane,
        admin_dir: entry.admin_dir.clone(),
        head,
    })
}

/// `<common dir>/wt/rebase/<lane>`: written just before wt starts rebasing a lane (it holds the
/// lane's tip), removed once the rebase is over or handed to the user (`--keep-conflict`). A
/// rerun that finds it beside a rebase in progress with that tip as its `orig-head` knows the
/// rebase is wt's own, cut short by a kill or Ctrl-C, and not one the user started.
fn rebase_marker(admin_dir: &Path, lane: &Lane) -> PathBuf {
    common_dir(admin_dir)
        .join("wt")
        .join("rebase")
        .join(&lane.id)
}

/// The repository's common dir, from a linked worktree's admin dir.
fn common_dir(admin_dir: &Path) -> PathBuf {
    std::fs::read_to_string(admin_dir.join("commondir"))
        .map(|rel| admin_dir.join(rel.trim()))
        .unwrap_or_else(|_| admin_dir.join("../.."))
}

/// Undo what an interrupted `wt sync` or `wt merge` left in a lane: its own rebase, stopped
/// half-way (wt was killed, or Ctrl-C killed git with it). The lane was clean when wt started,
/// so with no change in the worktree since, `git rebase --abort` puts it back exactly as it was;
/// anything else is left to the user with the command to run. A rebase the user started (no
/// marker, or another `orig-head`) is never touched.
pub fn recover_interrupted(ctx: &Context, info: &RepoInfo, lane: &Lane) -> Result<()> {
    // why: the common case, no marker, costs one stat.
    if !info.wt_dir("rebase").join(&lane.id).exists() {
        return Ok(());
    }
    let repo = info.open()?;
    let entries = state::worktree_list(&repo, &info.main, &info.common_dir);
    let state = state::locate(lane, &entries);
    let Some(entry) = state.entry.as_ref().filter(|_| state.exists) else {
        return Ok(());
    };
    let marker = rebase_marker(&entry.admin_dir, lane);
    let Ok(text) = std::fs::read_to_string(&marker) else {
        return Ok(());
    };
    let recorded = text.trim().to_string();
    let orig_head = ["rebase-merge", "rebase-apply"].iter().find_map(|d| {
        std::fs::read_to_string(entry.admin_dir.join(d).join("orig-head"))
            .ok()
            .map(|s| s.trim().to_string())
    });
    if state.operation != Some(Operation::Rebase) || orig_head.as_deref() != Some(&recorded) {
        // why: the rebase finished after all (its git outlived a killed wt), or this one is
        // the user's: nothing of wt's to undo.
        crate::sys::files::remove(&marker)?;
        return Ok(());
    }
    let at = crate::ui::quote_path(&lane.path);
    let was = short_sha(&recorded);
    let dirty = status::read(
        &entry.path,
        &StatusOptions {
            untracked: Untracked::No,
            ignored: false,
        },
    )?;
    if dirty.staged + dirty.unstaged + dirty.unmerged > 0 {
        return Err(Error::refused(format!(
            "{}: an interrupted wt left a rebase in progress in {}, and files there changed since; nothing was changed",
            lane.id,
            lane.path.display()
        ))
        .details(dirty.paths.iter().take(10).cloned())
        .hint(format!(
            "`git -C {at} rebase --abort` puts the lane back at {was} as it was before (discarding those changes); or finish the rebase yourself; then run the command again"
        )));
    }
    ops::rebase_abort(&lane.path).map_err(|e| {
        e.context(format!(
            "{}: cannot abort the rebase an interrupted wt left",
            lane.id
        ))
        .hint(format!("run `git -C {at} rebase --abort` by hand"))
    })?;
    let repo = Repository::open(&lane.path).map_err(|e| Error::git(e.message().to_string()))?;
    let branch_ref = format!("refs/heads/{}", lane.branch);
    let back = repo.head().is_ok_and(|h| {
        h.name().ok() == Some(branch_ref.as_str())
            && h.target().map(|t| t.to_string()).as_deref() == Some(recorded.as_str())
    });
    if !back {
        return Err(Error::git(format!(
            "after aborting the rebase an interrupted wt left, {} is not back at {was}",
            lane.id
        ))
        .hint(format!(
            "its old tip is in the reflog: `git -C {at} reflog {}`",
            lane.branch
        )));
    }
    crate::sys::files::remove(&marker)?;
    ctx.ui.warn(&format!(
        "{}: an interrupted wt had left a rebase in progress; aborted it, the lane is back at {was}",
        lane.id
    ));
    Ok(())
}

/// A lock file git left in the lane's way. With the branch's ref lock present git rebases the
/// lane, cannot move the branch, and its `rebase --abort` then exits 0 leaving the lane detached;
/// with `index.lock` it cannot start. wt cannot tell a crashed git from a running one, so it
/// never deletes them: it names the file and stops before changing anything.
fn refuse_stale_locks(lane: &Lane, admin_dir: &Path) -> Result<()> {
    let common = common_dir(admin_dir);
    let candidates = [
        admin_dir.join("index.lock"),
        admin_dir.join("HEAD.lock"),
        common
            .join("refs/heads")
            .join(format!("{}.lock", lane.branch)),
    ];
    let Some(lock) = candidates.iter().find(|p| p.exists()) else {
        return Ok(());
    };
    let lock = std::fs::canonicalize(lock).unwrap_or_else(|_| lock.clone());
    let age = std::fs::metadata(&lock)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map(|d| format!(", {}s old", d.as_secs()))
        .unwrap_or_default();
    Err(Error::refused(format!(
        "{}: git's lock file {} exists ({}{age}); nothing was changed",
        lane.id,
        lock.display(),
        "another git process is working there, or one crashed and left it"
    ))
    .hint(format!(
        "if no git process is running in this repository, delete it (`rm {}`), then run the command again",
        crate::ui::quote_path(&lock)
    )))
}

fn refuse_dirty(lane: &Lane, dir: &std::path::Path) -> Result<()> {
    let dirty = status::read(
        dir,
        &StatusOptions {
            untracked: Untracked::No,
            ignored: false,
        },
    )?;
    if dirty.staged + dirty.unstaged + dirty.unmerged == 0 {
        return Ok(());
    }
    Err(Error::refused(format!(
        "{} has uncommitted changes ({} staged, {} unstaged); nothing was changed",
        lane.id, dirty.staged, dirty.unstaged
    ))
    .details(dirty.paths.iter().take(10).cloned())
    .hint(format!(
        "commit them (or `git -C {} stash`), then run the command again",
        crate::ui::quote_path(&lane.path)
    )))
}

fn remote_lane_ref(remote: &str, lane: &Lane) -> String {
    format!("refs/remotes/{remote}/{}", lane.branch)
}

/// Fetch the remote (once, for every lane) and return the commit lanes are rebased onto.
pub fn fetch_base(ctx: &Context, info: &RepoInfo, base: &BaseRef) -> Result<Oid> {
    if let Some(remote) = &base.remote {
        ctx.ui.status(&format!("fetching {remote}"));
        ops::fetch(&info.main, remote).map_err(|e| {
            e.context(format!("cannot fetch {remote}; nothing was changed"))
                .hint("check the remote URL and your network, then run the command again")
        })?;
    }
    let repo = info.open()?;
    ops::resolve(&repo, &base.upstream_ref()).ok_or_else(|| {
        Error::git(format!("{} does not exist", base.upstream_name()))
            .hint("set `base = \"BRANCH\"` under [project] in lanes.toml")
    })
}

/// After the fetch: what the lane push may expect on the remote (see the module doc). A remote
/// tip this lane never had (not in its history, nor in its branch's reflog) means someone else
/// pushed to the lane branch: that is an error, never a force.
pub fn lease_for(repo: &Repository, remote: &str, ready: &Ready) -> Result<Lease> {
    let lane = ready.lane;
    let Some(now) = ops::resolve(repo, &remote_lane_ref(remote, lane)) else {
        return Ok(Lease::Absent);
    };
    let branch_ref = format!("refs/heads/{}", lane.branch);
    if ops::integrated(repo, &branch_ref, ready.head, now) {
        return Ok(Lease::At(now));
    }
    Err(foreign_push(repo, remote, ready, now))
}

fn foreign_push(repo: &Repository, remote: &str, ready: &Ready, remote_tip: Oid) -> Error {
    let lane = ready.lane;
    let commits = ops::only_in(repo, remote_tip, &[ready.head]);
    Error::git(format!(
        "{remote}/{} has {} commit(s) that {} does not have: someone else pushed to it; nothing was pushed",
        lane.branch,
        commits.len(),
        lane.id
    ))
    .details(commits.iter().map(|(sha, s)| format!("{} {s}", short(*sha))))
    .hint(format!(
        "look at them (`git log {remote}/{}`), integrate them in {} (`git rebase {remote}/{}` or a merge), then run `wt sync {}`",
        lane.branch,
        crate::ui::quote_path(&lane.path),
        lane.branch,
        lane.id
    ))
}

/// Rebase the lane onto `onto` unless it already contains it; returns the new lane tip. On a
/// conflict the rebase is aborted and the lane restored (exit 4), or with `keep_conflict` left
/// in progress with the commands to finish it.
pub fn rebase_onto(ready: &Ready, base: &BaseRef, onto: Oid, keep_conflict: bool) -> Result<Oid> {
    let lane = ready.lane;
    let path = &lane.path;
    let repo = Repository::open(path).map_err(|e| {
        Error::git(format!("cannot open {}", path.display())).detail(e.message().to_string())
    })?;
    if ops::is_ancestor(&repo, onto, ready.head) {
        return Ok(ready.head);
    }
    let upstream = base.upstream_name();
    refuse_shallow_gap(ready, &upstream, onto)?;
    let in_the_way = ops::ignored_in_the_way(path, ready.head, onto);
    if !in_the_way.is_empty() {
        return Err(Error::refused(format!(
            "rebasing {} onto {upstream} would overwrite {} ignored file(s) that {upstream} now tracks; nothing was changed",
            lane.id,
            in_the_way.len()
        ))
        .details(in_the_way)
        .hint(format!(
            "move the files named above out of {} (git would replace them without asking), then run the command again",
            path.display()
        )));
    }
    let marker = rebase_marker(&ready.admin_dir, lane);
    crate::sys::files::write_atomic(&marker, ready.head.to_string().as_bytes())?;
    let outcome = ops::rebase(path, &ready.admin_dir, &onto.to_string());
    // why: after an error (git killed) the rebase may still be in progress: the marker stays
    // for the rerun, which removes it if there is nothing to undo.
    let over = matches!(outcome, Ok(Rebase::Done | Rebase::Refused(_)));
    if over || (keep_conflict && outcome.is_ok()) {
        crate::sys::files::remove(&marker)?;
    }
    match outcome? {
        Rebase::Done => ops::resolve(&repo, &format!("refs/heads/{}", lane.branch))
            .ok_or_else(|| Error::git(format!("{} vanished during the rebase", lane.branch))),
        Rebase::Refused(e) => Err(Error::refused(format!(
            "git would not start rebasing {} onto {upstream}; nothing was changed",
            lane.id
        ))
        .details(
            e.stderr
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string),
        )
        .hint(format!(
            "move the files named above out of {}, then run the command again",
            path.display()
        ))),
        Rebase::Conflict {
            files,
            stopped_at,
            stderr,
        } => {
            let stop = Stop {
                upstream,
                files,
                stopped_at,
                stderr,
            };
            if keep_conflict {
                Err(conflict_kept(ready, &stop))
            } else {
                restore(ready)?;
                crate::sys::files::remove(&marker)?;
                Err(conflict_restored(ready, &stop))
            }
        }
    }
}

/// In a shallow repository the lane may reach below the fetched history of base: with no
/// common commit within it, a rebase would replay base's own old commits onto base (spurious
/// add/add conflicts, or duplicates). Refuse, naming the fetch that fixes it.
pub fn refuse_shallow_gap(ready: &Ready, upstream: &str, onto: Oid) -> Result<()> {
    if !common_dir(&ready.admin_dir).join("shallow").exists() {
        return Ok(());
    }
    let (head, onto) = (ready.head.to_string(), onto.to_string());
    let shares = crate::git::git(&ready.lane.path)
        .output(["merge-base", head.as_str(), onto.as_str()])
        .is_ok_and(|o| o.code == 0);
    if shares {
        return Ok(());
    }
    Err(Error::refused(format!(
        "the repository is shallow and {} shares no commit with {upstream} in the history fetched so far; a rebase would replay base's own commits; nothing was changed",
        ready.lane.id
    ))
    .hint(format!(
        "fetch the full history (`git -C {} fetch --unshallow`), then run the command again",
        crate::ui::quote_path(&ready.lane.path)
    )))
}

/// Abort the stopped rebase and check that the branch is back where it was.
fn restore(ready: &Ready) -> Result<()> {
    let lane = ready.lane;
    ops::rebase_abort(&lane.path).map_err(|e| {
        e.context(format!(
            "the rebase of {} stopped and could not be aborted",
            lane.id
        ))
        .hint(format!(
            "run `git -C {} rebase --abort` by hand",
            crate::ui::quote_path(&lane.path)
        ))
    })?;
    let repo = Repository::open(&lane.path).map_err(|e| Error::git(e.message().to_string()))?;
    let branch_ref = format!("refs/heads/{}", lane.branch);
    let back = repo.head().is_ok_and(|h| {
        h.name().ok() == Some(branch_ref.as_str()) && h.target() == Some(ready.head)
    });
    if back {
        Ok(())
    } else {
        Err(Error::git(format!(
            "after aborting the rebase, {} is not back at {}",
            lane.id,
            short(ready.head)
        ))
        .hint(format!(
            "its old tip is in the reflog: `git -C {} reflog {}`",
            crate::ui::quote_path(&lane.path),
            lane.branch
        )))
    }
}

/// Where and why a rebase stopped.
struct Stop {
    upstream: String,
    files: Vec<String>,
    stopped_at: Option<String>,
    stderr: String,
}

impl Stop {
    fn what(&self) -> String {
        if self.files.is_empty() {
            "stopped".to_string()
        } else {
            format!("conflicts in {} file(s)", self.files.len())
        }
    }

    /// The conflicting files (or git's own words when there are none), then the lane commit
    /// that did not apply: `could not apply 1a2b3c4 subject`.
    fn details(&self, ready: &Ready) -> Vec<String> {
        let mut lines: Vec<String> = if self.files.is_empty() {
            self.stderr
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("hint:"))
                .map(str::to_string)
                .collect()
        } else {
            self.files
                .iter()
                .map(|f| format!("conflict: {f}"))
                .collect()
        };
        let stopped = self
            .stopped_at
            .as_deref()
            .and_then(|s| Oid::from_str(s).ok());
        if let Some(oid) = stopped {
            let subject = Repository::open(&ready.lane.path)
                .ok()
                .and_then(|r| {
                    let commit = r.find_commit(oid).ok()?;
                    commit.summary().ok().flatten().map(str::to_string)
                })
                .unwrap_or_default();
            lines.push(format!("could not apply {} {subject}", short(oid)));
        }
        lines
    }
}

fn conflict_restored(ready: &Ready, stop: &Stop) -> Error {
    let lane = ready.lane;
    let at = crate::ui::quote_path(&lane.path);
    let upstream = &stop.upstream;
    Error::conflict(format!(
        "rebasing {} onto {upstream} {}; the rebase was aborted and the lane is as it was",
        lane.id,
        stop.what()
    ))
    .details(stop.details(ready))
    .hint(format!(
        "resolve it by hand: `git -C {at} rebase {upstream}`, fix the files, `git add` them, `git rebase --continue`, then `wt sync {}`",
        lane.id
    ))
    .hint(format!("or let wt leave the conflict for you: `wt sync --keep-conflict {}`", lane.id))
}

fn conflict_kept(ready: &Ready, stop: &Stop) -> Error {
    let lane = ready.lane;
    let at = crate::ui::quote_path(&lane.path);
    Error::conflict(format!(
        "rebasing {} onto {} {}; the rebase is left in progress in {}",
        lane.id,
        stop.upstream,
        stop.what(),
        lane.path.display()
    ))
    .details(stop.details(ready))
    .hint(format!(
        "to continue: fix the files, `git -C {at} add <file>...`, `git -C {at} rebase --continue`, then `wt sync {}` to push",
        lane.id
    ))
    .hint(format!(
        "to give up: `git -C {at} rebase --abort` (the lane goes back to {})",
        short(ready.head)
    ))
}

/// Push the lane tip with the lease; Ok(false) when the remote already has it.
pub fn push_lane(
    info: &RepoInfo,
    remote: &str,
    ready: &Ready,
    tip: Oid,
    lease: Lease,
) -> Result<bool> {
    if lease == Lease::At(tip) {
        return Ok(false);
    }
    let result = ops::push_with_lease(&info.main, remote, &ready.lane.branch, tip, lease)
        .map_err(|e| e.context(format!("cannot push {} to {remote}", ready.lane.branch)))?;
    pushed_or_refused(info, remote, ready, result)
}

fn pushed_or_refused(
    info: &RepoInfo,
    remote: &str,
    ready: &Ready,
    result: Result<(), ops::Rejected>,
) -> Result<bool> {
    match result {
        Ok(()) => Ok(true),
        Err(rejected) if rejected.moved() => Err(lease_rejected(info, remote, ready)),
        Err(rejected) => Err(Error::git(format!(
            "{remote} refused {}: {}",
            ready.lane.branch, rejected.summary
        ))),
    }
}

/// The remote lane branch moved between our fetch and our push. Fetch again to show whose
/// commits are there; the lane itself keeps its (rebased) commits.
fn lease_rejected(info: &RepoInfo, remote: &str, ready: &Ready) -> Error {
    let _ = ops::fetch(&info.main, remote);
    let foreign = info.open().ok().and_then(|repo| {
        let tip = ops::resolve(&repo, &remote_lane_ref(remote, ready.lane))?;
        let branch_ref = format!("refs/heads/{}", ready.lane.branch);
        let theirs = !ops::integrated(&repo, &branch_ref, ready.head, tip);
        theirs.then(|| foreign_push(&repo, remote, ready, tip))
    });
    foreign.unwrap_or_else(|| {
        // why: without pruning, a remote-tracking ref can outlive a branch deleted on the remote.
        Error::git(format!(
            "{remote} rejected the push of {}: the branch there is not where wt expected; nothing was pushed",
            ready.lane.branch
        ))
        .hint(format!(
            "`git fetch --prune {remote}`, then run `wt sync {}` again",
            ready.lane.id
        ))
    })
}

/// The 7-character form of a commit id, for people.
pub fn short(oid: Oid) -> String {
    short_sha(&oid.to_string())
}

pub fn short_sha(sha: &str) -> String {
    sha.chars().take(7).collect()
}
