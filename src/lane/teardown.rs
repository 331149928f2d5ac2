//! Tearing a lane down only when nothing would be lost (SPEC section 8). Every reason to refuse
//! is collected before anything changes. Removal is `git worktree remove` on a directory git
//! lists as this lane's worktree (never `rm -rf`), and the branch is deleted only if it still
//! points at the commit that was checked.

use crate::config::{Config, Lane};
use crate::error::{Error, Result};
use crate::git::lanes::{self as lane_git, Force};
use crate::git::status::{self, StatusOptions, Untracked};
use crate::git::{ops, short, BaseRef, Oid, RepoInfo, Repository, WorktreeEntry};
use crate::lane::{state, task, Events};
use crate::sys::quote::quote_path;

/// What teardown found out before changing anything.
pub struct Findings {
    pub refusals: Vec<(String, String)>,
    pub warnings: Vec<String>,
    /// The worktree to remove, if there is one on disk.
    pub remove: Option<WorktreeEntry>,
    /// A registration whose directory is gone.
    pub prune: Option<WorktreeEntry>,
    /// The branch tip that was judged safe to delete.
    pub branch_tip: Option<Oid>,
    /// The branch has work that is pushed but not on base: `--recreate` keeps it.
    pub branch_has_work: bool,
    /// The worktree has initialised submodules, each checked clean and pushed: git removes such
    /// a worktree only with `--force`.
    pub force_submodules: bool,
}

/// One line naming the first reason; the other reasons and every fix below it.
pub fn refusal(lane: &Lane, refusals: Vec<(String, String)>) -> Error {
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

/// Everything teardown must know before it changes anything; `force_tasks` skips the open-task
/// refusal, `recreate` decides whether a branch checked out elsewhere refuses or only warns.
pub fn inspect(
    site: &crate::lane::Site,
    lane: &Lane,
    recreate: bool,
    force_tasks: bool,
) -> Result<Findings> {
    let (cfg, info, base) = (site.cfg, site.info, site.base);
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
        Some(e) => inspect_worktree(cfg, info, lane, e, &mut f)?,
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
    inspect_branch(info, &repo, &entries, lane, base, recreate, &mut f)?;
    if !force_tasks {
        let last_of_role = cfg
            .lanes
            .iter()
            .filter(|l| l.role == lane.role && l.id != lane.id)
            .all(|l| !state::locate(l, &entries).exists);
        for (reason, fix) in task::open_tasks_of(info, cfg, lane, last_of_role) {
            f.refusals.push((reason, fix));
        }
    }
    stash_warning(&repo, lane, &mut f);
    Ok(f)
}

fn inspect_worktree(
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
    submodule_findings(lane, &dirty.submodules_changed, f);
    f.remove = Some(e.clone());
    Ok(())
}

/// A detached HEAD whose commit no ref contains would be lost with the worktree (F05).
fn detached_check(info: &RepoInfo, lane: &Lane, e: &WorktreeEntry, f: &mut Findings) -> Result<()> {
    if e.head_ref.is_some() {
        return Ok(());
    }
    let Some(head) = e.head else { return Ok(()) };
    if ops::contained_in_a_ref(&info.main, head)? {
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

fn submodule_findings(lane: &Lane, changed: &[String], f: &mut Findings) {
    if !changed.is_empty() {
        f.refusals.push((
            format!("submodules with changes: {}", list(changed)),
            "commit or discard the changes inside each submodule".into(),
        ));
        return;
    }
    for sub in ops::submodules(&lane.path) {
        f.force_submodules = true;
        if !sub.pushed {
            f.refusals.push((
                format!(
                    "submodule {} has commits no remote branch contains",
                    sub.path.display()
                ),
                format!(
                    "push them: git -C {} push",
                    quote_path(&lane.path.join(&sub.path))
                ),
            ));
        }
    }
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
    let Some(tip) = ops::resolve(repo, &refname) else {
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
    let contains = |r: &str| ops::resolve(repo, r).is_some_and(|t| ops::is_ancestor(repo, tip, t));
    let on_base = || contains(&base.local_ref()) || base.remote_ref().is_some_and(|r| contains(&r));
    let mut merged = on_base();
    // why: judge "pushed" against what the remote has now, not against a stale tracking ref;
    // skipped when teardown is refused anyway, so a dirty lane does not need the network.
    if let (false, Some(remote), true) = (merged, &base.remote, f.refusals.is_empty()) {
        ops::fetch(&info.main, remote).map_err(|e| {
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
    let known: Vec<Oid> = [
        Some(base.local_ref()),
        base.remote_ref(),
        remote_branch.map(str::to_string),
    ]
    .into_iter()
    .flatten()
    .filter_map(|r| ops::resolve(repo, &r))
    .collect();
    ops::only_in(repo, tip, &known).len()
}

fn stash_warning(repo: &Repository, lane: &Lane, f: &mut Findings) {
    let tag_wip = format!("WIP on {}:", lane.branch);
    let tag_on = format!("On {}:", lane.branch);
    let n = ops::stash_messages(repo)
        .iter()
        .filter(|m| m.starts_with(&tag_wip) || m.starts_with(&tag_on))
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
/// Remove what `f` found, as it was found; whether the branch was deleted.
pub fn act(
    events: &dyn Events,
    info: &RepoInfo,
    lane: &Lane,
    f: &Findings,
    recreate: bool,
) -> Result<bool> {
    let main = &info.main;
    if let Some(e) = &f.prune {
        lane_git::remove_worktree(main, &e.path, Force::No)?;
        events.status(&format!(
            "{}: its directory was already deleted; removed the stale registration",
            lane.id
        ));
    }
    if let Some(e) = &f.remove {
        // why: git refuses to remove any worktree with initialised submodules; wt has checked
        // each one for changes and unpushed commits above.
        let force = if f.force_submodules {
            Force::Submodules
        } else {
            Force::No
        };
        lane_git::remove_worktree(main, &e.path, force)
            .map_err(|err| err.context(format!("cannot remove the worktree of {}", lane.id)))?;
        events.status(&format!(
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
            lane_git::delete_branch_at(main, &lane.branch, tip).map_err(|e| {
                e.context(format!(
                    "branch {} moved while tearing down; it was kept (the worktree is removed)",
                    lane.branch
                ))
                .hint(format!(
                    "look at it, then run `wt teardown {}` again",
                    lane.id
                ))
            })?;
            events.status(&format!(
                "{}: deleted branch {} (was {})",
                lane.id,
                lane.branch,
                short(tip)
            ));
        }
        (Some(_), true) => events.status(&format!(
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
