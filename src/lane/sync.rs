//! `sync` of several lanes at once: undo what an interrupted run left, check every lane, fetch
//! once, rebase each lane in its own worktree (side by side), and push them together in one
//! `git push`, each with its own lease. Safety rules: a lane with uncommitted changes is
//! refused, never autostashed; a conflict is aborted and the lane restored as it was unless the
//! caller asks to keep it; a remote lane branch that holds commits this lane never had is
//! reported and never overwritten; fetches never run concurrently.

use crate::config::Lane;
use crate::error::Result;
use crate::git::ops::{self, Lease};
use crate::git::Oid;
use crate::lane::ready::{self, Ready};
use crate::lane::{push, rebase, state, task, Events, Site};
use crate::sys::parallel;

/// A lane rebased (or already up to date) and, with a remote, pushed.
pub struct Synced {
    pub head: Oid,
    pub onto: Oid,
    pub pushed: bool,
    /// The lane's commits on top of `onto`.
    pub commits: usize,
}

/// What happened to one lane; `head_before` is None when it was refused before it was read.
pub struct Outcome<'a> {
    pub lane: &'a Lane,
    pub head_before: Option<Oid>,
    pub result: Result<Synced>,
}

/// Sync `lanes`; one outcome per lane, in the order they were named. Only a failed fetch (which
/// stops every lane alike) is an error of the whole run.
pub fn sync_lanes<'a>(
    site: &Site,
    events: &dyn Events,
    lanes: &[&'a Lane],
    keep_conflict: bool,
) -> Result<Vec<Outcome<'a>>> {
    let info = site.info;
    let mut outcomes: Vec<Outcome<'a>> = Vec::new();
    let mut lanes_left = Vec::new();
    for lane in lanes {
        match rebase::recover_interrupted(events, info, lane) {
            Ok(()) => lanes_left.push(*lane),
            Err(e) => outcomes.push(refused(lane, e)),
        }
    }
    let repo = info.open()?;
    let entries = state::worktree_list(&repo, &info.main, &info.common_dir);
    // why: each check reads the lane's status with a git process; lanes are independent.
    let checked = parallel::map(&lanes_left, |lane| ready::ready(lane, &entries));
    let mut todo = Vec::new();
    for (lane, r) in lanes_left.iter().zip(checked) {
        match r {
            Ok(r) => todo.push(r),
            Err(e) => outcomes.push(refused(lane, e)),
        }
    }
    if !todo.is_empty() {
        outcomes.extend(rebase_and_push(site, events, &todo, keep_conflict)?);
    }
    // why: reports come in the order the lanes were named, whatever finished first.
    outcomes.sort_by_key(|o| lanes.iter().position(|l| l.id == o.lane.id));
    Ok(outcomes)
}

fn refused<'a>(lane: &'a Lane, e: crate::error::Error) -> Outcome<'a> {
    Outcome {
        lane,
        head_before: None,
        result: Err(e),
    }
}

fn rebase_and_push<'a>(
    site: &Site,
    events: &dyn Events,
    todo: &[Ready<'a>],
    keep_conflict: bool,
) -> Result<Vec<Outcome<'a>>> {
    let (info, base) = (site.info, site.base);
    let onto = push::fetch_base(events, info, base)?;
    // why: every rebase runs in its own worktree on its own branch, so they do not touch each
    // other; the pushes then go out together over one connection.
    let rebased = task::with_summary_remembered(site, || {
        parallel::map(todo, |ready| rebase_lane(site, ready, onto, keep_conflict))
    });
    let pushed = push::push_rebased(info, base, todo, &rebased);
    let repo = info.open()?;
    let outcomes = todo
        .iter()
        .zip(rebased)
        .zip(pushed)
        .map(|((ready, rebased), pushed)| Outcome {
            lane: ready.lane,
            head_before: Some(ready.head),
            result: rebased.and_then(|(head, _)| {
                Ok(Synced {
                    head,
                    onto,
                    pushed: pushed?,
                    commits: ops::only_in(&repo, head, &[onto]).len(),
                })
            }),
        })
        .collect();
    Ok(outcomes)
}

/// The lease (decided before the rebase, from the fetched remote) and the lane's new tip.
fn rebase_lane(
    site: &Site,
    ready: &Ready,
    onto: Oid,
    keep_conflict: bool,
) -> Result<(Oid, Option<Lease>)> {
    let repo = site.info.open()?;
    let lease = match &site.base.remote {
        Some(remote) => Some(push::lease_for(&repo, remote, ready)?),
        None => None,
    };
    let tip = rebase::rebase_onto(ready, site.base, onto, keep_conflict)?;
    Ok((tip, lease))
}
