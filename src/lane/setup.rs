//! Setting lanes up, idempotently, and repairing what an interrupted or hand-edited setup left.
//! Every lane is planned and checked before the first change (and before the fetch, so a
//! refused setup does not even touch remote-tracking refs); branches are created and worktrees
//! registered one lane after another, then the checkouts run in parallel.

use crate::config::Lane;
use crate::error::{Error, Result};
use crate::git::lanes::{self as lane_git, Force};
use crate::git::worktrees::{self, WorktreeEntry};
use crate::git::{ops, BaseRef, GitError, RepoInfo, Repository};
use crate::lane::{state, Events, Site};
use crate::sys::parallel;
use crate::sys::quote::quote_path;
use serde::Serialize;

/// Where a new lane's branch comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The local branch exists already (maybe left by an interrupted setup).
    LocalBranch,
    /// The remote has the lane branch: track it.
    RemoteBranch,
    /// A new branch from base, not tracking it.
    Base,
}

#[derive(Debug, Clone)]
enum Plan {
    Unchanged {
        note: Option<String>,
    },
    Create {
        source: Source,
        repair: Option<Repair>,
    },
}

#[derive(Debug, Clone)]
enum Repair {
    /// Registered, but its directory was deleted by hand.
    MissingDir,
    /// Left locked "initializing" by a killed `git worktree add`.
    Initializing,
}

/// How `setup_lanes_with` chooses.
#[derive(Debug, Clone, Copy, Default)]
pub struct SetupOptions {
    /// Fetch the remote first.
    pub fetch: bool,
    /// Start new branches from base even when the remote still has the lane branch: used by
    /// `teardown --recreate` after deleting a branch whose work is all on base, so that the
    /// stale remote copy is not checked out again.
    pub fresh_from_base: bool,
}

/// Set up `lanes` as `opts` says; the caller holds the repository lock.
pub fn setup_lanes(
    site: &Site,
    events: &dyn Events,
    lanes: &[&Lane],
    opts: SetupOptions,
) -> Result<Vec<Done>> {
    let (cfg, info, base) = (site.cfg, site.info, site.base);
    let repo = info.open()?;
    // why: refusals depend only on local state; find them before the network is touched.
    let entries = state::worktree_list(&repo, &info.main, &info.common_dir);
    plan_all(lanes, &entries, &repo, base, opts.fresh_from_base)?;
    if let (Some(remote), true) = (&base.remote, opts.fetch) {
        events.status(&format!("fetching {remote}"));
        ops::fetch(&info.main, remote).map_err(|e| {
            e.context(format!("cannot fetch {remote}"))
                .hint("check the remote, or run `wt setup --no-fetch` to set up from local refs")
        })?;
    }
    // Planned again, on a fresh handle: the fetch may have brought a lane branch.
    let repo = info.open()?;
    let plans = plan_all(lanes, &entries, &repo, base, opts.fresh_from_base)?;
    let root = &cfg.project.worktree_root;
    std::fs::create_dir_all(root)
        .map_err(|e| Error::io(format!("cannot create {}", root.display()), e))?;
    let prepared = prepare(info, lanes, &plans, base);
    let results =
        crate::lane::task::with_summary_remembered(site, || add_worktrees(events, lanes, prepared));
    for ((lane, plan), result) in lanes.iter().zip(&plans).zip(&results) {
        let adopted = matches!(
            plan,
            Plan::Create {
                source: Source::RemoteBranch,
                ..
            }
        );
        if adopted && result.is_ok() {
            if let Some(w) = adopt_warning(lane, &repo, base) {
                events.warn(&w);
            }
        }
    }
    Ok(done(events, lanes, &plans, results))
}

/// The first failure among `rows`, taken out to be returned as the command's error.
pub fn first_failure(rows: &mut [Done]) -> Option<Error> {
    rows.iter_mut().find_map(|r| r.error.take())
}

/// What setup did to one lane; `wt setup --json` prints one per lane.
#[derive(Serialize)]
pub struct Done {
    pub lane: String,
    #[serde(serialize_with = "crate::sys::files::lossy_path")]
    pub path: std::path::PathBuf,
    pub branch: String,
    /// created, repaired, unchanged or failed.
    pub action: &'static str,
    pub source: Option<Source>,
    pub note: Option<String>,
    #[serde(skip)]
    pub error: Option<Error>,
}

