//! The merge itself: each step of the walk that changes something, done, with the journal kept
//! so that a killed merge is finished (or started over) exactly once by the next run.

use super::{oid, Landing, Merged, Pushed, Walker};
use crate::config::Lane;
use crate::error::{Error, Kind, Result};
use crate::git::ops;
use crate::git::{short, short_sha, BaseRef, Oid, RepoInfo};
use crate::lane::checks::{self, Command};
use crate::lane::handoff::{self, Subject};
use crate::lane::journal::{self, Journal, Phase};
use crate::lane::ready::Ready;
use crate::lane::task::{self, ClaimedTask};
use crate::lane::{push, rebase, Events, Site};
use crate::sys::files;
use crate::sys::lock::RepoLock;
use crate::sys::quote::quote_path as sh;
use std::path::PathBuf;

pub struct Real<'a> {
    pub site: &'a Site<'a>,
    pub events: &'a dyn Events,
    /// What the lock file says this `wt` is doing.
    pub what: String,
    /// The repository lock, while held.
    pub held: Option<RepoLock>,
}

impl Walker for Real<'_> {
    fn serialize(&mut self) -> Result<()> {
        if self.held.is_none() {
            let dir = self.site.info.common_dir.join("wt");
            let events = self.events;
            self.held = Some(RepoLock::acquire_with_notice(
                &dir,
                self.site.wait,
                &self.what,
                |line| events.status(line),
            )?);
        }
        Ok(())
    }

    fn unserialize(&mut self) {
        self.held = None;
    }

    fn step(&mut self, n: u32, what: &str) {
        self.events.step(&format!("{n}/8 {what}"));
    }

    fn note(&mut self, _: u32, _: String) {}

    fn interrupted(&mut self, lane: &Lane) -> Result<Option<Journal>> {
        let (cfg, info, base) = (self.site.cfg, self.site.info, self.site.base);
        if let Some(qc) = cfg.queue.as_ref().filter(|qc| qc.commit) {
            crate::queue::store::undo_interrupted(self.events, info, base, qc)?;
        }
        if let Some(j) = journal::read(info, &lane.id)? {
            if let Some(j) = landed_already(self.events, info, base, j)? {
                self.events.status(&format!(
                    "finishing the interrupted merge of {}: {} is already on {}",
                    lane.id,
                    short_sha(&j.tip),
                    base.upstream_name()
                ));
                return Ok(Some(j));
            }
        }
        rebase::recover_interrupted(self.events, info, lane)?;
        Ok(None)
    }

    fn fetch(&mut self) -> Result<Oid> {
        let onto = push::fetch_base(self.events, self.site.info, self.site.base)?;
        crate::lane::review::fetch(self.site.info, self.site.base)?;
        Ok(onto)
    }

    fn rebase(&mut self, ready: &Ready, onto: Oid) -> Result<Oid> {
        rebase::rebase_onto(ready, self.site.base, onto, false)
    }

    fn check(
        &mut self,
        ready: &Ready,
        tip: Oid,
        task: Option<&ClaimedTask>,
        commands: &[Command],
    ) -> Result<()> {
        let lane = ready.lane;
        let info = self.site.info;
        let record = checks::run_checks(self.events, info, lane, tip, task, commands, true)?;
        match record.ok {
            true => Ok(()),
            false => Err(checks::failure(lane, &record)),
        }
    }

    fn push(&mut self, ready: &Ready, landing: Landing) -> Result<Pushed> {
        let (info, base) = (self.site.info, self.site.base);
        journal::write(info, &landing.journal)?;
        self.step(
            6,
            &format!(
                "push {} and fast-forward {}",
                ready.lane.branch,
                base.upstream_name()
            ),
        );
        push_both(info, base, ready, &landing)
    }

    fn finish(&mut self, lane: &Lane, j: Journal) -> Result<Option<Merged>> {
        finish(self.site, self.events, lane, j).map(Some)
    }
}

/// A journal left by a killed merge: if base already has its tip, the journal (advanced to
/// `Landed`) to finish from; otherwise nothing landed, so it is dropped and the merge starts over.
fn landed_already(
    events: &dyn Events,
    info: &RepoInfo,
    base: &BaseRef,
    mut j: Journal,
) -> Result<Option<Journal>> {
    let upstream = push::fetch_base(events, info, base)?;
    let repo = info.open()?;
    if j.phase >= Phase::Landed || ops::is_ancestor(&repo, oid(&j.tip)?, upstream) {
        j.phase = j.phase.max(Phase::Landed);
        journal::write(info, &j)?;
        return Ok(Some(j));
    }
    events.warn(&format!(
        "an interrupted merge of {} ({}) never reached {}; starting over",
        j.lane,
        short_sha(&j.tip),
        base.upstream_name()
    ));
    journal::remove(info, &j.lane)?;
    Ok(None)
}

