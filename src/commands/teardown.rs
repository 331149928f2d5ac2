//! `wt teardown LANE [--recreate]`: remove a lane's worktree and branch only when nothing would be
//! lost (SPEC section 8). Every reason to refuse is collected before anything changes. Removal is
//! `git worktree remove` on a directory git lists as this lane's worktree (never `rm -rf`), and
//! the branch is deleted only if it still points at the commit that was checked.

use super::LaneWords;
use crate::commands::setup::{self, SetupOptions};
use crate::config::{Config, Lane, Words};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::git::status::{self, StatusOptions, Untracked};
use crate::git::{git, BaseRef, RepoInfo, WorktreeEntry};
use crate::lane::state;
use crate::ui::quote_path;
use clap::Args;
use git2::{Oid, Repository};
use std::ffi::OsStr;

#[derive(Args, Debug)]
pub struct TeardownArgs {
    #[command(flatten)]
    pub lane: LaneWords,
    /// Set the lane up again afterwards (from its branch when it has work, else from base).
    #[arg(long)]
    pub recreate: bool,
    /// Tear down even though the lane still has todo, in-progress or blocked tasks.
    #[arg(long)]
    pub force_tasks: bool,
}

/// What teardown found out before changing anything.
struct Findings {
    refusals: Vec<(String, String)>,
    warnings: Vec<String>,
    /// The worktree to remove, if there is one on disk.
    remove: Option<WorktreeEntry>,
    /// A registration whose directory is gone.
    prune: Option<WorktreeEntry>,
    /// The branch tip that was judged safe to delete.
    branch_tip: Option<Oid>,
    /// The branch has work that is pushed but not on base: `--recreate` keeps it.
    branch_has_work: bool,
    /// The worktree has initialised submodules, each checked clean and pushed: git removes such
    /// a worktree only with `--force`.
    force_submodules: bool,
}

pub fn run(ctx: &Context, args: TeardownArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let info = ctx.repo()?;
    let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
    let _lock = ctx.lock("teardown")?;
    let base = ctx.base()?;
    let f = inspect(ctx, cfg, info, lane, &base, &args)?;
    if !f.refusals.is_empty() {
        return Err(refusal(lane, f.refusals));
    }
    for w in &f.warnings {
        ctx.ui.warn(w);
    }
    if f.remove.is_none() && f.prune.is_none() && f.branch_tip.is_none() {
        ctx.ui.status(&format!(
            "{}: nothing to tear down (no worktree, no branch)",
            lane.id
        ));
    } else if !ctx.confirm(&format!("remove the worktree and branch of {}?", lane.id))? {
        return Err(Error::refused("teardown cancelled; nothing was changed"));
    }
    let deleted_branch = act(ctx, info, lane, &f, args.recreate)?;
    if args.recreate {
        // why: a branch deleted because all its work is on base starts again from base; the
        // remote's copy of it (if any) holds nothing new and must not be checked out again.
        let opts = SetupOptions {
            fetch: false,
            fresh_from_base: deleted_branch,
        };
        return setup::setup_lanes_with(ctx, &[lane], opts);
    }
    Ok(0)
}

/// One line naming the first reason; the other reasons and every fix below it.
fn refusal(lane: &Lane, refusals: Vec<(String, String)>) -> Error {
    let mut err = Error::refused(format!(
        "teardown of {} refused: {}",
        lane.id, refusals[0].0
    ));
    for (reason, _) in refusals.iter().skip(1) {
        err = err.detail(format!("also: {reason}"));
    }
    err = err.detail("nothing was changed");
    for (_, fix) in &refusals {
        if !err.hints.contains(fix) {
            err = err.hint(fix.clone());
        }
    }
    err
}

