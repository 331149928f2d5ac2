//! The merge's refusals, each a read that changes nothing: the task's dependencies, the lane's
//! preflight, the main checkout, local base against the remote, something to merge, ignored
//! files in the way, the policies; and `put_back`, which undoes a rebase when a later step says
//! no.

use crate::config::Lane;
use crate::error::{Error, Result};
use crate::git::status::{self, StatusOptions};
use crate::git::{ops, short, BaseRef, Oid, RepoInfo, Repository};
use crate::lane::findings::Check;
use crate::lane::preflight;
use crate::lane::ready::{self, Ready};
use crate::lane::task::ClaimedTask;
use crate::lane::{policy, state, Events, Site};
use crate::sys::quote::quote_path as sh;

/// Step 1: the preflight checks must pass (behind base is only a warning: step 3 rebases).
/// Policies wait for step 4: they judge the rebased branch, with `--allow-test-removal`.
pub fn preflight_lane<'a>(site: &Site, lane: &'a Lane) -> Result<Ready<'a>> {
    let info = site.info;
    let opts = preflight::Options {
        allow_dirty: false,
        strict: false,
        policies: false,
    };
    let checks = preflight::evaluate(site, lane, &opts)?.checks;
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
    ready::ready(lane, &entries)
}

/// A task merges after the tasks it depends on (the playbook's dependency order).
pub fn dependencies_done(task: Option<&ClaimedTask>) -> Result<()> {
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

/// V2: a child lands after its siblings with a lower `merge_order`, and a parent after all of
/// its children (so it is never marked done before them).
pub fn family_order(task: Option<&ClaimedTask>) -> Result<()> {
    let Some(t) = task else { return Ok(()) };
    if let Some(first) = t.earlier_siblings.first() {
        return Err(Error::refused(format!(
            "task {} merges after its sibling {first}, which is not done; nothing was changed",
            t.id
        ))
        .details(t.earlier_siblings.iter().skip(1).cloned())
        .hint("merge the sibling's lane first, or name both lanes in one `wt merge` (it lands them in merge_order)"));
    }
    if !t.open_children.is_empty() {
        return Err(Error::refused(format!(
            "task {} is a parent whose children are not all done ({}); a parent merges last; nothing was changed",
            t.id,
            t.open_children.join(", ")
        ))
        .hint("merge the children's lanes first (`wt merge LANE…` lands them in merge_order)"));
    }
    Ok(())
}

/// Step 2: base is checked out in the main checkout, with no change and no operation there.
pub fn main_checkout_ready(info: &RepoInfo, base: &BaseRef) -> Result<()> {
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
    refuse_main_locks(info, base)?;
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
    let dirty = status::read(&info.main, &StatusOptions::WITH_UNTRACKED)?;
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

/// A lock file git left in the main checkout's way: with `index.lock` (or base's ref lock) the
/// fast-forward of base and the queue commit after the push would fail, with the lane already
/// on the remote's base. wt cannot tell a crashed git from a running one, so it never deletes
/// them: it names the file and stops before the push.
fn refuse_main_locks(info: &RepoInfo, base: &BaseRef) -> Result<()> {
    let git_dir = &info.common_dir;
    let candidates = [
        git_dir.join("index.lock"),
        git_dir.join("HEAD.lock"),
        git_dir.join(format!("{}.lock", base.local_ref())),
    ];
    let Some(lock) = candidates.iter().find(|p| p.exists()) else {
        return Ok(());
    };
    Err(Error::refused(format!(
        "git's lock file {} exists in the main checkout (another git process is working there, or one crashed and left it); nothing was changed",
        lock.display()
    ))
    .hint(format!(
        "if no git process is running in {}, delete it (`rm {}`), then run wt merge again",
        sh(&info.main),
        sh(lock)
    )))
}

/// After the fetch: local base must be an ancestor of the remote base, or the fast-forward of
/// the main checkout after the push could not happen.
pub fn local_base_behind(repo: &Repository, base: &BaseRef, upstream: Oid) -> Result<()> {
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

/// Ignored files in the main checkout that the fast-forward to `tip` would replace without a
/// word (git's default): refuse before anything is pushed.
pub fn main_files_in_the_way(
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

pub fn nothing_to_merge(
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

/// Step 4: any violation refuses the merge, naming each rule with its owner and fix.
pub fn policy_refusal(lane: &Lane, outcome: &policy::Outcome) -> Option<Error> {
    let mut e = outcome.refusal(&lane.id)?;
    e.message.push_str("; nothing was pushed");
    Some(e)
}

/// The handoff's risk lines: removed tests, with the reason that allowed them.
pub fn handoff_risks(reason: Option<&str>, outcome: &policy::Outcome) -> Vec<String> {
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
pub fn put_back(events: &dyn Events, lane: &Lane, tip: Oid, before: Oid, err: Error) -> Error {
    if tip == before {
        return err;
    }
    match ops::reset_keep(&lane.path, before) {
        Ok(()) => {
            ops::refresh_index(&lane.path);
            err.detail(format!(
                "{} was put back at {} (as before the rebase)",
                lane.id,
                short(before)
            ))
        }
        Err(e) => {
            events.warn(&format!(
                "{} stays rebased at {}: {}",
                lane.id,
                short(tip),
                e.stderr.lines().next().unwrap_or("reset failed")
            ));
            err
        }
    }
}
