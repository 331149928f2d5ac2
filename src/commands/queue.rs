//! `wt queue ...`: the work queue (SPEC section 6). Rules live in `queue`, the file with its
//! commit and push in `queue::store`, status changes in `queue::change`; this file parses the
//! words and reports. What other commands need of the queue is in `lane::task`.

use super::LaneWords;
use crate::config::{Config, Words};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::lane::task::problems;
use crate::queue::store::{self, Applied, QueueFile};
use crate::queue::{self, Queue, Status, Task, TaskList};
use crate::ui::table::Table;
use clap::Subcommand;

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
        /// Who works on it: an agent or person id, recorded as the task's owner (required;
        /// `OWNER=NAME` works too).
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        /// Claim this task instead of the next ready one.
        #[arg(long)]
        task: Option<String>,
        /// Claim --task before its dependencies are done, under this accepted ADR (repo-relative
        /// path on base naming the task, with a reason and a rollback plan).
        #[arg(long, value_name = "PATH")]
        exception: Option<String>,
    },
    /// Set a task's status: todo, in_progress or blocked (done is set by `wt merge`).
    Set {
        /// Task id, or TASK_ID=... STATUS=... OWNER=... words.
        #[arg(value_name = "ARGS")]
        words: Vec<String>,
        /// Record NAME as the task's owner with the new status.
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        /// The task that blocks this one (blocked needs --by or --reason).
        #[arg(long, value_name = "ID")]
        by: Option<String>,
        /// Why it is blocked when no task blocks it, e.g. "awaiting ADR doc/…/0007-x.md".
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Show every task, or one.
    Show {
        /// The task to show; every task when left out.
        #[arg(value_name = "ID")]
        id: Option<String>,
    },
    /// Check the queue and list every problem (exit 1 if any).
    Validate {
        /// Warnings (acceptance checks that are prose, not commands) count as problems.
        #[arg(long)]
        strict: bool,
    },
    /// Draw the tasks' dependencies: one node per task, coloured by state, one edge per
    /// dependency (Mermaid renders as-is in Markdown on a code forge).
    Graph {
        /// Mermaid (`flowchart`) or Graphviz DOT (`digraph`); `--json` gives nodes and edges.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        /// Only this role's tasks, with the tasks they depend on.
        #[arg(long, value_name = "ROLE")]
        role: Option<String>,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

pub fn run(ctx: &Context, cmd: QueueCommand) -> Result<u8> {
    match cmd {
        QueueCommand::Ready { lane } => ready(ctx, &lane),
        QueueCommand::Claim {
            lane,
            owner,
            task,
            exception,
        } => claim(ctx, &lane, owner, task, exception),
        QueueCommand::Set {
            words,
            owner,
            by,
            reason,
        } => set(ctx, &words, owner, by, reason),
        QueueCommand::Show { id } => show(ctx, id.as_deref()),
        QueueCommand::Validate { strict } => validate(ctx, strict),
        QueueCommand::Graph { format, role } => graph(ctx, format, role.as_deref()),
    }
}

fn load(ctx: &Context) -> Result<QueueFile> {
    store::load(ctx.repo()?, store::config(ctx.config()?)?)
}

/// A status change through `queue::change`, with base found only if the change is committed.
fn change<F>(ctx: &Context, plan: F, status: Status) -> Result<Applied>
where
    F: Fn(&Queue) -> Result<queue::Plan, queue::RuleError>,
{
    let base = || ctx.base();
    let site = store::Site {
        info: ctx.repo()?,
        qc: store::config(ctx.config()?)?,
        base: &base,
    };
    queue::change::change(&site, &ctx.ui, plan, status)
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
    let file = load(ctx)?;
    let tasks = queue::ready(&file.queue, &role, index);
    print_tasks(ctx, tasks);
    Ok(0)
}

fn claim(
    ctx: &Context,
    lane_words: &LaneWords,
    owner: Option<String>,
    task: Option<String>,
    exception: Option<String>,
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
    let now = crate::sys::clock::now();
    let adr = match (&exception, &task) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(
                Error::usage("--exception claims one named task").hint(format!(
                    "wt queue claim {} --task ID --exception PATH",
                    lane.id
                )),
            )
        }
        (Some(path), Some(id)) => {
            let repo = ctx.repo()?.open()?;
            Some(crate::lane::exception::judge(
                &repo,
                &ctx.base()?,
                id,
                path,
            )?)
        }
    };
    let plan = |q: &Queue| match (&adr, &task) {
        (Some(path), Some(id)) => queue::exception::plan_claim_by_exception(
            q,
            &lane.role,
            lane.index,
            &lane.branch,
            &owner,
            id,
            path,
            &now,
        ),
        _ => queue::plan_claim(
            q,
            &lane.role,
            lane.index,
            &lane.branch,
            &owner,
            task.as_deref(),
            &now,
        ),
    };
    let applied = change(ctx, plan, Status::InProgress)?;
    report_change(
        ctx,
        &applied,
        &format!("{} claimed by {owner} in lane {}", applied.task_id, lane.id),
    )
}

