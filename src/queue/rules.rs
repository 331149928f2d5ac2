//! The queue's state rules as pure functions: which tasks are ready, what a claim, a status
//! change or a merge changes (a [`Plan`] of field values for `edit`), and what is wrong with a
//! queue ([`validate`]). Nothing here reads files, runs git or prints.
//!
//! A lane is identified by its branch: a task `in_progress` with that `branch`, or with the same
//! `role` and the same `lane` field (both absent for a V1 role), occupies the lane.

use std::collections::HashMap;

use super::model::{FieldValue, NameKind, Queue, Status, Task};
pub use super::validate::{validate, Problem, ProblemKind};
use crate::error::Error;

/// What a queue command would change: field values for one task, ready for `edit::set_fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub task_id: String,
    /// Only fields whose value actually changes; empty when there is nothing to do.
    pub changes: Vec<(&'static str, FieldValue)>,
    /// Subject of the queue commit, e.g. `queue: A-P7-001 in_progress (agent-a)`.
    pub message: String,
    /// A new task to append instead (`wt queue add`); `changes` is then empty.
    pub add: Option<Box<Task>>,
}

impl Plan {
    fn new(task: &Task, wanted: Vec<(&'static str, FieldValue)>, message: String) -> Plan {
        let changes = wanted
            .into_iter()
            .filter(|(f, v)| task.field(f).as_ref() != Some(v))
            .collect();
        Plan {
            task_id: task.id.clone(),
            changes,
            message,
            add: None,
        }
    }

    /// Appends `task` (checked by the caller, see `add::check_new`).
    pub fn add(task: Task) -> Plan {
        Plan {
            task_id: task.id.clone(),
            changes: Vec::new(),
            message: format!("queue: {} added ({})", task.id, task.role),
            add: Some(Box::new(task)),
        }
    }

    pub fn is_noop(&self) -> bool {
        self.changes.is_empty() && self.add.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleErrorKind {
    /// A rule said no (exit 1).
    Refused,
    /// The request itself is wrong: unknown task, malformed owner (exit 2).
    BadArgument,
}

/// Why a queue command cannot go ahead; nothing has changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RuleError {
    pub kind: RuleErrorKind,
    pub message: String,
    /// Lines shown under the message (e.g. each unmet dependency).
    pub details: Vec<String>,
    pub fix: String,
}

impl RuleError {
    pub(crate) fn refused(message: String, fix: impl Into<String>) -> Self {
        RuleError {
            kind: RuleErrorKind::Refused,
            message,
            details: Vec::new(),
            fix: fix.into(),
        }
    }

    pub(crate) fn bad(message: String, fix: impl Into<String>) -> Self {
        RuleError {
            kind: RuleErrorKind::BadArgument,
            message,
            details: Vec::new(),
            fix: fix.into(),
        }
    }

    fn with_details(mut self, details: Vec<String>) -> Self {
        self.details = details;
        self
    }
}

impl From<RuleError> for Error {
    fn from(e: RuleError) -> Self {
        let base = match e.kind {
            RuleErrorKind::Refused => Error::refused(e.message),
            RuleErrorKind::BadArgument => Error::usage(e.message),
        };
        let base = base.details(e.details);
        if e.fix.is_empty() {
            base
        } else {
            base.hint(e.fix)
        }
    }
}

/// Tasks of `role` that are `todo` with every dependency done, most urgent first: by
/// `priority` (lower first; absent is the queue's default), then `sequence` (absent last), then
/// file order. With a lane (V2), a task pinned to another lane is left out; a task without
/// `lane` suits any lane.
pub fn ready<'q>(queue: &'q Queue, role: &str, lane: Option<u32>) -> Vec<&'q Task> {
    let status = status_index(queue);
    let mut tasks: Vec<&Task> = queue
        .tasks
        .iter()
        .filter(|t| t.status == Status::Todo && t.role == role && lane_matches(t, lane))
        .filter(|t| {
            t.depends_on
                .iter()
                .all(|d| status.get(d.as_str()) == Some(&Status::Done))
        })
        .collect();
    // why: a stable sort keeps file order among equals.
    tasks.sort_by_key(|t| urgency(queue, t));
    // why: V2 children of one parent are listed in the order they will merge.
    super::family::children_in_merge_order(&mut tasks);
    tasks
}

/// The order tasks are taken in: priority, then sequence (absent last).
fn urgency(queue: &Queue, task: &Task) -> (u32, u32) {
    (queue.priority_of(task), task.sequence.unwrap_or(u32::MAX))
}

/// The task a lane is working on: the first `in_progress` task occupying it.
pub fn lane_task<'q>(
    queue: &'q Queue,
    role: &str,
    lane: Option<u32>,
    branch: &str,
) -> Option<&'q Task> {
    queue.tasks.iter().find(|t| occupies(t, role, lane, branch))
}

/// Each id's status; archived tasks count too (a done one satisfies `depends_on`), after the
/// live ones.
fn status_index(queue: &Queue) -> HashMap<&str, Status> {
    let mut map = HashMap::with_capacity(queue.tasks.len());
    let archived = queue.archive.iter().flat_map(|a| &a.tasks);
    for t in queue.tasks.iter().chain(archived) {
        map.entry(t.id.as_str()).or_insert(t.status);
    }
    map
}