fn inspect(
    ctx: &Context,
    cfg: &Config,
    info: &RepoInfo,
    lane: &Lane,
    base: &BaseRef,
    args: &TeardownArgs,
) -> Result<Findings> {
    let repo = info.open()?;
    let entries = state::worktree_list(&repo, &info.main, &info.common_dir);
    let state = state::locate(lane, &entries);
    let mut f = Findings {
        refusals: Vec::new(),
        warnings: Vec::new(),
        remove: None,
        prune: None,
        branch_tip: None,
        branch_has_work: false,
        force_submodules: false,
    };
    let path = quote_path(&lane.path);
    if state.symlink {
        f.refusals.push((
            format!("{path} is a symlink"),
            "wt never follows symlinks: remove the link by hand".into(),
        ));
        return Ok(f);
    }
    match &state.entry {
        None if state.foreign => {
            f.refusals.push((
                format!("{path} is not a worktree of this repository"),
                "it is not wt's to delete: move it away by hand".into(),
            ));
            return Ok(f);
        }
        None => {}
        Some(e) if e.id.is_none() => {
            f.refusals.push((
                format!("{path} is the main checkout"),
                "check worktree_root and dir_template in lanes.toml".into(),
            ));
            return Ok(f);
        }
        Some(e) if e.missing => match &e.locked {
            Some(reason) => f.refusals.push((
                format!("{path} is gone but its registration is locked ({reason})"),
                format!("git worktree unlock {path}, if nobody uses it"),
            )),
            None => {
                // why: the worktree's HEAD (and its reflog) live in the admin dir that pruning
                // removes; a detached commit only it names would be lost.
                detached_check(info, lane, e, &mut f)?;
                f.prune = Some(e.clone());
            }
        },
        Some(_) if state.broken => {
            f.refusals.push((
                format!("{path} is registered as this lane's worktree but its .git file is missing or points elsewhere"),
                format!("inspect it by hand; if it is this lane's, `git worktree repair {path}` relinks it"),
            ));
            return Ok(f);
        }
        Some(e) => inspect_worktree(ctx, cfg, info, lane, e, &mut f)?,
    }
    if let Some(e) = f.remove.as_ref().or(f.prune.as_ref()) {
        if e.branch().is_some_and(|b| b != lane.branch) {
            f.warnings.push(format!(
                "{path} has {} checked out, not {}; that branch is kept",
                e.branch().unwrap_or(""),
                lane.branch
            ));
        }
    }
    inspect_branch(info, &repo, &entries, lane, base, args.recreate, &mut f)?;
    if !args.force_tasks {
        for (reason, fix) in crate::commands::queue::open_tasks_of(ctx, lane) {
            f.refusals.push((reason, fix));
        }
    }
    stash_warning(&repo, lane, &mut f);
    Ok(f)
}

fn inspect_worktree(
    ctx: &Context,
    cfg: &Config,
    info: &RepoInfo,
    lane: &Lane,
    e: &WorktreeEntry,
    f: &mut Findings,
) -> Result<()> {
    let path = quote_path(&lane.path);
    if let Some(reason) = &e.locked {
        let reason = if reason.is_empty() {
            "no reason given".to_string()
        } else {
            reason.clone()
        };
        f.refusals.push((
            format!("the worktree is locked ({reason})"),
            format!("git worktree unlock {path}, when nobody uses it"),
        ));
    }
    if let Some(op) = e.operation() {
        f.refusals.push((
            format!("a {} is in progress", op.as_str()),
            format!(
                "finish it, or run `git -C {path} {}`",
                op.abort_command().trim_start_matches("git ")
            ),
        ));
    }
    let dirty = status::read(
        &e.path,
        &StatusOptions {
            untracked: Untracked::All,
            ignored: true,
        },
    )
    .map_err(|err| err.context(format!("cannot read the status of {path}")))?;
    if !dirty.is_clean() {
        f.refusals.push((
            format!("uncommitted or untracked files: {}", list(&dirty.paths)),
            format!("commit them, or stash them with `git -C {path} stash -u`"),
        ));
    }
    let precious = precious_matches(cfg, &dirty.ignored);
    if !precious.is_empty() {
        f.refusals.push((
            format!(
                "ignored files that git would delete silently: {}",
                list(&precious)
            ),
            "move them out of the worktree first (policy.precious in lanes.toml lists such files)"
                .into(),
        ));
    }
    detached_check(info, lane, e, f)?;
    submodule_findings(ctx, lane, &dirty.submodules_changed, f);
    f.remove = Some(e.clone());
    Ok(())
}

/// A detached HEAD whose commit no ref contains would be lost with the worktree (F05).
fn detached_check(info: &RepoInfo, lane: &Lane, e: &WorktreeEntry, f: &mut Findings) -> Result<()> {
    if e.head_ref.is_some() {
        return Ok(());
    }
    let Some(head) = e.head else { return Ok(()) };
    if contained_in_a_ref(&info.main, head)? {
        return Ok(());
    }
    let name = format!("keep-{}", short(head));
    let fix = if e.missing {
        format!("keep it: git branch {name} {head}")
    } else {
        format!("keep it: git -C {} branch {name}", quote_path(&lane.path))
    };
    f.refusals.push((
        format!(
            "HEAD is detached at {} and no branch or tag contains it",
            short(head)
        ),
        fix,
    ));
    Ok(())
}

