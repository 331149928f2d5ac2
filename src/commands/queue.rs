//! `wt queue ...`: the work queue (SPEC section 6). Rules live in `queue`, the file with its
//! commit and push in `queue::store`, status changes in `queue::change`; this file parses the
//! words and reports. What other commands need of the queue is in `lane::task`.

use super::LaneWords;
use crate::config::{Config, Words};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::lane::task::{problems, role_lanes};
use crate::queue::model::Field;
use crate::queue::store::{self, Applied, QueueFile};
use crate::queue::{self, FieldValue, Queue, Severity, Status, Task, TaskList};
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
        /// Why it is blocked, in words (stored as blocked_reason).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Show every task, or one.
    Show {
        /// The task to show; every task when left out.
        #[arg(value_name = "ID")]
        id: Option<String>,
    },
    /// Check the queue and list every problem with its line (exit 1 on errors; warnings
    /// exit 0 unless --strict).
    Validate {
        /// Warnings fail too.
        #[arg(long)]
        strict: bool,
    },
    /// Append a new task in the file's own style, checked like the rest of the queue.
    Add(AddArgs),
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

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// The new task's id.
    #[arg(value_name = "ID")]
    id: String,
    /// What the task is, in a line.
    #[arg(long)]
    title: String,
    /// A role of lanes.toml.
    #[arg(long)]
    role: String,
    /// V2: the lane of the role that must take it (any lane when left out).
    #[arg(long)]
    lane: Option<u32>,
    /// A task that must be done first (repeat for more).
    #[arg(long = "depends-on", value_name = "ID")]
    depends_on: Vec<String>,
    /// An acceptance check, a shell command (repeat for more).
    #[arg(long = "check", value_name = "CMD")]
    checks: Vec<String>,
    /// Lower is taken first (default: [queue] default_priority).
    #[arg(long)]
    priority: Option<u32>,
    /// The team's kind of work: epic, story, task, bug, spike...
    #[arg(long)]
    kind: Option<String>,
    /// Any other field, as the team names it (repeat for more).
    #[arg(long = "field", value_name = "KEY=VALUE")]
    fields: Vec<String>,
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
        QueueCommand::Add(args) => add(ctx, args),
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
    let lanes = cfg
        .roles
        .iter()
        .find(|r| r.name == role)
        .and_then(|r| r.lanes);
    // why: a task pinned to a lane its role does not have can never be claimed; `validate`
    // names it, and `ready` does not offer it.
    let tasks = queue::ready(&file.queue, &role, index)
        .into_iter()
        .filter(|t| t.lane.is_none_or(|n| lanes.is_some_and(|max| n <= max)))
        .collect();
    print_tasks(ctx, &file.queue, tasks);
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
    let plan = |q: &Queue| {
        queue::plan_set_reason(
            q,
            &id,
            status,
            owner.as_deref(),
            by.as_deref(),
            reason.as_deref(),
        )
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
    let q = &file.queue;
    match id {
        None if ctx.ui.json_mode() => ctx.ui.json(&TaskList::all(q)),
        None => print_tasks(ctx, q, q.tasks.iter().collect()),
        Some(id) => {
            let task = q
                .task(id)
                .or_else(|| q.archived(id).map(|(_, t)| t))
                .ok_or_else(|| {
                    Error::usage(format!("no task {id} in the queue"))
                        .hint("wt queue show lists them")
                })?;
            print_tasks(ctx, q, vec![task]);
        }
    }
    Ok(0)
}

fn print_tasks(ctx: &Context, queue: &Queue, tasks: Vec<&Task>) {
    if ctx.ui.json_mode() {
        ctx.ui.json(&TaskList::some(tasks));
        return;
    }
    let mut table = Table::new(&[
        "ID",
        "STATUS",
        "PRIORITY",
        "ROLE",
        "OWNER",
        "DEPENDS_ON",
        "TITLE",
    ]);
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
            queue.priority_of(t).to_string(),
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
    let cfg = ctx.config()?;
    let (file, findings, archived) = store::load_all(ctx.repo()?, store::config(cfg)?)?;
    let repo = ctx.repo()?.open()?;
    let roles = role_lanes(cfg);
    let tip = ctx.base()?.tip(&repo);
    let mut problems = problems(&repo, tip, &file.queue, &findings, Some(&roles));
    problems.extend(crate::lane::quality::prose_problems(
        &ctx.repo()?.main,
        &file.queue,
    ));
    problems.sort_by_key(|p| (p.file.is_some(), p.line.unwrap_or(u32::MAX)));
    problems.extend(archived);
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    let failed = errors > 0 || (strict && warnings > 0);
    let rel = file.rel.display().to_string();
    if ctx.ui.json_mode() {
        let listed: Vec<&queue::Problem> = problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .collect();
        ctx.ui.json(&serde_json::json!({ "ok": !failed, "tasks": file.queue.tasks.len(), "errors": errors, "problems": problems, "warnings": listed }));
    } else if problems.is_empty() {
        ctx.ui.success(&format!(
            "{rel}: {} tasks, no problems",
            file.queue.tasks.len()
        ));
    } else {
        for p in &problems {
            let in_file = p.file.as_deref().unwrap_or(&rel);
            let at = p
                .line
                .map(|l| format!("{in_file}:{l}: "))
                .unwrap_or_default();
            let severity = match p.severity {
                Severity::Error => "",
                Severity::Warning if strict => "error: ",
                Severity::Warning => "warning: ",
            };
            ctx.ui.data(&format!("{at}{severity}{}", p.message));
            if !p.fix.is_empty() {
                ctx.ui.data(&format!("    fix: {}", p.fix));
            }
        }
        ctx.ui
            .status(&format!("{errors} error(s), {warnings} warning(s)"));
    }
    Ok(u8::from(failed))
}