fn lane_matches(task: &Task, lane: Option<u32>) -> bool {
    match (lane, task.lane) {
        (Some(want), Some(pinned)) => want == pinned,
        _ => true,
    }
}

fn occupies(task: &Task, role: &str, lane: Option<u32>, branch: &str) -> bool {
    task.status == Status::InProgress
        && (task.branch.as_deref() == Some(branch) || (task.role == role && task.lane == lane))
}

/// Dependencies that are not done, with their status (`None`: no such task).
fn unmet<'t>(task: &'t Task, status: &HashMap<&str, Status>) -> Vec<(&'t str, Option<Status>)> {
    unmet_by(task, |d| status.get(d).copied())
}

/// The dependencies of `task` that are not done, each with its status (`None`: no such task).
pub fn unmet_dependencies<'t>(queue: &Queue, task: &'t Task) -> Vec<(&'t str, Option<Status>)> {
    // why: one task's few dependencies are looked up directly; an index of every task's status
    // pays only when many tasks are judged.
    unmet_by(task, |d| {
        queue
            .task(d)
            .or_else(|| queue.archived(d).map(|(_, t)| t))
            .map(|t| t.status)
    })
}

fn unmet_by(
    task: &Task,
    status_of: impl Fn(&str) -> Option<Status>,
) -> Vec<(&str, Option<Status>)> {
    task.depends_on
        .iter()
        .map(|d| (d.as_str(), status_of(d)))
        .filter(|(_, s)| *s != Some(Status::Done))
        .collect()
}

fn unmet_lines(unmet: &[(&str, Option<Status>)]) -> Vec<String> {
    unmet
        .iter()
        .map(|(id, s)| match s {
            Some(s) => format!("{id} is {s}"),
            None => format!("{id} does not exist in the queue"),
        })
        .collect()
}

fn check_arg(what: &str, value: &str, kind: NameKind) -> Result<(), RuleError> {
    if kind.check(value) {
        return Ok(());
    }
    let message = format!("{what} {value:?} is not valid");
    Err(RuleError::bad(
        message,
        format!("use a {what} matching {}", kind.rule()),
    ))
}

fn find<'q>(queue: &'q Queue, id: &str) -> Result<&'q Task, RuleError> {
    if let Some(t) = queue.task(id) {
        return Ok(t);
    }
    if let Some((file, t)) = queue.archived(id) {
        let at = t.line.map_or(String::new(), |l| format!(":{l}"));
        return Err(RuleError::refused(
            format!("{id} is archived ({file}{at}): archive tasks are read-only and never claimed"),
            "add a follow-up task with `wt queue add`",
        ));
    }
    Err(RuleError::bad(
        format!("no task {id:?} in the queue"),
        "check the id with `wt queue show`",
    ))
}

/// Claims a task for a lane: the given one, or the most urgent ready one (see [`ready`]).
pub fn plan_claim(
    queue: &Queue,
    role: &str,
    lane: Option<u32>,
    branch: &str,
    owner: &str,
    task: Option<&str>,
    now: &str,
) -> Result<Plan, RuleError> {
    check_arg("role", role, NameKind::Role)?;
    check_arg("branch", branch, NameKind::Branch)?;
    check_arg("owner", owner, NameKind::Id)?;
    if let Some(busy) = lane_task(queue, role, lane, branch) {
        let message = format!(
            "lane {branch} already has {} in_progress (owner {})",
            busy.id,
            opt(&busy.owner)
        );
        let fix = format!(
            "finish it with `wt merge`, or park it with `wt queue set {} blocked --by ID`",
            busy.id
        );
        return Err(RuleError::refused(message, fix));
    }
    let status = status_index(queue);
    let chosen = match task {
        Some(id) => claimable(find(queue, id)?, role, lane, &status)?,
        None => next_ready(queue, role, lane, &status)?,
    };
    let wanted = vec![
        ("status", FieldValue::str(Status::InProgress.as_str())),
        ("owner", FieldValue::str(owner)),
        ("branch", FieldValue::str(branch)),
        ("claimed_at", FieldValue::str(now)),
        ("blocked_by", FieldValue::Null),
        ("blocked_reason", FieldValue::Null),
    ];
    Ok(Plan::new(
        chosen,
        wanted,
        format!("queue: {} in_progress ({owner})", chosen.id),
    ))
}

