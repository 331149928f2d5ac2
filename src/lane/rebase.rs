//! Rebasing a lane onto base in its own worktree, and undoing it exactly: a conflict is aborted
//! and the lane checked back at its old tip (or, when asked, left in progress with the commands
//! to finish it); a rebase of wt's own cut short by a kill is recognised by its marker and
//! undone by the next run. A rebase the user started is never touched.

use crate::config::Lane;
use crate::error::{Error, Result};
use crate::git::ops::{self, Rebase};
use crate::git::status::{self, Operation, StatusOptions};
use crate::git::{short, short_sha, BaseRef, Oid, RepoInfo};
use crate::lane::ready::{common_dir, Ready};
use crate::lane::state;
use crate::sys::events::Events;
use crate::sys::files;
use std::path::{Path, PathBuf};

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

/// Undo what an interrupted `wt sync` or `wt merge` left in a lane: its own rebase, stopped
/// half-way (wt was killed, or Ctrl-C killed git with it). The lane was clean when wt started,
/// so with no change in the worktree since, `git rebase --abort` puts it back exactly as it was;
/// anything else is left to the user with the command to run. A rebase the user started (no
/// marker, or another `orig-head`) is never touched.
/// Someone committed on the detached HEAD of the rebase an interrupted wt left (an agent's
/// `git commit` works there): aborting would drop those commits, so nothing is touched and the
/// two commands that keep them are given.
fn refuse_commits_on_the_stop(
    repo: &crate::git::Repository,
    admin_dir: &std::path::Path,
    lane: &Lane,
    at: &str,
    was: &str,
) -> Result<()> {
    let extra = crate::git::conflict::commits_on_a_stopped_rebase(repo, admin_dir);
    if extra.is_empty() {
        return Ok(());
    }
    // why: not `rebase --continue`: wt was killed in the middle of a pick, which git already
    // counts as done, so continuing would silently drop that pick.
    let oldest_first = extra
        .iter()
        .rev()
        .map(|(oid, _)| oid.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    Err(Error::refused(format!(
        "{}: an interrupted wt left a rebase in progress in {}, and {} commit(s) were made on top of it since; nothing was changed",
        lane.id,
        lane.path.display(),
        extra.len()
    ))
    .details(extra.iter().take(10).map(|(oid, subject)| format!("{} {subject}", short(*oid))))
    .hint(format!(
        "`git -C {at} rebase --abort` (the lane goes back to {was}), then `git -C {at} cherry-pick {}` puts them back on top; then run the command again",
        oldest_first
    )))
}

pub fn recover_interrupted(events: &dyn Events, info: &RepoInfo, lane: &Lane) -> Result<()> {
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
    let orig_head = crate::git::conflict::rebase_state(&entry.admin_dir, "orig-head")
        .map(|oid| oid.to_string());
    if state.operation != Some(Operation::Rebase) || orig_head.as_deref() != Some(&recorded) {
        // why: the rebase finished after all (its git outlived a killed wt), or this one is
        // the user's: nothing of wt's to undo.
        files::remove(&marker)?;
        return Ok(());
    }
    let at = crate::sys::quote::quote_path(&lane.path);
    let was = short_sha(&recorded);
    refuse_commits_on_the_stop(&repo, &entry.admin_dir, lane, &at, &was)?;
    let dirty = status::read(&entry.path, &StatusOptions::TRACKED)?;
    let changed = dirty.tracked_changed();
    // why: a rebase stopped on a conflict leaves unmerged paths, files with markers and the
    // clean part of the pick staged: git's own state, not anyone's work, and aborting discards
    // only that. Whatever differs from git's merge of the stopped commit is someone's edit.
    let edits = match changed {
        false => Some(Vec::new()),
        true => crate::git::conflict::edits_beyond_conflict(&entry.path)?,
    };
    let edited = match &edits {
        Some(paths) if paths.is_empty() => None,
        Some(paths) => Some(paths.clone()),
        None => Some(dirty.paths.clone()),
    };
    if let Some(paths) = edited {
        return Err(Error::refused(format!(
            "{}: an interrupted wt left a rebase in progress in {}, and files there were edited since git stopped; nothing was changed",
            lane.id,
            lane.path.display()
        ))
        .details(paths.iter().take(10).cloned())
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
    let branch_ref = format!("refs/heads/{}", lane.branch);
    let back = Oid::from_str(&recorded).is_ok_and(|at| ops::head_is(&lane.path, &branch_ref, at));
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
    files::remove(&marker)?;
    let conflict = if changed {
        format!(
            " (it had stopped on a conflict; the {} file(s) it changed held only what git wrote, now discarded)",
            dirty.paths.len()
        )
    } else {
        String::new()
    };
    events.warn(&format!(
        "{}: an interrupted wt had left a rebase in progress{conflict}; aborted it, the lane is back at {was}",
        lane.id
    ));
    Ok(())
}

/// Rebase the lane onto `onto` unless it already contains it; returns the new lane tip. On a
/// conflict the rebase is aborted and the lane restored (exit 4), or with `keep_conflict` left
/// in progress with the commands to finish it.
pub fn rebase_onto(ready: &Ready, base: &BaseRef, onto: Oid, keep_conflict: bool) -> Result<Oid> {
    let lane = ready.lane;
    let path = &lane.path;
    let repo = crate::git::repo::open_worktree(path)?;
    if ops::is_ancestor(&repo, onto, ready.head) {
        return Ok(ready.head);
    }
    let upstream = base.upstream_name();
    refuse_shallow_gap(ready, &upstream, onto)?;
    refuse_unrelated(ready, base, onto)?;
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
    files::write_atomic(&marker, ready.head.to_string().as_bytes())?;
    let outcome = ops::rebase(path, &ready.admin_dir, &onto.to_string());
    // why: after an error (git killed) the rebase may still be in progress: the marker stays
    // for the rerun, which removes it if there is nothing to undo.
    let over = matches!(outcome, Ok(Rebase::Done | Rebase::Refused(_)));
    if over || (keep_conflict && outcome.is_ok()) {
        files::remove(&marker)?;
    }
    match outcome? {
        Rebase::Done => {
            ops::refresh_index(path);
            ops::resolve(&repo, &format!("refs/heads/{}", lane.branch))
                .ok_or_else(|| Error::git(format!("{} vanished during the rebase", lane.branch)))
        }
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
                files::remove(&marker)?;
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
    if ops::shares_history(&ready.lane.path, ready.head, onto) {
        return Ok(());
    }
    Err(Error::refused(format!(
        "the repository is shallow and {} shares no commit with {upstream} in the history fetched so far; a rebase would replay base's own commits; nothing was changed",
        ready.lane.id
    ))
    .hint(format!(
        "fetch the full history (`git -C {} fetch --unshallow`), then run the command again",
        crate::sys::quote::quote_path(&ready.lane.path)
    )))
}

/// A lane branch that shares no commit with base (an unrelated branch that happened to have the
/// lane's name): a rebase would replay its whole foreign history onto base, and a merge would
/// land it. Refused, naming how to put the lane on base. (In a shallow clone the shallow check
/// answers first: there the missing history may be what hides the common commit.)
pub fn refuse_unrelated(ready: &Ready, base: &BaseRef, onto: Oid) -> Result<()> {
    if common_dir(&ready.admin_dir).join("shallow").exists() {
        return Ok(());
    }
    let repo = crate::git::repo::open_worktree(&ready.lane.path)?;
    if ops::merge_base(&repo, ready.head, onto).is_some() {
        return Ok(());
    }
    let lane = ready.lane;
    let upstream = base.upstream_name();
    let at = crate::sys::quote::quote_path(&lane.path);
    Err(Error::refused(format!(
        "{}: branch {} shares no history with {upstream} (an unrelated branch, not made from base); nothing was changed",
        lane.id, lane.branch
    ))
    .hint(format!(
        "keep it under another name and start the lane from base: `git -C {at} branch -m {b} {b}-unrelated && git -C {at} switch -c {b} --no-track {upstream}`",
        b = lane.branch
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
            crate::sys::quote::quote_path(&lane.path)
        ))
    })?;
    let branch_ref = format!("refs/heads/{}", lane.branch);
    let back = ops::head_is(&lane.path, &branch_ref, ready.head);
    if back {
        ops::refresh_index(&lane.path);
        Ok(())
    } else {
        Err(Error::git(format!(
            "after aborting the rebase, {} is not back at {}",
            lane.id,
            short(ready.head)
        ))
        .hint(format!(
            "its old tip is in the reflog: `git -C {} reflog {}`",
            crate::sys::quote::quote_path(&lane.path),
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
            let subject = crate::git::repo::open_worktree(&ready.lane.path)
                .ok()
                .and_then(|r| ops::subject(&r, oid))
                .unwrap_or_default();
            lines.push(format!("could not apply {} {subject}", short(oid)));
        }
        lines
    }
}

fn conflict_restored(ready: &Ready, stop: &Stop) -> Error {
    let lane = ready.lane;
    let at = crate::sys::quote::quote_path(&lane.path);
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
    let at = crate::sys::quote::quote_path(&lane.path);
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