/// Step 6: push the lane with its lease, then the tip to base as a fast-forward (or, without a
/// remote, fast-forward the local base). Advances the journal to `Landed`.
fn push_both(info: &RepoInfo, base: &BaseRef, ready: &Ready, landing: &Landing) -> Result<Pushed> {
    let (tip, j) = (landing.tip, &landing.journal);
    let drop_journal = |_: &Error| {
        let _ = journal::remove(info, &j.lane);
    };
    let (Some(remote), Some(lease)) = (&base.remote, landing.lease) else {
        // why: without a remote, base moving while the checks ran shows as a local base the tip
        // does not contain: rebase and check again, as a refused push would.
        let repo = info.open()?;
        if let Some(local) = ops::resolve(&repo, &base.local_ref()) {
            if !ops::is_ancestor(&repo, local, tip) {
                journal::remove(info, &j.lane)?;
                return Ok(Pushed::BaseMoved);
            }
        }
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
    push::push_lane(info, remote, ready, tip, lease).inspect_err(drop_journal)?;
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
fn finish(site: &Site, events: &dyn Events, lane: &Lane, mut j: Journal) -> Result<Merged> {
    let (info, base) = (site.info, site.base);
    let tip = oid(&j.tip)?;
    fast_forward_main(events, site.cfg, info, base, tip);
    events.step("7/8 task and handoff");
    if j.phase < Phase::Marked {
        match &j.task {
            Some(task) => {
                let extra = j
                    .evidence
                    .as_ref()
                    .map(|e| e.queue_fields())
                    .unwrap_or_default();
                task::mark_done(site, events, task, &j.tip, &extra).map_err(|e| {
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
                        kind: Kind::Git,
                        ..e
                    }
                    .hint(format!("run `wt merge {}` again to finish", lane.id))
                })?;
                events.success(&format!("{task} marked done"));
            }
            None => events.warn(&format!(
                "{} has no claimed task: merged all the same, no task marked done",
                lane.id
            )),
        }
        j.phase = Phase::Marked;
        journal::write(info, &j)?;
    }
    let repo = info.open()?;
    let handoff_path = record_handoff(info, &repo, base, lane, &j)?;
    crate::lane::review::spend(events, info, base, lane);
    crate::lane::evidence::forget(info, lane);
    journal::remove(info, &lane.id)?;
    events.step("8/8 merged");
    let h = handoff::collect(
        info,
        &repo,
        base,
        Subject {
            lane,
            base_commit: oid(&j.base_before)?,
            head: tip,
            task_id: None,
            status: None,
            depends_on_satisfied: None,
            risks: Vec::new(),
            next: None,
            evidence: None,
        },
    );
    Ok(Merged {
        journal: j,
        handoff: handoff_path,
        commits: h.commits,
        files: h.files,
    })
}

/// Bring base in the main checkout up to the landed tip (with a remote; without one step 6 did).
/// The work is on the remote already, so a failure here is a warning with the command to run.
fn fast_forward_main(
    events: &dyn Events,
    cfg: &crate::config::Config,
    info: &RepoInfo,
    base: &BaseRef,
    tip: Oid,
) {
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
        events.warn(&format!(
            "{} in the main checkout has commits the merged tip lacks; not fast-forwarded",
            base.name
        ));
        return;
    }
    // why: the tip carries the queue commits other machines pushed meanwhile; the queue file
    // is written by rename first so that readers never see git rewrite it in place.
    let queue = cfg.queue.as_ref().filter(|qc| qc.commit);
    let prepared = match queue {
        Some(qc) => {
            crate::queue::store::prepare_move(info, &qc.path, &tip.to_string()).unwrap_or(false)
        }
        None => false,
    };
    let merged = ops::merge_ff_only(&info.main, tip);
    if let (Some(qc), true, true) = (queue, prepared, merged.is_err()) {
        crate::queue::store::unprepare(info, &qc.path);
    }
    ops::refresh_index(&info.main);
    if let Err(e) = merged {
        events.warn(&format!(
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
    repo: &crate::git::Repository,
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
        evidence: j.evidence.clone(),
    };
    let text = handoff::render(&handoff::collect(info, repo, base, subject));
    let name = j.task.as_deref().unwrap_or(&lane.id);
    let path = info.wt_dir("handoffs").join(format!(
        "{name}-{}.md",
        crate::sys::clock::file_stamp(&j.started_at)
    ));
    files::write_atomic(&path, text.as_bytes())?;
    // why: `wt handoff LANE` right after a merge has no new work to report; this pointer lets it
    // show the report the merge recorded instead of an empty one.
    let pointer = handoff::latest_pointer(info, lane);
    files::write_atomic(&pointer, path.to_string_lossy().as_bytes())?;
    Ok(path)
}
