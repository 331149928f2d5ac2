//! `wt merge LANE LANE…` and `wt merge --all`: several lanes merged one after another in the
//! queue's order (`queue::merge_order`), each rebased onto the base the previous one produced
//! (each merge fetches base again). A lane that conflicts, fails a check or a policy is reported
//! and skipped, and so are the lanes whose tasks must land after its task (they depend on it, or
//! come after it in `merge_order`); the others go on. Each lane is one ordinary merge with its
//! own journal, so a run killed half-way and run again lands each remaining lane exactly once: a
//! lane already on base is reported as such and holds nothing back.

use super::{journal_of, merge, MergeOptions, Trail};
use crate::config::Lane;
use crate::error::Result;
use crate::git::ops;
use crate::lane::state;
use crate::lane::{Events, Site};
use crate::queue::merge_order;
use crate::queue::{self, Queue};
use crate::sys::lock::RepoLock;
use serde::Serialize;

/// What happened to one lane of a several-lane merge.
#[derive(Debug, Clone, Serialize)]
pub struct LaneOutcome {
    pub lane: String,
    pub task: Option<String>,
    /// `merged`, `skipped`, or `up_to_date` (nothing of the lane is missing from base).
    pub result: &'static str,
    /// Why it was skipped (or is up to date).
    pub reason: Option<String>,
    /// The ADR the task was claimed under, if any.
    pub exception: Option<String>,
    /// Base after this lane landed.
    pub base_after: Option<String>,
    /// The exit code the lane's own merge stopped with (0 unless skipped).
    #[serde(skip)]
    pub code: u8,
}

/// The summary of a several-lane merge.
#[derive(Debug, Clone, Serialize)]
pub struct Many {
    pub lanes: Vec<LaneOutcome>,
    pub base_before: Option<String>,
    pub base_after: Option<String>,
}

impl Many {
    /// 0 when nothing was skipped, else the code of the first lane that stopped.
    pub fn exit_code(&self) -> u8 {
        self.lanes
            .iter()
            .find(|l| l.code != 0)
            .map_or(0, |l| l.code)
    }
}

/// The claimed task of each lane, in `lanes` order.
fn claimed<'q>(q: Option<&'q Queue>, lanes: &[&Lane]) -> Vec<Option<&'q queue::Task>> {
    lanes
        .iter()
        .map(|l| q.and_then(|q| queue::lane_task(q, &l.role, l.index, &l.branch)))
        .collect()
}

/// The lanes `--all` merges: set up, clean, ahead of base, with a claimed task.
pub fn all_ready<'a>(site: &Site, lanes: &[&'a Lane]) -> Result<Vec<&'a Lane>> {
    let survey = state::survey(site, lanes, &crate::lane::next::STATUS_OPTIONS)?;
    let work = survey.work.unwrap_or_default();
    Ok(lanes
        .iter()
        .zip(&survey.states)
        .filter(|(lane, (st, err))| {
            err.is_none()
                && st.exists
                && st.operation.is_none()
                && st.dirty.as_ref().is_some_and(|d| d.is_clean())
                && st.ahead_behind.is_some_and(|(ahead, _)| ahead > 0)
                && matches!(work.get(&lane.id), Some(queue::LaneWork::Claimed { .. }))
        })
        .map(|(lane, _)| *lane)
        .collect())
}