fn add(ctx: &Context, a: AddArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let roles = role_lanes(cfg);
    let mut task = Task::new(&a.id, &a.title, &a.role);
    task.lane = a.lane;
    task.depends_on = a.depends_on;
    task.acceptance_checks = a.checks;
    task.priority = a.priority;
    task.kind = a.kind;
    let prose = crate::lane::quality::prose_checks(&ctx.repo()?.main, &task.acceptance_checks);
    if let Some((check, why)) = prose.first() {
        return Err(Error::refused(format!(
            "--check \"{check}\" is prose, not a command: {why}; nothing was added"
        ))
        .details(prose.iter().skip(1).map(|(c, w)| format!("\"{c}\": {w}")))
        .hint(
            "give each --check as a command the lane can run (e.g. --check \"make test\", --check \"go test ./...\", --check \"rg -q PATTERN FILE\")",
        ));
    }
    let mut fields = Vec::new();
    for word in &a.fields {
        let Some((key, value)) = word.split_once('=') else {
            return Err(Error::usage(format!("--field {word:?} is not KEY=VALUE"))
                .hint("e.g. --field risk_level=high"));
        };
        fields.push((key.to_string(), value.to_string()));
    }
    let _lock = ctx.lock("queue add")?;
    let base = || ctx.base();
    let site = store::Site {
        info: ctx.repo()?,
        qc: store::config(cfg)?,
        base: &base,
    };
    let plan = |q: &Queue| {
        let mut t = task.clone();
        for (key, value) in &fields {
            set_extra(q, &mut t, key, value)?;
        }
        queue::add::check_new(q, &t, &roles)?;
        Ok(queue::Plan::add(t))
    };
    let applied = store::apply(&site, &ctx.ui, plan)?;
    if task.acceptance_checks.is_empty() {
        ctx.ui.warn(&format!(
            "{} has no acceptance checks; `wt queue validate` warns until it has some",
            task.id
        ));
    }
    let what = format!("{} added for {}", applied.task_id, a.role);
    report_change(ctx, &applied, &what)
}

/// `--field KEY=VALUE`: a field `wt` knows (by its name or the team's), or a key of the team's
/// own that is not a near miss of one.
fn set_extra(q: &Queue, t: &mut Task, key: &str, value: &str) -> Result<(), queue::RuleError> {
    let bad = |message: String, fix: &str| queue::RuleError {
        kind: queue::RuleErrorKind::BadArgument,
        message,
        details: Vec::new(),
        fix: fix.to_string(),
    };
    let field = q.schema.field(key).or_else(|| Field::from_name(key));
    if let Some(field) = field {
        let v = match field {
            Field::Id | Field::Status | Field::DependsOn | Field::AcceptanceChecks => {
                return Err(bad(
                    format!("`{key}` is set by its own option, not --field"),
                    "use --depends-on, --check; a new task is always todo",
                ))
            }
            Field::Lane | Field::Priority | Field::Sequence | Field::MergeOrder => {
                FieldValue::Int(value.parse().map_err(|_| {
                    bad(
                        format!("`{key}` needs a whole number, not {value:?}"),
                        "e.g. --field sequence=3",
                    )
                })?)
            }
            _ => FieldValue::str(value),
        };
        return t
            .set(field, v)
            .map_err(|m| bad(m, "pass a value that fits the field"));
    }
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    if !plain {
        return Err(bad(
            format!("--field key {key:?} is not a plain name"),
            "use letters, digits, `_` and `-`",
        ));
    }
    if let Some(r) = q.schema.refuse_task_key(key) {
        return Err(bad(r.message, &r.fix));
    }
    if value.chars().any(char::is_control) {
        return Err(bad(
            format!("the value of `{key}` must be one line"),
            "pass it without line breaks",
        ));
    }
    let json = match value.parse::<u32>() {
        Ok(n) if n.to_string() == value => serde_json::Value::from(n),
        _ => serde_json::Value::String(value.to_string()),
    };
    t.extra.0.retain(|(k, _)| k != key);
    t.extra.0.push((key.to_string(), json));
    Ok(())
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
