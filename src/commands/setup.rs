//! `wt setup [LANE...]`: create every missing lane worktree and branch, idempotently, and repair
//! what an interrupted or hand-edited setup left. Every lane is planned and checked before the
//! first change; branches are created one after another (git serializes ref and config writes),
//! then the checkouts run in parallel.

use crate::cli::LaneWords;
use crate::config::{Lane, Words};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::git::worktrees::{self, WorktreeEntry};
use crate::git::{git, BaseRef, RepoInfo};
use crate::lane_state;
use crate::parallel;
use clap::Args;
use serde::Serialize;

#[derive(Args, Debug)]
pub struct SetupArgs {
    #[command(flatten)]
    pub lanes: LaneWords,
    /// Do not fetch first (work from the remote-tracking refs already here).
    #[arg(long)]
    pub no_fetch: bool,
}

/// Where a new lane's branch comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Source {
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

#[derive(Serialize)]
struct Report {
    lane: String,
    path: std::path::PathBuf,
    branch: String,
    action: &'static str,
    source: Option<Source>,
    note: Option<String>,
}

pub fn run(ctx: &Context, args: SetupArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lanes = cfg.select_lanes(&Words::parse(&args.lanes.words)?)?;
    let _lock = ctx.lock("setup")?;
    setup_lanes(ctx, &lanes, !args.no_fetch)
}

/// Set up `lanes`; the caller holds the repository lock.
pub fn setup_lanes(ctx: &Context, lanes: &[&Lane], fetch: bool) -> Result<u8> {
    let cfg = ctx.config()?;
    let info = ctx.repo()?;
    let base = ctx.base()?;
    if let (Some(remote), true) = (&base.remote, fetch) {
        ctx.ui.status(&format!("fetching {remote}"));
        git(&info.main)
            .network()
            .run(["fetch", "--quiet", remote.as_str()])
            .map_err(|e| {
                e.context(format!("cannot fetch {remote}")).hint(
                    "check the remote, or run `wt setup --no-fetch` to set up from local refs",
                )
            })?;
    }
    let repo = info.open()?;
    let entries = lane_state::worktree_list(&repo, &info.main, &info.common_dir);
    let plans = plan_all(lanes, &entries, &repo, &base)?;
    std::fs::create_dir_all(&cfg.project.worktree_root)?;
    prepare(info, lanes, &plans, &base)?;
    let results = add_worktrees(ctx, info, lanes, &plans);
    report(ctx, lanes, &plans, results)
}

fn plan_all(
    lanes: &[&Lane],
    entries: &[WorktreeEntry],
    repo: &git2::Repository,
    base: &BaseRef,
) -> Result<Vec<Plan>> {
    let mut plans = Vec::new();
    let mut refusals = Vec::new();
    for lane in lanes {
        match plan(lane, entries, repo, base) {
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
        .hint(
            "move the listed paths away or finish what holds the branch, then run wt setup again",
        ));
    }
    Ok(plans)
}

fn plan(
    lane: &Lane,
    entries: &[WorktreeEntry],
    repo: &git2::Repository,
    base: &BaseRef,
) -> Result<Plan> {
    let state = lane_state::locate(lane, entries);
    if state.symlink {
        return Err(Error::refused(format!(
            "{} is a symlink; wt never follows one",
            lane.path.display()
        )));
    }
    if let Some(entry) = &state.entry {
        if let Some(repair) = repair_needed(entry)? {
            return Ok(Plan::Create {
                source: branch_source(lane, repo, base),
                repair: Some(repair),
            });
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
            "{} exists and is not this lane's worktree",
            lane.path.display()
        )));
    }
    if let Some(holder) = worktrees::find_by_branch(entries, &lane.branch) {
        return Err(Error::refused(format!(
            "branch {} is checked out at {}",
            lane.branch,
            holder.path.display()
        )));
    }
    Ok(Plan::Create {
        source: branch_source(lane, repo, base),
        repair: None,
    })
}

fn repair_needed(entry: &WorktreeEntry) -> Result<Option<Repair>> {
    match (&entry.locked, entry.missing) {
        (Some(reason), _) if reason == "initializing" => Ok(Some(Repair::Initializing)),
        (Some(reason), true) => Err(Error::refused(format!(
            "the worktree at {} is missing but locked ({reason})",
            entry.path.display()
        ))),
        (None, true) => Ok(Some(Repair::MissingDir)),
        _ => Ok(None),
    }
}