fn claimable<'q>(
    task: &'q Task,
    role: &str,
    lane: Option<u32>,
    status: &HashMap<&str, Status>,
) -> Result<&'q Task, RuleError> {
    if task.role != role {
        let message = format!("{} belongs to role {}, not {role}", task.id, task.role);
        return Err(RuleError::refused(
            message,
            format!("claim it from a {} lane", task.role),
        ));
    }
    if !lane_matches(task, lane) {
        let message = format!(
            "{} is pinned to lane {} of {role}",
            task.id,
            task.lane.unwrap_or(0)
        );
        return Err(RuleError::refused(
            message,
            "claim it from that lane, or pick another task",
        ));
    }
    if task.status != Status::Todo {
        let message = format!(
            "{} is {} (owner {}), not todo",
            task.id,
            task.status,
            opt(&task.owner)
        );
        return Err(RuleError::refused(
            message,
            "claim a todo task; `wt queue ready ROLE` lists them",
        ));
    }
    let unmet = unmet(task, status);
    if !unmet.is_empty() {
        let message = format!("{} has unmet dependencies", task.id);
        let fix =
            "wait until they are merged (done); `wt queue ready ROLE` lists tasks you can take now";
        return Err(RuleError::refused(message, fix).with_details(unmet_lines(&unmet)));
    }
    Ok(task)
}

fn next_ready<'q>(
    queue: &'q Queue,
    role: &str,
    lane: Option<u32>,
    status: &HashMap<&str, Status>,
) -> Result<&'q Task, RuleError> {
    let mut waiting = Vec::new();
    let mut best: Option<&Task> = None;
    for t in queue
        .tasks
        .iter()
        .filter(|t| t.status == Status::Todo && t.role == role && lane_matches(t, lane))
    {
        let unmet = unmet(t, status);
        if unmet.is_empty() {
            if best.is_none_or(|b| urgency(queue, t) < urgency(queue, b)) {
                best = Some(t);
            }
            continue;
        }
        if waiting.len() < 5 {
            waiting.push(format!(
                "{} waits on {}",
                t.id,
                unmet_lines(&unmet).join(", ")
            ));
        }
    }
    if let Some(t) = best {
        return Ok(t);
    }
    let lane_text = lane.map_or(String::new(), |n| format!(" lane {n}"));
    let message = format!("no ready task for {role}{lane_text}");
    let fix = if waiting.is_empty() {
        "add tasks for this role to the queue"
    } else {
        "wait for the dependencies to be merged"
    };
    Err(RuleError::refused(message, fix).with_details(waiting))
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("none")
}

/// Sets a task's status by hand: `todo` (releases it), `in_progress` (resumes it in its lane)
/// or `blocked` (`by` names the blocking task). `done` is only set by a merge.
pub fn plan_set(
    queue: &Queue,
    id: &str,
    status: Status,
    owner: Option<&str>,
    by: Option<&str>,
) -> Result<Plan, RuleError> {
    plan_set_reason(queue, id, status, owner, by, None)
}

/// [`plan_set`] where `blocked` may give a reason (`blocked_reason`) instead of, or beside, the
/// blocking task.
pub fn plan_set_reason(
    queue: &Queue,
    id: &str,
    status: Status,
    owner: Option<&str>,
    by: Option<&str>,
    reason: Option<&str>,
) -> Result<Plan, RuleError> {
    let task = find(queue, id)?;
    if let Some(o) = owner {
        check_arg("owner", o, NameKind::Id)?;
    }
    if task.status == Status::Done {
        let message = format!(
            "{id} is done (merged as {}); a merged task is not reopened",
            opt(&task.merged_commit)
        );
        return Err(RuleError::refused(message, "add a follow-up task instead"));
    }
    let wanted = match status {
        Status::Done => {
            let message =
                "`done` is set by `wt merge`, once the lane's commits are on base".to_string();
            return Err(RuleError::refused(
                message,
                "run `wt merge LANE` for the lane that holds the task",
            ));
        }
        Status::Todo => release(owner),
        Status::InProgress => resume(queue, task, owner)?,
        Status::Blocked => block(queue, task, owner, by, reason)?,
    };
    let who = owner
        .or(task.owner.as_deref())
        .map_or(String::new(), |o| format!(" ({o})"));
    Ok(Plan::new(
        task,
        wanted,
        format!("queue: {id} {status}{who}"),
    ))
}

fn release(owner: Option<&str>) -> Vec<(&'static str, FieldValue)> {
    vec![
        ("status", FieldValue::str(Status::Todo.as_str())),
        ("owner", owner.map_or(FieldValue::Null, FieldValue::str)),
        ("branch", FieldValue::Null),
        ("claimed_at", FieldValue::Null),
        ("blocked_by", FieldValue::Null),
        ("blocked_reason", FieldValue::Null),
    ]
}

fn resume(
    queue: &Queue,
    task: &Task,
    owner: Option<&str>,
) -> Result<Vec<(&'static str, FieldValue)>, RuleError> {
    let Some(owner) = owner.or(task.owner.as_deref()) else {
        return Err(RuleError::bad(
            format!("{} has no owner", task.id),
            "pass --owner NAME",
        ));
    };
    let Some(branch) = task.branch.as_deref() else {
        let message = format!(
            "{} has no branch; a task starts by being claimed from a lane",
            task.id
        );
        return Err(RuleError::refused(
            message,
            format!(
                "run `wt queue claim LANE --owner {owner} --task {}`",
                task.id
            ),
        ));
    };
    let unmet = unmet(task, &status_index(queue));
    if !unmet.is_empty() {
        let message = format!("{} has unmet dependencies", task.id);
        return Err(
            RuleError::refused(message, "wait until they are merged (done)")
                .with_details(unmet_lines(&unmet)),
        );
    }
    let busy = queue
        .tasks
        .iter()
        .find(|t| t.id != task.id && occupies(t, &task.role, task.lane, branch));
    if let Some(busy) = busy {
        let message = format!("lane {branch} already has {} in_progress", busy.id);
        return Err(RuleError::refused(
            message,
            format!("finish or block {} first", busy.id),
        ));
    }
    Ok(vec![
        ("status", FieldValue::str(Status::InProgress.as_str())),
        ("owner", FieldValue::str(owner)),
        ("blocked_by", FieldValue::Null),
        ("blocked_reason", FieldValue::Null),
    ])
}

