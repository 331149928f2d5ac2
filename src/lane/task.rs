//! The queue's part in a lane's life: the task it has claimed (check, merge, handoff), marking
//! it done (merge), the open tasks that keep it from being torn down, and what preflight and
//! status show of the queue (remembered between runs in `queue::cache`).

use crate::config::{Config, Lane};
use crate::error::{Error, Result};
use crate::git::{ops, Oid, RepoInfo, Repository};
use crate::lane::findings::Check;
use crate::lane::Site;
use crate::queue::{self, LaneWork, Queue, Status, Task};
use crate::sys::events::Events;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Every problem of the queue (`findings`: what reading it found), with `merged_commit`s
/// checked against base's tip and, given `roles`, roles and lanes checked against lanes.toml.
pub fn problems(
    repo: &Repository,
    base_tip: Option<Oid>,
    q: &Queue,
    findings: &[queue::Finding],
    roles: Option<&[queue::RoleLanes]>,
) -> Vec<queue::Problem> {
    let on_base = |commit: &str| -> Option<bool> { ops::commit_on(repo, commit, base_tip?) };
    let checks = queue::Checks {
        is_on_base: &on_base,
        roles,
    };
    let mut found = queue::validate_file(q, findings, &checks);
    let adr_exists =
        |path: &str| -> Option<bool> { Some(ops::file_at(repo, base_tip?, path).is_some()) };
    found.extend(queue::exception::missing_exceptions(q, &adr_exists));
    found.sort_by_key(|p| (p.file.is_some(), p.line.unwrap_or(u32::MAX)));
    found
}

/// The roles of lanes.toml with their lane counts (`None`: V1), for queue checks.
pub fn role_lanes(cfg: &Config) -> Vec<queue::RoleLanes> {
    cfg.roles
        .iter()
        .map(|r| (r.name.clone(), r.lanes))
        .collect()
}

/// What the queue holds for each lane (`lane id -> work`), for `wt status` and `wt next`.
/// None when no queue is configured or it cannot be read (status never fails because of the
/// queue).
pub fn lane_work(site: &Site) -> Option<HashMap<String, LaneWork>> {
    let Some(Ok(summary)) = summary(site) else {
        return None;
    };
    Some(summary.work.into_iter().collect())
}

/// Run `work` while another thread works out the queue summary and remembers it, so that the
/// first `wt status` or `wt preflight` after a command that moved base (the fetch of setup or
/// sync) reads it instead of parsing the queue again (issue 18: a lane wt has just written is as
/// fast to read as a warm one). The summary costs CPU only, and `work` waits on git processes.
pub fn with_summary_remembered<R>(site: &Site, work: impl FnOnce() -> R) -> R {
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let _ = summary(site);
        });
        work()
    })
}

/// What preflight and status show of the queue: its size, its problems, and each lane's claimed
/// task with the dependencies it still waits for. Remembered between runs (`queue_cache`).
#[derive(Serialize, Deserialize)]
struct Summary {
    rel: String,
    tasks: usize,
    /// How many problems `validate` found, and the first one.
    problems: Option<(usize, String)>,
    /// Lane id to the task it has claimed.
    lanes: std::collections::BTreeMap<String, LaneClaim>,
    /// Lane id to what the queue holds for it (`wt next`, the status board).
    work: std::collections::BTreeMap<String, LaneWork>,
}

#[derive(Serialize, Deserialize)]
struct LaneClaim {
    id: String,
    /// Dependencies not done yet, each as `ID` and its status (`unknown` for no such task).
    unmet: Vec<(String, String)>,
    /// The task as the quality rules read it (preflight), so they need no parse either.
    claimed: ClaimedTask,
}