fn branch_source(lane: &Lane, repo: &git2::Repository, base: &BaseRef) -> Source {
    let has = |r: String| repo.refname_to_id(&r).is_ok();
    if has(format!("refs/heads/{}", lane.branch)) {
        Source::LocalBranch
    } else if base
        .remote
        .as_ref()
        .is_some_and(|r| has(format!("refs/remotes/{r}/{}", lane.branch)))
    {
        Source::RemoteBranch
    } else {
        Source::Base
    }
}

fn is_empty_dir(path: &std::path::Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
}

/// The serial part: clear broken registrations and create branches.
fn prepare(info: &RepoInfo, lanes: &[&Lane], plans: &[Plan], base: &BaseRef) -> Result<()> {
    let main = git(&info.main);
    for (lane, plan) in lanes.iter().zip(plans) {
        let Plan::Create { source, repair } = plan else {
            continue;
        };
        let path = lane.path.as_os_str();
        match repair {
            // why: remove just this registration; a global prune would also drop other lanes
            // whose directories are only temporarily absent.
            Some(Repair::MissingDir) => {
                main.run([std::ffi::OsStr::new("worktree"), "remove".as_ref(), path])?;
            }
            // why: a killed `worktree add` leaves a partial checkout locked "initializing";
            // git needs the double force to clear that lock. It holds no user work yet.
            Some(Repair::Initializing) => {
                main.run([
                    std::ffi::OsStr::new("worktree"),
                    "remove".as_ref(),
                    "-f".as_ref(),
                    "-f".as_ref(),
                    path,
                ])?;
            }
            None => {}
        }
        match source {
            Source::LocalBranch => {}
            Source::RemoteBranch => {
                let remote = base.remote.as_deref().unwrap_or("origin");
                main.run([
                    "branch",
                    "--track",
                    &lane.branch,
                    &format!("{remote}/{}", lane.branch),
                ])?;
            }
            // why: --no-track, so a later plain `git push` or `branch -d` cannot act on base.
            Source::Base => {
                main.run(["branch", "--no-track", &lane.branch, &base.upstream_ref()])?;
            }
        }
    }
    Ok(())
}

fn add_worktrees(
    ctx: &Context,
    info: &RepoInfo,
    lanes: &[&Lane],
    plans: &[Plan],
) -> Vec<Result<()>> {
    let jobs: Vec<(&Lane, bool)> = lanes
        .iter()
        .zip(plans)
        .map(|(l, p)| (*l, matches!(p, Plan::Create { .. })))
        .collect();
    let todo = jobs.iter().filter(|j| j.1).count();
    let progress = ctx.ui.progress(todo, "setup");
    let results = parallel::map(&jobs, |(lane, create)| {
        if !create {
            return Ok(());
        }
        progress.message(&lane.id);
        let r = git(&info.main)
            .run([
                std::ffi::OsStr::new("worktree"),
                "add".as_ref(),
                "--quiet".as_ref(),
                lane.path.as_os_str(),
                lane.branch.as_ref(),
            ])
            .map(|_| ())
            .map_err(|e| e.context(format!("cannot add the worktree of {}", lane.id)));
        progress.inc();
        r
    });
    progress.finish();
    results
}

fn report(ctx: &Context, lanes: &[&Lane], plans: &[Plan], results: Vec<Result<()>>) -> Result<u8> {
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for ((lane, plan), result) in lanes.iter().zip(plans).zip(results) {
        let (action, source, note) = match (plan, &result) {
            (_, Err(e)) => {
                failed.push(e.clone());
                ("failed", None, Some(e.message.clone()))
            }
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
        ctx.ui
            .status(&describe(lane, action, source.as_ref(), note.as_deref()));
        rows.push(Report {
            lane: lane.id.clone(),
            path: lane.path.clone(),
            branch: lane.branch.clone(),
            action,
            source,
            note,
        });
    }
    let changed = rows.iter().filter(|r| r.action != "unchanged").count();
    if changed == 0 {
        ctx.ui.success(&format!(
            "nothing to do: {} lane(s) already set up",
            rows.len()
        ));
    }
    if ctx.ui.json_mode() {
        ctx.ui.json(&rows);
    }
    match failed.into_iter().next() {
        Some(first) => Err(first),
        None => Ok(0),
    }
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
