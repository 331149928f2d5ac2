//! `wt queue ...`: the work queue (SPEC section 6), and the queue's part in other commands: the
//! task a lane has claimed (status, check, merge, handoff), marking it done (merge), the tasks
//! that keep a lane from being torn down, and preflight's queue checks. Rules live in `queue`,
//! file, commit and push handling in `queue_store`; this file decides and reports.

use super::LaneWords;
use crate::config::{Config, Lane, Words};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::queue::{self, Queue, Status, Task, TaskList};
use crate::queue::store::Applied;
use crate::ui::table::Table;
use crate::ui::Check;
use clap::Subcommand;
use git2::{Oid, Repository};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Subcommand, Debug)]
pub enum QueueCommand {
    /// Tasks of a role (or lane) that are todo with every dependency done.
    Ready {
        #[command(flatten)]
        lane: LaneWords,
    },
    /// Claim the next ready task of a lane (or the one named by --task).
    Claim {
        #[command(flatten)]
        lane: LaneWords,
        /// Who works on it (an agent or person id).
        #[arg(long)]
        owner: Option<String>,
        /// Claim this task instead of the next ready one.
        #[arg(long)]
        task: Option<String>,
    },
    /// Set a task's status: todo, in_progress or blocked (done is set by `wt merge`).
    Set {
        /// Task id, or TASK_ID=... STATUS=... OWNER=... words.
        #[arg(value_name = "ARGS")]
        words: Vec<String>,
        #[arg(long)]
        owner: Option<String>,
        /// The task that blocks this one (needed for blocked).
        #[arg(long, value_name = "ID")]
        by: Option<String>,
    },
    /// Show every task, or one.
    Show {
        #[arg(value_name = "ID")]
        id: Option<String>,
    },
    /// Check the queue and list every problem (exit 1 if any).
    Validate,
}

pub fn run(ctx: &Context, cmd: QueueCommand) -> Result<u8> {
    match cmd {
        QueueCommand::Ready { lane } => ready(ctx, &lane),
        QueueCommand::Claim { lane, owner, task } => claim(ctx, &lane, owner, task),
        QueueCommand::Set { words, owner, by } => set(ctx, &words, owner, by),
        QueueCommand::Show { id } => show(ctx, id.as_deref()),
        QueueCommand::Validate => validate(ctx),
    }
}

/// The role and, for one V2 lane, its index, from lane words. A V2 role named alone means any of
/// its lanes.
fn role_and_lane(cfg: &Config, words: &Words) -> Result<(String, Option<u32>)> {
    let lanes = cfg.select_lanes(words)?;
    match lanes.as_slice() {
        [one] => Ok((one.role.clone(), one.index)),
        [first, rest @ ..]
            if rest.iter().all(|l| l.role == first.role) && words_named_something(words) =>
        {
            Ok((first.role.clone(), None))
        }
        _ => Err(Error::usage("name one role or lane").hint("e.g. wt queue ready A-backend")),
    }
}

fn words_named_something(words: &Words) -> bool {
    !words.plain.is_empty() || words.role.is_some()
}

fn ready(ctx: &Context, lane: &LaneWords) -> Result<u8> {
    let cfg = ctx.config()?;
    let (role, index) = role_and_lane(cfg, &Words::parse(&lane.words)?)?;
    let file = queue::store::load(ctx)?;
    let tasks = queue::ready(&file.queue, &role, index);
    print_tasks(ctx, tasks);
    Ok(0)
}

fn claim(
    ctx: &Context,
    lane_words: &LaneWords,
    owner: Option<String>,
    task: Option<String>,
) -> Result<u8> {
    let cfg = ctx.config()?;
    let words = Words::parse(&lane_words.words)?;
    let lane = cfg.select_lane(&words)?;
    let owner = owner.or(words.owner.clone()).ok_or_else(|| {
        Error::usage("who claims it? pass --owner NAME")
            .hint(format!("e.g. wt queue claim {} --owner agent-a", lane.id))
    })?;
    let task = task.or(words.task.clone());
    if let Some(b) = &words.branch {
        if b != &lane.branch {
            return Err(Error::usage(format!(
                "BRANCH={b} is not the branch of lane {} ({})",
                lane.id, lane.branch
            )));
        }
    }
    let _lock = ctx.lock("queue claim")?;
    let now = queue::store::now();
    let plan = |q: &Queue| {
        queue::plan_claim(
            q,
            &lane.role,
            lane.index,
            &lane.branch,
            &owner,
            task.as_deref(),
            &now,
        )
    };
    let applied = change(ctx, plan, Status::InProgress)?;
    report_change(
        ctx,
        &applied,
        &format!("{} claimed by {owner} in lane {}", applied.task_id, lane.id),
    )
}

