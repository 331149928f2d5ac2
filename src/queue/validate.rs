//! What is wrong with a queue, all at once: duplicate ids (archives included), bad names,
//! unknown and cyclic dependencies, roles and lanes `lanes.toml` does not define, states that
//! miss what they need, two tasks in one lane, merged commits that are not on base. Each problem
//! has a severity: errors make `wt queue validate` exit 1, warnings (history from before `wt`,
//! a task without acceptance checks) are listed and exit 0 unless `--strict`. Pure: the caller
//! answers git questions through a closure.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde::Serialize;

use super::model::{name_kind, FieldValue, Queue, Status, Task, TASK_FIELDS};
use super::parse::Finding;

/// One thing wrong with the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub severity: Severity,
    pub task: Option<String>,
    /// The file the line is in, when it is not the queue file (an archive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub line: Option<u32>,
    pub message: String,
    pub fix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A role as `lanes.toml` defines it: its name and, for V2, its lane count.
pub type RoleLanes = (String, Option<u32>);

/// What `validate` may ask beyond the queue itself.
pub struct Checks<'a> {
    /// Whether a commit is on base (`None`: cannot tell, so nothing is reported).
    pub is_on_base: &'a dyn Fn(&str) -> Option<bool>,
    /// The roles of `lanes.toml`; `None` leaves roles and lanes unchecked.
    pub roles: Option<&'a [RoleLanes]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A key that looks like a known field misspelled (or, with `strict_fields`, any unknown).
    NearMissKey,
    UnknownKey,
    DuplicateKey,
    BadKey,
    BadStatus,
    BadValue,
    MissingField,
    /// An item of `tasks` that cannot be read as a task at all.
    BadTask,
    UnknownRole,
    UnknownLane,
    DuplicateId,
    BadName,
    UnknownDependency,
    SelfDependency,
    DependencyCycle,
    MissingOwner,
    MissingBranch,
    MissingBlockedBy,
    BadBlockedBy,
    LaneConflict,
    MissingMergedCommit,
    CommitNotOnBase,
    NoAcceptanceChecks,
    UnknownParent,
    ParentCycle,
    DuplicateMergeOrder,
    MissingException,
    /// An acceptance check that reads as prose, not a command the lane can run.
    ProseCheck,
}