fn submodule_findings(_ctx: &Context, lane: &Lane, changed: &[String], f: &mut Findings) {
    if !changed.is_empty() {
        f.refusals.push((
            format!("submodules with changes: {}", list(changed)),
            "commit or discard the changes inside each submodule".into(),
        ));
        return;
    }
    let Ok(repo) = Repository::open(&lane.path) else {
        return;
    };
    let Ok(subs) = repo.submodules() else { return };
    for sm in subs {
        let Ok(sub) = sm.open() else { continue };
        f.force_submodules = true;
        let head = sub.head().ok().and_then(|h| h.target());
        if let Some(head) = head {
            if !contained_in_remote(&sub, head) {
                f.refusals.push((
                    format!(
                        "submodule {} has commits no remote branch contains",
                        sm.path().display()
                    ),
                    format!(
                        "push them: git -C {} push",
                        quote_path(&lane.path.join(sm.path()))
                    ),
                ));
            }
        }
    }
}

fn contained_in_remote(repo: &Repository, head: Oid) -> bool {
    let Ok(refs) = repo.references_glob("refs/remotes/*") else {
        return false;
    };
    refs.filter_map(|r| r.ok()?.target())
        .any(|tip| tip == head || repo.graph_descendant_of(tip, head).unwrap_or(false))
}

/// Whether any ref (branch, tag, remote-tracking ref, stash) contains `head`.
fn contained_in_a_ref(dir: &std::path::Path, head: Oid) -> Result<bool> {
    let out = git(dir).read([
        "for-each-ref",
        "--count=1",
        "--format=%(refname)",
        "--contains",
        &head.to_string(),
    ])?;
    Ok(!out.trim().is_empty())
}

fn inspect_branch(
    info: &RepoInfo,
    repo: &Repository,
    entries: &[WorktreeEntry],
    lane: &Lane,
    base: &BaseRef,
    recreate: bool,
    f: &mut Findings,
) -> Result<()> {
    let refname = format!("refs/heads/{}", lane.branch);
    let Ok(tip) = repo.refname_to_id(&refname) else {
        return Ok(());
    };
    let own = f.remove.as_ref().or(f.prune.as_ref()).map(|e| &e.admin_dir);
    let holder = entries.iter().find(|e| {
        Some(&e.admin_dir) != own
            && (e.branch() == Some(lane.branch.as_str())
                || e.rebasing_branch().as_deref() == Some(lane.branch.as_str()))
    });
    if let Some(holder) = holder {
        // why: `update-ref -d` would delete a branch another worktree has checked out.
        let msg = format!(
            "branch {} is checked out in {}",
            lane.branch,
            quote_path(&holder.path)
        );
        if recreate {
            f.refusals.push((
                msg,
                "switch that worktree to another branch, then run this again".into(),
            ));
        } else {
            f.warnings.push(format!("{msg}; the branch is kept"));
        }
        return Ok(());
    }
    let contains = |r: &str| {
        repo.refname_to_id(r)
            .ok()
            .is_some_and(|t| t == tip || repo.graph_descendant_of(t, tip).unwrap_or(false))
    };
    let on_base = || contains(&base.local_ref()) || base.remote_ref().is_some_and(|r| contains(&r));
    let mut merged = on_base();
    // why: judge "pushed" against what the remote has now, not against a stale tracking ref;
    // skipped when teardown is refused anyway, so a dirty lane does not need the network.
    if let (false, Some(remote), true) = (merged, &base.remote, f.refusals.is_empty()) {
        git(&info.main)
            .network()
            .run(["fetch", "--quiet", "--prune", remote.as_str()])
            .map_err(|e| {
                e.context(format!(
                    "cannot fetch {remote} to see whether {} is pushed; nothing was changed",
                    lane.branch
                ))
                .hint("try again when the remote answers")
            })?;
        merged = on_base();
    }
    let remote_branch = base
        .remote
        .as_ref()
        .map(|r| format!("refs/remotes/{r}/{}", lane.branch));
    let pushed = remote_branch.as_deref().is_some_and(contains);
    if !merged && !pushed {
        let count = unpushed(repo, tip, base, remote_branch.as_deref());
        let fix = if base.remote.is_some() {
            format!(
                "push them with `wt sync {}` or land them with `wt merge {}`",
                lane.id, lane.id
            )
        } else {
            format!("land them with `wt merge {}`", lane.id)
        };
        f.refusals.push((
            format!(
                "branch {} has {count} commit(s) that are neither on {} nor pushed",
                lane.branch,
                base.upstream_name()
            ),
            fix,
        ));
    }
    f.branch_has_work = !merged;
    f.branch_tip = Some(tip);
    Ok(())
}