fn block(
    queue: &Queue,
    task: &Task,
    owner: Option<&str>,
    by: Option<&str>,
    reason: Option<&str>,
) -> Result<Vec<(&'static str, FieldValue)>, RuleError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if by.is_none() && reason.is_none() {
        return Err(RuleError::bad(
            "`blocked` needs the blocking task or a reason".into(),
            format!(
                "pass --by ID or --reason TEXT: `wt queue set {} blocked --reason \"waiting for the API review\"`",
                task.id
            ),
        ));
    }
    let mut wanted = vec![("status", FieldValue::str(Status::Blocked.as_str()))];
    if let Some(by) = by {
        if by == task.id {
            return Err(RuleError::bad(
                format!("{by} cannot block itself"),
                "name the task it waits for",
            ));
        }
        if queue.task(by).is_none() && queue.archived(by).is_none() {
            find(queue, by)?;
        }
        wanted.push(("blocked_by", FieldValue::str(by)));
    }
    if let Some(reason) = reason {
        if reason.chars().any(char::is_control) {
            return Err(RuleError::bad(
                "the reason must be one line of text".into(),
                "pass --reason without line breaks",
            ));
        }
        wanted.push(("blocked_reason", FieldValue::str(reason)));
    }
    if let Some(o) = owner {
        wanted.push(("owner", FieldValue::str(o)));
    }
    Ok(wanted)
}

/// Marks a merged task done. Running it again with the same commit changes nothing, so an
/// interrupted merge can finish exactly once.
pub fn plan_done(
    queue: &Queue,
    id: &str,
    merged_commit: &str,
    now: &str,
) -> Result<Plan, RuleError> {
    plan_done_with(queue, id, merged_commit, now, &[])
}