impl ProblemKind {
    pub fn severity(self) -> Severity {
        match self {
            ProblemKind::MissingMergedCommit
            | ProblemKind::NoAcceptanceChecks
            | ProblemKind::ProseCheck => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl Problem {
    /// A problem `parse_all` found while reading the file.
    pub fn from_finding(f: &Finding, file: Option<&str>) -> Problem {
        Problem {
            kind: f.kind,
            severity: f.kind.severity(),
            task: None,
            file: file.map(str::to_string),
            line: u32::try_from(f.error.line).ok(),
            message: f.error.message.clone(),
            fix: f.error.fix.clone(),
        }
    }
}

/// The problems of a file read with `parse_all`: what reading found and what [`validate_with`]
/// finds, in line order.
pub fn validate_file(queue: &Queue, findings: &[Finding], checks: &Checks) -> Vec<Problem> {
    let mut problems: Vec<Problem> = findings
        .iter()
        .map(|f| Problem::from_finding(f, None))
        .collect();
    problems.extend(validate_with(queue, checks));
    problems.sort_by_key(|p| (p.file.is_some(), p.line.unwrap_or(u32::MAX)));
    problems
}

/// Every problem at once, in file order. `is_on_base(commit)` answers whether a commit is on
/// the base branch (`None`: cannot tell, so no problem is reported). Unknown keys and bad
/// statuses cannot reach a [`Queue`]: `parse` refuses them with their line (`parse_all` lists
/// them; see [`validate_file`]).
pub fn validate(queue: &Queue, is_on_base: &dyn Fn(&str) -> Option<bool>) -> Vec<Problem> {
    validate_with(
        queue,
        &Checks {
            is_on_base,
            roles: None,
        },
    )
}

/// [`validate`] with the roles of `lanes.toml` (and the archive the queue carries).
pub fn validate_with(queue: &Queue, checks: &Checks) -> Vec<Problem> {
    let index = queue.index();
    let archived = super::archive::by_id(queue);
    let known = |id: &str| index.contains_key(id) || archived.contains_key(id);
    let mut problems = Vec::new();
    for (i, task) in queue.tasks.iter().enumerate() {
        let mut report =
            |kind, message: String, fix: &str| problems.push(problem(task, kind, message, fix));
        let first = index[task.id.as_str()];
        if first != i {
            let line = queue.tasks[first].line.unwrap_or(0);
            report(
                ProblemKind::DuplicateId,
                format!("duplicate task id {} (first on line {line})", task.id),
                "give each task its own id",
            );
        }
        if let Some((file, t)) = archived.get(task.id.as_str()) {
            let at = t.line.map_or(String::new(), |l| format!(":{l}"));
            report(
                ProblemKind::DuplicateId,
                format!("task id {} is also in the archive ({file}{at})", task.id),
                "give the live task a new id: archived ids stay taken",
            );
        }
        names(task, &mut report);
        dependencies(task, &known, &mut report);
        state(task, &known, checks.is_on_base, &mut report);
        if let Some(roles) = checks.roles {
            role_and_lane(task, roles, &mut problems);
        }
    }
    lane_conflicts(queue, &mut problems);
    cycles(queue, &index, &mut problems);
    problems.extend(super::family::problems(queue));
    problems.sort_by_key(|p| p.line.unwrap_or(u32::MAX));
    problems
}

fn problem(task: &Task, kind: ProblemKind, message: String, fix: &str) -> Problem {
    Problem {
        kind,
        severity: kind.severity(),
        task: Some(task.id.clone()),
        file: None,
        line: task.line,
        message,
        fix: fix.to_string(),
    }
}

/// A role `lanes.toml` does not define, or a lane its role does not have: no lane could ever
/// claim the task. A done task of a role since removed is history: a warning.
fn role_and_lane(task: &Task, roles: &[RoleLanes], problems: &mut Vec<Problem>) {
    if task.role.is_empty() {
        return;
    }
    let (id, role) = (&task.id, &task.role);
    let found = roles.iter().find(|(n, _)| n == role);
    let (kind, message, fix) = match (found, task.lane) {
        (None, _) => {
            let names: Vec<&str> = roles.iter().map(|(n, _)| n.as_str()).collect();
            (
                ProblemKind::UnknownRole,
                format!("{id} has role {role}, which lanes.toml does not define"),
                format!(
                    "use a role of lanes.toml ({}), or add a [[role]] named {role}",
                    names.join(", ")
                ),
            )
        }
        (Some((_, None)), Some(n)) => (
            ProblemKind::UnknownLane,
            format!("{id} is pinned to lane {n}, but {role} is a V1 role with one lane"),
            format!("remove `lane: {n}` from the task, or give {role} `lanes = N` in lanes.toml"),
        ),
        (Some((_, Some(max))), Some(n)) if n > *max => (
            ProblemKind::UnknownLane,
            format!("{id} is pinned to lane {n} of {role}, which has lanes 1 to {max}"),
            format!("pin it to a lane from 1 to {max}, or remove `lane:` so any lane may take it"),
        ),
        _ => return,
    };
    let mut p = problem(task, kind, message, &fix);
    if task.status == Status::Done {
        p.severity = Severity::Warning;
    }
    problems.push(p);
}

type Report<'r> = dyn FnMut(ProblemKind, String, &str) + 'r;

/// Names that `parse` would have refused; only a queue built in code can hold them.
fn names(task: &Task, report: &mut Report) {
    for field in TASK_FIELDS {
        let Some(kind) = name_kind(field) else {
            continue;
        };
        let values = match task.field(field) {
            Some(FieldValue::Str(s)) => vec![s],
            Some(FieldValue::List(items)) => items,
            _ => Vec::new(),
        };
        for v in values.iter().filter(|v| !kind.check(v)) {
            report(
                ProblemKind::BadName,
                format!(
                    "{} has `{field}` {v:?}, not matching {}",
                    task.id,
                    kind.rule()
                ),
                "rename it",
            );
        }
    }
}

fn dependencies(task: &Task, known: &dyn Fn(&str) -> bool, report: &mut Report) {
    for dep in &task.depends_on {
        if *dep == task.id {
            report(
                ProblemKind::SelfDependency,
                format!("{} depends on itself", task.id),
                "remove it from its own depends_on",
            );
        } else if !known(dep) {
            let message = format!("{} depends on unknown task {dep}", task.id);
            report(
                ProblemKind::UnknownDependency,
                message,
                "fix the id, or add the missing task",
            );
        }
    }
}

fn state(
    task: &Task,
    known: &dyn Fn(&str) -> bool,
    is_on_base: &dyn Fn(&str) -> Option<bool>,
    report: &mut Report,
) {
    match task.status {
        Status::InProgress => in_progress_state(task, report),
        Status::Blocked => blocked_state(task, known, report),
        Status::Done => done_state(task, is_on_base, report),
        Status::Todo => {}
    }
    if task.acceptance_checks.iter().all(|c| c.trim().is_empty()) {
        report(
            ProblemKind::NoAcceptanceChecks,
            format!("{} has no acceptance checks", task.id),
            "list the commands that prove it done under acceptance_checks",
        );
    }
}

fn in_progress_state(task: &Task, report: &mut Report) {
    let id = &task.id;
    if task.owner.is_none() {
        let fix = format!("name the owner: `wt queue set {id} in_progress --owner NAME`");
        report(
            ProblemKind::MissingOwner,
            format!("{id} is in_progress without an owner"),
            &fix,
        );
    }
    if task.branch.is_none() {
        let fix = format!("release it with `wt queue set {id} todo`, then claim it from its lane");
        report(
            ProblemKind::MissingBranch,
            format!("{id} is in_progress without a branch"),
            &fix,
        );
    }
}

fn blocked_state(task: &Task, known: &dyn Fn(&str) -> bool, report: &mut Report) {
    let id = &task.id;
    let fix =
        format!("name the blocker: `wt queue set {id} blocked --by OTHER` or `--reason TEXT`");
    match task.blocked_by.as_deref() {
        None if task.blocked_reason.is_some() => {}
        None => report(
            ProblemKind::MissingBlockedBy,
            format!("{id} is blocked without blocked_by or blocked_reason"),
            &fix,
        ),
        Some(by) if by == id => report(
            ProblemKind::BadBlockedBy,
            format!("{id} is blocked by itself"),
            &fix,
        ),
        Some(by) if !known(by) => report(
            ProblemKind::BadBlockedBy,
            format!("{id} is blocked by unknown task {by}"),
            &fix,
        ),
        Some(_) => {}
    }
}

fn done_state(task: &Task, is_on_base: &dyn Fn(&str) -> Option<bool>, report: &mut Report) {
    let id = &task.id;
    match task.merged_commit.as_deref() {
        None => {
            let legacy = ["commit", "commit_sha"]
                .iter()
                .find_map(|k| Some((*k, task.extra.get(k)?)));
            let (message, fix) = match legacy {
                Some((key, value)) => (
                    format!("{id} is done without merged_commit (its `{key}: {}` is kept as it is)", plain(value)),
                    format!("to have wt check it against base, map it in lanes.toml: [queue.field_names] merged_commit = \"{key}\""),
                ),
                None => (
                    format!("{id} is done without merged_commit (finished before wt recorded merges?)"),
                    "record the commit that merged it under merged_commit, if it is known".to_string(),
                ),
            };
            report(ProblemKind::MissingMergedCommit, message, &fix)
        }
        Some(c) if is_on_base(c) == Some(false) => {
            let message = format!("{id} is done but its merged_commit {c} is not on base");
            let fix = "merge the lane again (`wt merge LANE`), or correct merged_commit";
            report(ProblemKind::CommitNotOnBase, message, fix)
        }
        Some(_) => {}
    }
}

/// More than one `in_progress` task per lane: per branch, and per role and pinned lane.
fn lane_conflicts(queue: &Queue, problems: &mut Vec<Problem>) {
    // why: ordered maps, so problems on the same line always come out in the same order.
    let mut by_branch: BTreeMap<&str, Vec<&Task>> = BTreeMap::new();
    let mut by_lane: BTreeMap<(&str, u32), Vec<&Task>> = BTreeMap::new();
    for t in queue
        .tasks
        .iter()
        .filter(|t| t.status == Status::InProgress)
    {
        if let Some(b) = t.branch.as_deref() {
            by_branch.entry(b).or_default().push(t);
        }
        if let Some(lane) = t.lane {
            by_lane.entry((t.role.as_str(), lane)).or_default().push(t);
        }
    }
    let mut reported: Vec<Vec<&str>> = Vec::new();
    let groups = by_branch
        .into_iter()
        .map(|(b, ts)| (format!("lane {b}"), ts));
    let groups = groups.chain(
        by_lane
            .into_iter()
            .map(|((r, l), ts)| (format!("lane {l} of {r}"), ts)),
    );
    for (name, tasks) in groups.filter(|(_, ts)| ts.len() > 1) {
        let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        if reported.contains(&ids) {
            continue;
        }
        let message = format!(
            "{name} has {} tasks in_progress: {}",
            ids.len(),
            ids.join(", ")
        );
        problems.push(problem(
            tasks[1],
            ProblemKind::LaneConflict,
            message,
            "a lane works on one task at a time: block or release all but one",
        ));
        reported.push(ids);
    }
}

/// Dependency cycles, one per strongly connected component, named from the component's
/// first task in file order: `A -> B -> A`. Linear in tasks plus dependencies.
fn cycles(queue: &Queue, index: &HashMap<&str, usize>, problems: &mut Vec<Problem>) {
    let edges: Vec<Vec<usize>> = queue
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.depends_on
                .iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .filter(|&j| j != i)
                .collect()
        })
        .collect();
    let components = strongly_connected(&edges);
    for members in components.iter().filter(|c| c.len() > 1) {
        let start = *members.iter().min().unwrap_or(&0);
        let path = cycle_through(start, &edges, members);
        let names: Vec<&str> = path.iter().map(|&i| queue.tasks[i].id.as_str()).collect();
        let message = format!("dependency cycle: {}", names.join(" -> "));
        problems.push(problem(
            &queue.tasks[start],
            ProblemKind::DependencyCycle,
            message,
            "remove one of these depends_on entries",
        ));
    }
}

/// Tarjan's algorithm without recursion, so a 100,000-task chain cannot overflow the stack.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let (mut order, mut low, mut on_stack) = (vec![UNSEEN; n], vec![0; n], vec![false; n]);
    let (mut stack, mut components, mut counter) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if order[root] != UNSEEN {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut next)) = work.last_mut() {
            if *next == 0 {
                order[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*next) {
                *next += 1;
                if order[w] == UNSEEN {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(order[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == order[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

/// A shortest cycle from `start` back to itself inside one component (breadth-first).
fn cycle_through(start: usize, edges: &[Vec<usize>], members: &[usize]) -> Vec<usize> {
    let inside: HashSet<usize> = members.iter().copied().collect();
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &edges[v] {
            if w == start {
                let mut path = vec![start, v];
                let mut at = v;
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if inside.contains(&w) && !parent.contains_key(&w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start, start]
}

fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