/// One row per lane, each also told as a status line.
fn done(
    events: &dyn Events,
    lanes: &[&Lane],
    plans: &[Plan],
    results: Vec<Result<()>>,
) -> Vec<Done> {
    let mut rows = Vec::new();
    for ((lane, plan), result) in lanes.iter().zip(plans).zip(results) {
        let (action, source, note) = match (plan, &result) {
            (_, Err(e)) => ("failed", None, Some(e.message.clone())),
            (Plan::Unchanged { note }, Ok(())) => ("unchanged", None, note.clone()),
            (
                Plan::Create {
                    source,
                    repair: Some(r),
                },
                Ok(()),
            ) => ("repaired", Some(source.clone()), Some(repair_text(r))),
            (
                Plan::Create {
                    source,
                    repair: None,
                },
                Ok(()),
            ) => ("created", Some(source.clone()), None),
        };
        events.status(&describe(lane, action, source.as_ref(), note.as_deref()));
        rows.push(Done {
            lane: lane.id.clone(),
            path: lane.path.clone(),
            branch: lane.branch.clone(),
            action,
            source,
            note,
            error: result.err(),
        });
    }
    if rows.iter().all(|r| r.action == "unchanged") {
        events.success(&format!(
            "nothing to do: {} lane(s) already set up",
            rows.len()
        ));
    }
    rows
}

fn plan_all(
    lanes: &[&Lane],
    entries: &[WorktreeEntry],
    repo: &Repository,
    base: &BaseRef,
    fresh: bool,
) -> Result<Vec<Plan>> {
    let mut plans = Vec::new();
    let mut refusals = Vec::new();
    for lane in lanes {
        match plan(lane, entries, repo, base, fresh) {
            Ok(p) => plans.push(p),
            Err(e) => refusals.push(format!("{}: {}", lane.id, e.message)),
        }
    }
    if !refusals.is_empty() {
        return Err(Error::refused(format!(
            "setup refused for {} lane(s); nothing was changed",
            refusals.len()
        ))
        .details(refusals)
        .hint("deal with each lane listed above, then run wt setup again"));
    }
    Ok(plans)
}

fn plan(
    lane: &Lane,
    entries: &[WorktreeEntry],
    repo: &Repository,
    base: &BaseRef,
    fresh: bool,
) -> Result<Plan> {
    let state = state::locate(lane, entries);
    let path = quote_path(&lane.path);
    if state.symlink {
        return Err(Error::refused(format!(
            "{path} is a symlink; wt never follows one: remove the link"
        )));
    }
    let source = || branch_source(lane, repo, base, fresh);
    if let Some(entry) = &state.entry {
        if entry.id.is_none() {
            return Err(Error::refused(format!(
                "{path} is the main checkout: change worktree_root or dir_template in lanes.toml"
            )));
        }
        if let Some(repair) = repair_needed(entry)? {
            if let Some(holder) = held_elsewhere(entries, &lane.branch, entry) {
                return Err(held_error(lane, holder));
            }
            let source = source();
            refuse_unrelated(lane, repo, base, &source)?;
            return Ok(Plan::Create {
                source,
                repair: Some(repair),
            });
        }
        if state.broken {
            return Err(Error::refused(format!(
                "{path} is registered as a worktree but its .git file is missing or points \
                 elsewhere: if it is this lane's, run `git worktree repair {path}`, else move it away"
            )));
        }
        let note = match entry.branch() {
            Some(b) if b == lane.branch => None,
            Some(b) => Some(format!("on branch {b}, not {}", lane.branch)),
            None => Some("HEAD is detached".to_string()),
        };
        return Ok(Plan::Unchanged { note });
    }
    if state.foreign && !is_empty_dir(&lane.path) {
        return Err(Error::refused(format!(
            "{path} exists and is not this lane's worktree: move it away"
        )));
    }
    if let Some(holder) = worktrees::find_by_branch(entries, &lane.branch) {
        return Err(held_error(lane, holder));
    }
    let source = source();
    refuse_unrelated(lane, repo, base, &source)?;
    Ok(Plan::Create {
        source,
        repair: None,
    })
}

/// The branch a new lane would adopt (local, or the remote's) shares no commit with base: an
/// unrelated branch that happens to have the lane's name. Adopting it would land its foreign
/// history on base at the first merge. (A shallow clone may just not have the common commit:
/// sync and merge judge that case.)
fn refuse_unrelated(lane: &Lane, repo: &Repository, base: &BaseRef, source: &Source) -> Result<()> {
    let (refname, whose) = match (source, &base.remote) {
        (Source::LocalBranch, _) => (format!("refs/heads/{}", lane.branch), "local branch"),
        (Source::RemoteBranch, Some(r)) => (
            format!("refs/remotes/{r}/{}", lane.branch),
            "the remote's branch",
        ),
        _ => return Ok(()),
    };
    let (Some(tip), Some(base_tip)) = (ops::resolve(repo, &refname), base.tip(repo)) else {
        return Ok(());
    };
    if ops::is_shallow(repo) || ops::merge_base(repo, tip, base_tip).is_some() {
        return Ok(());
    }
    let b = &lane.branch;
    let fix = match source {
        Source::LocalBranch => format!(
            "keep it under another name: `git branch -m {b} {b}-unrelated`, then run wt setup again"
        ),
        _ => "it is someone else's branch: rename the role or change branch_template in lanes.toml"
            .to_string(),
    };
    Err(Error::refused(format!(
        "{whose} {b} shares no history with {} (an unrelated branch, not this lane's); {fix}",
        base.upstream_name()
    )))
}