/// [`plan_done`], also setting `extra` fields (the defect evidence the merge recorded).
pub fn plan_done_with(
    queue: &Queue,
    id: &str,
    merged_commit: &str,
    now: &str,
    extra: &[(&'static str, String)],
) -> Result<Plan, RuleError> {
    check_arg("merged commit", merged_commit, NameKind::Commit)?;
    let task = find(queue, id)?;
    let open = super::family::open_children(queue, id);
    if task.status != Status::Done && !open.is_empty() {
        let names: Vec<String> = open.iter().map(|t| super::family::describe(t)).collect();
        let message = format!(
            "{id} cannot be done while its children are not: {}",
            names.join(", ")
        );
        return Err(RuleError::refused(
            message,
            "merge the children first (`wt merge LANE…` lands them in merge_order)",
        ));
    }
    let message = format!("queue: {id} done ({merged_commit})");
    match task.status {
        Status::Done if task.merged_commit.as_deref() == Some(merged_commit) => Ok(Plan {
            task_id: id.to_string(),
            changes: Vec::new(),
            message,
            add: None,
        }),
        Status::Done => {
            let message = format!(
                "{id} is already done (merged as {})",
                opt(&task.merged_commit)
            );
            Err(RuleError::refused(
                message,
                "a task is marked done once; add a follow-up task for new work",
            ))
        }
        Status::Todo => {
            let message = format!("{id} is todo: it was never claimed, so no merge can finish it");
            Err(RuleError::refused(
                message,
                format!("claim it first: `wt queue claim LANE --task {id}`"),
            ))
        }
        Status::InProgress | Status::Blocked => {
            let wanted = vec![
                ("status", FieldValue::str(Status::Done.as_str())),
                ("completed_at", FieldValue::str(now)),
                ("merged_commit", FieldValue::str(merged_commit)),
                ("blocked_by", FieldValue::Null),
                ("blocked_reason", FieldValue::Null),
            ];
            let mut wanted = wanted;
            wanted.extend(extra.iter().map(|(k, v)| (*k, FieldValue::str(v))));
            Ok(Plan::new(task, wanted, message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;
    use crate::queue::{parse, set_fields};

    const NOW: &str = "2026-03-09T10:00:00Z";

    /// `agent-a` claims for lane A-backend (the given task, or the next ready one).
    fn claim_a(queue: &Queue, task: Option<&str>) -> Result<Plan, RuleError> {
        plan_claim(
            queue,
            "A-backend",
            None,
            "agent/A-backend",
            "agent-a",
            task,
            NOW,
        )
    }

    /// Tasks written as `id role status [key=value...]`, one per line, for compact tests.
    fn q(spec: &str) -> Queue {
        let mut src = String::from("version: 1\ntasks:\n");
        for line in spec.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let mut words = line.split_whitespace();
            let (id, role, status) = (
                words.next().unwrap(),
                words.next().unwrap(),
                words.next().unwrap(),
            );
            src.push_str(&format!(
                "  - id: {id}\n    title: t\n    role: {role}\n    status: {status}\n"
            ));
            if !line.contains("acceptance_checks=") {
                src.push_str("    acceptance_checks: [make test]\n");
            }
            for kv in words {
                let (k, v) = kv.split_once('=').unwrap();
                src.push_str(&format!("    {k}: {v}\n"));
            }
        }
        parse(src.as_bytes(), "q.yaml").unwrap_or_else(|e| panic!("{e}"))
    }

    fn ids(tasks: &[&Task]) -> Vec<String> {
        tasks.iter().map(|t| t.id.clone()).collect()
    }

    fn kinds(problems: &[Problem]) -> Vec<ProblemKind> {
        problems.iter().map(|p| p.kind).collect()
    }

    fn s(v: &str) -> FieldValue {
        FieldValue::str(v)
    }

    const BASE: &dyn Fn(&str) -> Option<bool> = &|_| Some(true);

    #[test]
    fn ready_and_claim_go_by_priority_then_sequence_then_file_order() {
        let mut queue = q("
            A-1 A-backend todo
            A-2 A-backend todo priority=5 sequence=2
            A-3 A-backend todo priority=5 sequence=1
            A-4 A-backend todo priority=999
            A-5 A-backend todo priority=5
            A-6 A-backend todo priority=1 depends_on=[A-1]
        ");
        assert_eq!(
            ids(&ready(&queue, "A-backend", None)),
            ["A-3", "A-2", "A-5", "A-4", "A-1"]
        );
        assert_eq!(claim_a(&queue, None).unwrap().task_id, "A-3");
        queue.default_priority = 1;
        assert_eq!(
            ids(&ready(&queue, "A-backend", None)),
            ["A-1", "A-3", "A-2", "A-5", "A-4"]
        );
        assert_eq!(claim_a(&queue, None).unwrap().task_id, "A-1");
    }

    #[test]
    fn ready_needs_todo_role_and_done_dependencies() {
        let queue = q("
            C-1 C-ops done merged_commit=abc1
            C-2 C-ops in_progress owner=o branch=agent/C-ops
            A-1 A-backend todo depends_on=[C-1]
            A-2 A-backend todo depends_on=[C-1,C-2]
            A-3 A-backend todo depends_on=[NOPE]
            A-4 A-backend in_progress owner=o branch=agent/A-backend
            A-5 A-backend todo
            B-1 B-ui todo
        ");
        assert_eq!(ids(&ready(&queue, "A-backend", None)), ["A-1", "A-5"]);
        assert!(ready(&queue, "Z", None).is_empty());
    }

    #[test]
    fn ready_in_v2_lanes() {
        let queue = q("
            B-1 B-ui todo lane=1
            B-2 B-ui todo lane=2
            B-3 B-ui todo
        ");
        assert_eq!(ids(&ready(&queue, "B-ui", Some(1))), ["B-1", "B-3"]);
        assert_eq!(ids(&ready(&queue, "B-ui", Some(2))), ["B-2", "B-3"]);
        assert_eq!(ids(&ready(&queue, "B-ui", None)), ["B-1", "B-2", "B-3"]);
    }

    #[test]
    fn claim_takes_the_first_ready_task() {
        let queue = q("
            A-1 A-backend todo depends_on=[A-9]
            A-9 A-backend in_progress owner=x branch=agent/other
            A-2 A-backend todo blocked_by=A-1
            A-3 A-backend todo
        ");
        let plan = claim_a(&queue, None).unwrap_err();
        assert!(
            plan.message
                .starts_with("lane agent/A-backend already has A-9"),
            "{plan}"
        );

        let queue = q("
            A-1 A-backend todo depends_on=[A-9]
            A-9 A-backend blocked blocked_by=A-1
            A-2 A-backend todo blocked_by=A-1
            A-3 A-backend todo
        ");
        let plan = claim_a(&queue, None).unwrap();
        assert_eq!(plan.task_id, "A-2");
        assert_eq!(
            plan.changes,
            vec![
                ("status", s("in_progress")),
                ("owner", s("agent-a")),
                ("branch", s("agent/A-backend")),
                ("claimed_at", s(NOW)),
                ("blocked_by", FieldValue::Null),
            ]
        );
        assert_eq!(plan.message, "queue: A-2 in_progress (agent-a)");
    }

    #[test]
    fn claim_refuses_unmet_dependencies_naming_them() {
        let queue = q("
            C-1 C-ops in_progress owner=o branch=agent/C-ops
            C-2 C-ops done merged_commit=abc1
            A-1 A-backend todo depends_on=[C-1,C-2,GONE]
        ");
        let e = claim_a(&queue, Some("A-1")).unwrap_err();
        assert_eq!(e.kind, RuleErrorKind::Refused);
        assert_eq!(e.message, "A-1 has unmet dependencies");
        assert_eq!(
            e.details,
            ["C-1 is in_progress", "GONE does not exist in the queue"]
        );
        let err: Error = e.into();
        assert_eq!(err.kind, Kind::Refused);
        assert_eq!(err.details.len(), 2);
    }

    #[test]
    fn claim_refuses_other_roles_lanes_and_statuses() {
        let queue = q("
            B-1 B-ui todo lane=2
            B-2 B-ui blocked blocked_by=B-1 owner=x
            A-1 A-backend todo
        ");
        let claim = |role, lane, task| {
            plan_claim(
                &queue,
                role,
                lane,
                "agent/B-ui-1",
                "agent-b",
                Some(task),
                NOW,
            )
        };
        assert_eq!(
            claim("B-ui", Some(1), "A-1").unwrap_err().message,
            "A-1 belongs to role A-backend, not B-ui"
        );
        assert_eq!(
            claim("B-ui", Some(1), "B-1").unwrap_err().message,
            "B-1 is pinned to lane 2 of B-ui"
        );
        assert_eq!(
            claim("B-ui", Some(1), "B-2").unwrap_err().message,
            "B-2 is blocked (owner x), not todo"
        );
        assert_eq!(
            claim("B-ui", Some(1), "NOPE").unwrap_err().kind,
            RuleErrorKind::BadArgument
        );
        assert!(claim("B-ui", Some(2), "B-1").is_ok());
    }

    #[test]
    fn one_task_in_progress_per_lane() {
        let queue = q("
            B-1 B-ui in_progress lane=1 owner=x branch=agent/B-ui-1
            B-2 B-ui in_progress owner=y branch=agent/B-ui-2
            B-3 B-ui todo
            A-1 A-backend in_progress owner=z branch=agent/A-legacy
            A-2 A-backend todo
        ");
        let claim = |role, lane, branch| {
            plan_claim(&queue, role, lane, branch, "agent-b", Some("B-3"), NOW)
        };
        assert!(
            claim("B-ui", Some(1), "agent/B-ui-1").is_err(),
            "same branch"
        );
        assert!(
            claim("B-ui", Some(1), "agent/B-ui-renamed").is_err(),
            "same role and lane field"
        );
        assert!(
            claim("B-ui", Some(2), "agent/B-ui-2").is_err(),
            "same branch, no lane field"
        );
        assert!(
            claim("B-ui", Some(3), "agent/B-ui-3").is_ok(),
            "a free lane"
        );
        let v1 = plan_claim(
            &queue,
            "A-backend",
            None,
            "agent/A-backend",
            "a",
            Some("A-2"),
            NOW,
        );
        assert!(
            v1.unwrap_err().message.contains("already has A-1"),
            "V1: the role is one lane"
        );
    }

    #[test]
    fn claim_with_nothing_ready_says_what_waits() {
        let queue = q("
            C-1 C-ops todo
            A-1 A-backend todo depends_on=[C-1]
        ");
        let e = claim_a(&queue, None).unwrap_err();
        assert_eq!(e.message, "no ready task for A-backend");
        assert_eq!(e.details, ["A-1 waits on C-1 is todo"]);
        let e = plan_claim(
            &queue,
            "B-ui",
            Some(2),
            "agent/B-ui-2",
            "agent-a",
            None,
            NOW,
        )
        .unwrap_err();
        assert_eq!(e.message, "no ready task for B-ui lane 2");
    }

    #[test]
    fn claim_refuses_hostile_arguments() {
        let queue = q("A-1 A-backend todo");
        for (role, branch, owner) in [
            ("A-backend", "agent/A-backend", "$(touch PWNED)"),
            ("A-backend", "agent/$(id)", "o"),
            ("../x", "agent/A-backend", "o"),
        ] {
            let e = plan_claim(&queue, role, None, branch, owner, None, NOW).unwrap_err();
            assert_eq!(e.kind, RuleErrorKind::BadArgument);
            assert_eq!(Error::from(e).exit_code(), 2);
        }
    }

    #[test]
    fn a_claim_applied_by_edit_validates_clean() {
        let src = "version: 1\ntasks:\n  - id: A-1   # first\n    title: t\n    role: A-backend\n    status: todo\n    acceptance_checks: [make test]\n";
        let queue = parse(src.as_bytes(), "q.yaml").unwrap();
        let plan = claim_a(&queue, None).unwrap();
        let out = set_fields(src, "q.yaml", &plan.task_id, &plan.changes).unwrap();
        assert_eq!(
            out,
            format!(
                "{src}    owner: agent-a\n    branch: agent/A-backend\n    claimed_at: \"{NOW}\"\n"
            )
            .replace("status: todo", "status: in_progress")
        );
        let after = parse(out.as_bytes(), "q.yaml").unwrap();
        assert_eq!(validate(&after, BASE), vec![]);
        let done = plan_done(&after, "A-1", "abc1234", NOW).unwrap();
        let out = set_fields(&out, "q.yaml", &done.task_id, &done.changes).unwrap();
        assert_eq!(
            validate(&parse(out.as_bytes(), "q.yaml").unwrap(), BASE),
            vec![]
        );
    }

    #[test]
    fn set_done_is_left_to_merge() {
        let queue = q("A-1 A-backend in_progress owner=o branch=agent/A-backend");
        let e = plan_set(&queue, "A-1", Status::Done, None, None).unwrap_err();
        assert_eq!(
            e.message,
            "`done` is set by `wt merge`, once the lane's commits are on base"
        );
        assert_eq!(e.kind, RuleErrorKind::Refused);
    }

    #[test]
    fn set_blocked_needs_an_existing_other_task() {
        let queue = q("
            A-1 A-backend in_progress owner=o branch=agent/A-backend
            C-1 C-ops todo
        ");
        let set = |by| plan_set(&queue, "A-1", Status::Blocked, None, by);
        assert_eq!(set(None).unwrap_err().kind, RuleErrorKind::BadArgument);
        assert_eq!(
            set(Some("A-1")).unwrap_err().message,
            "A-1 cannot block itself"
        );
        assert_eq!(
            set(Some("NOPE")).unwrap_err().message,
            "no task \"NOPE\" in the queue"
        );
        let plan = set(Some("C-1")).unwrap();
        assert_eq!(
            plan.changes,
            vec![("status", s("blocked")), ("blocked_by", s("C-1"))]
        );
        assert_eq!(plan.message, "queue: A-1 blocked (o)");
    }

    #[test]
    fn leaving_blocked_clears_blocked_by() {
        let queue = q("
            A-1 A-backend blocked blocked_by=C-1 owner=o branch=agent/A-backend claimed_at=x
            C-1 C-ops done merged_commit=abc1
            A-2 A-backend blocked blocked_by=C-1
        ");
        let todo = plan_set(&queue, "A-1", Status::Todo, None, None).unwrap();
        assert_eq!(
            todo.changes,
            vec![
                ("status", s("todo")),
                ("owner", FieldValue::Null),
                ("branch", FieldValue::Null),
                ("claimed_at", FieldValue::Null),
                ("blocked_by", FieldValue::Null),
            ]
        );
        let resume = plan_set(&queue, "A-1", Status::InProgress, None, None).unwrap();
        assert_eq!(
            resume.changes,
            vec![
                ("status", s("in_progress")),
                ("blocked_by", FieldValue::Null)
            ]
        );
        let e = plan_set(&queue, "A-2", Status::InProgress, Some("o"), None).unwrap_err();
        assert!(e.message.contains("has no branch"), "{e}");
        assert_eq!(
            plan_set(&queue, "A-2", Status::InProgress, None, None)
                .unwrap_err()
                .kind,
            RuleErrorKind::BadArgument
        );
    }

    #[test]
    fn resuming_keeps_the_rules_of_a_claim() {
        let queue = q("
            A-1 A-backend blocked blocked_by=C-1 owner=o branch=agent/A-backend depends_on=[C-1]
            C-1 C-ops todo
            A-2 A-backend blocked blocked_by=C-1 owner=o branch=agent/A-backend
            A-3 A-backend in_progress owner=p branch=agent/A-backend
        ");
        let e = plan_set(&queue, "A-1", Status::InProgress, None, None).unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.details.as_slice()),
            (
                "A-1 has unmet dependencies",
                &["C-1 is todo".to_string()][..]
            )
        );
        let e = plan_set(&queue, "A-2", Status::InProgress, None, None).unwrap_err();
        assert_eq!(
            e.message,
            "lane agent/A-backend already has A-3 in_progress"
        );
    }

    #[test]
    fn done_tasks_stay_done_and_noops_are_empty() {
        let queue = q("
            A-1 A-backend done merged_commit=abc1
            A-2 A-backend todo
        ");
        assert!(plan_set(&queue, "A-1", Status::Todo, None, None)
            .unwrap_err()
            .message
            .contains("not reopened"));
        assert!(plan_set(&queue, "A-2", Status::Todo, None, None)
            .unwrap()
            .is_noop());
        assert_eq!(
            plan_set(&queue, "A-2", Status::Todo, Some("$x"), None)
                .unwrap_err()
                .kind,
            RuleErrorKind::BadArgument
        );
    }

    #[test]
    fn done_is_recorded_once() {
        let queue = q("
            A-1 A-backend in_progress owner=o branch=agent/A-backend
            A-2 A-backend done merged_commit=abc1
            A-3 A-backend todo
        ");
        let plan = plan_done(&queue, "A-1", "abc1234", NOW).unwrap();
        assert_eq!(
            plan.changes,
            vec![
                ("status", s("done")),
                ("completed_at", s(NOW)),
                ("merged_commit", s("abc1234"))
            ]
        );
        assert_eq!(plan.message, "queue: A-1 done (abc1234)");
        assert!(plan_done(&queue, "A-2", "abc1", NOW).unwrap().is_noop());
        assert!(plan_done(&queue, "A-2", "fff1", NOW)
            .unwrap_err()
            .message
            .contains("already done"));
        assert!(plan_done(&queue, "A-3", "abc1", NOW)
            .unwrap_err()
            .message
            .contains("never claimed"));
        assert_eq!(
            plan_done(&queue, "A-1", "HEAD", NOW).unwrap_err().kind,
            RuleErrorKind::BadArgument
        );
    }

    #[test]
    fn lane_task_finds_the_claimed_task() {
        let queue = q("
            A-1 A-backend todo
            A-2 A-backend in_progress owner=o branch=agent/A-backend
        ");
        assert_eq!(
            lane_task(&queue, "A-backend", None, "agent/A-backend").map(|t| t.id.as_str()),
            Some("A-2")
        );
        assert!(lane_task(&queue, "B-ui", Some(1), "agent/B-ui-1").is_none());
    }

    #[test]
    fn validate_reports_every_problem_at_once() {
        let queue = q("
            A-1 A-backend todo depends_on=[NOPE,A-1]
            A-2 A-backend in_progress
            A-3 A-backend blocked
            A-4 A-backend blocked blocked_by=GONE
            A-5 A-backend done
            A-6 A-backend done merged_commit=bad0
            A-7 A-backend done merged_commit=abc1
            B-1 B-ui in_progress owner=a branch=agent/B-ui-1
            B-2 B-ui in_progress owner=b branch=agent/B-ui-1
            B-3 B-ui in_progress owner=c branch=agent/B-ui-2 lane=2
            B-4 B-ui in_progress owner=d branch=agent/B-ui-9 lane=2
            C-1 C-ops todo depends_on=[C-2]
            C-2 C-ops todo depends_on=[C-1]
            D-1 D-x todo acceptance_checks=[]
            A-8 A-backend blocked blocked_by=A-8
        ");
        let on_base = |c: &str| match c {
            "bad0" => Some(false),
            "abc1" => None,
            _ => Some(true),
        };
        let problems = validate(&queue, &on_base);
        use ProblemKind::*;
        assert_eq!(
            kinds(&problems),
            [
                UnknownDependency,
                SelfDependency,
                MissingOwner,
                MissingBranch,
                MissingBlockedBy,
                BadBlockedBy,
                MissingMergedCommit,
                CommitNotOnBase,
                LaneConflict,
                LaneConflict,
                DependencyCycle,
                NoAcceptanceChecks,
                BadBlockedBy,
            ]
        );
        let cycle = problems.iter().find(|p| p.kind == DependencyCycle).unwrap();
        assert_eq!(cycle.message, "dependency cycle: C-1 -> C-2 -> C-1");
        assert_eq!(cycle.line, queue.task("C-1").unwrap().line);
        let lanes: Vec<&str> = problems
            .iter()
            .filter(|p| p.kind == LaneConflict)
            .map(|p| p.message.as_str())
            .collect();
        assert_eq!(
            lanes,
            [
                "lane agent/B-ui-1 has 2 tasks in_progress: B-1, B-2",
                "lane 2 of B-ui has 2 tasks in_progress: B-3, B-4"
            ]
        );
        assert!(problems
            .iter()
            .all(|p| p.line.is_some() && !p.fix.is_empty()));
        let json = serde_json::to_value(&problems[0]).unwrap();
        assert_eq!(json["kind"], "unknown_dependency");
    }

    #[test]
    fn validate_names_longer_cycles_once() {
        let queue = q("
            T-1 r todo depends_on=[T-2]
            T-2 r todo depends_on=[T-3,T-4]
            T-3 r todo depends_on=[T-1]
            T-4 r todo depends_on=[T-2]
            U-1 r todo depends_on=[U-2]
            U-2 r todo depends_on=[U-1]
            V-1 r todo depends_on=[T-1]
        ");
        let cycles: Vec<String> = validate(&queue, BASE)
            .into_iter()
            .map(|p| p.message)
            .collect();
        assert_eq!(
            cycles,
            [
                "dependency cycle: T-1 -> T-2 -> T-3 -> T-1",
                "dependency cycle: U-1 -> U-2 -> U-1"
            ]
        );
    }

    #[test]
    fn validate_checks_what_only_code_can_build() {
        let mut queue = q("A-1 A-backend todo");
        let mut dup = queue.tasks[0].clone();
        dup.owner = Some("$(touch PWNED)".into());
        dup.depends_on = vec!["a b".into()];
        queue.tasks.push(dup);
        let problems = validate(&queue, BASE);
        use ProblemKind::*;
        assert_eq!(
            kinds(&problems),
            [DuplicateId, BadName, BadName, UnknownDependency]
        );
    }

    #[test]
    fn large_chains_stay_linear() {
        let n = 100_000;
        let mut tasks: Vec<Task> = (0..n)
            .map(|i| Task::new(&format!("T{i}"), "t", "r"))
            .collect();
        for (i, task) in tasks.iter_mut().enumerate().skip(1) {
            task.depends_on = vec![format!("T{}", i - 1)];
            task.acceptance_checks = vec!["x".into()];
        }
        tasks[0].depends_on = vec![format!("T{}", n - 1)];
        tasks[0].acceptance_checks = vec!["x".into()];
        let queue = Queue::new(tasks);
        let problems = validate(&queue, BASE);
        assert_eq!(kinds(&problems), [ProblemKind::DependencyCycle]);
        assert!(ready(&queue, "r", None).is_empty());
    }
}