/// `None` when no queue is configured; the load error when it cannot be read.
fn summary(site: &Site) -> Option<Result<Summary>> {
    let (cfg, info, base) = (site.cfg, site.info, site.base);
    let qc = cfg.queue.as_ref()?;
    let repo = match info.open() {
        Ok(repo) => repo,
        Err(e) => return Some(Err(Error::git(e.message).hint("check the repository"))),
    };
    // why: one tip for both the cache key and the validity check, so a remembered result
    // always matches the tip it is filed under.
    let base_tip = base.tip(&repo);
    let path = info.main.join(&qc.path);
    let key_tip = base_tip.map(|t| t.to_string());
    let archives = queue::archive::files(&info.main, &qc.archive)
        .into_iter()
        .map(|rel| info.main.join(rel))
        .collect();
    let cache =
        crate::queue::cache::Cache::new(&info.common_dir, &path, &cfg.lanes, key_tip, archives);
    if let Some(s) = cache.as_ref().and_then(|c| c.get::<Summary>()) {
        return Some(Ok(s));
    }
    let file = match queue::store::load(info, qc) {
        Ok(f) => f,
        Err(e) => return Some(Err(e)),
    };
    let roles = role_lanes(cfg);
    let problems: Vec<queue::Problem> = problems(&repo, base_tip, &file.queue, &[], Some(&roles))
        .into_iter()
        .filter(|p| p.severity == queue::Severity::Error)
        .collect();
    let problems = problems
        .first()
        .map(|first| (problems.len(), first.message.clone()));
    let q = &file.queue;
    let lanes = cfg
        .lanes
        .iter()
        .filter_map(|l| {
            let t = queue::lane_task(q, &l.role, l.index, &l.branch)?;
            let unmet = queue::unmet_dependencies(q, t)
                .into_iter()
                .map(|(d, s)| {
                    (
                        d.to_string(),
                        s.map_or("unknown", Status::as_str).to_string(),
                    )
                })
                .collect();
            let claim = LaneClaim {
                id: t.id.clone(),
                unmet,
                claimed: claimed(q, t),
            };
            Some((l.id.clone(), claim))
        })
        .collect();
    let work = cfg
        .lanes
        .iter()
        .map(|l| {
            let w = queue::lane_work(q, &l.role, l.index, &l.branch);
            (l.id.clone(), w)
        })
        .collect();
    let summary = Summary {
        rel: file.rel.display().to_string(),
        tasks: q.tasks.len(),
        problems,
        lanes,
        work,
    };
    if let Some(c) = &cache {
        c.put(&summary);
    }
    Some(Ok(summary))
}

/// Reasons the lane cannot be torn down because of its tasks, each with a fix: the playbook
/// tears a lane down only when its role (V1) or lane (V2) has no todo, in_progress or blocked
/// task left.
///
/// `last_of_role`: no other lane of the role is set up, so every open task of the role is this
/// lane's (a V2 task with no `lane:` may be claimed by any lane, and none would be left).
pub fn open_tasks_of(
    info: &RepoInfo,
    cfg: &Config,
    lane: &Lane,
    last_of_role: bool,
) -> Vec<(String, String)> {
    let file = match queue::store::try_load(info, cfg) {
        None => return Vec::new(),
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            return vec![(
                format!("the queue cannot be read: {}", e.message),
                "fix the queue file, or pass --force-tasks".into(),
            )]
        }
    };
    let open: Vec<&Task> = file
        .queue
        .tasks
        .iter()
        .filter(|t| t.role == lane.role && t.status != Status::Done)
        .filter(|t| {
            lane.index.is_none()
                || last_of_role
                || t.lane == lane.index
                || t.branch.as_deref() == Some(lane.branch.as_str())
        })
        .collect();
    if open.is_empty() {
        return Vec::new();
    }
    let ids: Vec<String> = open
        .iter()
        .take(5)
        .map(|t| format!("{} ({})", t.id, t.status.as_str()))
        .collect();
    let more = if open.len() > 5 {
        format!(" and {} more", open.len() - 5)
    } else {
        String::new()
    };
    let last = if lane.index.is_some() && last_of_role {
        format!(
            " (it is the last lane of {} set up: no lane would be left to claim them)",
            lane.role
        )
    } else {
        String::new()
    };
    vec![(
        format!(
            "{} still has {} open task(s): {}{more}{last}",
            lane.id,
            open.len(),
            ids.join(", ")
        ),
        "finish or re-plan them, or pass --force-tasks to tear down anyway".to_string(),
    )]
}

/// The task a lane has claimed, as the merge, check and handoff need it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimedTask {
    pub id: String,
    pub status: String,
    pub owner: Option<String>,
    pub depends_on: Vec<String>,
    /// Every `depends_on` task is done.
    pub depends_on_satisfied: bool,
    pub acceptance_checks: Vec<String>,
    /// V2: siblings with a lower `merge_order` that are not done (`S-1 (merge_order 1, todo)`).
    pub earlier_siblings: Vec<String>,
    /// V2: children of this task that are not done.
    pub open_children: Vec<String>,
    /// The ADR it was claimed under before its dependencies were done.
    pub exception: Option<String>,
    /// The queue's `kind` (bug, defect, story...).
    pub kind: Option<String>,
    /// The queue's `risk_level` (`high` makes the task high-risk).
    pub risk_level: Option<String>,
}