/// Merge `lanes` in the queue's order; the caller holds the repository lock.
pub fn merge_lanes(
    site: &Site,
    events: &dyn Events,
    lanes: &[&Lane],
    opts: &MergeOptions,
) -> Result<Many> {
    let file = queue::store::try_load(site.info, site.cfg).transpose()?;
    let q = file.as_ref().map(|f| &f.queue);
    let tasks = claimed(q, lanes);
    let ids: Vec<Option<&str>> = tasks.iter().map(|t| t.map(|t| t.id.as_str())).collect();
    let order = match q {
        Some(q) => merge_order::order(q, &ids),
        None => (0..lanes.len()).collect(),
    };
    let names: Vec<&str> = order.iter().map(|&i| lanes[i].id.as_str()).collect();
    events.status(&format!("merge order: {}", names.join(", ")));
    let base_tip = || {
        site.info
            .open()
            .ok()
            .and_then(|r| site.base.tip(&r))
            .map(|o| o.to_string())
    };
    let base_before = base_tip();
    // Tasks that did not land, with their lane: what comes after them is skipped.
    let mut failed: Vec<(&str, &str)> = Vec::new();
    let mut out = Vec::new();
    for (n, &i) in order.iter().enumerate() {
        let lane = lanes[i];
        let task = tasks[i];
        let mut outcome = LaneOutcome {
            lane: lane.id.clone(),
            task: task.map(|t| t.id.clone()),
            result: "merged",
            reason: None,
            exception: task.and_then(|t| t.exception.clone()),
            base_after: None,
            code: 0,
        };
        let held = task.zip(q).and_then(|(t, q)| {
            failed
                .iter()
                .find_map(|(f, fl)| merge_order::after(q, f, &t.id).map(|why| (why, *f, *fl)))
        });
        if let Some((why, f, fl)) = held {
            let what = why.as_str();
            let t = task.map_or("", |t| t.id.as_str());
            outcome.result = "skipped";
            outcome.reason = Some(format!("{t} {what} {f} ({fl}), which was not merged"));
            outcome.code = 1;
            events.warn(&format!(
                "skipping {}: {}",
                lane.id,
                outcome.reason.as_deref().unwrap_or_default()
            ));
            failed.push((t, &lane.id));
            out.push(outcome);
            continue;
        }
        if up_to_date(site, lane) {
            outcome.result = "up_to_date";
            outcome.reason = Some(format!(
                "{} has nothing that {} lacks",
                lane.branch,
                site.base.upstream_name()
            ));
            events.status(&format!("{}: already on base", lane.id));
            out.push(outcome);
            continue;
        }
        events.status(&format!("[{}/{}] merging {}", n + 1, order.len(), lane.id));
        let mut trail = Trail::default();
        let held = lane_lock(site, events, lane);
        match held.and_then(|_lane| merge(site, events, lane, opts, &mut trail)) {
            Ok(m) => {
                events.success(&format!("merged {}", lane.id));
                outcome.base_after = Some(m.journal.tip.clone());
            }
            Err(e) => {
                events.failure(&format!("{} not merged: {}", lane.id, e.message));
                outcome.result = "skipped";
                outcome.reason = Some(e.message.clone());
                outcome.code = e.exit_code();
                if let Some(t) = task {
                    failed.push((t.id.as_str(), lane.id.as_str()));
                }
            }
        }
        out.push(outcome);
    }
    Ok(Many {
        lanes: out,
        base_before,
        base_after: base_tip(),
    })
}

/// The lane's own lock, held for its whole merge (the merge takes the repository lock itself
/// around all but the lane's checks).
fn lane_lock(site: &Site, events: &dyn Events, lane: &Lane) -> Result<RepoLock> {
    let dir = site.info.common_dir.join("wt");
    RepoLock::lane(
        &dir,
        &lane.id,
        site.wait,
        &format!("merge {}", lane.id),
        |line| events.status(line),
    )
}

/// A lane with no merge journal whose head base already has: nothing to do, and nothing to hold
/// back (a rerun after a crash finds the lanes that landed this way).
fn up_to_date(site: &Site, lane: &Lane) -> bool {
    if journal_of(site, lane) {
        return false;
    }
    let Ok(repo) = site.info.open() else {
        return false;
    };
    let (Ok(head), Some(base)) = (
        state::lane_head(site.info, &repo, lane),
        site.base.tip(&repo),
    ) else {
        return false;
    };
    ops::is_ancestor(&repo, head, base)
}