/// Commits of `tip` on neither base nor the remote lane branch.
fn unpushed(repo: &Repository, tip: Oid, base: &BaseRef, remote_branch: Option<&str>) -> usize {
    let count = || -> std::result::Result<usize, git2::Error> {
        let mut walk = repo.revwalk()?;
        walk.push(tip)?;
        for r in [
            Some(base.local_ref()),
            base.remote_ref(),
            remote_branch.map(str::to_string),
        ]
        .into_iter()
        .flatten()
        {
            if let Ok(oid) = repo.refname_to_id(&r) {
                walk.hide(oid)?;
            }
        }
        Ok(walk.count())
    };
    count().unwrap_or(0)
}

fn stash_warning(repo: &Repository, lane: &Lane, f: &mut Findings) {
    let Ok(log) = repo.reflog("refs/stash") else {
        return;
    };
    let tag_wip = format!("WIP on {}:", lane.branch);
    let tag_on = format!("On {}:", lane.branch);
    let n = log
        .iter()
        .filter(|e| {
            e.message()
                .ok()
                .flatten()
                .is_some_and(|m| m.starts_with(&tag_wip) || m.starts_with(&tag_on))
        })
        .count();
    if n > 0 {
        f.warnings.push(format!(
            "{n} stash entr{} made on {} stay in `git stash list`",
            if n == 1 { "y" } else { "ies" },
            lane.branch
        ));
    }
}

fn precious_matches(cfg: &Config, ignored: &[String]) -> Vec<String> {
    let mut builder = globset::GlobSetBuilder::new();
    for p in &cfg.policy.precious {
        if let Ok(g) = crate::config::glob(p) {
            builder.add(g);
        }
    }
    let Ok(set) = builder.build() else {
        return Vec::new();
    };
    ignored
        .iter()
        .filter(|p| {
            let trimmed = p.trim_end_matches('/');
            let name = trimmed.rsplit('/').next().unwrap_or(trimmed);
            set.is_match(trimmed) || set.is_match(name)
        })
        .cloned()
        .collect()
}

/// Remove the worktree (or its stale registration) and delete the branch; true when the branch
/// was deleted.
fn act(ctx: &Context, info: &RepoInfo, lane: &Lane, f: &Findings, recreate: bool) -> Result<bool> {
    let main = git(&info.main);
    if let Some(e) = &f.prune {
        main.run([
            OsStr::new("worktree"),
            "remove".as_ref(),
            e.path.as_os_str(),
        ])?;
        ctx.ui.status(&format!(
            "{}: its directory was already deleted; removed the stale registration",
            lane.id
        ));
    }
    if let Some(e) = &f.remove {
        let mut args: Vec<&OsStr> = vec!["worktree".as_ref(), "remove".as_ref()];
        if f.force_submodules {
            // why: git refuses to remove any worktree with initialised submodules; wt has checked
            // each one for changes and unpushed commits above.
            args.push("--force".as_ref());
        }
        args.push(e.path.as_os_str());
        main.run(&args)
            .map_err(|err| err.context(format!("cannot remove the worktree of {}", lane.id)))?;
        ctx.ui.status(&format!(
            "{}: removed worktree {}",
            lane.id,
            e.path.display()
        ));
    }
    let keep_branch = recreate && f.branch_has_work;
    let deleted = f.branch_tip.is_some() && !keep_branch;
    match (f.branch_tip, keep_branch) {
        (Some(tip), false) => {
            // why: delete only if the branch still points where it was checked (compare-and-swap).
            main.run([
                "update-ref",
                "-d",
                &format!("refs/heads/{}", lane.branch),
                &tip.to_string(),
            ])
            .map_err(|e| {
                e.context(format!(
                    "branch {} moved while tearing down; it was kept (the worktree is removed)",
                    lane.branch
                ))
                .hint(format!(
                    "look at it, then run `wt teardown {}` again",
                    lane.id
                ))
            })?;
            ctx.ui.status(&format!(
                "{}: deleted branch {} (was {})",
                lane.id,
                lane.branch,
                short(tip)
            ));
        }
        (Some(_), true) => ctx.ui.status(&format!(
            "{}: kept branch {}: it has pushed work not yet on base",
            lane.id, lane.branch
        )),
        (None, _) => {}
    }
    Ok(deleted)
}

fn list(paths: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = paths
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN {
        text.push_str(&format!(" and {} more", paths.len() - SHOWN));
    }
    text
}

fn short(oid: Oid) -> String {
    oid.to_string()[..8].to_string()
}