fn set(
    ctx: &Context,
    words: &[String],
    owner: Option<String>,
    by: Option<String>,
    reason: Option<String>,
) -> Result<u8> {
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
    if reason.is_some() && (status != Status::Blocked || by.is_some()) {
        return Err(
            Error::usage("--reason goes with `blocked`, instead of --by").hint(format!(
                "wt queue set {id} blocked --reason \"awaiting ADR …\""
            )),
        );
    }
    let plan = |q: &Queue| match &reason {
        Some(r) => queue::exception::plan_block_with_reason(q, &id, r),
        None => queue::plan_set(q, &id, status, owner.as_deref(), by.as_deref()),
    };
    let applied = change(ctx, plan, status)?;
    report_change(ctx, &applied, &format!("{id} is now {}", status.as_str()))
}

fn report_change(ctx: &Context, applied: &Applied, what: &str) -> Result<u8> {
    if ctx.ui.json_mode() {
        let task = match &applied.task {
            Some(t) => Some(t.clone()),
            None => load(ctx)?.queue.task(&applied.task_id).cloned(),
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
    let file = load(ctx)?;
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

fn validate(ctx: &Context, strict: bool) -> Result<u8> {
    let file = load(ctx)?;
    let repo = ctx.repo()?.open()?;
    let problems = problems(&repo, ctx.base()?.tip(&repo), &file.queue);
    let warnings = prose_warnings(&ctx.repo()?.main, &file.queue);
    let failed = !problems.is_empty() || (strict && !warnings.is_empty());
    if ctx.ui.json_mode() {
        ctx.ui.json(&serde_json::json!({ "ok": !failed, "tasks": file.queue.tasks.len(), "problems": problems, "warnings": warnings }));
        return Ok(if failed { 1 } else { 0 });
    }
    let at = |line: Option<u32>| {
        line.map(|l| format!("{}:{l}: ", file.rel.display()))
            .unwrap_or_default()
    };
    for p in &problems {
        ctx.ui.data(&format!("{}{}", at(p.line), p.message));
        if !p.fix.is_empty() {
            ctx.ui.data(&format!("    fix: {}", p.fix));
        }
    }
    for w in &warnings {
        let label = if strict { "error" } else { "warning" };
        ctx.ui
            .data(&format!("{}{label}: {}", at(w.line), w.message));
        ctx.ui.data(&format!("    fix: {}", w.fix));
    }
    if problems.is_empty() && warnings.is_empty() {
        ctx.ui.success(&format!(
            "{}: {} tasks, no problems",
            file.rel.display(),
            file.queue.tasks.len()
        ));
    } else {
        let mut line = format!("{} problem(s)", problems.len());
        if !warnings.is_empty() {
            line.push_str(&format!(", {} warning(s)", warnings.len()));
            if strict {
                line.push_str(" (errors under --strict)");
            }
        }
        ctx.ui.status(&line);
    }
    Ok(if failed { 1 } else { 0 })
}

/// A warning of `wt queue validate`: an acceptance check that is prose, not a command.
#[derive(serde::Serialize)]
struct Warning {
    kind: &'static str,
    task: String,
    line: Option<u32>,
    check: String,
    message: String,
    fix: String,
}

/// Every acceptance check of an open task whose first word cannot run, judged in the main
/// checkout.
fn prose_warnings(main: &std::path::Path, q: &crate::queue::Queue) -> Vec<Warning> {
    let mut out = Vec::new();
    for t in q.tasks.iter().filter(|t| t.status != Status::Done) {
        for (check, why) in crate::lane::quality::prose_checks(main, &t.acceptance_checks) {
            out.push(Warning {
                kind: "prose_check",
                task: t.id.clone(),
                line: t.line,
                message: format!("{}: acceptance check \"{check}\" is prose, not a command: {why}", t.id),
                fix: "write it as a command the lane can run (e.g. `make test`, `go test ./...`, `rg -q PATTERN FILE`)".to_string(),
                check,
            });
        }
    }
    out
}

fn graph(ctx: &Context, format: GraphFormat, role: Option<&str>) -> Result<u8> {
    if let Some(r) = role {
        let cfg = ctx.config()?;
        if cfg.role(r).is_none() {
            let known: Vec<&str> = cfg.roles.iter().map(|r| r.name.as_str()).collect();
            return Err(Error::usage(format!("no role `{r}` in lanes.toml"))
                .hint(format!("the roles are {}", known.join(", "))));
        }
    }
    let file = load(ctx)?;
    let g = queue::graph::graph(&file.queue, role);
    if ctx.ui.json_mode() {
        ctx.ui.json(&g);
        return Ok(0);
    }
    let text = match format {
        GraphFormat::Mermaid => crate::ui::graph::mermaid(&g),
        GraphFormat::Dot => crate::ui::graph::dot(&g),
    };
    ctx.ui.text(&text);
    Ok(0)
}