/// A warning for a lane that adopts the remote's branch: wt did not create it on this machine,
/// and its work lands on base at the lane's first merge, so name whose it is.
fn adopt_warning(lane: &Lane, repo: &Repository, base: &BaseRef) -> Option<String> {
    let remote = base.remote.as_deref()?;
    let tracking = format!("refs/remotes/{remote}/{}", lane.branch);
    let tip = ops::resolve(repo, &tracking)?;
    if ops::pushed_from_here(repo, &tracking, tip) {
        return None;
    }
    let last = ops::commit_line(repo, tip)?;
    Some(format!(
        "{}: adopting {remote}/{}, which wt did not create here (last commit {last}); if it is not this lane's work, run `wt teardown {}` and rename the role or change branch_template",
        lane.id, lane.branch, lane.id
    ))
}

/// Another worktree than `own` that has `branch` checked out.
fn held_elsewhere<'a>(
    entries: &'a [WorktreeEntry],
    branch: &str,
    own: &WorktreeEntry,
) -> Option<&'a WorktreeEntry> {
    entries.iter().find(|e| {
        e.admin_dir != own.admin_dir
            && (e.branch() == Some(branch) || e.rebasing_branch().as_deref() == Some(branch))
    })
}

fn held_error(lane: &Lane, holder: &WorktreeEntry) -> Error {
    Error::refused(format!(
        "branch {} is checked out in {}: switch that worktree to another branch first",
        lane.branch,
        quote_path(&holder.path)
    ))
}

fn repair_needed(entry: &WorktreeEntry) -> Result<Option<Repair>> {
    let path = quote_path(&entry.path);
    match (&entry.locked, entry.missing) {
        // why: `worktree remove -f -f` validates the directory's `.git` first; without it the
        // repair would fail halfway, so refuse before changing anything.
        (Some(reason), false) if reason == INITIALIZING && !entry.intact => {
            Err(Error::refused(format!(
                "{path} was left half-made by a killed setup and has no valid .git file: \
                 move it away, then run wt setup again"
            )))
        }
        (Some(reason), _) if reason == INITIALIZING => Ok(Some(Repair::Initializing)),
        (Some(reason), true) => Err(Error::refused(format!(
            "{path} is missing but its registration is locked ({reason}): \
             run `git worktree unlock {path}` if nobody uses it"
        ))),
        (None, true) => Ok(Some(Repair::MissingDir)),
        _ => Ok(None),
    }
}

fn branch_source(lane: &Lane, repo: &Repository, base: &BaseRef, fresh: bool) -> Source {
    if ops::resolve(repo, &format!("refs/heads/{}", lane.branch)).is_some() {
        Source::LocalBranch
    } else if !fresh && remote_has_work(lane, repo, base) {
        Source::RemoteBranch
    } else {
        Source::Base
    }
}

/// The remote has the lane branch with commits that base does not have. A remote lane branch
/// already merged into base (left behind by a teardown) is history, not work: a new lane starts
/// from base instead of from that stale tip.
fn remote_has_work(lane: &Lane, repo: &Repository, base: &BaseRef) -> bool {
    let Some(remote) = &base.remote else {
        return false;
    };
    let Some(tip) = ops::resolve(repo, &format!("refs/remotes/{remote}/{}", lane.branch)) else {
        return false;
    };
    match base.tip(repo) {
        Some(b) => !ops::is_ancestor(repo, tip, b),
        None => true,
    }
}

fn is_empty_dir(path: &std::path::Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}