/// The lane's claimed (in_progress) task, if a queue is configured and it has one.
pub fn claimed_task(info: &RepoInfo, cfg: &Config, lane: &Lane) -> Result<Option<ClaimedTask>> {
    let Some(file) = queue::store::try_load(info, cfg) else {
        return Ok(None);
    };
    let file = file?;
    let Some(task) = queue::lane_task(&file.queue, &lane.role, lane.index, &lane.branch) else {
        return Ok(None);
    };
    Ok(Some(claimed(&file.queue, task)))
}

fn claimed(q: &Queue, task: &Task) -> ClaimedTask {
    ClaimedTask {
        id: task.id.clone(),
        status: task.status.as_str().to_string(),
        owner: task.owner.clone(),
        depends_on: task.depends_on.clone(),
        depends_on_satisfied: queue::unmet_dependencies(q, task).is_empty(),
        acceptance_checks: task.acceptance_checks.clone(),
        earlier_siblings: queue::family::earlier_siblings_open(q, task)
            .into_iter()
            .map(queue::family::describe)
            .collect(),
        open_children: queue::family::open_children(q, &task.id)
            .into_iter()
            .map(queue::family::describe)
            .collect(),
        exception: task.exception.clone(),
        kind: task.kind.clone(),
        risk_level: task.risk_level.clone(),
    }
}

/// Called by `wt merge` after base moved to `merged_commit`: mark the task done (file edit on base
/// with commit/push, or the delegate argv). Idempotent: a rerun after a crash finds it done with
/// the same commit and changes nothing.
pub fn mark_done(
    site: &Site,
    events: &dyn Events,
    task: &str,
    merged_commit: &str,
    extra: &[(&'static str, String)],
) -> Result<()> {
    let now = crate::sys::clock::now();
    let plan = |q: &Queue| queue::plan_done_with(q, task, merged_commit, &now, extra);
    let qc = queue::store::config(site.cfg)?;
    let base = || Ok(site.base.clone());
    let store = queue::store::Site {
        info: site.info,
        qc,
        base: &base,
    };
    queue::change::change(&store, events, plan, Status::Done)?;
    Ok(())
}

/// Preflight's queue checks: the queue is valid, and the lane's claimed task has every dependency
/// done.
pub fn preflight_checks(site: &Site, lane: &Lane) -> (Vec<Check>, Option<ClaimedTask>) {
    let summary = match summary(site) {
        None => return (vec![Check::ok("queue", "no queue configured")], None),
        Some(Err(e)) => {
            let check = Check::fail(
                "queue",
                &e.message,
                e.hints.first().map_or("fix the queue file", |h| h.as_str()),
            );
            return (vec![check], None);
        }
        Some(Ok(s)) => s,
    };
    let mut checks = Vec::new();
    match &summary.problems {
        None => checks.push(Check::ok(
            "queue",
            &format!("{} valid ({} tasks)", summary.rel, summary.tasks),
        )),
        Some((count, first)) => checks.push(Check::fail(
            "queue",
            &format!("{count} problem(s), first: {first}"),
            "run `wt queue validate` and fix each problem",
        )),
    }
    match summary.lanes.get(&lane.id) {
        None => checks.push(Check::warn(
            "task",
            "no claimed task",
            &format!("wt queue claim {} --owner NAME", lane.id),
        )),
        Some(claim) => match claim.unmet.as_slice() {
            [] => checks.push(Check::ok(
                "task",
                &format!("{} in_progress, dependencies done", claim.id),
            )),
            unmet @ [(blocker, _), ..] => {
                let listed: Vec<String> = unmet.iter().map(|(d, s)| format!("{d} ({s})")).collect();
                checks.push(Check::fail(
                    "task",
                    &format!("{} depends on unfinished {}", claim.id, listed.join(", ")),
                    &format!("wt queue set {} blocked --by {blocker}", claim.id),
                ))
            }
        },
    }
    let claimed = summary.lanes.get(&lane.id).map(|c| c.claimed.clone());
    (checks, claimed)
}