fn set(ctx: &Context, words: &[String], owner: Option<String>, by: Option<String>) -> Result<u8> {
    let w = Words::parse(words)?;
    let (id, status) = match (w.task.clone(), w.status.clone(), w.plain.as_slice()) {
        (Some(id), Some(st), []) => (id, st),
        (None, None, [id, st]) => (id.clone(), st.clone()),
        (Some(id), None, [st]) => (id, st.clone()),
        (None, Some(st), [id]) => (id.clone(), st),
        _ => {
            return Err(Error::usage("give a task id and a status")
                .hint("e.g. wt queue set A-P7-001 blocked --by C-OPS-001"))
        }
    };
    let status = Status::parse(&status).ok_or_else(|| {
        Error::usage(format!("unknown status `{status}`"))
            .hint("use todo, in_progress or blocked (done is set by wt merge)")
    })?;
    let owner = owner.or(w.owner.clone());
    let _lock = ctx.lock("queue set")?;
    let plan = |q: &Queue| queue::plan_set(q, &id, status, owner.as_deref(), by.as_deref());
    let applied = change(ctx, plan, status)?;
    report_change(ctx, &applied, &format!("{id} is now {}", status.as_str()))
}

/// Apply a status change: edit the file (and commit and push it), or in delegate mode run the
/// configured argv after the rules have agreed.
fn change<F>(ctx: &Context, plan: F, status: Status) -> Result<Applied>
where
    F: Fn(&Queue) -> Result<queue::Plan, queue::RuleError>,
{
    let qc = queue::store::config(ctx)?;
    match &qc.set_status {
        None => queue::store::apply(ctx, plan),
        Some(argv) => {
            let file = queue::store::load(ctx)?;
            let p = plan(&file.queue)?;
            if !p.is_noop() {
                let owner = owner_after(&file.queue, &p);
                delegate(ctx, argv, &p.task_id, status, &owner)?;
            }
            let noop = p.is_noop();
            // why: the command, not wt, decides what the file says afterwards; report_change
            // reads it back.
            Ok(Applied {
                task_id: p.task_id,
                noop,
                message: p.message,
                commit: None,
                task: None,
            })
        }
    }
}

/// The task's owner once `p` is applied: the one the plan sets, else the one it has. A script
/// behind `set_status` (`OWNER={owner}`) must not get an empty owner just because
/// `wt queue set` was run without `--owner`.
fn owner_after(q: &Queue, p: &queue::Plan) -> String {
    match p.changes.iter().find(|(f, _)| *f == "owner") {
        Some((_, queue::FieldValue::Str(o))) => o.clone(),
        Some(_) => String::new(),
        None => q
            .task(&p.task_id)
            .and_then(|t| t.owner.clone())
            .unwrap_or_default(),
    }
}

/// Run `queue.set_status` with `{task}`, `{status}` and `{owner}` filled in per argv element.
/// The values were checked against the id pattern first: make re-expands `$(...)` even inside
/// one argv element, so a value must not be able to carry one.
fn delegate(ctx: &Context, argv: &[String], task: &str, status: Status, owner: &str) -> Result<()> {
    for (what, value) in [("task", task), ("owner", owner)] {
        if !value.is_empty() && !crate::config::names::is_task_id(value) {
            return Err(Error::usage(format!(
                "{what} `{value}` is not a valid id; the delegate command was not run"
            )));
        }
    }
    let filled: Vec<String> = argv
        .iter()
        .map(|a| {
            a.replace("{task}", task)
                .replace("{status}", status.as_str())
                .replace("{owner}", owner)
        })
        .collect();
    let info = ctx.repo()?;
    ctx.ui.status(&format!("running {}", filled.join(" ")));
    let spec = crate::sys::process::Spec {
        program: &filled[0],
        args: filled[1..].iter().map(Into::into).collect(),
        dir: &info.main,
        env: vec![
            ("WT_TASK".into(), task.into()),
            ("WT_STATUS".into(), status.as_str().into()),
            ("WT_OWNER".into(), owner.into()),
        ],
        env_remove: &[],
        capture: crate::sys::process::Capture::Stream,
        timeout: None,
    };
    match crate::sys::process::run(spec) {
        Ok(crate::sys::process::Outcome::Finished(out)) if out.status.success() => Ok(()),
        Ok(crate::sys::process::Outcome::Finished(out)) => Err(Error::refused(format!(
            "the queue's set_status command failed (exit {})",
            out.status.code().unwrap_or(-1)
        ))
        .hint("see its output above")),
        Ok(crate::sys::process::Outcome::TimedOut) => {
            Err(Error::git("the queue's set_status command timed out"))
        }
        Err(e) => Err(Error::usage(format!("cannot run `{}`: {e}", filled[0]))
            .hint("check [queue] set_status in lanes.toml")),
    }
}