/// The serial part, one lane after another: clear a broken registration, create the branch, and
/// register the worktree without checking it out. Returns, per lane, whether it now waits for its
/// checkout (`Ok(true)`), or why it failed.
///
/// why serial: `git worktree add` reads every other worktree's admin dir, and fails ("failed to
/// read .git/worktrees/<id>/commondir") when another `add` is creating one at that moment.
fn prepare(info: &RepoInfo, lanes: &[&Lane], plans: &[Plan], base: &BaseRef) -> Vec<Result<bool>> {
    lanes
        .iter()
        .zip(plans)
        .map(|(lane, plan)| match plan {
            Plan::Unchanged { .. } => Ok(false),
            Plan::Create { source, repair } => {
                prepare_one(info, lane, source, repair.as_ref(), base)
                    .map(|()| true)
                    .map_err(|e| e.context(format!("cannot add the worktree of {}", lane.id)))
            }
        })
        .collect()
}

fn prepare_one(
    info: &RepoInfo,
    lane: &Lane,
    source: &Source,
    repair: Option<&Repair>,
    base: &BaseRef,
) -> std::result::Result<(), GitError> {
    let main = &info.main;
    match repair {
        Some(Repair::MissingDir) => lane_git::remove_worktree(main, &lane.path, Force::No)?,
        // why: a killed `worktree add` leaves a partial checkout locked "initializing"; git
        // needs the double force to clear that lock. It holds no user work yet.
        Some(Repair::Initializing) => lane_git::remove_worktree(main, &lane.path, Force::Locked)?,
        None => {}
    }
    match source {
        Source::LocalBranch => {}
        Source::RemoteBranch => {
            let remote = base.remote.as_deref().unwrap_or("origin");
            let start = format!("refs/remotes/{remote}/{}", lane.branch);
            lane_git::create_branch(main, &lane.branch, &start, true)?;
        }
        Source::Base => lane_git::create_branch(main, &lane.branch, &base.upstream_ref(), false)?,
    }
    // why: registered locked "initializing", exactly as a `git worktree add` killed during its
    // checkout leaves it, so a setup killed before `unlock` is repaired by the next run.
    lane_git::register_worktree(main, &lane.path, &lane.branch, INITIALIZING)
}

/// The lock reason git itself writes while `worktree add` checks out.
const INITIALIZING: &str = "initializing";

/// The parallel part: check out each registered worktree, unlock it, and run the
/// `post-checkout` hook as `git worktree add` would have.
fn add_worktrees(
    events: &dyn Events,
    lanes: &[&Lane],
    prepared: Vec<Result<bool>>,
) -> Vec<Result<()>> {
    let jobs: Vec<(&Lane, Result<bool>)> = lanes.iter().copied().zip(prepared).collect();
    let todo = jobs.iter().filter(|j| matches!(j.1, Ok(true))).count();
    let progress = events.progress(todo, "setup");
    let results = parallel::map(&jobs, |(lane, prepared)| match prepared {
        Ok(false) => Ok(()),
        Err(e) => Err(e.clone()),
        Ok(true) => {
            progress.message(&lane.id);
            let r = lane_git::check_out_worktree(&lane.path)
                .map_err(|e| e.context(format!("cannot check out the worktree of {}", lane.id)));
            progress.inc();
            r
        }
    });
    progress.finish();
    results
}

/// `git branch --track` writes `.git/config`; with another process's `config.lock` in the way it
/// creates the branch and then fails to record its upstream (G9.12), half a setup. A live git
/// holds that lock for milliseconds: wait a moment, then refuse before changing anything.
pub fn refuse_config_lock(info: &RepoInfo) -> Result<()> {
    let lock = info.common_dir.join("config.lock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while lock.exists() {
        if std::time::Instant::now() >= deadline {
            return Err(Error::refused(format!(
                "git's lock file {} exists (another git process is writing the config, or one crashed and left it); nothing was changed",
                lock.display()
            ))
            .hint(format!(
                "if no git process is running in this repository, delete it (`rm {}`), then run wt setup again",
                crate::sys::quote::quote_path(&lock)
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Ok(())
}

fn repair_text(r: &Repair) -> String {
    match r {
        Repair::MissingDir => "its directory had been deleted; re-added".to_string(),
        Repair::Initializing => {
            "a killed setup had left it locked \"initializing\"; re-added".to_string()
        }
    }
}

fn describe(lane: &Lane, action: &str, source: Option<&Source>, note: Option<&str>) -> String {
    let from = match source {
        Some(Source::LocalBranch) => format!(" on existing branch {}", lane.branch),
        Some(Source::RemoteBranch) => format!(" tracking the remote's {}", lane.branch),
        Some(Source::Base) => format!(" on new branch {} from base", lane.branch),
        None => String::new(),
    };
    let note = note.map(|n| format!(" ({n})")).unwrap_or_default();
    match action {
        "unchanged" => format!(
            "{}: already set up at {}{note}",
            lane.id,
            lane.path.display()
        ),
        other => format!("{}: {other} {}{from}{note}", lane.id, lane.path.display()),
    }
}
