//! Fetching base (once, for every lane) and pushing lanes with an explicit lease.
//!
//! The lease: the push expects, explicitly, the remote tip that the lane is known to include
//! (`--force-with-lease=refs/heads/<b>:<sha>`, empty when the branch is new), so a push that
//! lands between our fetch and our push is rejected. Which tip is safe is decided after the
//! fetch, by the `--force-if-includes` rule (the tip must be in the lane's history or its
//! reflog), not by trusting the remote-tracking ref as it was before the fetch: any fetch
//! (another lane's sync, the user's own `git fetch`) may already have renewed that ref with
//! someone else's push.

use crate::config::Lane;
use crate::error::{Error, Result};
use crate::git::ops::{self, Lease};
use crate::git::{short, BaseRef, Oid, RepoInfo, Repository};
use crate::lane::ready::Ready;
use crate::sys::events::Events;

/// Push every rebased lane the remote does not have yet, in one `git push`; per lane, whether
/// it was pushed (false: the remote already had it, or there is no remote).
pub fn push_rebased(
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

fn remote_lane_ref(remote: &str, lane: &Lane) -> String {
    format!("refs/remotes/{remote}/{}", lane.branch)
}

/// Fetch the remote (once, for every lane) and return the commit lanes are rebased onto.
pub fn fetch_base(events: &dyn Events, info: &RepoInfo, base: &BaseRef) -> Result<Oid> {
    if let Some(remote) = &base.remote {
        events.status(&format!("fetching {remote}"));
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
        crate::sys::quote::quote_path(&lane.path),
        lane.branch,
        lane.id
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