fn report_change(ctx: &Context, applied: &Applied, what: &str) -> Result<u8> {
    if ctx.ui.json_mode() {
        let task = match &applied.task {
            Some(t) => Some(t.clone()),
            None => queue::store::load(ctx)?
                .queue
                .task(&applied.task_id)
                .cloned(),
        };
        ctx.ui.json(&serde_json::json!({ "task": task, "changed": !applied.noop, "commit": applied.commit }));
        return Ok(0);
    }
    if applied.noop {
        ctx.ui
            .status(&format!("{}: nothing to change", applied.task_id));
    } else {
        ctx.ui.success(what);
        if let Some(c) = &applied.commit {
            ctx.ui.status(&format!(
                "committed {} as {}",
                applied.message,
                &c[..8.min(c.len())]
            ));
        }
    }
    ctx.ui.data(&applied.task_id);
    Ok(0)
}

fn show(ctx: &Context, id: Option<&str>) -> Result<u8> {
    let file = queue::store::load(ctx)?;
    let tasks: Vec<&Task> = match id {
        None => file.queue.tasks.iter().collect(),
        Some(id) => vec![file.queue.task(id).ok_or_else(|| {
            Error::usage(format!("no task {id} in the queue")).hint("wt queue show lists them")
        })?],
    };
    print_tasks(ctx, tasks);
    Ok(0)
}

fn print_tasks(ctx: &Context, tasks: Vec<&Task>) {
    if ctx.ui.json_mode() {
        ctx.ui.json(&TaskList { tasks });
        return;
    }
    let mut table = Table::new(&["ID", "STATUS", "ROLE", "OWNER", "DEPENDS_ON", "TITLE"]);
    for t in &tasks {
        let role = match t.lane {
            Some(n) => format!("{}:{n}", t.role),
            None => t.role.clone(),
        };
        let deps = if t.depends_on.is_empty() {
            "-".to_string()
        } else {
            t.depends_on.join(",")
        };
        table.row(vec![
            t.id.clone(),
            t.status.as_str().to_string(),
            role,
            t.owner.clone().unwrap_or_else(|| "-".into()),
            deps,
            t.title.clone(),
        ]);
    }
    if tasks.is_empty() {
        ctx.ui.status("no tasks");
    } else {
        for line in table.lines() {
            ctx.ui.data(&line);
        }
    }
}

fn validate(ctx: &Context) -> Result<u8> {
    let file = queue::store::load(ctx)?;
    let repo = ctx.repo()?.open()?;
    let problems = problems(&repo, ctx.base()?.tip(&repo), &file.queue);
    if ctx.ui.json_mode() {
        ctx.ui.json(&serde_json::json!({ "ok": problems.is_empty(), "tasks": file.queue.tasks.len(), "problems": problems }));
    } else if problems.is_empty() {
        ctx.ui.success(&format!(
            "{}: {} tasks, no problems",
            file.rel.display(),
            file.queue.tasks.len()
        ));
    } else {
        for p in &problems {
            let at = p
                .line
                .map(|l| format!("{}:{l}: ", file.rel.display()))
                .unwrap_or_default();
            ctx.ui.data(&format!("{at}{}", p.message));
            if !p.fix.is_empty() {
                ctx.ui.data(&format!("    fix: {}", p.fix));
            }
        }
        ctx.ui.status(&format!("{} problem(s)", problems.len()));
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}

/// Every problem of the queue, with `merged_commit`s checked against base's tip.
fn problems(repo: &Repository, base_tip: Option<Oid>, q: &Queue) -> Vec<queue::Problem> {
    let on_base = |commit: &str| -> Option<bool> {
        let tip = base_tip?;
        let Ok(obj) = repo.revparse_single(commit) else {
            return Some(false);
        };
        let oid = obj.peel_to_commit().ok()?.id();
        Some(oid == tip || repo.graph_descendant_of(tip, oid).unwrap_or(false))
    };
    queue::validate(q, &on_base)
}

/// The task each lane has claimed (`lane id -> task id`), for `wt status`. Empty when no queue
/// is configured or it cannot be read (status never fails because of the queue).
pub fn claimed_tasks(ctx: &Context) -> HashMap<String, String> {
    let Some(Ok(summary)) = summary(ctx) else {
        return HashMap::new();
    };
    summary
        .lanes
        .into_iter()
        .map(|(lane, claim)| (lane, claim.id))
        .collect()
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
}

#[derive(Serialize, Deserialize)]
struct LaneClaim {
    id: String,
    /// Dependencies not done yet, each as `ID` and its status (`unknown` for no such task).
    unmet: Vec<(String, String)>,
}

/// `None` when no queue is configured; the load error when it cannot be read.
fn summary(ctx: &Context) -> Option<Result<Summary>> {
    let cfg = ctx.config().ok()?;
    let qc = cfg.queue.as_ref()?;
    let info = match ctx.repo() {
        Ok(info) => info,
        Err(e) => return Some(Err(e)),
    };
    let unreadable = |e: Error| Some(Err(Error::git(e.message).hint("check the repository")));
    let (repo, base) = match (info.open(), ctx.base()) {
        (Ok(repo), Ok(base)) => (repo, base),
        (Err(e), _) | (_, Err(e)) => return unreadable(e),
    };
    // why: one tip for both the cache key and the validity check, so a remembered result
    // always matches the tip it is filed under.
    let base_tip = base.tip(&repo);
    let path = info.main.join(&qc.path);
    let key_tip = base_tip.map(|t| t.to_string());
    let cache = crate::queue::cache::Cache::new(&info.common_dir, &path, &cfg.lanes, key_tip);
    if let Some(s) = cache.as_ref().and_then(|c| c.get::<Summary>()) {
        return Some(Ok(s));
    }
    let file = match queue::store::load(ctx) {
        Ok(f) => f,
        Err(e) => return Some(Err(e)),
    };
    let problems = problems(&repo, base_tip, &file.queue);
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
            };
            Some((l.id.clone(), claim))
        })
        .collect();
    let summary = Summary {
        rel: file.rel.display().to_string(),
        tasks: q.tasks.len(),
        problems,
        lanes,
    };
    if let Some(c) = &cache {
        c.put(&summary);
    }
    Some(Ok(summary))
}

/// Reasons the lane cannot be torn down because of its tasks, each with a fix: the playbook
/// tears a lane down only when its role (V1) or lane (V2) has no todo, in_progress or blocked
/// task left.
pub fn open_tasks_of(ctx: &Context, lane: &Lane) -> Vec<(String, String)> {
    let file = match queue::store::try_load(ctx) {
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
    vec![(
        format!(
            "{} still has {} open task(s): {}{more}",
            lane.id,
            open.len(),
            ids.join(", ")
        ),
        "finish or re-plan them, or pass --force-tasks to tear down anyway".to_string(),
    )]
}

/// The task a lane has claimed, as the merge, check and handoff need it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClaimedTask {
    pub id: String,
    pub status: String,
    pub owner: Option<String>,
    pub depends_on: Vec<String>,
    /// Every `depends_on` task is done.
    pub depends_on_satisfied: bool,
    pub acceptance_checks: Vec<String>,
}

/// The lane's claimed (in_progress) task, if a queue is configured and it has one.
pub fn claimed_task(ctx: &Context, lane: &Lane) -> Result<Option<ClaimedTask>> {
    let Some(file) = queue::store::try_load(ctx) else {
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
    }
}

/// Called by `wt merge` after base moved to `merged_commit`: mark the task done (file edit on base
/// with commit/push, or the delegate argv). Idempotent: a rerun after a crash finds it done with
/// the same commit and changes nothing.
pub fn mark_done(ctx: &Context, _lane: &Lane, task: &str, merged_commit: &str) -> Result<()> {
    let now = queue::store::now();
    let plan = |q: &Queue| queue::plan_done(q, task, merged_commit, &now);
    change(ctx, plan, Status::Done)?;
    Ok(())
}

/// Preflight's queue checks: the queue is valid, and the lane's claimed task has every dependency
/// done.
pub fn preflight_checks(ctx: &Context, lane: &Lane) -> Vec<Check> {
    let summary = match summary(ctx) {
        None => return vec![Check::ok("queue", "no queue configured")],
        Some(Err(e)) => {
            return vec![Check::fail(
                "queue",
                &e.message,
                e.hints.first().map_or("fix the queue file", |h| h.as_str()),
            )]
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
    checks
}
